"""Summaries follow in-place actions in a real browser: "Time logged" after "Log time",
the history after a task's move, without reloading the page."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_client_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_time_logged_and_history_follow_in_place_actions(visit, month):
    task = month.tasks["in_progress"]
    assistant = task.assignee
    page = sign_in(visit, assistant.email)
    page.goto(visit.base_url + f"/app/tasks/{task.pk}/")
    expect(page.locator("#time-logged")).to_have_text("1 h 40 min")
    page.evaluate("window.notReloaded = true")
    start = timezone.localtime(timezone.now(), assistant.zone) - datetime.timedelta(hours=6)
    page.get_by_label("Started at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ended at").fill(
        (start + datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Log time").click()
    expect(page.locator("#time-logged")).to_have_text("2 h 00 min")

    page.get_by_label("What do you need from the client?").fill("Which dates exactly?")
    page.get_by_role("button", name="Ask the client").click()
    expect(page.locator("#history")).to_contain_text("Waiting on the client")
    expect(page.locator("#time-logged")).to_have_text("2 h 00 min")
    assert page.evaluate("window.notReloaded") is True
    visit.page_check()


def test_the_header_timer_counts_the_seconds(visit, month):
    task = month.tasks["in_progress"]
    page = sign_in(visit, task.assignee.email)
    page.goto(visit.base_url + f"/app/tasks/{task.pk}/")
    page.get_by_role("button", name="Start timer").click()
    clock = page.locator("#timer .elapsed")
    # Seconds from the first one on (it used to read 0:00 for a whole minute).
    expect(clock).to_have_text(re.compile(r"^0:00:0[0-9]$"))
    expect(clock).to_have_text(re.compile(r"^0:00:0[2-9]$"), timeout=5000)
