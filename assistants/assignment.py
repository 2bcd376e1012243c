"""Who a new task goes to: the client's primary assistant, else the backup, else the
active assistant with the task's skill and the lowest open load — preferring one whose
working day overlaps the deadline in their own time zone."""

import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from assistants.models import AssistantProfile, TimeOff
from concierge.models import TERMINAL_STATUSES, ClientProfile, Role, Task

# An open task without an estimate counts as this much load.
DEFAULT_TASK_MINUTES = 60


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


def _on_time_off(assistant_ids, at):
    return set(
        TimeOff.objects.filter(
            assistant_id__in=assistant_ids, starts_at__lte=at, ends_at__gt=at
        ).values_list("assistant_id", flat=True)
    )


def works_at(profile: AssistantProfile, instant: datetime.datetime) -> bool:
    """Whether `instant` falls in the assistant's working day, in their own time zone."""
    local = instant.astimezone(profile.user.zone)
    return (
        local.weekday() in (profile.working_days or [])
        and profile.workday_start <= local.time() < profile.workday_end
    )


def _profiles(ids=None):
    profiles = AssistantProfile.objects.select_related("user").filter(
        active=True, user__is_active=True, user__role=Role.ASSISTANT
    )
    return profiles if ids is None else profiles.filter(user_id__in=ids)


def _chosen(profile, reason):
    user = profile.user
    user.assignment_reason = reason
    return user


def choose_assignee(task: Task, *, now: datetime.datetime | None = None):
    now = now or timezone.now()
    estimate = task.estimate_minutes or DEFAULT_TASK_MINUTES
    client_profile = ClientProfile.objects.filter(user_id=task.client_id).first()
    named = []
    if client_profile is not None:
        named = [
            (pk, reason)
            for pk, reason in (
                (client_profile.primary_assistant_id, "primary assistant"),
                (client_profile.backup_assistant_id, "backup assistant"),
            )
            if pk is not None
        ]
    if named:
        ids = [pk for pk, _ in named]
        profiles = {p.user_id: p for p in _profiles(ids)}
        away = _on_time_off(ids, now)
        load = open_load_minutes(ids)
        for pk, reason in named:
            profile = profiles.get(pk)
            if profile is None or pk in away:
                continue
            if load[pk] + estimate > profile.weekly_capacity_minutes:
                continue
            return _chosen(profile, reason)
    candidates = [p for p in _profiles() if not task.category or task.category in (p.skills or [])]
    if not candidates:
        return None
    ids = [p.user_id for p in candidates]
    away = _on_time_off(ids, now)
    candidates = [p for p in candidates if p.user_id not in away]
    if not candidates:
        return None
    load = open_load_minutes([p.user_id for p in candidates])
    deadline = task.promised_due_at or task.requested_due_at

    def rank(profile):
        overlaps = deadline is not None and works_at(profile, deadline)
        return (not overlaps, load[profile.user_id], profile.user_id)

    best = min(candidates, key=rank)
    return _chosen(best, "least-loaded skilled assistant")
