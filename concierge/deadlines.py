"""The promised deadline: what the service commits to for a task. Pure logic."""

import datetime


def buffer_for(estimate: datetime.timedelta, *, ratio: float, min_hours: int) -> datetime.timedelta:
    """The margin added to an estimate: `ratio` of it, never less than `min_hours`."""
    return max(estimate * ratio, datetime.timedelta(hours=min_hours))


def promised_due_at(
    *,
    start: datetime.datetime,
    estimate_minutes: int | None,
    requested_due_at: datetime.datetime | None,
    ratio: float,
    min_hours: int,
) -> datetime.datetime | None:
    """Later than `start + estimate` by the buffer, never earlier than requested.

    Without an estimate the promise is the request itself (or nothing).
    """
    if estimate_minutes is None:
        return requested_due_at
    estimate = datetime.timedelta(minutes=estimate_minutes)
    committed = start + estimate + buffer_for(estimate, ratio=ratio, min_hours=min_hours)
    if requested_due_at is not None and requested_due_at > committed:
        return requested_due_at
    return committed
