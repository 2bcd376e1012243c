"""Hook registries: how a lower app lets higher apps take part without importing them.

Apps depend one way (calendar_sync, billing → assistants → concierge). A higher app
registers its callables here from its `AppConfig.ready()`; the lower app calls them.
"""

from dataclasses import dataclass
from typing import Any

_task_create_guards = []
_assignment_policy = None


def register_task_create_guard(guard):
    """`guard(client)` raises an ApplicationError to refuse a new task (billing: a paused
    subscription → 402 payment_required)."""
    if guard not in _task_create_guards:
        _task_create_guards.append(guard)
    return guard


def check_task_create(client):
    for guard in _task_create_guards:
        guard(client)


@dataclass(frozen=True)
class AssignmentChoice:
    """Whom the assignment policy chose, and why (recorded on the task's event)."""

    assistant: Any  # a User
    reason: str


def set_assignment_policy(policy):
    """`policy(task) -> AssignmentChoice | None`: who a new task goes to (assistants app)."""
    global _assignment_policy
    _assignment_policy = policy


def choose_assignee(task):
    return _assignment_policy(task) if _assignment_policy else None


_at_risk_rule = None


def set_at_risk_rule(rule):
    """`rule(tasks, *, now) -> set of task ids`: which of `tasks` cannot be finished by
    their promised deadline (assistants app: each assignee's open work planned against
    their working hours, `assistants.workloads.at_risk`)."""
    global _at_risk_rule
    _at_risk_rule = rule


def tasks_at_risk(tasks, *, now):
    """The ids of `tasks` at risk; none without a rule installed."""
    return _at_risk_rule(tasks, now=now) if _at_risk_rule else set()


_reschedule_watchers = []


def register_reschedule_watcher(watcher):
    """`watcher(*, task, actor)` runs when an assigned task's dates changed, in the same
    transaction (assistants: hand it over when its assignee is away at the new dates)."""
    if watcher not in _reschedule_watchers:
        _reschedule_watchers.append(watcher)
    return watcher


def task_rescheduled(*, task, actor):
    for watcher in _reschedule_watchers:
        watcher(task=task, actor=actor)


# Private data: what each app holds about a person, and how it forgets them. -------------

_export_sections = {}
_erasure_steps = []


def register_export_section(name, section):
    """`section(user) -> JSON-able value`: what this app holds about `user`, exported under
    `name` by `me/export/`."""
    _export_sections[name] = section
    return section


def export_sections():
    return dict(_export_sections)


def register_erasure_step(step):
    """`step(user)`: forget `user` in this app (delete, or anonymise what must be kept).
    Called inside the erasure's transaction, before the person's own row is anonymised."""
    if step not in _erasure_steps:
        _erasure_steps.append(step)
    return step


def run_erasure_steps(user):
    for step in _erasure_steps:
        step(user)


_logged_duration_source = None


def set_logged_duration_source(source):
    """`source() -> Expression`: a task's logged time as a duration, evaluated per task row
    (an `OuterRef("pk")` subquery). The assistants app, which records time, provides it."""
    global _logged_duration_source
    _logged_duration_source = source


def logged_duration_source():
    return _logged_duration_source


_email_attachments = {}


def register_email_attachments(kind, provider):
    """`provider(notification) -> [(filename, content, mimetype)]`: files the e-mail of a
    notification of `kind` carries (billing: the invoice's PDF)."""
    _email_attachments[kind] = provider
    return provider


def email_attachments(notification):
    provider = _email_attachments.get(notification.kind)
    return provider(notification) if provider is not None else []
