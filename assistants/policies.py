"""Who may do what with time and time off: one predicate per action and object.

The services ask these and refuse (`require_*`), so a rule holds whatever calls them — the
API, the portal, a job or a shell; the API's and the portal's views and templates ask the
same predicates to decide what to offer. A person who may not even see the object is told
it does not exist (404), as its list would not show it; one who sees it but may not act is
refused (403).
"""

from django.utils.translation import gettext as _

from assistants.models import TimeEntry
from concierge import errors
from concierge.models import User


def may_see_entry(user: User, entry: TimeEntry) -> bool:
    """Managers see every entry, an assistant their own, a client those on their tasks."""
    if user.is_manager:
        return True
    if user.is_assistant:
        return entry.assistant_id == user.pk
    return user.is_client and entry.task.client_id == user.pk


def may_change_entry(user: User, entry: TimeEntry) -> bool:
    """Edit or delete: the assistant who logged it, or a manager (the service then decides
    whether its state allows it: invoiced, disputed)."""
    return user.is_manager or (user.is_assistant and entry.assistant_id == user.pk)


def may_dispute_entry(user: User, entry: TimeEntry) -> bool:
    """Only the client billed for it."""
    return user.is_client and entry.task.client_id == user.pk


def may_resolve_entry(user: User) -> bool:
    """Deciding a dispute or a runaway timer is a manager's call."""
    return user.is_manager


def may_manage_time_off(user: User) -> bool:
    return user.is_manager


# What a person may do at all — the API's permissions, the portal's view decorators and
# navigation ask these; the object rules above then hold on the entry itself.


def may_write_time(user: User) -> bool:
    """Log, edit and delete time: assistants their own, managers anyone's."""
    return user.is_assistant or user.is_manager


def may_track_own_time(user: User) -> bool:
    """The timer and "Log time" on one's own tasks: an assistant's."""
    return user.is_assistant


def may_dispute_time(user: User) -> bool:
    return user.is_client


def may_read_time_off(user: User) -> bool:
    """Managers everyone's, an assistant their own."""
    return user.is_assistant or user.is_manager


def may_manage_assistants(user: User) -> bool:
    """Add assistants, set their skills, capacity and hours."""
    return user.is_manager


def may_list_assistants(user: User) -> bool:
    """Managers every assistant, a client those who serve them."""
    return user.is_manager or user.is_client


def may_see_team(user: User) -> bool:
    """The team's week, late and unassigned work, reassignment and time off."""
    return user.is_manager


def may_read_own_workload(user: User) -> bool:
    return user.is_assistant or user.is_manager


def may_keep_own_brief(user: User) -> bool:
    """A client writes their brief for the assistants (managers write it for them)."""
    return user.is_client


USER_RULES = {
    "write_time": may_write_time,
    "track_own_time": may_track_own_time,
    "dispute_time": may_dispute_time,
    "resolve_entry": may_resolve_entry,
    "manage_time_off": may_manage_time_off,
    "manage_assistants": may_manage_assistants,
    "see_team": may_see_team,
    "keep_own_brief": may_keep_own_brief,
}


def _refuse(user: User, entry: TimeEntry, message: str) -> None:
    if not may_see_entry(user, entry):
        raise errors.NotFound(errors.Code.NOT_FOUND, _("No such time entry."))
    raise errors.Forbidden(errors.Code.PERMISSION_DENIED, message)


def require_change_entry(user: User, entry: TimeEntry) -> None:
    if not may_change_entry(user, entry):
        _refuse(user, entry, _("Only the assistant who logged it or a manager changes an entry."))


def require_dispute_entry(user: User, entry: TimeEntry) -> None:
    if not may_dispute_entry(user, entry):
        _refuse(user, entry, _("Only the client billed for an entry disputes it."))


def require_resolve_entry(user: User, entry: TimeEntry) -> None:
    if not may_resolve_entry(user):
        _refuse(user, entry, _("Only a manager decides on an entry."))


def require_manage_time_off(user: User) -> None:
    if not may_manage_time_off(user):
        raise errors.Forbidden(errors.Code.PERMISSION_DENIED, _("Only a manager enters time off."))
