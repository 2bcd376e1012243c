"""The job outbox: the one helper that queues any job, and the engine that runs it.

Jobs themselves live with their app (`<app>/jobs.py`); they take ids, re-read, and call a
service, and each is safe to run twice. This module knows nothing of them but their
dotted paths, and imports nothing of the domain.

How a job is never lost (the transactional outbox, `concierge.platform.models.OutboxJob`):

1. `enqueue` writes an outbox row in the caller's transaction, so the job commits or
   rolls back with the write that calls for it.
2. After commit the row is handed to django-q2 (`dispatch`). This is best effort: a
   broker that is down is logged, never raised, so a write that succeeded answers
   success and the other after-commit work of the transaction still runs.
3. `outbox_sweep` (a schedule, every minute) hands over again every row not done whose
   last hand-over is older than `OUTBOX_REDISPATCH_SECONDS` and whose lease has run out:
   what a Redis restarted empty forgot, what a killed qcluster had popped (django-q2's
   Redis broker pops without acknowledgement), what the broker refused during an outage.
4. A worker runs a row through `run_outbox_job`: it leases the row
   (`OUTBOX_LEASE_SECONDS`, above the cluster's timeout), runs the job, and marks it done.
   A second delivery of a row that is running or done does nothing, so every job runs
   at least once and, short of a worker dying between the job's effect and its marking,
   exactly once. Jobs whose effect lies outside the database use the row id as their
   intent's key (the e-mail Message-ID) or an idempotency key of their own (Stripe).

Why an outbox rather than django-q2's ORM broker for must-deliver work: the ORM broker
would also record the job in the transaction (when it uses the same database) and
re-deliver it after `retry`, but every job would then wait for the cluster's database
poll instead of Redis's blocking pop, a job would run twice whenever it outlives `retry`,
and nothing would say which jobs ran: its rows are deleted on acknowledgement. The
outbox keeps Redis as the fast path, adds one indexed INSERT per job to the write, makes
what is pending and what failed visible (admin: Outbox jobs), and works the same on
either broker (`make run` uses the ORM broker).
"""

from __future__ import annotations

import datetime
import logging
import traceback
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.tasks import async_task

if TYPE_CHECKING:
    from concierge.platform.models import OutboxJob

log = logging.getLogger(__name__)
Job = TypeVar("Job", bound=Callable[..., Any])

RUNNER = "concierge.platform.outbox.run_outbox_job"


def enqueue(func: str, *args: Any, **kwargs: Any) -> OutboxJob:
    """Record the job `func` (a dotted path) with the current transaction and hand it to
    the job runner after commit. Arguments must be JSON values (ids, not objects).

    Nothing runs for work that rolls back; outside a transaction the row is written and
    handed over at once. Returns the outbox row.
    """
    from concierge.platform.models import OutboxJob

    job = OutboxJob.objects.create(func=func, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: dispatch(job.pk), robust=True)
    return job


def enqueue_once(func: str, *args: Any) -> OutboxJob | None:
    """`enqueue`, unless the same job with the same arguments is already waiting (not
    leased by a worker yet): for jobs that re-read everything, such as a calendar push
    after each save of a task, one waiting run covers every change before it."""
    from concierge.platform.models import OutboxJob

    waiting = OutboxJob.objects.filter(
        func=func, args=list(args), done_at__isnull=True, claimed_until__isnull=True
    )
    if waiting.exists():
        return None
    return enqueue(func, *args)


def dispatch(job_id: int) -> bool:
    """Hand one outbox row to django-q2. Never raises: a broker error is logged and the
    sweep hands the row over again later."""
    try:
        async_task(RUNNER, job_id)
    except Exception:
        log.warning(
            "job %s not handed to the broker now; the outbox sweep will retry",
            job_id,
            exc_info=True,
        )
        return False
    return True


def outbox_retry(*, job_ids: Iterable[int]) -> int:
    """An operator hands failed or stuck jobs over again, with a fresh count of attempts.
    Jobs already done are left alone. Returns how many were handed over."""
    from concierge.platform.models import OutboxJob

    ids = list(
        OutboxJob.objects.filter(pk__in=job_ids, done_at__isnull=True).values_list("pk", flat=True)
    )
    OutboxJob.objects.filter(pk__in=ids).update(attempts=0, claimed_until=None)
    return sum(1 for job_id in ids if dispatch(job_id))


def keyed_by_intent(func: Job) -> Job:
    """Mark a job that takes `intent=<outbox row id>`: the key of the one effect it has
    outside the database (`run_outbox_job` passes it)."""
    func.keyed_by_intent = True  # type: ignore[attr-defined]  # a mark on the function object, read by run_outbox_job
    return func


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def run_outbox_job(job_id: int) -> Any:
    """Worker side: lease the row, run its job, mark it done. A row that is done, or
    leased by another worker, is left alone (a repeated delivery). A job that raises is
    retried by the sweep after a back-off, up to `OUTBOX_MAX_ATTEMPTS` attempts."""
    from concierge.platform.models import OutboxJob

    now = timezone.now()
    lease = now + datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    claimed = (
        OutboxJob.objects.filter(pk=job_id, done_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        log.info("job %s is done or running elsewhere: nothing to do", job_id)
        return None
    job = OutboxJob.objects.get(pk=job_id)
    try:
        func = import_string(job.func)
        kwargs = dict(job.kwargs)
        if getattr(func, "keyed_by_intent", False):
            kwargs["intent"] = job.pk
        result = func(*job.args, **kwargs)
    except Exception:
        OutboxJob.objects.filter(pk=job_id).update(
            claimed_until=timezone.now() + _backoff(job.attempts),
            last_error=traceback.format_exc()[-4000:],
        )
        if job.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            log.error(
                "job %s (%s) failed %s times: left for an operator (admin: Outbox jobs)",
                job_id,
                job.func,
                job.attempts,
            )
        raise
    OutboxJob.objects.filter(pk=job_id).update(done_at=timezone.now(), claimed_until=None)
    return result


def outbox_sweep(now: datetime.datetime | None = None) -> int:
    """Hand over again every outbox row not done that the broker may have lost (see the
    module's docstring); delete done rows older than `OUTBOX_KEEP_DAYS`. Safe to run at
    any time and twice: a row handed over twice runs once. Returns how many were handed."""
    from concierge.platform.models import OutboxJob

    now = now or timezone.now()
    due = (
        OutboxJob.objects.filter(
            done_at__isnull=True,
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
            dispatched_at__lte=now - datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS),
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("id")
        .values_list("pk", flat=True)
    )
    handed = 0
    for job_id in list(due[: settings.OUTBOX_SWEEP_BATCH]):
        if not dispatch(job_id):
            break  # the broker is down: the next sweep tries again
        OutboxJob.objects.filter(pk=job_id).update(dispatched_at=now)
        handed += 1
    keep = now - datetime.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    OutboxJob.objects.filter(done_at__lt=keep).delete()
    return handed
