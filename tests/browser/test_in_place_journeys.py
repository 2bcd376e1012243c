"""Summaries follow in-place actions in a real browser: "Time logged" after "Log time",
the history after a task's move, without reloading the page."""

import datetime

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
