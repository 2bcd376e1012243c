"""A plan's name in the reader's language, the way a category's label is: its French name
on French pages, invoice lines and PDFs, the English one otherwise and in the API."""

import pytest
from django.test import Client
from django.utils.translation import override

from billing import wording
from billing.models import Invoice
from tests import factories
from tests.billing.test_legal import close_september
from tests.billing.test_pdf import text_of

pytestmark = pytest.mark.django_db


def reader(user, language):
    user.language = language
    user.save(update_fields=["language"])
    web = Client()
    web.force_login(user)
    web.cookies["django_language"] = language
    return web


def test_a_plan_names_itself_in_a_language():
    plan = factories.PlanFactory(name="Essential", name_fr="Essentiel")
    assert plan.name_in("fr") == "Essentiel"
    assert plan.name_in("en") == "Essential"
    plan.name_fr = ""
    assert plan.name_in("fr") == "Essential"  # no translation: the English name


def test_an_invoice_line_names_the_plan_in_the_readers_language():
    plan = factories.PlanFactory(name="Essential", name_fr="Essentiel")
    with override("fr"):
        assert wording.line_text("Monthly fee: Essential", plan) == "Abonnement mensuel : Essentiel"
        assert (
            wording.line_text("Monthly fee: Essential (prorated 10/30 days)", plan)
            == "Abonnement mensuel : Essentiel (au prorata, 10 jours sur 30)"
        )
        # A line written under a name the plan no longer has keeps that name.
        assert wording.line_text("Monthly fee: Basic", plan) == "Abonnement mensuel : Basic"
    with override("en"):
        assert wording.line_text("Monthly fee: Essential", plan) == "Monthly fee: Essential"


def test_french_pages_name_the_plan_in_french(month):
    plan = month.subscription.plan
    plan.name_fr = "Essentiel (2 h / mois)"
    plan.save()
    client = month.subscription.client
    invoice = Invoice.objects.filter(client=client).exclude(number="").first()
    web = reader(client, "fr")
    month_report = f"/app/reports/?month={invoice.period_start:%Y-%m}"
    for path in ("/app/", "/app/plan/", f"/app/invoices/{invoice.pk}/", month_report):
        body = web.get(path).content.decode()
        assert "Essentiel (2 h / mois)" in body, path
        assert "Essential" not in body, path
    manager = reader(factories.ManagerFactory(), "fr")
    for path in ("/app/clients/", f"/app/clients/{client.pk}/"):
        body = manager.get(path).content.decode()
        assert "Essentiel (2 h / mois)" in body, path
    english = reader(client, "en")
    assert "Essential" in english.get("/app/plan/").content.decode()


def test_subscribing_names_the_plan_in_french(client_user):
    plan = factories.PlanFactory(name="Essential", name_fr="Essentiel")
    web = reader(client_user, "fr")
    page = web.get("/app/plan/").content.decode()
    assert ">Essentiel</option>" in page
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    sent = {"plan": plan.pk, "idempotency_key": key}
    answer = web.post("/app/plan/subscribe/", sent, follow=True)
    assert "Vous êtes abonné à Essentiel" in answer.content.decode()


def test_the_public_page_offers_plans_in_the_visitors_language():
    factories.PlanFactory(name="Essential", name_fr="Essentiel")
    assert "Essentiel" in Client(HTTP_ACCEPT_LANGUAGE="fr").get("/").content.decode()
    assert "Essentiel" not in Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()


def test_the_pdf_names_the_plan_in_the_buyers_language(seller, client_api, client_user):
    client_user.language = "fr"
    client_user.save(update_fields=["language"])
    invoice = close_september(client=client_user, name="Essential", name_fr="Essentiel")
    text = text_of(client_api.get(f"/api/v1/invoices/{invoice.pk}/pdf/").content)
    assert "Abonnement mensuel : Essentiel" in text


def test_the_api_keeps_the_plans_name(manager_api):
    factories.PlanFactory(name="Essential", name_fr="Essentiel")
    answer = manager_api.get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE="fr").json()
    rows = answer["results"] if isinstance(answer, dict) else answer
    assert [row["name"] for row in rows] == ["Essential"]
    assert "name_fr" not in rows[0]
