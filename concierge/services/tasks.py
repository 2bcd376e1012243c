"""Tasks: creating, editing and assigning them, and moving them through their status
machine (`TRANSITIONS`, one `_transition` that locks, checks and records each move)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concierge import audit, categories, deadlines, errors, hooks, policies, recurrence
from concierge.errors import Conflict, Forbidden, Invalid
from concierge.models import (
    TERMINAL_STATUSES,
    Message,
    NotificationKind,
    Role,
    Task,
    TaskHistory,
    TaskStatus,
    User,
)
from concierge.notifications import addressed_to, local_time, notify
from concierge.services.locking import locked

S = TaskStatus
OPEN_STATUSES = frozenset(S) - TERMINAL_STATUSES

# The status machine: action → (statuses it may start from, status it leads to).
TRANSITIONS = {
    "start": (frozenset({S.ASSIGNED, S.WAITING_ON_CLIENT}), S.IN_PROGRESS),
    "wait": (frozenset({S.IN_PROGRESS}), S.WAITING_ON_CLIENT),
    # The client's answer to a task waiting on them puts it back in the assignee's hands.
    "client_reply": (frozenset({S.WAITING_ON_CLIENT}), S.IN_PROGRESS),
    "deliver": (frozenset({S.IN_PROGRESS}), S.DELIVERED),
    "accept": (frozenset({S.DELIVERED}), S.COMPLETED),
    "auto_complete": (frozenset({S.DELIVERED}), S.COMPLETED),
    "request_revision": (frozenset({S.DELIVERED}), S.IN_PROGRESS),
    "cancel": (OPEN_STATUSES, S.CANCELLED),
}
CLIENT_EDITABLE = frozenset(
    {
        "title",
        "description",
        "category",
        "priority",
        "requested_due_at",
        "max_minutes",
        "scheduled_start",
        "scheduled_end",
    }
)
STAFF_EDITABLE = frozenset({"title", "description", "category", "priority", "estimate_minutes"})


def allowed_transition(action: str, status: str) -> str | None:
    """The status `action` leads to from `status`, or None when the move is not allowed."""
    sources, target = TRANSITIONS[action]
    return target if status in sources else None


def _promise(task: Task, *, start: datetime.datetime) -> datetime.datetime | None:
    return deadlines.promised_due_at(
        start=start,
        estimate_minutes=task.estimate_minutes,
        requested_due_at=task.requested_due_at,
        ratio=settings.DEADLINE_BUFFER_RATIO,
        min_hours=settings.DEADLINE_BUFFER_MIN_HOURS,
    )


# Changing these may move the task's dates into its assignee's time off.
RESCHEDULING_FIELDS = frozenset(
    {"requested_due_at", "estimate_minutes", "scheduled_start", "scheduled_end"}
)


def _event(
    task: Task,
    *,
    actor: User | None,
    action: TaskHistory = TaskHistory.TRANSITION,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, list] | None = None,
) -> None:
    """A line of the task's history: a record of the audit log about the task (and about
    its client, whose words an erasure takes out)."""
    status = audit.status_change(from_status, to_status) if from_status or to_status else {}
    audit.record(
        actor=actor,
        action=action,
        target=task,
        changes={**status, **(changes or {})},
        about=task.client_id,
        note=note,
        data=data,
    )


def _validated_recurrence(rule: str) -> str:
    try:
        return recurrence.validate(rule)
    except recurrence.InvalidRecurrence as exc:
        raise Invalid(
            errors.Code.INVALID_RECURRENCE, str(exc), fields={"recurrence": [str(exc)]}
        ) from exc


def _validate_schedule(start: datetime.datetime | None, end: datetime.datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise Invalid(
            errors.Code.INVALID,
            _("An appointment must end after it starts."),
            fields={"scheduled_end": [_("Must be after the start.")]},
        )


def _transition(task: Task, *, action: str, actor: User | None, note: str = "") -> Task:
    """Move a locked task by `action`, or 409 invalid_transition."""
    target = allowed_transition(action, task.status)
    if target is None:
        raise Conflict(
            errors.Code.INVALID_TRANSITION,
            _("A task that is %(status)s cannot be moved by %(action)s.")
            % {"status": task.status, "action": action.replace("_", "-")},
        )
    source, now = task.status, timezone.now()
    task.status = target
    if target == S.DELIVERED:
        task.delivered_at = now
    elif target == S.COMPLETED:
        task.completed_at = now
    elif target == S.CANCELLED:
        task.cancelled_at = now
    task.sequence += 1
    task.save()
    _event(
        task, actor=actor, from_status=source, to_status=target, note=note, data={"action": action}
    )
    return task


def _assign(
    task: Task, *, assistant: User, actor: User | None, reason: str, data: dict | None = None
) -> Task:
    """Give a locked task to `assistant`: event row, and everyone concerned told (the new
    assignee; on a reassignment also the previous one and the client)."""
    source, previous = task.status, task.assignee_id
    task.assignee = assistant
    task.assigned_at = timezone.now()
    task.flagged_at, task.flag_reason = None, ""
    if task.status == S.NEW:
        task.status = S.ASSIGNED
    task.sequence += 1
    task.save()
    event_data = {"assistant": assistant.pk, "reason": reason, **(data or {})}
    if previous is not None:
        event_data["previous"] = previous
    _event(
        task,
        actor=actor,
        action=TaskHistory.ASSIGN,
        from_status=source,
        to_status=task.status,
        note=reason,
        data=event_data,
        changes={"assignee_id": [previous, assistant.pk]},
    )
    link = {"task": task.pk}
    words = {"task": task.pk, "title": task.title, "name": assistant.full_name, "reason": reason}
    with addressed_to(assistant):
        notify(
            user_id=assistant.pk,
            kind=NotificationKind.TASK_ASSIGNED,
            data=link,
            subject=_("New task for you: %(title)s") % words,
            body=(
                _("Task %(task)s (%(title)s) is now assigned to you.")
                if previous is None
                else _("Task %(task)s (%(title)s) is now assigned to you. Why: %(reason)s.")
            )
            % words,
        )
    if previous is not None and previous != assistant.pk:
        with addressed_to(previous):
            notify(
                user_id=previous,
                kind=NotificationKind.TASK_REASSIGNED,
                data=link,
                subject=_("Handed over: %(title)s") % words,
                body=_("Task %(task)s (%(title)s) now goes to %(name)s. Why: %(reason)s.") % words,
            )
        with addressed_to(task.client_id):
            notify(
                user_id=task.client_id,
                kind=NotificationKind.TASK_REASSIGNED,
                data=link,
                subject=_("%(name)s now takes care of %(title)s") % words,
                body=_("Your task “%(title)s” is now with %(name)s. Why: %(reason)s.") % words,
            )
    return task


def _auto_assign(task: Task) -> Task:
    """Give a new task to whoever the rule chooses; when nobody can take it right now,
    flag it at once so the managers choose (a task is never left unseen)."""
    choice = hooks.choose_assignee(task)
    if choice is None:
        reason = (
            f"nobody free takes the category “{task.category}” right now"
            if task.category
            else "no assistant is free right now"
        )
        return _flag(task, actor=None, reason=reason, data={"category": task.category})
    return _assign(task, assistant=choice.assistant, actor=None, reason=choice.reason)


@transaction.atomic
def task_hand_over(
    *, task_id: int, assistant: User, actor: User | None, reason: str, data: dict | None = None
) -> Task | None:
    """Move an open task to `assistant` because its assignee cannot do it (time off,
    deactivation); the reason is recorded and everyone concerned is told. A task that
    closed meanwhile, or already sits with `assistant`, is left alone (None)."""
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None or not task.is_open or task.assignee_id == assistant.pk:
        return None
    return _assign(task, assistant=assistant, actor=actor, reason=reason, data=data)


@transaction.atomic
def task_flag(
    *, task_id: int, actor: User | None, reason: str, data: dict | None = None
) -> Task | None:
    """Nobody free could take the task over: flag it for the managers, who are told.
    It stays with its assignee until a manager assigns it."""
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None or not task.is_open:
        return None
    return _flag(task, actor=actor, reason=reason, data=data)


def _flag(task: Task, *, actor: User | None, reason: str, data: dict | None = None) -> Task:
    """Flag a locked task for the managers, who are told."""
    task.flagged_at, task.flag_reason = timezone.now(), reason[:300]
    task.save(update_fields=["flagged_at", "flag_reason", "updated_at"])
    _event(
        task,
        actor=actor,
        action=TaskHistory.FLAG,
        note=reason,
        data={"reason": reason, **(data or {})},
    )
    words = {"task": task.pk, "title": task.title, "reason": reason}
    for manager in User.objects.filter(role=Role.MANAGER, is_active=True):
        with addressed_to(manager):
            notify(
                user_id=manager.pk,
                kind=NotificationKind.TASK_NEEDS_ASSIGNEE,
                data={"task": task.pk},
                subject=_("Needs an assignee: %(title)s") % words,
                body=_("Task %(task)s (%(title)s) needs a new assignee. Why: %(reason)s.") % words,
            )
    return task


@transaction.atomic
def task_create(
    *,
    client: User,
    title: str,
    description: str = "",
    category: str = "",
    priority: str = "normal",
    requested_due_at: datetime.datetime | None = None,
    estimate_minutes: int | None = None,
    max_minutes: int | None = None,
    recurrence: str = "",
    scheduled_start: datetime.datetime | None = None,
    scheduled_end: datetime.datetime | None = None,
) -> Task:
    """A client delegates a task; it goes straight to an assistant when one fits."""
    policies.require_create_task(client)
    hooks.check_task_create(client)
    _validate_schedule(scheduled_start, scheduled_end)
    category = categories.validated(category)
    rule = _validated_recurrence(recurrence) if recurrence else ""
    now = timezone.now()
    task = Task(
        client=client,
        title=title,
        description=description,
        category=category,
        priority=priority,
        requested_due_at=requested_due_at,
        estimate_minutes=estimate_minutes,
        max_minutes=max_minutes,
        recurrence=rule,
        scheduled_start=scheduled_start,
        scheduled_end=scheduled_end,
        created_at=now,
    )
    task.promised_due_at = _promise(task, start=now)
    if rule:
        task.occurrence_at = _series_anchor(task)
    task.save()
    _event(task, actor=client, action=TaskHistory.CREATE, to_status=task.status)
    return _auto_assign(task)


@transaction.atomic
def task_update(*, task: Task, actor: User, **fields: Any) -> Task:
    """Edit a task's details: clients what they asked for, staff the estimate."""
    task = locked(task)
    policies.require_edit_task(actor, task)
    if not task.is_open:
        raise Conflict(
            errors.Code.TASK_CLOSED, _("A completed or cancelled task cannot be edited.")
        )
    editable = CLIENT_EDITABLE if actor.is_client else STAFF_EDITABLE
    refused = sorted(set(fields) - editable)
    if refused:
        raise Forbidden(
            errors.Code.PERMISSION_DENIED,
            _("Your role may not change: %(fields)s.") % {"fields": ", ".join(refused)},
        )
    if "category" in fields and fields["category"] != task.category:
        fields["category"] = categories.validated(fields["category"])
    before = audit.snapshot(task, fields)
    changed = {}
    for name, value in fields.items():
        if getattr(task, name) != value:
            changed[name] = value
            setattr(task, name, value)
    _validate_schedule(task.scheduled_start, task.scheduled_end)
    if changed.keys() & {"estimate_minutes", "requested_due_at"}:
        task.promised_due_at = _promise(task, start=timezone.now())
    if changed:
        task.sequence += 1
        task.save()
        _event(
            task,
            actor=actor,
            action=TaskHistory.UPDATE,
            data={"fields": sorted(changed)},
            changes=audit.changes_of(before, audit.snapshot(task, changed)),
        )
    if "category" in changed:
        hooks.task_regrouped(task=task)
    if task.assignee_id and changed.keys() & RESCHEDULING_FIELDS:
        hooks.task_rescheduled(task=task, actor=actor)
        task.refresh_from_db()
    return task


