"""A manager's journeys in a real browser: the team's week and its CSV, an assistant's
week, late work reassigned, time off, clients and billing — every page axe-clean."""

import csv
import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from concierge.models import User
from tests import factories
from tests.browser.test_client_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _team(month):
    """Beside the month's assistant: Ben, with a late task and an hour logged this week,
    and Fred, free and skilled."""
    ben = factories.AssistantFactory(first_name="Ben", last_name="Late")
    fred = factories.AssistantFactory(first_name="Fred", last_name="Free")
    late = factories.TaskFactory(
        client=month.subscription.client,
        assignee=ben,
        status="in_progress",
        title="Claim the council tax refund",
        promised_due_at=timezone.now() - datetime.timedelta(hours=2),
        estimate_minutes=60,
    )
    start = timezone.now() - datetime.timedelta(hours=2)
    factories.TimeEntryFactory(
        task=late, assistant=ben, started_at=start, ended_at=start + datetime.timedelta(minutes=65)
    )
    return ben, fred, late


def test_the_week_its_csv_and_an_assistants_week(visit, month):
    _team(month)
    manager = User.objects.get(role="manager")
    page = sign_in(visit, manager.email)
    page.get_by_role("link", name="Team", exact=True).click()
    table = page.locator("#workloads")
    expect(table).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("1 h 05 min logged"))).to_be_visible()
    visit.page_check("manager-week")

    shown = {}
    for row in table.locator("tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        shown[row.locator("th").inner_text().strip()] = {
            "open_tasks": cells[0],
            "overdue_tasks": cells[1],
            "logged_minutes": cells[2],
            "billable_minutes": cells[3],
            "capacity_minutes": cells[4],
        }
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8") as downloaded:
        sheet = list(csv.DictReader(downloaded))
    in_csv = {
        row["name"]: {key: row[key] for key in shown[row["name"]]}
        for row in sheet
        if row["assistant"] != "total"
    }
    assert in_csv == shown
    assert shown["Ben Late"]["logged_minutes"] == "65"

    page.get_by_role("link", name="Previous week").click()
    expect(page).to_have_url(re.compile(r"week=\d{4}-W\d{2}$"))
    page.get_by_role("link", name="Next week").click()
    page.locator("#workloads").get_by_role("link", name="Ben Late").click()
    expect(page.get_by_role("heading", name=re.compile("Ben Late's week"))).to_be_visible()
    expect(
        page.get_by_role("link", name="Claim the council tax refund", exact=True)
    ).to_be_visible()
    visit.page_check("manager-assistant-week")


def test_a_late_task_is_reassigned_and_leaves_the_old_assistants_list(visit, month):
    ben, fred, late = _team(month)
    manager = User.objects.get(role="manager")
    page = sign_in(visit, manager.email)
    expect(page.get_by_text("Claim the council tax refund")).to_be_visible()
    visit.page_check("manager-home")
    page.goto(f"{visit.base_url}/app/team/late/")
    row = page.locator(f"#late-{late.pk}")
    expect(row).to_contain_text("Late")
    visit.page_check("manager-late")
    # The whole page, with the task's facts, for those without JavaScript.
    page.goto(f"{visit.base_url}/app/team/tasks/{late.pk}/reassign/")
    expect(page.locator(".candidates")).to_contain_text("Fred Free")
    visit.page_check("manager-reassign")
    page.go_back()
    # In place (htmx): the candidates open under the task's row, one click gives it.
    page.evaluate("window.notReloaded = true")
    row.get_by_role("link", name=re.compile("Reassign")).click()
    candidates = page.locator(f"#who-{late.pk}")
    expect(candidates).to_contain_text("Fred Free")
    assert page.evaluate("window.notReloaded") is True
    visit.page_check("manager-late-reassign")
    candidates.get_by_role("button", name="Give to Fred Free").click()
    expect(page.get_by_text("now goes to Fred Free")).to_be_visible()
    late.refresh_from_db()
    assert late.assignee == fred

    page.goto(f"{visit.base_url}/app/team/{ben.pk}/")
    expect(page.get_by_text("No open tasks.")).to_be_visible()
    page.goto(f"{visit.base_url}/app/team/{fred.pk}/")
    expect(page.locator("#member-tasks")).to_contain_text("Claim the council tax refund")


