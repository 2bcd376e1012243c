"""Workload reads, aggregated in the database: three queries for the whole team whatever
its size (the profiles, tasks grouped by assignee, the week's time grouped by assistant),
a fixed handful for one assistant's detail. Each takes the acting user first."""

import datetime
import zoneinfo
from types import SimpleNamespace
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from assistants import workloads
from assistants.models import BILLABLE, TimeEntry, TimeOff
from assistants.selectors import DURATION, assistants_visible_to, task_logged_duration
from concierge.models import TERMINAL_STATUSES, Task, TaskStatus
from concierge.selectors import OPEN_STATUSES

RATING_WINDOW = datetime.timedelta(days=30)

ZERO_DURATION = Value(datetime.timedelta(), output_field=DurationField())
# Billable time as the invoice counts it (BILLABLE): measured, unless a manager adjusted
# the minutes (those count as adjusted). Workloads show it unrounded: each client's plan
# rounds it on their invoice.
MEASURED = BILLABLE & Q(billable_minutes_override__isnull=True)
ADJUSTED = BILLABLE & Q(billable_minutes_override__isnull=False)
OPEN = ~Q(status__in=TERMINAL_STATUSES)


def _task_counts(profiles, *, week_start, week_end, now):
    """Per assignee, conditional counts over their tasks in one grouped query."""
    is_open = ~Q(status__in=TERMINAL_STATUSES)
    delivered = Q(
        delivered_at__gte=week_start, delivered_at__lt=week_end, promised_due_at__isnull=False
    ) & ~Q(status=TaskStatus.CANCELLED)
    rated = Q(
        status=TaskStatus.COMPLETED,
        completed_at__gt=now - RATING_WINDOW,
        completed_at__lte=now,
        rating__isnull=False,
    )
    # Only the tasks a count can include (not every task ever assigned), each branch on an
    # index: open ones (statuses named, as the status index reads them), those delivered
    # this week and those completed within the rating window.
    counted = (
        Q(status__in=OPEN_STATUSES)
        | Q(delivered_at__gte=week_start, delivered_at__lt=week_end)
        | Q(completed_at__gt=now - RATING_WINDOW, completed_at__lte=now)
    )
    counts = (
        Task.objects.filter(counted, assignee__in=profiles.values("user_id"))
        .order_by()
        .values("assignee")
        .annotate(
            open_tasks=Count("pk", filter=is_open),
            overdue_tasks=Count("pk", filter=is_open & Q(promised_due_at__lt=now)),
            delivered_tasks=Count("pk", filter=delivered),
            delivered_on_time=Count(
                "pk", filter=delivered & Q(delivered_at__lte=F("promised_due_at"))
            ),
            rated_tasks=Count("pk", filter=rated),
            rating_sum=Coalesce(Sum("rating", filter=rated), 0),
        )
    )
    return {
        item["assignee"]: {key: value for key, value in item.items() if key != "assignee"}
        for item in counts
    }


def _time_sums(profiles, *, week_start, week_end):
    """Per assistant, the week's logged and billable time in one grouped query: the week's
    entries read once on the started_at index. (Three correlated sums on each profile
    read each assistant's week three times, and cost twice as much at a hundred
    assistants; one UNION ALL of this query and the task counts cost more than both.)"""
    entries = TimeEntry.objects.filter(
        assistant__in=profiles.values("user_id"),
        started_at__gte=week_start,
        started_at__lt=week_end,
        ended_at__isnull=False,
    )
    sums = (
        entries.order_by()
        .values("assistant")
        .annotate(
            # Not named after a field: the filters on `billable` would read the alias.
            logged_time=Sum(DURATION),
            billable_time=Coalesce(Sum(DURATION, filter=MEASURED), ZERO_DURATION),
            adjusted_minutes=Coalesce(Sum("billable_minutes_override", filter=ADJUSTED), 0),
        )
    )
    return {
        item["assistant"]: {
            "logged": item["logged_time"],
            "billable": item["billable_time"],
            "adjusted": item["adjusted_minutes"],
        }
        for item in sums
    }


NO_TASKS = {
    "open_tasks": 0,
    "overdue_tasks": 0,
    "delivered_tasks": 0,
    "delivered_on_time": 0,
    "rated_tasks": 0,
    "rating_sum": 0,
}
NO_TIME = {"logged": datetime.timedelta(), "billable": datetime.timedelta(), "adjusted": 0}


PROFILE_FIELDS = (
    "user_id",
    "active",
    "skills",
    "weekly_capacity_minutes",
    "workday_start",
    "workday_end",
    "working_days",
)


