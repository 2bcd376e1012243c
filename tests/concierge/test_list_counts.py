"""A list's `count`: exact up to EXACT_COUNT_UP_TO rows, read with a bounded query; beyond,
on PostgreSQL, the planner's estimate, so that a page of a million rows costs a page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistants import selectors as time_selectors
from concierge.api import pagination
from concierge.models import Task
from tests.factories import AssistantFactory, TaskFactory, TimeEntryFactory


@pytest.fixture
def cap_of_five(monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_UP_TO", 5)


def test_count_is_exact_up_to_the_cap(cap_of_five, client_api, client_user):
    TaskFactory.create_batch(5, client=client_user)
    TaskFactory.create_batch(2)  # another client's: not in this list
    body = client_api.get("/api/v1/tasks/", {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]


@pytest.mark.postgres
def test_beyond_the_cap_postgresql_estimates_without_counting_every_row(cap_of_five, manager_api):
    TaskFactory.create_batch(40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE concierge_task")
    with CaptureQueriesContext(connection) as queries:
        body = manager_api.get("/api/v1/tasks/", {"page_size": 10}).json()
    # ANALYZE read every row of the table: the estimate is the true number here.
    assert body["count"] == 40
    # The bounded count is a subquery of the page's own query (reading at most the cap
    # plus one row), never a query of its own; beyond the cap the planner is asked.
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in sqls if sql.startswith("SELECT COUNT")]
    (page,) = [sql for sql in sqls if "FROM (SELECT" in sql and "AS counted" in sql]
    assert "LIMIT 6" in page
    assert any(sql.startswith("EXPLAIN") for sql in sqls)
    last = manager_api.get("/api/v1/tasks/", {"page_size": 10, "page": 4}).json()
    assert len(last["results"]) == 10
    assert last["next"] is None


def test_beyond_the_cap_the_count_is_never_below_it(cap_of_five, client_api, client_user):
    """Exact on SQLite; on PostgreSQL an estimate, but never below the rows it saw."""
    TaskFactory.create_batch(7, client=client_user)
    count = client_api.get("/api/v1/tasks/").json()["count"]
    if connection.vendor == "postgresql":
        assert count >= 6
    else:
        assert count == 7


def test_the_count_reads_only_what_the_filters_need(assistant_user, assistant_api):
    """An entry's invoice is joined for its column: counting the entries leaves that join
    out (so the database may count from an index alone), unless a filter reads it."""
    entries = time_selectors.time_entries_visible_to(assistant_user)
    assert "billing_invoicedentry" in str(entries.query)
    counted = pagination.bounded_count(entries).sql
    assert "billing_invoicedentry" not in counted and "concierge_user" not in counted
    invoiced = pagination.bounded_count(entries.filter(invoice_id__isnull=True)).sql
    assert "billing_invoicedentry" in invoiced
    task = TaskFactory(assignee=assistant_user, status="in_progress")
    TimeEntryFactory.create_batch(3, task=task, assistant=assistant_user)
    TimeEntryFactory()  # another assistant's
    assert assistant_api.get("/api/v1/time-entries/").json()["count"] == 3
    assert assistant_api.get("/api/v1/time-entries/", {"invoiced": "false"}).json()["count"] == 3
    assert assistant_api.get("/api/v1/time-entries/", {"invoiced": "true"}).json()["count"] == 0


def test_a_distinct_list_counts_its_distinct_rows(db):
    """Rows told apart by their keys (DISTINCT) are counted by their keys, not as one."""
    for task in TaskFactory.create_batch(2, status="in_progress", assignee=AssistantFactory()):
        TimeEntryFactory.create_batch(2, task=task)
    logged = Task.objects.filter(time_entries__isnull=False)
    assert logged.count() == 4  # a row per entry
    with connection.cursor() as cursor:
        cursor.execute(*_count_sql(logged.distinct()))
        assert cursor.fetchone()[0] == logged.distinct().count() == 2
        cursor.execute(*_count_sql(logged))
        assert cursor.fetchone()[0] == 4


def _count_sql(rows):
    counted = pagination.bounded_count(rows)
    return f"SELECT ({counted.sql})", counted.params
