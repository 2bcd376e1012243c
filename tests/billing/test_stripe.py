import datetime
import time
from decimal import Decimal

import pytest
import stripe
from django.utils import timezone

from billing import stripe as billing_stripe
from billing.guards import require_unpaused_subscription
from billing.models import (
    HourPack,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    SubscriptionStatus,
)
from billing.stripe_jobs import mirror_invoice, pause_past_due_subscriptions
from billing.webhooks import apply_invoice_event
from concierge.errors import PaymentRequired
from tests.factories import SubscriptionFactory
from tests.stripe_peer import (  # noqa: F401
    CARD_DECLINED_ON_CHARGE,
    CARD_OK,
    card_payment_method,
    localstripe,
)

pytestmark = pytest.mark.django_db


def make_invoice(subscription, amounts, number="2026-000001"):
    invoice = Invoice.objects.create(
        client=subscription.client,
        subscription=subscription,
        kind=InvoiceKind.PERIOD,
        number=number,
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2026, 9, 30),
        status=InvoiceStatus.OPEN,
        currency="EUR",
        total=sum(amounts, Decimal("0.00")),
        plan=subscription.plan,
        finalised_at=timezone.now(),
    )
    for position, amount in enumerate(amounts):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            kind="fee",
            description=f"line {position}",
            amount=amount,
        )
    return invoice


def test_minor_units_are_exact():
    assert billing_stripe.to_minor_units(Decimal("52.50"), "EUR") == 5250
    assert billing_stripe.to_minor_units(Decimal("0.01"), "EUR") == 1
    with pytest.raises(ValueError):
        billing_stripe.to_minor_units(Decimal("0.001"), "EUR")


def test_local_mode_sends_nothing(settings):
    settings.STRIPE_ENABLED = False
    invoice = make_invoice(SubscriptionFactory(), [Decimal("24.50")])
    assert mirror_invoice(invoice.pk) is None
    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id == ""


def test_failed_then_grace_then_paid_cycle():
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])
    invoice.stripe_invoice_id = "in_test_1"
    invoice.save()
    failed = {"id": "in_test_1", "metadata": {}}
    t0 = timezone.now()
    apply_invoice_event(event_type="invoice.payment_failed", obj=failed, now=t0)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE
    assert sub.past_due_since == t0
    # A duplicate later does not move the grace start.
    apply_invoice_event(
        event_type="invoice.payment_failed", obj=failed, now=t0 + datetime.timedelta(days=3)
    )
    sub.refresh_from_db()
    assert sub.past_due_since == t0

    require_unpaused_subscription(sub.client)
    assert pause_past_due_subscriptions(now=t0 + datetime.timedelta(days=6)) == 0
    assert pause_past_due_subscriptions(now=t0 + datetime.timedelta(days=7, seconds=1)) == 1
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAUSED
    with pytest.raises(PaymentRequired) as exc:
        require_unpaused_subscription(sub.client)
    assert exc.value.code == "payment_required"

    paid_at = t0 + datetime.timedelta(days=8)
    for _ in range(2):
        apply_invoice_event(event_type="invoice.paid", obj=failed, now=paid_at)
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_at == paid_at
    assert sub.status == SubscriptionStatus.ACTIVE
    assert sub.past_due_since is None
    # A failure event replayed after payment (reordered delivery) changes nothing.
    apply_invoice_event(event_type="invoice.payment_failed", obj=failed, now=paid_at)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    require_unpaused_subscription(sub.client)


def test_pack_payment_failure_revokes_pack_once():
    sub = SubscriptionFactory()
    pack = HourPack.objects.create(
        client=sub.client,
        minutes=600,
        remaining_minutes=600,
        price=Decimal("250.00"),
        expires_at=timezone.now() + datetime.timedelta(days=365),
    )
    invoice = Invoice.objects.create(
        client=sub.client,
        kind=InvoiceKind.PACK,
        hour_pack=pack,
        number="2026-000009",
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2026, 9, 1),
        status=InvoiceStatus.OPEN,
        total=Decimal("250.00"),
    )
    obj = {"id": "in_pack", "metadata": {"invoice_id": str(invoice.pk)}}
    apply_invoice_event(event_type="invoice.payment_failed", obj=obj)
    pack.refresh_from_db()
    assert pack.remaining_minutes == 0
    first = pack.revoked_at
    assert first is not None
    apply_invoice_event(event_type="invoice.payment_failed", obj=obj)
    pack.refresh_from_db()
    assert pack.revoked_at == first
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE


