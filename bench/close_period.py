"""Benchmark: close one billing period for 1 000 and for 10 000 subscriptions.

Runs against a throwaway database (the test database of DATABASE_URL, SQLite by default),
creates N clients each with a subscription of the worked example's plan and three time
entries in September 2026, closes September and prints the time taken.

    .venv/bin/python bench/close_period.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concierge_bench \\
        .venv/bin/python bench/close_period.py

BENCH_SIZES=1000 runs one size only.
"""

import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concierge.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

SIZES = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000").split(","))
UNUSABLE = "!"  # an unusable password hash
ASSISTANTS = 100
ENTRIES_PER_CLIENT = 3
SEPTEMBER = datetime.date(2026, 9, 1)
NOW = datetime.datetime(2026, 10, 2, 6, tzinfo=datetime.UTC)


def populate(size):
    from assistants.models import TimeEntry
    from billing.models import Plan, Subscription
    from concierge.models import Role, Task, User

    plan = Plan.objects.create(
        code=f"bench-{size}",
        name="Bench",
        kind="monthly",
        monthly_fee=Decimal("49.00"),
        included_minutes=120,
        rollover_cap_minutes=60,
        rounding_increment_minutes=15,
        overage_tiers=[
            {"up_to_minutes": 480, "hourly_rate": "28.00"},
            {"up_to_minutes": None, "hourly_rate": "24.00"},
        ],
    )
    assistants = User.objects.bulk_create(
        User(email=f"a{size}-{i}@bench.test", role=Role.ASSISTANT, password=UNUSABLE)
        for i in range(ASSISTANTS)
    )
    clients = User.objects.bulk_create(
        (
            User(email=f"c{size}-{i}@bench.test", role=Role.CLIENT, password=UNUSABLE)
            for i in range(size)
        ),
        batch_size=1000,
    )
    Subscription.objects.bulk_create(
        (
            Subscription(client=c, plan=plan, start_date=datetime.date(2026, 9, 1 + i % 28))
            for i, c in enumerate(clients)
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
    base = datetime.datetime(2026, 9, 1, 6, tzinfo=datetime.UTC)

    def entries():
        k = 0
        for task in tasks:
            for _ in range(ENTRIES_PER_CLIENT):
                start = base + datetime.timedelta(minutes=(k // ASSISTANTS) * 2)
                yield TimeEntry(
                    task=task,
                    assistant=assistants[k % ASSISTANTS],
                    started_at=start,
                    ended_at=start + datetime.timedelta(seconds=30 + (k * 37) % 60),
                )
                k += 1

    TimeEntry.objects.bulk_create(entries(), batch_size=2000)


def main():
    from billing.models import Invoice
    from billing.services import billing_period_close

    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"database: {connection.vendor}")
        for size in SIZES:
            call_command("flush", interactive=False, verbosity=0)
            populate(size)
            started = time.perf_counter()
            result = billing_period_close(period=SEPTEMBER, now=NOW)
            elapsed = time.perf_counter() - started
            assert result.invoices == size == Invoice.objects.count(), result
            again = time.perf_counter()
            assert billing_period_close(period=SEPTEMBER, now=NOW).invoices == 0
            rerun = time.perf_counter() - again
            print(
                f"{size:>6} subscriptions ({size * ENTRIES_PER_CLIENT} entries): "
                f"close {elapsed:.2f} s ({size / elapsed:.0f}/s); idempotent re-run {rerun:.3f} s"
            )
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
