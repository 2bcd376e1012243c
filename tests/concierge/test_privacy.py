"""Export (everything held about a person) and erasure (forgetting them, keeping only the
records the law needs)."""

import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from assistants.models import TimeEntry
from billing import services as billing_services
from billing.models import Invoice, InvoiceLine, Subscription
from calendar_sync.models import CalDavAccount, CalendarFeed, IcsSubscription, SecretReveal
from concierge import privacy
from concierge.models import IdempotencyRecord, Message, TaskStatus, User, VaultItem, VaultReveal
from concierge.platform import crypto
from tests import factories
from tests.billing.helpers import at, log
from tests.checks import assert_error
from tests.stripe_peer import localstripe  # noqa: F401  (fixture)

EXPORT, ERASE = "/api/v1/me/export/", "/api/v1/me/erase/"
PASSWORD = factories.PASSWORD

# The erased client's personal details: distinctive, so a scan cannot match by chance.
EMAIL = "zephyrine.quackenbush@example.test"
FIRST, LAST = "Zephyrine", "Quackenbush"
VAULT_SECRET = "vault-secret-marmalade-77"
TASK_TITLE = "Renew Zephyrine's passport at the consulate"
MESSAGE = "My old passport number is in the drawer by the piano"
ENTRY_NOTE = "Phoned the consulate about the piano drawer passport"
ICS_URL = "https://calendar.example.test/zephyrine-private.ics"
CALDAV_USER = "zq-caldav-login"
# Everything above but the vault secret, which is never in clear in the database.
PERSONAL = [EMAIL, FIRST, LAST, TASK_TITLE, MESSAGE, ENTRY_NOTE, ICS_URL, CALDAV_USER]


@pytest.fixture
def person(db, assistant_user):
    """A client with something of everything: tasks, messages, billed and unbilled time,
    a subscription with invoices, a vault item revealed by their assistant, calendar
    feeds and links."""
    client = factories.ClientFactory(email=EMAIL, first_name=FIRST, last_name=LAST)
    subscription = factories.SubscriptionFactory(
        client=client, start_date=datetime.date(2026, 9, 1)
    )
    billed = log(client, at(2026, 9, 10), 150, note=ENTRY_NOTE)
    billed.task.title, billed.task.description = TASK_TITLE, f"{FIRST} asked for it"
    billed.task.save()
    billing_services.billing_period_close(now=at(2026, 10, 2))
    task = factories.TaskFactory(
        client=client, assignee=assistant_user, status=TaskStatus.IN_PROGRESS, title=TASK_TITLE
    )
    unbilled = factories.TimeEntryFactory(
        task=task,
        assistant=assistant_user,
        started_at=at(2026, 11, 2),
        ended_at=at(2026, 11, 2, 11),
        note=ENTRY_NOTE,
        dispute_reason=f"{ENTRY_NOTE}: never asked",  # what the client wrote in a dispute
    )
    Message.objects.create(task=task, author=client, body=MESSAGE)
    IdempotencyRecord.objects.create(  # the replayable answer to the assistant's entry
        user=assistant_user, key="k1", method="POST", path="/api/v1/time-entries/",
        request_hash="0" * 64, status_code=201,
        body={"id": unbilled.pk, "task": task.pk, "note": ENTRY_NOTE},
    )  # fmt: skip
    Message.objects.create(task=task, author=assistant_user, body=f"Noted, {FIRST}.")
    from concierge import vault_services

    item = vault_services.vault_item_create(
        client=client, title=f"{LAST} family passport", kind="document",
        fields={"number": VAULT_SECRET},
    )  # fmt: skip
    vault_services.vault_item_reveal(
        item=item, actor=assistant_user, purpose=f"Form for {FIRST}", task_id=task.pk
    )
    feed = CalendarFeed.objects.create(user=client, name=f"{FIRST}'s", token_hash="h" * 64)
    IcsSubscription.objects.create(user=client, url=ICS_URL, name=LAST)
    CalDavAccount.objects.create(
        user=client,
        url="https://dav.example.test/",
        username=CALDAV_USER,
        password_encrypted=crypto.encrypt("dav-pass"),
        calendar=LAST,
    )
    return {
        "client": client,
        "subscription": subscription,
        "billed": billed,
        "unbilled": unbilled,
        "task": task,
        "item": item,
        "feed": feed,
    }


# Export -----------------------------------------------------------------------------------