def test_unknown_invoice_event_is_ignored():
    assert apply_invoice_event(event_type="invoice.paid", obj={"id": "in_none"}) is None


def test_mirror_worked_example_invoice_on_localstripe(localstripe):  # noqa: F811
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])
    billing_stripe.payment_method_attach(user=sub.client, payment_method="pm_card_visa")
    stripe_id = mirror_invoice(invoice.pk)
    assert stripe_id
    # Running the job again creates nothing new.
    assert mirror_invoice(invoice.pk) == stripe_id
    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id == stripe_id
    remote = stripe.Invoice.retrieve(stripe_id)
    assert remote.total == 5250
    assert remote.status == "paid"
    assert sorted(line.amount for line in remote.lines.data if line.amount) == [2450, 2800]


def stripe_footprint(client):
    """The client's non-zero Stripe invoices (the €0 anchor subscription's own are left
    out) and the status of every charge on the customer."""
    from djstripe.models import Customer

    customer_id = Customer.objects.get(subscriber=client).id
    invoices = stripe.Invoice.list(customer=customer_id, limit=100).data
    charges = stripe.Charge.list(customer=customer_id, limit=100).data
    return [remote.id for remote in invoices if remote.total], [c.status for c in charges]


def test_paid_collection_marks_the_invoice_paid_once(localstripe):  # noqa: F811
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])
    billing_stripe.payment_method_attach(user=sub.client, payment_method="pm_card_visa")

    stripe_id = mirror_invoice(invoice.pk)
    remote = stripe.Invoice.retrieve(stripe_id)
    assert (remote.status, remote.total) == ("paid", 5250)
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert invoice.stripe_invoice_id == stripe_id
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_at is not None
    assert sub.status == SubscriptionStatus.ACTIVE
    paid_at = invoice.paid_at
    assert stripe_footprint(invoice.client) == ([stripe_id], ["succeeded"])

    # The job again, then Stripe's own invoice.paid: nothing moves, nothing is charged.
    assert mirror_invoice(invoice.pk) == stripe_id
    apply_invoice_event(
        event_type="invoice.paid", obj={"id": stripe_id, "metadata": remote.metadata.to_dict()}
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_at == paid_at
    assert stripe_footprint(invoice.client) == ([stripe_id], ["succeeded"])


def test_declined_charge_is_a_payment_failure_and_is_not_retried(localstripe):  # noqa: F811
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])
    card = card_payment_method(CARD_DECLINED_ON_CHARGE)
    billing_stripe.payment_method_attach(user=sub.client, payment_method=card.id)

    stripe_id = mirror_invoice(invoice.pk)  # the decline is an outcome, not an error
    remote = stripe.Invoice.retrieve(stripe_id)
    assert (remote.status, remote.total) == ("open", 5250)
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert invoice.stripe_invoice_id == stripe_id
    assert invoice.status == InvoiceStatus.OPEN and invoice.paid_at is None
    assert sub.status == SubscriptionStatus.PAST_DUE
    since = sub.past_due_since
    assert since is not None
    assert stripe_footprint(invoice.client) == ([stripe_id], ["failed"])

    # Run again (a redelivered job): no second Stripe invoice, no second charge attempt,
    # and the grace period still starts at the first failure.
    assert mirror_invoice(invoice.pk) == stripe_id
    sub.refresh_from_db()
    invoice.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE and sub.past_due_since == since
    assert invoice.status == InvoiceStatus.OPEN
    assert stripe_footprint(invoice.client) == ([stripe_id], ["failed"])


@pytest.mark.django_db(transaction=True)
def test_a_new_card_settles_the_declined_invoice_and_reactivates(localstripe, api_for):  # noqa: F811
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])
    declined = card_payment_method(CARD_DECLINED_ON_CHARGE)
    billing_stripe.payment_method_attach(user=sub.client, payment_method=declined.id)
    stripe_id = mirror_invoice(invoice.pk)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE
    pause_past_due_subscriptions(now=timezone.now() + datetime.timedelta(days=8))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAUSED

    # The client sets a working card through the API: the job charges the open invoice.
    client_api = api_for(sub.client)
    good = card_payment_method(CARD_OK)
    response = client_api.post("/api/v1/payment-method/", {"payment_method": good.id})
    assert response.status_code == 200, response.content
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_at is not None
    assert sub.status == SubscriptionStatus.ACTIVE and sub.past_due_since is None
    assert stripe.Invoice.retrieve(stripe_id).status == "paid"
    assert sorted(stripe_footprint(sub.client)[1]) == ["failed", "succeeded"]

    # Setting the same card again charges nothing more.
    again = client_api.post("/api/v1/payment-method/", {"payment_method": good.id})
    assert again.status_code == 200
    assert sorted(stripe_footprint(sub.client)[1]) == ["failed", "succeeded"]


