"""Hook registries of the assistants app (see concierge/hooks.py for the idea)."""

from django.db.models import IntegerField, Value

_billable_time_guards = []
_billable_time_refusals = set()
_billable_room_providers = []
_billable_time_watchers = []


def register_billable_time_guard(guard, *, refusals=()):
    """`guard(*, task, assistant, started_at, ended_at)` raises an ApplicationError to
    refuse new billable time (billing: an hourly plan's spend cap → 409
    spend_cap_reached; a client without plan or pack balance → 409). `refusals` names
    the codes it raises, so the portal shows them beside "Billable"."""
    if guard not in _billable_time_guards:
        _billable_time_guards.append(guard)
    _billable_time_refusals.update(refusals)
    return guard


def billable_time_refusals() -> frozenset:
    """The error codes with which the guards refuse billable time."""
    return frozenset(_billable_time_refusals)


def check_billable_time(*, task, assistant, started_at, ended_at=None):
    for guard in _billable_time_guards:
        guard(task=task, assistant=assistant, started_at=started_at, ended_at=ended_at)


def register_billable_room(provider):
    """`provider(*, task) -> int | None`: the seconds of billable time the task's client
    can still take (billing: a pack-only client's balance), None for no limit. A timer
    that runs past the room is cut there and its excess is kept as non-billable time."""
    if provider not in _billable_room_providers:
        _billable_room_providers.append(provider)
    return provider


def billable_room(*, task):
    rooms = [room for p in _billable_room_providers if (room := p(task=task)) is not None]
    return min(rooms) if rooms else None


def register_billable_time_watcher(watcher):
    """`watcher(*, task)` runs after billable time on `task` was recorded or changed
    (entered, stopped, edited, disputed, decided), in the same transaction (billing: usage
    alerts the moment a threshold is crossed; tell the client once when the spend cap is
    now reached)."""
    if watcher not in _billable_time_watchers:
        _billable_time_watchers.append(watcher)
    return watcher


def billable_time_recorded(*, task):
    for watcher in _billable_time_watchers:
        watcher(task=task)


_entry_billing_providers = []


def register_entry_billing(provider):
    """`provider() -> {"invoice_id": expression, "billed_minutes": expression}`: how a
    query reads, for each time entry, the invoice that bills it and the minutes it charged
    (billing: its own record of the entries each invoice bills). An entry an invoice bills
    is locked: it can no longer be changed, deleted or disputed."""
    if provider not in _entry_billing_providers:
        _entry_billing_providers.append(provider)
    return provider


def entry_billing():
    found = {
        "invoice_id": Value(None, output_field=IntegerField()),
        "billed_minutes": Value(None, output_field=IntegerField()),
    }
    for provider in _entry_billing_providers:
        found.update(provider())
    return found
