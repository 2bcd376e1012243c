import datetime

import caldav
import icalendar
import pytest
import vobject

from calendar_sync import caldav_push, jobs, services
from calendar_sync.models import CalDavAccount, PushedObject, SecretReveal
from concierge.models import OutboxJob, TaskStatus
from concierge.platform import outbox
from tests import factories
from tests.calendar_sync.conftest import RADICALE_PASSWORD, RADICALE_USER
from tests.checks import assert_access_matrix, assert_error

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/calendar/caldav-accounts/"
DUE = datetime.datetime(2026, 7, 1, 15, 0, tzinfo=datetime.UTC)


def principal(base_url):
    """The radicale user's principal, through a separate client."""
    client = caldav.DAVClient(
        url=base_url,
        username=RADICALE_USER,
        password=RADICALE_PASSWORD,
        require_tls=False,
        enable_rfc6764=False,
    )
    return client.principal()


def make_calendar(base_url, name="Tasks"):
    """A calendar on the server, as its owner makes one before linking it."""
    return principal(base_url).make_calendar(name=name)


def remote_events(base_url, calendar="Tasks"):
    """{uid: icalendar event} as the server holds them, read with a separate client."""
    cal = principal(base_url).calendar(name=calendar)
    found = {}
    for obj in cal.events():
        parsed = icalendar.Calendar.from_ical(obj.data)
        for event in parsed.walk("VEVENT"):
            uid = str(event["UID"])
            assert uid not in found, f"duplicate {uid}"
            found[uid] = event
        assert vobject.readOne(obj.data).vevent.uid.value in found
    return found


@pytest.fixture
def linked(radicale, client_user, client_api, django_capture_on_commit_callbacks):
    make_calendar(radicale)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.post(
            ACCOUNTS,
            {
                "url": radicale,
                "username": RADICALE_USER,
                "password": RADICALE_PASSWORD,
                "calendar": "Tasks",
            },
            format="json",
        )
    assert resp.status_code == 201, resp.content
    return CalDavAccount.objects.get(pk=resp.json()["id"])


def test_link_account_password_encrypted(linked, client_api, radicale):
    assert RADICALE_PASSWORD not in linked.password_encrypted
    assert services.caldav_password_reveal(account=linked, purpose="test") == RADICALE_PASSWORD
    assert SecretReveal.objects.filter(account=linked, purpose="test").exists()
    assert SecretReveal.objects.filter(account=linked, purpose="caldav push").exists()
    body = client_api.get(ACCOUNTS).json()["results"]
    assert len(body) == 1 and "password" not in body[0] and "password_encrypted" not in body[0]
    assert body[0]["last_error"] == "" and body[0]["failing_since"] is None
    assert body[0]["last_pushed_at"] is not None
    assert remote_events(radicale) == {}  # nothing to push yet


