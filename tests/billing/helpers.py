import datetime
from decimal import Decimal

from django.utils import timezone

from billing.models import PlanKind
from tests.factories import PlanFactory, TimeEntryFactory

UTC = datetime.UTC


def at(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def log(client, start, minutes, **fields):
    """A stopped entry on one of the client's tasks, `minutes` long."""
    return TimeEntryFactory(
        task__client=client,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
        **fields,
    )


def freeze(monkeypatch, moment):
    """Make `timezone.now()` return `moment` for the services and selectors."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def worked_example_entries(client):
    """BILLING.md's entries: 50, 7, 31 in September; 40, 20 in October; a rounded sum of 700
    in November (600 + 90 measured, and one entry a manager adjusted to 10 minutes)."""
    entries = {}
    entries["sep"] = [
        log(client, at(2026, 9, 17), 50),
        log(client, at(2026, 9, 18), 7),
        log(client, at(2026, 9, 21), 31),
    ]
    entries["oct"] = [log(client, at(2026, 10, 5), 40), log(client, at(2026, 10, 6), 20)]
    entries["nov"] = [
        log(client, at(2026, 11, 2, 8), 600),
        log(client, at(2026, 11, 3), 90),
        log(client, at(2026, 11, 4), 60, billable_minutes_override=10),
    ]
    return entries


def hourly_plan(rate="30.00"):
    """Pay as you go: no fee, nothing included, every minute at `rate` an hour."""
    return PlanFactory(
        kind=PlanKind.HOURLY,
        monthly_fee=Decimal("0.00"),
        included_minutes=0,
        rollover_cap_minutes=0,
        rounding_increment_minutes=1,
        overage_tiers=[{"up_to_minutes": None, "hourly_rate": rate}],
    )
