import datetime

import pytest

from concierge.deadlines import buffer_for, promised_due_at

UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def promise(estimate, requested=None, ratio=0.5, min_hours=4):
    return promised_due_at(
        start=T0,
        estimate_minutes=estimate,
        requested_due_at=requested,
        ratio=ratio,
        min_hours=min_hours,
    )


def test_small_estimate_gets_the_minimum_buffer():
    # 60 min estimate: 50 % would be 30 min, the floor is 4 h.
    assert promise(60) == T0 + datetime.timedelta(hours=5)


def test_large_estimate_gets_the_ratio():
    # 20 h estimate: 50 % = 10 h > 4 h.
    assert promise(20 * 60) == T0 + datetime.timedelta(hours=30)


def test_never_earlier_than_requested():
    requested = T0 + datetime.timedelta(days=3)
    assert promise(60, requested) == requested


def test_later_than_requested_when_estimate_does_not_fit():
    requested = T0 + datetime.timedelta(hours=1)
    assert promise(120, requested) == T0 + datetime.timedelta(hours=6)


def test_without_estimate_the_request_is_the_promise():
    requested = T0 + datetime.timedelta(days=1)
    assert promise(None, requested) == requested
    assert promise(None) is None


@pytest.mark.parametrize(
    ("ratio", "min_hours", "estimate_min", "expected_buffer_min"),
    [(0.5, 4, 600, 300), (0.5, 4, 480, 240), (1.0, 0, 90, 90), (0.25, 2, 60, 120)],
)
def test_buffer_is_configurable(ratio, min_hours, estimate_min, expected_buffer_min):
    got = buffer_for(datetime.timedelta(minutes=estimate_min), ratio=ratio, min_hours=min_hours)
    assert got == datetime.timedelta(minutes=expected_buffer_min)
