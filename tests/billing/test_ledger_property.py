"""Property: whatever happens to the time of a client — entries, edits, deletions,
disputes, decisions and period closes in any order — the invoices add up to exactly the
entries they list, no entry is billed twice or changed once billed (a later dispute's
decision is credited, never billed again), and nothing billable is lost."""

import contextlib
import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistants import services as time_services
from assistants.models import TimeEntry, TimeEntryStatus
from billing import rating
from billing import services as billing_services
from billing.models import Invoice
from concierge.errors import ApplicationError
from concierge.models import TaskStatus
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)

log_op = st.tuples(st.just("log"), st.integers(1, 600), st.booleans(), st.integers(0, 72))
other_op = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 50), st.integers(1, 600), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("dispute"), st.integers(0, 50)),
    st.tuples(
        st.just("resolve"),
        st.integers(0, 50),
        st.sampled_from(["accept", "adjust", "reject"]),
        st.integers(0, 300),
    ),
    st.tuples(st.just("close")),
    st.tuples(st.just("wait"), st.integers(1, 24 * 20)),
)
# Each step logs some work, then does a few other things.
operations = st.lists(
    st.tuples(log_op, st.lists(other_op, max_size=4)), min_size=2, max_size=10
).map(lambda steps: [op for log, others in steps for op in (log, *others)])


def _apply(op, *, clock, people, task, entries):
    manager, client = people
    kind = op[0]
    now = clock[0]
    if kind == "wait":
        clock[0] = now + datetime.timedelta(hours=op[1])
        return
    if kind == "close":
        billing_services.billing_period_close(now=now)
        return
    if kind == "log":
        # The work just done: the clock moves past it, so entries follow one another.
        clock[0] = now = now + datetime.timedelta(hours=op[3], minutes=op[1])
        entries.append(
            time_services.time_entry_create(
                actor=manager,
                task=task,
                started_at=now - datetime.timedelta(minutes=op[1]),
                ended_at=now,
                billable=op[2],
            ).pk
        )
        return
    candidates = TimeEntry.objects.filter(pk__in=entries).order_by("pk")
    if kind == "resolve":  # a decision is taken on an entry awaiting one
        candidates = candidates.filter(status=TimeEntryStatus.DISPUTED)
    candidates = list(candidates)
    if not candidates:
        return
    entry = candidates[op[1] % len(candidates)]
    if kind == "edit":
        time_services.time_entry_update(
            actor=manager,
            entry=entry,
            started_at=entry.ended_at - datetime.timedelta(minutes=op[2]),
            billable=op[3],
        )
    elif kind == "delete":
        time_services.time_entry_delete(actor=manager, entry=entry)
    elif kind == "dispute":
        time_services.time_entry_dispute(actor=client, entry=entry, reason="why?")
    elif kind == "resolve":
        time_services.time_entry_resolve(
            actor=manager, entry=entry, decision=op[2], billable_minutes=op[3]
        )


def _expected_minutes(entry, increment):
    seconds = int((entry.ended_at - entry.started_at).total_seconds())
    return rating.entry_minutes(
        rating.EntryUsage(entry.pk, seconds, entry.billable_minutes_override), increment
    )


def _check_ledger(increment):
    invoices = list(Invoice.objects.filter(kind="period").prefetch_related("billed_entries__entry"))
    billed = {}
    for invoice in invoices:
        listed = list(invoice.billed_entries.all())
        # The invoice bills exactly the minutes of the entries it lists.
        assert invoice.usage["used_minutes"] == sum(b.billed_minutes for b in listed)
        for line in listed:
            entry = line.entry
            assert entry.pk not in billed  # never on two invoices
            billed[entry.pk] = invoice.pk
            # Billed as it stood; since then only a dispute's decision, credited (never
            # billed again): what the invoice still bills is what the decision left.
            assert entry.billable
            if entry.status == TimeEntryStatus.STOPPED:
                assert line.billed_minutes - line.credited_minutes == min(
                    line.billed_minutes, _expected_minutes(entry, increment)
                )
            elif entry.status == TimeEntryStatus.DISPUTED:
                assert line.credited_minutes == 0
            else:
                assert entry.status == TimeEntryStatus.REJECTED
                assert line.credited_minutes == line.billed_minutes
    # Whatever was never billable is not on an invoice.
    assert (
        not TimeEntry.objects.filter(billed__isnull=False)
        .exclude(
            billable=True,
            status__in=[
                TimeEntryStatus.STOPPED,
                TimeEntryStatus.DISPUTED,
                TimeEntryStatus.REJECTED,
            ],
        )
        .exists()
    )
    return billed


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_invoices_add_up_to_the_entries_they_list(monkeypatch, ops):
    clock = [START]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    with transaction.atomic():
        plan = factories.PlanFactory()
        client = factories.ClientFactory()
        factories.SubscriptionFactory(client=client, plan=plan, start_date=START.date())
        task = factories.TaskFactory(
            client=client,
            assignee=factories.AssistantFactory(),
            status=TaskStatus.IN_PROGRESS,
        )
        people = (factories.ManagerFactory(), client)
        entries = []
        for op in ops:
            # A refused operation (locked, overlapping, out of window…) changes nothing.
            with contextlib.suppress(ApplicationError):
                _apply(op, clock=clock, people=people, task=task, entries=entries)
            _check_ledger(plan.rounding_increment_minutes)

        # Every dispute decided, every period closed: all billable time is billed, once.
        for entry in TimeEntry.objects.filter(
            status__in=[TimeEntryStatus.DISPUTED, TimeEntryStatus.NEEDS_REVIEW]
        ):
            time_services.time_entry_resolve(actor=people[0], entry=entry, decision="accept")
        clock[0] += datetime.timedelta(days=40)
        billing_services.billing_period_close(now=clock[0])
        billed = _check_ledger(plan.rounding_increment_minutes)
        billable = set(TimeEntry.objects.billable().values_list("pk", flat=True))
        assert billable <= set(billed)
        # Billed and no longer billable: rejected after the invoice, wholly credited.
        assert set(
            TimeEntry.objects.filter(pk__in=set(billed) - billable).values_list("status", flat=True)
        ) <= {TimeEntryStatus.REJECTED}
        transaction.set_rollback(True)
