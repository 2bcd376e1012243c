"""Writes of the billing app, one module per concern: plans, subscriptions, their and
invoices' status machines (transitions), hour packs, invoices, the period close and usage
alerts. Every public service is importable from here (`from billing import services`)."""

from billing.services.alerts import ALERT_THRESHOLDS, usage_alerts_check, usage_alerts_on_time
from billing.services.close import (
    CLOSE_CHUNK,
    CLOSED_FIELDS,
    CloseResult,
    billing_period_close,
    close_one_period,
    close_pack_statements,
)
from billing.services.invoices import LegalMentions, invoice_mark_paid, payment_method_set
from billing.services.packs import (
    DEFAULT_PACKS,
    PACK_VALIDITY,
    hour_pack_restore,
    hour_pack_revoke,
    pack_offers,
    pack_purchase,
)
from billing.services.plans import SINCE_ALWAYS, plan_create, plan_update
from billing.services.subscriptions import (
    billable_room,
    check_plan_or_balance,
    check_spend_cap,
    subscription_cancel,
    subscription_change,
    subscription_create,
    subscription_set_spend_cap,
    subscriptions_pause_past_due,
)
from billing.services.transitions import (
    INVOICE_TRANSITIONS,
    SUBSCRIPTION_TRANSITIONS,
    invoice_transition,
    subscription_transition,
)

__all__ = [
    "ALERT_THRESHOLDS",
    "CLOSED_FIELDS",
    "CLOSE_CHUNK",
    "DEFAULT_PACKS",
    "INVOICE_TRANSITIONS",
    "PACK_VALIDITY",
    "SINCE_ALWAYS",
    "SUBSCRIPTION_TRANSITIONS",
    "CloseResult",
    "LegalMentions",
    "billable_room",
    "billing_period_close",
    "check_plan_or_balance",
    "check_spend_cap",
    "close_one_period",
    "close_pack_statements",
    "hour_pack_restore",
    "hour_pack_revoke",
    "invoice_mark_paid",
    "invoice_transition",
    "pack_offers",
    "pack_purchase",
    "payment_method_set",
    "plan_create",
    "plan_update",
    "subscription_cancel",
    "subscription_change",
    "subscription_create",
    "subscription_set_spend_cap",
    "subscription_transition",
    "subscriptions_pause_past_due",
    "usage_alerts_check",
    "usage_alerts_on_time",
]