def test_no_card_on_file_is_a_payment_failure(localstripe):  # noqa: F811
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("49.00")])
    stripe_id = mirror_invoice(invoice.pk)
    assert stripe.Invoice.retrieve(stripe_id).total == 4900
    sub.refresh_from_db()
    invoice.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE
    assert invoice.status == InvoiceStatus.OPEN
    assert stripe_footprint(sub.client) == ([stripe_id], [])  # nothing was charged


def test_declined_pack_charge_revokes_the_pack(localstripe):  # noqa: F811
    from billing import services

    sub = SubscriptionFactory()
    card = card_payment_method(CARD_DECLINED_ON_CHARGE)
    billing_stripe.payment_method_attach(user=sub.client, payment_method=card.id)
    pack = services.pack_purchase(client=sub.client, minutes=300)
    assert pack.remaining_minutes == 300

    stripe_id = mirror_invoice(pack.invoice.pk)
    assert stripe.Invoice.retrieve(stripe_id).total == 15000  # 125.00 and 20 % VAT
    pack.refresh_from_db()
    sub.refresh_from_db()
    assert pack.revoked_at is not None and pack.remaining_minutes == 0
    assert sub.status == SubscriptionStatus.ACTIVE  # a pack's failure is the pack's alone
    revoked_at = pack.revoked_at

    assert mirror_invoice(pack.invoice.pk) == stripe_id
    pack.refresh_from_db()
    assert pack.revoked_at == revoked_at
    assert stripe_footprint(pack.client) == ([stripe_id], ["failed"])


def signed_post(client, endpoint, payload, secret):
    import hashlib
    import hmac
    import json
    import time

    body = json.dumps(payload)
    ts = int(time.time())
    sig = hmac.new(secret.encode(), f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
    return client.post(
        f"/stripe/webhook/{endpoint.djstripe_uuid}/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={ts},v1={sig}",
    )


def invoice_event(event_id, event_type, stripe_invoice_id, invoice_id):
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-04-10",
        "created": int(timezone.now().timestamp()),
        "livemode": False,
        "type": event_type,
        "data": {
            "object": {
                "id": stripe_invoice_id,
                "object": "invoice",
                "status": "paid" if event_type == "invoice.paid" else "open",
                "total": 5250,
                "currency": "eur",
                "metadata": {"invoice_id": str(invoice_id)},
            }
        },
    }


@pytest.mark.django_db(transaction=True)
def test_signed_webhooks_move_state_idempotently(
    client, settings, django_capture_on_commit_callbacks
):
    """Real-shaped invoice.payment_failed and invoice.paid events, signed with the endpoint
    secret (localstripe sends no invoice.paid), delivered to dj-stripe's endpoint."""
    from djstripe.models import WebhookEndpoint

    secret = "whsec_" + "b" * 32
    endpoint = WebhookEndpoint.objects.create(
        id="we_test_1",
        secret=secret,
        url="http://testserver/stripe/",
        livemode=False,
        stripe_data={},
        enabled_events=["*"],
    )
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])
    invoice.stripe_invoice_id = "in_sig_1"
    invoice.save()

    bad = client.post(
        f"/stripe/webhook/{endpoint.djstripe_uuid}/",
        data="{}",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=00",
    )
    assert bad.status_code == 400

    failed = invoice_event("evt_1", "invoice.payment_failed", "in_sig_1", invoice.pk)
    for _ in range(2):
        assert signed_post(client, endpoint, failed, secret).status_code == 200
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE
    since = sub.past_due_since

    paid = invoice_event("evt_2", "invoice.paid", "in_sig_1", invoice.pk)
    for event in (paid, failed, paid):
        assert signed_post(client, endpoint, event, secret).status_code == 200
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert since is not None
    assert invoice.status == InvoiceStatus.PAID
    assert sub.status == SubscriptionStatus.ACTIVE
    assert sub.past_due_since is None


