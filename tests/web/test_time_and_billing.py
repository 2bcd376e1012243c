"""The time ledger and "Dispute", invoices, and the plan page."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from assistants.models import TimeEntryStatus
from billing.models import HourPack, Invoice, Subscription
from tests import factories
from tests.stripe_peer import CARD_OK, card_payment_method, localstripe  # noqa: F401
from tests.web.checks import assert_fragment, assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_billing_and_time_pages_send_anonymous_to_sign_in(month):
    for path in (
        "/app/time/",
        "/app/invoices/",
        f"/app/invoices/{month.invoice.pk}/",
        "/app/plan/",
    ):
        assert_sends_to_sign_in(Client().get(path), path)
    path = f"/app/time/{month.disputable.pk}/dispute/"
    assert_sends_to_sign_in(Client().post(path, {"reason": "x"}), path)


def test_the_ledger_shows_each_entry_with_its_status(month, web_for, other_client_user):
    body = assert_page(
        web_for(month.subscription.client).get("/app/time/"),
        "Plan a weekend in Lisbon",
        "Disputed",
        "Find and book a plumber",
        "Dispute",
    )
    assert body.count('name="reason"') == 1  # only the entry still open to dispute
    other = web_for(other_client_user).get("/app/time/")
    assert "Plan a weekend in Lisbon" not in assert_page(other, "No time logged yet.")


def test_the_ledger_pins_its_queries(client_web, client_user, django_assert_num_queries):
    assistant = factories.AssistantFactory()
    task = factories.TaskFactory(client=client_user, assignee=assistant, status="in_progress")
    factories.TimeEntryFactory.create_batch(2, task=task, assistant=assistant)
    with django_assert_num_queries(5):
        assert_page(client_web.get("/app/time/"))
    factories.TimeEntryFactory.create_batch(20, task=task, assistant=assistant)
    with django_assert_num_queries(5):
        assert_page(client_web.get("/app/time/"))


def test_staff_see_their_own_ledger(month, web_for):
    assert_page(web_for(month.disputable.assistant).get("/app/time/"), "Plan a weekend in Lisbon")
    assert "Plan a weekend in Lisbon" not in assert_page(
        web_for(factories.AssistantFactory()).get("/app/time/")
    )


def test_a_client_disputes_an_entry_in_place(month, web_for):
    entry = month.disputable
    web = web_for(month.subscription.client)
    fragment = assert_fragment(
        web.post(f"/app/time/{entry.pk}/dispute/", {"reason": "Too long"}, **HTMX),
        f'id="entry-{entry.pk}"',
        "Disputed",
        "a manager will decide",
    )
    assert 'name="reason"' not in fragment  # no second dispute offered
    entry.refresh_from_db()
    assert entry.status == TimeEntryStatus.DISPUTED
    assert entry.events.filter(kind="disputed", data__reason="Too long").exists()


def test_a_dispute_needs_a_reason_and_an_open_window(month, web_for, settings):
    entry = month.disputable
    web = web_for(month.subscription.client)
    response = web.post(f"/app/time/{entry.pk}/dispute/", {"reason": ""}, follow=True)
    assert_page(response, "Say why you dispute this entry.")
    settings.TIME_DISPUTE_DAYS = 0
    entry.ended_at = timezone.now() - datetime.timedelta(hours=1)
    entry.save()
    late = web.post(f"/app/time/{entry.pk}/dispute/", {"reason": "x"}, follow=True)
    assert_page(late, "Entries can be disputed for 0 days")
    entry.refresh_from_db()
    assert entry.status == TimeEntryStatus.STOPPED


def test_disputes_are_for_the_entrys_client(month, web_for, other_client_user):
    entry = month.disputable
    assert (
        web_for(other_client_user)
        .post(f"/app/time/{entry.pk}/dispute/", {"reason": "x"})
        .status_code
        == 404
    )
    assert (
        web_for(entry.assistant).post(f"/app/time/{entry.pk}/dispute/", {"reason": "x"}).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.status == TimeEntryStatus.STOPPED


def test_the_invoice_shows_lines_usage_and_every_billed_entry(month, web_for):
    invoice = month.invoice
    lines = list(invoice.lines.all())
    assert [line.kind for line in lines] == ["fee", "overage"]
    body = assert_page(
        web_for(month.subscription.client).get(f"/app/invoices/{invoice.pk}/"),
        f"Invoice {invoice.number}",
        *[line.description for line in lines],
        "Time billed",
        "Print",
        "2 h 15 min",  # used last month: 90 + 45 minutes
    )
    assert body.count("Find and book a plumber") == invoice.billed_entries.count() == 2


def test_invoices_are_for_their_client_and_managers(month, web_for, other_client_user):
    invoice = month.invoice
    assert web_for(other_client_user).get(f"/app/invoices/{invoice.pk}/").status_code == 404
    assert "No invoices yet." in assert_page(web_for(other_client_user).get("/app/invoices/"))
    assistant = web_for(month.disputable.assistant)
    assert assistant.get("/app/invoices/").status_code == 403
    assert assistant.get(f"/app/invoices/{invoice.pk}/").status_code == 403
    manager = web_for(factories.ManagerFactory())
    assert_page(manager.get("/app/invoices/"), invoice.number, "Claire")
    assert_page(manager.get(f"/app/invoices/{invoice.pk}/"), invoice.number)


def test_the_invoice_list_pins_its_queries(client_user, client_web, django_assert_num_queries):
    def invoices(n, start):
        for i in range(n):
            day = datetime.date(2020 + (start + i) // 12, (start + i) % 12 + 1, 1)
            Invoice.objects.create(client=client_user, period_start=day, period_end=day)

    invoices(2, 0)
    with django_assert_num_queries(5):
        assert_page(client_web.get("/app/invoices/"))
    invoices(20, 2)
    with django_assert_num_queries(5):
        assert_page(client_web.get("/app/invoices/"))


def test_the_home_page_shows_the_month_as_a_gauge(month, web_for):
    body = assert_page(
        web_for(month.subscription.client).get("/app/"),
        'role="img"',
        "usage</title>",
        "Included: 45 min used of 2 h 00 min",  # 40 min, in steps of 15
        "Projected amount",
        "49.00",
        month.invoice.number,
    )
    assert "<svg" in body and "<desc" in body


def test_the_plan_page_is_for_clients(assistant_web, manager_web):
    assert assistant_web.get("/app/plan/").status_code == 403
    assert manager_web.post("/app/plan/packs/", {"minutes": "300"}).status_code == 403
    assert not HourPack.objects.exists()


def test_a_client_subscribes_changes_and_cancels(client_web, client_user):
    essential = factories.PlanFactory(name="Essential")
    larger = factories.PlanFactory(name="Larger", monthly_fee="99.00")
    assert_page(client_web.get("/app/plan/"), "Essential", "Larger", "Subscribe")
    assert client_web.post("/app/plan/subscribe/", {"plan": essential.pk}).status_code == 302
    subscription = Subscription.objects.get(client=client_user)
    assert subscription.plan == essential
    again = client_web.post("/app/plan/subscribe/", {"plan": essential.pk}, follow=True)
    assert_page(again, "This client already has a subscription.")
    client_web.post("/app/plan/change/", {"plan": larger.pk})
    subscription.refresh_from_db()
    assert subscription.scheduled_plan == larger
    assert_page(client_web.get("/app/plan/"), "Changes to Larger")
    client_web.post("/app/plan/cancel/")
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end
    assert "Change plan" not in assert_page(client_web.get("/app/plan/"), "Ends after")


def test_a_client_buys_an_hour_pack(client_web, client_user):
    response = client_web.post("/app/plan/packs/", {"minutes": "600"}, follow=True)
    assert_page(response, "10 hours added to your account.")
    pack = HourPack.objects.get(client=client_user)
    assert (pack.minutes, pack.invoice.total_excl_tax) == (600, pack.price)
    bad = client_web.post("/app/plan/packs/", {"minutes": "7"}, follow=True)
    assert_page(bad, "Choose one of the hour packs offered.")
    assert HourPack.objects.count() == 1


def test_local_mode_settles_with_a_manager_and_takes_no_card(client_web, client_user, settings):
    settings.STRIPE_ENABLED = False
    body = assert_page(client_web.get("/app/plan/"), "card payments are not set up")
    assert "js.stripe.com" not in body
    response = client_web.post("/app/plan/card/", {"payment_method": "pm_card_visa"}, follow=True)
    assert_page(response, "Card payments are not set up on this service")


def test_with_stripe_a_client_saves_a_card(localstripe, client_web, settings):  # noqa: F811
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_portal"
    assert_page(client_web.get("/app/plan/"), "Add a card", 'data-publishable-key="pk_test_portal"')
    pm = card_payment_method(CARD_OK)
    response = client_web.post("/app/plan/card/", {"payment_method": pm.id}, follow=True)
    assert_page(response, "Your card ending 4242 is saved.", "card ending 4242")
    bad = client_web.post("/app/plan/card/", {"payment_method": "not-an-id"}, follow=True)
    assert_page(bad, "The card could not be read")


def test_cards_are_for_clients(client_web, assistant_web):
    assert assistant_web.post("/app/plan/card/", {"payment_method": "pm_x"}).status_code == 403
    assert_sends_to_sign_in(Client().post("/app/plan/card/"), "/app/plan/card/")
