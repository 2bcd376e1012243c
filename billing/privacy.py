"""What the billing app holds about a person, and how it forgets them (registered in
`BillingConfig.ready()`; see concierge/privacy.py).

Invoices, their lines and hour packs are legal records: they stay, unchanged, and show no
personal detail of their own (the client is an account id, anonymised on erasure)."""

from django.conf import settings
from djstripe.models import Customer

from billing import selectors, services
from billing.models import HourPack, Subscription
from concierge.jobs import enqueue

# Parts of a Stripe customer that describe the person rather than the account.
PERSONAL_STRIPE_KEYS = ("email", "name", "phone", "address", "shipping", "description")


def export_subscriptions(user) -> list:
    from billing.api.serializers import SubscriptionSerializer

    subscriptions = Subscription.objects.filter(client=user).select_related(
        "plan", "scheduled_plan"
    )
    return SubscriptionSerializer(subscriptions.order_by("created_at", "id"), many=True).data


def export_hour_packs(user) -> list:
    from billing.api.serializers import PackSerializer

    packs = HourPack.objects.filter(client=user).order_by("purchased_at", "id")
    return PackSerializer(packs, many=True).data


def export_invoices(user) -> list:
    from billing.api.serializers import InvoiceDetailSerializer

    invoices = selectors.invoices_with_details(
        selectors.invoices_visible_to(user).filter(client=user).order_by("period_start", "id")
    )
    return InvoiceDetailSerializer(invoices, many=True).data


def erase(user) -> None:
    """Stop the subscription at the end of its period (that period is still invoiced, to
    the anonymised account) and strip the person from the Stripe customer."""
    subscription = selectors.live_subscription(user.pk)
    if subscription is not None:
        services.subscription_cancel(subscription=subscription)
    for customer in Customer.objects.filter(subscriber=user):
        customer.email = ""
        customer.stripe_data = {
            k: v for k, v in (customer.stripe_data or {}).items() if k not in PERSONAL_STRIPE_KEYS
        }
        customer.metadata = {"user_id": str(user.pk)}
        customer.save(update_fields=["email", "stripe_data", "metadata"])
        if settings.STRIPE_ENABLED and customer.id:
            enqueue("billing.stripe_jobs.anonymise_customer", customer.id, user.pk)
