"""What the billing app holds about a person, and how it forgets them (registered in
`BillingConfig.ready()`; see concierge/privacy.py).

Invoices, their lines and hour packs are legal records: they stay, unchanged, for the
retention period accounting law sets (10 years, Code de commerce L123-22; GDPR Art.
17(3)(b)). Each keeps the buyer's name and address as they were when it was issued; the
client's billing details themselves are erased with the person."""

from typing import cast

from django.conf import settings
from djstripe.models import Customer
from rest_framework.utils.serializer_helpers import ReturnList

from billing import selectors, services
from billing.models import BillingDetails, HourPack, Subscription
from concierge.platform.outbox import enqueue

# Parts of a Stripe customer that describe the person rather than the account.
PERSONAL_STRIPE_KEYS = ("email", "name", "phone", "address", "shipping", "description")


def export_subscriptions(user) -> list:
    from billing.api.serializers import SubscriptionSerializer

    subscriptions = Subscription.objects.filter(client=user).select_related(
        "plan", "scheduled_plan"
    )
    # many=True makes a ListSerializer: its data is a list (the stubs read a Serializer's).
    return cast(
        ReturnList,
        SubscriptionSerializer(subscriptions.order_by("created_at", "id"), many=True).data,
    )


def export_hour_packs(user) -> list:
    from billing.api.serializers import PackSerializer

    packs = HourPack.objects.filter(client=user).order_by("purchased_at", "id")
    return cast(ReturnList, PackSerializer(packs, many=True).data)


def export_billing_details(user) -> dict | None:
    from billing.api.serializers import BillingDetailsSerializer

    details = BillingDetails.objects.filter(client=user).first()
    return BillingDetailsSerializer(details).data if details else None


def export_invoices(user) -> list:
    from billing.api.serializers import InvoiceDetailSerializer

    invoices = selectors.invoices_with_details(
        selectors.invoices_visible_to(user).filter(client=user).order_by("period_start", "id")
    )
    return cast(ReturnList, InvoiceDetailSerializer(invoices, many=True).data)


def erase(user) -> None:
    """Stop the subscription at the end of its period (that period is still invoiced, to
    the anonymised account), erase the billing details (issued invoices keep their copy)
    and strip the person from the Stripe customer."""
    BillingDetails.objects.filter(client=user).delete()
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
