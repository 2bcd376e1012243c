"""Who may do what with calendars: one predicate per action, asked by the API's
permissions and the portal's pages (`concierge.policies` says how).

Every person keeps their own calendars — the feed of their tasks, the outside calendars
whose busy times are imported, their CalDAV link — scoped to them by the selectors.
"""

from concierge.models import User


def may_keep_calendars(user: User) -> bool:
    """Feeds, outside calendars and the CalDAV link: everyone their own."""
    return user.is_authenticated


def may_read_availability(user: User) -> bool:
    """When assistants are free: staff plan with it (a client books through tasks)."""
    return user.is_assistant or user.is_manager


USER_RULES = {
    "keep_calendars": may_keep_calendars,
    "read_availability": may_read_availability,
}
