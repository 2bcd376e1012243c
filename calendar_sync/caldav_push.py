"""Pushes a user's tasks to their CalDAV calendar, by UID.

Each event is one resource named by its UID, so writing it again replaces it; a record of
what was pushed (with a hash of its content) makes repeated runs no-ops. Run only by jobs.
"""

import contextlib
import hashlib
import logging
from urllib.parse import urlsplit

import caldav
import niquests
from caldav.lib import error as caldav_error
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from niquests.packages.urllib3.contrib.resolver.in_memory import InMemoryResolver

from calendar_sync import ics, importer, selectors, services
from calendar_sync.models import CalDavAccount, PushedObject
from concierge.models import Task

log = logging.getLogger(__name__)


class PushError(Exception):
    pass


def _require_tls():
    return getattr(
        settings, "CALDAV_REQUIRE_TLS", not getattr(settings, "ALLOW_PRIVATE_FETCH", False)
    )


def pinned_session(url):
    """An HTTP session for caldav that reaches only the address vetted for `url`'s host.

    caldav speaks HTTP through niquests. Its resolver here knows one name, the account's
    host, mapped to the address that passed `importer.vetted_address`, so a second DNS
    answer (rebinding to a private address) is never asked for; and it follows no
    redirect, so the server cannot send the request (and the password) elsewhere. TLS
    still verifies the certificate against the host name.
    """
    parts = urlsplit(url)
    try:
        address = importer.vetted_address(parts)
    except importer.FetchError as exc:
        raise PushError(str(exc)) from exc
    resolver = InMemoryResolver()
    resolver.register(parts.hostname, address)
    session = niquests.Session(resolver=resolver)
    session.max_redirects = 0
    return session


def open_calendar(account):
    """The account's calendar (created when missing)."""
    client = caldav.DAVClient(
        url=account.url,
        username=account.username,
        password=services.caldav_password_reveal(account=account, purpose="caldav push"),
        timeout=getattr(settings, "CALENDAR_FETCH_TIMEOUT", 10),
        enable_rfc6764=False,
        require_tls=_require_tls(),
    )
    client.session.close()
    client.session = pinned_session(account.url)
    principal = client.principal()
    try:
        return principal.calendar(name=account.calendar)
    except caldav_error.NotFoundError:
        return principal.make_calendar(name=account.calendar)


def desired_objects(account, task):
    """{uid: ics bytes} of `task` on the account owner's calendar (empty if not shown)."""
    owner = account.user
    if task is None or not selectors.calendar_tasks_of(owner).filter(pk=task.pk).exists():
        return {}
    zone = owner.zone
    return {
        uid: ics.single_event_calendar(event, zone) for uid, event in ics.task_events(task, zone)
    }


def _content_hash(body):
    return hashlib.sha256(body).hexdigest()


def _apply(calendar, account, task_id, desired):
    """Makes the remote calendar hold exactly `desired` for this task: (written, deleted)."""
    existing = {p.uid: p for p in PushedObject.objects.filter(account=account, task_id=task_id)}
    written = deleted = 0
    for uid, body in desired.items():
        digest = _content_hash(body)
        record = existing.get(uid)
        if record is not None and record.content_hash == digest:
            continue
        calendar.add_event(body.decode(), increase_seqno=False)
        written += 1
        PushedObject.objects.update_or_create(
            account=account,
            uid=uid,
            defaults={"task_id": task_id, "content_hash": digest, "pushed_at": timezone.now()},
        )
    for uid, record in existing.items():
        if uid in desired:
            continue
        with contextlib.suppress(caldav_error.NotFoundError):
            calendar.event_by_uid(uid).delete()
        record.delete()
        deleted += 1
    return written, deleted


def _record(account, message):
    CalDavAccount.objects.filter(pk=account.pk).update(
        last_error=message[:2000], last_pushed_at=timezone.now()
    )


def _fail(account, exc):
    log.warning("CalDAV push for account %s failed: %s", account.pk, exc)
    _record(account, f"{exc.__class__.__name__}: {exc}")


def _run(account, task_ids, load_task):
    try:
        calendar = open_calendar(account)
        totals = [0, 0]
        for task_id in task_ids:
            desired = desired_objects(account, load_task(task_id))
            with transaction.atomic():
                written, deleted = _apply(calendar, account, task_id, desired)
            totals[0] += written
            totals[1] += deleted
    except niquests.TooManyRedirects:
        message = "The server answered with a redirect, which is not followed for safety: "
        _fail(account, PushError(message + "link the address it redirects to instead."))
        return None
    except (PushError, caldav_error.DAVError, OSError, ValueError) as exc:
        _fail(account, exc)
        return None
    _record(account, "")
    return tuple(totals)


def _load(task_id):
    return Task.objects.filter(pk=task_id).first()


def push_task(task_id):
    """Brings every linked calendar up to date with one task (also after it was deleted or
    left someone's calendar)."""
    task = _load(task_id)
    owners = {task.client_id, task.assignee_id} - {None} if task else set()
    accounts = CalDavAccount.objects.select_related("user").filter(
        pk__in=PushedObject.objects.filter(task_id=task_id).values("account_id")
    ) | CalDavAccount.objects.select_related("user").filter(user_id__in=owners)
    results = {}
    for account in accounts.distinct():
        results[account.pk] = _run(account, [task_id], lambda _id: task)
    return results


def push_account(account_id):
    """Pushes the whole calendar of one account (after it is linked)."""
    account = CalDavAccount.objects.select_related("user").filter(pk=account_id).first()
    if account is None:
        return None
    task_ids = set(selectors.calendar_tasks_of(account.user).values_list("id", flat=True))
    task_ids |= set(PushedObject.objects.filter(account=account).values_list("task_id", flat=True))
    return _run(account, sorted(task_ids), _load)
