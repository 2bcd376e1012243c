"""The status machines of subscriptions and invoices: one table of allowed moves each,
and one function that moves a locked row and records the event (as tasks do)."""

import datetime
from typing import NotRequired, TypedDict, Unpack

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


class Move(TypedDict):
    """How a subscription or an invoice is moved: the action, who moved it (`source`, and
    the person if one did), the Stripe event that caused it, a note, and when."""

    action: str
    source: str
    actor: NotRequired[User | None]
    stripe_event_id: NotRequired[str]
    note: NotRequired[str]
    now: NotRequired[datetime.datetime | None]


def _move(obj: Subscription | Invoice, **move: Unpack[Move]) -> bool:
    """Move a locked subscription or invoice by its action if its status allows it, with a
    line of its history; False (and nothing written) otherwise."""
    action = move["action"]
    table = SUBSCRIPTION_TRANSITIONS if isinstance(obj, Subscription) else INVOICE_TRANSITIONS
    target = _allowed(table, action, obj.status)
    if target is None:
        return False
    now = move.get("now") or timezone.now()
    previous = obj.status
    obj.status = target
    if isinstance(obj, Subscription):
        obj.past_due_since = now if target == SS.PAST_DUE else None
        obj.save(update_fields=["status", "past_due_since", "updated_at"])
        line: SubscriptionHistory | InvoiceHistory = SubscriptionHistory(f"subscription.{action}")
    else:
        obj.paid_at = now if target == IS.PAID else obj.paid_at
        obj.save(update_fields=["status", "paid_at"])
        line = InvoiceHistory(f"invoice.{action}")
    audit.write(
        [
            history_entry(
                obj,
                line,
                from_status=previous,
                to_status=target,
                source=move["source"],
                actor=move.get("actor"),
                stripe_event_id=move.get("stripe_event_id", ""),
                note=move.get("note", ""),
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


def subscription_transition(*, subscription: Subscription, **move: Unpack[Move]) -> bool:
    """Move a subscription (locked by the caller) through SUBSCRIPTION_TRANSITIONS."""
    return _move(subscription, **move)


def invoice_transition(*, invoice: Invoice, **move: Unpack[Move]) -> bool:
    """Move an invoice (locked by the caller) through INVOICE_TRANSITIONS."""
    return _move(invoice, **move)
