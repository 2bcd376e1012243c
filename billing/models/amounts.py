"""What the billing models share: zero, the rounding step of rates, VAT rate fields."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Value

ZERO = "0.00"
HALF_MILLI = Value(Decimal("0.0005"))
# France's standard VAT rate, the default of plans and pack offers.
STANDARD_VAT_RATE = "20.00"


def tax_rate_field(**kwargs):
    """A VAT rate in percent (20.00 for 20 %), 0 to 100."""
    return models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        **kwargs,
    )
