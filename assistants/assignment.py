"""Who a task goes to.

The rule: the client's primary assistant, else their backup, when that one is *free* for
the task; else the free active assistant with the task's skill, preferring one whose
working day (in their own time zone) holds the deadline, then the lowest open load.

*Free for a task* means: active, not on time off now nor at any of the task's own dates
(the promised deadline, or the appointment `[scheduled_start, scheduled_end)`), not
booked for another appointment overlapping this one, and — for the client's own
assistants — with room left in their weekly capacity for the estimate.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from assistants.models import AssistantProfile, TimeOff
from concierge.hooks import AssignmentChoice
from concierge.models import TERMINAL_STATUSES, ClientProfile, Role, Task, User

# An open task without an estimate counts as this much load.
DEFAULT_TASK_MINUTES = 60
# An appointment without an end is taken to last this long.
DEFAULT_APPOINTMENT = datetime.timedelta(hours=1)

PRIMARY = "primary assistant"
BACKUP = "backup assistant"
SKILLED = "least-loaded skilled assistant"


def open_load_minutes(assistant_ids):
    """Estimated minutes of open work per assistant."""
    rows = (
        Task.objects.filter(assignee_id__in=assistant_ids)
        .exclude(status__in=TERMINAL_STATUSES)
        .values("assignee_id")
        .annotate(
            estimated=Sum("estimate_minutes"),
            unestimated=Count("pk", filter=Q(estimate_minutes__isnull=True)),
        )
    )
    load = dict.fromkeys(assistant_ids, 0)
    for row in rows:
        load[row["assignee_id"]] = (row["estimated"] or 0) + row["unestimated"] * (
            DEFAULT_TASK_MINUTES
        )
    return load


def appointment_of(task: Task):
    """The task's appointment as `(start, end)`, or None."""
    if task.scheduled_start is None:
        return None
    return task.scheduled_start, task.scheduled_end or task.scheduled_start + DEFAULT_APPOINTMENT


def _covering(instant: datetime.datetime) -> Q:
    return Q(starts_at__lte=instant, ends_at__gt=instant)


def away_at_task_dates(task: Task) -> Q:
    """Time off covering the task's promised deadline or overlapping its appointment
    (half-open); matches nothing for a task without dates."""
    condition = _covering(task.promised_due_at) if task.promised_due_at else Q(pk__in=[])
    appointment = appointment_of(task)
    if appointment is not None:
        condition |= Q(starts_at__lt=appointment[1], ends_at__gt=appointment[0])
    return condition


def _away_condition(task: Task, now: datetime.datetime) -> Q:
    """Time off that makes an assistant unavailable for `task`: covering now, or the
    task's own dates."""
    return _covering(now) | away_at_task_dates(task)


def _unavailable(assistant_ids, task: Task, now: datetime.datetime) -> set[int]:
    """Those of `assistant_ids` on time off for the task, or booked for another
    appointment that overlaps its own."""
    away = set(
        TimeOff.objects.filter(_away_condition(task, now), assistant_id__in=assistant_ids)
        .values_list("assistant_id", flat=True)
        .distinct()
    )
    appointment = appointment_of(task)
    if appointment is not None:
        start, end = appointment
        booked = (
            Task.objects.filter(
                assignee_id__in=assistant_ids,
                scheduled_start__lt=end,
                scheduled_start__isnull=False,
            )
            .filter(
                Q(scheduled_end__gt=start)
                | Q(scheduled_end__isnull=True, scheduled_start__gt=start - DEFAULT_APPOINTMENT)
            )
            .exclude(status__in=TERMINAL_STATUSES)
            .exclude(pk=task.pk)
            .values_list("assignee_id", flat=True)
        )
        away |= set(booked)
    return away


def works_at(profile: AssistantProfile, instant: datetime.datetime) -> bool:
    """Whether `instant` falls in the assistant's working day, in their own time zone."""
    local = instant.astimezone(profile.user.zone)
    return (
        local.weekday() in (profile.working_days or [])
        and profile.workday_start <= local.time() < profile.workday_end
    )


def has_skill(profile: AssistantProfile, category: str) -> bool:
    """Skills and categories compare case-insensitively; a task without one fits anyone."""
    if not category:
        return True
    return category.casefold() in {skill.casefold() for skill in profile.skills or []}


def _profiles(ids=None):
    profiles = AssistantProfile.objects.select_related("user").filter(
        active=True, user__is_active=True, user__role=Role.ASSISTANT
    )
    return profiles if ids is None else profiles.filter(user_id__in=ids)