def test_task_changes_pushed_after_commit(
    linked, client_user, radicale, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task = factories.TaskFactory(client=client_user, title="Passport", promised_due_at=DUE)
        factories.TaskFactory(client=client_user, title="undated")
        factories.TaskFactory(promised_due_at=DUE)  # another client's
    uid = f"task-{task.pk}-deadline@concierge.invalid"
    events = remote_events(radicale)
    assert list(events) == [uid]
    assert str(events[uid]["SUMMARY"]) == "Due: Passport"
    assert events[uid]["DTSTART"].dt == DUE

    with django_capture_on_commit_callbacks(execute=True):
        task.title = "Passport renewal"
        task.sequence = 1
        task.scheduled_start = DUE - datetime.timedelta(days=1)
        task.scheduled_end = DUE - datetime.timedelta(days=1, hours=-1)
        task.save()
    events = remote_events(radicale)
    assert set(events) == {uid, f"task-{task.pk}-appointment@concierge.invalid"}
    assert str(events[uid]["SUMMARY"]) == "Due: Passport renewal"
    assert int(events[uid]["SEQUENCE"]) == 1

    with django_capture_on_commit_callbacks(execute=True):
        task.status = TaskStatus.CANCELLED
        task.sequence = 2
        task.save()
    events = remote_events(radicale)
    assert {str(e["STATUS"]) for e in events.values()} == {"CANCELLED"}

    with django_capture_on_commit_callbacks(execute=True):
        task.scheduled_start = task.scheduled_end = None
        task.save()
    assert set(remote_events(radicale)) == {uid}

    task_id = task.pk
    with django_capture_on_commit_callbacks(execute=True):
        task.delete()
    assert remote_events(radicale) == {}
    assert not PushedObject.objects.filter(task_id=task_id).exists()


def test_push_is_idempotent(linked, client_user, radicale):
    task = factories.TaskFactory(client=client_user, promised_due_at=DUE)
    assert caldav_push.push_task(task.pk) == {linked.pk: (1, 0)}
    assert caldav_push.push_task(task.pk) == {linked.pk: (0, 0)}
    assert jobs.push_task(task.pk) == {linked.pk: (0, 0)}
    # even when the record of the push is lost, the same UID replaces the event
    PushedObject.objects.all().delete()
    assert caldav_push.push_task(task.pk) == {linked.pk: (1, 0)}
    assert caldav_push.push_account(linked.pk) == (0, 0)
    assert len(remote_events(radicale)) == 1
    assert PushedObject.objects.count() == 1


def test_assistant_calendar_follows_assignment(
    radicale, api_for, django_capture_on_commit_callbacks
):
    first, second = factories.AssistantFactory(), factories.AssistantFactory()
    make_calendar(radicale, "Work")
    account = CalDavAccount.objects.create(
        user=first,
        url=radicale,
        username=RADICALE_USER,
        password_encrypted=services.crypto.encrypt(RADICALE_PASSWORD),
        calendar="Work",
    )
    with django_capture_on_commit_callbacks(execute=True):
        task = factories.TaskFactory(
            assignee=first, status=TaskStatus.ASSIGNED, promised_due_at=DUE
        )
    assert len(remote_events(radicale, "Work")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        task.assignee = second
        task.save()
    assert remote_events(radicale, "Work") == {}
    assert not PushedObject.objects.filter(account=account).exists()


def test_existing_tasks_pushed_when_linking(
    radicale, client_user, client_api, django_capture_on_commit_callbacks
):
    factories.TaskFactory.create_batch(3, client=client_user, promised_due_at=DUE)
    make_calendar(radicale)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.post(
            ACCOUNTS,
            {
                "url": radicale,
                "username": RADICALE_USER,
                "password": RADICALE_PASSWORD,
                "calendar": "Tasks",
            },
            format="json",
        )
    assert resp.status_code == 201
    assert len(remote_events(radicale)) == 3
    # relinking replaces the credentials, it does not add a second account
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.post(
            ACCOUNTS,
            {
                "url": radicale,
                "username": RADICALE_USER,
                "password": RADICALE_PASSWORD,
                "calendar": "Tasks",
            },
            format="json",
        )
    assert resp.status_code == 200
    assert CalDavAccount.objects.count() == 1
    assert len(remote_events(radicale)) == 3


def _account(user, url):
    return CalDavAccount.objects.create(
        user=user,
        url=url,
        username=RADICALE_USER,
        password_encrypted=services.crypto.encrypt(RADICALE_PASSWORD),
        calendar="Tasks",
    )


def test_caldav_private_address_refused(settings, client_user, radicale):
    account = _account(client_user, radicale)
    settings.ALLOW_PRIVATE_FETCH = False
    assert caldav_push.push_account(account.pk) is None
    account.refresh_from_db()
    assert "private" in account.last_error


def _read_request(connection):
    """The request line of one HTTP request read off `connection` (headers consumed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode()


def test_push_connects_to_the_vetted_address_not_a_second_dns_answer(
    settings, client_user, raw_server, rebinding_dns
):
    """DNS rebinding: the name answers a public address when vetted and loopback when
    asked again. The push must connect to the vetted address (unreachable here) and never
    reach the loopback server, which would otherwise receive the account's password."""
    port, accepted, _ = raw_server
    settings.ALLOW_PRIVATE_FETCH = False
    settings.CALDAV_REQUIRE_TLS = False  # plain HTTP, so that only the address decides
    settings.CALENDAR_FETCH_TIMEOUT = 1
    lookups = rebinding_dns("caldav.example")
    factories.TaskFactory(client=client_user, promised_due_at=DUE)
    account = _account(client_user, f"http://caldav.example:{port}/")
    assert caldav_push.push_account(account.pk) is None
    account.refresh_from_db()
    assert account.last_error
    assert lookups == ["caldav.example"]
    assert accepted == []
    assert not PushedObject.objects.exists()


def test_push_follows_no_redirect(client_user, raw_server, radicale):
    """A server answering with a redirect gets no second request: the password and the
    calendar stay with the address the client linked."""
    port, _, behaviour = raw_server
    requests_seen = []

    def redirect(connection):
        requests_seen.append(_read_request(connection))
        connection.sendall(
            f"HTTP/1.1 301 Moved Permanently\r\nLocation: {radicale}\r\n"
            "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        connection.close()

    behaviour["handle"] = redirect
    factories.TaskFactory(client=client_user, promised_due_at=DUE)
    account = _account(client_user, f"http://127.0.0.1:{port}/dav/")
    assert caldav_push.push_account(account.pk) is None
    account.refresh_from_db()
    assert "redirect" in account.last_error and "link the address" in account.last_error
    assert len(requests_seen) == 1 and " /dav/ " in requests_seen[0]
    with pytest.raises(caldav.lib.error.NotFoundError):
        remote_events(radicale)  # nothing reached the redirect's target
    assert not PushedObject.objects.exists()


def test_push_queued_only_for_linked_users(
    client_user, other_client_user, monkeypatch, django_capture_on_commit_callbacks
):
    dispatched = []
    monkeypatch.setattr(outbox, "dispatch", dispatched.append)
    pushes = OutboxJob.objects.filter(func="calendar_sync.jobs.push_task")
    CalDavAccount.objects.create(
        user=other_client_user, url="https://d.test/", username="u", password_encrypted="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        factories.TaskFactory(client=client_user, promised_due_at=DUE)
    assert not pushes.exists() and dispatched == []
    with django_capture_on_commit_callbacks(execute=True):
        task = factories.TaskFactory(client=other_client_user, promised_due_at=DUE)
        task.title = "Saved twice in one transaction: one push"
        task.save()
    (push,) = pushes
    assert push.args == [task.pk] and dispatched == [push.pk]
    with django_capture_on_commit_callbacks(execute=False):
        later = factories.TaskFactory(client=other_client_user, promised_due_at=DUE)
    # Recorded with the task's transaction, handed to the job runner only after commit.
    assert pushes.filter(args=[later.pk]).exists() and dispatched == [push.pk]


def test_accounts_matrix_and_validation(anon_api, client_api, other_client_api, client_user):
    CalDavAccount.objects.create(
        user=client_user,
        url="https://dav.example.test/",
        username="u",
        password_encrypted=services.crypto.encrypt("p"),
        calendar="c",
    )
    assert_access_matrix(method="get", url=ACCOUNTS, anonymous=anon_api)
    assert_access_matrix(method="post", url=ACCOUNTS, anonymous=anon_api)
    assert other_client_api.get(ACCOUNTS).json()["results"] == []
    body = assert_error(client_api.post(ACCOUNTS, {"url": "nope"}, format="json"), 400, "invalid")
    assert {"url", "username", "password", "calendar"} <= set(body["fields"])


@pytest.mark.parametrize("size", [1, 5])
def test_accounts_list_queries(size, api_for, django_assert_num_queries):
    users = [factories.ClientFactory() for _ in range(size)]
    for user in users:
        CalDavAccount.objects.create(
            user=user, url="https://d.test/", username="u", password_encrypted="x", calendar="c"
        )
    api = api_for(users[0])
    with django_assert_num_queries(3):
        assert api.get(ACCOUNTS).json()["count"] == 1


def test_link_private_address_refused(settings, client_api):
    settings.ALLOW_PRIVATE_FETCH = False
    resp = client_api.post(
        ACCOUNTS,
        {"url": "http://127.0.0.1:5232/", "username": "u", "password": "p", "calendar": "c"},
        format="json",
    )
    assert_error(resp, 400, "url_not_allowed")
    assert not CalDavAccount.objects.exists()
