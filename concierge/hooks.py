"""Extension points: how a lower app lets higher apps take part without importing them.

Apps depend one way (calendar_sync, billing → assistants → concierge). An app declares its
extension points in its `hooks.py`, each a typed contract: a `Callbacks` (everyone
registered takes part, in order) or a `Provider` (one app provides it). A higher app
registers from its `AppConfig.ready()`; the lower app calls through the point. mypy checks
both sides against the contract's `Protocol`; a keyed point (`Keyed`: one provider per
key, such as a notification kind) has one too. At start-up, once every app is ready, a
system check (`check_extension_points`) calls nothing but makes sure each registered
callable accepts the call its point's contract describes, so a registration that no longer
fits fails `manage.py check` (and every command) instead of the first request that uses it.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from django.core import checks

if TYPE_CHECKING:
    from django.db.models.expressions import BaseExpression

    from concierge.models import Notification, Task, User

F = TypeVar("F", bound=Callable[..., Any])

# Every extension point of every app, in the order declared (for the start-up check).
POINTS: list[Callbacks[Any] | Provider[Any] | Keyed[Any]] = []


class Callbacks(Generic[F]):
    """Every registered callable takes part, in the order registered (each once)."""

    def __init__(self, name: str, contract: object) -> None:
        self.name = name
        self.contract = contract  # the Protocol each callback follows
        self._callbacks: list[F] = []
        POINTS.append(self)

    def registered(self) -> list[F]:
        return list(self._callbacks)

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

    def __init__(self, name: str, contract: object) -> None:
        self.name = name
        self.contract = contract
        self._provided: F | None = None
        POINTS.append(self)

    def registered(self) -> list[F]:
        return [] if self._provided is None else [self._provided]

    def set(self, provided: F) -> F:
        self._provided = provided
        return provided

    def get(self) -> F | None:
        return self._provided

    def __repr__(self) -> str:
        return f"<Provider {self.name}: {'set' if self._provided else 'unset'}>"


class Keyed(Generic[F]):
    """One provider per key (the last registered for a key wins); none for a key is fine."""

    def __init__(self, name: str, contract: object) -> None:
        self.name = name
        self.contract = contract
        self._by_key: dict[str, F] = {}
        POINTS.append(self)

    def set(self, key: str, provided: F) -> F:
        self._by_key[key] = provided
        return provided

    def get(self, key: str) -> F | None:
        return self._by_key.get(key)

    def items(self) -> dict[str, F]:
        return dict(self._by_key)

    def registered(self) -> list[F]:
        return list(self._by_key.values())

    def __repr__(self) -> str:
        return f"<Keyed {self.name}: {sorted(self._by_key)}>"


def refusal(func: Callable[..., Any], contract: object) -> str | None:
    """Why `func` cannot be called the way `contract` (a Protocol with `__call__`) says it
    is called, or None: every positional argument and every keyword the contract names
    must bind (`inspect.Signature.bind`), without calling anything."""
    call = vars(contract)["__call__"]  # as the Protocol's body declares it (with `self`)
    expected = list(inspect.signature(call).parameters.values())[1:]
    positional = [
        p.name
        for p in expected
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    keywords = {p.name: None for p in expected if p.kind == inspect.Parameter.KEYWORD_ONLY}
    try:
        inspect.signature(func).bind(*positional, **keywords)
    except TypeError as exc:
        return str(exc)
    return None


def check_extension_points(**kwargs: Any) -> list[checks.CheckMessage]:
    """System check: each callable registered at any point accepts its contract's call."""
    return [
        checks.Error(
            f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)} is "
            f"registered at {point.name} but does not accept the call "
            f"{getattr(point.contract, '__name__', point.contract)} describes: {why}.",
            hint="Give it the contract's parameters (see the Protocol in the app's hooks.py).",
            id="concierge.E002",
        )
        for point in POINTS
        for func in point.registered()
        if (why := refusal(func, point.contract))
    ]


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


task_create_guards: Callbacks[TaskCreateGuard] = Callbacks("task_create_guards", TaskCreateGuard)
assignment_policy: Provider[AssignmentPolicy] = Provider("assignment_policy", AssignmentPolicy)


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
    hand it over when its assignee is away at the new dates). What it returns is not
    read."""

    def __call__(self, *, task: Task, actor: User | None) -> object: ...


at_risk_rule: Provider[AtRiskRule] = Provider("at_risk_rule", AtRiskRule)
reschedule_watchers: Callbacks[RescheduleWatcher] = Callbacks(
    "reschedule_watchers", RescheduleWatcher
)


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


class RegroupWatcher(Protocol):
    """Runs when a task's category changed, in the same transaction (assistants: the time
    rollup counts the task's time under its new category)."""

    def __call__(self, *, task: Task) -> None: ...


regroup_watchers: Callbacks[RegroupWatcher] = Callbacks("regroup_watchers", RegroupWatcher)


def register_regroup_watcher(watcher: RegroupWatcher) -> RegroupWatcher:
    return regroup_watchers.register(watcher)


def task_regrouped(*, task: Task) -> None:
    for watcher in regroup_watchers:
        watcher(task=task)


# Private data: what each app holds about a person, and how it forgets them. -------------


class ExportSection(Protocol):
    """What this app holds about `user`, as a JSON-able value (`me/export/`)."""

    def __call__(self, user: User, /) -> Any: ...


class ErasureStep(Protocol):
    """Forget `user` in this app (delete, or anonymise what must be kept). Called inside
    the erasure's transaction, before the person's own row is anonymised."""

    def __call__(self, user: User, /) -> None: ...


export_sections_by_name: Keyed[ExportSection] = Keyed("export_sections", ExportSection)
erasure_steps: Callbacks[ErasureStep] = Callbacks("erasure_steps", ErasureStep)


def register_export_section(name: str, section: ExportSection) -> ExportSection:
    """Exported under `name`; one section per name."""
    return export_sections_by_name.set(name, section)


def export_sections() -> dict[str, ExportSection]:
    return export_sections_by_name.items()


def register_erasure_step(step: ErasureStep) -> ErasureStep:
    return erasure_steps.register(step)


def run_erasure_steps(user: User) -> None:
    for step in erasure_steps:
        step(user)


# Time ---------------------------------------------------------------------------------


class LoggedDurationSource(Protocol):
    """A task's logged time as a duration, evaluated per task row (an `OuterRef("pk")`
    subquery). The assistants app, which records time, provides it."""

    def __call__(self) -> BaseExpression: ...


logged_duration: Provider[LoggedDurationSource] = Provider("logged_duration", LoggedDurationSource)


def set_logged_duration_source(source: LoggedDurationSource) -> None:
    logged_duration.set(source)


def logged_duration_source() -> LoggedDurationSource | None:
    return logged_duration.get()


# E-mail -------------------------------------------------------------------------------


class EmailAttachments(Protocol):
    """The files a notification's e-mail carries, as `(name, content, mime type)`
    (billing: an issued invoice's PDF)."""

    def __call__(self, notification: Notification, /) -> list[tuple[str, bytes, str]]: ...


email_attachments_by_kind: Keyed[EmailAttachments] = Keyed("email_attachments", EmailAttachments)


def register_email_attachments(kind: str, provider: EmailAttachments) -> EmailAttachments:
    """`provider` gives the attachments of the e-mails of notifications of `kind`."""
    return email_attachments_by_kind.set(kind, provider)


def email_attachments(notification: Notification) -> list[tuple[str, bytes, str]]:
    provider = email_attachments_by_kind.get(notification.kind)
    return provider(notification) if provider else []
