"""Pushes a user's tasks to their CalDAV calendar, by UID.

Each event is one resource named by its UID, so writing it again replaces it; a record of
what was pushed (with a hash of its content) makes repeated runs no-ops. Run only by jobs.
"""

import contextlib
import hashlib
import logging

import niquests
from caldav.lib import error as caldav_error
from django.db import transaction
from django.utils import timezone

from calendar_sync import caldav_client, ics, selectors, services
from calendar_sync.models import CalDavAccount, PushedObject
from concierge.models import Task

log = logging.getLogger(__name__)


# The connection guard lives in caldav_client; re-exported for the push's readers.
pinned_session = caldav_client.pinned_session


def open_calendar(account):
    """The account's calendar, through the vetted address (CalDavProblem when the server,
    the credentials or the calendar are no longer right)."""
    return caldav_client.open_calendar(
        url=account.url,
        username=account.username,
        password=services.caldav_password_reveal(account=account, purpose="caldav push"),
        calendar=account.calendar,
    )


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


def _succeeded(account):
    """Only a push that worked moves `last_pushed_at`; it also ends a failure spell."""
    CalDavAccount.objects.filter(pk=account.pk).update(
        last_error="", last_pushed_at=timezone.now(), failing_since=None
    )


def _fail(account, message):
    """Record why the push failed; tell the owner once per failure spell (the first
    failure after a success or a relink), not on every push."""
    log.warning("CalDAV push for account %s failed: %s", account.pk, message)
    message = message[:2000]
    CalDavAccount.objects.filter(pk=account.pk).update(last_error=message)
    first = CalDavAccount.objects.filter(pk=account.pk, failing_since__isnull=True).update(
        failing_since=timezone.now()
    )
    if first:
        services.caldav_failure_tell(account=account, message=message)


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
    except caldav_client.CalDavProblem as exc:
        _fail(account, str(exc))
        return None
    except niquests.TooManyRedirects:
        _fail(
            account,
            "The server answered with a redirect, which is not followed for safety: "
            "link the address it redirects to instead.",
        )
        return None
    except (caldav_error.DAVError, OSError, ValueError) as exc:
        _fail(account, f"{exc.__class__.__name__}: {exc}")
        return None
    _succeeded(account)
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
