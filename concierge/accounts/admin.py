from django.contrib import admin

from concierge.accounts.models import AccountSession, PendingEmail, RecoveryCode, TotpDevice


@admin.register(AccountSession)
class AccountSessionAdmin(admin.ModelAdmin):
    """API tokens and browser sessions in use; deleting one ends it at once. Only a
    digest of a token is stored: nothing here signs anyone in."""

    list_display = ["id", "user_email", "kind", "created_at", "last_used_at", "ip"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    readonly_fields = [
        "user",
        "kind",
        "created_at",
        "last_used_at",
        "authenticated_at",
        "ip",
        "user_agent",
    ]
    exclude = ["password_fingerprint"]

    @admin.display(description="user", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PendingEmail)
class PendingEmailAdmin(admin.ModelAdmin):
    """Addresses waiting for their owner's confirmation. Deleting a row verifies the
    address (an operator who checked it another way)."""

    list_display = ["email", "user", "created_at"]
    search_fields = ["email"]
    readonly_fields = ["user", "email", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    """Second factors. Deleting one (with the person's recovery codes: `manage.py
    mfa_reset EMAIL` does both) lets someone who lost theirs sign in with the password
    and set up a new one. The secret is never shown."""

    list_display = ["user", "created_at", "confirmed_at"]
    search_fields = ["user__email"]
    exclude = ["secret", "last_step"]
    readonly_fields = ["user", "created_at", "confirmed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(admin.ModelAdmin):
    """One-time codes, as digests only: whether each is used, nothing that signs in."""

    list_display = ["id", "user", "used_at"]
    search_fields = ["user__email"]
    exclude = ["digest"]
    readonly_fields = ["user", "used_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
