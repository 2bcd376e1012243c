"""Benchmark: the manager's team workload on 50 assistants, 200 000 tasks, 1 000 000 entries.

Creates a throwaway PostgreSQL database (the test database of the URL given), builds the
schema with the migrations, seeds it (time entries with one INSERT … SELECT over
generate_series; two years of closed tasks behind the last 5 000, which hold the open
work), then prints the median time of `GET /api/v1/workloads/?week=` over HTTP (gunicorn
as production runs it, token authentication) and through the in-process API client,
beside the median time of the raw SQL aggregate it needs.

    .venv/bin/python bench/workloads.py postgres://postgres@127.0.0.1:5432/concierge_bench
    DATABASE_URL=postgres://… .venv/bin/python bench/workloads.py [--runs 30] [--keep]
"""

import argparse
import datetime
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ASSISTANTS = 50
CLIENTS = 200
TASKS = 200_000
RECENT = 5_000  # the last tasks: every status; the others closed, over two years
ENTRIES = 1_000_000
RUN_TASKS = 20  # the tasks an assistant has at work at once
RUN_HOURS = RUN_TASKS * ENTRIES // TASKS  # their entries, one an hour
WEEK = "2026-W13"  # holds the spring daylight-saving change in Europe/Paris
FIRST_ENTRY = datetime.datetime(2025, 1, 6, 6, tzinfo=datetime.UTC)
UNUSABLE = "!"  # an unusable password hash


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the given database as it is (one kept by --keep), seeding nothing",
    )
    args = parser.parse_args()
    if not (args.database_url or "").startswith(("postgres://", "postgresql://")):
        parser.error("a PostgreSQL DATABASE_URL is required (argument or environment)")
    return args


def setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concierge.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")
    # Debug off as in production: requests say they came over HTTPS, as behind its proxy.
    os.environ.setdefault("DJANGO_SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO,https")
    # The manager reads with a token alone: the second factor is not what is measured.
    os.environ.setdefault("MFA_REQUIRED_ROLES", "")
    import django

    django.setup()


