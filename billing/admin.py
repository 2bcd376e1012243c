from django.contrib import admin

from billing.models import (
    BillingDetails,
    CreditNote,
    CreditNoteLine,
    CreditNoteNumberSequence,
    HourPack,
    Invoice,
    InvoicedEntry,
    InvoiceEvent,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceReminder,
    Plan,
    PlanTerms,
    SellerVersion,
    Subscription,
    SubscriptionEvent,
    UsageAlert,
)
from concierge.admin import ReadOnlyAdminMixin


class PlanTermsInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PlanTerms
    extra = 0
    can_delete = False
    fields = ("effective_from", "monthly_fee", "included_minutes", "overage_tiers")
    readonly_fields = fields


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Prices are versioned by the plan services (never retroactive): here they are shown,
    and only the name (English and French) and whether the plan is offered can be changed."""

    list_display = [
        "code",
        "name",
        "name_fr",
        "kind",
        "monthly_fee",
        "currency",
        "included_minutes",
        "active",
    ]
    list_filter = ["kind", "active"]
    inlines = [PlanTermsInline]
    readonly_fields = [
        "code",
        "kind",
        "currency",
        "monthly_fee",
        "included_minutes",
        "rollover_cap_minutes",
        "rounding_increment_minutes",
        "overage_tiers",
    ]

    def has_add_permission(self, request):
        return False  # plans are created through the API (plan_create records their terms)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanTerms)
class PlanTermsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["plan", "effective_from", "monthly_fee", "included_minutes", "currency"]
    list_select_related = ["plan"]


class SubscriptionEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SubscriptionEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "source", "actor", "note")
    readonly_fields = fields


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a subscription's status, plan and closing state change only through the
    billing services, each status change with its event row."""

    list_display = [
        "client",
        "plan",
        "status",
        "start_date",
        "scheduled_plan",
        "cancel_at_period_end",
        "closed_through",
    ]
    list_filter = ["status", "plan"]
    list_select_related = ["client", "plan", "scheduled_plan"]
    raw_id_fields = ["client"]
    inlines = [SubscriptionEventInline]


@admin.register(SubscriptionEvent)
class SubscriptionEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "subscription", "action", "from_status", "to_status", "source"]
    list_filter = ["action", "source"]


@admin.register(HourPack)
class HourPackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: packs are bought, drawn by the period close and revoked by services."""

    list_display = ["client", "minutes", "remaining_minutes", "price", "purchased_at", "expires_at"]
    raw_id_fields = ["client"]


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = (
        "position",
        "kind",
        "description",
        "quantity_minutes",
        "unit_rate",
        "amount",
        "tax_rate",
        "tax_amount",
    )
    readonly_fields = fields


class InvoiceEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "source", "stripe_event_id")
    readonly_fields = fields


class InvoicedEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoicedEntry
    extra = 0
    can_delete = False
    fields = ("entry", "billed_minutes")
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: invoices are finalised (numbered) when made; payment moves through the
    invoice services (mark paid, Stripe), each change with its event row."""

    list_display = ["number", "client", "kind", "period_start", "status", "total", "currency"]
    list_filter = ["status", "kind"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "subscription", "hour_pack", "plan", "seller"]
    inlines = [InvoiceLineInline, InvoicedEntryInline, InvoiceEventInline]


@admin.register(InvoiceEvent)
class InvoiceEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "invoice", "action", "from_status", "to_status", "source"]
    list_filter = ["action", "source"]


@admin.register(InvoiceNumberSequence)
class InvoiceNumberSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: numbers are gapless only if nothing but the close hands them out."""

    list_display = ["year", "last_number"]


@admin.register(UsageAlert)
class UsageAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["client", "period_start", "threshold", "used_minutes", "created_at"]
    list_filter = ["threshold"]
    raw_id_fields = ["client", "subscription"]


@admin.register(SellerVersion)
class SellerVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a new version is recorded through `billing/seller/`; invoices point at
    the version they were issued with."""

    list_display = ["name", "siren", "vat_id", "created_at", "created_by"]


@admin.register(BillingDetails)
class BillingDetailsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["client", "name", "company", "updated_at"]
    raw_id_fields = ["client"]


class CreditNoteLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CreditNoteLine
    extra = 0
    can_delete = False
    fields = ("position", "description", "quantity_minutes", "amount", "tax_rate", "tax_amount")
    readonly_fields = fields


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: credit notes are issued by dispute decisions and settled through the
    API (a manager, or the Stripe refund job)."""

    list_display = ["number", "invoice", "client", "status", "total_incl_tax", "issued_at"]
    list_filter = ["status"]
    list_select_related = ["invoice", "client"]
    raw_id_fields = ["invoice", "client", "entry", "seller", "settled_by"]
    inlines = [CreditNoteLineInline]


@admin.register(CreditNoteNumberSequence)
class CreditNoteNumberSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: numbers are gapless only if nothing but the decisions hand them out."""

    list_display = ["year", "last_number"]


@admin.register(InvoiceReminder)
class InvoiceReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["invoice", "days_after_due", "created_at"]
    raw_id_fields = ["invoice"]
