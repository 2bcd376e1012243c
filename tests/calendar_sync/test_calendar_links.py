"""Calendar links that tell the truth: a CalDAV account is checked against the server when
it is linked or changed (against a real radicale), a failing one is reported to its owner
once, and accounts and outside calendars can be changed and removed."""

import datetime

import pytest
from django.core import mail

from calendar_sync import caldav_push, services
from calendar_sync.models import (
    BusyInterval,
    CalDavAccount,
    FetchStatus,
    IcsSubscription,
    PushedObject,
    SecretReveal,
)
from concierge.models import Notification, NotificationKind
from tests import factories
from tests.calendar_sync.conftest import RADICALE_PASSWORD, RADICALE_USER
from tests.calendar_sync.test_caldav import make_calendar, remote_events
from tests.calendar_sync.test_import import vcal, vevent
from tests.checks import assert_access_matrix, assert_error

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/calendar/caldav-accounts/"
SUBS = "/api/v1/calendar/subscriptions/"
DUE = datetime.datetime(2027, 7, 1, 15, 0, tzinfo=datetime.UTC)


def link(api, url, password=RADICALE_PASSWORD, calendar="Tasks"):
    return api.post(
        ACCOUNTS,
        {"url": url, "username": RADICALE_USER, "password": password, "calendar": calendar},
        format="json",
    )


@pytest.fixture
def account(radicale, client_api, django_capture_on_commit_callbacks):
    make_calendar(radicale, "Tasks")
    with django_capture_on_commit_callbacks(execute=True):
        resp = link(client_api, radicale)
    assert resp.status_code == 201, resp.content
    return CalDavAccount.objects.get(pk=resp.json()["id"])


def failures_told(user):
    return Notification.objects.filter(user=user, kind=NotificationKind.CALENDAR_FAILING).count()


def test_wrong_password_refused_at_once(radicale, client_api, django_capture_on_commit_callbacks):
    make_calendar(radicale, "Tasks")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        body = assert_error(link(client_api, radicale, password="wrong"), 400, "caldav_auth_failed")
    assert "password" in body["fields"]
    assert not CalDavAccount.objects.exists() and callbacks == []


def test_missing_calendar_refused_at_once(radicale, client_api):
    make_calendar(radicale, "Home")
    body = assert_error(
        link(client_api, radicale, calendar="Tasks"), 400, "caldav_calendar_not_found"
    )
    assert "Tasks" in body["detail"] and "Home" in body["detail"]  # what there is instead
    assert "calendar" in body["fields"]
    assert not CalDavAccount.objects.exists()
    with pytest.raises(Exception, match="No calendar"):
        remote_events(radicale, "Tasks")  # nothing was created behind the owner's back


def test_unreachable_server_refused(client_api):
    from tests.peers import free_port

    resp = link(client_api, f"http://127.0.0.1:{free_port()}/")
    assert_error(resp, 400, "caldav_unreachable")
    assert not CalDavAccount.objects.exists()


def test_failure_reported_once_and_last_pushed_at_only_on_success(
    account, client_user, radicale, client_api, django_capture_on_commit_callbacks
):
    task = factories.TaskFactory(client=client_user, promised_due_at=DUE)
    assert caldav_push.push_task(task.pk) == {account.pk: (1, 0)}
    account.refresh_from_db()
    pushed_at = account.last_pushed_at
    assert pushed_at is not None

    # The password was changed on the server: pushes fail from now on.
    CalDavAccount.objects.filter(pk=account.pk).update(
        password_encrypted=services.crypto.encrypt("changed-elsewhere")
    )
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert caldav_push.push_account(account.pk) is None
    account.refresh_from_db()
    assert account.last_pushed_at == pushed_at  # a failure is not a push
    assert "refused" in account.last_error and account.failing_since is not None
    assert failures_told(client_user) == 1
    assert [m.subject for m in mail.outbox] == ["Your linked calendar is not being updated"]
    listed = client_api.get(ACCOUNTS).json()["results"][0]
    assert listed["failing_since"] is not None and listed["last_error"] == account.last_error

    # A PATCH with a wrong password is refused and changes nothing stored.
    assert_error(
        client_api.patch(f"{ACCOUNTS}{account.pk}/", {"password": "nope"}, format="json"),
        400,
        "caldav_auth_failed",
    )
    # The right one is checked, kept, and the next push works and ends the spell.
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.patch(
            f"{ACCOUNTS}{account.pk}/", {"password": RADICALE_PASSWORD}, format="json"
        )
    assert resp.status_code == 200, resp.content
    account.refresh_from_db()
    assert account.failing_since is None and account.last_error == ""
    assert account.last_pushed_at > pushed_at
    assert services.caldav_password_reveal(account=account, purpose="test") == RADICALE_PASSWORD

    # A new failure after that is a new spell: told again, once.
    CalDavAccount.objects.filter(pk=account.pk).update(
        password_encrypted=services.crypto.encrypt("changed-again")
    )
    caldav_push.push_account(account.pk)
    caldav_push.push_account(account.pk)
    assert failures_told(client_user) == 2


