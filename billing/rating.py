"""The rating engine: BILLING.md as pure functions (no database, no Stripe).

Plan, entries and balances in; lines, totals, the usage breakdown and the rollover out.
Money is Decimal; each line is rounded half-up to the minor unit once, when it is made.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def round_half_up(value: Fraction | Decimal | int, places: int = 0) -> Decimal:
    """Exact half-up rounding of a rational number to `places` decimals."""
    exact = Fraction(value)
    scale = 10**places
    scaled = exact * scale
    sign = -1 if scaled < 0 else 1
    magnitude = abs(scaled)
    whole = (magnitude.numerator * 2 + magnitude.denominator) // (2 * magnitude.denominator)
    return (Decimal(sign * whole) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def money(value: Fraction | Decimal | int) -> Decimal:
    return round_half_up(value, 2)


@dataclass(frozen=True)
class Tier:
    up_to_minutes: int | None
    hourly_rate: Decimal


@dataclass(frozen=True)
class RatingPlan:
    name: str = "Plan"
    monthly_fee: Decimal = Decimal("0.00")
    included_minutes: int = 0
    rollover_cap_minutes: int = 0
    rounding_increment_minutes: int = 1
    tiers: tuple[Tier, ...] = (Tier(None, Decimal("0.00")),)
    currency: str = "EUR"


def validate_tiers(raw: Sequence[dict]) -> list[str]:
    """Problems with an `overage_tiers` list (empty when it is valid)."""
    problems = []
    if not raw:
        return ["At least one tier is required."]
    previous = 0
    for index, tier in enumerate(raw):
        if not isinstance(tier, dict) or set(tier) != {"up_to_minutes", "hourly_rate"}:
            problems.append(f"Tier {index}: needs exactly up_to_minutes and hourly_rate.")
            continue
        last = index == len(raw) - 1
        up_to = tier["up_to_minutes"]
        if last and up_to is not None:
            problems.append("The last tier must have up_to_minutes null (unbounded).")
        if not last:
            if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to <= previous:
                problems.append(f"Tier {index}: up_to_minutes must increase strictly.")
            else:
                previous = up_to
        try:
            rate = Decimal(str(tier["hourly_rate"]))
        except ArithmeticError:
            problems.append(f"Tier {index}: hourly_rate is not a number.")
            continue
        if not rate.is_finite() or rate < 0 or rate != rate.quantize(CENT):
            problems.append(f"Tier {index}: hourly_rate must be ≥ 0 with at most 2 decimals.")
    return problems


def tiers_from(raw: Sequence[dict]) -> tuple[Tier, ...]:
    return tuple(Tier(t["up_to_minutes"], Decimal(str(t["hourly_rate"]))) for t in raw)


@dataclass(frozen=True)
class EntryUsage:
    """An entry to bill: its measured duration, or a manager's adjusted minutes."""

    key: object
    duration_seconds: int
    override_minutes: int | None = None


@dataclass(frozen=True)
class PackBalance:
    key: object
    remaining_minutes: int


@dataclass(frozen=True)
class Line:
    kind: str
    description: str
    quantity_minutes: int | None
    unit_rate: Decimal | None
    amount: Decimal


@dataclass
class Rating:
    lines: list[Line]
    total: Decimal
    used_minutes: int
    rollover_in: int
    included_minutes: int
    pack_minutes: int
    from_rollover: int
    from_included: int
    from_packs: int
    overage_minutes: int
    rollover_out: int
    entry_minutes: dict = field(default_factory=dict)
    pack_usage: dict = field(default_factory=dict)

    def usage(self) -> dict:
        return {
            "used_minutes": self.used_minutes,
            "rollover_in": self.rollover_in,
            "included_minutes": self.included_minutes,
            "pack_minutes": self.pack_minutes,
            "from_rollover": self.from_rollover,
            "from_included": self.from_included,
            "from_packs": self.from_packs,
            "overage_minutes": self.overage_minutes,
            "rollover_out": self.rollover_out,
        }


def billable_minutes(duration_seconds: int, increment: int) -> int:
    """`ceil(duration_seconds / (60 * g)) * g`."""
    if duration_seconds <= 0:
        return 0
    block = 60 * increment
    return -(-duration_seconds // block) * increment


def entry_minutes(entry: EntryUsage, increment: int) -> int:
    if entry.override_minutes is not None:
        return entry.override_minutes
    return billable_minutes(entry.duration_seconds, increment)


def _fmt_rate(rate: Decimal) -> str:
    return f"{rate.quantize(CENT)}"


def overage_lines(tiers: Sequence[Tier], overage: int, currency: str) -> list[Line]:
    """Graduated: tier k covers overage minutes from up_to(k-1) to up_to(k)."""
    lines = []
    lower = 0
    for tier in tiers:
        if overage <= lower:
            break
        upper = overage if tier.up_to_minutes is None else min(overage, tier.up_to_minutes)
        minutes = upper - lower
        if minutes > 0:
            amount = money(Fraction(minutes) * Fraction(tier.hourly_rate) / 60)
            lines.append(
                Line(
                    kind="overage",
                    description=(
                        f"Overage: {minutes} min @ {_fmt_rate(tier.hourly_rate)} {currency}/h"
                    ),
                    quantity_minutes=minutes,
                    unit_rate=tier.hourly_rate,
                    amount=amount,
                )
            )
        if tier.up_to_minutes is None:
            break
        lower = tier.up_to_minutes
    return lines


def overage_amount(tiers: Sequence[Tier], overage: int) -> Decimal:
    return sum((line.amount for line in overage_lines(tiers, overage, "")), Decimal("0.00"))


def rate_period(
    *,
    plan: RatingPlan,
    entries: Sequence[EntryUsage] = (),
    rollover_in: int = 0,
    factor: Fraction = Fraction(1),
    packs: Sequence[PackBalance] = (),
    factor_label: str = "",
) -> Rating:
    """Rate one period of one subscription."""
    g = plan.rounding_increment_minutes
    per_entry = {entry.key: entry_minutes(entry, g) for entry in entries}
    used = sum(per_entry.values())
    included = int(round_half_up(Fraction(plan.included_minutes) * factor))
    pack_total = sum(max(pack.remaining_minutes, 0) for pack in packs)

    from_rollover = min(used, rollover_in)
    from_included = min(used - from_rollover, included)
    from_packs = min(used - from_rollover - from_included, pack_total)
    overage = used - from_rollover - from_included - from_packs
    rollover_out = min(plan.rollover_cap_minutes, included - from_included)

    pack_usage = {}
    left = from_packs
    for pack in packs:
        if left <= 0:
            break
        take = min(left, max(pack.remaining_minutes, 0))
        if take:
            pack_usage[pack.key] = take
            left -= take

    lines = []
    if plan.monthly_fee:
        fee = money(Fraction(plan.monthly_fee) * factor)
        label = f"Monthly fee: {plan.name}"
        if factor != 1:
            label += f" (prorated {factor_label or factor})"
        lines.append(Line("fee", label, None, None, fee))
    lines.extend(overage_lines(plan.tiers, overage, plan.currency))
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return Rating(
        lines=lines,
        total=total,
        used_minutes=used,
        rollover_in=rollover_in,
        included_minutes=included,
        pack_minutes=pack_total,
        from_rollover=from_rollover,
        from_included=from_included,
        from_packs=from_packs,
        overage_minutes=overage,
        rollover_out=rollover_out,
        entry_minutes=per_entry,
        pack_usage=pack_usage,
    )
