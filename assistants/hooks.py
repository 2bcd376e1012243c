"""Hook registries of the assistants app (see concierge/hooks.py for the idea)."""

_billable_time_guards = []


def register_billable_time_guard(guard):
    """`guard(*, task, assistant, started_at, ended_at)` raises an ApplicationError to
    refuse new billable time (billing: an hourly plan's spend cap → 409
    spend_cap_reached)."""
    if guard not in _billable_time_guards:
        _billable_time_guards.append(guard)
    return guard


def check_billable_time(*, task, assistant, started_at, ended_at=None):
    for guard in _billable_time_guards:
        guard(task=task, assistant=assistant, started_at=started_at, ended_at=ended_at)


_billable_time_watchers = []


def register_billable_time_watcher(watcher):
    """`watcher(*, task)` runs after billable time on `task` was recorded, in the same
    transaction (billing: tell the client once when the spend cap is now reached)."""
    if watcher not in _billable_time_watchers:
        _billable_time_watchers.append(watcher)
    return watcher


def billable_time_recorded(*, task):
    for watcher in _billable_time_watchers:
        watcher(task=task)
