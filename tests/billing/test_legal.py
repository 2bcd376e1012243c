"""Invoices as legal documents: the seller (versioned), the buyer's details (copied onto
each invoice, kept through erasure), VAT per line and the three totals, the due date."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from billing import rating, services, tax
from billing.models import BillingDetails, Invoice, SellerVersion
from concierge import privacy
from concierge.errors import Conflict
from tests.billing.helpers import at, freeze, log
from tests.factories import ClientFactory, PlanFactory, SubscriptionFactory

D = Decimal
SEP = datetime.date(2026, 9, 1)


def line(amount, kind="fee"):
    return rating.Line(kind, kind, None, None, D(amount))


def close_september(client=None, **plan_fields):
    subscription = SubscriptionFactory(
        start_date=SEP, plan=PlanFactory(**plan_fields), **({"client": client} if client else {})
    )
    log(subscription.client, at(2026, 9, 3), 200)  # 210 billed: 120 included, 90 overage
    services.billing_period_close(now=at(2026, 10, 2))
    return Invoice.objects.get(subscription=subscription)


# VAT, pure -------------------------------------------------------------------------------


def test_vat_is_rounded_once_per_rate_and_shared_among_its_lines():
    # 3 lines of 0.10 at 20 %: each alone 0.02, but the rate's VAT is 20 % of 0.30 = 0.06.
    taxed = tax.apply([line("0.10")] * 3, [D("20.00")] * 3)
    assert [t.tax_amount for t in taxed.lines] == [D("0.02"), D("0.02"), D("0.02")]
    # 0.05 + 0.05 at 10 %: 0.01 for the pair (0.005 + 0.005 rounded once), given to one.
    taxed = tax.apply([line("0.05"), line("0.05")], [D("10.00")] * 2)
    assert taxed.total_tax == D("0.01")
    assert sorted(t.tax_amount for t in taxed.lines) == [D("0.00"), D("0.01")]
    # Two rates: one breakdown each.
    taxed = tax.apply([line("49.00"), line("10.00"), line("3.33")], [D(20), D("5.5"), D(20)])
    assert [(b.tax_rate, b.taxable_amount, b.tax_amount) for b in taxed.breakdown] == [
        (D("5.5"), D("10.00"), D("0.55")),
        (D(20), D("52.33"), D("10.47")),
    ]
    assert (taxed.total_excl_tax, taxed.total_tax, taxed.total_incl_tax) == (
        D("62.33"),
        D("11.02"),
        D("73.35"),
    )
    assert sum(t.tax_amount for t in taxed.lines) == taxed.total_tax


def test_prices_stated_including_vat_are_split_into_net_and_vat():
    taxed = tax.apply([line("49.00"), line("28.00")], [D(20)] * 2, prices_include_tax=True)
    # 77.00 including 20 %: VAT 77 * 20/120 = 12.833… → 12.83; net 64.17.
    assert (taxed.total_excl_tax, taxed.total_tax, taxed.total_incl_tax) == (
        D("64.17"),
        D("12.83"),
        D("77.00"),
    )
    assert [t.amount + t.tax_amount for t in taxed.lines] == [D("49.00"), D("28.00")]


# The seller ------------------------------------------------------------------------------


SELLER = {
    "name": "Conciergerie Exemple SAS",
    "address": "12 rue de la Paix\n75002 Paris",
    "siren": "123456782",
    "vat_id": "FR32123456782",
}


def test_seller_endpoint_is_for_managers(anon_api, client_api, assistant_api):
    assert anon_api.get("/api/v1/billing/seller/").status_code == 401
    for api in (client_api, assistant_api):
        assert api.get("/api/v1/billing/seller/").status_code == 403
        assert api.patch("/api/v1/billing/seller/", SELLER, format="json").status_code == 403
    assert not SellerVersion.objects.exists()


def test_a_manager_records_the_seller_and_each_change_is_a_version(manager_api, settings):
    missing = manager_api.get("/api/v1/billing/seller/")
    assert (missing.status_code, missing.json()["code"]) == (404, "seller_missing")
    partial = manager_api.patch("/api/v1/billing/seller/", {"name": "X"}, format="json")
    assert partial.status_code == 400
    assert set(partial.json()["fields"]) == {"address", "siren"}
    bad = manager_api.patch("/api/v1/billing/seller/", {**SELLER, "siren": "12"}, format="json")
    assert (bad.status_code, bad.json()["code"], list(bad.json()["fields"])) == (
        400,
        "invalid",
        ["siren"],
    )
    first = manager_api.patch("/api/v1/billing/seller/", SELLER, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["payment_terms_days"] == 30
    settings.BILLING_REQUIRE_SELLER = True
    before = close_september()
    second = manager_api.patch(
        "/api/v1/billing/seller/", {"address": "1 place Vendôme\n75001 Paris"}, format="json"
    )
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["name"] == SELLER["name"]  # the rest carried over
    assert manager_api.get("/api/v1/billing/seller/").json()["address"].startswith("1 place")
    # The same again records nothing new.
    again = manager_api.patch("/api/v1/billing/seller/", {"name": SELLER["name"]}, format="json")
    assert again.json()["id"] == second.json()["id"]
    # The invoice issued before the change still shows the address it was issued with.
    body = manager_api.get(f"/api/v1/invoices/{before.pk}/").json()
    assert body["seller"]["address"] == SELLER["address"]
    assert body["seller"]["siren"] == "123456782"


def test_no_invoice_is_issued_without_a_seller_outside_debug(settings, client_api, client_user):
    settings.BILLING_REQUIRE_SELLER = True
    subscription = SubscriptionFactory(start_date=SEP)
    log(subscription.client, at(2026, 9, 3), 30)
    with pytest.raises(Conflict) as refused:
        services.billing_period_close(now=at(2026, 10, 2))
    assert refused.value.code == "seller_missing"
    assert not Invoice.objects.exists()
    bought = client_api.post("/api/v1/packs/", {"minutes": 300}, format="json")
    assert (bought.status_code, bought.json()["code"]) == (409, "seller_missing")
    assert not client_user.hour_packs.exists()


def test_the_requirement_follows_debug(settings):
    from billing import seller

    del settings.BILLING_REQUIRE_SELLER
    settings.DEBUG = False
    assert seller.seller_required()
    settings.DEBUG = True
    assert not seller.seller_required()


# The buyer -------------------------------------------------------------------------------


BUYER = {"name": "Claire Martin", "address": "3 quai des Chartrons\n33000 Bordeaux"}


def test_billing_details_are_the_clients_own(
    anon_api, client_api, assistant_api, manager_api, client_user, other_client_api
):
    url = "/api/v1/me/billing-details/"
    assert anon_api.get(url).status_code == 401
    assert assistant_api.get(url).status_code == 403
    assert client_api.get(url).status_code == 404
    incomplete = client_api.patch(url, {"name": "Claire"}, format="json")
    assert (incomplete.status_code, list(incomplete.json()["fields"])) == (400, ["address"])
    saved = client_api.patch(url, {**BUYER, "company": "Martin SARL"}, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["client"] == client_user.pk
    assert client_api.get(url).json()["company"] == "Martin SARL"
    # Another client sees only their own (none yet).
    assert other_client_api.get(url).status_code == 404
    # A manager reads and edits them per client; not through me/.
    per_client = f"/api/v1/clients/{client_user.pk}/billing-details/"
    assert manager_api.get(url).status_code == 403
    assert client_api.get(per_client).status_code == 403
    assert manager_api.get(per_client).json()["name"] == "Claire Martin"
    edited = manager_api.patch(per_client, {"vat_id": "FR40123456824"}, format="json")
    assert edited.json()["vat_id"] == "FR40123456824"
    assert manager_api.get("/api/v1/clients/999999/billing-details/").status_code == 404


def test_each_invoice_keeps_the_buyer_and_seller_as_they_were(seller, client_api, client_user):
    client_api.patch("/api/v1/me/billing-details/", BUYER, format="json")
    invoice = close_september(client=client_user)
    client_api.patch(
        "/api/v1/me/billing-details/", {"address": "Ailleurs\n69001 Lyon"}, format="json"
    )
    body = client_api.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert body["buyer"]["name"] == "Claire Martin"
    assert body["buyer"]["address"] == BUYER["address"]
    assert body["seller"]["name"] == seller.name
    # Issued on 2 October (Paris): due 30 days later, as the seller's terms say.
    assert body["due_date"] == "2026-11-01"


def test_without_billing_details_the_invoice_names_the_account(seller):
    client = ClientFactory(first_name="Ana", last_name="Lopez")
    invoice = close_september(client=client)
    assert invoice.buyer["name"] == "Ana Lopez"


def test_erasure_keeps_the_buyer_on_invoices_and_removes_it_elsewhere(seller, client_user):
    BillingDetails.objects.create(client=client_user, **BUYER)
    invoice = close_september(client=client_user)
    privacy.person_erase(user=client_user)
    assert not BillingDetails.objects.filter(client=client_user).exists()
    invoice.refresh_from_db()
    assert invoice.buyer["name"] == "Claire Martin"
    assert invoice.buyer["address"] == BUYER["address"]


# VAT on invoices -------------------------------------------------------------------------


def test_invoice_states_vat_per_line_and_totals(seller, client_api, client_user):
    invoice = close_september(client=client_user)
    body = client_api.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert [(x["amount"], x["tax_rate"], x["tax_amount"]) for x in body["lines"]] == [
        ("49.00", "20.00", "9.80"),
        ("42.00", "20.00", "8.40"),
    ]
    assert (body["total_excl_tax"], body["total_tax"], body["total_incl_tax"]) == (
        "91.00",
        "18.20",
        "109.20",
    )
    assert body["total"] == body["total_incl_tax"]
    assert body["tax_breakdown"] == [
        {"tax_rate": "20.00", "taxable_amount": "91.00", "tax_amount": "18.20"}
    ]
    assert body["prices_include_tax"] is False


def test_a_plans_rate_applies_and_prices_may_include_vat(seller, settings):
    settings.BILLING_PRICES_INCLUDE_TAX = True
    invoice = close_september(tax_rate=D("10.00"))
    # 91.00 including 10 %: VAT 91 * 10/110 = 8.27, excluding 82.73.
    assert (invoice.total_excl_tax, invoice.total_tax, invoice.total) == (
        D("82.73"),
        D("8.27"),
        D("91.00"),
    )
    assert invoice.prices_include_tax
    assert {x.tax_rate for x in invoice.lines.all()} == {D("10.00")}


def test_a_seller_exempt_from_vat_states_none(seller, manager_api):
    manager_api.patch(
        "/api/v1/billing/seller/",
        {"vat_exemption_text": "TVA non applicable, art. 293 B du CGI"},
        format="json",
    )
    invoice = close_september()
    assert (invoice.total_excl_tax, invoice.total_tax, invoice.total) == (
        D("91.00"),
        D("0.00"),
        D("91.00"),
    )
    body = manager_api.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert body["seller"]["vat_exemption_text"] == "TVA non applicable, art. 293 B du CGI"
    assert body["tax_breakdown"] == [
        {"tax_rate": "0.00", "taxable_amount": "91.00", "tax_amount": "0.00"}
    ]


def test_a_plan_rate_edit_is_never_retroactive(seller, monkeypatch, manager_api):
    subscription = SubscriptionFactory(start_date=SEP)
    freeze(monkeypatch, at(2026, 9, 20))
    changed = manager_api.patch(
        f"/api/v1/plans/{subscription.plan_id}/", {"tax_rate": "5.50"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert [t["tax_rate"] for t in changed.json()["terms"]] == ["20.00", "5.50"]
    services.billing_period_close(now=at(2026, 11, 2))
    sep, oct_ = Invoice.objects.order_by("period_start")
    assert [x.tax_rate for x in sep.lines.all()] == [D("20.00")]
    assert [x.tax_rate for x in oct_.lines.all()] == [D("5.50")]
    assert oct_.total_tax == D("2.70")  # 5.5 % of 49.00 = 2.695 → 2.70


def test_the_database_refuses_totals_that_do_not_add_up(seller):
    from django.db import IntegrityError

    invoice = close_september()
    with pytest.raises(IntegrityError):
        Invoice.objects.filter(pk=invoice.pk).update(total_tax=D("1.00"))


def test_invoices_issued_before_vat_read_as_issued(db):
    """The migration's data step: an earlier invoice's total is both its total excluding
    and including VAT, with no VAT."""
    from importlib import import_module

    migration = import_module("billing.migrations.0009_legal_invoices_seller_buyer_vat")
    client = ClientFactory()
    old = Invoice.objects.create(client=client, period_start=SEP, period_end=SEP, total=D("52.5"))
    migration.totals_as_issued(django_apps, None)
    old.refresh_from_db()
    assert (old.total_excl_tax, old.total_tax, old.total_incl_tax, old.total) == (
        D("52.50"),
        D("0.00"),
        D("52.50"),
        D("52.50"),
    )