def test_paused_client_gets_402_on_new_task(client_user, client_api):
    from tests.checks import assert_error

    sub = SubscriptionFactory(client=client_user)
    assert client_api.post("/api/v1/tasks/", {"title": "ok"}, format="json").status_code == 201
    sub.status = SubscriptionStatus.PAUSED
    sub.save()
    resp = client_api.post("/api/v1/tasks/", {"title": "blocked"}, format="json")
    assert_error(resp, 402, "payment_required")
    sub.status = SubscriptionStatus.ACTIVE
    sub.save()
    assert client_api.post("/api/v1/tasks/", {"title": "again"}, format="json").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_signed_payment_webhook(localstripe, live_server, settings):  # noqa: F811
    """localstripe signs and delivers invoice.payment_succeeded to dj-stripe's endpoint on a
    live server; the local invoice becomes paid."""
    import urllib.parse
    import urllib.request

    from djstripe.models import WebhookEndpoint

    secret = "whsec_" + "c" * 32
    endpoint = WebhookEndpoint.objects.create(
        id="we_live_1",
        secret=secret,
        url=f"{live_server.url}/stripe/",
        livemode=False,
        stripe_data={},
        enabled_events=["*"],
    )
    form = urllib.parse.urlencode(
        {"url": f"{live_server.url}/stripe/webhook/{endpoint.djstripe_uuid}/", "secret": secret}
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{localstripe}/_config/webhooks/concierge", data=form, method="POST"
    )
    urllib.request.urlopen(request, timeout=5)  # noqa: S310
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])
    billing_stripe.payment_method_attach(user=sub.client, payment_method="pm_card_visa")
    # Mirror and charge without the job, which would mark the invoice paid itself: here
    # only the webhook may move local state.
    stripe_id = billing_stripe.invoice_mirror(invoice=invoice)
    Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id=stripe_id)
    billing_stripe.client().Invoice.pay(stripe_id)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        invoice.refresh_from_db()
        if invoice.status == InvoiceStatus.PAID:
            break
        time.sleep(0.2)
    assert invoice.status == InvoiceStatus.PAID


@pytest.mark.django_db(transaction=True)
def test_webhook_acts_on_the_invoice_as_stripe_has_it_now(
    localstripe,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    """A late, replayed invoice.payment_failed for an invoice Stripe has since collected:
    the job re-fetches the invoice from localstripe, sees it paid, and records the event id
    without moving the subscription to past_due."""
    from djstripe.models import WebhookEndpoint

    from billing.models import InvoiceEvent

    secret = "whsec_" + "d" * 32
    endpoint = WebhookEndpoint.objects.create(
        id="we_refetch_1",
        secret=secret,
        url="http://testserver/stripe/",
        livemode=False,
        stripe_data={},
        enabled_events=["*"],
    )
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])
    billing_stripe.payment_method_attach(user=sub.client, payment_method="pm_card_visa")
    stripe_id = billing_stripe.invoice_mirror(invoice=invoice)
    Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id=stripe_id)
    billing_stripe.client().Invoice.pay(stripe_id)  # collected in Stripe, not yet here

    stale = invoice_event("evt_stale_1", "invoice.payment_failed", stripe_id, invoice.pk)
    for _ in range(2):
        assert signed_post(client, endpoint, stale, secret).status_code == 200
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID  # what Stripe says now
    assert sub.status == SubscriptionStatus.ACTIVE
    applied = InvoiceEvent.objects.filter(invoice=invoice, stripe_event_id="evt_stale_1")
    assert applied.count() == 1
    assert (applied.get().action, applied.get().source) == ("pay", "webhook")


@pytest.mark.django_db
def test_deliveries_failing_the_signature_check_are_not_stored(client):
    from djstripe.models import WebhookEndpoint, WebhookEventTrigger

    secret = "whsec_" + "c" * 32
    endpoint = WebhookEndpoint.objects.create(
        id="we_test_junk",
        secret=secret,
        url="http://testserver/stripe/",
        livemode=False,
        stripe_data={},
        enabled_events=["*"],
    )
    url = f"/stripe/webhook/{endpoint.djstripe_uuid}/"
    for signature in ("t=1,v1=00", "garbage", None):
        headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
        answer = client.post(
            url, data='{"id": "evt_x"}', content_type="application/json", **headers
        )
        assert answer.status_code == 400
        assert answer.json()["code"] == "invalid_signature"
    unknown = client.post(
        "/stripe/webhook/00000000-0000-0000-0000-000000000000/",
        data="{}",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=00",
    )
    assert unknown.status_code == 404
    assert WebhookEventTrigger.objects.count() == 0
    # A correctly signed delivery still goes through and is kept.
    event = invoice_event("evt_ok", "customer.created", "in_none", 0)
    assert signed_post(client, endpoint, event, secret).status_code == 200
    assert WebhookEventTrigger.objects.count() == 1
