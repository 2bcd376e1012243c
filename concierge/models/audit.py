"""The audit log: one row per write that has an actor, whatever its origin."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone

from concierge.platform.models import AppendOnly


class AuditOrigin(models.TextChoices):
    """Where a recorded write came from."""

    API = "api", "API"
    PORTAL = "portal", "portal"
    ADMIN = "admin", "admin"
    JOB = "job", "background job"
    WEBHOOK = "webhook", "payment webhook"
    COMMAND = "command", "command or shell"
    # The histories recorded before the audit log held them named no origin.
    UNRECORDED = "unrecorded", "not recorded"


class AuditLog(models.Model):
    """One record of who did what to which object, from where, and what changed
    (`concierge.audit.record`, in the transaction of the write). Written once, never
    changed; an erasure redacts the erased person's name and the text about them (the one
    exception). The histories of tasks, time entries, subscriptions and invoices are views
    of it (`concierge.platform.history`)."""

    at = models.DateTimeField(default=django_timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Null: the service itself (a job's own decision).",
    )
    actor_name = models.CharField(max_length=301, blank=True)  # as they were named then
    about = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person the changed object describes (their profile, their time off), "
        "whose details an erasure takes out of `changes`.",
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=100)  # the model's label, "assistants.timeoff"
    target_id = models.BigIntegerField()
    changes = models.JSONField(default=dict, blank=True)  # {field: [old, new]}
    note = models.TextField(blank=True, help_text="Why, in the actor's words (a reason).")
    data = models.JSONField(
        default=dict, blank=True, help_text="Facts of the action that change no field."
    )
    external_event = models.CharField(
        max_length=255, blank=True, help_text="The payment provider's event that caused it."
    )
    origin = models.CharField(max_length=16, choices=AuditOrigin.choices)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_time"),
            models.Index(fields=["actor", "-at"], name="audit_actor_time"),
            models.Index(fields=["-at", "-id"], name="audit_time"),
        ]
        constraints = [
            # A payment provider's event is applied to an invoice once (the webhook looks
            # for it under the invoice's lock; this holds it whatever the path).
            models.UniqueConstraint(
                fields=["target_type", "target_id", "external_event"],
                condition=Q(target_type="billing.invoice") & ~Q(external_event=""),
                name="audit_invoice_external_event_once",
            ),
        ]

    def __str__(self):
        return f"{self.action} on {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("An audit record is written once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("An audit record is never deleted.")
