"""Benchmark: close two billing periods for 1 000 and for 10 000 subscriptions.

Runs on PostgreSQL by default, in a throwaway database (the test database of
DATABASE_URL; without it, of postgres://postgres@127.0.0.1:5432/concierge_bench). Each
size gets N clients on a monthly plan with rollover and three time entries in September
and three in October, and beside them:

- plan changes: one subscription in ten moves to a smaller plan from October;
- cancellations: one in twenty is cancelled at the end of October;
- hour packs: one client in five holds a pack, drawn before overage;
- pack-only clients: one in twenty more clients have a pack and no subscription (their
  statements are closed with the periods).

It closes September, then October (the second period: rollover in, plan changes applied,
cancellations ended), and prints the time of each. Then the idempotent re-run: the state
before October's close is put back everywhere but in the invoices (as a close that read
before another committed would see it), and October is closed again: every chunk is read,
rated and refused by the invoices' uniqueness, nothing is written twice.

    .venv/bin/python bench/close_period.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concierge_bench \\
        .venv/bin/python bench/close_period.py
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/close_period.py

BENCH_SIZES=1000 runs one size only.
"""

import datetime
import logging
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/concierge_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concierge.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

SIZES = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000").split(","))
UNUSABLE = "!"  # an unusable password hash
ASSISTANTS = 100
ENTRIES_PER_CLIENT = 3  # in each period
SEPTEMBER = datetime.date(2026, 9, 1)
OCTOBER = datetime.date(2026, 10, 1)
NOW = datetime.datetime(2026, 11, 2, 6, tzinfo=datetime.UTC)