def test_export_requires_a_user(anon_api):
    assert_error(anon_api.get(EXPORT), 401, "not_authenticated")


def test_export_round_trip(person, api_for, other_client_user):
    other_task = factories.TaskFactory(client=other_client_user, title="Someone else's errand")
    client = person["client"]
    resp = api_for(client).get(EXPORT)
    assert resp.status_code == 200, resp.content
    assert resp["Cache-Control"] == "no-store"
    data = resp.json()
    assert data["format"] == "concierge-export/1"
    assert (data["user"]["email"], data["user"]["first_name"]) == (EMAIL, FIRST)
    assert {t["id"] for t in data["tasks"]} == {person["task"].pk, person["billed"].task_id}
    assert MESSAGE in [m["body"] for m in data["messages"]]
    assert {e["id"] for e in data["time_entries"]} == {
        person["billed"].pk,
        person["unbilled"].pk,
    }
    invoice = Invoice.objects.get(client=client)
    billed_by = {e["id"]: e["invoice"] for e in data["time_entries"]}
    assert billed_by == {person["billed"].pk: invoice.pk, person["unbilled"].pk: None}
    [exported] = data["invoices"]
    assert (exported["number"], Decimal(exported["total"])) == (invoice.number, invoice.total)
    assert [e["id"] for e in exported["entries"]] == [person["billed"].pk]
    assert [s["id"] for s in data["subscriptions"]] == [person["subscription"].pk]
    [item] = data["vault_items"]
    assert item["fields"] == {"number": VAULT_SECRET}
    assert item["field_names"] == ["number"]
    purposes = [r["purpose"] for r in data["vault_reveals"]]
    assert f"Form for {FIRST}" in purposes
    assert [f["id"] for f in data["calendar"]["feeds"]] == [person["feed"].pk]
    assert data["calendar"]["subscriptions"][0]["url"] == ICS_URL
    assert data["calendar"]["caldav_account"]["password"] == "dav-pass"
    # Exporting the vault and the CalDAV password was recorded like any reveal.
    assert VaultReveal.objects.filter(revealed_by=client, purpose=privacy.EXPORT_PURPOSE).count()
    assert SecretReveal.objects.filter(purpose="export").count() == 1
    # Nobody else's data.
    assert other_task.title not in resp.content.decode()


def test_export_of_an_assistant_never_holds_a_client_secret(person, assistant_api, assistant_user):
    data = assistant_api.get(EXPORT).json()
    assert VAULT_SECRET not in json.dumps(data)
    assert data["vault_items"] == []
    assert [r["revealed_by"] for r in data["vault_reveals"]] == [assistant_user.pk]
    assert person["unbilled"].pk in {e["id"] for e in data["time_entries"]}
    assert data["assistant_profile"]["skills"] == ["admin", "booking"]


def test_export_of_a_manager(manager_api, manager_user, person):
    data = manager_api.get(EXPORT).json()
    assert data["user"]["id"] == manager_user.pk
    assert data["tasks"] == [] and data["vault_items"] == [] and data["invoices"] == []
    assert VAULT_SECRET not in json.dumps(data) and EMAIL not in json.dumps(data)


