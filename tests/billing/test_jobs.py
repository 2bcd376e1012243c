"""Billing jobs, schedules, pack revocation and the spend-cap guard registration."""

import datetime
from decimal import Decimal

import pytest

from billing import jobs, services
from billing.models import HourPack, Invoice, UsageAlert
from tests.billing.helpers import at, freeze, log
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


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