def test_patch_checks_the_new_calendar_with_the_stored_password(
    account, client_user, radicale, client_api, django_capture_on_commit_callbacks
):
    task = factories.TaskFactory(client=client_user, promised_due_at=DUE)
    caldav_push.push_task(task.pk)
    assert len(remote_events(radicale, "Tasks")) == 1
    assert_error(
        client_api.patch(f"{ACCOUNTS}{account.pk}/", {"calendar": "Work"}, format="json"),
        400,
        "caldav_calendar_not_found",
    )
    account.refresh_from_db()
    assert account.calendar == "Tasks"
    make_calendar(radicale, "Work")
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.patch(f"{ACCOUNTS}{account.pk}/", {"calendar": "Work"}, format="json")
    assert resp.status_code == 200 and resp.json()["calendar"] == "Work"
    assert len(remote_events(radicale, "Work")) == 1  # pushed to the new calendar
    assert SecretReveal.objects.filter(account=account, purpose="caldav relink check").exists()


def test_delete_removes_the_secret_and_stops_pushes(
    account, client_user, radicale, client_api, monkeypatch, django_capture_on_commit_callbacks
):
    task = factories.TaskFactory(client=client_user, promised_due_at=DUE)
    caldav_push.push_task(task.pk)
    assert PushedObject.objects.filter(account=account).exists()
    assert client_api.delete(f"{ACCOUNTS}{account.pk}/").status_code == 204
    assert not CalDavAccount.objects.exists() and not PushedObject.objects.exists()
    assert client_api.get(ACCOUNTS).json()["count"] == 0

    from calendar_sync import jobs

    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda func, *args: queued.append(func))
    with django_capture_on_commit_callbacks(execute=True):
        task.title = "Changed"
        task.save()
    assert queued == []  # nothing left to push to
    assert caldav_push.push_task(task.pk) == {}
    assert caldav_push.push_account(account.pk) is None
    assert len(remote_events(radicale)) == 1  # what was on the calendar stays the owner's


def test_account_access(anon_api, client_user, client_api, other_client_api):
    account = CalDavAccount.objects.create(
        user=client_user,
        url="https://dav.example.test/",
        username="u",
        password_encrypted=services.crypto.encrypt("p"),
        calendar="c",
    )
    url = f"{ACCOUNTS}{account.pk}/"
    assert_access_matrix(method="patch", url=url, anonymous=anon_api, hidden=[other_client_api])
    assert_access_matrix(method="delete", url=url, anonymous=anon_api, hidden=[other_client_api])
    assert CalDavAccount.objects.filter(pk=account.pk).exists()
    assert_error(client_api.patch(url, {"url": "not a url"}, format="json"), 400, "invalid")


# Outside calendar subscriptions ------------------------------------------------------------


def soon(days):
    """An instant `days` ahead, inside the import window, as an ICS UTC time."""
    day = datetime.datetime.now(tz=datetime.UTC).date() + datetime.timedelta(days=days)
    return f"{day:%Y%m%d}T090000Z"


def test_subscription_patch_and_delete(
    ics_server,
    client_user,
    client_api,
    other_client_api,
    anon_api,
    django_capture_on_commit_callbacks,
):
    first = ics_server("/a.ics", vcal(vevent("a", f"DTSTART:{soon(1)}", "DURATION:PT1H")))
    second = ics_server(
        "/b.ics",
        vcal(
            vevent("b1", f"DTSTART:{soon(2)}", "DURATION:PT1H"),
            vevent("b2", f"DTSTART:{soon(3)}", "DURATION:PT1H"),
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.post(SUBS, {"url": first, "name": "Work"}, format="json")
    sub = IcsSubscription.objects.get(pk=resp.json()["id"])
    url = f"{SUBS}{sub.pk}/"
    assert BusyInterval.objects.filter(subscription=sub).count() == 1
    assert_access_matrix(method="patch", url=url, anonymous=anon_api, hidden=[other_client_api])
    assert_access_matrix(method="delete", url=url, anonymous=anon_api, hidden=[other_client_api])

    resp = client_api.patch(url, {"name": "Office"}, format="json")
    assert resp.json()["name"] == "Office" and resp.json()["busy_count"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.patch(url, {"url": second}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == FetchStatus.NEVER
    sub.refresh_from_db()
    assert sub.status == FetchStatus.OK and sub.busy_count == 2
    starts = sorted(
        b.starts_at.strftime("%Y%m%dT%H%M%SZ")
        for b in BusyInterval.objects.filter(subscription=sub)
    )
    assert starts == [soon(2), soon(3)]  # the old address's busy times are gone

    assert_error(
        client_api.patch(url, {"url": "ftp://example.test/cal.ics"}, format="json"),
        400,
        "url_not_allowed",
    )
    assert client_api.delete(url).status_code == 204
    assert not IcsSubscription.objects.exists()
    assert not BusyInterval.objects.filter(user=client_user).exists()
    assert_error(client_api.delete(url), 404, "not_found")


def test_a_refresh_finishing_after_the_address_changed_is_dropped(
    ics_server, client_user, monkeypatch
):
    old = ics_server("/old.ics", vcal(vevent("o", f"DTSTART:{soon(1)}", "DURATION:PT1H")))
    sub = IcsSubscription.objects.create(user=client_user, url=old)
    fetch = services.importer.fetch

    def fetch_then_move(address):
        body = fetch(address)
        IcsSubscription.objects.filter(pk=sub.pk).update(url=address + "?moved")
        return body

    monkeypatch.setattr(services.importer, "fetch", fetch_then_move)
    services.subscription_refresh(subscription_id=sub.pk)
    assert not BusyInterval.objects.filter(subscription=sub).exists()
    sub.refresh_from_db()
    assert sub.status == FetchStatus.NEVER  # nothing recorded against the new address