def _metrics(profiles, *, week_start, week_end, now):
    """Plain records of the profiles and their week's metrics: three queries for any
    number (the profiles, their tasks' counts, their week's time)."""
    counts = _task_counts(profiles, week_start=week_start, week_end=week_end, now=now)
    times = _time_sums(profiles, week_start=week_start, week_end=week_end)
    listed = profiles.values(
        *PROFILE_FIELDS,
        first_name=F("user__first_name"),
        last_name=F("user__last_name"),
        email=F("user__email"),
        timezone=F("user__timezone"),
    )
    return [
        SimpleNamespace(
            **item,
            **counts.get(item["user_id"], NO_TASKS),
            **times.get(item["user_id"], NO_TIME),
        )
        for item in listed
    ]


def _row(profile, week):
    logged = workloads.minutes(profile.logged)
    capacity = profile.weekly_capacity_minutes
    return {
        "assistant": profile.user_id,
        "name": f"{profile.first_name} {profile.last_name}".strip() or profile.email,
        "email": profile.email,
        "active": profile.active,
        "skills": profile.skills,
        "week": str(week),
        "open_tasks": profile.open_tasks,
        "overdue_tasks": profile.overdue_tasks,
        "logged_minutes": logged,
        "billable_minutes": workloads.minutes(profile.billable) + profile.adjusted,
        "capacity_minutes": capacity,
        "utilization": workloads.utilization(logged, capacity),
        "delivered_tasks": profile.delivered_tasks,
        "on_time_tasks": profile.delivered_on_time,
        "on_time_rate": workloads.on_time_rate(profile.delivered_on_time, profile.delivered_tasks),
        "rated_tasks": profile.rated_tasks,
        "rating_sum": profile.rating_sum,
        "avg_rating": workloads.average_rating(profile.rating_sum, profile.rated_tasks),
    }


def _has_skill(row, skill):
    wanted = skill.strip().casefold()
    return any(str(have).strip().casefold() == wanted for have in row["skills"] or ())


def team_workload(user, *, week, now, active=None, skill=None):
    """One row per assistant the user may see, for an ISO week. Three queries."""
    week_start, week_end = week.bounds()
    profiles = assistants_visible_to(user).order_by("user_id")
    if active is not None:
        profiles = profiles.filter(active=active)
    profiles = _metrics(profiles, week_start=week_start, week_end=week_end, now=now)
    rows = [_row(profile, week) for profile in profiles]
    if skill:
        rows = [row for row in rows if _has_skill(row, skill)]
    return rows


def team_totals(rows):
    """Team totals of per-assistant rows: sums, and ratios of the sums."""

    def total(key):
        return sum(row[key] for row in rows)

    logged, capacity = total("logged_minutes"), total("capacity_minutes")
    return {
        "assistants": len(rows),
        "open_tasks": total("open_tasks"),
        "overdue_tasks": total("overdue_tasks"),
        "logged_minutes": logged,
        "billable_minutes": total("billable_minutes"),
        "capacity_minutes": capacity,
        "utilization": workloads.utilization(logged, capacity),
        "delivered_tasks": total("delivered_tasks"),
        "on_time_tasks": total("on_time_tasks"),
        "on_time_rate": workloads.on_time_rate(total("on_time_tasks"), total("delivered_tasks")),
        "rated_tasks": total("rated_tasks"),
        "avg_rating": workloads.average_rating(total("rating_sum"), total("rated_tasks")),
    }


def _schedule(profile, zone_name):
    """When the assistant of `profile` (a profile or a row with its fields) works."""
    return workloads.Schedule(
        zone=zoneinfo.ZoneInfo(zone_name),
        workday_start=profile.workday_start,
        workday_end=profile.workday_end,
        working_days=frozenset(profile.working_days or ()),
        weekly_capacity_minutes=profile.weekly_capacity_minutes,
    )


def _remaining(task):
    """Minutes of the estimate not yet logged (`task.logged_total` annotated), at least 0."""
    return max((task.estimate_minutes or 0) - workloads.minutes(task.logged_total), 0)


def _at_risk(tasks, *, now) -> set[int]:
    """Ids of the open tasks at risk among `tasks`: the workload's rule
    (`workloads.at_risk`) applied to each assignee's dated open work and time off. Two
    queries whatever their number."""
    tasks = (
        tasks.filter(OPEN, promised_due_at__isnull=False, assignee__assistant_profile__isnull=False)
        .select_related("assignee__assistant_profile")
        .annotate(logged_total=Coalesce(task_logged_duration(), ZERO_DURATION))
    )
    work: dict[int, list[Task]] = {}
    for task in tasks:
        if task.assignee_id is None:
            continue  # (the filter above keeps only assigned work)
        work.setdefault(task.assignee_id, []).append(task)
    time_off: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    leave = TimeOff.objects.filter(assistant_id__in=work, ends_at__gt=now)
    for assistant_id, starts_at, ends_at in leave.values_list(
        "assistant_id", "starts_at", "ends_at"
    ):
        time_off.setdefault(assistant_id, []).append((starts_at, ends_at))
    risky = set()
    for assistant_id, their_tasks in work.items():
        assignee = their_tasks[0].assignee
        assert assignee is not None  # noqa: S101 - assigned work only, as filtered above
        risky |= workloads.at_risk(
            [workloads.OpenWork(t.pk, t.promised_due_at, _remaining(t)) for t in their_tasks],
            schedule=_schedule(assignee.assistant_profile, assignee.timezone),
            now=now,
            time_off=time_off.get(assistant_id, ()),
        )
    return risky