@transaction.atomic
def task_assign(*, task: Task, actor: User, assistant: User, reason: str = "") -> Task:
    """A manager gives an open task to an assistant (reassigning keeps the status)."""
    policies.require_assign_task(actor, task)
    task = locked(task)
    if not task.is_open:
        raise Conflict(
            errors.Code.INVALID_TRANSITION,
            _("A task that is %(status)s cannot be assigned.") % {"status": task.status},
        )
    if not assistant.is_assistant or not assistant.is_active:
        raise Invalid(
            errors.Code.NOT_AN_ASSISTANT,
            _("User %(id)s is not an active assistant.") % {"id": assistant.pk},
            fields={"assistant": [_("Must be an active assistant.")]},
        )
    profile = getattr(assistant, "assistant_profile", None)
    if profile is not None and not profile.active:
        raise Conflict(
            errors.Code.ASSISTANT_INACTIVE,
            _("Assistant %(id)s is inactive.") % {"id": assistant.pk},
        )
    return _assign(task, assistant=assistant, actor=actor, reason=reason or "assigned by a manager")


@dataclass(frozen=True)
class Notice:
    """Whom a move of a task tells (nobody when `user_id` is None), and what: `words`
    gives the subject and the body, and is called in the reader's language and zone."""

    user_id: int | None
    kind: str
    words: Callable[[], tuple[str, str]]


