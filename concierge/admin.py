from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from concierge import services
from concierge.models import (
    Attachment,
    AuditLog,
    Category,
    ClientProfile,
    IdempotencyRecord,
    Message,
    Notification,
    NotificationPreference,
    OutboxJob,
    Role,
    Task,
    TaskEvent,
    TokenSession,
    User,
    VaultDocument,
    VaultItem,
    VaultReveal,
)
from concierge.web.forms import SingleLineField


class ReadOnlyAdminMixin:
    """An audit table, or a record only services may change: the admin shows it and
    never adds, changes or deletes it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "timezone", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "role", "timezone"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "erased_at"]}),
    ]
    readonly_fields = ["erased_at"]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        """Only an operator (superuser) grants admin rights; a manager cannot raise their
        own or anyone's privileges. The manager role carries admin access (saving syncs
        staff status and the managers group), so it is an operator's to give or take."""
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        fields = ["is_staff", "is_superuser", "groups", "user_permissions", "last_login"]
        if obj is not None and obj.role == Role.MANAGER:
            fields.append("role")
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [c for c in db_field.choices if c[0] != Role.MANAGER]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # an operator's account is the operators' own business
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.user_staff_sync(user=obj)  # a manager gets the managers group, and so on


@admin.register(ClientProfile)
class ClientProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "primary_assistant", "backup_assistant"]
    list_select_related = ["user", "primary_assistant", "backup_assistant"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "primary_assistant", "backup_assistant"]


class TaskEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TaskEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "kind", "from_status", "to_status", "note", "data"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The vocabulary of tasks and skills. A category in use is retired (`active` off),
    never deleted, so old tasks keep reading their label."""

    list_display = ["code", "label", "label_fr", "active", "position"]
    list_editable = ["active", "position"]
    list_filter = ["active"]
    search_fields = ["code", "label", "label_fr"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []  # tasks and skills hold the code

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("label", "label_fr"):  # one line: labels reach e-mails
            kwargs["form_class"] = SingleLineField
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "client",
        "assignee",
        "status",
        "priority",
        "promised_due_at",
        "flagged_at",
    ]
    list_filter = ["status", "priority", ("flagged_at", admin.EmptyFieldListFilter), "category"]
    list_select_related = ["client", "assignee"]
    search_fields = ["title", "description", "client__email"]
    raw_id_fields = ["client", "assignee", "recurrence_parent"]
    date_hierarchy = "created_at"
    inlines = [TaskEventInline]
    # The status moves only through the transition services (row lock, event row).
    readonly_fields = [
        "status",
        "assigned_at",
        "delivered_at",
        "completed_at",
        "cancelled_at",
        "sequence",
    ]

    def get_readonly_fields(self, request, obj=None):
        # Once it exists, its client and category change only through the task services
        # (the time logged on it is summed by client and category).
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "client", "category"]

    def has_delete_permission(self, request, obj=None):
        return False  # a task's history, time and invoices hang on it; cancel it instead


@admin.register(TaskEvent)
class TaskEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: the task audit trail."""

    list_display = ["task", "kind", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["task", "actor"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "user", "method", "path", "status_code", "created_at"]
    raw_id_fields = ["user"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["task", "author", "internal", "created_at"]
    list_select_related = ["task", "author"]
    raw_id_fields = ["task", "author"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "subject", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__email", "subject"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email"]
    list_filter = ["kind", "email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(VaultItem)
class VaultItemAdmin(admin.ModelAdmin):
    """Metadata only: the ciphertext is not shown and secrets cannot be read or set here."""

    list_display = ["title", "kind", "client", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["client"]
    search_fields = ["title", "client__email"]
    fields = ("client", "title", "kind", "field_names", "notes", "created_at", "updated_at")
    readonly_fields = fields


@admin.register(TokenSession)
class TokenSessionAdmin(admin.ModelAdmin):
    """Sessions of tokens stored in plain text, before tokens were hashed: emptied by the
    accounts app's migration 0002 (AccountSession holds every session now)."""

    list_display = ["token_id", "last_used_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VaultReveal)
class VaultRevealAdmin(admin.ModelAdmin):
    """The audit trail, read-only: no one edits or deletes a reveal."""

    list_display = ["revealed_at", "item_title", "client", "revealed_by", "task", "purpose"]
    list_select_related = ["client", "revealed_by", "task"]
    search_fields = ["item_title", "purpose", "client__email", "revealed_by__email"]
    date_hierarchy = "revealed_at"
    readonly_fields = (
        "item_id",
        "item_title",
        "client",
        "revealed_by",
        "task",
        "purpose",
        "ip_address",
        "revealed_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxJob)
class OutboxJobAdmin(admin.ModelAdmin):
    """Jobs recorded with their writes: what is waiting, what failed and why."""

    list_display = ["id", "func", "created_at", "attempts", "claimed_until", "done_at"]
    list_filter = [("done_at", admin.EmptyFieldListFilter), "func"]
    search_fields = ["func"]
    readonly_fields = [
        "func",
        "args",
        "kwargs",
        "created_at",
        "dispatched_at",
        "claimed_until",
        "attempts",
        "last_error",
        "done_at",
    ]

    actions = ["hand_over_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Run the selected jobs again (those not done)")
    def hand_over_again(self, request, queryset):
        from concierge.platform.outbox import outbox_retry

        handed = outbox_retry(job_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{handed} job(s) handed to the job runner.")


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who did what: the audit log, read-only (also at /app/audit/ and GET audit-log/)."""

    list_display = ["at", "action", "target_type", "target_id", "actor_name", "origin"]
    list_filter = ["origin", "action", "target_type"]
    search_fields = ["action", "target_type", "actor_name"]
    date_hierarchy = "at"
    raw_id_fields = ["actor", "about"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What is on a task, read-only, without the file: files are read through the checks
    of the API and the portal, and added or deleted by their services."""

    list_display = ["name", "task", "uploaded_by", "content_type", "size", "created_at"]
    list_filter = ["deliverable", "content_type"]
    list_select_related = ["task", "uploaded_by"]
    search_fields = ["name", "task__title"]
    fields = (
        "task",
        "message",
        "name",
        "size",
        "content_type",
        "deliverable",
        "uploaded_by",
        "sha256",
        "scanned_at",
        "created_at",
    )
    readonly_fields = fields


@admin.register(VaultDocument)
class VaultDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Metadata only: the file is encrypted and revealed through the vault's rules."""

    list_display = ["item", "name", "content_type", "size", "created_at"]
    list_select_related = ["item"]
    fields = ("item", "name", "size", "content_type", "created_at")
    readonly_fields = fields
