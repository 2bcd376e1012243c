"""VAT on invoice lines, as pure functions (no database), after EN 16931.

The rating engine prices lines (billing/rating.py); this module states their VAT:

- Each line has a rate. Lines of one rate form a VAT breakdown (EN 16931 BG-23): its
  taxable amount is the sum of their amounts excluding VAT, and its VAT is that amount
  times the rate, rounded half-up to the cent once (BR-CO-17).
- The breakdown's VAT is shared among its lines in proportion to their amounts (largest
  remainder first), so the lines' VAT of one rate adds up to that rate's VAT exactly.
- `total_excl_tax` is the sum of line amounts (BT-109), `total_tax` the sum of the
  breakdowns' VAT (BT-110), `total_incl_tax` their sum (BT-112), which is what is due.
- Prices stated including VAT (BILLING_PRICES_INCLUDE_TAX): the rated amounts are
  gross; each rate's VAT is `round_half_up(gross * rate / (100 + rate))` and the lines'
  amounts excluding VAT are their gross less their share of it.
- A seller exempt from VAT states no VAT: every rate is 0 and the invoice shows the
  seller's exemption mention.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from billing.rating import CENT, Line, money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TaxedLine:
    line: Line
    amount: Decimal  # excluding VAT
    tax_rate: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class Breakdown:
    tax_rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class Taxed:
    lines: list[TaxedLine]
    breakdown: list[Breakdown]
    total_excl_tax: Decimal
    total_tax: Decimal
    total_incl_tax: Decimal


def _share(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` split in cents in proportion to `weights`, the largest remainders first,
    so the shares add up to `total` exactly."""
    cents = int(total / CENT)
    whole = sum(weights, ZERO)
    if whole == 0 or cents == 0:
        return [ZERO for _ in weights]
    exact = [Fraction(cents) * Fraction(w) / Fraction(whole) for w in weights]
    shares = [int(x) for x in exact]
    left = cents - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in by_remainder[:left]:
        shares[index] += 1
    return [Decimal(s) * CENT for s in shares]


def apply(
    lines: Sequence[Line], rates: Sequence[Decimal], *, prices_include_tax: bool = False
) -> Taxed:
    """The VAT of `lines`, line k at `rates[k]` percent."""
    taxed: list[TaxedLine | None] = [None] * len(lines)
    breakdown = []
    for rate in sorted(set(rates)):
        indexes = [i for i, r in enumerate(rates) if r == rate]
        stated = sum((lines[i].amount for i in indexes), ZERO)
        if prices_include_tax:
            tax = money(Fraction(stated) * Fraction(rate) / (100 + Fraction(rate)))
            taxable = stated - tax
        else:
            taxable = stated
            tax = money(Fraction(stated) * Fraction(rate) / 100)
        shares = _share(tax, [lines[i].amount for i in indexes])
        for index, share in zip(indexes, shares, strict=True):
            line = lines[index]
            net = line.amount - share if prices_include_tax else line.amount
            taxed[index] = TaxedLine(line=line, amount=net, tax_rate=rate, tax_amount=share)
        breakdown.append(Breakdown(tax_rate=rate, taxable_amount=taxable, tax_amount=tax))
    total_excl = sum((b.taxable_amount for b in breakdown), ZERO)
    total_tax = sum((b.tax_amount for b in breakdown), ZERO)
    return Taxed(
        lines=[t for t in taxed if t is not None],
        breakdown=breakdown,
        total_excl_tax=total_excl,
        total_tax=total_tax,
        total_incl_tax=total_excl + total_tax,
    )


def breakdown_of(lines: Sequence[tuple[Decimal | None, Decimal, Decimal]]) -> list[Breakdown]:
    """The VAT breakdown of stored lines given as (tax_rate, amount, tax_amount); lines
    without a rate (issued before VAT was stated) are left out."""
    rates: dict[Decimal, list[Decimal]] = {}
    for rate, amount, tax_amount in lines:
        if rate is None:
            continue
        sums = rates.setdefault(rate, [ZERO, ZERO])
        sums[0] += amount
        sums[1] += tax_amount
    return [Breakdown(rate, sums[0], sums[1]) for rate, sums in sorted(rates.items())]
