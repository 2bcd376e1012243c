"""People: the custom user with their role and time zone, and its manager."""

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


class UserManager(BaseUserManager["User"]):
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
