"""The core domain: people and their roles, clients, tasks and their history."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    Group,
    PermissionsMixin,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _

from concierge import errors, zones
from concierge.attachments.storage import (
    attachment_path,
    attachment_storage,
    thumbnail_path,
    vault_document_path,
)
from concierge.crypto import CiphertextField

# The platform's tables are concierge's too (and its migrations'): named from here as well.
from concierge.platform.models import IdempotencyRecord as IdempotencyRecord
from concierge.platform.models import OutboxJob as OutboxJob


def validate_timezone(value):
    """One of the zones people live in (concierge/zones.py), or UTC."""
    if zones.is_valid_zone(value):
        return
    instead = zones.canonical(value) if isinstance(value, str) else None
    if instead:
        message = _("“%(zone)s” is a legacy name: choose “%(instead)s”, its current name.") % {
            "zone": value,
            "instead": instead,
        }
    else:
        message = _(
            "“%(zone)s” is not the time zone of a place: choose one like “Europe/Paris”, or “UTC”."
        ) % {"zone": value}
    raise ValidationError(message, code=errors.Code.INVALID_TIMEZONE)


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    ASSISTANT = "assistant", "Assistant"
    MANAGER = "manager", "Manager"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("role", Role.CLIENT)
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        """`createsuperuser` makes an operator who is also a manager (in the managers
        group, like those `create_manager` makes)."""
        extra.update(role=Role.MANAGER, is_staff=True, is_superuser=True)
        user = self._create_user(email, password, **extra)
        user.groups.add(Group.objects.db_manager(self._db).get_or_create(name="managers")[0])
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The e-mail address is the login; `role` decides what they may see."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role, default=Role.CLIENT)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # The portal's language for this person ("en", "fr"); blank: the browser's choice.
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=django_timezone.now)
    # Set when the person's data was erased: the row stays, anonymised, for the records
    # that must outlive it (invoices and the time entries they bill).
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self):
        return self.email

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def is_client(self):
        return self.role == Role.CLIENT

    @property
    def is_assistant(self):
        return self.role == Role.ASSISTANT

    @property
    def is_manager(self):
        return self.role == Role.MANAGER


class ClientProfile(models.Model):
    """What the service knows of a client beyond their account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_profile"
    )
    primary_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_clients",
        limit_choices_to={"role": Role.ASSISTANT},
    )
    backup_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backup_clients",
        limit_choices_to={"role": Role.ASSISTANT},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(primary_assistant__isnull=True)
                | Q(backup_assistant__isnull=True)
                | ~Q(primary_assistant=models.F("backup_assistant")),
                name="client_backup_differs_from_primary",
            ),
        ]

    def __str__(self):
        return f"client {self.user}"


