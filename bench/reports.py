"""Benchmark: a year's reports at the workload benchmark's size — 50 assistants, 200
clients, 200 000 tasks, 1 000 000 time entries — with a year of invoices, each billing the
month's entries of its client.

Seeds a throwaway PostgreSQL database as `bench/workloads.py` does (its own seeding), adds
one issued invoice per client and month and the billed minutes of every entry before the
last month (one INSERT … SELECT, and the same minutes on each entry), and an hourly cost
for most assistants, then rebuilds the time rollup (the seeding writes around the
services); then prints the median (p50) and p95 time of each report over a year for a
manager in UTC and one in Europe/Paris (whose weeks and months cut UTC days, read from the
entries), through the in-process API client with token authentication and over HTTP
through gunicorn, its query count, the totals it found, checked against the invoices and
against the entries summed without the rollup, and beside them the time of that sum of
every entry (how the report read before the rollup).

    .venv/bin/python bench/reports.py postgres://postgres@127.0.0.1:5432/concierge_bench
    DATABASE_URL=postgres://… .venv/bin/python bench/reports.py [--runs 15] [--keep]
"""

import datetime
import json
import os
import signal
import statistics
import sys
import time
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import workloads as seeding  # noqa: E402 (the workload benchmark's seeding, reused)

YEAR = {"from": "2025-04-01", "to": "2026-03-31"}
FIRST_MONTH = datetime.date(2025, 1, 1)
MONTHS = 28  # January 2025 to April 2027: every month holding entries
BILLED_BEFORE = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
TARGET_MS = 300


