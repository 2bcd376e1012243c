"""Reads of the assistants app; each takes the acting user first."""

from assistants.models import AssistantProfile


def assistants_visible_to(user):
    """Managers see every assistant; an assistant sees only themself."""
    profiles = AssistantProfile.objects.select_related("user")
    if not user.is_authenticated:
        return profiles.none()
    if user.is_manager:
        return profiles
    if user.is_assistant:
        return profiles.filter(user=user)
    return profiles.none()


def time_entries_visible_to(user):
    """Managers see every entry; an assistant their own; a client those on their tasks."""
    from assistants.models import TimeEntry

    entries = TimeEntry.objects.select_related("task")
    if not user.is_authenticated:
        return entries.none()
    if user.is_manager:
        return entries
    if user.is_assistant:
        return entries.filter(assistant=user)
    return entries.filter(task__client=user)