class TaskStatus(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CLIENT = "waiting_on_client", "Waiting on client"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL_STATUSES = frozenset({TaskStatus.COMPLETED, TaskStatus.CANCELLED})


class TaskPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    URGENT = "urgent", "Urgent"


class Category(models.Model):
    """The kinds of errand the service takes, kept by managers: what a client picks when
    delegating and what an assistant's skills name, so the two always match.

    Tasks and skills hold the `code`. A category is retired (`active` off), never deleted
    while used: old tasks keep their code and still read their label.
    """

    code = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=100)
    label_fr = models.CharField("label (French)", max_length=100, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.label

    def label_in(self, language: str) -> str:
        """The label in `language` ("en", "fr"), English when there is no translation."""
        if language.startswith("fr") and self.label_fr:
            return self.label_fr
        return self.label


class Task(models.Model):
    """Something a client delegates: one-off, recurring, or an appointment."""

    # Client and assignee are served by the (…, status) indexes below, which lead with them.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="client_tasks",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        db_index=False,
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=64, blank=True, db_index=True)
    priority = models.CharField(max_length=8, choices=TaskPriority, default=TaskPriority.NORMAL)
    status = models.CharField(max_length=20, choices=TaskStatus, default=TaskStatus.NEW)

    requested_due_at = models.DateTimeField(null=True, blank=True)
    estimate_minutes = models.PositiveIntegerField(null=True, blank=True)
    # The client's budget for this task: time past it is refused until raised.
    max_minutes = models.PositiveIntegerField(null=True, blank=True)
    # What the service commits to: the estimate plus a buffer, never before requested.
    promised_due_at = models.DateTimeField(null=True, blank=True)

    # An RFC 5545 RRULE; the template task carries it and each occurrence points back to it.
    recurrence = models.CharField(max_length=500, blank=True)
    recurrence_parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="occurrences",
        db_index=False,  # the (recurrence_parent, occurrence_at) constraint's index serves it
    )
    occurrence_at = models.DateTimeField(null=True, blank=True)

    scheduled_start = models.DateTimeField(null=True, blank=True)
    scheduled_end = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=django_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # Set when nobody free could take the task over from an assignee who is away or gone:
    # a manager must choose. The next assignment clears it.
    flagged_at = models.DateTimeField(null=True, blank=True)
    flag_reason = models.CharField(max_length=300, blank=True)

    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    # Bumped on every change that a calendar would show (ICS SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["status", "promised_due_at"]),
            # The lists, newest first: everyone's, an assignee's, a client's, the flagged.
            models.Index(fields=["-created_at", "-id"], name="task_newest_first"),
            models.Index(fields=["assignee", "-created_at", "-id"], name="task_assignee_newest"),
            models.Index(fields=["client", "-created_at", "-id"], name="task_client_newest"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(flagged_at__isnull=False),
                name="task_flagged_newest",
            ),
            # Workloads: the tasks delivered or completed in a window.
            models.Index(fields=["delivered_at"], name="task_delivered_at"),
            models.Index(fields=["completed_at"], name="task_completed_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="task_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="task_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(scheduled_start__isnull=True)
                | Q(scheduled_end__isnull=True)
                | Q(scheduled_end__gt=models.F("scheduled_start")),
                name="task_schedule_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["recurrence_parent", "occurrence_at"],
                name="task_one_occurrence_per_instant",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status not in TERMINAL_STATUSES

    def is_overdue(self, now=None):
        now = now or django_timezone.now()
        return self.is_open and self.promised_due_at is not None and self.promised_due_at < now


class TaskEvent(models.Model):
    """Append-only history of a task: who moved it from what to what, when and why."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    kind = models.CharField(max_length=32, default="transition")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.task_id}: {self.from_status} → {self.to_status}"


class NotificationKind(models.TextChoices):
    """What a notification is about; each person chooses per kind whether it also comes by
    e-mail. Callers that name no kind (or an unknown one) get GENERAL."""

    GENERAL = "general", "General"
    TASK_ASSIGNED = "task_assigned", "A task was assigned to you"
    TASK_REASSIGNED = "task_reassigned", "A task changed hands"
    TASK_NEEDS_ASSIGNEE = "task_needs_assignee", "A task needs a new assignee"
    TASK_WAITING = "task_waiting", "A task is waiting on you"
    TASK_DELIVERED = "task_delivered", "A task was delivered"
    TASK_REVISION = "task_revision", "A revision was requested"
    TASK_CANCELLED = "task_cancelled", "A task was cancelled"
    TASK_OVERDUE = "task_overdue", "A task is overdue"
    TASK_MESSAGE = "task_message", "A new message on a task"
    TASK_BUDGET = "task_budget", "A task's time budget is nearly used"
    DISPUTE_OPENED = "dispute_opened", "A time entry was disputed"
    DISPUTE_RESOLVED = "dispute_resolved", "A dispute was resolved"
    INVOICE_ISSUED = "invoice_issued", "A new invoice"
    PAYMENT_FAILED = "payment_failed", "A payment failed"
    SPEND_CAP_REACHED = "spend_cap_reached", "The spend cap is reached"
    HOURS_RUNNING_LOW = "hours_running_low", "Included hours or a pack running low"
    CALENDAR_FAILING = "calendar_failing", "A linked calendar stopped working"
    MONTH_SUMMARY = "month_summary", "Your month in summary"


class Notification(models.Model):
    """Something the service told a person, kept so they can read it in the service.

    Written in the transaction of the event it tells; the e-mail copy (when the person's
    preferences want one) is a job queued after commit.
    """

    user = models.ForeignKey(  # (user, created_at) below serves it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(
        max_length=32, choices=NotificationKind, default=NotificationKind.GENERAL
    )
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # Ids of what it is about, for links: {"task": 12}, {"invoice": 3}.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=django_timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_newest"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.kind} to {self.user_id}: {self.subject}"

    @property
    def is_read(self):
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A person's choice for one kind: whether it also comes by e-mail. No row means
    the default, which is yes: nobody misses what they used to receive."""

    user = models.ForeignKey(  # the (user, kind) constraint's index serves it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        db_index=False,
    )
    kind = models.CharField(max_length=32, choices=NotificationKind)
    email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_preference_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {'e-mail' if self.email else 'in-app only'}"


class Message(models.Model):
    """A message on a task between the client, the assignee and managers. An internal note
    is seen by staff only."""

    task = models.ForeignKey(  # (task, created_at) below serves it
        Task, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_messages"
    )
    body = models.TextField()
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"])]

    def __str__(self):
        return f"message {self.pk} on task {self.task_id}"


class VaultItemKind(models.TextChoices):
    LOGIN = "login", "Login"
    CARD = "card", "Card"
    DOCUMENT = "document", "Document"
    NOTE = "note", "Secure note"


class VaultItem(models.Model):
    """Something private a client shares with their assistants: a login, a card, a
    document, a note. The secret fields are one encrypted JSON object; only their names
    are stored in clear, so lists and details never need to decrypt."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vault_items"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=VaultItemKind)
    field_names = models.JSONField(default=list, blank=True)
    secret = CiphertextField()
    # A description for whoever uses the item ("the card for travel bookings"): not secret.
    notes = models.TextField(blank=True)
    # The client's choice: be told each time someone else reveals the item.
    notify_on_reveal = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=django_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=VaultItemKind.values), name="vault_item_kind_valid"
            ),
        ]

    def __str__(self):
        return self.title


class AppendOnly(Exception):
    pass


class VaultReveal(models.Model):
    """The audit trail: one row per reveal of a vault item's secrets: who, when, which
    item, for which task, why, from which address. Rows are written once and never
    changed; an erasure redacts the erased person's details (the one exception)."""

    # The trail outlives the item: a deleted item's reveals keep its id and title.
    item = models.ForeignKey(
        VaultItem,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="reveals",
    )
    client = models.ForeignKey(  # the item's owner, whose audit this is
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    item_title = models.CharField(max_length=200)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vault_reveals"
    )
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="vault_reveals"
    )
    purpose = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    revealed_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["-revealed_at", "-id"]
        indexes = [models.Index(fields=["client", "revealed_at"], name="vault_reveal_client_time")]

    def __str__(self):
        return f"item {self.item_id} revealed by {self.revealed_by_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("A reveal is recorded once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("A reveal is never deleted.")


