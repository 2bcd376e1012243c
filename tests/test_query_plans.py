"""The main lists read their pages through indexes, never by scanning a big table.

PostgreSQL only. A modest set of rows (a few thousand per table, written with INSERT …
SELECT over generate_series in well under a second) and ANALYZE give the planner real
statistics; at that size a scan of the whole table already costs more than an index for
a page of 50, so a list whose order or filter lacks its index shows a Seq Scan here as it
would at a real service's size. The queries checked are the ones the API runs (captured
from real requests), each EXPLAINed; the `count` of a list is left out (it counts every
row the list holds, which no index avoids).
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from concierge.api.pagination import EXACT_COUNT_UP_TO
from concierge.models import User

pytestmark = pytest.mark.postgres

ASSISTANTS, CLIENTS, TASKS, INVOICE_MONTHS = 20, 1000, 10_000, 5
BIG_TABLES = {
    "concierge_task",
    "concierge_auditlog",  # the tasks' histories are a view of it
    "assistants_timeentry",
    "billing_invoice",
    "billing_invoiceline",
}
FIRST = 1_000_000  # ids of the seeded rows, clear of the factories'

SEED = f"""
INSERT INTO concierge_user (id, password, is_superuser, email, first_name, last_name, role,
                            timezone, is_active, is_staff, date_joined, language)
SELECT {FIRST} + g, '!', false, 'plan' || g || '@example.com', 'F', 'L',
       CASE WHEN g = 0 THEN 'manager' WHEN g <= {ASSISTANTS} THEN 'assistant'
            ELSE 'client' END,
       'Europe/Paris', true, false, now(), 'en'
FROM generate_series(0, {ASSISTANTS + CLIENTS}) g;

INSERT INTO concierge_clientprofile (user_id, primary_assistant_id, created_at, updated_at)
SELECT {FIRST} + g, {FIRST + 1} + g % {ASSISTANTS}, now(), now()
FROM generate_series({ASSISTANTS + 1}, {ASSISTANTS + CLIENTS}) g;

INSERT INTO concierge_task (id, title, description, category, priority, status,
    recurrence, created_at, updated_at, rating_comment, sequence, assignee_id, client_id,
    flag_reason, flagged_at)
SELECT {FIRST} + t, 'T', '', '', 'normal',
       CASE WHEN t % 5 = 0 THEN 'in_progress' ELSE 'completed' END, '',
       timestamptz '2025-01-01' + t * interval '1 hour', now(), '', 0,
       {FIRST + 1} + t % {ASSISTANTS}, {FIRST + ASSISTANTS + 1} + t % {CLIENTS}, '',
       CASE WHEN t % 500 = 0 THEN now() END
FROM generate_series(1, {TASKS}) t;

INSERT INTO concierge_auditlog (at, actor_name, action, target_type, target_id, changes,
                                note, data, external_event, origin)
SELECT now(), '', 'task.' || kind, 'concierge.task', {FIRST} + t,
       '{{"status": [null, "new"]}}', '', '{{}}', '', 'command'
FROM generate_series(1, {TASKS}) t, unnest(ARRAY['create', 'assign']) kind;

INSERT INTO assistants_timeentry (started_at, ended_at, note, billable, source, status,
    created_at, updated_at, assistant_id, task_id, dispute_decision, dispute_reason,
    reviewable_from)
SELECT s, s + interval '30 minutes', '', true, 'manual', 'stopped', s, s,
       {FIRST + 1} + t % {ASSISTANTS}, {FIRST} + t, '', '', s
FROM generate_series(1, {TASKS}) t, generate_series(0, 2) j,
     LATERAL (SELECT timestamptz '2025-01-01' + (t * 3 + j) * interval '1 hour') x(s);

INSERT INTO billing_invoice (id, kind, period_start, period_end, status, currency, total,
    usage, created_at, stripe_invoice_id, client_id, payment_action_url, buyer,
    prices_include_tax, total_excl_tax, total_tax, total_incl_tax)
SELECT {FIRST} + i, 'period', p, p + 27, CASE WHEN i % 5 = 0 THEN 'open' ELSE 'paid' END,
       'EUR', 10, '{{}}', now(), '', {FIRST + ASSISTANTS + 1} + i % {CLIENTS}, '', '{{}}',
       false, 10, 0, 10
