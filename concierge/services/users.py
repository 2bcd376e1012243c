"""People: creating and registering accounts of every role, the managers group and staff
access that follow a role, profile and password changes, API tokens."""

from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from concierge import errors
from concierge.accounts import sessions as account_sessions
from concierge.accounts.models import AccountSession
from concierge.errors import Conflict, Invalid
from concierge.models import (
    ClientProfile,
    Role,
    User,
)


def _validated_password(password: str, user: User | None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(
            errors.Code.INVALID, exc.messages[0], fields={"password": list(exc.messages)}
        ) from exc


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    timezone: str = "UTC",
) -> User:
    """Create a person of any role; a client also gets their profile."""
    email = User.objects.normalize_email(email).lower()
    user = User(
        email=email, first_name=first_name, last_name=last_name, role=role, timezone=timezone
    )
    _validated_password(password, user)
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            errors.Code.EMAIL_TAKEN,
            _("An account with this e-mail address exists."),
            fields={"email": [_("An account with this e-mail address exists.")]},
        )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict(
            errors.Code.EMAIL_TAKEN, _("An account with this e-mail address exists.")
        ) from exc
    if role == Role.CLIENT:
        ClientProfile.objects.create(user=user)
    return user


MANAGERS_GROUP = "managers"  # also named in UserManager.create_superuser


def manager_group_sync(*, using: str = "default") -> Group:
    """The managers group holds exactly the admin permissions the apps grant managers
    (each AppConfig's `manager_permissions`). Run after every migrate; idempotent."""
    wanted = Q(pk__in=[])
    for config in django_apps.get_app_configs():
        codenames = getattr(config, "manager_permissions", ())
        if codenames:
            wanted |= Q(content_type__app_label=config.label, codename__in=codenames)
    group, _created = Group.objects.using(using).get_or_create(name=MANAGERS_GROUP)
    group.permissions.set(Permission.objects.using(using).filter(wanted))
    return group


@transaction.atomic
def manager_grant(*, user: User) -> User:
    """Makes `user` a manager: the role, access to the admin, and the managers group's
    permissions (not a superuser)."""
    user.role = Role.MANAGER
    user.is_staff = True
    user.save(update_fields=["role", "is_staff"])
    user.groups.add(Group.objects.get_or_create(name=MANAGERS_GROUP)[0])
    return user


@transaction.atomic
def manager_create(
    *, email: str, password: str, first_name: str = "", last_name: str = "", timezone: str = "UTC"
) -> User:
    user = user_create(
        email=email,
        password=password,
        role=Role.MANAGER,
        first_name=first_name,
        last_name=last_name,
        timezone=timezone,
    )
    return manager_grant(user=user)


@transaction.atomic
def user_staff_sync(*, user: User) -> User:
    """After an operator changes someone's role in the admin: a manager is staff in the
    managers group; anyone else leaves it (and the admin, unless a superuser)."""
    group, _created = Group.objects.get_or_create(name=MANAGERS_GROUP)
    if user.role == Role.MANAGER:
        return manager_grant(user=user)
    user.groups.remove(group)
    if user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    return user


def user_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", timezone: str = "UTC"
) -> User:
    """Self-service sign-up: always a client."""
    return user_create(
        email=email,
        password=password,
        role=Role.CLIENT,
        first_name=first_name,
        last_name=last_name,
        timezone=timezone,
    )


# API tokens and browser sessions live in concierge.accounts (hashed at rest).
password_fingerprint = account_sessions.password_fingerprint
token_issue = account_sessions.token_issue


def token_revoke(*, token: AccountSession) -> None:
    """Logout: the token presented stops working at once."""
    AccountSession.objects.filter(pk=token.pk).delete()


@transaction.atomic
def user_update(*, user: User, **fields: Any) -> User:
    # A zone left as it was is not judged again: one stored before the list of zones
    # narrowed (concierge/zones.py) stays until its owner picks another.
    kept = ["timezone"] if fields.get("timezone", user.timezone) == user.timezone else []
    for name in ("first_name", "last_name", "timezone", "language"):
        if name in fields:
            setattr(user, name, fields[name])
    user.full_clean(exclude=["password", *kept])
    user.save()
    return user


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    """A signed-in person changes their password, proving they know the current one."""
    if not user.check_password(old_password):
        raise Invalid(
            errors.Code.INVALID_CREDENTIALS,
            _("The current password is wrong."),
            fields={"old_password": [_("The current password is wrong.")]},
        )
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise Invalid(
            errors.Code.INVALID, exc.messages[0], fields={"new_password": list(exc.messages)}
        ) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user
