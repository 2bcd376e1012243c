"""Extension points of the assistants app (see concierge/hooks.py for the idea)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Protocol

from django.db.models import IntegerField, Value

from concierge.hooks import Callbacks

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.db.models.expressions import Combinable

    from concierge.models import Task, User

# Billable time ------------------------------------------------------------------------


class BillableTimeGuard(Protocol):
    """Raises an ApplicationError to refuse new billable time (billing: an hourly plan's
    spend cap → 409 spend_cap_reached; a client without plan or pack balance → 409)."""

    def __call__(
        self,
        *,
        task: Task,
        assistant: User,
        started_at: datetime.datetime,
        ended_at: datetime.datetime | None,
    ) -> None: ...


class BillableRoom(Protocol):
    """The seconds of billable time the task's client can still take (billing: a
    pack-only client's balance), None for no limit. A timer that runs past the room is
    cut there and its excess is kept as non-billable time."""

    def __call__(self, *, task: Task) -> int | None: ...


class BillableTimeWatcher(Protocol):
    """Runs after billable time on `task` was recorded or changed (entered, stopped,
    edited, disputed, decided), in the same transaction (billing: usage alerts the moment
    a threshold is crossed; tell the client once when the spend cap is now reached). What
    it returns is not read."""

    def __call__(self, *, task: Task) -> object: ...


billable_time_guards: Callbacks[BillableTimeGuard] = Callbacks(
    "billable_time_guards", BillableTimeGuard
)
billable_room_providers: Callbacks[BillableRoom] = Callbacks(
    "billable_room_providers", BillableRoom
)
billable_time_watchers: Callbacks[BillableTimeWatcher] = Callbacks(
    "billable_time_watchers", BillableTimeWatcher
)


def register_billable_time_guard(guard: BillableTimeGuard) -> BillableTimeGuard:
    """A guard's refusal names the field it concerns (`fields={"billable": …}`), so the
    portal shows it beside "Billable" as the API names it."""
    return billable_time_guards.register(guard)


def check_billable_time(
    *,
    task: Task,
    assistant: User,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None = None,
) -> None:
    for guard in billable_time_guards:
        guard(task=task, assistant=assistant, started_at=started_at, ended_at=ended_at)


def register_billable_room(provider: BillableRoom) -> BillableRoom:
    return billable_room_providers.register(provider)


def billable_room(*, task: Task) -> int | None:
    rooms = [room for p in billable_room_providers if (room := p(task=task)) is not None]
    return min(rooms) if rooms else None


def register_billable_time_watcher(watcher: BillableTimeWatcher) -> BillableTimeWatcher:
    return billable_time_watchers.register(watcher)


def billable_time_recorded(*, task: Task) -> None:
    for watcher in billable_time_watchers:
        watcher(task=task)


# What billed an entry -----------------------------------------------------------------


class EntryBilling(Protocol):
    """How a query reads, for each time entry, the invoice that bills it:
    `{"invoice_id": expression}` (billing: its own record of the entries each invoice
    bills). Whether an entry is billed, and for how many minutes, the entry itself says
    (`TimeEntry.billed_at`, set by `time_entries_bill`)."""

    def __call__(self) -> Mapping[str, Combinable]: ...


entry_billing_providers: Callbacks[EntryBilling] = Callbacks(
    "entry_billing_providers", EntryBilling
)


def register_entry_billing(provider: EntryBilling) -> EntryBilling:
    return entry_billing_providers.register(provider)


def entry_billing() -> dict[str, Combinable]:
    found: dict[str, Combinable] = {"invoice_id": Value(None, output_field=IntegerField())}
    for provider in entry_billing_providers:
        found.update(provider())
    return found
