"""Serializers of the billing API, one module per concern: the fields they share, plans,
subscriptions and usage, hour packs, the parties to an invoice (seller and buyer),
invoices, credit notes, the period close and the payment method. Every serializer is
importable from here (`from billing.api import serializers`)."""

from billing.api.serializers.close import (
    ClosePeriodSerializer,
    CloseResultSerializer,
    CloseStatusSerializer,
)
from billing.api.serializers.credit_notes import (
    CreditNoteBriefSerializer,
    CreditNoteLineSerializer,
    CreditNoteSerializer,
    credit_note_status_field,
)
from billing.api.serializers.fields import (
    BillingEventSerializer,
    PeriodField,
    money_field,
    tax_rate_field,
)
from billing.api.serializers.invoices import (
    InvoiceDetailSerializer,
    InvoiceEntrySerializer,
    InvoiceLineSerializer,
    InvoiceSerializer,
    InvoiceUsageSerializer,
    TaxBreakdownSerializer,
)
from billing.api.serializers.packs import PackBuySerializer, PackOfferSerializer, PackSerializer
from billing.api.serializers.parties import (
    BillingDetailsSerializer,
    InvoiceBuyerSerializer,
    InvoiceSellerSerializer,
    SellerSerializer,
)
from billing.api.serializers.payments import (
    PaymentErrorSerializer,
    PaymentMethodAttachSerializer,
    PaymentMethodSerializer,
    SetupIntentSerializer,
)
from billing.api.serializers.plans import (
    PlanBriefSerializer,
    PlanRefField,
    PlanSerializer,
    PlanTermsSerializer,
    TierSerializer,
)
from billing.api.serializers.subscriptions import (
    ManagerSubscribeSerializer,
    SpendCapSerializer,
    SubscribeSerializer,
    SubscriptionSerializer,
    UsageQuerySerializer,
    UsageSerializer,
)

__all__ = [
    "BillingDetailsSerializer",
    "BillingEventSerializer",
    "ClosePeriodSerializer",
    "CloseResultSerializer",
    "CloseStatusSerializer",
    "CreditNoteBriefSerializer",
    "CreditNoteLineSerializer",
    "CreditNoteSerializer",
    "InvoiceBuyerSerializer",
    "InvoiceDetailSerializer",
    "InvoiceEntrySerializer",
    "InvoiceLineSerializer",
    "InvoiceSellerSerializer",
    "InvoiceSerializer",
    "InvoiceUsageSerializer",
    "ManagerSubscribeSerializer",
    "PackBuySerializer",
    "PackOfferSerializer",
    "PackSerializer",
    "PaymentErrorSerializer",
    "PaymentMethodAttachSerializer",
    "PaymentMethodSerializer",
    "PeriodField",
    "PlanBriefSerializer",
    "PlanRefField",
    "PlanSerializer",
    "PlanTermsSerializer",
    "SellerSerializer",
    "SetupIntentSerializer",
    "SpendCapSerializer",
    "SubscribeSerializer",
    "SubscriptionSerializer",
    "TaxBreakdownSerializer",
    "TierSerializer",
    "UsageQuerySerializer",
    "UsageSerializer",
    "credit_note_status_field",
    "money_field",
    "tax_rate_field",
]
