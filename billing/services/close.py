"""The period close: rate each subscription's period, issue its invoice, draw its packs
and carry its rollover, in chunks, all or nothing per chunk; then the pack statements.

The rating itself is pure (billing/rating.py); this module loads what it needs in bulk,
stores the result and links every billed entry to its invoice in the same transaction."""

import datetime
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assistants.services import time_entries_bill
from billing import errors, periods, rating, selectors, tax
from billing.models import (
    BillingEventSource,
    HourPack,
    Invoice,
    InvoicedEntry,
    InvoiceHistory,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    PlanTerms,
    Subscription,
    SubscriptionHistory,
    SubscriptionStatus,
)
from billing.services.invoices import LegalMentions, _announce, _numbers
from billing.services.transitions import SUBSCRIPTION_TRANSITIONS, _allowed, history_entry
from concierge import audit
from concierge.errors import Conflict
from concierge.models import AuditLog, User

log = logging.getLogger(__name__)

CLOSE_CHUNK = 500


@dataclass
class CloseResult:
    periods: list = field(default_factory=list)
    invoices: int = 0


@dataclass(frozen=True)
class Close:
    """One close of one period: the period, the moment it runs (every invoice and event it
    writes carries that one time) and who asked for it (None: the scheduled job). Handed
    down whole, so no step can be given another step's period or moment by mistake."""

    period: datetime.date
    now: datetime.datetime
    actor: User | None

    @property
    def source(self) -> str:
        """Who the events of this close name as their origin."""
        return BillingEventSource.MANAGER if self.actor is not None else BillingEventSource.JOB

    @property
    def last_day(self) -> datetime.date:
        return periods.last_day(self.period)

    @property
    def year(self) -> int:
        """The year whose invoice numbers this close uses: the year it is issued in."""
        return self.now.astimezone(periods.zone()).year


def _awaiting(period: datetime.date) -> Q:
    """Subscriptions whose next period to close is `period`."""
    return ~Q(status=SubscriptionStatus.CANCELLED) & (
        Q(closed_through=periods.previous_period(period))
        | Q(
            closed_through__isnull=True,
            start_date__gte=period,
            start_date__lte=periods.last_day(period),
        )
    )


def _first_open_period() -> datetime.date | None:
    live = Subscription.objects.exclude(status=SubscriptionStatus.CANCELLED)
    found = live.aggregate(
        closed=Min("closed_through"),
        started=Min("start_date", filter=Q(closed_through__isnull=True)),
    )
    candidates = []
    if found["closed"]:
        candidates.append(periods.next_period(found["closed"]))
    if found["started"]:
        candidates.append(periods.period_of(found["started"]))
    return min(candidates) if candidates else None


def billing_period_close(
    *,
    period: datetime.date | None = None,
    now: datetime.datetime | None = None,
    actor: User | None = None,
) -> CloseResult:
    """Close every ended, unclosed period up to `period` (default: the last ended one),
    oldest first, so rollover chains; then the pack statements of clients without a
    subscription. Idempotent and safe to run concurrently."""
    now = now or timezone.now()
    last = periods.last_ended_period(now)
    if period is not None:
        period = periods.period_of(period)
        if period > last:
            raise Conflict(errors.Code.PERIOD_NOT_ENDED, _("That period has not ended yet."))
        last = period
    result = CloseResult()
    current = _first_open_period()
    while current is not None and current <= last:
        created = _close_period(Close(period=current, now=now, actor=actor))
        if created:
            result.periods.append(current)
            result.invoices += created
        current = periods.next_period(current)
    statements = _close_pack_statements(Close(period=last, now=now, actor=actor))
    if statements:
        if last not in result.periods:
            result.periods.append(last)
        result.invoices += statements
    return result


def close_one_period(
    *, period: datetime.date, now: datetime.datetime | None = None, actor: User | None = None
) -> int:
    """Close `period` for every subscription awaiting it; the count of invoices issued."""
    return _close_period(Close(period=period, now=now or timezone.now(), actor=actor))


def _close_period(close: Close) -> int:
    """Close one period, CLOSE_CHUNK subscriptions at a time (a transaction each)."""
    ids = list(
        Subscription.objects.filter(_awaiting(close.period))
        .order_by("id")
        .values_list("id", flat=True)
    )
    created = 0
    for index in range(0, len(ids), CLOSE_CHUNK):
        created += _close_chunk(close, ids[index : index + CLOSE_CHUNK])
    return created


