"""A month that starts after its first day includes only its share of the plan's time, and
the gauge says why (it read "Included: 1 h 56 min" with no word of explanation)."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from billing import selectors
from tests import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def gauge(usage):
    month = {"usage": usage, "rating": usage.rating, "segments": [], "width": 300}
    return render_to_string("billing/web/_gauge.html", {"month": month})


def test_a_month_started_late_says_why_less_is_included():
    subscription = factories.SubscriptionFactory(start_date=datetime.date(2026, 11, 17))
    usage = selectors.current_usage(subscription, now=datetime.datetime(2026, 11, 20, tzinfo=UTC))
    assert usage.prorated_from == datetime.date(2026, 11, 17)
    assert usage.rating.included_minutes == 56  # 120 min * 14 of 30 days
    assert "your plan started on Nov. 17, 2026" in gauge(usage)
    with translation.override("fr"):
        assert "votre formule a commencé le 17 novembre 2026" in gauge(usage)

    # The next month is whole: nothing to explain.
    later = selectors.current_usage(subscription, now=datetime.datetime(2026, 12, 5, tzinfo=UTC))
    assert later.prorated_from is None
    assert later.rating.included_minutes == 120
    assert "your plan started on" not in gauge(later)


def test_a_month_started_on_its_first_day_is_whole():
    subscription = factories.SubscriptionFactory(start_date=datetime.date(2026, 11, 1))
    usage = selectors.current_usage(subscription, now=datetime.datetime(2026, 11, 20, tzinfo=UTC))
    assert usage.prorated_from is None
    assert "your plan started on" not in gauge(usage)
