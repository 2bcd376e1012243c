"""Recurring jobs of the assistants app."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from assistants.models import TimeEntry, TimeEntryStatus

SCHEDULES = [
    {
        "name": "assistants.stop_runaway_timers",
        "func": "assistants.jobs.stop_runaway_timers",
        "schedule_type": "I",
        "minutes": 15,
    },
    {
        "name": "assistants.stop_timers_at_budget",
        "func": "assistants.jobs.stop_timers_at_budget",
        "schedule_type": "I",
        "minutes": 5,
    },
]


def stop_runaway_timers():
    """Stop timers running past TIMER_MAX_HOURS and flag them for review (never billed as is).

    Safe to run twice: a stopped entry is no longer picked up."""
    from assistants.services import timer_stop

    limit = timedelta(hours=settings.TIMER_MAX_HOURS)
    cutoff = timezone.now() - limit
    stopped = 0
    for entry in TimeEntry.objects.filter(ended_at__isnull=True, started_at__lt=cutoff):
        timer_stop(
            actor=None,
            entry=entry,
            status=TimeEntryStatus.NEEDS_REVIEW,
            ended_at=entry.started_at + limit,
        )
        stopped += 1
    return stopped


def stop_timers_at_budget():
    """Stop running billable timers whose task budget (or the client's billable room) is
    used up, at the instant it was; nothing past it is billed. Safe to run twice."""
    from assistants.services import timer_stop_at_room

    running = TimeEntry.objects.filter(ended_at__isnull=True, billable=True)
    return sum(
        timer_stop_at_room(entry_id=pk) is not None for pk in running.values_list("pk", flat=True)
    )
