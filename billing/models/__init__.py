"""Plans, subscriptions, hour packs and invoices, one module per concern. BILLING.md is
the contract. Every model is importable from here, as Django and the migrations expect."""

from billing.models.amounts import (
    HALF_MILLI,
    STANDARD_VAT_RATE,
    ZERO,
    tax_rate_field,
)
from billing.models.credit_notes import (
    CreditNote,
    CreditNoteLine,
    CreditNoteNumberSequence,
    CreditNoteStatus,
)
from billing.models.history import (
    BillingEventSource,
    InvoiceEvent,
    InvoiceHistory,
    SubscriptionEvent,
    SubscriptionHistory,
)
from billing.models.invoices import (
    BillingDetails,
    Invoice,
    InvoicedEntry,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceReminder,
    InvoiceStatus,
    LineKind,
    SellerVersion,
)
from billing.models.plans import (
    PLAN_FIELDS,
    TERMS_FIELDS,
    Plan,
    PlanKind,
    PlanTerms,
)
from billing.models.subscriptions import (
    HourPack,
    Subscription,
    SubscriptionStatus,
    UsageAlert,
)

__all__ = [
    "HALF_MILLI",
    "PLAN_FIELDS",
    "STANDARD_VAT_RATE",
    "TERMS_FIELDS",
    "ZERO",
    "BillingDetails",
    "BillingEventSource",
    "CreditNote",
    "CreditNoteLine",
    "CreditNoteNumberSequence",
    "CreditNoteStatus",
    "HourPack",
    "Invoice",
    "InvoiceEvent",
    "InvoiceHistory",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceNumberSequence",
    "InvoiceReminder",
    "InvoiceStatus",
    "InvoicedEntry",
    "LineKind",
    "Plan",
    "PlanKind",
    "PlanTerms",
    "SellerVersion",
    "Subscription",
    "SubscriptionEvent",
    "SubscriptionHistory",
    "SubscriptionStatus",
    "UsageAlert",
    "tax_rate_field",
]