def test_export_as_zip(person, api_for):
    resp = api_for(person["client"]).get(EXPORT, {"format": "zip"})
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/zip"
    assert "attachment" in resp["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(resp.getvalue()))
    number = Invoice.objects.get(client=person["client"]).number
    assert set(archive.namelist()) == {"export.json", f"invoices/{number}.json"}
    assert json.loads(archive.read("export.json"))["user"]["email"] == EMAIL
    assert json.loads(archive.read(f"invoices/{number}.json"))["number"] == number


# Erasure ----------------------------------------------------------------------------------


def test_erase_matrix(anon_api, assistant_api, manager_api, client_api, client_user):
    assert_error(anon_api.post(ERASE, {"password": PASSWORD}), 401, "not_authenticated")
    for api in (assistant_api, manager_api):
        assert_error(api.post(ERASE, {"password": PASSWORD}), 403, "permission_denied")
    body = assert_error(client_api.post(ERASE, {"password": "wrong"}), 400, "wrong_password")
    assert "password" in body["fields"]
    assert_error(client_api.post(ERASE, {}), 400, "invalid")
    client_user.refresh_from_db()
    assert client_user.erased_at is None and client_user.is_active


def _text_everywhere(skip=()):
    """Every value of every column of every table, as text (one string per table), but
    the (table, column) pairs in `skip`."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            values = []
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if (table, column) in skip:
                        continue
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "ignore")
                    values.append(str(value))
            tables[table] = "\n".join(values).lower()
    return tables


def test_erasure_keeps_invoices_and_leaves_nothing_personal(
    person, api_for, assistant_user, django_capture_on_commit_callbacks
):
    client = person["client"]
    invoices_before = [
        (i.number, i.total, i.period_start, [(x.kind, x.amount) for x in i.lines.all()])
        for i in Invoice.objects.filter(client=client).prefetch_related("lines")
    ]
    billed_before = list(
        TimeEntry.objects.with_billing()
        .locked()
        .values_list("pk", "invoice_id", "billed_minutes", "started_at", "ended_at")
    )
    assert invoices_before and billed_before
    # The scan does find every detail before the erasure, in the tables that hold them.
    before = "\n".join(_text_everywhere().values())
    for value in PERSONAL:
        assert value.lower() in before, value
    api = api_for(client)

    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(ERASE, {"password": PASSWORD})
    assert resp.status_code == 202, resp.content
    assert resp.json()["erased_at"]
    # Each assistant hears that their open task is cancelled, and nothing of its content.
    billed_task = person["billed"].task
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        [
            (assistant_user.email, f"Cancelled: task {person['task'].pk}"),
            (billed_task.assignee.email, f"Cancelled: task {billed_task.pk}"),
        ]
    )
    for message in mail.outbox:
        for value in PERSONAL:
            assert value.lower() not in (message.subject + message.body).lower()

    # The legal records are intact and total the same.
    invoices_after = [
        (i.number, i.total, i.period_start, [(x.kind, x.amount) for x in i.lines.all()])
        for i in Invoice.objects.filter(client=client).prefetch_related("lines")
    ]
    assert invoices_after == invoices_before
    assert sum(i[1] for i in invoices_after) == sum(i[1] for i in invoices_before)
    assert InvoiceLine.objects.filter(invoice__client=client).count() == sum(
        len(i[3]) for i in invoices_before
    )
    assert (
        list(
            TimeEntry.objects.with_billing()
            .locked()
            .values_list("pk", "invoice_id", "billed_minutes", "started_at", "ended_at")
        )
        == billed_before
    )
    # No personal detail anywhere, in any table, but the buyer an invoice is made out to:
    # accounting law keeps it for the retention period (GDPR Art. 17(3)(b)).
    for table, text in _text_everywhere(skip={("billing_invoice", "buyer")}).items():
        for value in PERSONAL:
            assert value.lower() not in text, (value, table)
    for invoice in Invoice.objects.filter(client=client):
        assert invoice.buyer["name"] == f"{FIRST} {LAST}"

    # The vault, tokens, feeds and calendar links are gone; the person is anonymised.
    assert not VaultItem.objects.filter(client=client).exists()
    assert not CalendarFeed.objects.filter(user=client).exists()
    assert not CalDavAccount.objects.filter(user=client).exists()
    assert not IcsSubscription.objects.filter(user=client).exists()
    erased = User.objects.get(pk=client.pk)
    assert erased.email == privacy.erased_email(client.pk)
    assert not erased.is_active and not erased.has_usable_password()
    assert_error(api.get("/api/v1/me/"), 401, "authentication_failed")
    # Open work stopped; the subscription ends with its period (still invoiced then).
    person["task"].refresh_from_db()
    assert person["task"].status == TaskStatus.CANCELLED
    assert Subscription.objects.get(pk=person["subscription"].pk).cancel_at_period_end
    # The audit still says who revealed what and when, without the client's words.
    [reveal] = VaultReveal.objects.filter(client=client)
    assert (reveal.revealed_by_id, reveal.task_id) == (assistant_user.pk, person["task"].pk)
    assert reveal.purpose == ""
    # The address may sign up again, as a new person.
    from rest_framework.test import APIClient

    resp = APIClient().post(
        "/api/v1/auth/register/", {"email": EMAIL, "password": PASSWORD}, format="json"
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["id"] != client.pk
    # And erasing twice is refused.
    with pytest.raises(privacy.Conflict):
        privacy.person_erase(user=erased)


def test_operator_erases_an_assistant_keeping_billed_time(person, assistant_user):
    client = person["client"]
    invoice = Invoice.objects.get(client=client)
    billed_by = person["billed"].assistant
    person["billed"].task.status = TaskStatus.COMPLETED
    person["billed"].task.save()
    with pytest.raises(CommandError, match="does not have the e-mail address"):
        call_command("erase_person", user=billed_by.pk, confirm_email="someone@else.test")
    call_command(
        "erase_person", user=billed_by.pk, confirm_email=billed_by.email, stdout=io.StringIO()
    )
    billed_by.refresh_from_db()
    assert billed_by.erased_at and not billed_by.is_active
    billed = (
        TimeEntry.objects.with_billing().locked().filter(assistant=billed_by, invoice_id=invoice.pk)
    )
    assert billed.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).total == invoice.total
    # An assistant still holding open work is refused until it is reassigned.
    with pytest.raises(CommandError, match="assistant_has_open_work"):
        call_command("erase_person", user=assistant_user.pk, confirm_email=assistant_user.email)
    assistant_user.refresh_from_db()
    assert assistant_user.erased_at is None
    person["task"].status = TaskStatus.COMPLETED
    person["task"].save()
    call_command(
        "erase_person", user=assistant_user.pk, confirm_email=assistant_user.email,
        stdout=io.StringIO(),
    )  # fmt: skip
    assistant_user.refresh_from_db()
    assert assistant_user.erased_at and assistant_user.first_name == ""
    # The client's audit still shows that this (now anonymised) person revealed the item.
    assert VaultReveal.objects.get(revealed_by=assistant_user).ip_address is None


def test_operator_erases_a_manager(manager_user):
    call_command(
        "erase_person", user=manager_user.pk, confirm_email=manager_user.email,
        stdout=io.StringIO(),
    )  # fmt: skip
    manager_user.refresh_from_db()
    assert manager_user.erased_at and not manager_user.is_staff and not manager_user.is_active


@pytest.mark.usefixtures("localstripe")
def test_erasure_strips_the_person_from_their_stripe_customer(
    client_user, django_capture_on_commit_callbacks
):
    """Against localstripe: the local copy and Stripe's own lose the e-mail address."""
    import stripe
    from djstripe.models import Customer

    from billing import stripe as billing_stripe

    email = client_user.email
    customer_id = billing_stripe.customer_id_for(user=client_user)
    assert stripe.Customer.retrieve(customer_id).email == email
    with django_capture_on_commit_callbacks(execute=True):
        privacy.person_erase(user=client_user)
    local = Customer.objects.get(id=customer_id)
    assert local.email == "" and email not in json.dumps(local.stripe_data)
    remote = stripe.Customer.retrieve(customer_id)
    assert not remote.email
    assert remote.metadata["erased"] == "true"


def test_erasure_ends_sessions_too(client_user):
    from rest_framework.test import APIClient

    browser = APIClient()
    assert browser.login(email=client_user.email, password=PASSWORD)
    assert browser.get("/api/v1/me/").status_code == 200
    assert browser.post(ERASE, {"password": PASSWORD}, format="json").status_code == 202
    assert_error(browser.get("/api/v1/me/"), 401, "not_authenticated")
    assert not APIClient().login(email=client_user.email, password=PASSWORD)


def test_erasure_stops_a_timer_running_on_the_clients_work_for_review(
    client_api, client_user, assistant_api, assistant_user
):
    from assistants.models import BILLABLE, TimeEntryStatus

    task = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status="in_progress", category="bills"
    )
    factories.SubscriptionFactory(client=client_user)  # the time is billable
    started = assistant_api.post("/api/v1/timer/start/", {"task": task.pk}, format="json")
    assert started.status_code == 201, started.content
    answer = client_api.post(ERASE, {"password": PASSWORD}, format="json")
    assert answer.status_code == 202, answer.content
    entry = TimeEntry.objects.get(pk=started.json()["id"])
    assert entry.ended_at is not None and entry.status == TimeEntryStatus.NEEDS_REVIEW
    assert not TimeEntry.objects.filter(BILLABLE, pk=entry.pk).exists()  # not billed as is
    assert entry.events.filter(kind="timer_stopped", data__why="erasure").exists()
    # The assistant has nothing left running, and stopping now finds nothing.
    stop = assistant_api.post("/api/v1/timer/stop/", format="json")
    assert_error(stop, 409, "no_running_timer")
    task.refresh_from_db()
    assert task.category == "" and task.status == TaskStatus.CANCELLED
