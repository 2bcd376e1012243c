"""Extension points: how a lower app lets higher apps take part without importing them.

Apps depend one way (calendar_sync, billing → assistants → concierge). An app declares its
extension points in its `hooks.py`, each a typed contract: a `Callbacks` (everyone
registered takes part, in order) or a `Provider` (one app provides it). A higher app
registers from its `AppConfig.ready()`; the lower app calls through the point. mypy checks
both sides against the contract's `Protocol`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from django.db.models import Expression

    from concierge.models import Notification, Task, User

F = TypeVar("F", bound=Callable[..., Any])


class Callbacks(Generic[F]):
    """Every registered callable takes part, in the order registered (each once)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[F] = []

    def register(self, callback: F) -> F:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def __iter__(self) -> Iterator[F]:
        return iter(list(self._callbacks))

    def __repr__(self) -> str:
        return f"<Callbacks {self.name}: {len(self._callbacks)}>"


class Provider(Generic[F]):
    """One app provides it; None until then (the lower app works without it)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._provided: F | None = None

    def set(self, provided: F) -> F:
        self._provided = provided
        return provided

    def get(self) -> F | None:
        return self._provided

    def __repr__(self) -> str:
        return f"<Provider {self.name}: {'set' if self._provided else 'unset'}>"


# New tasks ----------------------------------------------------------------------------


class TaskCreateGuard(Protocol):
    """Raises an ApplicationError to refuse a new task (billing: a paused subscription →
    402 payment_required)."""

    def __call__(self, client: User, /) -> None: ...


@dataclass(frozen=True)
class AssignmentChoice:
    """Whom the assignment policy chose, and why (recorded on the task's event)."""

    assistant: User
    reason: str


class AssignmentPolicy(Protocol):
    """Who a new task goes to, or None for nobody free (assistants app)."""

    def __call__(self, task: Task, /) -> AssignmentChoice | None: ...


task_create_guards: Callbacks[TaskCreateGuard] = Callbacks("task_create_guards")
assignment_policy: Provider[AssignmentPolicy] = Provider("assignment_policy")


def register_task_create_guard(guard: TaskCreateGuard) -> TaskCreateGuard:
    return task_create_guards.register(guard)


def check_task_create(client: User) -> None:
    for guard in task_create_guards:
        guard(client)


def set_assignment_policy(policy: AssignmentPolicy) -> None:
    assignment_policy.set(policy)


def choose_assignee(task: Task) -> AssignmentChoice | None:
    policy = assignment_policy.get()
    return policy(task) if policy else None


# Deadlines ----------------------------------------------------------------------------


class AtRiskRule(Protocol):
    """The ids of `tasks` that cannot be finished by their promised deadline (assistants:
    each assignee's open work planned against their working hours,
    `assistants.workloads.at_risk`)."""

    def __call__(self, tasks: Collection[Task], *, now: datetime.datetime) -> set[int]: ...


class RescheduleWatcher(Protocol):
    """Runs when an assigned task's dates changed, in the same transaction (assistants:
    hand it over when its assignee is away at the new dates)."""

    def __call__(self, *, task: Task, actor: User | None) -> None: ...


at_risk_rule: Provider[AtRiskRule] = Provider("at_risk_rule")
reschedule_watchers: Callbacks[RescheduleWatcher] = Callbacks("reschedule_watchers")


def set_at_risk_rule(rule: AtRiskRule) -> None:
    at_risk_rule.set(rule)


def tasks_at_risk(tasks: Collection[Task], *, now: datetime.datetime) -> set[int]:
    """The ids of `tasks` at risk; none without a rule installed."""
    rule = at_risk_rule.get()
    return rule(tasks, now=now) if rule else set()


def register_reschedule_watcher(watcher: RescheduleWatcher) -> RescheduleWatcher:
    return reschedule_watchers.register(watcher)


def task_rescheduled(*, task: Task, actor: User | None) -> None:
    for watcher in reschedule_watchers:
        watcher(task=task, actor=actor)


# Private data: what each app holds about a person, and how it forgets them. -------------


class ExportSection(Protocol):
    """What this app holds about `user`, as a JSON-able value (`me/export/`)."""

    def __call__(self, user: User, /) -> Any: ...


class ErasureStep(Protocol):
    """Forget `user` in this app (delete, or anonymise what must be kept). Called inside
    the erasure's transaction, before the person's own row is anonymised."""

    def __call__(self, user: User, /) -> None: ...


_export_sections: dict[str, ExportSection] = {}
erasure_steps: Callbacks[ErasureStep] = Callbacks("erasure_steps")


def register_export_section(name: str, section: ExportSection) -> ExportSection:
    """Exported under `name`; one section per name."""
    _export_sections[name] = section
    return section


def export_sections() -> dict[str, ExportSection]:
    return dict(_export_sections)


def register_erasure_step(step: ErasureStep) -> ErasureStep:
    return erasure_steps.register(step)


def run_erasure_steps(user: User) -> None:
    for step in erasure_steps:
        step(user)


# Time ---------------------------------------------------------------------------------


class LoggedDurationSource(Protocol):
    """A task's logged time as a duration, evaluated per task row (an `OuterRef("pk")`
    subquery). The assistants app, which records time, provides it."""

    def __call__(self) -> Expression: ...


logged_duration: Provider[LoggedDurationSource] = Provider("logged_duration")


def set_logged_duration_source(source: LoggedDurationSource) -> None:
    logged_duration.set(source)


def logged_duration_source() -> LoggedDurationSource | None:
    return logged_duration.get()


# E-mail -------------------------------------------------------------------------------


class EmailAttachments(Protocol):
    """The files a notification's e-mail carries, as `(name, content, mime type)`
    (billing: an issued invoice's PDF)."""

    def __call__(self, notification: Notification, /) -> list[tuple[str, bytes, str]]: ...


_email_attachments: dict[str, EmailAttachments] = {}


def register_email_attachments(kind: str, provider: EmailAttachments) -> EmailAttachments:
    """`provider` gives the attachments of the e-mails of notifications of `kind`."""
    _email_attachments[kind] = provider
    return provider


def email_attachments(notification: Notification) -> list[tuple[str, bytes, str]]:
    provider = _email_attachments.get(notification.kind)
    return provider(notification) if provider else []
