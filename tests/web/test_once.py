"""Nothing done twice from the portal: a form that creates money or state carries a key,
and a double click, a form sent again or a retry does the work once."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import HourPack, Invoice
from concierge.models import IdempotencyRecord, Message, Task
from tests import factories
from tests.peers import race
from tests.web.checks import assert_fragment

KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')


def form_key(response, action):
    """The key rendered in the form posting to `action`."""
    body = response.content.decode()
    form = body[body.index(f'action="{action}"') :]
    return KEY.search(form[: form.index("</form>")]).group(1)


def test_every_render_of_a_form_carries_a_fresh_key(client_web):
    first = form_key(client_web.get("/app/plan/"), "/app/plan/packs/")
    second = form_key(client_web.get("/app/plan/"), "/app/plan/packs/")
    assert first != second


def test_buying_an_hour_pack_twice_with_one_form_buys_one(client_web, client_user):
    key = form_key(client_web.get("/app/plan/"), "/app/plan/packs/")
    first = client_web.post("/app/plan/packs/", {"minutes": "600", "idempotency_key": key})
    again = client_web.post("/app/plan/packs/", {"minutes": "600", "idempotency_key": key})
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == "/app/plan/"
    assert again["Idempotent-Replayed"] == "true"
    assert HourPack.objects.filter(client=client_user).count() == 1
    assert Invoice.objects.filter(client=client_user).count() == 1
    # A form rendered again is a new purchase.
    key = form_key(client_web.get("/app/plan/"), "/app/plan/packs/")
    client_web.post("/app/plan/packs/", {"minutes": "600", "idempotency_key": key})
    assert HourPack.objects.filter(client=client_user).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_clicks_buy_one_pack():
    client = factories.ClientFactory()

    def click():
        browser = Client()
        browser.force_login(client)
        return browser.post("/app/plan/packs/", {"minutes": "600", "idempotency_key": "k" * 32})

    outcomes = race(*[click] * 20)
    assert [getattr(o, "status_code", o) for o in outcomes] == [302] * 20
    assert sum(o.has_header("Idempotent-Replayed") for o in outcomes) == 19
    assert HourPack.objects.filter(client=client).count() == 1
    assert Invoice.objects.filter(client=client).count() == 1


def test_a_refused_form_keeps_no_key_and_may_be_sent_again(client_web, client_user):
    refused = client_web.post("/app/plan/packs/", {"minutes": "7", "idempotency_key": "k1"})
    assert refused.status_code == 302
    assert not IdempotencyRecord.objects.exists()
    assert not HourPack.objects.exists()


def test_a_key_sent_with_other_values_does_nothing(client_web, client_user):
    client_web.post("/app/plan/packs/", {"minutes": "600", "idempotency_key": "k1"})
    other = client_web.post(
        "/app/plan/packs/", {"minutes": "1200", "idempotency_key": "k1"}, follow=True
    )
    assert "This form was already sent with other values." in other.content.decode()
    assert list(HourPack.objects.values_list("minutes", flat=True)) == [600]


def test_keys_are_each_persons_own(client_web, other_client_web, client_user, other_client_user):
    client_web.post("/app/plan/packs/", {"minutes": "600", "idempotency_key": "k1"})
    other_client_web.post("/app/plan/packs/", {"minutes": "600", "idempotency_key": "k1"})
    assert HourPack.objects.filter(client=client_user).count() == 1
    assert HourPack.objects.filter(client=other_client_user).count() == 1


def test_a_form_without_a_key_works_as_before(client_web, client_user):
    client_web.post("/app/plan/packs/", {"minutes": "600"})
    client_web.post("/app/plan/packs/", {"minutes": "600"})
    assert HourPack.objects.filter(client=client_user).count() == 2


def test_subscribing_twice_with_one_form_subscribes_once_and_says_no_error(client_web):
    plan = factories.PlanFactory()
    key = form_key(client_web.get("/app/plan/"), "/app/plan/subscribe/")
    client_web.post("/app/plan/subscribe/", {"plan": plan.pk, "idempotency_key": key})
    again = client_web.post(
        "/app/plan/subscribe/", {"plan": plan.pk, "idempotency_key": key}, follow=True
    )
    assert "already has a subscription" not in again.content.decode()


def test_a_new_task_sent_twice_is_one_task(client_web, client_user):
    key = KEY.search(client_web.get("/app/tasks/new/").content.decode()).group(1)
    fields = {"title": "Book a table", "priority": "normal", "idempotency_key": key}
    first = client_web.post("/app/tasks/new/", fields)
    again = client_web.post("/app/tasks/new/", fields)
    assert again["Location"] == first["Location"]
    assert Task.objects.filter(client=client_user).count() == 1


def test_a_message_sent_twice_by_htmx_is_one_message(client_web, client_user):
    task = factories.TaskFactory(client=client_user)
    page = client_web.get(f"/app/tasks/{task.pk}/")
    key = form_key(page, f"/app/tasks/{task.pk}/messages/")
    fields = {"body": "The key is under the mat.", "idempotency_key": key}
    first = client_web.post(f"/app/tasks/{task.pk}/messages/", fields, HTTP_HX_REQUEST="true")
    again = client_web.post(f"/app/tasks/{task.pk}/messages/", fields, HTTP_HX_REQUEST="true")
    assert_fragment(first, "The key is under the mat.")
    # The repeat does nothing and has the page loaded again (nothing written is kept).
    assert (again.status_code, again["HX-Refresh"], again.content) == (200, "true", b"")
    assert "under the mat" not in str(IdempotencyRecord.objects.get(key=key).body)
    assert Message.objects.filter(task=task).count() == 1
    # The fragment swapped in carries the next message's own key.
    assert form_key(first, f"/app/tasks/{task.pk}/messages/") != key


def test_a_time_entry_logged_twice_is_one_entry(assistant_web, assistant_user):
    from assistants.models import TimeEntry

    task = factories.TaskFactory(assignee=assistant_user, status="in_progress")
    page = assistant_web.get(f"/app/tasks/{task.pk}/")
    key = form_key(page, f"/app/tasks/{task.pk}/time/")
    start = timezone.localtime(timezone.now(), assistant_user.zone) - datetime.timedelta(hours=3)
    fields = {
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + datetime.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M"),
        "note": "Called the bank",
        "idempotency_key": key,
    }
    first = assistant_web.post(f"/app/tasks/{task.pk}/time/", fields)
    assert first.status_code == 302, first.content.decode()[-3000:]
    assistant_web.post(f"/app/tasks/{task.pk}/time/", fields)
    assert TimeEntry.objects.filter(task=task).count() == 1