def seed():
    from django.db import connection
    from django.utils import timezone

    from assistants.models import AssistantProfile, TimeEntry
    from concierge.models import Role, Task, TaskStatus, User

    users = User.objects.bulk_create(
        [
            *(
                User(email=f"a{i}@bench.test", role=Role.ASSISTANT, password=UNUSABLE)
                for i in range(ASSISTANTS)
            ),
            *(
                User(email=f"c{i}@bench.test", role=Role.CLIENT, password=UNUSABLE)
                for i in range(CLIENTS)
            ),
        ]
    )
    assistants, clients = users[:ASSISTANTS], users[ASSISTANTS:]
    AssistantProfile.objects.bulk_create(
        AssistantProfile(
            user=a,
            skills=["admin", "travel"] if i % 2 else ["booking"],
            weekly_capacity_minutes=2400 - 60 * (i % 10),
            active=i % 7 != 0,
        )
        for i, a in enumerate(assistants)
    )
    now = timezone.now()
    statuses = list(TaskStatus)
    week_day = datetime.datetime(2026, 3, 23, 8, tzinfo=datetime.UTC)

    def task(i):
        if i < TASKS - RECENT:  # history: closed long before the week
            status = TaskStatus.CANCELLED if i % 20 == 0 else TaskStatus.COMPLETED
            due = week_day - datetime.timedelta(days=60 + i % 700)
            delivered = completed = due if status == TaskStatus.COMPLETED else None
        else:
            status = statuses[i % len(statuses)]
            due = week_day + datetime.timedelta(hours=(i * 7) % 400 - 100)
            done = status in (TaskStatus.DELIVERED, TaskStatus.COMPLETED)
            delivered = due + datetime.timedelta(hours=i % 48 - 24) if done else None
            completed = (
                now - datetime.timedelta(days=i % 60) if status == TaskStatus.COMPLETED else None
            )
        return Task(
            client=clients[i % CLIENTS],
            assignee=assistants[i % ASSISTANTS],
            title=f"Bench {i}",
            status=status,
            estimate_minutes=30 + i % 240,
            promised_due_at=due,
            delivered_at=delivered,
            completed_at=completed,
            rating=1 + i % 5 if status == TaskStatus.COMPLETED else None,
        )

    tasks = Task.objects.bulk_create((task(i) for i in range(TASKS)), batch_size=2000)
    assistant_ids = [a.id for a in assistants]
    task_ids = [t.id for t in tasks]  # task i belongs to assistant i % ASSISTANTS
    # Entry k: assistant k % 50, in its own hourly slot (h = k // 50 hours after the
    # first), 10 to 55 minutes long, stopped; one in five not billable. Each assistant
    # works through their tasks in runs of 100 hours holding 20 tasks, each task's five
    # entries 20 hours apart (an errand of three or four days, as most are): the tasks
    # at work on any instant are the 20 of each assistant's current run. The overlap
    # constraint is set aside for the bulk insert and rebuilt (and so checked) in one pass
    # afterwards.
    (no_overlap,) = (
        c for c in TimeEntry._meta.constraints if c.name == "time_entry_no_overlap_per_assistant"
    )
    with connection.schema_editor() as editor:
        editor.remove_constraint(TimeEntry, no_overlap)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {TimeEntry._meta.db_table}
                (task_id, assistant_id, started_at, ended_at, note, billable, source, status,
                 created_at, updated_at, dispute_decision, dispute_reason, reviewable_from)
            SELECT
                (%(tasks)s::bigint[])[
                    1 + (k %% %(n)s)
                    + %(n)s * ((k / %(n)s / %(run)s) * %(open)s + (k / %(n)s) %% %(open)s)
                ],
                (%(assistants)s::bigint[])[1 + k %% %(n)s],
                %(first)s + make_interval(hours => (k / %(n)s)::int),
                %(first)s + make_interval(hours => (k / %(n)s)::int, mins => 10 + (k * 7) %% 46),
                '', k %% 5 <> 0, 'manual', 'stopped', now(), now(), '', '', now()
            FROM generate_series(0, %(entries)s - 1) AS k
            """,  # noqa: S608 (the model's own table name)
            {
                "tasks": task_ids,
                "assistants": assistant_ids,
                "n": ASSISTANTS,
                "run": RUN_HOURS,
                "open": RUN_TASKS,
                "first": FIRST_ENTRY,
                "entries": ENTRIES,
            },
        )
    with connection.schema_editor() as editor:
        editor.add_constraint(TimeEntry, no_overlap)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    manager = User.objects.create(email="m@bench.test", role=Role.MANAGER, password=UNUSABLE)
    return manager


RAW_SQL = """
WITH logged AS (
    SELECT assistant_id,
           SUM(ended_at - started_at) AS logged,
           SUM(ended_at - started_at) FILTER (WHERE billable) AS billable
    FROM {entries}
    WHERE started_at >= %(start)s AND started_at < %(end)s AND ended_at IS NOT NULL
    GROUP BY assistant_id
), work AS (
    SELECT assignee_id,
           COUNT(*) FILTER (WHERE status NOT IN ('completed', 'cancelled')) AS open,
           COUNT(*) FILTER (WHERE status NOT IN ('completed', 'cancelled')
                            AND promised_due_at < %(now)s) AS overdue,
           COUNT(*) FILTER (WHERE delivered_at >= %(start)s AND delivered_at < %(end)s
                            AND promised_due_at IS NOT NULL
                            AND status <> 'cancelled') AS delivered,
           COUNT(*) FILTER (WHERE delivered_at >= %(start)s AND delivered_at < %(end)s
                            AND delivered_at <= promised_due_at
                            AND status <> 'cancelled') AS on_time,
           COUNT(rating) FILTER (WHERE status = 'completed' AND completed_at > %(since)s
                                 AND completed_at <= %(now)s) AS rated,
           SUM(rating) FILTER (WHERE status = 'completed' AND completed_at > %(since)s
                               AND completed_at <= %(now)s) AS rating_sum
    FROM {tasks}
    WHERE assignee_id IS NOT NULL
    GROUP BY assignee_id
)
SELECT p.user_id, u.email, p.weekly_capacity_minutes, p.active,
       COALESCE(w.open, 0), COALESCE(w.overdue, 0), l.logged, l.billable,
       COALESCE(w.delivered, 0), COALESCE(w.on_time, 0), COALESCE(w.rated, 0), w.rating_sum
FROM {profiles} p
JOIN {users} u ON u.id = p.user_id
LEFT JOIN logged l ON l.assistant_id = p.user_id
LEFT JOIN work w ON w.assignee_id = p.user_id
ORDER BY p.user_id
"""

# The same, the week's entries summed per assistant through the (assistant, started_at)
# index, as the endpoint's correlated subqueries do, rather than in one scan of the table.
LATERAL_SQL = RAW_SQL.replace(
    """    SELECT assistant_id,
           SUM(ended_at - started_at) AS logged,
           SUM(ended_at - started_at) FILTER (WHERE billable) AS billable
    FROM {entries}
    WHERE started_at >= %(start)s AND started_at < %(end)s AND ended_at IS NOT NULL
    GROUP BY assistant_id""",
    """    SELECT lp.user_id AS assistant_id, e.logged, e.billable
    FROM {profiles} lp CROSS JOIN LATERAL (
        SELECT SUM(ended_at - started_at) AS logged,
               SUM(ended_at - started_at) FILTER (WHERE billable) AS billable
        FROM {entries}
        WHERE assistant_id = lp.user_id AND started_at >= %(start)s AND started_at < %(end)s
          AND ended_at IS NOT NULL
    ) e""",
)
assert LATERAL_SQL != RAW_SQL


def timed_rounds(contestants, runs):
    """{label: (median, min, max) ms}, each contestant run once per round, round-robin.

    Interleaving spreads whatever else the machine is doing over every contestant alike,
    so the ratios printed below compare like with like.
    """
    for function in contestants.values():
        function()  # warm caches and connections
    timings = {label: [] for label in contestants}
    for _ in range(runs):
        for label, function in contestants.items():
            started = time.perf_counter()
            function()
            timings[label].append((time.perf_counter() - started) * 1000)
    return {
        label: (statistics.median(values), min(values), max(values))
        for label, values in timings.items()
    }


def serve(database_url):
    """gunicorn as production runs it (debug off, behind the TLS proxy's header) on a free
    loopback port, against the bench database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_DEBUG"}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="concierge.settings",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [gunicorn, "concierge.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).read()  # noqa: S310 - loopback
            return process, base
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not answer /healthz within a minute")


