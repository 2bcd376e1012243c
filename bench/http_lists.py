"""Benchmark: every list endpoint at a real service's size, through gunicorn, against a
bare DRF endpoint with the same middleware and token authentication.

Sizes: 200 000 tasks (600 000 history events), 1 000 000 time entries, 100 000 invoices
(200 000 lines), 20 000 clients, 100 assistants, one manager.

1. Seeds a template database `<database>_tpl` once (migrations, then INSERT … SELECT
   over generate_series: a minute or two), VACUUM ANALYZE. Later runs reuse it;
   `--reseed` builds it again (needed when a migration changes the seeded tables).
2. Copies it to `<database>` (CREATE DATABASE … TEMPLATE), applies the migrations the
   code has beyond the template (new indexes), ANALYZE, issues the API tokens and
   calendar feeds it measures with.
3. Serves the app as production does (gunicorn, debug off, the TLS proxy's header, the
   bench URL conf `bench/bare_urls.py`: the product's URLs plus `GET /bench/bare/`).
4. For each page and role, in interleaved rounds beside the bare endpoint: `wrk` for
   `--duration` seconds (req/s, p50, p99); then one request at a time (`--single`
   requests) for the latency of one page at this size. Prints the medians over rounds
   and each list's req/s as a fraction of the bare endpoint's. With `--against`, another
   checkout is served beside it and every page is loaded on both in turn, round after
   round: on a shared machine only such interleaved figures compare two versions.

Needs PostgreSQL (the server of --postgres, trust or password in the URL) and `wrk`
(Debian/Ubuntu: `sudo apt-get install wrk`). Loopback only.

    .venv/bin/python bench/http_lists.py
    .venv/bin/python bench/http_lists.py --database concierge_lists --port 8130 \\
        --workers 2 --connections 4 --duration 5 --rounds 3
    mkdir /tmp/before && git archive HEAD~3 | tar -x -C /tmp/before   # the code before
    .venv/bin/python bench/http_lists.py --against /tmp/before
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "benchmark-only-secret-key-" + "x" * 40
ASSISTANTS, CLIENTS, TASKS, ENTRIES_PER_TASK, INVOICE_MONTHS = 100, 20_000, 200_000, 5, 5
FIRST_ASSISTANT, FIRST_CLIENT = 2, 2 + ASSISTANTS  # user ids; the manager is 1
WEEK = "2026-W46"  # among the last weeks of the seeded time

SEED = f"""
INSERT INTO concierge_user (id, password, is_superuser, email, first_name, last_name, role,
                            timezone, is_active, is_staff, date_joined, language)
SELECT g, '!', false, 'u' || g || '@bench.test', 'First' || g, 'Last' || g,
       CASE WHEN g = 1 THEN 'manager' WHEN g < {FIRST_CLIENT} THEN 'assistant' ELSE 'client' END,
       'Europe/Paris', true, false, '2024-11-01', 'en'
FROM generate_series(1, {FIRST_CLIENT + CLIENTS - 1}) g;

INSERT INTO assistants_assistantprofile (user_id, skills, weekly_capacity_minutes, active,
    workday_start, workday_end, working_days, created_at, updated_at)
SELECT g, '["admin", "travel"]', 2400, true, '09:00', '17:00', '[0, 1, 2, 3, 4]', now(), now()
FROM generate_series({FIRST_ASSISTANT}, {FIRST_CLIENT - 1}) g;

INSERT INTO concierge_clientprofile (user_id, primary_assistant_id, backup_assistant_id,
                                     created_at, updated_at)
SELECT g, {FIRST_ASSISTANT} + (g - {FIRST_CLIENT}) % {ASSISTANTS},
       {FIRST_ASSISTANT} + (g - {FIRST_CLIENT} + 1) % {ASSISTANTS}, now(), now()
FROM generate_series({FIRST_CLIENT}, {FIRST_CLIENT + CLIENTS - 1}) g;

INSERT INTO billing_plan (id, code, name, kind, currency, monthly_fee, included_minutes,
    rollover_cap_minutes, rounding_increment_minutes, overage_tiers, active, created_at,
    updated_at, tax_rate, name_fr)
VALUES (1000, 'bench', 'Bench', 'monthly', 'EUR', 49.00, 120, 60, 15,
        '[{{"up_to_minutes": null, "hourly_rate": "28.00"}}]', true, now(), now(), 20.00, '');

INSERT INTO billing_subscription (id, status, start_date, cancel_at_period_end,
    created_at, updated_at, client_id, plan_id, closed_through, rollover_minutes)
