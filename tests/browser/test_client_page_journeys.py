"""A manager's client page in a real browser: from the clients list, choose the primary
and backup assistants seeing each one's free time, on a desktop and a phone."""

import re

import pytest
from playwright.sync_api import expect

from concierge.models import ClientProfile
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_client_journeys import sign_in
from tests.browser.test_privacy_journeys import no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_gives_a_client_their_assistants(visit, month):
    client = month.subscription.client
    backup = factories.AssistantFactory(first_name="Bob", last_name="Builder")
    manager = factories.ManagerFactory()
    page = sign_in(visit, manager.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name=client.full_name).click()
    expect(page.get_by_role("heading", name=client.full_name, level=1)).to_be_visible()
    expect(page.get_by_role("img", name="This month's usage")).to_be_visible()
    visit.page_check("client-detail")
    picker = page.get_by_label("Backup assistant")
    expect(picker.locator("option", has_text="Bob Builder")).to_have_text(
        re.compile(r"^Bob Builder — .* free of 40 h 00 min a week$")
    )
    picker.select_option(str(backup.pk))
    page.get_by_role("button", name="Save the assistants").click()
    expect(page.get_by_text(f"{client.full_name}'s assistants are saved.")).to_be_visible()
    assert ClientProfile.objects.get(user=client).backup_assistant == backup
    expect(page.locator("#trail-heading + table")).to_contain_text(manager.full_name)
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)


def test_the_client_writes_a_brief_the_assignee_reads(visit):
    from concierge.models import TaskStatus

    client = factories.ClientFactory()
    assistant = factories.AssistantFactory()
    task = factories.TaskFactory(
        client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS, title="Book a trip"
    )
    page = sign_in(visit, client.email)
    page.get_by_role("link", name="Change the brief").click()
    page.get_by_label("Standing instructions").fill("Aisle seats; never call before 9.")
    page.get_by_label("Contacts").fill("Landlord: Mr Dupont.")
    visit.page_check("brief")
    page.get_by_role("button", name="Save the brief").click()
    expect(page.get_by_text("The brief is saved.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    page = sign_in(visit, assistant.email)
    page.goto(visit.base_url + f"/app/tasks/{task.pk}/")
    brief = page.locator("#brief")
    expect(brief).to_contain_text("Aisle seats; never call before 9.")
    expect(brief).to_contain_text("Landlord: Mr Dupont.")
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
