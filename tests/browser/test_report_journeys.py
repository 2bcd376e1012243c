"""Reports in a real browser: a manager's range, grouping, chart and CSV; a client's month
and last month's invoice explained — at a desktop and a phone width, axe-clean."""

import csv
import re

import pytest
from playwright.sync_api import expect

from billing import periods
from concierge.models import User
from tests.browser.conftest import PHONE
from tests.browser.test_client_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _last_month(month):
    return month.invoice.period_start, month.invoice.period_end


def test_a_manager_reads_two_months_by_month_and_downloads_them(visit, month):
    manager = User.objects.get(role="manager")
    page = sign_in(visit, manager.email)
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    first, _last = _last_month(month)
    this_month_end = periods.last_day(periods.next_period(first))
    page.get_by_label("From").fill(first.isoformat())
    page.get_by_label("To (included)").fill(this_month_end.isoformat())
    page.get_by_label("Group by").select_option("month")
    page.get_by_role("button", name="Show report").click()
    expect(page).to_have_url(re.compile(r"group_by=month"))
    chart = page.get_by_role("img", name=re.compile("Time logged per week, by category"))
    expect(chart).to_be_visible()
    table = page.locator("#time-report")
    labels = [text.strip() for text in table.locator("tbody th").all_inner_texts()]
    assert labels == [f"{first:%Y-%m}", f"{periods.next_period(first):%Y-%m}"]
    visit.page_check("manager-reports")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV", exact=True).click()
    with open(download.value.path(), encoding="utf-8") as downloaded:
        *rows, totals = list(csv.DictReader(downloaded))
    assert [row["period"] for row in rows] == labels
    assert totals["label"] == "total"
    # Last month's invoice, to the cent, in its month.
    assert rows[0]["invoiced_amount"] == f"{month.invoice.total:.2f}"
    invoiced = table.locator("tbody tr").first.locator("td").nth(5)
    expect(invoiced).to_contain_text(f"{month.invoice.total:.2f}")

    # The chart's table says the same as the picture.
    page.get_by_text("The chart as a table").click()
    expect(page.get_by_role("columnheader", name="Week")).to_be_visible()

    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", name="Time and money")).to_be_visible()
    visit.check_accessible()


def test_a_client_reads_their_month_and_last_months_invoice(visit, month):
    client = month.subscription.client
    page = sign_in(visit, client.email)
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Your month"))).to_be_visible()
    expect(page.get_by_text(re.compile("Allowance left this month"))).to_be_visible()
    expect(page.get_by_role("img", name="This month's usage")).to_be_visible()
    expect(page.locator("#time-per-task tbody tr").first).to_be_visible()
    # The demo's tasks were all closed today, through the services.
    expect(page.locator("#tasks-done li").first).to_be_visible()
    visit.page_check("client-month")

    first, _last = _last_month(month)
    page.get_by_role("link", name=re.compile(f"← {first:%Y-%m}")).click()
    expect(page.get_by_role("heading", name=f"Your month: {first:%Y-%m}")).to_be_visible()
    expect(page.get_by_text(f"{month.invoice.total:.2f}").first).to_be_visible()
    visit.page_check("client-last-month")

    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", name="What it cost")).to_be_visible()
    visit.check_accessible()
    page.get_by_role("link", name="See the invoice").click()
    expect(page).to_have_url(re.compile(rf"/app/invoices/{month.invoice.pk}/$"))