def team_at_risk(user, *, now) -> set[int]:
    """Ids of the open tasks at risk across the assistants `user` may see (two queries)."""
    return _at_risk(
        Task.objects.filter(assignee__in=assistants_visible_to(user).values("user_id")), now=now
    )


def tasks_at_risk(tasks, *, now) -> set[int]:
    """The ids of `tasks` at risk, each judged with the whole open work of its assignee.
    Two queries for any number of tasks; none when no task of them is open, assigned and
    promised for later. Offered to the task API through `concierge.hooks`."""
    assignees = {
        task.assignee_id
        for task in tasks
        if task.assignee_id
        and task.status not in TERMINAL_STATUSES
        and task.promised_due_at is not None
        and task.promised_due_at > now
    }
    if not assignees:
        return set()
    risky = _at_risk(Task.objects.filter(assignee_id__in=assignees), now=now)
    return risky & {task.pk for task in tasks}


def assistant_workload(user, *, assistant_id, week, now):
    """One assistant's week: the team row, a per-day breakdown in the service's zone, and
    their open tasks with promised deadlines, remaining estimates and at-risk flags.

    None when the user may not see that assistant (the caller answers 404).
    """
    week_start, week_end = week.bounds()
    profiles = _metrics(
        assistants_visible_to(user).filter(user_id=assistant_id),
        week_start=week_start,
        week_end=week_end,
        now=now,
    )
    if not profiles:
        return None
    (profile,) = profiles
    zone = workloads.service_zone()
    daily = (
        TimeEntry.objects.filter(
            assistant_id=assistant_id,
            started_at__gte=week_start,
            started_at__lt=week_end,
            ended_at__isnull=False,
        )
        .order_by()
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(
            logged=Sum(DURATION),
            # Not named after a field: a later filter on `billable` would read the alias.
            measured_billable=Coalesce(Sum(DURATION, filter=MEASURED), ZERO_DURATION),
            adjusted_billable=Coalesce(Sum("billable_minutes_override", filter=ADJUSTED), 0),
            entries=Count("pk"),
        )
    )
    by_day: dict[datetime.date, dict[str, Any]] = {item["day"]: dict(item) for item in daily}
    days = []
    for day, start, end in week.day_bounds(zone):
        item = by_day.get(day, {})
        days.append(
            {
                "date": day,
                "start": start,
                "end": end,
                "entries": item.get("entries", 0),
                "logged_minutes": workloads.minutes(item.get("logged")),
                "billable_minutes": workloads.minutes(item.get("measured_billable"))
                + item.get("adjusted_billable", 0),
            }
        )

    tasks = list(
        Task.objects.filter(OPEN, assignee_id=assistant_id)
        .select_related("client")
        .annotate(logged_total=Coalesce(task_logged_duration(), ZERO_DURATION))
        .order_by(F("promised_due_at").asc(nulls_last=True), "id")
    )
    time_off = list(
        TimeOff.objects.filter(assistant_id=assistant_id, ends_at__gt=now).values_list(
            "starts_at", "ends_at"
        )
    )
    schedule = _schedule(profile, profile.timezone)
    task_rows = []
    for task in tasks:
        logged = workloads.minutes(task.logged_total)
        remaining = _remaining(task)
        task_rows.append(
            {
                "id": task.id,
                "title": task.title,
                "client": task.client_id,
                "client_name": task.client.full_name,
                "status": task.status,
                "priority": task.priority,
                "promised_due_at": task.promised_due_at,
                "estimate_minutes": task.estimate_minutes,
                "logged_minutes": logged,
                "remaining_minutes": remaining,
                "overdue": task.is_overdue(now),
            }
        )
    risky = workloads.at_risk(
        [
            workloads.OpenWork(row["id"], row["promised_due_at"], row["remaining_minutes"])
            for row in task_rows
        ],
        schedule=schedule,
        now=now,
        time_off=time_off,
    )
    for row in task_rows:
        row["at_risk"] = row["id"] in risky

    result = _row(profile, week)
    result.update(
        week_start=week_start,
        week_end=week_end,
        at_risk_tasks=len(risky),
        days=days,
        tasks=task_rows,
        overdue=[row for row in task_rows if row["overdue"]],
    )
    return result
