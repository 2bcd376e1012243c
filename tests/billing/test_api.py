"""The Billing rows of API.md: access matrix, happy paths, errors and list query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from assistants.hooks import check_billable_time
from billing import services
from billing.models import HourPack, Invoice, InvoiceStatus, Subscription, UsageAlert
from concierge.errors import Conflict
from tests.billing.helpers import at, freeze, hourly_plan, log
from tests.checks import assert_access_matrix, assert_error
from tests.factories import ClientFactory, PlanFactory, SubscriptionFactory, TaskFactory

pytestmark = pytest.mark.django_db

TIERS = [
    {"up_to_minutes": 480, "hourly_rate": "28.00"},
    {"up_to_minutes": None, "hourly_rate": "24.00"},
]


def plan_body(**changes):
    body = {
        "code": "standard",
        "name": "Standard",
        "kind": "monthly",
        "currency": "EUR",
        "monthly_fee": "49.00",
        "included_minutes": 120,
        "rollover_cap_minutes": 60,
        "rounding_increment_minutes": 15,
        "overage_tiers": TIERS,
    }
    body.update(changes)
    return body


# Plans ------------------------------------------------------------------------------


def test_anyone_reads_active_plans(anon_api, client_api):
    PlanFactory(code="on")
    PlanFactory(code="off", active=False)
    for api in (anon_api, client_api):
        response = api.get("/api/v1/plans/")
        assert response.status_code == 200
        assert [p["code"] for p in response.json()["results"]] == ["on"]
        assert response.json()["results"][0]["monthly_fee"] == "49.00"


def test_manager_creates_and_edits_plans(manager_api, anon_api, client_api, assistant_api):
    assert_access_matrix(
        method="post",
        url="/api/v1/plans/",
        anonymous=anon_api,
        forbidden=[client_api, assistant_api],
        data=plan_body(),
    )
    response = manager_api.post("/api/v1/plans/", plan_body(), format="json")
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["overage_tiers"] == TIERS and plan["monthly_fee"] == "49.00"
    response = manager_api.patch(
        f"/api/v1/plans/{plan['id']}/", {"monthly_fee": "59.00"}, format="json"
    )
    assert response.status_code == 200 and response.json()["monthly_fee"] == "59.00"
    assert_error(
        client_api.patch(f"/api/v1/plans/{plan['id']}/", {"name": "x"}, format="json"),
        403,
        "permission_denied",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"overage_tiers": []},
        {"overage_tiers": [{"up_to_minutes": 480, "hourly_rate": "28.00"}]},
        {
            "overage_tiers": [
                {"up_to_minutes": 480, "hourly_rate": "28.00"},
                {"up_to_minutes": 240, "hourly_rate": "20.00"},
                {"up_to_minutes": None, "hourly_rate": "10.00"},
            ]
        },
        {"kind": "hourly"},  # an hourly plan has no fee, allowance or rollover
        {"rounding_increment_minutes": 0},
        {"monthly_fee": "-1.00"},
        {"kind": "weekly"},
    ],
)
def test_invalid_plans_are_refused(manager_api, changes):
    assert_error(
        manager_api.post("/api/v1/plans/", plan_body(**changes), format="json"), 400, "invalid"
    )


# Subscriptions ----------------------------------------------------------------------


def test_client_subscribes_changes_and_cancels(client_api, client_user):
    plan, other = PlanFactory(), PlanFactory(monthly_fee=Decimal("19.00"))
    assert_error(client_api.get("/api/v1/subscription/"), 404, "no_subscription")
    response = client_api.post(
        "/api/v1/subscription/", {"plan": plan.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["plan"]["id"] == plan.pk and body["status"] == "active"
    assert body["current_period_start"].endswith("-01") and body["cancel_at_period_end"] is False
    replay = client_api.post(
        "/api/v1/subscription/", {"plan": plan.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert replay.status_code == 201 and replay.json()["id"] == body["id"]
    assert_error(
        client_api.post("/api/v1/subscription/", {"plan": plan.pk}, format="json"),
        409,
        "already_subscribed",
    )
    response = client_api.post("/api/v1/subscription/change/", {"plan": other.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["scheduled_plan"]["id"] == other.pk
    assert response.json()["plan"]["id"] == plan.pk  # visible before it happens
    response = client_api.post("/api/v1/subscription/cancel/")
    assert response.status_code == 200 and response.json()["cancel_at_period_end"] is True
    assert response.json()["ended_on"] == response.json()["current_period_end"]
    assert_error(
        client_api.post("/api/v1/subscription/change/", {"plan": other.pk}, format="json"),
        409,
        "subscription_ending",
    )
    assert Subscription.objects.filter(client=client_user).count() == 1


def test_subscription_access(anon_api, assistant_api, manager_api):
    for url in ("/api/v1/subscription/", "/api/v1/subscription/cancel/"):
        assert_access_matrix(
            method="post", url=url, anonymous=anon_api, forbidden=[assistant_api, manager_api]
        )
    assert_error(anon_api.get("/api/v1/subscription/"), 401, "not_authenticated")
    assert_error(
        anon_api.post("/api/v1/subscription/change/", {}, format="json"), 401, "not_authenticated"
    )


def test_manager_backdates_a_subscription(
    manager_api, client_api, anon_api, client_user, assistant_user
):
    plan = PlanFactory()
    url = f"/api/v1/clients/{client_user.pk}/subscription/"
    body = {"plan": plan.pk, "start_date": "2026-09-16"}
    assert_access_matrix(
        method="post", url=url, anonymous=anon_api, forbidden=[client_api], data=body
    )
    assert_error(
        manager_api.post(f"/api/v1/clients/{assistant_user.pk}/subscription/", body, format="json"),
        404,
        "not_found",
    )
    response = manager_api.post(url, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["start_date"] == "2026-09-16"
    assert manager_api.get(url).json()["id"] == response.json()["id"]
    assert_error(manager_api.post(url, body, format="json"), 409, "already_subscribed")


def test_inactive_plan_and_unknown_plan(client_api):
    off = PlanFactory(active=False)
    assert_error(
        client_api.post("/api/v1/subscription/", {"plan": off.pk}, format="json"),
        400,
        "plan_inactive",
    )
    assert_error(
        client_api.post("/api/v1/subscription/", {"plan": 999999}, format="json"), 400, "invalid"
    )


# Usage, spend cap, alerts ----------------------------------------------------------


def test_usage_of_the_current_period(
    monkeypatch, client_api, manager_api, assistant_api, anon_api, client_user, other_client_api
):
    SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 9, 16))
    log(client_user, at(2026, 9, 17), 50)
    log(client_user, at(2026, 9, 18), 7)
    log(client_user, at(2026, 9, 21), 31)
    freeze(monkeypatch, at(2026, 9, 25))
    body = client_api.get("/api/v1/usage/").json()
    assert body == {
        "period_start": "2026-09-01",
        "period_end": "2026-09-30",
        "used_minutes": 120,
        "rollover_minutes": 0,
        "rollover_expires_at": None,
        "included_minutes": 60,
        "pack_minutes": 0,
        "remaining_minutes": 0,
        "overage_minutes": 60,
        "from_rollover": 0,
        "from_included": 60,
        "from_packs": 0,
        "projected_amount": "52.50",
        "spend_cap": None,
        "currency": "EUR",
        "billed_through": "subscription",
    }
    assert manager_api.get(f"/api/v1/usage/?client={client_user.pk}").json() == body
    assert_error(manager_api.get("/api/v1/usage/"), 400, "invalid")
    assert_access_matrix(
        method="get", url="/api/v1/usage/", anonymous=anon_api, forbidden=[assistant_api]
    )
    assert_error(other_client_api.get("/api/v1/usage/"), 404, "no_subscription")


def test_spend_cap_refuses_new_billable_time(monkeypatch, client_api, client_user):
    freeze(monkeypatch, at(2026, 9, 25))
    subscription = SubscriptionFactory(
        client=client_user, plan=hourly_plan(), start_date=datetime.date(2026, 9, 1)
    )
    response = client_api.patch("/api/v1/subscription/", {"spend_cap": "30.00"}, format="json")
    assert response.status_code == 200 and response.json()["spend_cap"] == "30.00"
    task = TaskFactory(client=client_user)
    check_billable_time(task=task, assistant=None, started_at=at(2026, 9, 25))  # nothing used
    log(client_user, at(2026, 9, 20), 60)  # 30.00 projected: the cap is reached
    with pytest.raises(Conflict) as raised:
        check_billable_time(task=task, assistant=None, started_at=at(2026, 9, 25))
    assert raised.value.code == "spend_cap_reached"
    client_api.patch("/api/v1/subscription/", {"spend_cap": "60.00"}, format="json")
    check_billable_time(task=task, assistant=None, started_at=at(2026, 9, 25))
    subscription.refresh_from_db()
    assert subscription.spend_cap == Decimal("60.00")
    other = TaskFactory(client=ClientFactory())  # neither plan nor pack: always refused
    with pytest.raises(Conflict) as raised:
        check_billable_time(task=other, assistant=None, started_at=at(2026, 9, 25))
    assert raised.value.code == "no_plan_or_pack"


def test_spend_cap_only_for_hourly_plans(client_api, client_user):
    SubscriptionFactory(client=client_user)
    assert_error(
        client_api.patch("/api/v1/subscription/", {"spend_cap": "10.00"}, format="json"),
        400,
        "spend_cap_not_hourly",
    )


def test_usage_alerts_at_80_and_100_percent_once_each(
    monkeypatch, client_user, django_capture_on_commit_callbacks
):
    freeze(monkeypatch, at(2026, 10, 20))
    subscription = SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 10, 1))

    def check():
        with django_capture_on_commit_callbacks(execute=True):
            return services.usage_alerts_check(subscription_id=subscription.pk)

    log(client_user, at(2026, 10, 2), 90)
    assert check() == []  # 90 of 120: 75 %
    log(client_user, at(2026, 10, 3), 15)
    assert check() == [80]
    assert check() == []
    log(client_user, at(2026, 10, 4), 15)
    assert check() == [100]
    assert check() == []
    assert len(mail.outbox) == 2 and mail.outbox[0].to == [client_user.email]
    assert set(UsageAlert.objects.values_list("threshold", flat=True)) == {80, 100}


# Packs ------------------------------------------------------------------------------


def test_client_buys_a_pack(client_api, client_user, anon_api, assistant_api, manager_api):
    assert_access_matrix(
        method="post",
        url="/api/v1/packs/",
        anonymous=anon_api,
        forbidden=[assistant_api, manager_api],
        data={"minutes": 300},
    )
    response = client_api.post(
        "/api/v1/packs/", {"minutes": 300}, format="json", HTTP_IDEMPOTENCY_KEY="p1"
    )
    assert response.status_code == 201, response.content
    again = client_api.post(
        "/api/v1/packs/", {"minutes": 300}, format="json", HTTP_IDEMPOTENCY_KEY="p1"
    )
    assert again.json()["id"] == response.json()["id"]
    pack = HourPack.objects.get(client=client_user)
    assert pack.remaining_minutes == 300
    assert (pack.expires_at - pack.purchased_at).days == 365
    invoice = Invoice.objects.get(hour_pack=pack)
    assert invoice.kind == "pack" and invoice.total_excl_tax == pack.price and invoice.number
    assert invoice.total == pack.price * Decimal("1.2")  # VAT 20 % on top
    assert [(line.kind, line.amount) for line in invoice.lines.all()] == [("pack", pack.price)]
    listed = client_api.get("/api/v1/packs/").json()["results"]
    assert [p["id"] for p in listed] == [pack.pk] and listed[0]["invoice"] == invoice.pk
    assert_error(
        client_api.post("/api/v1/packs/", {"minutes": 7}, format="json"), 400, "unknown_pack"
    )


# Invoices ---------------------------------------------------------------------------


def closed_invoices(client):
    subscription = SubscriptionFactory(client=client, start_date=datetime.date(2026, 9, 1))
    log(client, at(2026, 9, 3), 200)
    services.billing_period_close(period=datetime.date(2026, 9, 1), now=at(2026, 12, 2))
    return Invoice.objects.get(subscription=subscription)


def test_invoice_detail_lists_lines_usage_and_entries(client_api, client_user):
    invoice = closed_invoices(client_user)
    body = client_api.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert body["number"] == invoice.number and body["currency"] == "EUR"
    assert (body["period_start"], body["period_end"]) == ("2026-09-01", "2026-09-30")
    # 49.00 + 90 min @ 28.00 (200 min billed as 210), then VAT 20 %.
    assert (body["total_excl_tax"], body["total_tax"], body["total"]) == (
        "91.00",
        "18.20",
        "109.20",
    )
    assert body["lines"] == [
        {
            "description": "Monthly fee: " + invoice.plan.name,
            "kind": "fee",
            "quantity_minutes": None,
            "unit_rate": None,
            "amount": "49.00",
            "tax_rate": "20.00",
            "tax_amount": "9.80",
        },
        {
            "description": "Overage: 90 min @ 28.00 EUR/h",
            "kind": "overage",
            "quantity_minutes": 90,
            "unit_rate": "28.00",
            "amount": "42.00",
            "tax_rate": "20.00",
            "tax_amount": "8.40",
        },
    ]
    assert body["usage"]["used_minutes"] == 210 and body["usage"]["overage_minutes"] == 90
    assert [e["billable_minutes"] for e in body["entries"]] == [210]
    assert body["entries"][0]["duration_seconds"] == 200 * 60


def test_invoice_access(client_api, other_client_api, assistant_api, anon_api, client_user):
    invoice = closed_invoices(client_user)
    url = f"/api/v1/invoices/{invoice.pk}/"
    assert_access_matrix(
        method="get",
        url=url,
        anonymous=anon_api,
        forbidden=[assistant_api],
        hidden=[other_client_api],
    )
    assert other_client_api.get("/api/v1/invoices/").json()["count"] == 0
    other = other_client_api.user.pk
    assert client_api.get(f"/api/v1/invoices/?client={other}").json()["count"] == 0
    assert client_api.get("/api/v1/invoices/").json()["count"] == 1


def test_manager_marks_an_invoice_paid_in_local_mode(
    manager_api, client_api, anon_api, client_user, settings
):
    invoice = closed_invoices(client_user)
    url = f"/api/v1/invoices/{invoice.pk}/mark-paid/"
    assert_access_matrix(method="post", url=url, anonymous=anon_api, forbidden=[client_api])
    assert_error(manager_api.post("/api/v1/invoices/999999/mark-paid/"), 404, "not_found")
    settings.STRIPE_ENABLED = True
    assert_error(manager_api.post(url), 409, "collected_by_stripe")
    settings.STRIPE_ENABLED = False
    response = manager_api.post(url)
    assert response.status_code == 200 and response.json()["status"] == "paid"
    listed = manager_api.get(f"/api/v1/invoices/?client={client_user.pk}&status=paid").json()
    assert [row["id"] for row in listed["results"]] == [invoice.pk]
    assert manager_api.get("/api/v1/invoices/?status=open").json()["count"] == 0
    for bad in ("status=bogus", "client=abc", "client=1.5", "client=0"):
        assert_error(manager_api.get(f"/api/v1/invoices/?{bad}"), 400, "invalid")
    assert manager_api.post(url).status_code == 200  # a repeat changes nothing
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.VOID)
    assert_error(manager_api.post(url), 409, "invoice_not_payable")


@pytest.mark.parametrize("who", ["client", "manager"])
def test_invoice_list_query_count_is_constant(
    who, api_for, client_user, manager_user, django_assert_num_queries
):
    api = api_for(client_user if who == "client" else manager_user)

    added = []

    def add(count):
        for _ in range(count):
            invoice = closed_invoices(client_user)
            # Detached from its subscription, each in a period of its own (one statement
            # per client and period without a subscription).
            added.append(invoice.pk)
            Invoice.objects.filter(pk=invoice.pk).update(
                subscription=None, period_start=datetime.date(2000 + len(added), 1, 1)
            )
            Subscription.objects.filter(client=client_user).update(status="cancelled")

    # The token; the page with its count (and its lines, on PostgreSQL); else the lines.
    queries = 2 + int(connection.vendor != "postgresql")
    add(1)
    with django_assert_num_queries(queries):
        assert api.get("/api/v1/invoices/").json()["count"] == 1
    add(3)
    with django_assert_num_queries(queries):
        assert api.get("/api/v1/invoices/").json()["count"] == 4


def test_plan_and_pack_list_query_counts(
    anon_api, client_api, client_user, django_assert_num_queries
):
    PlanFactory()
    with django_assert_num_queries(3):  # count, page, terms
        anon_api.get("/api/v1/plans/")
    PlanFactory.create_batch(4)
    with django_assert_num_queries(3):
        assert anon_api.get("/api/v1/plans/").json()["count"] == 5
    services.pack_purchase(client=client_user, minutes=300)
    with django_assert_num_queries(3):
        client_api.get("/api/v1/packs/")
    services.pack_purchase(client=client_user, minutes=600)
    services.pack_purchase(client=client_user, minutes=300)
    with django_assert_num_queries(3):
        assert client_api.get("/api/v1/packs/").json()["count"] == 3


# Close endpoint ---------------------------------------------------------------------


def test_close_period_endpoint(manager_api, client_api, anon_api):
    SubscriptionFactory(start_date=datetime.date(2026, 9, 16))
    assert_access_matrix(
        method="post",
        url="/api/v1/billing/close-period/",
        anonymous=anon_api,
        forbidden=[client_api],
        data={"period": "2026-09"},
    )
    assert_error(
        manager_api.post("/api/v1/billing/close-period/", {"period": "2026-13"}, format="json"),
        400,
        "invalid",
    )
    assert_error(
        manager_api.post("/api/v1/billing/close-period/", {"period": "2099-01"}, format="json"),
        409,
        "period_not_ended",
    )
    response = manager_api.post(
        "/api/v1/billing/close-period/", {"period": "2026-09"}, format="json"
    )
    assert response.json() == {"invoices": 1, "periods": ["2026-09"]}
    response = manager_api.post(
        "/api/v1/billing/close-period/", {"period": "2026-09"}, format="json"
    )
    assert response.json() == {"invoices": 0, "periods": []}


# What can be bought, plans by code, the last closed month --------------------------------


def test_anyone_lists_the_pack_offers_and_can_buy_each(anon_api, client_api):
    response = anon_api.get("/api/v1/packs/offers/")
    assert response.status_code == 200
    offers = response.json()
    assert offers == [
        {"minutes": m, "price": p, "currency": "EUR", "tax_rate": "20.00", "valid_days": 365}
        for m, p in ((300, "125.00"), (600, "240.00"), (1200, "460.00"))
    ]
    for offer in offers:  # every size listed is one the purchase accepts, at that price
        bought = client_api.post("/api/v1/packs/", {"minutes": offer["minutes"]}, format="json")
        assert bought.status_code == 201, bought.content
        assert bought.json()["price"] == offer["price"]
        assert bought.json()["currency"] == offer["currency"]


def test_pack_offers_follow_the_setting(anon_api, settings):
    settings.BILLING_PACKS = [
        {"minutes": 90, "price": "40.50", "currency": "GBP"},
        {"minutes": 60, "price": "30.00", "currency": "EUR", "tax_rate": "5.5"},
    ]
    assert anon_api.get("/api/v1/packs/offers/").json() == [
        {"minutes": m, "price": p, "currency": c, "tax_rate": r, "valid_days": 365}
        for m, p, c, r in ((90, "40.50", "GBP", "20.00"), (60, "30.00", "EUR", "5.50"))
    ]


def test_plans_are_chosen_by_code_or_id(client_api, manager_api, client_user):
    essential = PlanFactory(code="essential")
    hourly = PlanFactory(code="hourly", monthly_fee=Decimal("19.00"))
    created = client_api.post("/api/v1/subscription/", {"plan": "essential"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["plan"]["id"] == essential.pk
    changed = client_api.post("/api/v1/subscription/change/", {"plan": "hourly"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["scheduled_plan"]["code"] == "hourly"
    changed = client_api.post(
        "/api/v1/subscription/change/", {"plan": str(essential.pk)}, format="json"
    )
    # Back to the current plan, named by its id as a string: the scheduled change is gone.
    assert changed.status_code == 200, changed.content
    assert changed.json()["scheduled_plan"] is None
    other = ClientFactory()
    by_manager = manager_api.post(
        f"/api/v1/clients/{other.pk}/subscription/",
        {"plan": "hourly", "start_date": "2026-09-16"},
        format="json",
    )
    assert by_manager.status_code == 201, by_manager.content
    assert by_manager.json()["plan"]["id"] == hourly.pk


@pytest.mark.parametrize("plan", ["no-such-plan", "", None, True, 3.5, ["essential"]])
def test_an_unknown_or_malformed_plan_is_a_clear_400(client_api, plan):
    PlanFactory(code="essential")
    body = assert_error(
        client_api.post("/api/v1/subscription/", {"plan": plan}, format="json"), 400, "invalid"
    )
    assert "plan" in body["fields"]
    assert not Subscription.objects.exists()


def test_the_subscription_says_which_month_is_closed(client_api, client_user):
    subscription = SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 9, 1))
    body = client_api.get("/api/v1/subscription/").json()
    assert body["last_closed_period"] is None and body["closed_through"] is None
    services.billing_period_close(period=datetime.date(2026, 10, 1), now=at(2026, 11, 2))
    body = client_api.get("/api/v1/subscription/").json()
    assert body["id"] == subscription.pk
    assert body["last_closed_period"] == "2026-10"


def test_the_close_status_says_which_months_are_closed(
    manager_api, client_api, assistant_api, anon_api, monkeypatch
):
    url = "/api/v1/billing/close-period/"
    assert_access_matrix(
        method="get", url=url, anonymous=anon_api, forbidden=[client_api, assistant_api]
    )
    freeze(monkeypatch, at(2026, 11, 20))
    SubscriptionFactory(start_date=datetime.date(2026, 9, 16))
    SubscriptionFactory(start_date=datetime.date(2026, 11, 3))
    assert manager_api.get(url).json() == {
        "last_closed_period": None,
        "last_ended_period": "2026-10",
        "first_open_period": "2026-09",
        "up_to_date": False,
    }
    manager_api.post(url, {"period": "2026-09"}, format="json")
    assert manager_api.get(url).json()["last_closed_period"] == "2026-09"
    manager_api.post(url, {}, format="json")
    assert manager_api.get(url).json() == {
        "last_closed_period": "2026-10",  # the November starter has nothing before November
        "last_ended_period": "2026-10",
        "first_open_period": "2026-11",
        "up_to_date": True,
    }
