"""Credit notes: what a decision on a disputed, already invoiced entry takes off its
invoice.

The invoice's period is rated again (billing/rating.py, the same terms, rollover,
proration and packs it was rated with) with the entry at the minutes the decision bills;
each line that comes out lower is credited by the difference, with the invoice's VAT
rate (billing/tax.py). A decision that costs the client nothing less (the minutes were
within the allowance) credits nothing. Credit notes are numbered in their own gapless
sequence per year, under a row lock, in the decision's transaction.

Settling: locally a manager marks it settled; with Stripe, a paid invoice's charge is
refunded by the credited amount (idempotent: one refund per credit note, keyed by it).
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assistants.services import time_entry_credit
from billing import periods, rating, selectors, tax
from billing.models import (
    CreditNote,
    CreditNoteLine,
    CreditNoteNumberSequence,
    CreditNoteStatus,
    Invoice,
    InvoicedEntry,
    InvoiceKind,
    LineKind,
)
from concierge.models import User
from concierge.platform.outbox import enqueue

ZERO = Decimal("0.00")


def _numbers(year: int) -> tuple[int, str]:
    CreditNoteNumberSequence.objects.get_or_create(year=year)
    sequence = CreditNoteNumberSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, f"AV-{year}-{sequence.last_number:06d}"


def _rating_plan(invoice: Invoice) -> rating.RatingPlan:
    if invoice.plan is not None:
        return selectors.rating_plan(invoice.plan, invoice.plan_terms)
    return selectors.pack_rating_plan(invoice.client_id)


def _rate(invoice: Invoice, minutes: dict[int, int]) -> rating.Rating:
    usage = invoice.usage or {}
    return rating.rate_period(
        plan=_rating_plan(invoice),
        entries=[rating.EntryUsage(k, 0, override_minutes=m) for k, m in minutes.items()],
        rollover_in=usage.get("rollover_in", 0),
        factor=Fraction(usage.get("proration", "1")),
        packs=[rating.PackBalance("packs", usage.get("pack_minutes", 0))],
    )


def _decided_minutes(entry, billed: InvoicedEntry) -> int:
    """The minutes the decision bills for the entry, at most what the invoice still bills
    for it (a decision never bills more after the fact)."""
    still = billed.billed_minutes - billed.credited_minutes
    if entry.status == "rejected":
        return 0
    if entry.billable_minutes_override is not None:
        return min(entry.billable_minutes_override, still)
    return still


def _credited_lines(before: rating.Rating, after: rating.Rating, currency: str, entry_id: int):
    """What comes out lower after, line by line (the fee never changes; overage tiers
    lose minutes from the top)."""
    was: dict = defaultdict(lambda: [0, ZERO])
    now: dict = defaultdict(lambda: [0, ZERO])
    for lines, into in ((before.lines, was), (after.lines, now)):
        for line in lines:
            key = (line.kind, line.unit_rate)
            into[key][0] += line.quantity_minutes or 0
            into[key][1] += line.amount
    credited = []
    for (kind, unit_rate), (minutes, amount) in was.items():
        less = amount - now[(kind, unit_rate)][1]
        if less <= 0:
            continue
        fewer = minutes - now[(kind, unit_rate)][0]
        rate = f" @ {unit_rate:.2f} {currency}/h" if unit_rate is not None else ""
        credited.append(
            rating.Line(
                kind=LineKind.ADJUSTMENT,
                description=f"Credit for time entry {entry_id}: {fewer} min{rate}",
                quantity_minutes=fewer or None,
                unit_rate=unit_rate,
                amount=less,
            )
        )
    return credited


@transaction.atomic
def credit_for_decision(*, entry, actor: User | None = None) -> CreditNote | None:
    """The credit note of a decision on a disputed entry its invoice bills, or None when
    it takes nothing off (accepted, or within the allowance)."""
    billed = InvoicedEntry.objects.select_for_update().get(entry_id=entry.pk)
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("plan", "plan_terms", "seller")
        .get(pk=billed.invoice_id)
    )
    if invoice.kind != InvoiceKind.PERIOD:
        return None
    decided = _decided_minutes(entry, billed)
    fewer = billed.billed_minutes - billed.credited_minutes - decided
    if fewer <= 0:
        return None
    minutes = {
        row.entry_id: row.billed_minutes - row.credited_minutes
        for row in InvoicedEntry.objects.filter(invoice=invoice).select_for_update()
    }
    before = _rate(invoice, minutes)
    after = _rate(invoice, {**minutes, entry.pk: decided})
    billed.credited_minutes += fewer
    billed.save(update_fields=["credited_minutes"])
    time_entry_credit(entry_id=entry.pk, minutes=fewer)
    lines = _credited_lines(before, after, invoice.currency, entry.pk)
    if not lines:
        return None
    rates = [x for x in invoice.lines.values_list("tax_rate", flat=True) if x is not None]
    rate = rates[0] if rates else ZERO
    taxed = tax.apply(lines, [rate] * len(lines), prices_include_tax=invoice.prices_include_tax)
    now = timezone.now()
    year = now.astimezone(periods.zone()).year
    sequence, number = _numbers(year)
    note = CreditNote.objects.create(
        invoice=invoice,
        client_id=invoice.client_id,
        entry_id=entry.pk,
        year=year,
        sequence=sequence,
        number=number,
        reason=f"Dispute of time entry {entry.pk} decided: {entry.dispute_decision}",
        currency=invoice.currency,
        seller=invoice.seller,
        buyer=invoice.buyer,
        prices_include_tax=invoice.prices_include_tax,
        total_excl_tax=taxed.total_excl_tax,
        total_tax=taxed.total_tax,
        total_incl_tax=taxed.total_incl_tax,
        credited_minutes=fewer,
        issued_at=now,
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note,
            position=position,
            kind=t.line.kind,
            description=t.line.description,
            quantity_minutes=t.line.quantity_minutes,
            unit_rate=t.line.unit_rate,
            amount=t.amount,
            tax_rate=t.tax_rate,
            tax_amount=t.tax_amount,
        )
        for position, t in enumerate(taxed.lines)
    )
    transaction.on_commit(lambda: enqueue("billing.notices.tell_credit_note_issued", note.pk))
    if settings.STRIPE_ENABLED and invoice.stripe_invoice_id:
        transaction.on_commit(lambda: enqueue("billing.stripe_jobs.settle_credit_note", note.pk))
    return note


def on_invoiced_entry_decided(sender, entry, actor, **kwargs) -> None:
    """Receiver of assistants' `invoiced_entry_decided`."""
    credit_for_decision(entry=entry, actor=actor)


@transaction.atomic
def credit_note_mark_settled(*, credit_note: CreditNote, actor: User | None) -> CreditNote:
    """A manager records that the credit was refunded or set off (locally; or with
    Stripe, for an invoice Stripe has not been paid: nothing to refund there). Repeats
    are no-ops."""
    note = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
    if note.status != CreditNoteStatus.SETTLED:
        _settle(note, actor=actor)
    return note


def _settle(note: CreditNote, *, actor: User | None = None, **stripe_ids: str) -> None:
    note.status = CreditNoteStatus.SETTLED
    note.settled_at = timezone.now()
    note.settled_by = actor
    for name, value in stripe_ids.items():
        setattr(note, name, value)
    note.save(update_fields=["status", "settled_at", "settled_by", *stripe_ids])


def settled_by_stripe(note_id: int, *, refund_id: str) -> CreditNote:
    with transaction.atomic():
        note = CreditNote.objects.select_for_update().get(pk=note_id)
        if note.status != CreditNoteStatus.SETTLED:
            _settle(note, stripe_refund_id=refund_id)
    return note


def issued_on(note: CreditNote) -> datetime.date:
    return note.issued_at.astimezone(periods.zone()).date()
