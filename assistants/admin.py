from typing import cast

from django.contrib import admin
from django.http import HttpRequest

from assistants.models import (
    AssistantProfile,
    ClientBrief,
    TimeEntry,
    TimeEntryEvent,
    TimeEntryQuerySet,
    TimeOff,
)
from assistants.rollup_models import TaskTimeRollup, TimeRollup
from concierge.admin import ReadOnlyAdminMixin


@admin.register(AssistantProfile)
class AssistantProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "active",
        "weekly_capacity_minutes",
        "workday_start",
        "workday_end",
        "cost_rate",
    ]
    list_filter = ["active"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["assistant", "starts_at", "ends_at", "reason"]
    list_select_related = ["assistant"]
    raw_id_fields = ["assistant", "created_by"]


class TimeEntryEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TimeEntryEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "data", "created_at"]


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: entries change only through the time services, which hold the rules
    (overlap, budget, balance, disputes, the lock once invoiced) and write the history."""

    inlines = [TimeEntryEventInline]
    list_display = [
        "assistant",
        "task",
        "started_at",
        "ended_at",
        "status",
        "billable",
        "invoice",
        "billed",
    ]
    list_filter = ["status", "billable", "source"]
    list_select_related = ["assistant", "task"]
    raw_id_fields = ["assistant", "task", "created_by"]
    date_hierarchy = "started_at"

    def get_queryset(self, request: HttpRequest) -> TimeEntryQuerySet:
        # The default manager's queryset, which the stubs know only as a QuerySet.
        return cast(TimeEntryQuerySet, super().get_queryset(request)).with_billing()

    @admin.display(description="invoice")
    def invoice(self, entry):
        return entry.invoice_id

    @admin.display(description="billed minutes")
    def billed(self, entry):
        return entry.billed_minutes


@admin.register(TimeEntryEvent)
class TimeEntryEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The time audit trail, read-only; it includes the history of deleted entries."""

    list_display = ["created_at", "entry_id", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    search_fields = ["actor__email"]
    readonly_fields = ["entry_id", "kind", "actor", "data", "created_at"]
    exclude = ["entry"]


@admin.register(ClientBrief)
class ClientBriefAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only here: the client and the managers write it in the portal, where each
    change is recorded in the audit log."""

    list_display = ["client", "updated_at", "updated_by"]
    list_select_related = ["client", "updated_by"]
    search_fields = ["client__email"]


@admin.register(TimeRollup)
class TimeRollupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The time rollup, read-only: derived from the entries by the services (and
    `manage.py rebuild_time_rollup`)."""

    list_display = ["day", "assistant", "client", "category", "entries", "logged", "billed_minutes"]
    list_select_related = ["assistant", "client"]
    date_hierarchy = "day"
    raw_id_fields = ["assistant", "client"]


@admin.register(TaskTimeRollup)
class TaskTimeRollupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The time rollup by task, read-only: derived from the entries as the time rollup is."""

    list_display = ["task", "assistant", "client", "first_started", "entries", "logged"]
    list_select_related = ["task", "assistant", "client"]
    date_hierarchy = "first_started"
    raw_id_fields = ["task", "assistant", "client"]
