"""Cards saved with Strong Customer Authentication: `POST payment-method/setup-intent/`
starts a SetupIntent for off-session payments, Stripe.js confirms it (here the SDK does
what Stripe.js does), and `POST payment-method/` with `setup_intent` makes its card the
default; against localstripe, which answers 3-D Secure test cards with requires_action."""

import pytest
import stripe
from djstripe.models import Customer

from tests.checks import assert_access_matrix, assert_error
from tests.stripe_peer import card_payment_method, localstripe  # noqa: F401

pytestmark = pytest.mark.django_db

START = "/api/v1/payment-method/setup-intent/"
SET = "/api/v1/payment-method/"
# A 3-D Secure test card: every setup needs the card holder's authentication.
CARD_3DS = "4000002760003184"


def test_only_clients_start_a_setup_intent(anon_api, assistant_api, manager_api, settings):
    settings.STRIPE_ENABLED = False
    assert_access_matrix(
        method="post", url=START, anonymous=anon_api, forbidden=[assistant_api, manager_api]
    )


def test_local_mode_has_no_setup_intents(settings, client_api):
    settings.STRIPE_ENABLED = False
    assert_error(client_api.post(START), 409, "payments_not_configured")


def test_a_confirmed_setup_intent_saves_the_card(localstripe, client_api, client_user):  # noqa: F811
    started = client_api.post(START)
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["setup_intent"].startswith("seti_") and body["client_secret"]
    intent = stripe.SetupIntent.retrieve(body["setup_intent"])
    assert intent.usage == "off_session"
    assert intent.customer == Customer.objects.get(subscriber=client_user).id
    # Not confirmed yet: nothing to save.
    assert_error(
        client_api.post(SET, {"setup_intent": intent.id}, format="json"),
        409,
        "setup_intent_incomplete",
    )
    stripe.SetupIntent.confirm(intent.id, payment_method="pm_card_visa")
    saved = client_api.post(SET, {"setup_intent": intent.id}, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["payment_method"] == stripe.SetupIntent.retrieve(intent.id).payment_method
    assert client_api.get(SET).json()["payment_method"] == saved.json()["payment_method"]
    # Repeating it changes nothing.
    again = client_api.post(SET, {"setup_intent": intent.id}, format="json")
    assert again.json() == saved.json()


def test_a_card_that_needs_authentication_waits_for_it(localstripe, client_api):  # noqa: F811
    intent_id = client_api.post(START).json()["setup_intent"]
    card = card_payment_method(CARD_3DS)
    stripe.SetupIntent.confirm(intent_id, payment_method=card.id)
    intent = stripe.SetupIntent.retrieve(intent_id)
    assert intent.status == "requires_action"
    body = assert_error(
        client_api.post(SET, {"setup_intent": intent_id}, format="json"),
        409,
        "setup_intent_incomplete",
    )
    assert "authenticate" in body["detail"]
    assert client_api.get(SET).json()["payment_method"] is None


def test_another_clients_setup_intent_is_refused(localstripe, client_api, other_client_api):  # noqa: F811
    theirs = other_client_api.post(START).json()["setup_intent"]
    stripe.SetupIntent.confirm(theirs, payment_method="pm_card_visa")
    assert_error(
        client_api.post(SET, {"setup_intent": theirs}, format="json"), 400, "invalid_payment_method"
    )
    assert_error(
        client_api.post(SET, {"setup_intent": "seti_unknown"}, format="json"),
        400,
        "invalid_payment_method",
    )
    both = client_api.post(SET, {"setup_intent": theirs, "payment_method": "pm_x"}, format="json")
    assert_error(both, 400, "invalid")


def test_the_portal_saves_a_card_through_a_setup_intent(localstripe, client_user, settings):  # noqa: F811
    """The plan page's card form: the page names the SetupIntent endpoint its script asks
    (with the portal session), and posts the intent Stripe.js confirmed."""
    from django.test import Client

    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_portal"
    web = Client()
    web.force_login(client_user)
    page = web.get("/app/plan/").content.decode()
    assert f'data-setup-intent-url="{START}"' in page and 'name="setup_intent"' in page
    started = web.post(START, HTTP_ACCEPT="application/json")
    assert started.status_code == 201, started.content
    intent_id = started.json()["setup_intent"]
    stripe.SetupIntent.confirm(intent_id, payment_method="pm_card_visa")
    saved = web.post("/app/plan/card/", {"setup_intent": intent_id}, follow=True)
    assert "Your card ending 4242 is saved." in saved.content.decode()
    neither = web.post("/app/plan/card/", {}, follow=True)
    assert "The card could not be read" in neither.content.decode()