SELECT g - {FIRST_CLIENT} + 1, 'active', '2026-01-01', false, '2026-01-01', now(), g, 1000,
       '2026-10-01', 0
FROM generate_series({FIRST_CLIENT}, {FIRST_CLIENT + CLIENTS - 1}) g;

-- Task t belongs to client FIRST_CLIENT + (t-1) % CLIENTS, served by that client's primary
-- assistant; one every five minutes over two years; the last 10 000 (five weeks) are the
-- open work (three in four), older ones completed (one in twenty cancelled).
INSERT INTO concierge_task (id, title, description, category, priority, status,
    promised_due_at, estimate_minutes, recurrence, created_at, updated_at, assigned_at,
    completed_at, cancelled_at, rating_comment, sequence, assignee_id, client_id,
    flag_reason)
SELECT t, 'Task ' || t, 'Book, call, chase and report back (' || t || ').', 'admin',
       'normal', s.status, c.created + interval '3 days', 60, '', c.created, c.created,
       c.created, CASE WHEN s.status = 'completed' THEN c.created + interval '2 days' END,
       CASE WHEN s.status = 'cancelled' THEN c.created + interval '1 day' END, '', 0,
       {FIRST_ASSISTANT} + (t - 1) % {ASSISTANTS}, {FIRST_CLIENT} + (t - 1) % {CLIENTS}, ''
FROM generate_series(1, {TASKS}) t,
     LATERAL (SELECT timestamptz '2024-12-25 08:00+00' + t * interval '5 minutes') c(created),
     LATERAL (SELECT CASE WHEN t <= {TASKS - 10_000} AND t % 20 = 0 THEN 'cancelled'
                          WHEN t <= {TASKS - 10_000} OR t % 4 = 0 THEN 'completed'
                          WHEN t % 4 = 1 THEN 'assigned'
                          WHEN t % 4 = 2 THEN 'waiting_on_client'
                          ELSE 'in_progress' END) s(status);

-- The tasks' histories: records of the audit log (`concierge_taskevent` is a view of it).
INSERT INTO concierge_auditlog (action, changes, data, at, actor_id, actor_name, about_id,
                                target_type, target_id, note, external_event, origin)
SELECT 'task.create', '{{"status": [null, "new"]}}', '{{}}', created_at, client_id, 'C',
       client_id, 'concierge.task', id, '', '', 'command' FROM concierge_task
UNION ALL
SELECT 'task.assign', '{{"status": ["new", "assigned"]}}',
       jsonb_build_object('assistant', assignee_id, 'reason', 'primary assistant'),
       created_at, NULL, '', client_id, 'concierge.task', id, '', '', 'command'
FROM concierge_task
UNION ALL
SELECT 'task.transition', jsonb_build_object('status', jsonb_build_array('assigned', status)),
       '{{}}', created_at + interval '1 hour', assignee_id, 'A', client_id, 'concierge.task', id,
       '', '', 'command' FROM concierge_task WHERE status <> 'assigned';

-- Entry j of an assistant's k-th task: slot 5k + j of that assistant, 100 minutes apart,
-- 45 minutes long (no overlap), from the task's creation on.
INSERT INTO assistants_timeentry (started_at, ended_at, note, billable, source, status,
    created_at, updated_at, assistant_id, created_by_id, task_id, dispute_decision,
    dispute_reason, reviewable_from)
SELECT s.start, s.start + interval '45 minutes', '', true, 'manual', 'stopped',
       s.start + interval '45 minutes', s.start + interval '45 minutes', t.assignee_id,
       t.assignee_id, t.id, '', '', s.start + interval '45 minutes'
FROM concierge_task t, generate_series(0, {ENTRIES_PER_TASK - 1}) j,
     LATERAL (SELECT timestamptz '2024-12-25 08:00+00'
                     + (((t.id - 1) / {ASSISTANTS}) * {ENTRIES_PER_TASK} + j)
                       * interval '100 minutes') s(start);

INSERT INTO billing_invoice (id, kind, number, period_start, period_end, status, currency,
    total, usage, created_at, finalised_at, paid_at, stripe_invoice_id, client_id, plan_id,
    subscription_id, buyer, prices_include_tax, total_excl_tax, total_tax, total_incl_tax,
    payment_action_url)
