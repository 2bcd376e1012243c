"""Task-creation guard: a paused subscription blocks new tasks until paid."""

from django.utils.translation import gettext as _

from billing.models import Subscription, SubscriptionStatus
from concierge import errors as core_errors
from concierge.errors import PaymentRequired


def require_unpaused_subscription(client):
    if Subscription.objects.filter(client=client, status=SubscriptionStatus.PAUSED).exists():
        raise PaymentRequired(
            core_errors.Code.PAYMENT_REQUIRED,
            _("Your subscription is paused for an unpaid invoice; pay it to create new tasks."),
        )
