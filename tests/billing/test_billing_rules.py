"""Billing rules that keep the ledger fair to both sides: prices never retroactive,
pack-only clients billed from their packs, alerts when a threshold is crossed, rollover
expiry shown, and every status change of subscriptions and invoices on record."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing import jobs as billing_jobs
from billing import models as billing_models
from billing import services
from billing.models import (
    HourPack,
    Invoice,
    InvoiceStatus,
    Subscription,
    SubscriptionStatus,
    UsageAlert,
)
from billing.stripe_jobs import pause_past_due_subscriptions
from billing.webhooks import apply_invoice_event
from concierge.models import TaskStatus
from tests.billing.helpers import at, freeze, log
from tests.billing.test_api import plan_body
from tests.checks import assert_error
from tests.factories import SubscriptionFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _entry(api, task, start, minutes, **extra):
    return api.post(
        "/api/v1/time-entries/",
        {
            "task": task.pk,
            "started_at": start.isoformat(),
            "ended_at": (start + datetime.timedelta(minutes=minutes)).isoformat(),
            **extra,
        },
        format="json",
    )


# --- 5. prices are never retroactive ----------------------------------------------------


def test_editing_a_plan_keeps_the_running_period_at_its_terms(
    monkeypatch, manager_api, client_api, client_user
):
    freeze(monkeypatch, at(2026, 10, 20))
    plan = manager_api.post("/api/v1/plans/", plan_body(), format="json").json()
    SubscriptionFactory(
        client=client_user, plan_id=plan["id"], start_date=datetime.date(2026, 10, 1)
    )
    log(client_user, at(2026, 10, 2), 300)  # 300 min: 180 overage at 28.00 = 84.00
    before = client_api.get("/api/v1/usage/").json()
    assert before["projected_amount"] == "133.00"
    edited = manager_api.patch(
        f"/api/v1/plans/{plan['id']}/",
        {
            "monthly_fee": "99.00",
            "overage_tiers": [{"up_to_minutes": None, "hourly_rate": "60.00"}],
        },
        format="json",
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["monthly_fee"] == "99.00"
    assert client_api.get("/api/v1/usage/").json()["projected_amount"] == "133.00"
    assert [t["effective_from"] for t in edited.json()["terms"]] == ["2000-01-01", "2026-11-01"]

    freeze(monkeypatch, at(2026, 11, 2))
    services.billing_period_close(period=datetime.date(2026, 10, 1))
    october = Invoice.objects.get(client=client_user, period_start=datetime.date(2026, 10, 1))
    assert october.total_excl_tax == Decimal("133.00")
    assert october.plan_terms.effective_from == datetime.date(2000, 1, 1)
    # November starts under the new terms.
    log(client_user, at(2026, 11, 1, 12), 60)
    assert client_api.get("/api/v1/usage/").json()["projected_amount"] == "99.00"


def test_a_plan_nobody_uses_is_corrected_in_place(manager_api):
    plan = manager_api.post("/api/v1/plans/", plan_body(), format="json").json()
    edited = manager_api.patch(
        f"/api/v1/plans/{plan['id']}/", {"monthly_fee": "59.00"}, format="json"
    ).json()
    assert [(t["effective_from"], t["monthly_fee"]) for t in edited["terms"]] == [
        ("2000-01-01", "59.00")
    ]


def test_a_plan_in_use_keeps_its_kind(manager_api, client_user):
    plan = manager_api.post("/api/v1/plans/", plan_body(), format="json").json()
    SubscriptionFactory(client=client_user, plan_id=plan["id"])
    response = manager_api.patch(
        f"/api/v1/plans/{plan['id']}/",
        {"kind": "hourly", "monthly_fee": "0.00", "included_minutes": 0, "rollover_cap_minutes": 0},
        format="json",
    )
    assert_error(response, 409, "plan_in_use")
    assert billing_models.PlanTerms.objects.filter(plan_id=plan["id"]).count() == 1


# --- 6. pack-only clients ---------------------------------------------------------------


@pytest.fixture
def pack_task(client_user, assistant_user):
    return TaskFactory(client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS)


def test_pack_only_client_draws_from_packs_and_is_refused_past_them(
    monkeypatch,
    client_api,
    assistant_api,
    client_user,
    pack_task,
    django_capture_on_commit_callbacks,
):
    freeze(monkeypatch, at(2026, 10, 10))
    assert client_api.post("/api/v1/packs/", {"minutes": 300}, format="json").status_code == 201
    assert _entry(assistant_api, pack_task, at(2026, 10, 9), 30).status_code == 201
    usage = client_api.get("/api/v1/usage/").json()
    assert usage["billed_through"] == "packs"
    assert (usage["used_minutes"], usage["pack_minutes"], usage["from_packs"]) == (30, 300, 30)
    assert (usage["remaining_minutes"], usage["projected_amount"]) == (270, "0.00")
    # Past the balance: refused, with a clear code; non-billable time is still welcome.
    assert_error(
        _entry(assistant_api, pack_task, at(2026, 10, 9, 12), 271),
        409,
        "pack_balance_exhausted",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _entry(assistant_api, pack_task, at(2026, 10, 9, 12), 210).status_code == 201
    assert any("80 % of your hour packs" in m.subject for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert _entry(assistant_api, pack_task, at(2026, 10, 8, 12), 60).status_code == 201
    assert any("100 % of your hour packs" in m.subject for m in mail.outbox)
    assert_error(
        assistant_api.post("/api/v1/timer/start/", {"task": pack_task.pk}),
        409,
        "pack_balance_exhausted",
    )
    assert _entry(assistant_api, pack_task, at(2026, 10, 7), 30, billable=False).status_code == 201

    # The month's statement draws the packs; the entries are billed once.
    freeze(monkeypatch, at(2026, 11, 2))
    result = services.billing_period_close()
    assert result.invoices == 1
    statement = Invoice.objects.get(client=client_user, subscription__isnull=True, kind="period")
    assert statement.total == Decimal("0.00") and statement.status == InvoiceStatus.PAID
    assert statement.usage["from_packs"] == 300 and statement.usage["overage_minutes"] == 0
    billed = statement.billed_entries.values_list("billed_minutes", flat=True)
    assert sorted(billed) == [30, 60, 210]
    assert HourPack.objects.get(client=client_user).remaining_minutes == 0
    assert services.billing_period_close().invoices == 0  # idempotent


def test_client_without_plan_or_pack_takes_no_billable_time(assistant_api, client_api, pack_task):
    recent = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)
    assert_error(_entry(assistant_api, pack_task, recent, 30), 409, "no_plan_or_pack")
    assert_error(
        assistant_api.post("/api/v1/timer/start/", {"task": pack_task.pk}),
        409,
        "no_plan_or_pack",
    )
    assert _entry(assistant_api, pack_task, recent, 30, billable=False).status_code == 201
    assert_error(client_api.get("/api/v1/usage/"), 404, "no_subscription")


def test_a_pack_only_timer_is_cut_at_the_balance(
    monkeypatch, assistant_user, client_user, pack_task
):
    from assistants import services as time_services

    t0 = at(2026, 10, 10, 9)
    freeze(monkeypatch, t0)
    services.pack_purchase(client=client_user, minutes=300)
    time_services.timer_start(actor=assistant_user, task=pack_task)
    freeze(monkeypatch, t0 + datetime.timedelta(minutes=320))
    stopped = time_services.timer_stop(actor=assistant_user)
    assert stopped.duration_seconds == 300 * 60 and stopped.billable
    excess = pack_task.time_entries.exclude(pk=stopped.pk).get()
    assert excess.billable is False and excess.duration_seconds == 20 * 60


# --- 7. alerts the moment a threshold is crossed ---------------------------------------


def test_usage_alert_goes_out_when_the_time_is_entered_never_twice(
    monkeypatch, assistant_api, client_user, assistant_user, django_capture_on_commit_callbacks
):
    freeze(monkeypatch, at(2026, 10, 20))
    SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 10, 1))
    task = TaskFactory(client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        assert _entry(assistant_api, task, at(2026, 10, 2), 90).status_code == 201
    assert mail.outbox == []  # 90 of 120: 75 %
    with django_capture_on_commit_callbacks(execute=True):
        assert _entry(assistant_api, task, at(2026, 10, 3), 435).status_code == 201
    # From 75 % to 437 %: both thresholds at once, in one message, as the time is entered.
    assert len(mail.outbox) == 1 and "100 %" in mail.outbox[0].subject
    assert set(UsageAlert.objects.values_list("threshold", flat=True)) == {80, 100}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.usage_alerts_check(client_id=client_user.pk) == []
        assert _entry(assistant_api, task, at(2026, 10, 4), 15).status_code == 201
    assert len(mail.outbox) == 1


# --- 8. rollover shown with its expiry --------------------------------------------------


def test_rollover_expiry_in_usage_and_on_the_invoice(monkeypatch, client_api, client_user):
    SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 10, 1))
    log(client_user, at(2026, 10, 5), 45)  # 45 of 120 used: 60 (the cap) roll over
    services.billing_period_close(period=datetime.date(2026, 10, 1), now=at(2026, 11, 2))
    freeze(monkeypatch, at(2026, 11, 10))
    usage = client_api.get("/api/v1/usage/").json()
    assert usage["rollover_minutes"] == 60
    # November ends at midnight Paris time (UTC+1): 23:00 UTC on the 30th.
    assert usage["rollover_expires_at"] == "2026-12-01T00:00:00+01:00"
    (invoice,) = client_api.get("/api/v1/invoices/").json()["results"]
    assert invoice["usage"]["rollover_out"] == 60
    assert invoice["usage"]["rollover_out_expires_at"] == "2026-12-01T00:00:00+01:00"
    assert invoice["usage"]["rollover_in_expires_at"] is None


# --- 9. status changes through services, each an event ----------------------------------


def test_invoice_and_subscription_changes_are_events(manager_api, manager_user, settings):
    settings.STRIPE_ENABLED = False
    sub = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    log(sub.client, at(2026, 9, 3), 600)
    services.billing_period_close(period=datetime.date(2026, 9, 1), now=at(2026, 10, 2))
    invoice = Invoice.objects.get(subscription=sub)
    issued = invoice.events.get()
    assert (issued.action, issued.to_status, issued.source) == ("issue", "open", "job")

    # A webhook: the payment failed. The same event again changes nothing more.
    for _ in range(2):
        apply_invoice_event(
            event_type="invoice.payment_failed",
            obj={"id": "in_x", "metadata": {"invoice_id": str(invoice.pk)}},
            stripe_event_id="evt_failed_1",
            now=at(2026, 10, 3),
        )
    failed = billing_models.SubscriptionEvent.objects.get(subscription=sub)
    assert (failed.action, failed.from_status, failed.to_status) == (
        "payment_failed",
        "active",
        "past_due",
    )
    assert (failed.source, failed.stripe_event_id) == ("webhook", "evt_failed_1")
    assert invoice.events.filter(stripe_event_id="evt_failed_1").count() == 1

    assert pause_past_due_subscriptions(now=at(2026, 10, 20)) == 1
    assert pause_past_due_subscriptions(now=at(2026, 10, 20)) == 0
    paused = billing_models.SubscriptionEvent.objects.filter(subscription=sub).last()
    assert (paused.action, paused.to_status, paused.source) == ("pause", "paused", "job")

    response = manager_api.post(f"/api/v1/invoices/{invoice.pk}/mark-paid/")
    assert response.status_code == 200 and response.json()["status"] == "paid"
    paid = invoice.events.get(action="pay")
    assert (paid.from_status, paid.to_status, paid.source, paid.actor) == (
        "open",
        "paid",
        "manager",
        manager_user,
    )
    history = manager_api.get(f"/api/v1/invoices/{invoice.pk}/").json()["history"]
    assert [(h["action"], h["to_status"], h["source"]) for h in history] == [
        ("issue", "open", "job"),
        ("stripe_event", "open", "webhook"),
        ("pay", "paid", "manager"),
    ]


def test_cancellation_at_period_end_is_an_event(client_user):
    sub = SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 9, 1))
    sub.cancel_at_period_end = True
    sub.ended_on = datetime.date(2026, 9, 30)
    sub.save()
    services.billing_period_close(period=datetime.date(2026, 9, 1), now=at(2026, 10, 2))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.CANCELLED
    ended = billing_models.SubscriptionEvent.objects.get(subscription=sub)
    assert (ended.action, ended.from_status, ended.to_status) == ("end", "active", "cancelled")


def test_paid_invoice_then_late_failure_changes_nothing():
    sub = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    log(sub.client, at(2026, 9, 3), 600)
    services.billing_period_close(period=datetime.date(2026, 9, 1), now=at(2026, 10, 2))
    invoice = Invoice.objects.get(subscription=sub)
    obj = {"id": "in_y", "metadata": {"invoice_id": str(invoice.pk)}}
    apply_invoice_event(event_type="invoice.paid", obj=obj, stripe_event_id="evt_paid")
    apply_invoice_event(event_type="invoice.payment_failed", obj=obj, stripe_event_id="evt_late")
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and sub.status == SubscriptionStatus.ACTIVE
    assert set(
        billing_models.InvoiceEvent.objects.filter(invoice=invoice).values_list(
            "stripe_event_id", flat=True
        )
    ) == {"", "evt_paid", "evt_late"}
    assert not Subscription.objects.get(pk=sub.pk).events.exists()


def test_subscribing_starts_the_history(manager_api, manager_user, client_user, client_api):
    from tests.factories import PlanFactory

    plan = PlanFactory()
    created = manager_api.post(
        f"/api/v1/clients/{client_user.pk}/subscription/",
        {"plan": plan.pk, "start_date": "2026-09-16"},
        format="json",
    )
    assert created.status_code == 201
    (event,) = billing_models.SubscriptionEvent.objects.filter(subscription_id=created.json()["id"])
    assert (event.action, event.to_status, event.source, event.actor) == (
        "subscribe",
        "active",
        "manager",
        manager_user,
    )
    shown = client_api.get("/api/v1/subscription/").json()["history"]
    assert [(h["action"], h["to_status"], h["source"]) for h in shown] == [
        ("subscribe", "active", "manager")
    ]


def test_plan_changes_and_cancellation_requests_are_on_record(client_api, client_user):
    from tests.factories import PlanFactory

    SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 9, 1))
    other = PlanFactory()
    assert client_api.post("/api/v1/subscription/change/", {"plan": other.pk}).status_code == 200
    assert client_api.post("/api/v1/subscription/cancel/").status_code == 200
    events = billing_models.SubscriptionEvent.objects.filter(subscription__client=client_user)
    assert [(e.action, e.source, e.actor_id) for e in events] == [
        ("schedule_plan", "client", client_user.pk),
        ("cancel", "client", client_user.pk),
    ]


def test_usage_alert_on_the_first_counts_only_the_period_it_names(
    monkeypatch, client_api, client_user, django_capture_on_commit_callbacks
):
    """Time logged late in November, before November is closed, is November's: the alert
    job run on 1 December (service zone, Paris; whatever the client's own zone) neither
    counts it in December nor alerts on it, and agrees with `usage/`."""
    client_user.timezone = "Pacific/Honolulu"  # still 30 November there
    client_user.save(update_fields=["timezone"])
    SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 11, 1))
    log(client_user, at(2026, 11, 30, 10), 90)
    log(client_user, at(2026, 11, 30, 22, 10), 45)  # 23:10-23:55 in Paris: November
    log(client_user, at(2026, 11, 30, 23), 45)  # 00:00 in Paris on 1 December
    freeze(monkeypatch, at(2026, 12, 1, 7))
    with django_capture_on_commit_callbacks(execute=True):
        billing_jobs.usage_alerts()
    assert mail.outbox == [] and not UsageAlert.objects.exists()
    usage = client_api.get("/api/v1/usage/").json()
    assert (usage["period_start"], usage["used_minutes"]) == ("2026-12-01", 45)

    with django_capture_on_commit_callbacks(execute=True):
        billing_jobs.close_periods()  # November's invoice, and its e-mail
        billing_jobs.usage_alerts()
    assert not UsageAlert.objects.exists()
    assert not [m for m in mail.outbox if "You have used" in m.subject]
    log(client_user, at(2026, 12, 1, 5), 60)  # December: 105 of 120
    with django_capture_on_commit_callbacks(execute=True):
        billing_jobs.usage_alerts()
    (alert,) = UsageAlert.objects.all()
    assert (alert.period_start, alert.threshold) == (datetime.date(2026, 12, 1), 80)
    assert (alert.used_minutes, alert.allowance_minutes) == (105, 120)
    (told,) = [m for m in mail.outbox if "You have used" in m.subject]
    assert "105 of your 120 minutes (December 2026)" in told.body