def _load_usage(
    client_ids: Collection[int], close: Close
) -> tuple[dict[int, list[rating.EntryUsage]], dict[int, list[HourPack]]]:
    """The entries to bill (locked) and the usable packs (locked) of these clients."""
    start, end = periods.bounds(close.period)
    entries_by_client: dict[int, list] = {}
    rows = (
        selectors.unbilled_entries(client_ids, end)
        .select_for_update(of=("self",))
        .order_by("started_at", "id")
        .values_list("id", "task__client_id", "started_at", "ended_at", "billable_minutes_override")
    )
    for entry_id, client_id, started_at, ended_at, override in rows:
        entries_by_client.setdefault(client_id, []).append(
            selectors.entry_usage(entry_id, started_at, ended_at, override)
        )
    packs_by_client: dict[int, list[HourPack]] = {}
    for pack in selectors.usable_packs(client_ids, start, end).select_for_update():
        packs_by_client.setdefault(pack.client_id, []).append(pack)
    return entries_by_client, packs_by_client


@dataclass
class Batch:
    """What one chunk of the close (or the pack statements) issues, gathered in memory and
    then written at once by `_issue`: each invoice with its rating and its taxed lines,
    and the packs it drew from."""

    invoices: list[Invoice] = field(default_factory=list)
    rated: list[rating.Rating] = field(default_factory=list)
    taxed: list[tax.Taxed] = field(default_factory=list)
    packs_touched: list[HourPack] = field(default_factory=list)

    def add(self, invoice: Invoice, rated: rating.Rating, taxed: tax.Taxed) -> None:
        self.invoices.append(invoice)
        self.rated.append(rated)
        self.taxed.append(taxed)

    def draw(self, client_packs: list[HourPack], rated: rating.Rating) -> None:
        """Take the minutes `rated` used from the client's packs."""
        for pack in client_packs:
            used = rated.pack_usage.get(pack.pk)
            if used:
                pack.remaining_minutes -= used
                self.packs_touched.append(pack)


def _issue(close: Close, batch: Batch) -> bool:
    """Store new invoices with their lines and issue events, link every billed entry to
    its invoice and draw the packs. False when a concurrent close got there first."""
    invoices = batch.invoices
    try:
        with transaction.atomic():
            Invoice.objects.bulk_create(invoices)
    except IntegrityError:
        return False
    lines, billed, events = [], [], []
    for invoice, rated, taxed in zip(invoices, batch.rated, batch.taxed, strict=True):
        for position, taxed_line in enumerate(taxed.lines):
            line = taxed_line.line
            lines.append(
                InvoiceLine(
                    invoice=invoice,
                    position=position,
                    kind=line.kind,
                    description=line.description,
                    quantity_minutes=line.quantity_minutes,
                    unit_rate=line.unit_rate,
                    amount=taxed_line.amount,
                    tax_rate=taxed_line.tax_rate,
                    tax_amount=taxed_line.tax_amount,
                )
            )
        for entry_id, minutes in rated.entry_minutes.items():
            billed.append(
                InvoicedEntry(entry_id=entry_id, invoice_id=invoice.pk, billed_minutes=minutes)
            )
        events.append(
            history_entry(
                invoice,
                InvoiceHistory.ISSUE,
                to_status=invoice.status,
                source=close.source,
                actor=close.actor,
                at=close.now,
            )
        )
    InvoiceLine.objects.bulk_create(lines, batch_size=1000)
    audit.write(events)
    InvoicedEntry.objects.bulk_create(billed, batch_size=1000)
    time_entries_bill(
        minutes={row.entry_id: row.billed_minutes for row in billed}, billed_at=close.now
    )
    _save_fields(batch.packs_touched, ["remaining_minutes"])
    _announce(invoice.pk for invoice in invoices if invoice.total)
    return True


def _period_invoice(
    close: Close,
    *,
    client_id: int,
    subscription: Subscription | None,
    number: str,
    taxed: tax.Taxed,
    legal: LegalMentions,
    currency: str,
    **extra: Any,
) -> Invoice:
    paid = taxed.total_incl_tax == 0
    return Invoice(
        client_id=client_id,
        subscription=subscription,
        kind=InvoiceKind.PERIOD,
        number=number,
        period_start=close.period,
        period_end=close.last_day,
        status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN,
        currency=currency,
        created_at=close.now,
        finalised_at=close.now,
        paid_at=close.now if paid else None,
        **legal.fields(client_id, taxed),
        **extra,
    )


