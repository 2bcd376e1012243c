"""What an account holds beyond the user row: its sessions (API tokens and browser
sessions, one table), its verified address, its second factor and recovery codes."""

from django.conf import settings
from django.db import models

from concierge.platform.crypto import CiphertextField


class SessionKind(models.TextChoices):
    TOKEN = "token", "API token"
    BROWSER = "browser", "Browser"


class AccountSession(models.Model):
    """One way in that is open: an API token (only its SHA-256 digest is stored: a copy
    of the database signs in as nobody) or a portal session (the browser's session
    carries this row's id; deleting the row ends it on its next request).

    A token ends after an idle time (TOKEN_IDLE_TIMEOUT_SECONDS), at logout, when the
    password changes (`password_fingerprint`) and when its row is deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_sessions"
    )
    kind = models.CharField(max_length=10, choices=SessionKind.choices)
    digest = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    password_fingerprint = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField()
    # When the person last proved it is them (password or code): recent re-authentication.
    authenticated_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The token itself: only on the row `token_issue` returns, never stored.
    key: str

    class Meta:
        indexes = [models.Index(fields=["user", "-last_used_at"], name="accsession_user_used")]

    def __str__(self):
        return f"{self.get_kind_display()} session {self.pk} of user {self.user_id}"


class PendingEmail(models.Model):
    """An address its owner has not yet proved they read (a self-service sign-up). No row:
    verified, as is everyone an operator or a manager made."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pending_email",
    )
    email = models.EmailField()
    created_at = models.DateTimeField()

    def __str__(self):
        return self.email


class TotpDevice(models.Model):
    """A person's TOTP authenticator (RFC 6238, 30 s steps, 6 digits): the secret is
    encrypted at rest; it counts once confirmed with a first code. `last_step` refuses a
    code used a second time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="totp"
    )
    secret = CiphertextField()
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self):
        return f"TOTP of user {self.user_id}"


class RecoveryCode(models.Model):
    """A one-time code for when the authenticator is lost: stored as a keyed digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="recovery_code_once")
        ]

    def __str__(self):
        return f"recovery code {self.pk} of user {self.user_id}"