def months():
    day = FIRST_MONTH
    for _ in range(MONTHS):
        yield day
        day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def seed_invoices():
    """One issued invoice per client and month (49.00 plus a cent per client, and 20 %
    VAT), and the
    billed minutes of every entry started before BILLED_BEFORE on its month's invoice."""
    import calendar

    from django.db import connection

    from assistants.models import AssistantProfile, TimeEntry
    from billing.models import Invoice, InvoicedEntry, InvoiceKind, InvoiceStatus
    from concierge.models import Role, Task, User

    clients = list(
        User.objects.filter(role=Role.CLIENT).order_by("pk").values_list("pk", flat=True)
    )
    invoices, number = [], 0
    for month in months():
        if datetime.datetime(month.year, month.month, 1, tzinfo=datetime.UTC) >= BILLED_BEFORE:
            break
        last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        for n, client in enumerate(clients):
            number += 1
            excl_tax = Decimal("49.00") + Decimal(n) / 100
            tax = (excl_tax / 5).quantize(Decimal("0.01"))
            invoices.append(
                Invoice(
                    client_id=client,
                    kind=InvoiceKind.PERIOD,
                    number=f"B{number:09d}",
                    period_start=month,
                    period_end=last,
                    status=InvoiceStatus.PAID if n % 3 else InvoiceStatus.OPEN,
                    currency="EUR",
                    total=excl_tax + tax,
                    **{
                        name: value
                        for name, value in (
                            ("total_excl_tax", excl_tax),
                            ("total_tax", tax),
                            ("total_incl_tax", excl_tax + tax),
                        )
                        if hasattr(Invoice, name)
                    },
                )
            )
    Invoice.objects.bulk_create(invoices, batch_size=2000)
    # Any other column of the model takes its default (a constant per row).
    others = [
        field
        for field in InvoicedEntry._meta.concrete_fields
        if field.name not in ("entry", "invoice", "billed_minutes")
    ]
    columns = "".join(f", {field.column}" for field in others)
    values = "".join(f", %(f{n})s" for n in range(len(others)))
    defaults = {f"f{n}": field.get_default() for n, field in enumerate(others)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {InvoicedEntry._meta.db_table}
                (entry_id, invoice_id, billed_minutes{columns})
            SELECT e.id, i.id,
                   CEIL(EXTRACT(EPOCH FROM (e.ended_at - e.started_at)) / 900) * 15{values}
            FROM {TimeEntry._meta.db_table} e
            JOIN {Task._meta.db_table} t ON t.id = e.task_id
            JOIN {Invoice._meta.db_table} i
              ON i.client_id = t.client_id
             AND i.period_start = DATE_TRUNC('month', e.started_at AT TIME ZONE 'Europe/Paris')
            WHERE e.billable AND e.started_at < %(before)s
            """,  # noqa: S608 (the models' own table and column names)
            {"before": BILLED_BEFORE, **defaults},
        )
        # Each billed entry records it too, as the close's `time_entries_bill` does.
        cursor.execute(
            f"""
            UPDATE {TimeEntry._meta.db_table} e
               SET billed_at = i.created_at, billed_minutes = b.billed_minutes
              FROM {InvoicedEntry._meta.db_table} b
              JOIN {Invoice._meta.db_table} i ON i.id = b.invoice_id
             WHERE b.entry_id = e.id
            """  # noqa: S608 (the models' own table and column names)
        )
        cursor.execute("VACUUM ANALYZE")
    for n, profile in enumerate(AssistantProfile.objects.order_by("user_id")):
        if n % 10:
            profile.cost_rate = Decimal("18.00") + n % 7
            profile.save(update_fields=["cost_rate"])
    return len(invoices)


def rounds(contestants, runs):
    """{label: [ms, …]}, each contestant run once per round, round-robin, after a warm-up
    (as `workloads.timed_rounds`, keeping every time for the percentiles)."""
    for function in contestants.values():
        function()
    timings = {label: [] for label in contestants}
    for _ in range(runs):
        for label, function in contestants.items():
            started = time.perf_counter()
            function()
            timings[label].append((time.perf_counter() - started) * 1000)
    return timings


def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def entries_summed(manager, group_by):
    """The report's sums read from every entry of the year, as the report did before the
    rollup (one aggregate over the entries, grouped in the manager's zone)."""
    from django.db.models import DateField, F
    from django.db.models.functions import Trunc

    from billing.reports.ranges import DayRange
    from billing.reports.time_sums import entry_totals as _entry_totals
    from billing.reports.time_sums import report_entries as _entries

    zone = manager.zone
    report_range = DayRange(
        datetime.date.fromisoformat(YEAR["from"]), datetime.date.fromisoformat(YEAR["to"]), zone
    )
    keys = {
        "client": F("task__client_id"),
        "assistant": F("assistant_id"),
        "category": F("task__category"),
        "task": F("task_id"),
    }
    key = keys.get(group_by) or Trunc("started_at", group_by, output_field=DateField(), tzinfo=zone)
    group = {"key": key, "cost_assistant": F("assistant_id")}
    if group_by == "assistant":
        group["cost_client"] = F("task__client_id")
    return (
        _entries(manager, report_range, {}).order_by().values(**group).annotate(**_entry_totals())
    )


GROUPS = ("client", "assistant", "category", "task", "month", "week")


def measure(manager, paris, runs, base):
    from django.db import connection
    from django.db.models import Sum
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from billing.models import Invoice, InvoiceStatus
    from concierge.models import Role, User
    from concierge.services import token_issue

    def client_of(user):
        api = APIClient(HTTP_X_FORWARDED_PROTO="https")
        api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
        return api

    token = token_issue(user=manager).key
    apis = {"UTC": client_of(manager), "Paris": client_of(paris)}

    def report(path, zone="UTC", **query):
        def call():
            response = apis[zone].get(path, {**YEAR, "page_size": 200, **query})
            assert response.status_code == 200, response.content[:300]
            return response

        return call

    cases = {
        f"time by {group}": report("/api/v1/reports/time/", group_by=group) for group in GROUPS
    }
    cases["time by client, CSV"] = report("/api/v1/reports/time/", format="csv")
    # By task: a year of everyone's (the first page of 200 among every task), and a year of
    # one client's.
    one_client = (
        User.objects.filter(role=Role.CLIENT).order_by("pk").values_list("pk", flat=True)[0]
    )
    cases["time by task, one client"] = report(
        "/api/v1/reports/time/", group_by="task", client=one_client
    )
    for group in GROUPS:
        cases[f"Paris: time by {group}"] = report(
            "/api/v1/reports/time/", zone="Paris", group_by=group
        )
    for group in ("assistant", "category"):
        cases[f"quality by {group}"] = report("/api/v1/reports/quality/", group_by=group)

    query = urllib.parse.urlencode({**YEAR, "group_by": "client", "page_size": 200})
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/v1/reports/time/?{query}",
        headers={"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"},
    )

    def http():
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            assert response.status == 200
            return json.loads(response.read())

    counts, statements = {}, {}
    for label, call in cases.items():
        with CaptureQueriesContext(connection) as queries:
            call()
        counts[label] = len(queries.captured_queries)
        statements[label] = [query["sql"] for query in queries.captured_queries]

    def raw(label):
        def run():
            with connection.cursor() as cursor:
                for statement in statements[label]:
                    cursor.execute(statement)
                    cursor.fetchall()

        return run

    sql_cases = {
        f"{label}: its SQL, run raw": raw(label)
        for label in ("time by client", "Paris: time by week", "quality by assistant")
    }
    body = http()
    invoiced = Invoice.objects.filter(
        status__in=(InvoiceStatus.OPEN, InvoiceStatus.PAID),
        period_start__gte=YEAR["from"],
        period_start__lte=YEAR["to"],
    ).aggregate(total=Sum("total"))["total"]
    assert Decimal(body["totals"]["invoiced_amount"]) == invoiced, "report and invoices differ"
    # The rollup's report is the entries' own: each grouping, in each zone.
    for zone, user in (("UTC", manager), ("Paris", paris)):
        for group in ("client", "assistant", "category", "month", "week"):
            label = f"time by {group}" if zone == "UTC" else f"Paris: time by {group}"
            rows = cases[label]().json()["results"]
            found = {row["logged_minutes"] for row in rows if row["logged_minutes"]}
            summed = {}
            for item in entries_summed(user, group):
                summed[item["key"]] = summed.get(item["key"], datetime.timedelta())
                summed[item["key"]] += item["logged_time"]
            expected = {int(value.total_seconds()) // 60 for value in summed.values()}
            assert found == expected, f"{label}: the rollup and the entries differ"
    # By task, a page: the tasks with the most time, each with the entries' own sums.
    for zone, user in (("UTC", manager), ("Paris", paris)):
        label = "time by task" if zone == "UTC" else "Paris: time by task"
        rows = cases[label]().json()["results"]
        summed = {}
        for item in entries_summed(user, "task"):
            summed[item["key"]] = summed.get(item["key"], datetime.timedelta())
            summed[item["key"]] += item["logged_time"]
        minutes = {task: int(value.total_seconds()) // 60 for task, value in summed.items()}
        assert all(row["logged_minutes"] == minutes[row["task"]] for row in rows), label
        paged = {row["task"] for row in rows}
        rest = max((m for task, m in minutes.items() if task not in paged), default=0)
        assert min(row["logged_minutes"] for row in rows) >= rest, f"{label}: not the top"
    before = {
        f"before, entries summed: by {group}": lambda group=group: list(
            entries_summed(manager, group)
        )
        for group in ("client", "week", "task")
    }
    before["before, entries summed: Paris by week"] = lambda: list(entries_summed(paris, "week"))
    timings = rounds({"HTTP: gunicorn, time by client": http, **cases, **sql_cases, **before}, runs)
    return body["totals"], counts, timings


def main():
    args = seeding.arguments()
    # The benchmark's manager reads with a token alone: the second factor is not measured.
    os.environ.setdefault("MFA_REQUIRED_ROLES", "")
    seeding.setup(args.database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    from assistants.services import time_rollup_rebuild
    from concierge.models import Role, User

    setup_test_environment()
    if args.reuse:
        manager = User.objects.get(email="m@bench.test")
        url = args.database_url
        test_name = None
    else:
        old_name = connection.settings_dict["NAME"]
        started = time.perf_counter()
        test_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        url = urllib.parse.urlsplit(args.database_url)._replace(path=f"/{test_name}").geturl()
    try:
        if test_name:
            migrated = time.perf_counter()
            manager = seeding.seed()
            invoices = seed_invoices()
            seeded = time.perf_counter()
            cells, task_cells = time_rollup_rebuild()
            rebuilt = time.perf_counter()
            print(
                f"database {test_name} (PostgreSQL {connection.pg_version}): "
                f"{seeding.ASSISTANTS} assistants, {seeding.CLIENTS} clients, "
                f"{seeding.TASKS} tasks, {seeding.ENTRIES} time entries, {invoices} "
                f"invoices; schema {migrated - started:.1f} s, seed {seeded - migrated:.1f} s; "
                f"time rollups {cells} cells by day and {task_cells} by task, rebuilt in "
                f"{rebuilt - seeded:.1f} s"
            )
        paris, _ = User.objects.get_or_create(
            email="m-paris@bench.test",
            defaults={
                "role": Role.MANAGER,
                "password": seeding.UNUSABLE,
                "timezone": "Europe/Paris",
            },
        )
        server, base = seeding.serve(url)
        try:
            totals, counts, timings = measure(manager, paris, args.runs, base)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        print(
            f"a year ({YEAR['from']} to {YEAR['to']}): {totals['entries']} entries, "
            f"{totals['logged_minutes']} logged minutes, {totals['billed_minutes']} billed, "
            f"{totals['invoiced_amount']} {totals['currency']} invoiced (equal to the "
            f"invoices), cost {totals['cost_amount']}, margin {totals['margin_amount']}"
        )
        for label, values in timings.items():
            median = statistics.median(values)
            queries = f"{counts[label]} queries" if label in counts else ""
            verdict = "ok" if median <= TARGET_MS else f"over {TARGET_MS} ms"
            print(
                f"{label:<42} p50 {median:8.1f} ms  p95 {p95(values):8.1f} ms  "
                f"(min {min(values):.1f}, max {max(values):.1f})  {queries:<11} {verdict}"
            )
    finally:
        if test_name and args.keep:
            print(f"kept database {test_name}")
        elif test_name:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