def _move(
    task: Task,
    *,
    action: str,
    actor: User,
    note: str = "",
    posted: bool = False,
    before: Callable[[Task], None] | None = None,
    notice: Callable[[Task], Notice] | None = None,
) -> Task:
    """The one path of a person's move of a task: lock its row, check the actor may (the
    policy of `action`), make `before`'s changes, move it by `action`, post `note` as a
    message on the task when `posted`, tell whom `notice` names."""
    task = locked(task)
    policies.require_move_task(actor, task, action)
    if before is not None:
        before(task)
    task = _transition(task, action=action, actor=actor, note=note)
    if posted and note:
        Message.objects.create(task=task, author=actor, body=note)
    told = notice(task) if notice is not None else None
    if told is not None and told.user_id is not None:
        with addressed_to(told.user_id):
            subject, body = told.words()
            notify(
                user_id=told.user_id,
                kind=told.kind,
                data={"task": task.pk},
                subject=subject,
                body=body,
            )
    return task


@transaction.atomic
def task_start(*, task: Task, actor: User) -> Task:
    return _move(task, action="start", actor=actor)


@transaction.atomic
def task_wait(*, task: Task, actor: User, message: str = "") -> Task:
    """The assignee needs something from the client."""
    return _move(
        task,
        action="wait",
        actor=actor,
        note=message,
        posted=True,
        notice=lambda task: Notice(
            task.client_id,
            NotificationKind.TASK_WAITING,
            lambda: (
                _("We need your input: %(title)s") % {"title": task.title},
                message or _("Task %(task)s is waiting on you.") % {"task": task.pk},
            ),
        ),
    )


