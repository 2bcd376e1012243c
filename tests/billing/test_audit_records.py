"""The billing writes people make are in the audit log: who, when, what changed."""

import datetime

import pytest

from concierge.models import AuditLog, AuditOrigin
from tests.billing.helpers import at, freeze, hourly_plan
from tests.billing.test_api import plan_body
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def rows(action):
    return list(AuditLog.objects.filter(action=action).order_by("id"))


def test_a_managers_plans_are_recorded(manager_api, manager_user):
    plan = manager_api.post("/api/v1/plans/", plan_body(), format="json").json()
    (made,) = rows("plan.created")
    assert (made.actor, made.target_type, made.target_id) == (
        manager_user,
        "billing.plan",
        plan["id"],
    )
    assert made.changes["monthly_fee"] == [None, "49.00"] and made.origin == AuditOrigin.API
    manager_api.patch(f"/api/v1/plans/{plan['id']}/", {"monthly_fee": "59.00"}, format="json")
    manager_api.patch(f"/api/v1/plans/{plan['id']}/", {"monthly_fee": "59.00"}, format="json")
    (changed,) = rows("plan.changed")  # the second changed nothing: no record
    assert changed.changes == {"monthly_fee": ["49.00", "59.00"]}


def test_the_sellers_versions_are_recorded(manager_api, manager_user):
    seller = {"name": "Conciergerie SAS", "address": "12 rue de la Paix", "siren": "123456782"}
    assert manager_api.patch("/api/v1/billing/seller/", seller, format="json").status_code == 200
    manager_api.patch("/api/v1/billing/seller/", {"name": "Conciergerie SA"}, format="json")
    first, second = rows("seller.changed")
    assert first.changes["name"] == [None, "Conciergerie SAS"] and first.actor == manager_user
    assert second.changes == {"name": ["Conciergerie SAS", "Conciergerie SA"]}


def test_billing_details_name_who_changed_them_and_whose_they_are(
    client_api, manager_api, client_user, manager_user
):
    details = {"name": "Ada Lovelace", "address": "1 Analytical Row"}
    client_api.patch("/api/v1/me/billing-details/", details, format="json")
    manager_api.patch(
        f"/api/v1/clients/{client_user.pk}/billing-details/",
        {"address": "2 Engine Street"},
        format="json",
    )
    own, by_manager = rows("billing_details.changed")
    assert (own.actor, own.about) == (client_user, client_user)
    assert own.changes["name"] == [None, "Ada Lovelace"]
    assert (by_manager.actor, by_manager.about) == (manager_user, client_user)
    assert by_manager.changes == {"address": ["1 Analytical Row", "2 Engine Street"]}


def test_a_spend_cap_is_recorded(monkeypatch, client_api, client_user):
    freeze(monkeypatch, at(2026, 9, 25))
    SubscriptionFactory(
        client=client_user, plan=hourly_plan(), start_date=datetime.date(2026, 9, 1)
    )
    client_api.patch("/api/v1/subscription/", {"spend_cap": "30.00"}, format="json")
    (capped,) = rows("subscription.spend_cap_set")
    assert capped.changes == {"spend_cap": [None, "30.00"]}
    assert capped.actor == client_user and capped.about == client_user