SELECT i, 'period', '2026-' || lpad(i::text, 6, '0'), p.start,
       (p.start + interval '1 month - 1 day')::date,
       CASE WHEN i > {CLIENTS * (INVOICE_MONTHS - 1)} THEN 'open' ELSE 'paid' END, 'EUR',
       92.40, '{{"used_minutes": 180, "rollover_in": 0, "included_minutes": 120,
       "pack_minutes": 0, "from_rollover": 0, "from_included": 120, "from_packs": 0,
       "overage_minutes": 60, "rollover_out": 0, "proration": "1"}}',
       p.start + interval '1 month 6 hours', p.start + interval '1 month 6 hours',
       CASE WHEN i <= {CLIENTS * (INVOICE_MONTHS - 1)}
            THEN p.start + interval '1 month 2 days' END,
       '', {FIRST_CLIENT} + (i - 1) % {CLIENTS}, 1000, (i - 1) % {CLIENTS} + 1,
       jsonb_build_object('name', 'First' || ({FIRST_CLIENT} + (i - 1) % {CLIENTS})), false,
       77.00, 15.40, 92.40, ''
FROM generate_series(1, {CLIENTS * INVOICE_MONTHS}) i,
     LATERAL (SELECT (date '2026-06-01' + ((i - 1) / {CLIENTS}) * interval '1 month')::date)
     p(start);

INSERT INTO billing_invoiceline (position, kind, description, quantity_minutes, unit_rate,
                                 amount, invoice_id, tax_rate, tax_amount)
SELECT 0, 'fee', 'Monthly fee', NULL, NULL, 49.00, id, 20.00, 9.80 FROM billing_invoice
UNION ALL
SELECT 1, 'overage', 'Overage 60 min at 28.00/h', 60, 28.00, 28.00, id, 20.00, 5.60
FROM billing_invoice;
"""  # noqa: S608 - this file's constants
SEQUENCES = ("concierge_user", "billing_plan", "billing_subscription", "concierge_task")
SEQUENCES += ("billing_invoice",)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="concierge_lists")
    parser.add_argument("--template", help="the seeded template (default: <database>_tpl)")
    parser.add_argument("--reseed", action="store_true", help="build the template again")
    parser.add_argument("--port", type=int, default=8130)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single", type=int, default=15, help="one-at-a-time requests")
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout of the project (the code before a change): served too, on "
        "--port + 1, and each page loaded on both in turn in every round",
    )
    return parser.parse_args()


def psql(url, *sql):
    args = ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt"]
    for statement in sql:
        args += ["-c", statement]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()  # noqa: S603 - psql and this file's statements


def django_env(database_url):
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_DEBUG"}
    return {
        **env,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        # The readers use a token alone: the second factor is not what is measured.
        "MFA_REQUIRED_ROLES": "",
    }


def manage(database_url, *args):
    subprocess.run(  # noqa: S603 - manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=django_env(database_url), check=True
    )


def build_template(server, template):
    psql(f"{server}/postgres", f"DROP DATABASE IF EXISTS {template}", f"CREATE DATABASE {template}")
    url = f"{server}/{template}"
    manage(url, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    psql(url, SEED)
    psql(
        url,
        *(
            f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"  # noqa: S608 - this file's table names
            for t in SEQUENCES
        ),
        "VACUUM ANALYZE",
    )
    print(f"seeded {template} in {time.perf_counter() - started:.0f} s")


def prepare(server, database, template, reseed):
    found = f"SELECT 1 FROM pg_database WHERE datname = '{template}'"  # noqa: S608 - an argument
    exists = psql(f"{server}/postgres", found)
    if reseed or not exists:
        build_template(server, template)
    psql(
        f"{server}/postgres",
        f"DROP DATABASE IF EXISTS {database} WITH (FORCE)",
        f"CREATE DATABASE {database} TEMPLATE {template}",
    )
    url = f"{server}/{database}"
    manage(url, "migrate", "--noinput", "-v0")
    psql(url, "VACUUM ANALYZE")
    return url


CREDENTIALS = """
import json
from calendar_sync.services import feed_create
from concierge.models import User
from concierge.services import token_issue
out = {}
for role, pk in (("manager", 1), ("assistant", ASSISTANT), ("client", CLIENT)):
    user = User.objects.get(pk=pk)
    out[role] = token_issue(user=user).key
    if role != "manager":
        out["feed_" + role] = feed_create(user=user, name="bench")[1]
