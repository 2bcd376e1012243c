"""Plans and their dated terms: a plan's price and allowance change from a date on,
without rewriting what was already billed."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import errors, periods, rating
from billing.audit import Action
from billing.models import (
    PLAN_FIELDS,
    TERMS_FIELDS,
    Invoice,
    Plan,
    PlanKind,
    PlanTerms,
    Subscription,
)
from concierge import audit
from concierge.errors import Conflict, Invalid
from concierge.models import User
from concierge.services import locked


def _validate_plan(fields: dict) -> None:
    problems = {}
    tier_problems = rating.validate_tiers(fields.get("overage_tiers") or [])
    if tier_problems:
        problems["overage_tiers"] = tier_problems
    if fields.get("kind") == PlanKind.HOURLY:
        for name in ("monthly_fee", "included_minutes", "rollover_cap_minutes"):
            if fields.get(name):
                problems[name] = ["An hourly plan has no fee, included minutes or rollover."]
    if fields.get("rounding_increment_minutes", 1) < 1:
        problems["rounding_increment_minutes"] = ["Must be at least 1."]
    if problems:
        raise Invalid(errors.Code.INVALID, _("The plan is not valid."), fields=problems)


def _normalise_tiers(tiers: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "up_to_minutes": t["up_to_minutes"],
            "hourly_rate": f"{Decimal(str(t['hourly_rate'])):.2f}",
        }
        for t in tiers
    ]


def _plan_fields(plan: Plan, changes: dict) -> dict:
    """`plan`'s PLAN_FIELDS with `changes` made, checked and normalised (400 invalid)."""
    fields = {name: getattr(plan, name) for name in PLAN_FIELDS} | changes
    _validate_plan(fields)
    if Plan.objects.filter(code=fields["code"]).exclude(pk=plan.pk).exists():
        raise Invalid(
            errors.Code.INVALID, _("The plan is not valid."), fields={"code": [_("Taken.")]}
        )
    fields["overage_tiers"] = _normalise_tiers(fields["overage_tiers"])
    fields["currency"] = fields["currency"].upper()
    return fields


@transaction.atomic
def plan_create(*, actor: User | None = None, **fields: Any) -> Plan:
    """A new plan of PLAN_FIELDS (the model's defaults for those left out)."""
    plan = Plan.objects.create(**_plan_fields(Plan(), fields))
    _terms_from(plan, SINCE_ALWAYS)
    audit.record(
        actor=actor,
        action=Action.PLAN_CREATED,
        target=plan,
        changes=audit.created(audit.snapshot(plan, PLAN_FIELDS)),
    )
    return plan


# A new plan's terms apply to any period, even one before it was created (a manager may
# subscribe a migrated customer from a past start date).
SINCE_ALWAYS = datetime.date(2000, 1, 1)


def _terms_from(plan: Plan, effective_from: datetime.date) -> PlanTerms:
    terms, _created = PlanTerms.objects.update_or_create(
        plan=plan,
        effective_from=effective_from,
        defaults={name: getattr(plan, name) for name in TERMS_FIELDS},
    )
    return terms


def _plan_in_use(plan: Plan) -> bool:
    return (
        Subscription.objects.filter(Q(plan=plan) | Q(scheduled_plan=plan)).exists()
        or Invoice.objects.filter(plan=plan).exists()
    )


@transaction.atomic
def plan_update(*, plan: Plan, actor: User | None = None, **changes: Any) -> Plan:
    plan = locked(plan)
    before = audit.snapshot(plan, PLAN_FIELDS)
    fields = _plan_fields(plan, changes)
    terms_changed = any(fields[name] != getattr(plan, name) for name in TERMS_FIELDS)
    in_use = _plan_in_use(plan)
    if in_use and fields["kind"] != plan.kind:
        raise Conflict(
            errors.Code.PLAN_IN_USE,
            _("A plan that has subscribers keeps its kind; create a new plan instead."),
            fields={"kind": [_("Fixed once the plan has subscribers.")]},
        )
    if in_use and terms_changed and not plan.terms.exists():
        _terms_from(plan, SINCE_ALWAYS)  # the terms it was used at, before they change
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    changed = audit.changes_of(before, audit.snapshot(plan, PLAN_FIELDS))
    if changed:
        audit.record(actor=actor, action=Action.PLAN_CHANGED, target=plan, changes=changed)
    if terms_changed:
        if in_use:
            # Never retroactive: a running period keeps the terms it started with.
            _terms_from(plan, periods.next_period(periods.period_of_instant(timezone.now())))
        else:
            plan.terms.all().delete()
            _terms_from(plan, SINCE_ALWAYS)
    return plan
