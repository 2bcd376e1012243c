"""`GET, POST payment-method/`: a client's default card for Stripe collection, against a
real localstripe on loopback."""

import pytest
import stripe
from djstripe.models import Customer

from tests.checks import assert_access_matrix, assert_error
from tests.peers import free_port
from tests.stripe_peer import (  # noqa: F401
    CARD_OK,
    SECRET_KEY,
    card_payment_method,
    localstripe,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/payment-method/"


def remote_customers(user):
    return [c for c in stripe.Customer.list(limit=100).data if c.email == user.email]


def test_only_clients_manage_their_payment_method(anon_api, assistant_api, manager_api):
    for method, data in (("get", None), ("post", {"payment_method": "pm_card_visa"})):
        assert_access_matrix(
            method=method,
            url=URL,
            anonymous=anon_api,
            forbidden=[assistant_api, manager_api],
            data=data,
        )


def test_local_mode_has_no_card_payments(settings, client_api, client_user):
    settings.STRIPE_ENABLED = False
    assert_error(client_api.get(URL), 409, "payments_not_configured")
    body = assert_error(
        client_api.post(URL, {"payment_method": "pm_card_visa"}, format="json"),
        409,
        "payments_not_configured",
    )
    assert "manager" in body["detail"]
    assert not Customer.objects.filter(subscriber=client_user).exists()


def test_client_sets_default_card_on_localstripe(localstripe, client_api, client_user):  # noqa: F811
    # Before any card: no default, and reading creates no Stripe customer.
    response = client_api.get(URL)
    assert response.status_code == 200, response.content
    assert response.json() == {"payment_method": None}
    assert not Customer.objects.filter(subscriber=client_user).exists()

    pm = card_payment_method(CARD_OK)
    response = client_api.post(URL, {"payment_method": pm.id}, format="json")
    assert response.status_code == 200, response.content
    expected = {"payment_method": pm.id, "brand": "visa", "last4": "4242"}
    assert response.json() == expected

    customer = Customer.objects.get(subscriber=client_user)
    remote = stripe.Customer.retrieve(customer.id)
    assert remote.email == client_user.email
    assert remote.metadata.user_id == str(client_user.pk)
    assert remote.invoice_settings.default_payment_method == pm.id
    assert stripe.PaymentMethod.retrieve(pm.id).customer == customer.id

    response = client_api.get(URL)
    assert response.status_code == 200, response.content
    assert response.json() == expected


def test_attaching_again_keeps_one_customer(localstripe, client_api, client_user):  # noqa: F811
    first, second = card_payment_method(CARD_OK), card_payment_method(CARD_OK)
    for pm in (first, first, second, first):
        response = client_api.post(URL, {"payment_method": pm.id}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["payment_method"] == pm.id

    customer = Customer.objects.get(subscriber=client_user)
    assert [c.id for c in remote_customers(client_user)] == [customer.id]
    remote = stripe.Customer.retrieve(customer.id)
    assert remote.invoice_settings.default_payment_method == first.id
    assert client_api.get(URL).json()["payment_method"] == first.id


def test_declined_card_is_402(localstripe, client_api, client_user):  # noqa: F811
    body = assert_error(
        client_api.post(URL, {"payment_method": "pm_card_visa_chargeDeclined"}, format="json"),
        402,
        "card_declined",
    )
    assert body["detail"] == "Your card was declined."
    # The customer exists, with no default: a later good card is attached to it.
    customer = Customer.objects.get(subscriber=client_user)
    assert not stripe.Customer.retrieve(customer.id).invoice_settings.default_payment_method
    assert client_api.get(URL).json() == {"payment_method": None}

    pm = card_payment_method(CARD_OK)
    assert client_api.post(URL, {"payment_method": pm.id}, format="json").status_code == 200
    assert [c.id for c in remote_customers(client_user)] == [customer.id]


def test_payment_method_ids_stripe_refuses_are_400(localstripe, client_api):  # noqa: F811
    body = assert_error(
        client_api.post(URL, {"payment_method": "tok_visa"}, format="json"), 400, "invalid"
    )
    assert "payment_method" in body["fields"]
    assert_error(client_api.post(URL, {}, format="json"), 400, "invalid")
    body = assert_error(
        client_api.post(URL, {"payment_method": "pm_unknown123"}, format="json"),
        400,
        "invalid_payment_method",
    )
    assert "payment_method" in body["fields"]


def test_unreachable_stripe_is_502(monkeypatch, settings, client_api, client_user):
    monkeypatch.setattr(stripe, "api_base", stripe.api_base)
    monkeypatch.setattr(stripe, "api_key", stripe.api_key)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    settings.STRIPE_TEST_SECRET_KEY = SECRET_KEY
    settings.STRIPE_LIVE_MODE = False
    settings.STRIPE_ENABLED = True
    settings.STRIPE_API_HOST = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    assert_error(
        client_api.post(URL, {"payment_method": "pm_card_visa"}, format="json"),
        502,
        "payment_provider_error",
    )
    assert not Customer.objects.filter(subscriber=client_user).exists()

    Customer.objects.create(id="cus_known", subscriber=client_user, livemode=False)
    assert_error(client_api.get(URL), 502, "payment_provider_error")