FROM generate_series(1, {CLIENTS * INVOICE_MONTHS}) i,
     LATERAL (SELECT (date '2026-01-01' + (i / {CLIENTS}) * interval '1 month')::date) x(p);

INSERT INTO billing_invoiceline (position, kind, description, amount, tax_amount, invoice_id)
SELECT 0, 'fee', 'Fee', 10, 0, id FROM billing_invoice WHERE id > {FIRST};
"""  # noqa: S608 - this module's constants


@pytest.fixture
def seeded(db):
    with connection.cursor() as cursor:
        cursor.execute(SEED)
        for table in BIG_TABLES | {"concierge_user", "concierge_clientprofile"}:
            cursor.execute(f"ANALYZE {table}")
    return {
        "manager": User.objects.get(pk=FIRST),
        "assistant": User.objects.get(pk=FIRST + 1),
        "client": User.objects.get(pk=FIRST + ASSISTANTS + 1),
    }


def scans_of_big_tables(plan):
    """The Seq Scan nodes of a JSON plan that read one of the big tables (but for a
    page's bounded count, folded into its query: it reads its 10 001 rows at most)."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", ()):
        if not is_bounded_count(child):
            found += scans_of_big_tables(child)
    return found


def is_bounded_count(plan):
    """An uncorrelated subquery counting at most the pagination's cap of rows."""
    below = plan.get("Plans", ())
    return (
        plan.get("Parent Relationship") == "InitPlan"
        and plan.get("Node Type") == "Aggregate"
        and len(below) == 1
        and below[0].get("Node Type") == "Limit"
        and below[0].get("Plan Rows", 0) <= EXACT_COUNT_UP_TO + 1
    )


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (document,) = cursor.fetchone()
    plan = json.loads(document) if isinstance(document, str) else document
    return plan[0]["Plan"]


PAGES = [
    ("manager", "/api/v1/tasks/"),
    ("manager", "/api/v1/tasks/?status=in_progress"),
    ("manager", "/api/v1/tasks/?assignee={assistant}"),
    ("manager", "/api/v1/tasks/?client={client}"),
    ("manager", "/api/v1/tasks/?flagged=true"),
    ("assistant", "/api/v1/tasks/"),
    ("client", "/api/v1/tasks/"),
    ("manager", "/api/v1/time-entries/"),
    ("manager", "/api/v1/time-entries/?started_after=2025-06-01T00:00:00Z"),
    ("manager", "/api/v1/time-entries/?assistant={assistant}"),
    ("manager", "/api/v1/time-entries/?client={client}"),
    ("assistant", "/api/v1/time-entries/"),
    ("client", "/api/v1/time-entries/"),
    ("manager", "/api/v1/invoices/"),
    ("manager", "/api/v1/invoices/?client={client}"),
    ("manager", "/api/v1/invoices/?status=open"),
    ("client", "/api/v1/invoices/"),
    ("manager", "/api/v1/clients/"),
    ("assistant", "/api/v1/clients/"),
]


def test_list_pages_read_big_tables_through_indexes(seeded, api_for):
    """One seeding for every page (CI time): each page's queries, every scan reported."""
    apis = {role: api_for(user) for role, user in seeded.items()}
    scans, checked = [], set()
    for role, path in PAGES:
        url = path.format(assistant=seeded["assistant"].pk, client=seeded["client"].pk)
        with CaptureQueriesContext(connection) as queries:
            response = apis[role].get(url)
        assert response.status_code == 200, (url, response.content)
        assert response.json()["results"], f"the seeded rows should fill {url}"
        for query in queries.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or sql.startswith("SELECT COUNT(*)"):
                continue
            checked.add((role, path))
            plan = explain(sql)
            if scans_of_big_tables(plan):
                scans.append(f"{role} {url}: {sql}\n{json.dumps(plan, indent=1)}")
    assert checked == set(PAGES), "a page's own query was not seen"
    assert not scans, "\n\n".join(scans)


def test_a_scan_of_a_big_table_is_seen(seeded):
    """The check above can fail: a list in an order no index holds is a Seq Scan."""
    plan = explain("SELECT * FROM concierge_task ORDER BY title, id LIMIT 50")
    assert scans_of_big_tables(plan) == ["concierge_task"]