def _lock_awaiting(close: Close, ids: list[int]) -> list[Subscription]:
    """These subscriptions, locked, if they still await `period`'s close (a concurrent
    close may have taken them since their ids were read)."""
    return list(
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "scheduled_plan")
        .filter(_awaiting(close.period), id__in=ids)
        .order_by("id")
    )


def _apply_scheduled_plan(sub: Subscription, period: datetime.date) -> None:
    """A downgrade scheduled for this period takes effect now, before it is rated."""
    if (
        sub.scheduled_plan_id
        and sub.scheduled_plan_from
        and sub.scheduled_plan_from <= period
        and sub.scheduled_plan is not None
    ):
        sub.plan = sub.scheduled_plan
        sub.scheduled_plan = None
        sub.scheduled_plan_from = None


def _rate_subscription(
    sub: Subscription,
    terms: PlanTerms | None,
    period: datetime.date,
    factor: Fraction,
    entries: list[rating.EntryUsage],
    packs: list[HourPack],
) -> rating.Rating:
    """The period rated at the subscription's plan and `terms`, prorated by `factor`,
    with the minutes it rolled over and its client's `packs`."""
    return rating.rate_period(
        plan=selectors.rating_plan(sub.plan, terms),
        entries=entries,
        rollover_in=sub.rollover_minutes if sub.closed_through else 0,
        factor=factor,
        packs=[rating.PackBalance(p.pk, p.remaining_minutes) for p in packs],
        factor_label=(
            f"{factor.numerator * periods.days_in(period) // factor.denominator}"
            f"/{periods.days_in(period)} days"
        ),
    )


def _subscription_invoice(
    close: Close,
    sub: Subscription,
    *,
    terms: PlanTerms | None,
    factor: Fraction,
    taxed: tax.Taxed,
    legal: LegalMentions,
    rated: rating.Rating,
    number: str,
) -> Invoice:
    usage = {**rated.usage(), "proration": str(factor)}
    if terms is not None:
        usage["terms_effective_from"] = terms.effective_from.isoformat()
    return _period_invoice(
        close,
        client_id=sub.client_id,
        subscription=sub,
        number=number,
        taxed=taxed,
        legal=legal,
        currency=terms.currency if terms else sub.plan.currency,
        usage=usage,
        plan=sub.plan,
        plan_terms=terms,
    )


def _mark_closed(close: Close, sub: Subscription, rated: rating.Rating) -> AuditLog | None:
    """Record `period` as closed on the subscription, with the minutes it rolls over; one
    cancelled at the end of this period ends (the event returned, to be stored)."""
    sub.closed_through = close.period
    sub.rollover_minutes = rated.rollover_out
    sub.updated_at = close.now
    if not (sub.cancel_at_period_end and sub.ended_on and sub.ended_on <= close.last_day):
        return None
    target = _allowed(SUBSCRIPTION_TRANSITIONS, "end", sub.status)
    if target is None:
        return None
    event = history_entry(
        sub,
        SubscriptionHistory.END,
        from_status=sub.status,
        to_status=target,
        source=close.source,
        actor=close.actor,
        note="cancelled at the end of its last period",
        at=close.now,
    )
    sub.status = target
    return event


# What closing a period changes on a subscription (saved for the whole chunk at once).
CLOSED_FIELDS = [
    "plan",
    "scheduled_plan",
    "scheduled_plan_from",
    "closed_through",
    "rollover_minutes",
    "status",
    "updated_at",
]


