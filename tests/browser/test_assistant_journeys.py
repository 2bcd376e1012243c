"""An assistant's day in a real browser: start a task, run and stop the timer, log time
(an overlap refused beside the field), ask the client, deliver."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from concierge.models import TaskStatus
from tests.browser.test_client_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def local(moment, user):
    return timezone.localtime(moment, user.zone).strftime("%Y-%m-%dT%H:%M")


def test_an_assistant_works_a_task_from_start_to_delivery(visit, month):
    assistant = month.disputable.assistant
    task = month.tasks["assigned"]
    page = sign_in(visit, assistant.email)
    expect(page.get_by_role("heading", name="Your tasks by promised deadline")).to_be_visible()
    overdue = page.locator(f"#day-task-{month.tasks['waiting_on_client'].pk}")
    expect(overdue).to_contain_text("Overdue")
    expect(page.locator(f"#day-task-{month.tasks['at_risk'].pk}")).to_contain_text("At risk")
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()
    expect(page.locator("#timer")).to_contain_text("No timer running")
    visit.page_check("assistant-day")

    page.get_by_role("link", name=task.title).click()
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("#status")).to_contain_text("In progress")

    # The timer: started from the task page, shown in the header, stopped from there.
    page.get_by_role("button", name="Start timer").click()
    header = page.locator("#timer")
    expect(header).to_contain_text(task.title)
    expect(header).to_contain_text("0:00")
    expect(page.locator("#time-entries")).to_contain_text("Running")
    visit.page_check("assistant-task")
    header.get_by_role("button", name="Stop timer").click()
    expect(header).to_contain_text("No timer running")
    expect(page.locator("#time-entries")).to_contain_text("Logged")
    stopped = task.time_entries.get()
    assert stopped.ended_at is not None and stopped.source == "timer"

    # A manual entry over time already logged on another task is refused beside its start.
    busy = month.disputable.started_at + datetime.timedelta(minutes=10)
    page.get_by_label("Started at").fill(local(busy, assistant))
    page.get_by_label("Ended at").fill(local(busy + datetime.timedelta(minutes=30), assistant))
    page.get_by_label("Note", exact=True).fill("Bought the fertiliser")
    page.get_by_role("button", name="Log time").click()
    error = page.locator("#id_started_at_error")
    expect(error).to_contain_text("This time overlaps another entry: “")
    expect(page.get_by_label("Started at")).to_have_attribute("aria-invalid", "true")
    assert task.time_entries.count() == 1
    visit.page_check()
    free = timezone.now() - datetime.timedelta(hours=8)
    page.get_by_label("Started at").fill(local(free, assistant))
    page.get_by_label("Ended at").fill(local(free + datetime.timedelta(minutes=20), assistant))
    page.get_by_role("button", name="Log time").click()
    expect(page.locator("#time-entries")).to_contain_text("Time logged.")
    expect(page.locator("#time-entries")).to_contain_text("Bought the fertiliser")
    assert task.time_entries.filter(note="Bought the fertiliser", source="manual").exists()

    page.get_by_label("What do you need from the client?").fill("Which plants need water?")
    page.get_by_role("button", name="Ask the client").click()
    expect(page.locator("#status")).to_contain_text("Waiting on")
    task.refresh_from_db()
    assert task.status == TaskStatus.WAITING_ON_CLIENT
    assert task.messages.filter(body="Which plants need water?", author=assistant).exists()

    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("#status")).to_contain_text("In progress")
    page.get_by_label("Delivery note").fill("All watered.")
    page.get_by_role("button", name="Deliver").click()
    expect(page.locator("#status")).to_contain_text("Delivered")
    task.refresh_from_db()
    assert task.status == TaskStatus.DELIVERED
    assert page.evaluate("window.notReloaded") is True  # all of it in place
    visit.page_check()

    page.goto(f"{visit.base_url}/app/tasks/{task.pk}/time/")
    expect(page.get_by_role("heading", name="Log time", level=1)).to_be_visible()
    visit.page_check("assistant-log-time")
    page.get_by_role("link", name="Time", exact=True).click()
    expect(page.get_by_role("heading", name="Time ledger")).to_be_visible()
    expect(page.get_by_role("link", name=task.title)).to_have_count(2)  # timer and manual
    expect(page.get_by_text("Find and book a plumber for the kitchen sink").first).to_be_visible()
    visit.page_check("assistant-ledger")


def test_the_header_timer_stops_without_javascript(browser, live_server, month):
    """Every control is a plain form too: with JavaScript off, Stop timer posts and the
    page comes back without the timer."""
    from tests.browser.conftest import DESKTOP, Visit

    assistant = month.disputable.assistant
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", java_script_enabled=False)
    visit = Visit(context.new_page(), live_server.url)
    try:
        page = sign_in(visit, assistant.email)
        page.goto(f"{visit.base_url}/app/tasks/{month.tasks['in_progress'].pk}/")
        page.get_by_role("button", name="Start timer").click()
        expect(page).to_have_url(re.compile(rf"/app/tasks/{month.tasks['in_progress'].pk}/$"))
        expect(page.locator("#timer")).to_contain_text("Stop timer")
        page.locator("#timer").get_by_role("button", name="Stop timer").click()
        expect(page.locator("#timer")).to_contain_text("No timer running")
    finally:
        context.close()
    visit.assert_clean()
    assert not month.disputable.assistant.time_entries.filter(ended_at__isnull=True).exists()


def test_an_assistant_corrects_an_entry_from_the_ledger(visit, month):
    """Edit an entry into time already logged: refused beside "Started at"; then a
    correction that fits is saved, and another entry is deleted after a confirmation."""
    assistant = month.disputable.assistant
    task = month.tasks["in_progress"]
    start = timezone.now() - datetime.timedelta(hours=6)
    entry = task.time_entries.create(
        assistant=assistant,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=30),
        note="Called the hotel",
        created_by=assistant,
        reviewable_from=start,
    )
    page = sign_in(visit, assistant.email)
    page.goto(f"{visit.base_url}/app/time/")
    page.locator(f"#entry-{entry.pk}").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit time entry")).to_be_visible()
    busy = month.disputable.started_at + datetime.timedelta(minutes=5)
    page.get_by_label("Started at").fill(local(busy, assistant))
    page.get_by_label("Ended at").fill(local(busy + datetime.timedelta(minutes=20), assistant))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_started_at_error")).to_contain_text(
        "This time overlaps another entry: “"
    )
    visit.page_check("assistant-edit-entry")
    page.get_by_label("Started at").fill(local(start, assistant))
    page.get_by_label("Ended at").fill(local(start + datetime.timedelta(minutes=45), assistant))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Entry changed.")).to_be_visible()
    entry.refresh_from_db()
    assert entry.duration_seconds == 45 * 60

    page.locator(f"#entry-{entry.pk}").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete time entry")).to_be_visible()
    visit.page_check()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Entry deleted.")).to_be_visible()
    assert not task.time_entries.filter(pk=entry.pk).exists()
