"""Every kind of page each role reaches from its home, in Chromium, at a desktop's and a
phone's width: axe-core clean at both, nothing scrolling sideways and the header on one
line at 390 px, and a screenshot of each (`<page>-<role>-desktop.png`, `…-phone.png` under
var/screenshots/). The pages are found by the portal crawler of tests/web, one of each url
name (the first task, the first invoice…), so a new page is checked without a new test."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve

from concierge.models import Role, User
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.browser.test_client_journeys import sign_in
from tests.browser.test_phone_pages import header_is_one_line
from tests.browser.test_privacy_journeys import no_sideways_scroll
from tests.web.test_offered_actions import crawl

pytestmark = pytest.mark.django_db(transaction=True)


def one_page_of_each_kind(user) -> dict[str, str]:
    web = Client()
    web.force_login(user)
    pages: dict[str, str] = {}
    crawl(web, read=pages.__setitem__)  # HTML pages only: no downloads
    kinds: dict[str, str] = {}
    for url in sorted(pages, key=lambda url: (len(url), url)):
        kinds.setdefault(resolve(urlsplit(url).path).url_name, url)
    return kinds


@pytest.mark.parametrize("role", ["client", "assistant", "manager"])
def test_every_page_at_desktop_and_phone_width(visit, month, role):
    task = month.tasks["in_progress"]
    person = {
        "client": task.client,
        "assistant": task.assignee,
        "manager": User.objects.filter(role=Role.MANAGER).first(),
    }[role]
    kinds = one_page_of_each_kind(person)
    assert len(kinds) >= 8, kinds
    page = sign_in(visit, person.email)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in sorted(kinds.items()):
        page.set_viewport_size(DESKTOP)
        visit.go(url)
        visit.check_accessible()
        page.screenshot(path=SCREENSHOTS / f"{name}-{role}-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        no_sideways_scroll(page)
        header_is_one_line(page)
        visit.check_accessible()
        page.screenshot(path=SCREENSHOTS / f"{name}-{role}-phone.png", full_page=True)
