"""The second factor: TOTP (RFC 6238 through pyotp) and one-time recovery codes."""

from typing import Any

from django.conf import settings

from concierge.accounts.models import TotpDevice
from concierge.models import User


def has_second_factor(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def required_for(user: Any) -> bool:
    return user.is_authenticated and user.role in settings.MFA_REQUIRED_ROLES


def enrolment_required(user: Any) -> bool:
    """A person of MFA_REQUIRED_ROLES who has no second factor yet."""
    return required_for(user) and not has_second_factor(user)