def test_disputes_time_off_clients_and_billing(visit, month):
    ben, _, _ = _team(month)
    manager = User.objects.get(role="manager")
    page = sign_in(visit, manager.email)

    month.disputed.refresh_from_db()
    page.get_by_role("link", name="Disputes", exact=True).click()
    expect(page.get_by_text(month.disputed.dispute_reason)).to_be_visible()
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    month.disputed.refresh_from_db()
    assert month.disputed.dispute_decision == "reject"

    page.goto(f"{visit.base_url}/app/team/time-off/")
    visit.page_check("manager-time-off")
    page.get_by_label("Assistant").select_option(str(ben.pk))
    page.get_by_label("Starts").fill("2030-07-01T09:00")
    page.get_by_label("Ends").fill("2030-07-15T09:00")
    page.get_by_label("Reason").fill("Summer")
    page.get_by_role("button", name="Enter time off").click()
    expect(page.get_by_text("Time off entered for Ben Late")).to_be_visible()
    assert ben.time_off.get().reason == "Summer"
    visit.page_check()

    page.get_by_role("link", name="Clients", exact=True).click()
    expect(page.locator("#clients")).to_contain_text(month.subscription.plan.name)
    visit.page_check("manager-clients")
    page.get_by_role("link", name="Billing", exact=True).click()
    expect(page.get_by_role("heading", name="Monthly close")).to_be_visible()
    visit.page_check("manager-billing")
    page.get_by_role("button", name="Close the period").click()
    expect(page.get_by_text("Nothing left to close")).to_be_visible()
    page.get_by_role("link", name="Open", exact=True).click()
    expect(page.get_by_role("link", name=month.invoice.number)).to_be_visible()
    visit.page_check("manager-invoices")


def test_the_week_in_french(visit, month):
    _team(month)
    manager = User.objects.get(role="manager")
    page = sign_in(visit, manager.email)
    page.get_by_role("button", name="Français").click()
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Équipe").click()
    expect(
        page.get_by_role("heading", name=re.compile("La semaine .* de l.équipe"))
    ).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger le CSV")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("1 h 05 min saisies"))).to_be_visible()
    visit.page_check("manager-week-fr")


def test_a_task_nobody_could_take_waits_in_the_queue_and_is_given_in_place(visit, month):
    """The intake queue: a flagged, unassigned task is given to a free assistant without
    leaving the page, and leaves the queue."""
    fred = factories.AssistantFactory(
        first_name="Fred", last_name="Free", profile__skills=["tradespeople"]
    )
    stranded = factories.TaskFactory(
        client=month.subscription.client,
        title="Find a piano tuner",
        category="tradespeople",
        flagged_at=timezone.now(),
        flag_reason="nobody free takes the category “tradespeople” right now",
    )
    manager = User.objects.get(role="manager")
    page = sign_in(visit, manager.email)
    page.goto(f"{visit.base_url}/app/team/unassigned/")
    row = page.locator(f"#unassigned-{stranded.pk}")
    expect(row).to_contain_text("nobody free takes the category")
    visit.page_check("manager-unassigned")
    row.get_by_role("link", name=re.compile("Assign")).click()
    candidates = page.locator(f"#who-{stranded.pk}")
    expect(candidates).to_contain_text("Fred Free")
    candidates.get_by_role("button", name="Give to Fred Free").click()
    expect(page.get_by_text("now goes to Fred Free")).to_be_visible()
    stranded.refresh_from_db()
    assert stranded.assignee == fred and stranded.flagged_at is None
    page.goto(f"{visit.base_url}/app/team/unassigned/")
    expect(page.get_by_text("Find a piano tuner")).to_have_count(0)
