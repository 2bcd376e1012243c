from django.contrib import admin

from billing.models import (
    HourPack,
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
    Plan,
    Subscription,
    UsageAlert,
)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "monthly_fee", "currency", "included_minutes", "active"]
    list_filter = ["kind", "active"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
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


@admin.register(HourPack)
class HourPackAdmin(admin.ModelAdmin):
    list_display = ["client", "minutes", "remaining_minutes", "price", "purchased_at", "expires_at"]
    raw_id_fields = ["client"]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "client", "kind", "period_start", "status", "total", "currency"]
    list_filter = ["status", "kind"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "subscription", "hour_pack", "plan"]
    inlines = [InvoiceLineInline]


@admin.register(InvoiceNumberSequence)
class InvoiceNumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["year", "last_number"]


@admin.register(UsageAlert)
class UsageAlertAdmin(admin.ModelAdmin):
    list_display = ["subscription", "period_start", "threshold", "used_minutes", "created_at"]
    list_filter = ["threshold"]
    raw_id_fields = ["subscription"]
