"""Billing jobs, schedules, pack revocation and the spend-cap guard registration."""

import datetime
from decimal import Decimal

import pytest

from assistants import hooks
from billing import jobs, services
from billing.models import HourPack, Invoice, UsageAlert
from concierge.schedules import declared_schedules
from tests.billing.helpers import at, freeze, log
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_schedules_declare_a_daily_close_and_usage_alerts():
    names = {s["name"]: s for s in declared_schedules()}
    assert names["billing.close_periods"]["func"] == "billing.jobs.close_periods"
    assert names["billing.close_periods"]["schedule_type"] == "D"
    assert "billing.usage_alerts" in names


def test_close_job_closes_ended_periods_and_is_safe_twice(monkeypatch):
    SubscriptionFactory(start_date=datetime.date(2026, 9, 16))
    freeze(monkeypatch, at(2026, 11, 2))
    assert jobs.close_periods() == 2
    assert jobs.close_periods() == 0
    assert Invoice.objects.count() == 2


def test_usage_alert_job_checks_live_subscriptions(monkeypatch, django_capture_on_commit_callbacks):
    freeze(monkeypatch, at(2026, 10, 20))
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 10, 1))
    log(subscription.client, at(2026, 10, 2), 120)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.usage_alerts() == 1
    assert set(UsageAlert.objects.values_list("threshold", flat=True)) == {80, 100}


def test_pack_revoked_when_its_payment_fails(client_user):
    pack = services.pack_purchase(client=client_user, minutes=300)
    services.hour_pack_revoke(pack_id=pack.pk)
    services.hour_pack_revoke(pack_id=pack.pk)
    pack = HourPack.objects.get(pk=pack.pk)
    assert pack.remaining_minutes == 0 and pack.revoked_at is not None
    assert pack.price == Decimal("125.00")


def test_spend_cap_guard_is_registered():
    assert services.check_spend_cap in hooks._billable_time_guards
