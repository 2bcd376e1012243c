"""A localstripe process on loopback for Stripe tests."""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.peers import free_port

LOCALSTRIPE = Path(sys.executable).with_name("localstripe")
SECRET_KEY = "sk_test_" + "a" * 32

# Test card numbers localstripe knows: one that is charged, one that attaches and is then
# declined on every charge.
CARD_OK = "4242424242424242"
CARD_DECLINED_ON_CHARGE = "4000000000000341"


@pytest.fixture
def localstripe(tmp_path, settings):
    """Start localstripe, point the Stripe settings at it, stop it at teardown."""
    if not LOCALSTRIPE.exists():
        pytest.skip("localstripe is not installed")
    import stripe

    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [str(LOCALSTRIPE), "--port", str(port), "--from-scratch"],
        env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/v1/customers", timeout=1)  # noqa: S310
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("localstripe did not start") from None
            time.sleep(0.1)
    old_base, old_key = stripe.api_base, stripe.api_key
    settings.STRIPE_TEST_SECRET_KEY = SECRET_KEY
    settings.STRIPE_LIVE_MODE = False
    settings.STRIPE_API_HOST = base
    settings.STRIPE_ENABLED = True
    try:
        yield base
    finally:
        stripe.api_base, stripe.api_key = old_base, old_key
        proc.kill()
        proc.wait(timeout=10)


def card_payment_method(number):
    """A PaymentMethod created from a card number, as Stripe.js creates it in a browser
    (call it with the `localstripe` fixture active)."""
    from django.utils import timezone

    from billing import stripe as billing_stripe

    return billing_stripe.client().PaymentMethod.create(
        type="card",
        card={
            "number": number,
            "exp_month": 12,
            "exp_year": timezone.now().year + 3,
            "cvc": "123",
        },
    )
