"""Writes of the assistants app, one module per concern: profiles, time entries (and
timers), disputes over time, time off, what billing tells the entries it bills, and the
time rollup the entries' writers keep.
Every public service is importable from here (`from assistants import services`)."""

from assistants.services.billed import time_entries_bill, time_entry_credit
from assistants.services.disputes import DECISION_TEXT, time_entry_dispute, time_entry_resolve
from assistants.services.profiles import (
    PERSON_FIELDS,
    PROFILE_FIELDS,
    assistant_create,
    assistant_update,
)
from assistants.services.rollups import (
    time_rollup_rebuild,
    time_rollup_refresh,
    time_rollup_refresh_entries,
)
from assistants.services.time_entries import (
    DEADLOCK_DETECTED,
    EARLIEST,
    LATEST,
    OVER_BUDGET_NOTE,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    timer_start,
    timer_stop,
    timer_stop_at_room,
)
from assistants.services.time_off import TIME_OFF_FIELDS, time_off_create, time_off_delete

__all__ = [
    "DEADLOCK_DETECTED",
    "DECISION_TEXT",
    "EARLIEST",
    "LATEST",
    "OVER_BUDGET_NOTE",
    "PERSON_FIELDS",
    "PROFILE_FIELDS",
    "TIME_OFF_FIELDS",
    "assistant_create",
    "assistant_update",
    "time_entries_bill",
    "time_entry_create",
    "time_entry_credit",
    "time_entry_delete",
    "time_entry_dispute",
    "time_entry_resolve",
    "time_entry_update",
    "time_off_create",
    "time_off_delete",
    "time_rollup_rebuild",
    "time_rollup_refresh",
    "time_rollup_refresh_entries",
    "timer_start",
    "timer_stop",
    "timer_stop_at_room",
]