@transaction.atomic
def _close_chunk(close: Close, ids: list[int]) -> int:
    """Close the period for these subscriptions: rate each one's usage, issue its invoice,
    draw its packs and carry its rollover; all or nothing."""
    subs = _lock_awaiting(close, ids)
    if not subs:
        return 0
    period = close.period
    entries_by_client, packs_by_client = _load_usage([s.client_id for s in subs], close)
    terms_of = selectors.terms_by_plan(
        [s.plan_id for s in subs] + [s.scheduled_plan_id for s in subs if s.scheduled_plan_id]
    )
    legal = LegalMentions.now([s.client_id for s in subs], close.now)
    numbers = iter(_numbers(close.year, len(subs)))
    batch = Batch()
    ended = []
    for sub in subs:
        _apply_scheduled_plan(sub, period)
        terms = selectors.terms_in_force(terms_of.get(sub.plan_id, []), period)
        factor = periods.proration_factor(start_date=sub.start_date, period=period)
        packs = packs_by_client.get(sub.client_id, [])
        entries = entries_by_client.get(sub.client_id, [])
        rated = _rate_subscription(sub, terms, period, factor, entries, packs)
        taxed = legal.taxed(rated.lines, (terms or sub.plan).tax_rate)
        batch.draw(packs, rated)
        invoice = _subscription_invoice(
            close,
            sub,
            terms=terms,
            factor=factor,
            taxed=taxed,
            legal=legal,
            rated=rated,
            number=next(numbers),
        )
        batch.add(invoice, rated, taxed)
        if event := _mark_closed(close, sub, rated):
            ended.append(event)

    if not _issue(close, batch):
        # Another close made these invoices between our read and our write.
        log.info("billing close of %s raced another close; nothing done", period)
        transaction.set_rollback(True)
        return 0
    audit.write(ended)
    _save_fields(subs, CLOSED_FIELDS)
    return len(batch.invoices)


def close_pack_statements(
    *, period: datetime.date, now: datetime.datetime | None = None, actor: User | None = None
) -> int:
    """Clients without a live subscription (hour packs only): one statement for `period`
    of their unbilled billable time started before its end, drawn from their packs
    (oldest first); time beyond the packs is billed at the latest pack's own hourly
    price. Clients already given a statement for `period` wait for the next one."""
    return _close_pack_statements(Close(period=period, now=now or timezone.now(), actor=actor))


@transaction.atomic
def _close_pack_statements(close: Close) -> int:
    end = periods.bounds(close.period)[1]
    live = Subscription.objects.exclude(status=SubscriptionStatus.CANCELLED).values("client_id")
    stated = Invoice.objects.filter(
        kind=InvoiceKind.PERIOD, subscription__isnull=True, period_start=close.period
    ).values("client_id")
    client_ids = sorted(
        set(
            selectors.unbilled_entries_of_all(end)
            .exclude(task__client_id__in=live)
            .exclude(task__client_id__in=stated)
            .values_list("task__client_id", flat=True)
        )
    )
    if not client_ids:
        return 0
    # Lock the clients' rows, as `subscription_create` does, in pk order: the rows must be
    # fetched for the lock to be taken (Django drops FOR UPDATE from `.count()`). Then read
    # again, with the lock held, who still has no subscription: one created while we
    # waited is committed now, and that client's time is its subscription's to bill.
    list(
        User.objects.select_for_update()
        .filter(pk__in=client_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    subscribed = live.filter(client_id__in=client_ids).values_list("client_id", flat=True)
    client_ids = sorted(set(client_ids) - set(subscribed))
    if not client_ids:
        return 0
    entries_by_client, packs_by_client = _load_usage(client_ids, close)
    client_ids = [c for c in client_ids if entries_by_client.get(c)]
    legal = LegalMentions.now(client_ids, close.now)
    numbers = iter(_numbers(close.year, len(client_ids)))
    batch = Batch()
    for client_id in client_ids:
        client_packs = packs_by_client.get(client_id, [])
        plan = selectors.pack_rating_plan(client_id)
        rated = rating.rate_period(
            plan=plan,
            entries=entries_by_client[client_id],
            packs=[rating.PackBalance(p.pk, p.remaining_minutes) for p in client_packs],
        )
        taxed = legal.taxed(rated.lines, selectors.pack_tax_rate(client_id))
        batch.draw(client_packs, rated)
        invoice = _period_invoice(
            close,
            client_id=client_id,
            subscription=None,
            number=next(numbers),
            taxed=taxed,
            legal=legal,
            currency=plan.currency,
            usage={**rated.usage(), "pack_statement": True},
        )
        batch.add(invoice, rated, taxed)
    if not _issue(close, batch):
        transaction.set_rollback(True)
        return 0
    return len(batch.invoices)


def _save_fields(objects: list, fields: list[str]) -> None:
    """Save `fields` of many rows of one model as bulk_update would, in one `UPDATE …
    WHERE id = %s` run by executemany: bulk_update's per-row CASE expressions cost more
    than the close itself."""
    if not objects:
        return
    meta = type(objects[0])._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from model metadata
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
