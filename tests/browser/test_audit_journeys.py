"""A manager reads the audit log in a real browser: every recorded change, then only the
ones a filter asks for — axe-clean at desktop and phone width."""

import pytest
from playwright.sync_api import expect

from concierge import services, vault_services
from concierge.models import TaskStatus
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_client_journeys import sign_in
from tests.browser.test_privacy_journeys import no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_reads_and_filters_the_audit_log(visit):
    client = factories.ClientFactory(first_name="Nora", last_name="Client")
    item = vault_services.vault_item_create(
        client=client, title="Airline account", kind="login", fields={"password": "x"}
    )
    vault_services.vault_item_update(item=item, actor=client, title="Airline login")
    vault_services.vault_item_delete(item=item, actor=client)
    manager = factories.ManagerFactory()

    page = sign_in(visit, manager.email)
    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    rows = page.locator("#audit-log tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("vault_item.removed")
    expect(rows.first).to_contain_text("Nora Client")
    expect(rows.nth(1)).to_contain_text("Airline account → Airline login")
    visit.page_check("audit-manager")

    page.get_by_label("Action").fill("vault_item.changed")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("vault_item.changed")
    assert "action=vault_item.changed" in page.url
    visit.check_accessible()

    page.get_by_label("Action").fill("client.assistants_changed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Nothing recorded matches.")).to_be_visible()

    page.set_viewport_size(PHONE)
    page.goto(visit.base_url + "/app/audit/")
    expect(rows).to_have_count(2)
    no_sideways_scroll(page)
    # Stacked rows: each cell named by its column, within the screen's width.
    action = rows.first.locator('td[data-label="Action"]')
    action.scroll_into_view_if_needed()
    expect(action).to_be_in_viewport()
    box = action.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], box
    visit.check_accessible()


def test_a_manager_reads_a_tasks_moves_and_their_reasons(visit):
    """A task's history is the audit log's records about it: its moves, from what to what,
    with the reason given, found by the task's id — at desktop and phone width."""
    client = factories.ClientFactory(first_name="Nora", last_name="Client")
    assistant = factories.AssistantFactory()
    task = factories.TaskFactory(client=client, assignee=assistant, status=TaskStatus.ASSIGNED)
    services.task_start(task=task, actor=assistant)
    services.task_cancel(task=task, actor=client, reason="Found a plumber myself")
    manager = factories.ManagerFactory()

    page = sign_in(visit, manager.email)
    page.goto(visit.base_url + "/app/audit/")
    page.get_by_label("Kind of object").fill("concierge.task")
    page.get_by_label("Object id").fill(str(task.pk))
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#audit-log tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("task.transition")
    expect(rows.first).to_contain_text("Nora Client")
    expect(rows.first).to_contain_text("in_progress → cancelled")
    expect(rows.first.locator("p.note")).to_have_text("Found a plumber myself")
    expect(rows.nth(1)).to_contain_text("assigned → in_progress")
    visit.page_check("audit-task-history")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(rows).to_have_count(2)
    no_sideways_scroll(page)
    note = rows.first.locator("p.note")
    note.scroll_into_view_if_needed()
    expect(note).to_be_in_viewport()
    visit.check_accessible()
