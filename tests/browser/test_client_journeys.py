"""A client's journeys in a real browser: sign up and delegate, talk on a task, dispute an
entry, read an invoice, switch to French."""

import re

import pytest
from playwright.sync_api import expect

from concierge.models import Task, TaskStatus, User
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(visit, email, password=factories.PASSWORD):
    page = visit.go("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/$"))
    return page


def test_sign_up_delegate_a_task_and_exchange_a_message(visit):
    factories.PlanFactory(name="Essential")
    page = visit.go("/")
    expect(page.get_by_role("heading", name="Plans and prices")).to_be_visible()
    expect(page.get_by_text("Essential")).to_be_visible()
    visit.page_check("home")

    page.get_by_role("link", name="Create account").first.click()
    expect(page).to_have_url(re.compile(r"/signup/$"))
    visit.page_check("signup")
    page.get_by_label("Email").fill("new.client@example.test")
    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Client")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/app/$"))
    expect(page.get_by_role("heading", name="Hello, Nora")).to_be_visible()
    assert User.objects.get(email="new.client@example.test").is_client

    page.get_by_role("link", name="Delegate a task").first.click()
    visit.page_check("task-new")
    page.get_by_label("Title").fill("Renew my passport")
    page.get_by_label("Description").fill("It expires in June.")
    page.get_by_label("Category").select_option(label="Paperwork")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_label("Due by").fill("2030-05-02T10:30")
    page.get_by_label("Time cap (minutes)").fill("90")
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_role("heading", name="Renew my passport", level=1)).to_be_visible()
    task = Task.objects.get(title="Renew my passport")
    assert (task.priority, task.max_minutes) == ("urgent", 90)
    # Given in the client's zone (Paris, summer time): 08:30 UTC.
    assert task.requested_due_at.isoformat() == "2030-05-02T08:30:00+00:00"
    expect(page.get_by_text("10:30").first).to_be_visible()

    # The message goes in place (htmx): the page is not reloaded.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Message", exact=True).fill("The old passport is in the top drawer.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#messages")).to_contain_text("The old passport is in the top drawer.")
    assert page.evaluate("window.notReloaded") is True
    assert task.messages.get().body == "The old passport is in the top drawer."
    visit.page_check("task-detail")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def test_month_dispute_an_entry_and_read_the_invoice(visit, month):
    client = month.subscription.client
    page = sign_in(visit, client.email)
    expect(page.get_by_role("img", name="This month's usage")).to_be_visible()
    expect(page.get_by_text("Projected amount")).to_be_visible()
    visit.page_check("app-home")

    page.get_by_role("link", name="Tasks", exact=True).click()
    visit.page_check("task-list")
    page.get_by_role("link", name="Plan a weekend in Lisbon").click()
    expect(page.locator("#messages")).to_contain_text("The train, if it is under eight hours.")
    row = page.locator(f"#entry-{month.disputable.pk}")
    row.get_by_label("Why do you dispute it?").fill("We agreed on 20 minutes.")
    row.get_by_role("button", name="Dispute").click()
    expect(page.locator(f"#entry-{month.disputable.pk}")).to_contain_text("Disputed")
    month.disputable.refresh_from_db()
    assert month.disputable.status == "disputed"
    visit.page_check()

    page.get_by_role("link", name="Time", exact=True).click()
    expect(page.get_by_role("heading", name="Time ledger")).to_be_visible()
    visit.page_check("time-ledger")

    page.get_by_role("link", name="Invoices", exact=True).click()
    visit.page_check("invoice-list")
    page.get_by_role("link", name=month.invoice.number).click()
    expect(page.get_by_role("heading", name=f"Invoice {month.invoice.number}")).to_be_visible()
    for line in month.invoice.lines.all():
        expect(page.get_by_role("cell", name=line.description)).to_be_visible()
    entries = page.locator("text=Find and book a plumber for the kitchen sink")
    expect(entries).to_have_count(month.invoice.billed_entries.count())
    visit.page_check("invoice-detail")

    page.get_by_role("link", name="Plan", exact=True).click()
    expect(page.get_by_role("heading", name="Your plan")).to_be_visible()
    visit.page_check("plan")
    page.get_by_role("link", name="Calendar", exact=True).click()
    visit.page_check("calendar")
    page.get_by_role("link", name="Account", exact=True).click()
    visit.page_check("account")


def test_accept_a_delivery_and_switch_to_french(visit, month):
    client = month.subscription.client
    delivered = month.tasks["delivered"]
    page = sign_in(visit, client.email)
    page.goto(f"{visit.base_url}/app/tasks/{delivered.pk}/")
    page.get_by_label("Rating").select_option("4")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#status")).to_contain_text("Completed")
    delivered.refresh_from_db()
    assert (delivered.status, delivered.rating) == (TaskStatus.COMPLETED, 4)

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Historique")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Tâches").click()
    visit.page_check("task-list-fr")


def test_staff_pages_pass_the_same_checks(visit, month):
    """Assistants and managers get a working portal too (their full screens come later)."""
    assistant = month.disputable.assistant
    page = sign_in(visit, assistant.email)
    expect(page.get_by_role("heading", name="Your tasks by promised deadline")).to_be_visible()
    visit.page_check("assistant-home")
    page.get_by_role("link", name="Water the plants every Monday").click()
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("#status")).to_contain_text("In progress")
    visit.page_check()
    page.get_by_role("button", name="Sign out").click()

    manager = User.objects.get(role="manager")
    page = sign_in(visit, manager.email)
    visit.page_check("manager-home")
    page.goto(f"{visit.base_url}/app/tasks/{month.tasks['new'].pk}/")
    page.get_by_label("Assistant", exact=True).select_option(str(assistant.pk))
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#status")).to_contain_text("Assigned")
    visit.page_check("manager-task")

    month.disputed.refresh_from_db()
    page.goto(f"{visit.base_url}/app/disputes/")
    expect(page.get_by_text(month.disputed.dispute_reason)).to_be_visible()
    visit.page_check("manager-disputes")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    month.disputed.refresh_from_db()
    assert month.disputed.dispute_decision == "accept"
