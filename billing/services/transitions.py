"""The status machines of subscriptions and invoices: one table of allowed moves each,
and one function that moves a locked row and records the event (as tasks do)."""

import datetime

from django.utils import timezone

from billing.models import (
    Invoice,
    InvoiceHistory,
    InvoiceStatus,
    Subscription,
    SubscriptionHistory,
    SubscriptionStatus,
)
from concierge import audit
from concierge.models import AuditLog, User

SS, IS = SubscriptionStatus, InvoiceStatus
# action → (statuses it may start from, status it leads to); as tasks' TRANSITIONS.
SUBSCRIPTION_TRANSITIONS = {
    "payment_failed": (frozenset({SS.ACTIVE}), SS.PAST_DUE),
    "pause": (frozenset({SS.PAST_DUE}), SS.PAUSED),
    "settle": (frozenset({SS.PAST_DUE, SS.PAUSED}), SS.ACTIVE),
    "end": (frozenset({SS.ACTIVE, SS.PAST_DUE, SS.PAUSED}), SS.CANCELLED),
}
INVOICE_TRANSITIONS = {
    "pay": (frozenset({IS.OPEN, IS.REQUIRES_ACTION}), IS.PAID),
    "action_required": (frozenset({IS.OPEN}), IS.REQUIRES_ACTION),
    "void": (frozenset({IS.DRAFT, IS.OPEN, IS.REQUIRES_ACTION}), IS.VOID),
}


def _allowed(table: dict, action: str, status: str) -> str | None:
    sources, target = table[action]
    return target if status in sources else None


def _move(
    obj: Subscription | Invoice,
    *,
    table: dict,
    action: str,
    history: type[SubscriptionHistory] | type[InvoiceHistory],
    source: str,
    actor: User | None,
    stripe_event_id: str,
    note: str,
    now: datetime.datetime | None,
) -> bool:
    """Move a locked subscription or invoice by `action` if its status allows it, with an
    event row; False (and nothing written) otherwise."""
    target = _allowed(table, action, obj.status)
    if target is None:
        return False
    now = now or timezone.now()
    previous = obj.status
    obj.status = target
    if isinstance(obj, Subscription):
        obj.past_due_since = now if target == SS.PAST_DUE else None
        obj.save(update_fields=["status", "past_due_since", "updated_at"])
    else:
        obj.paid_at = now if target == IS.PAID else obj.paid_at
        obj.save(update_fields=["status", "paid_at"])
    audit.write(
        [
            history_entry(
                obj,
                history(f"{obj._meta.model_name}.{action}"),
                from_status=previous,
                to_status=target,
                source=source,
                actor=actor,
                stripe_event_id=stripe_event_id,
                note=note,
                at=now,
            )
        ]
    )
    return True


def history_entry(
    obj: Subscription | Invoice,
    action: SubscriptionHistory | InvoiceHistory,
    *,
    source: str,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    stripe_event_id: str = "",
    note: str = "",
    at: datetime.datetime | None = None,
) -> AuditLog:
    """A line of a subscription's or an invoice's history: an audit record, not yet
    written (`audit.write` writes them: one, or a close's many at once)."""
    return audit.entry(
        actor=actor,
        action=action,
        target=obj,
        changes=audit.status_change(from_status, to_status),
        note=note,
        data={"source": source},
        external_event=stripe_event_id,
        at=at,
    )


def subscription_transition(
    *,
    subscription: Subscription,
    action: str,
    source: str,
    actor: User | None = None,
    stripe_event_id: str = "",
    note: str = "",
    now: datetime.datetime | None = None,
) -> bool:
    """Move a subscription (locked by the caller) through SUBSCRIPTION_TRANSITIONS."""
    return _move(
        subscription,
        table=SUBSCRIPTION_TRANSITIONS,
        action=action,
        history=SubscriptionHistory,
        source=source,
        actor=actor,
        stripe_event_id=stripe_event_id,
        note=note,
        now=now,
    )


def invoice_transition(
    *,
    invoice: Invoice,
    action: str,
    source: str,
    actor: User | None = None,
    stripe_event_id: str = "",
    note: str = "",
    now: datetime.datetime | None = None,
) -> bool:
    """Move an invoice (locked by the caller) through INVOICE_TRANSITIONS."""
    return _move(
        invoice,
        table=INVOICE_TRANSITIONS,
        action=action,
        history=InvoiceHistory,
        source=source,
        actor=actor,
        stripe_event_id=stripe_event_id,
        note=note,
        now=now,
    )
