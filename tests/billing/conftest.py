"""Billing fixtures: the seller invoices are issued by."""

import pytest

from billing import seller as billing_seller


@pytest.fixture
def seller(db, settings):
    """A French company as seller, required for issuing (as outside debug)."""
    settings.BILLING_REQUIRE_SELLER = True
    return billing_seller.seller_update(
        actor=None,
        name="Conciergerie Exemple SAS",
        address="12 rue de la Paix\n75002 Paris",
        country_code="FR",
        siren="123456782",
        vat_id="FR32123456782",
        legal_form="SAS",
        share_capital="10 000 EUR",
        email="factures@example.test",
        payment_terms_days=30,
        late_payment_text=billing_seller.DEFAULT_LATE_PAYMENT_TEXT,
        recovery_indemnity_text=billing_seller.DEFAULT_RECOVERY_INDEMNITY_TEXT,
    )
