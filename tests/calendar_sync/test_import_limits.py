"""Bounded work on outside calendars: expansion is lazy and capped in count, and runs in
a child process with a time and memory limit."""

import datetime

import pytest
from django.test import override_settings

from calendar_sync import services as calendar_services
from calendar_sync.models import FetchStatus, IcsSubscription
from tests.calendar_sync.test_import import vcal, vevent

pytestmark = pytest.mark.django_db


def minutely_from(start):
    stamp = f"{start:%Y%m%dT%H%M00Z}"
    return vcal(vevent("m", f"DTSTART:{stamp}", "DURATION:PT1M", "RRULE:FREQ=MINUTELY"))


NEVER = vcal(
    vevent(
        "n",
        "DTSTART:20260101T000000Z",
        "DTEND:20260101T010000Z",
        "RRULE:FREQ=HOURLY;BYYEARDAY=366;BYMONTHDAY=1",
    )
)


def test_a_tiny_minutely_calendar_is_refused_not_expanded(ics_server, client_user):
    body = minutely_from(datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1))
    assert len(body.encode()) < 200
    subscription = IcsSubscription.objects.create(
        user=client_user, url=ics_server("/minutely.ics", body)
    )
    result = calendar_services.subscription_refresh(subscription_id=subscription.pk)
    assert result.status == FetchStatus.ERROR
    assert "more than 5000 events" in result.last_error


@override_settings(CALENDAR_IMPORT_SECONDS=2)
def test_a_minutely_calendar_from_long_ago_is_cut_off_in_time(ics_server, client_user):
    body = minutely_from(datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    subscription = IcsSubscription.objects.create(
        user=client_user, url=ics_server("/old-minutely.ics", body)
    )
    result = calendar_services.subscription_refresh(subscription_id=subscription.pk)
    assert result.status == FetchStatus.ERROR
    assert result.last_error  # too many events, or too costly: refused either way


@override_settings(CALENDAR_IMPORT_SECONDS=1)
def test_a_calendar_rule_that_never_occurs_is_cut_off(ics_server, client_user):
    subscription = IcsSubscription.objects.create(
        user=client_user, url=ics_server("/never.ics", NEVER)
    )
    result = calendar_services.subscription_refresh(subscription_id=subscription.pk)
    assert result.status == FetchStatus.ERROR
    assert "too costly" in result.last_error