@transaction.atomic
def task_deliver(*, task: Task, actor: User, message: str = "") -> Task:
    days = settings.AUTO_COMPLETE_DAYS
    return _move(
        task,
        action="deliver",
        actor=actor,
        note=message,
        posted=True,
        notice=lambda task: Notice(
            task.client_id,
            NotificationKind.TASK_DELIVERED,
            lambda: (
                _("Delivered: %(title)s") % {"title": task.title},
                (message + "\n\n" if message else "")
                + _(
                    "Please accept it or ask for a revision; it completes by itself in "
                    "%(days)s days."
                )
                % {"days": days},
            ),
        ),
    )


@transaction.atomic
def task_accept(*, task: Task, actor: User, rating: int | None = None, comment: str = "") -> Task:
    def rate(task: Task) -> None:
        if rating is not None and not 1 <= rating <= 5:
            raise Invalid(
                errors.Code.INVALID, _("Rate from 1 to 5."), fields={"rating": [_("1 to 5.")]}
            )
        task.rating = rating
        task.rating_comment = comment

    return _move(task, action="accept", actor=actor, note=comment, before=rate)


@transaction.atomic
def task_request_revision(*, task: Task, actor: User, reason: str = "") -> Task:
    return _move(
        task,
        action="request_revision",
        actor=actor,
        note=reason,
        posted=True,
        notice=lambda task: Notice(
            task.assignee_id,
            NotificationKind.TASK_REVISION,
            lambda: (
                _("Revision requested: %(title)s") % {"title": task.title},
                reason or _("The client sent task %(task)s back.") % {"task": task.pk},
            ),
        ),
    )


@transaction.atomic
def task_cancel(*, task: Task, actor: User, reason: str = "") -> Task:
    return _move(
        task,
        action="cancel",
        actor=actor,
        note=reason,
        notice=lambda task: Notice(
            task.assignee_id,
            NotificationKind.TASK_CANCELLED,
            lambda: (
                _("Cancelled: %(title)s") % {"title": task.title},
                reason or _("Task %(task)s was cancelled.") % {"task": task.pk},
            ),
        ),
    )


@transaction.atomic
def task_auto_complete(*, task_id: int, now: datetime.datetime | None = None) -> Task | None:
    """Complete a delivery left unanswered for AUTO_COMPLETE_DAYS; a no-op otherwise."""
    now = now or timezone.now()
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    cutoff = now - datetime.timedelta(days=settings.AUTO_COMPLETE_DAYS)
    if task is None or task.status != S.DELIVERED or not task.delivered_at:
        return None
    if task.delivered_at > cutoff:
        return None
    return _transition(task, action="auto_complete", actor=None, note="No answer from the client.")


@transaction.atomic
def task_notify_overdue(*, task_id: int, now: datetime.datetime | None = None) -> bool:
    """Tell the assignee (or the managers, when nobody has it) once that a task is overdue."""
    now = now or timezone.now()
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None or task.promised_due_at is None or not task.is_overdue(now):
        return False
    if task.events.filter(kind="overdue").exists():
        return False
    _event(
        task,
        actor=None,
        action=TaskHistory.OVERDUE,
        data={"promised_due_at": task.promised_due_at.isoformat()},
    )
    readers = (
        [task.assignee]
        if task.assignee is not None
        else list(User.objects.filter(role=Role.MANAGER, is_active=True))
    )
    for reader in readers:
        with addressed_to(reader):
            notify(
                user_id=reader.pk,
                kind=NotificationKind.TASK_OVERDUE,
                data={"task": task.pk},
                subject=_("Overdue: %(title)s") % {"title": task.title},
                body=_("Task %(task)s was promised for %(due)s.")
                % {"task": task.pk, "due": local_time(task.promised_due_at)},
            )
    return True


def _series_anchor(task: Task) -> datetime.datetime:
    return task.scheduled_start or task.requested_due_at or task.created_at