class TokenSession(models.Model):
    """Legacy: the session of a token stored in plain text (`authtoken_token`), before
    tokens were hashed. The accounts app's migration 0002 moved every live one to
    `accounts.AccountSession` as a digest and emptied both tables; nothing reads it."""

    token = models.OneToOneField(
        "authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="session"
    )
    password_fingerprint = models.CharField(max_length=128)
    last_used_at = models.DateTimeField()

    def __str__(self):
        return f"session of token {self.token_id}"


class Attachment(models.Model):
    """A file on a task: sent by the client (when delegating or in a message) or delivered
    by the assistant. Whoever may read the task may read its files, except a file on an
    internal note, which is staff-only like the note.

    The stored file has a random name in the private storage (concierge/attachments/storage.py); the
    name the uploader gave, sanitised, is `name`. `content_type` was decided from the
    content, never from the name.
    """

    task = models.ForeignKey(  # (task, created_at) below serves it
        Task, on_delete=models.CASCADE, related_name="attachments", db_index=False
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments"
    )
    # Attached when delivering: what the assistant hands over.
    deliverable = models.BooleanField(default=False)
    file = models.FileField(storage=attachment_storage, upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    # A small WebP of an image, for previews; blank for other files.
    thumbnail = models.FileField(
        storage=attachment_storage, upload_to=thumbnail_path, max_length=255, blank=True
    )
    # When a malware scanner (CLAMD_SOCKET) found it clean; null when none is configured.
    scanned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"], name="attachment_task_time")]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="attachment_has_name"),
            models.CheckConstraint(
                condition=~Q(content_type=""), name="attachment_has_content_type"
            ),
            models.CheckConstraint(condition=~Q(file=""), name="attachment_has_file"),
        ]

    def __str__(self):
        return f"{self.name} on task {self.task_id}"

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class VaultDocument(models.Model):
    """The file of a vault item of kind `document` (a passport scan), encrypted at rest
    like the item's other secrets: the stored bytes are a Fernet token."""

    item = models.OneToOneField(
        VaultItem, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    file = models.FileField(
        storage=attachment_storage, upload_to=vault_document_path, max_length=255
    )
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()  # of the plaintext
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=django_timezone.now)

    def __str__(self):
        return f"document of vault item {self.item_id}"


class AuditOrigin(models.TextChoices):
    """Where a recorded write came from."""

    API = "api", "API"
    PORTAL = "portal", "portal"
    ADMIN = "admin", "admin"
    JOB = "job", "background job"
    WEBHOOK = "webhook", "payment webhook"
    COMMAND = "command", "command or shell"


class AuditLog(models.Model):
    """One record of who did what to which object, from where, and what changed
    (`concierge.audit.record`, in the transaction of the write). Written once, never
    changed; an erasure redacts the erased person's name and the text about them (the one
    exception)."""

    at = models.DateTimeField(default=django_timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Null: the service itself (a job's own decision).",
    )
    actor_name = models.CharField(max_length=301, blank=True)  # as they were named then
    about = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person the changed object describes (their profile, their time off), "
        "whose details an erasure takes out of `changes`.",
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=100)  # the model's label, "assistants.timeoff"
    target_id = models.BigIntegerField()
    changes = models.JSONField(default=dict, blank=True)  # {field: [old, new]}
    origin = models.CharField(max_length=16, choices=AuditOrigin.choices)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_time"),
            models.Index(fields=["actor", "-at"], name="audit_actor_time"),
            models.Index(fields=["-at", "-id"], name="audit_time"),
        ]

    def __str__(self):
        return f"{self.action} on {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("An audit record is written once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("An audit record is never deleted.")