def _named(task: Task, excluded) -> list[tuple[int, str]]:
    """The client's own assistants, primary first, as (user id, reason)."""
    client_profile = ClientProfile.objects.filter(user_id=task.client_id).first()
    if client_profile is None:
        return []
    return [
        (pk, reason)
        for pk, reason in (
            (client_profile.primary_assistant_id, PRIMARY),
            (client_profile.backup_assistant_id, BACKUP),
        )
        if pk is not None and pk not in excluded
    ]


def choose_assignee(
    task: Task, *, now: datetime.datetime | None = None, exclude=()
) -> AssignmentChoice | None:
    """Whom `task` goes to, and why; None when nobody is free (see the module's rule).
    `exclude`: assistants not to choose (the one the task is moving away from)."""
    now = now or timezone.now()
    excluded = set(exclude)
    estimate = task.estimate_minutes or DEFAULT_TASK_MINUTES
    named = _named(task, excluded)
    if named:
        ids = [pk for pk, _ in named]
        profiles = {p.user_id: p for p in _profiles(ids)}
        unavailable = _unavailable(ids, task, now)
        load = open_load_minutes(ids)
        for pk, reason in named:
            profile = profiles.get(pk)
            if profile is None or pk in unavailable:
                continue
            if load[pk] + estimate > profile.weekly_capacity_minutes:
                continue
            return AssignmentChoice(profile.user, reason)
    candidates = [
        p for p in _profiles() if p.user_id not in excluded and has_skill(p, task.category)
    ]
    if not candidates:
        return None
    unavailable = _unavailable([p.user_id for p in candidates], task, now)
    candidates = [p for p in candidates if p.user_id not in unavailable]
    if not candidates:
        return None
    load = open_load_minutes([p.user_id for p in candidates])
    deadline = _deadline(task)

    def rank(profile):
        return _rank(profile, deadline=deadline, load=load[profile.user_id])

    return AssignmentChoice(min(candidates, key=rank).user, SKILLED)


def _deadline(task: Task):
    return task.promised_due_at or task.requested_due_at


def _rank(profile: AssistantProfile, *, deadline, load: int):
    """The skilled assistants' order: the deadline in their working day, then the lowest
    open load."""
    overlaps = deadline is not None and works_at(profile, deadline)
    return (not overlaps, load, profile.user_id)


@dataclass(frozen=True)
class Candidate:
    """An assistant a manager could give a task to, with what the rule above weighs."""

    assistant: User
    serves_client_as: str  # PRIMARY, BACKUP or ""
    capacity_minutes: int
    load_minutes: int
    estimate_minutes: int
    away: bool  # on time off now or at the task's dates, or booked at its appointment
    works_at_deadline: bool

    @property
    def free_minutes(self) -> int:
        return self.capacity_minutes - self.load_minutes

    @property
    def has_room(self) -> bool:
        return self.load_minutes + self.estimate_minutes <= self.capacity_minutes

    @property
    def free(self) -> bool:
        return not self.away and self.has_room


def candidates(task: Task, *, now: datetime.datetime | None = None, exclude=()) -> list[Candidate]:
    """The active assistants with the task's skill, and the client's own assistants, but
    `exclude`: free ones first, in the rule's order. Three or four queries."""
    now = now or timezone.now()
    excluded = set(exclude)
    named = dict(_named(task, excluded))
    profiles = [
        p
        for p in _profiles()
        if p.user_id not in excluded and (p.user_id in named or has_skill(p, task.category))
    ]
    ids = [p.user_id for p in profiles]
    unavailable = _unavailable(ids, task, now) if ids else set()
    load = open_load_minutes(ids)
    estimate = task.estimate_minutes or DEFAULT_TASK_MINUTES
    deadline = _deadline(task)
    found = [
        Candidate(
            assistant=p.user,
            serves_client_as=named.get(p.user_id, ""),
            capacity_minutes=p.weekly_capacity_minutes,
            load_minutes=load[p.user_id],
            estimate_minutes=estimate,
            away=p.user_id in unavailable,
            works_at_deadline=deadline is not None and works_at(p, deadline),
        )
        for p in profiles
    ]
    order = {p.user_id: _rank(p, deadline=deadline, load=load[p.user_id]) for p in profiles}
    return sorted(found, key=lambda c: (not c.free, order[c.assistant.pk]))
