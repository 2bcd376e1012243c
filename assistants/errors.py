"""Stable error codes of time tracking."""

from enum import StrEnum


class Code(StrEnum):
    """Stable error codes of time tracking, time off and workloads."""

    TIMER_RUNNING = "timer_running"
    NO_RUNNING_TIMER = "no_running_timer"
    OVERLAPPING_ENTRY = "overlapping_entry"
    ENTRY_LOCKED = "entry_locked"
    TASK_NOT_OPEN = "task_not_open"
    TASK_CAP_REACHED = "task_cap_reached"
    ENDS_IN_FUTURE = "ends_in_future"
    DISPUTE_WINDOW_CLOSED = "dispute_window_closed"
    NOT_DISPUTED = "not_disputed"
    NOT_DISPUTABLE = "not_disputable"
    ASSISTANT_HAS_OPEN_WORK = "assistant_has_open_work"
    ENTRY_DISPUTED = "entry_disputed"
    DATETIME_OUT_OF_RANGE = "datetime_out_of_range"
    ENTRY_TOO_LONG = "entry_too_long"
    BACKDATED_TOO_FAR = "backdated_too_far"

    # Error codes of the workload endpoints (rendered as `{"code", "detail", "fields"}`).
    INVALID_WEEK = "invalid_week"
    INVALID_ORDERING = "invalid_ordering"
    INVALID_FILTER = "invalid_filter"
