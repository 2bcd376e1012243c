"""Reads of the core domain. Each takes the acting user first and returns only what that
user may see: clients their own, assistants what is assigned to them, managers all.
Anything outside is simply absent, so views turn it into a 404."""

import datetime
from typing import Any

from django.db.models import (
    DurationField,
    Expression,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from concierge import errors, hooks
from concierge.errors import NotFound
from concierge.models import (
    TERMINAL_STATUSES,
    ClientProfile,
    Message,
    Notification,
    NotificationKind,
    NotificationPreference,
    Role,
    Task,
    TaskEvent,
    TaskStatus,
    User,
)

OPEN_STATUSES = [s for s in TaskStatus.values if s not in TERMINAL_STATUSES]


def assistants_for_assignment(user: User) -> QuerySet[User]:
    """The active assistants a manager may give a task to (nobody, for other roles)."""
    if not user.is_authenticated or not user.is_manager:
        return User.objects.none()
    return User.objects.filter(role=Role.ASSISTANT, is_active=True).order_by(
        "first_name", "last_name", "id"
    )


def clients_visible_to(user: User) -> QuerySet[ClientProfile]:
    """Client profiles: managers all; assistants the clients they serve (primary, backup or
    assigned a task of theirs); clients none through this path (they use `me/`)."""
    profiles = ClientProfile.objects.select_related("user", "primary_assistant", "backup_assistant")
    if not user.is_authenticated:
        return profiles.none()
    if user.is_manager:
        return profiles
    if user.is_assistant:
        # `IN` (one hashed set of the assistant's clients, read on the assignee index),
        # not a correlated EXISTS: PostgreSQL's estimate of that one under the OR is so
        # high that it compiles the query (JIT), a third of a second per page.
        serves = Task.objects.filter(assignee=user).values("client_id")
        return profiles.filter(
            Q(primary_assistant=user) | Q(backup_assistant=user) | Q(user_id__in=serves)
        )
    return profiles.none()


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Tasks: clients their own; assistants those assigned to them now; managers all.

    Least privilege: from the moment a task is reassigned, its former assignee sees
    nothing of it (its later edits, messages and internal notes) — only their own time
    entries on it, their pay record, which `assistants.selectors` scopes by assistant."""
    tasks = Task.objects.all()
    if not user.is_authenticated:
        return tasks.none()
    if user.is_manager:
        return tasks
    if user.role == Role.CLIENT:
        return tasks.filter(client=user)
    if user.is_assistant:
        return tasks.filter(assignee=user)
    return tasks.none()


_ZERO = Value(datetime.timedelta(), output_field=DurationField())


def _logged_duration() -> Expression:
    """Sum of a task's stopped time, as one subquery per row (no N+1), from the app that
    records time (a hook: this app cannot import it); zero when none is installed."""
    source = hooks.logged_duration_source()
    return Coalesce(source(), _ZERO) if source else _ZERO


HISTORY_EVENT_KINDS = ("create", "assign", "flag", "transition")


def _history() -> Prefetch:
    """A task's history events (assignments, flags, status changes), in one query for a
    whole page, as `task.history_events`."""
    events = TaskEvent.objects.filter(kind__in=HISTORY_EVENT_KINDS).order_by("created_at", "id")
    return Prefetch("events", queryset=events, to_attr="history_events")


def task_list(
    user: User,
    *,
    filters: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
    history: bool = True,
) -> QuerySet[Task]:
    """The tasks `user` may see, with `logged_duration` and (unless `history` is off)
    their history, filtered as API.md lists."""
    filters = filters or {}
    now = now or timezone.now()
    tasks = (
        tasks_visible_to(user)
        .select_related("client", "assignee")  # their display names, in the same query
        .annotate(logged_duration=_logged_duration())
    )
    if history:
        tasks = tasks.prefetch_related(_history())
    if filters.get("status"):
        tasks = tasks.filter(status__in=filters["status"])
    if filters.get("assignee") is not None:
        tasks = tasks.filter(assignee_id=filters["assignee"])
    if filters.get("client") is not None:
        tasks = tasks.filter(client_id=filters["client"])
    if filters.get("overdue") is True:
        tasks = tasks.filter(promised_due_at__lt=now).exclude(status__in=TERMINAL_STATUSES)
    elif filters.get("overdue") is False:
        tasks = tasks.exclude(promised_due_at__lt=now, status__in=OPEN_STATUSES)
    if filters.get("due_before") is not None:
        tasks = tasks.filter(promised_due_at__lt=filters["due_before"])
    if filters.get("flagged") is True:
        tasks = tasks.filter(flagged_at__isnull=False)
    elif filters.get("flagged") is False:
        tasks = tasks.filter(flagged_at__isnull=True)
    if filters.get("unassigned") is True:
        tasks = tasks.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
    elif filters.get("unassigned") is False:
        tasks = tasks.filter(assignee__isnull=False)
    if filters.get("category"):
        tasks = tasks.filter(category=filters["category"])
    if filters.get("q"):
        q = filters["q"]
        tasks = tasks.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return tasks


def task_get(user: User, task_id: int) -> Task:
    """One task the user may see, or 404."""
    task = task_list(user).filter(pk=task_id).first()
    if task is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such task."))
    return task


def messages_visible_to(user: User, task: Task) -> QuerySet[Message]:
    """A task's messages; internal notes only for staff."""
    messages = Message.objects.filter(task=task).select_related("author")
    if not user.is_authenticated:
        return messages.none()
    if user.is_client:
        messages = messages.filter(internal=False)
    return messages


def notifications_of(user: User, *, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notifications, newest first; nobody sees another's."""
    if not user.is_authenticated:
        return Notification.objects.none()
    notifications = Notification.objects.filter(user=user)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications.order_by("-created_at", "-id")


def notification_unread_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_preferences_of(user: User) -> dict[str, bool]:
    """{kind: whether it also comes by e-mail} for every kind (default: yes)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, True) for kind in NotificationKind.values}


def open_tasks_assigned_to(user: User) -> QuerySet[Task]:
    """The open tasks `user` is assigned now (not those they once had)."""
    return Task.objects.filter(assignee=user).exclude(status__in=TERMINAL_STATUSES)
