"""The calendar page in a real browser: an outside calendar renamed, then removed."""

import re

import pytest
from playwright.sync_api import expect

from calendar_sync.models import IcsSubscription
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_client_journeys import sign_in
from tests.browser.test_privacy_journeys import no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_outside_calendar_is_renamed_then_removed(visit):
    client = factories.ClientFactory()
    outside = IcsSubscription.objects.create(
        user=client, url="https://calendar.example.test/work.ics", name="Work"
    )
    page = sign_in(visit, client.email)
    page.get_by_role("link", name="Calendar").click()
    visit.page_check("calendar")
    page.get_by_role("link", name="Change Work").click()
    expect(page.get_by_label("Calendar address (ICS)")).to_have_value(outside.url)
    visit.page_check("calendar-outside")
    page.get_by_label("Name").fill("Office")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/app/calendar/$"))
    expect(page.get_by_text("The calendar is saved.")).to_be_visible()
    outside.refresh_from_db()
    assert outside.name == "Office"

    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    page.get_by_role("button", name="Remove Office").click()
    expect(page.get_by_text("The calendar is removed")).to_be_visible()
    assert not IcsSubscription.objects.exists()