def measure(manager, runs, base):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from assistants import workloads
    from assistants.models import AssistantProfile, TimeEntry
    from concierge.models import Task, User
    from concierge.services import token_issue

    token = token_issue(user=manager).key
    api = APIClient(HTTP_X_FORWARDED_PROTO="https")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/v1/workloads/?week={WEEK}&page_size=200",
        headers={"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"},
    )

    def http():
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            assert response.status == 200
            return json.loads(response.read())

    def endpoint():
        response = api.get("/api/v1/workloads/", {"week": WEEK, "page_size": 200})
        assert response.status_code == 200, response.content
        return response

    def csv_endpoint():
        assert api.get("/api/v1/workloads/", {"week": WEEK, "format": "csv"}).status_code == 200

    start, end = workloads.parse_week(WEEK).bounds()
    now = timezone.now()
    tables = {
        "entries": TimeEntry._meta.db_table,
        "tasks": Task._meta.db_table,
        "profiles": AssistantProfile._meta.db_table,
        "users": User._meta.db_table,
    }
    sql, lateral_sql = RAW_SQL.format(**tables), LATERAL_SQL.format(**tables)
    params = {"start": start, "end": end, "now": now, "since": now - datetime.timedelta(days=30)}

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def raw_lateral():
        with connection.cursor() as cursor:
            cursor.execute(lateral_sql, params)
            return cursor.fetchall()

    with CaptureQueriesContext(connection) as queries:
        body = endpoint().json()
    assert http()["results"] == body["results"], "HTTP and the API client disagree"
    rows = raw()
    assert raw_lateral() == rows
    assert body["count"] == len(rows) == ASSISTANTS
    assert [r["logged_minutes"] for r in body["results"]] == [
        workloads.minutes(row[6]) for row in rows
    ], "the endpoint and the raw SQL disagree"
    assert [r["open_tasks"] for r in body["results"]] == [row[4] for row in rows]
    assert [r["on_time_tasks"] for r in body["results"]] == [row[9] for row in rows]
    endpoint_sql = [query["sql"] for query in queries.captured_queries]

    def endpoint_query():
        with connection.cursor() as cursor:
            for statement in endpoint_sql:
                cursor.execute(statement)
                cursor.fetchall()

    return {
        "queries per request": len(queries.captured_queries),
        "logged minutes in the week (team)": body["totals"]["logged_minutes"],
        **timed_rounds(
            {
                "HTTP: gunicorn, token": http,
                "endpoint (API client, token)": endpoint,
                "endpoint ?format=csv": csv_endpoint,
                "endpoint's own SQL, run raw": endpoint_query,
                "raw SQL, GROUP BY over the week": raw,
                "raw SQL, per assistant (LATERAL)": raw_lateral,
            },
            runs,
        ),
    }


def measured(manager, runs, database_url):
    server, base = serve(database_url)
    try:
        return measure(manager, runs, base)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def report(results):
    for label, value in results.items():
        if isinstance(value, tuple):
            median, low, high = value
            print(f"{label:<36} median {median:8.2f} ms  (min {low:.2f}, max {high:.2f})")
        else:
            print(f"{label:<36} {value}")
    keys = ("raw SQL, GROUP BY over the week", "raw SQL, per assistant (LATERAL)")
    raw_median = min(results[key][0] for key in keys)
    raw_best = min(results[key][1] for key in keys)
    for label in ("HTTP: gunicorn, token", "endpoint (API client, token)"):
        print(
            f"{label} / fastest raw SQL: {results[label][0] / raw_median:.2f}x of medians, "
            f"{results[label][1] / raw_best:.2f}x of minimums"
        )


def main():
    args = arguments()
    setup(args.database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if args.reuse:
        from concierge.models import User

        manager = User.objects.get(email="m@bench.test")
        report(measured(manager, args.runs, args.database_url))
        return
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        migrated = time.perf_counter()
        manager = seed()
        seeded = time.perf_counter()
        print(
            f"database {test_name} (PostgreSQL {connection.pg_version}): {ASSISTANTS} assistants, "
            f"{TASKS} tasks, {ENTRIES} time entries; schema {migrated - started:.1f} s, "
            f"seed {seeded - migrated:.1f} s"
        )
        url = urllib.parse.urlsplit(args.database_url)._replace(path=f"/{test_name}").geturl()
        report(measured(manager, args.runs, url))
    finally:
        if args.keep:
            print(f"kept database {test_name}")
        else:
            creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
