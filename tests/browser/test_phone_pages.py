"""At a phone's width (390 px) every page here fits without sideways scrolling: tables
become stacked rows, each cell named by its column; times keep to one line."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE, SCREENSHOTS
from tests.browser.test_client_journeys import sign_in
from tests.browser.test_privacy_journeys import no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def check(visit, page, path, name):
    visit.go(path)
    no_sideways_scroll(page)
    visit.check_accessible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)


def test_the_clients_pages_on_a_phone(visit, month):
    client = month.subscription.client
    page = sign_in(visit, client.email)
    page.set_viewport_size(PHONE)
    check(visit, page, "/app/time/", "time-client")
    row = page.locator(f"#entry-{month.disputable.pk}")
    for column in ("Billed", "Status", "Dispute"):
        expect(row.locator(f'td[data-label="{column}"]')).to_be_visible()
    check(visit, page, "/app/tasks/", "tasks-client")
    expect(page.locator('td[data-label="Promised by"]').first).to_be_in_viewport()
    for path, name in (
        ("/app/", "app-home-client"),
        (f"/app/tasks/{month.tasks['in_progress'].pk}/", "task-client"),
        ("/app/vault/", "vault-client"),
        ("/app/notifications/", "notifications-client"),
        ("/app/privacy/", "privacy-client"),
        ("/app/calendar/", "calendar-client"),
        ("/app/plan/", "plan-client"),
        ("/app/invoices/", "invoices-client"),
    ):
        check(visit, page, path, name)
    # The invoice list stacks its rows: the total is on screen, not off to the right.
    expect(page.locator('td[data-label="Total"]').first).to_be_in_viewport()


def test_the_staff_pages_on_a_phone(visit, month):
    assistant = month.disputable.assistant
    page = sign_in(visit, assistant.email)
    page.set_viewport_size(PHONE)
    for path, name in (
        ("/app/time/", "time-assistant"),
        ("/app/", "app-home-assistant"),
        (f"/app/tasks/{month.tasks['in_progress'].pk}/", "task-assistant"),
    ):
        check(visit, page, path, name)
    page.get_by_role("button", name="Sign out").click()
    manager = factories.ManagerFactory()
    page = sign_in(visit, manager.email)
    page.set_viewport_size(PHONE)
    for path, name in (
        ("/app/time/", "time-manager"),
        ("/app/disputes/", "disputes-manager"),
        (f"/app/clients/{month.subscription.client.pk}/", "client-detail-manager"),
        ("/app/clients/", "clients-manager"),
        ("/app/invoices/", "invoices-manager"),
        ("/app/team/", "team-manager"),
    ):
        check(visit, page, path, name)
    # The team's workload table stacks too: each assistant's utilisation is on screen.
    cell = page.locator('#workloads td[data-label="Utilization"]').first
    cell.scroll_into_view_if_needed()
    expect(cell).to_be_in_viewport()
    box = cell.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], box