def populate(size):
    from assistants.models import TimeEntry
    from billing.models import HourPack, Plan, Subscription
    from concierge.models import Role, Task, User

    def plan(code, fee, included):
        return Plan.objects.create(
            code=f"{code}-{size}",
            name=code,
            kind="monthly",
            monthly_fee=Decimal(fee),
            included_minutes=included,
            rollover_cap_minutes=60,
            rounding_increment_minutes=15,
            overage_tiers=[
                {"up_to_minutes": 480, "hourly_rate": "28.00"},
                {"up_to_minutes": None, "hourly_rate": "24.00"},
            ],
        )

    standard, small = plan("standard", "49.00", 120), plan("small", "29.00", 60)
    assistants = User.objects.bulk_create(
        User(email=f"a{size}-{i}@bench.test", role=Role.ASSISTANT, password=UNUSABLE)
        for i in range(ASSISTANTS)
    )
    pack_only = size // 20
    clients = User.objects.bulk_create(
        (
            User(email=f"c{size}-{i}@bench.test", role=Role.CLIENT, password=UNUSABLE)
            for i in range(size + pack_only)
        ),
        batch_size=1000,
    )
    subscribed = clients[:size]
    Subscription.objects.bulk_create(
        (
            Subscription(
                client=c,
                plan=standard,
                start_date=datetime.date(2026, 9, 1 + i % 28),
                scheduled_plan=small if i % 10 == 3 else None,
                scheduled_plan_from=OCTOBER if i % 10 == 3 else None,
                cancel_at_period_end=i % 20 == 7,
                ended_on=datetime.date(2026, 10, 31) if i % 20 == 7 else None,
            )
            for i, c in enumerate(subscribed)
        ),
        batch_size=1000,
    )
    bought = datetime.datetime(2026, 8, 20, 9, tzinfo=datetime.UTC)
    HourPack.objects.bulk_create(
        (
            HourPack(
                client=c,
                minutes=120,
                remaining_minutes=120,
                price=Decimal("90.00"),
                purchased_at=bought,
                expires_at=bought + datetime.timedelta(days=365),
            )
            for i, c in enumerate(clients)
            if i % 5 == 0 or i >= size
        ),
        batch_size=1000,
    )
    tasks = Task.objects.bulk_create(
        (
            Task(client=c, assignee=assistants[i % ASSISTANTS], title="Bench", status="in_progress")
            for i, c in enumerate(clients)
        ),
        batch_size=1000,
    )

    def entries(first_day):
        # Each assistant gets an entry every two hours (no overlap), 5 to 94 minutes
        # long: some clients stay under their allowance (rollover), some go over it.
        base = datetime.datetime.combine(first_day, datetime.time(6), tzinfo=datetime.UTC)
        k = 0
        for task in tasks:
            for _ in range(ENTRIES_PER_CLIENT):
                start = base + datetime.timedelta(minutes=(k // ASSISTANTS) * 120)
                yield TimeEntry(
                    task=task,
                    assistant=assistants[k % ASSISTANTS],
                    started_at=start,
                    ended_at=start + datetime.timedelta(minutes=5 + (k * 37) % 90),
                )
                k += 1

    for first_day in (SEPTEMBER, OCTOBER):
        TimeEntry.objects.bulk_create(entries(first_day), batch_size=2000)
    return size + pack_only


SUBSCRIPTION_STATE = (
    "plan",
    "scheduled_plan",
    "scheduled_plan_from",
    "closed_through",
    "rollover_minutes",
    "status",
)


def snapshot():
    """What October's close changes, outside the invoices."""
    from assistants.models import TimeEntry
    from billing.models import HourPack, Subscription

    return (
        list(Subscription.objects.values()),
        list(TimeEntry.objects.filter(billed__isnull=True).values_list("id", flat=True)),
        list(HourPack.objects.values_list("id", "remaining_minutes")),
    )


def restore(saved):
    from assistants.models import TimeEntry
    from billing.models import HourPack, InvoicedEntry, Subscription

    subscriptions, unbilled, packs = saved
    Subscription.objects.bulk_update(
        [Subscription(**row) for row in subscriptions],
        SUBSCRIPTION_STATE,
        batch_size=1000,
    )
    InvoicedEntry.objects.filter(entry_id__in=unbilled).delete()
    TimeEntry.objects.filter(pk__in=unbilled).update(
        billed_at=None, billed_minutes=None, credited_minutes=0
    )
    HourPack.objects.bulk_update(
        [HourPack(id=i, remaining_minutes=m) for i, m in packs],
        ["remaining_minutes"],
        batch_size=1000,
    )


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def main():
    from billing.models import Invoice
    from billing.services import billing_period_close

    # The broker logs each job handed over (one per non-zero invoice) and the re-run
    # each refused chunk: what is measured, not what is printed.
    logging.getLogger("django-q").setLevel(logging.WARNING)
    logging.getLogger("billing").setLevel(logging.WARNING)

    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        broker = "Redis" if os.environ.get("REDIS_URL") else "the database"
        print(f"database: {connection.vendor}; jobs handed to {broker}")
        for size in SIZES:
            call_command("flush", interactive=False, verbosity=0)
            billed = populate(size)
            entries = 2 * billed * ENTRIES_PER_CLIENT
            print(f"{size} subscriptions, {billed - size} pack-only clients, {entries} entries:")
            first, elapsed = timed(lambda: billing_period_close(period=SEPTEMBER, now=NOW))
            assert first.invoices == billed == Invoice.objects.count(), first
            print(f"  close September     {elapsed:6.2f} s ({billed / elapsed:.0f} invoices/s)")
            saved = snapshot()
            second, elapsed = timed(lambda: billing_period_close(period=OCTOBER, now=NOW))
            assert second.invoices == billed, second
            print(
                f"  close October       {elapsed:6.2f} s ({billed / elapsed:.0f} invoices/s;"
                " rollover, plan changes, cancellations)"
            )
            none, elapsed = timed(lambda: billing_period_close(period=OCTOBER, now=NOW))
            assert none.invoices == 0, none
            print(f"  re-run, all closed  {elapsed:6.3f} s (nothing awaits)")
            restore(saved)
            again, elapsed = timed(lambda: billing_period_close(period=OCTOBER, now=NOW))
            assert again.invoices == 0 and Invoice.objects.count() == 2 * billed, again
            print(f"  re-run over a race  {elapsed:6.2f} s (every chunk rated, none written)")
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
