"""Closing billing periods: invoices, order, idempotence, and the rules of BILLING.md."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistants.models import TimeEntry, TimeEntryStatus
from billing import services
from billing.models import (
    HourPack,
    Invoice,
    InvoicedEntry,
    InvoiceNumberSequence,
    InvoiceStatus,
    PlanKind,
    Subscription,
    SubscriptionStatus,
)
from billing.signals import invoice_finalised
from concierge.errors import Conflict
from tests.billing.helpers import at, log, worked_example_entries
from tests.factories import ClientFactory, PlanFactory, SubscriptionFactory
from tests.peers import race

pytestmark = pytest.mark.django_db
DEC_2 = at(2026, 12, 2)
SEP, OCT, NOV, DEC = (datetime.date(2026, m, 1) for m in (9, 10, 11, 12))


def lines_of(invoice):
    return [(x.kind, x.quantity_minutes, x.unit_rate, x.amount) for x in invoice.lines.all()]


def test_worked_example_closes_line_by_line():
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 16))
    entries = worked_example_entries(subscription.client)

    result = services.billing_period_close(now=DEC_2)

    assert result.periods == [SEP, OCT, NOV]
    sep, oct_, nov = Invoice.objects.order_by("period_start")
    assert [i.number for i in (sep, oct_, nov)] == ["2026-000001", "2026-000002", "2026-000003"]
    assert (sep.period_start, sep.period_end) == (SEP, datetime.date(2026, 9, 30))
    assert lines_of(sep) == [
        ("fee", None, None, Decimal("24.50")),
        ("overage", 60, Decimal("28.00"), Decimal("28.00")),
    ]
    # The lines exclude VAT; the total due adds 20 % (the plan's default rate).
    assert (sep.total_excl_tax, sep.total_tax, sep.total) == (
        Decimal("52.50"),
        Decimal("10.50"),
        Decimal("63.00"),
    )
    assert sep.usage["from_included"] == 60 and sep.usage["rollover_out"] == 0
    assert lines_of(oct_) == [("fee", None, None, Decimal("49.00"))]
    assert oct_.usage["rollover_out"] == 45
    assert lines_of(nov) == [
        ("fee", None, None, Decimal("49.00")),
        ("overage", 480, Decimal("28.00"), Decimal("224.00")),
        ("overage", 55, Decimal("24.00"), Decimal("22.00")),
    ]
    assert (nov.total_excl_tax, nov.total) == (Decimal("295.00"), Decimal("354.00"))
    assert (nov.usage["from_rollover"], nov.usage["from_included"]) == (45, 120)
    for key, invoice, billed in (
        ("sep", sep, [60, 15, 45]),
        ("oct", oct_, [45, 30]),
        ("nov", nov, [600, 90, 10]),
    ):
        rows = (
            TimeEntry.objects.with_billing()
            .filter(pk__in=[e.pk for e in entries[key]])
            .order_by("started_at")
        )
        assert [(r.invoice_id, r.billed_minutes) for r in rows] == [(invoice.pk, m) for m in billed]
    assert all(i.status == InvoiceStatus.OPEN for i in (sep, oct_, nov))
    subscription.refresh_from_db()
    assert subscription.closed_through == NOV and subscription.rollover_minutes == 0


def test_close_is_idempotent_and_numbers_are_gapless():
    SubscriptionFactory(start_date=datetime.date(2026, 9, 16))
    SubscriptionFactory(start_date=datetime.date(2026, 10, 1))
    first = services.billing_period_close(now=DEC_2)
    again = services.billing_period_close(now=DEC_2)
    assert first.invoices == 5 and again.invoices == 0
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"2026-{n:06d}" for n in range(1, 6)]
    assert InvoiceNumberSequence.objects.get(year=2026).last_number == 5


def test_only_ended_periods_close_and_period_argument_stops_there():
    SubscriptionFactory(start_date=datetime.date(2026, 9, 16))
    with pytest.raises(Conflict) as raised:
        services.billing_period_close(period=DEC, now=DEC_2)
    assert raised.value.code == "period_not_ended"
    result = services.billing_period_close(period=OCT, now=DEC_2)
    assert result.periods == [SEP, OCT]
    assert not Invoice.objects.filter(period_start=NOV).exists()


def test_late_entry_is_billed_on_the_next_invoice():
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    services.billing_period_close(now=at(2026, 10, 2))
    late = log(subscription.client, at(2026, 9, 20), 30)  # logged after September closed
    services.billing_period_close(now=at(2026, 11, 2))
    billed = InvoicedEntry.objects.get(entry=late)
    assert billed.invoice.period_start == OCT and billed.billed_minutes == 30


def test_disputed_entry_waits_and_is_billed_once_resolved():
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    client = subscription.client
    disputed = log(client, at(2026, 9, 3), 200, status=TimeEntryStatus.DISPUTED)
    for status in (TimeEntryStatus.NEEDS_REVIEW, TimeEntryStatus.REJECTED):
        log(client, at(2026, 9, 4), 200, status=status)
    log(client, at(2026, 9, 5), 200, billable=False)
    services.billing_period_close(now=at(2026, 10, 2))
    september = Invoice.objects.get(period_start=SEP)
    assert september.usage["used_minutes"] == 0
    assert not september.billed_entries.exists()

    # Resolved "adjust": billable again with the manager's minutes.
    TimeEntry.objects.filter(pk=disputed.pk).update(
        status=TimeEntryStatus.STOPPED, billable_minutes_override=100
    )
    services.billing_period_close(now=at(2026, 11, 2))
    billed = InvoicedEntry.objects.get(entry=disputed)
    assert billed.invoice.period_start == OCT and billed.billed_minutes == 100
    services.billing_period_close(now=at(2026, 12, 2))
    assert InvoicedEntry.objects.count() == 1


def test_packs_cover_usage_after_the_allowance_oldest_first():
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    client = subscription.client
    expired = HourPack.objects.create(
        client=client,
        minutes=600,
        remaining_minutes=600,
        price=Decimal("1"),
        purchased_at=at(2025, 8, 1),
        expires_at=at(2026, 8, 1),
    )
    old = HourPack.objects.create(
        client=client,
        minutes=60,
        remaining_minutes=60,
        price=Decimal("1"),
        purchased_at=at(2026, 8, 1),
        expires_at=at(2027, 8, 1),
    )
    new = HourPack.objects.create(
        client=client,
        minutes=300,
        remaining_minutes=300,
        price=Decimal("1"),
        purchased_at=at(2026, 9, 10),
        expires_at=at(2027, 9, 10),
    )
    log(client, at(2026, 9, 11), 300)  # 120 included, 60 + 120 from packs
    services.billing_period_close(now=at(2026, 10, 2))
    invoice = Invoice.objects.get(period_start=SEP)
    assert invoice.usage["from_packs"] == 180 and invoice.usage["overage_minutes"] == 0
    assert invoice.total_excl_tax == Decimal("49.00")
    for pack, left in ((expired, 600), (old, 0), (new, 180)):
        pack.refresh_from_db()
        assert pack.remaining_minutes == left


def test_rollover_expires_after_one_period():
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    log(subscription.client, at(2026, 9, 3), 60)  # 60 unused of 120 → rollover 60
    services.billing_period_close(now=DEC_2)
    sep, oct_, nov = Invoice.objects.order_by("period_start")
    assert sep.usage["rollover_out"] == 60
    assert oct_.usage["rollover_in"] == 60 and oct_.usage["from_rollover"] == 0
    # October's unused rollover does not roll again: still capped at 60, from October's
    # included minutes only.
    assert oct_.usage["rollover_out"] == 60 and nov.usage["rollover_in"] == 60


def test_plan_change_takes_effect_at_the_next_period(monkeypatch):
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    cheaper = PlanFactory(monthly_fee=Decimal("19.00"), included_minutes=30)
    from tests.billing.helpers import freeze

    freeze(monkeypatch, at(2026, 10, 15))
    services.subscription_change(subscription=subscription, plan=cheaper)
    subscription.refresh_from_db()
    assert subscription.scheduled_plan == cheaper and subscription.scheduled_plan_from == NOV
    services.billing_period_close(now=DEC_2)
    totals = list(Invoice.objects.order_by("period_start").values_list("total_excl_tax", flat=True))
    assert totals == [Decimal("49.00"), Decimal("49.00"), Decimal("19.00")]
    subscription.refresh_from_db()
    assert subscription.plan == cheaper and subscription.scheduled_plan is None


def test_cancellation_takes_effect_at_period_end(monkeypatch):
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    from tests.billing.helpers import freeze

    freeze(monkeypatch, at(2026, 10, 15))
    services.subscription_cancel(subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end and subscription.ended_on == datetime.date(
        2026, 10, 31
    )
    assert subscription.status == SubscriptionStatus.ACTIVE
    services.billing_period_close(now=DEC_2)
    assert list(
        Invoice.objects.order_by("period_start").values_list("period_start", flat=True)
    ) == [
        SEP,
        OCT,
    ]
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED


def test_zero_total_invoice_is_recorded_and_not_announced(django_capture_on_commit_callbacks):
    hourly = PlanFactory(
        kind=PlanKind.HOURLY,
        monthly_fee=Decimal("0.00"),
        included_minutes=0,
        rollover_cap_minutes=0,
        rounding_increment_minutes=1,
        overage_tiers=[{"up_to_minutes": None, "hourly_rate": "30.00"}],
    )
    paying = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    idle = SubscriptionFactory(plan=hourly, start_date=datetime.date(2026, 9, 1))
    sent = []

    def receiver(sender, invoice_id, **kwargs):
        sent.append(invoice_id)

    invoice_finalised.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.billing_period_close(period=SEP, now=DEC_2)
    finally:
        invoice_finalised.disconnect(receiver)
    zero = Invoice.objects.get(subscription=idle)
    assert zero.total == Decimal("0.00") and zero.status == InvoiceStatus.PAID and zero.number
    assert sent == [Invoice.objects.get(subscription=paying).pk]


def test_close_query_count_does_not_grow_with_subscriptions(django_assert_max_num_queries):
    def make(count):
        for _ in range(count):
            subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
            log(subscription.client, at(2026, 9, 3), 200)
            log(subscription.client, at(2026, 9, 4), 30)

    # Seven of them refresh the time rollups once a chunk: the billed entries' groups, the
    # lock on them (PostgreSQL), their day cells out, and in again recomputed; the task
    # cells they meet, out and in again.
    make(2)
    with django_assert_max_num_queries(34):
        services.billing_period_close(period=SEP, now=DEC_2)
    make(8)
    Subscription.objects.update(closed_through=None)
    Invoice.objects.filter(period_start=SEP).update(period_start=datetime.date(2025, 9, 1))
    InvoicedEntry.objects.all().delete()
    with django_assert_max_num_queries(34):
        services.billing_period_close(period=SEP, now=DEC_2)
    assert Invoice.objects.filter(period_start=SEP).count() == 10


def test_management_command(capsys):
    SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    call_command("close_billing_period", "--period", "2026-09")
    assert "invoices: 1; periods: 2026-09" in capsys.readouterr().out
    call_command("close_billing_period", "--period", "2026-09")
    assert "invoices: 0" in capsys.readouterr().out
    assert Invoice.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_closes_make_one_invoice():
    subscription = SubscriptionFactory(
        client=ClientFactory(), start_date=datetime.date(2026, 9, 16)
    )
    worked_example_entries(subscription.client)
    outcomes = race(*[lambda: services.billing_period_close(now=DEC_2).invoices] * 2)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    results = outcomes
    # The two closers may share the work (one closes September, the other October and
    # November), but every period is invoiced exactly once and in order.
    assert len(results) == 2 and sum(results) == 3
    assert Invoice.objects.count() == 3
    assert list(Invoice.objects.order_by("period_start").values_list("number", flat=True)) == [
        "2026-000001",
        "2026-000002",
        "2026-000003",
    ]
    assert TimeEntry.objects.filter(billed__isnull=True).count() == 0


def test_the_constraint_stops_a_second_invoice_and_nothing_is_half_written():
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    entry = log(subscription.client, at(2026, 9, 3), 30)
    Invoice.objects.create(
        client=subscription.client,
        subscription=subscription,
        period_start=SEP,
        period_end=datetime.date(2026, 9, 30),
    )
    assert services.billing_period_close(period=SEP, now=DEC_2).invoices == 0
    assert Invoice.objects.filter(subscription=subscription).count() == 1
    subscription.refresh_from_db()
    assert not InvoicedEntry.objects.filter(entry=entry).exists()
    assert subscription.closed_through is None
    assert not InvoiceNumberSequence.objects.filter(last_number__gt=0).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_closes_of_one_period_invoice_each_subscription_once():
    subscriptions = [
        SubscriptionFactory(client=ClientFactory(), start_date=datetime.date(2026, 9, 1))
        for _ in range(6)
    ]
    for subscription in subscriptions:
        log(subscription.client, at(2026, 9, 3), 200)
    outcomes = race(*[lambda: services.billing_period_close(period=SEP, now=DEC_2).invoices] * 3)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    results = outcomes
    assert sorted(results) == [0, 0, 6]
    assert Invoice.objects.count() == 6
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"2026-{n:06d}" for n in range(1, 7)
    ]
    assert not TimeEntry.objects.filter(billed__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pack_statement_waits_for_a_subscription_being_created_and_leaves_it_the_time():
    """`subscription_create` locks the client's row; a pack statement run meanwhile
    waits for that lock, then sees the subscription and makes no statement (the time is
    billed once, by the subscription's close)."""
    import threading
    import time

    from django.contrib.auth import get_user_model
    from django.db import transaction

    client = ClientFactory()
    log(client, at(2026, 10, 5), 45)
    plan = PlanFactory()
    created = threading.Event()

    def subscribe():
        with transaction.atomic():
            services.subscription_create(client=client, plan=plan, start_date=NOV)
            created.set()
            time.sleep(1.0)  # the statement below starts while this transaction is open
        return "subscribed"

    def state():
        assert created.wait(10)
        with CaptureQueriesContext(connection) as queries:
            made = services.close_pack_statements(period=OCT, now=DEC_2)
        table = get_user_model()._meta.db_table
        assert any(table in q["sql"] and "FOR UPDATE" in q["sql"] for q in queries), [
            q["sql"] for q in queries
        ]
        return made

    outcomes = race(subscribe, state)
    assert outcomes == ["subscribed", 0], outcomes
    assert Subscription.objects.filter(client=client).exists()
    assert not Invoice.objects.filter(client=client, subscription__isnull=True).exists()