print(json.dumps(out))
""".replace("ASSISTANT", str(FIRST_ASSISTANT)).replace("CLIENT", str(FIRST_CLIENT))


def credentials(url):
    script = "import json\n" + CREDENTIALS
    out = subprocess.run(  # noqa: S603 - manage.py with fixed arguments
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=django_env(url),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def pages(keys):
    return [
        ("bare", "/bench/bare/", "manager"),
        ("tasks", "/api/v1/tasks/", "manager"),
        ("tasks", "/api/v1/tasks/", "assistant"),
        ("tasks", "/api/v1/tasks/", "client"),
        ("time entries", "/api/v1/time-entries/", "manager"),
        ("time entries", "/api/v1/time-entries/", "assistant"),
        ("time entries", "/api/v1/time-entries/", "client"),
        ("invoices", "/api/v1/invoices/", "manager"),
        ("invoices", "/api/v1/invoices/", "client"),
        ("clients", "/api/v1/clients/", "manager"),
        ("clients", "/api/v1/clients/", "assistant"),
        ("workloads", f"/api/v1/workloads/?week={WEEK}", "manager"),
        ("feed", f"/calendar/{keys['feed_assistant']}.ics", "assistant"),
        ("feed", f"/calendar/{keys['feed_client']}.ics", "client"),
    ]


def serve(url, port, workers, root=ROOT):
    env = {**django_env(url), "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "concierge.wsgi"]
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not answer /healthz within a minute")


def headers(token):
    return {
        "X-Forwarded-Proto": "https",
        "Accept": "application/json",
        **({"Authorization": f"Token {token}"} if token else {}),
    }


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(base, path, token, args):
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "20s"]
    command.append("--latency")
    for name, value in headers(token).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603 - wrk with this file's arguments
        [*command, base + path], check=True, capture_output=True, text=True
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"{path} answered errors under load:\n{out}")
    for _ in range(args.connections):  # the requests wrk left in the server's queue
        urllib.request.urlopen(f"{base}/healthz", timeout=60).read()  # noqa: S310 - a loopback http URL
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * UNITS[unit]

    return rate, percentile(50), percentile(99)


def single(base, path, token, count):
    request = urllib.request.Request(base + path, headers=headers(token))  # noqa: S310
    times = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body = response.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), len(body)


def main():
    args = arguments()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: sudo apt-get install wrk (Debian/Ubuntu)")
    template = args.template or f"{args.database}_tpl"
    url = prepare(args.postgres, args.database, template, args.reseed)
    keys = credentials(url)
    targets = [
        t for t in pages(keys) if t[0] == "bare" or not args.only or args.only in f"{t[0]} {t[2]}"
    ]
    servers = {"": (f"http://127.0.0.1:{args.port}", ROOT)}
    if args.against:
        servers["before"] = (f"http://127.0.0.1:{args.port + 1}", args.against.resolve())
    started = {}
    try:
        for name, (base, root) in servers.items():
            started[name] = serve(url, int(base.rsplit(":", 1)[1]), args.workers, root)
        for base, _ in servers.values():  # warm every worker and page once
            for _, path, role in targets:
                single(base, path, keys[role], 2)
        runs = {(name, t): [] for name in servers for t in targets}
        for _ in range(args.rounds):
            for target in targets:
                for name, (base, _) in servers.items():  # in turn: the same load for both
                    runs[name, target].append(wrk(base, target[1], keys[target[2]], args))
        latency = {
            (name, t): single(base, t[1], keys[t[2]], args.single)
            for name, (base, _) in servers.items()
            for t in targets
        }
    finally:
        for server in started.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    load = os.getloadavg()[0]
    print(
        f"{TASKS} tasks, {TASKS * ENTRIES_PER_TASK} time entries, "
        f"{CLIENTS * INVOICE_MONTHS} invoices, {CLIENTS} clients, {ASSISTANTS} assistants; "
        f"gunicorn {args.workers} workers, wrk {args.connections} connections "
        f"{args.duration} s x {args.rounds} rounds (medians); {os.cpu_count()} cores, "
        f"load {load:.1f}"
    )
    print(
        f"{'page':<14}{'role':<11}{'code':<8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'x bare':>8}{'1 req ms':>10}{'max ms':>8}{'bytes':>9}"
    )
    for target in targets:
        for name in servers:
            bare = statistics.median(r[0] for r in runs[name, targets[0]])
            rate, p50, p99 = (statistics.median(r[i] for r in runs[name, target]) for i in range(3))
            one, worst, size = latency[name, target]
            print(
                f"{target[0]:<14}{target[2]:<11}{name or 'this':<8}{rate:>8.0f}{p50:>9.1f}"
                f"{p99:>9.1f}{rate / bare:>8.2f}{one:>10.1f}{worst:>8.1f}{size:>9}"
            )


if __name__ == "__main__":
    main()
