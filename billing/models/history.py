"""Subscriptions' and invoices' histories: views of the audit log
(`concierge.platform.history`)."""

from enum import StrEnum

from django.db import models

from billing.models.invoices import Invoice
from billing.models.subscriptions import Subscription
from concierge.platform.history import HistoryView


class BillingEventSource(models.TextChoices):
    """What caused a change of a subscription's or an invoice's status."""

    CLIENT = "client", "Client"
    MANAGER = "manager", "Manager"
    JOB = "job", "Job"
    WEBHOOK = "webhook", "Stripe webhook"
    CHARGE = "charge", "Charge attempt"


class SubscriptionHistory(StrEnum):
    """The actions of a subscription's history (audit log actions; `SubscriptionEvent.action`
    without `subscription.`): the status machine's moves and the requests on record."""

    SUBSCRIBE = "subscription.subscribe"
    SCHEDULE_PLAN = "subscription.schedule_plan"
    CANCEL = "subscription.cancel"
    PAYMENT_FAILED = "subscription.payment_failed"
    PAUSE = "subscription.pause"
    SETTLE = "subscription.settle"
    END = "subscription.end"


class InvoiceHistory(StrEnum):
    """The actions of an invoice's history (`InvoiceEvent.action` without `invoice.`);
    `stripe_event` keeps a payment event that moved nothing, so a repeat is recognised."""

    ISSUE = "invoice.issue"
    PAY = "invoice.pay"
    ACTION_REQUIRED = "invoice.action_required"
    VOID = "invoice.void"
    STRIPE_EVENT = "invoice.stripe_event"


class _BillingEvent(HistoryView):
    """A subscription's or an invoice's history: the audit log's records about it (a view;
    written by `concierge.audit.record`, `source` in the record's data)."""

    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    source = models.CharField(max_length=8, choices=BillingEventSource)
    # The Stripe event (`evt_…`) applied, when a webhook caused it (once per invoice: the
    # audit log's constraint).
    stripe_event_id = models.CharField(max_length=255)
    note = models.TextField()

    class Meta(HistoryView.Meta):
        abstract = True
        ordering = ["created_at", "id"]


class SubscriptionEvent(_BillingEvent):
    """A subscription's history."""

    target_type = "billing.subscription"
    actions = SubscriptionHistory
    prefix = "subscription."
    target = "subscription"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )

    class Meta(_BillingEvent.Meta):
        db_table = "billing_subscriptionevent"

    def __str__(self):
        return f"subscription {self.subscription_id}: {self.from_status} → {self.to_status}"


class InvoiceEvent(_BillingEvent):
    """An invoice's history; a Stripe event is applied once."""

    target_type = "billing.invoice"
    actions = InvoiceHistory
    prefix = "invoice."
    target = "invoice"

    invoice = models.ForeignKey(
        Invoice, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )

    class Meta(_BillingEvent.Meta):
        db_table = "billing_invoiceevent"

    def __str__(self):
        return f"invoice {self.invoice_id}: {self.from_status} → {self.to_status}"
