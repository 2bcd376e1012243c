"""At a phone's width (390 px) every page here fits without sideways scrolling: tables
become stacked rows, each cell named by its column; times keep to one line; the header is
one line, its entries folded into "Menu" (a disclosure that works without a script)."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, Visit
from tests.browser.test_client_journeys import sign_in
from tests.browser.test_privacy_journeys import no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def header_is_one_line(page):
    """The header's bar holds the service's name and "Menu" side by side, nothing else."""
    brand = page.locator("header nav a.brand").bounding_box()
    menu = page.locator("details.menu > summary")
    expect(menu).to_be_visible()
    expect(page.locator("details.menu ul.places")).to_be_hidden()
    summary = menu.bounding_box()
    nav = page.locator("header nav").bounding_box()
    assert abs(brand["y"] + brand["height"] / 2 - summary["y"] - summary["height"] / 2) < 4
    assert nav["height"] <= 64, f"{page.url}: the header's bar is {nav['height']}px high"
    assert summary["x"] + summary["width"] <= PHONE["width"]


def check(visit, page, path, name):
    visit.go(path)
    no_sideways_scroll(page)
    header_is_one_line(page)
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
    sign_out(page)
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


def sign_out(page):
    page.locator("details.menu > summary").click()
    page.get_by_role("button", name="Sign out").click()


@pytest.mark.parametrize("role", ["client", "assistant", "manager"])
def test_the_header_menu_on_a_phone(browser, live_server, role, month):
    """Opened by keyboard, with or without a script: every entry of the role, then "Sign
    out"; at desktop width the entries are out, without "Menu"."""
    person = {
        "client": month.subscription.client,
        "assistant": month.disputable.assistant,
        "manager": factories.ManagerFactory(),
    }[role]
    for scripts in (True, False):
        context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=scripts)
        page = context.new_page()
        visit = Visit(page, live_server.url)
        page = sign_in(visit, person.email)
        header_is_one_line(page)
        summary = page.locator("details.menu > summary")
        expect(summary).to_have_accessible_name(re.compile(r"^Menu"))
        summary.focus()
        page.keyboard.press("Enter")
        entries = page.locator("details.menu ul.places a")
        expect(entries.first).to_be_visible()
        assert entries.count() >= (11 if role == "manager" else 5)
        for link in entries.all():
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        no_sideways_scroll(page)
        if scripts:
            visit.check_accessible()
            page.keyboard.press("Enter")  # closes it again
            expect(entries.first).to_be_hidden()
            page.set_viewport_size(DESKTOP)
            expect(summary).to_be_hidden()
            expect(entries.first).to_be_visible()
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"header-{role}-desktop.png")
            page.set_viewport_size(PHONE)
            page.locator("details.menu > summary").click()
            page.screenshot(path=SCREENSHOTS / f"header-{role}-phone.png")
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/$"))
        context.close()
        visit.assert_clean()
