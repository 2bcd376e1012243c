from django.contrib import admin

from calendar_sync.models import (
    BusyInterval,
    CalDavAccount,
    CalendarFeed,
    IcsSubscription,
    PushedObject,
    SecretReveal,
)
from concierge.admin import ReadOnlyAdminMixin


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "name", "token_hint", "created_at", "revoked_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["token_hash", "token_hint"]


@admin.register(IcsSubscription)
class IcsSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "name", "status", "last_fetched_at", "busy_count"]
    list_filter = ["status"]
    raw_id_fields = ["user"]


@admin.register(BusyInterval)
class BusyIntervalAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "starts_at", "ends_at"]
    raw_id_fields = ["user", "subscription"]


@admin.register(CalDavAccount)
class CalDavAccountAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "url",
        "username",
        "calendar",
        "last_pushed_at",
        "failing_since",
    ]
    list_filter = [("failing_since", admin.EmptyFieldListFilter)]
    raw_id_fields = ["user"]
    exclude = ["password_encrypted"]


@admin.register(SecretReveal)
class SecretRevealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: who revealed a CalDAV password, when and why."""

    list_display = ["id", "account", "purpose", "revealed_at"]
    raw_id_fields = ["account"]


@admin.register(PushedObject)
class PushedObjectAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "task_id", "uid", "pushed_at"]
    raw_id_fields = ["account"]
