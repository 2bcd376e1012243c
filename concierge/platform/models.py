"""The platform's tables: the job outbox and the answers kept for idempotency keys. They
belong to the concierge app (their migrations are its migrations) and are re-exported by
`concierge.models`; they point at no domain table but the user model, by its setting."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone


class AppendOnly(Exception):
    """Raised on changing or deleting a row that is written once (an audit record, a
    history, a vault reveal)."""


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an `Idempotency-Key`, replayed on repeats."""

    # The (user, key) constraint's index serves the foreign key too.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class OutboxJob(models.Model):
    """A job recorded in the same transaction as the write that calls for it.

    The transactional outbox (`concierge.platform.outbox.enqueue`): the row commits or rolls back
    with the write, so work is never lost when the broker is down or the process dies
    right after COMMIT, and never done for a write that rolled back. After commit the row
    is handed to django-q2 (best effort); `concierge.platform.outbox.outbox_sweep` hands it again
    until a worker has run it (`done_at`). A worker leases the row (`claimed_until`)
    before running it, so two deliveries of the same row never run it twice at once, and
    a row done is never run again. The row's id is the intent's key.
    """

    func = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=django_timezone.now)
    # Last handed to the broker (on commit, then by each sweep that found it waiting).
    dispatched_at = models.DateTimeField(default=django_timezone.now)
    # A worker runs it until then; a worker that died lets the lease run out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The sweep reads only the rows not done yet.
            models.Index(
                fields=["dispatched_at"],
                condition=Q(done_at__isnull=True),
                name="outbox_job_pending",
            ),
            # Cleaning up old done rows.
            models.Index(
                fields=["done_at"], condition=Q(done_at__isnull=False), name="outbox_job_done"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.func} #{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
