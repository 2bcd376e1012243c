import datetime
import zoneinfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from django.urls import reverse
from django.utils import timezone

from calendar_sync import ics, selectors
from calendar_sync.models import CalendarFeed
from concierge.models import TaskStatus
from tests import factories
from tests.checks import assert_access_matrix, assert_error

pytestmark = pytest.mark.django_db

FEEDS = "/api/v1/calendar/feeds/"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DUE = datetime.datetime(2026, 7, 1, 15, 0, tzinfo=datetime.UTC)


def make_feed(api):
    resp = api.post(FEEDS, {"name": "Work"}, format="json")
    assert resp.status_code == 201, resp.content
    return resp.json()


def feed_path(url):
    return url[url.index("/calendar/") :]


def parse_both(body):
    """The feed read by icalendar and by vobject: {uid: (icalendar event, vobject event)}."""
    cal = icalendar.Calendar.from_ical(body)
    ical_events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    vcal = vobject.readOne(body.decode())
    v_events = {e.uid.value: e for e in getattr(vcal, "vevent_list", [])}
    assert set(ical_events) == set(v_events)
    return cal, {uid: (ical_events[uid], v_events[uid]) for uid in ical_events}


def wall(value):
    """Local wall-clock time as vobject reads it (vobject mis-reads the RDATE transitions
    of icalendar's VTIMEZONE, so instants are compared by wall clock and TZID)."""
    return value.replace(tzinfo=None)


def local(instant):
    return instant.astimezone(PARIS).replace(tzinfo=None)


def test_feed_endpoints_need_auth(anon_api, client_api, other_client_api):
    feed = make_feed(client_api)
    assert_access_matrix(method="get", url=FEEDS, anonymous=anon_api)
    assert_access_matrix(method="post", url=FEEDS, anonymous=anon_api)
    assert_access_matrix(
        method="delete",
        url=f"{FEEDS}{feed['id']}/",
        anonymous=anon_api,
        hidden=[other_client_api],
    )


def test_create_list_and_revoke(client_api, client_user, anon_api):
    feed = make_feed(client_api)
    assert feed["url"].startswith("http://testserver/calendar/")
    assert feed["url"].endswith(".ics")
    token = feed["url"].rsplit("/", 1)[1][:-4]
    assert feed["token_hint"] == token[:6]
    stored = CalendarFeed.objects.get(pk=feed["id"])
    assert token not in stored.token_hash  # only a hash is kept
    listed = client_api.get(FEEDS).json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert [f["id"] for f in items] == [feed["id"]]
    assert "url" not in items[0]

    assert anon_api.get(feed_path(feed["url"])).status_code == 200
    assert client_api.delete(f"{FEEDS}{feed['id']}/").status_code == 204
    assert anon_api.get(feed_path(feed["url"])).status_code == 404
    assert_error(client_api.delete(f"{FEEDS}{feed['id']}/"), 404, "not_found")
    listed = client_api.get(FEEDS).json()
    assert (listed["results"] if isinstance(listed, dict) else listed) == []


def test_unknown_token_is_404(anon_api):
    assert anon_api.get("/calendar/not-a-token.ics").status_code == 404
    assert anon_api.get(reverse("calendar-feed", kwargs={"token": "x" * 43})).status_code == 404


def test_client_feed_content(client_api, client_user, anon_api):
    assistant = factories.AssistantFactory()
    deadline = factories.TaskFactory(
        client=client_user, title="File taxes", promised_due_at=DUE, sequence=3
    )
    appointment = factories.TaskFactory(
        client=client_user,
        assignee=assistant,
        status=TaskStatus.ASSIGNED,
        title="Dentist call",
        scheduled_start=datetime.datetime(2026, 1, 10, 8, 0, tzinfo=datetime.UTC),
        scheduled_end=datetime.datetime(2026, 1, 10, 8, 30, tzinfo=datetime.UTC),
    )
    cancelled = factories.TaskFactory(  # cancelled this week: still on the calendar
        client=client_user,
        status=TaskStatus.CANCELLED,
        promised_due_at=timezone.now() - datetime.timedelta(days=3),
        sequence=5,
    )
    factories.TaskFactory(client=client_user, title="undated")
    factories.TaskFactory(promised_due_at=DUE, title="someone else's")

    feed = make_feed(client_api)
    resp = anon_api.get(feed_path(feed["url"]))
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/calendar")
    cal, events = parse_both(resp.content)

    domain = "concierge.invalid"
    assert set(events) == {
        f"task-{deadline.pk}-deadline@{domain}",
        f"task-{appointment.pk}-appointment@{domain}",
        f"task-{cancelled.pk}-deadline@{domain}",
    }
    zones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert zones == ["Europe/Paris"]

    ev, vev = events[f"task-{deadline.pk}-deadline@{domain}"]
    assert str(ev["SUMMARY"]) == "Due: File taxes"
    assert ev["DTSTART"].dt == DUE and ev["DTSTART"].params["TZID"] == "Europe/Paris"
    assert ev["DTSTART"].dt.astimezone(PARIS).hour == 17
    assert int(ev["SEQUENCE"]) == 3
    assert wall(vev.dtstart.value) == local(DUE) and vev.sequence.value == "3"
    assert vev.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Paris"]
    assert str(ev["STATUS"]) == "CONFIRMED"

    ev, vev = events[f"task-{appointment.pk}-appointment@{domain}"]
    assert ev["DTSTART"].dt == appointment.scheduled_start
    assert ev["DTEND"].dt == appointment.scheduled_end
    assert wall(vev.dtend.value) == local(appointment.scheduled_end)
    assert ev["DTSTART"].dt.astimezone(PARIS).hour == 9  # winter: UTC+1

    ev, vev = events[f"task-{cancelled.pk}-deadline@{domain}"]
    assert str(ev["STATUS"]) == "CANCELLED" and vev.status.value == "CANCELLED"
    assert int(ev["SEQUENCE"]) == 5


def test_uids_stable_and_sequence_follows_task(client_api, client_user, anon_api):
    task = factories.TaskFactory(client=client_user, promised_due_at=DUE)
    path = feed_path(make_feed(client_api)["url"])
    _, first = parse_both(anon_api.get(path).content)
    task.sequence = 1
    task.title = "Renamed"
    task.save()
    _, second = parse_both(anon_api.get(path).content)
    assert set(first) == set(second)
    ((ev, _),) = second.values()
    assert int(ev["SEQUENCE"]) == 1 and str(ev["SUMMARY"]) == "Due: Renamed"


def test_recurring_task_as_rrule(client_api, client_user, anon_api):
    start = datetime.datetime(2026, 3, 23, 8, 0, tzinfo=datetime.UTC)  # 09:00 Paris (CET)
    template = factories.TaskFactory(
        client=client_user,
        title="Weekly report",
        recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        scheduled_start=start,
        scheduled_end=start + datetime.timedelta(hours=1),
    )
    factories.TaskFactory(
        client=client_user,
        recurrence_parent=template,
        occurrence_at=start + datetime.timedelta(days=7),
        scheduled_start=start + datetime.timedelta(days=7),
        scheduled_end=start + datetime.timedelta(days=7, hours=1),
    )
    body = anon_api.get(feed_path(make_feed(client_api)["url"])).content
    cal, events = parse_both(body)
    assert len(events) == 1  # occurrences are instances of the series
    ((ev, vev),) = events.values()
    assert ev["RRULE"]["FREQ"] == ["WEEKLY"]
    instances = recurring_ical_events.of(cal).between(
        datetime.date(2026, 3, 1), datetime.date(2026, 5, 1)
    )
    local = [i["DTSTART"].dt.astimezone(PARIS) for i in instances]
    # the series keeps 09:00 local time across the DST change of 29 March
    assert [(d.month, d.day, d.hour) for d in local] == [
        (3, 23, 9),
        (3, 30, 9),
        (4, 6, 9),
        (4, 13, 9),
    ]
    v_instances = list(vev.getrruleset())
    assert len(v_instances) == 4
    assert [wall(d).hour for d in v_instances] == [9, 9, 9, 9]


def test_assistant_feed_has_assigned_work_and_time_off(assistant_api, assistant_user, anon_api):
    mine = factories.TaskFactory(
        assignee=assistant_user, status=TaskStatus.ASSIGNED, promised_due_at=DUE
    )
    factories.TaskFactory(promised_due_at=DUE)  # not assigned to them
    leave = factories.TimeOffFactory(assistant=assistant_user, reason="Holiday")
    body = anon_api.get(feed_path(make_feed(assistant_api)["url"])).content
    _, events = parse_both(body)
    assert set(events) == {
        f"task-{mine.pk}-deadline@concierge.invalid",
        f"timeoff-{leave.pk}@concierge.invalid",
    }
    ev, _ = events[f"timeoff-{leave.pk}@concierge.invalid"]
    assert str(ev["SUMMARY"]) == "Time off: Holiday"
    assert ev["DTEND"].dt == leave.ends_at.replace(microsecond=0)


def test_etag_and_last_modified(client_api, client_user, anon_api):
    task = factories.TaskFactory(client=client_user, promised_due_at=DUE)
    path = feed_path(make_feed(client_api)["url"])
    first = anon_api.get(path)
    etag = first["ETag"]
    assert etag and first["Last-Modified"]
    again = anon_api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    since = anon_api.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    task.sequence += 1
    task.save()
    changed = anon_api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    etag = changed["ETag"]
    factories.TaskFactory(client=client_user, promised_due_at=DUE)
    added = anon_api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert added.status_code == 200 and added["ETag"] != etag
    etag = added["ETag"]
    task.delete()
    removed = anon_api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert removed.status_code == 200 and removed["ETag"] != etag
    assert anon_api.get(path, HTTP_IF_NONE_MATCH=removed["ETag"]).status_code == 304


def test_etag_follows_time_off_and_zone(assistant_api, assistant_user, anon_api):
    leave = factories.TimeOffFactory(assistant=assistant_user)
    path = feed_path(make_feed(assistant_api)["url"])
    etag = anon_api.get(path)["ETag"]
    leave.ends_at += datetime.timedelta(days=1)
    leave.save()
    moved = anon_api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200
    assistant_user.timezone = "America/New_York"
    assistant_user.save()
    rezoned = anon_api.get(path, HTTP_IF_NONE_MATCH=moved["ETag"])
    assert rezoned.status_code == 200
    cal, _ = parse_both(rezoned.content)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]


def test_feed_is_read_only(client_api, anon_api):
    path = feed_path(make_feed(client_api)["url"])
    assert anon_api.post(path).status_code == 405


@pytest.mark.parametrize("size", [5, 2000])
def test_feed_queries_are_bounded(
    size, client_api, client_user, anon_api, django_assert_num_queries
):
    factories.TaskFactory.create_batch(size, client=client_user, promised_due_at=DUE)
    path = feed_path(make_feed(client_api)["url"])
    with django_assert_num_queries(3):  # feed with its owner, version, tasks
        resp = anon_api.get(path)
    assert resp.status_code == 200
    _, events = parse_both(resp.content)
    assert len(events) == size
    with django_assert_num_queries(2):  # nothing changed: 304 without building the feed
        assert anon_api.get(path, HTTP_IF_NONE_MATCH=resp["ETag"]).status_code == 304


def test_feed_queries_assistant(assistant_api, assistant_user, anon_api, django_assert_num_queries):
    factories.TaskFactory.create_batch(
        30, assignee=assistant_user, status=TaskStatus.ASSIGNED, promised_due_at=DUE
    )
    factories.TimeOffFactory.create_batch(3, assistant=assistant_user)
    path = feed_path(make_feed(assistant_api)["url"])
    with django_assert_num_queries(4):  # feed with its owner, version, time off, tasks
        assert anon_api.get(path).status_code == 200


def test_non_numeric_id_is_404(client_api):
    assert client_api.delete(f"{FEEDS}abc/").status_code == 404
    assert client_api.post("/api/v1/calendar/subscriptions/abc/refresh/").status_code == 404


def test_manager_feed_is_empty_calendar(manager_api, anon_api):
    resp = anon_api.get(feed_path(make_feed(manager_api)["url"]))
    assert resp.status_code == 200
    _, events = parse_both(resp.content)
    assert events == {}


def test_inactive_user_feed_is_404(client_api, client_user, anon_api):
    path = feed_path(make_feed(client_api)["url"])
    client_user.is_active = False
    client_user.save()
    assert anon_api.get(path).status_code == 404


def test_a_task_dated_at_the_end_of_the_calendar_does_not_break_the_feed(
    client_api, client_user, anon_api
):
    """Stored before input was bounded (or by an operator): left out, the rest is served."""
    factories.TaskFactory(
        client=client_user,
        title="Year one",
        promised_due_at=datetime.datetime(1, 1, 1, 0, 30, tzinfo=datetime.UTC),
    )
    factories.TaskFactory(
        client=client_user,
        title="Normal",
        promised_due_at=datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC),
    )
    client_user.timezone = "America/New_York"  # a negative offset: year 0 would be needed
    client_user.save()
    answer = anon_api.get(feed_path(make_feed(client_api)["url"]))
    assert answer.status_code == 200
    summaries = [
        str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    ]
    assert any("Normal" in s for s in summaries)
    assert not any("Year one" in s for s in summaries)


def test_feed_holds_open_work_series_and_the_recent_past(client_api, client_user, anon_api):
    """Completed and cancelled work leaves the feed FEED_PAST_DAYS after its date; open
    work and recurring series stay whatever their dates."""
    now = timezone.now()
    past = now - datetime.timedelta(days=selectors.FEED_PAST_DAYS + 2)
    recent = now - datetime.timedelta(days=2)
    done_long_ago = factories.TaskFactory(
        client=client_user, status=TaskStatus.COMPLETED, promised_due_at=past
    )
    cancelled_long_ago = factories.TaskFactory(
        client=client_user, status=TaskStatus.CANCELLED, scheduled_start=past
    )
    open_late = factories.TaskFactory(
        client=client_user, status=TaskStatus.IN_PROGRESS, promised_due_at=past
    )
    done_recently = factories.TaskFactory(
        client=client_user, status=TaskStatus.COMPLETED, promised_due_at=recent
    )
    series = factories.TaskFactory(
        client=client_user,
        status=TaskStatus.COMPLETED,
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        scheduled_start=past,
    )
    _, events = parse_both(anon_api.get(feed_path(make_feed(client_api)["url"])).content)
    domain = "concierge.invalid"
    assert set(events) == {
        f"task-{open_late.pk}-deadline@{domain}",
        f"task-{done_recently.pk}-deadline@{domain}",
        f"task-{series.pk}-appointment@{domain}",
    }
    assert not {done_long_ago.pk, cancelled_long_ago.pk} & {
        int(uid.split("-")[1]) for uid in events
    }


def test_feed_window_moves_by_whole_days():
    late = datetime.datetime(2026, 11, 23, 23, 59, tzinfo=PARIS)  # 22:59 UTC
    start = selectors.feed_window_start(late)
    assert start == datetime.datetime(2026, 10, 24, tzinfo=datetime.UTC)
    assert selectors.feed_window_start(late - datetime.timedelta(hours=22)) == start


def test_a_task_leaving_the_window_changes_the_version(client_user):
    task = factories.TaskFactory(
        client=client_user,
        status=TaskStatus.COMPLETED,
        promised_due_at=datetime.datetime(2026, 5, 10, tzinfo=datetime.UTC),
    )
    before = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    after = datetime.datetime(2026, 5, 11, tzinfo=datetime.UTC)
    assert list(selectors.feed_tasks_of(client_user, since=before)) == [task]
    assert list(selectors.feed_tasks_of(client_user, since=after)) == []
    assert selectors.feed_version_of(client_user, since=before) != selectors.feed_version_of(
        client_user, since=after
    )


def test_built_feed_is_served_from_the_cache_until_a_task_changes(
    client_api, client_user, anon_api, django_assert_num_queries
):
    task = factories.TaskFactory(client=client_user, title="Passport", promised_due_at=DUE)
    path = feed_path(make_feed(client_api)["url"])
    first = anon_api.get(path)
    with django_assert_num_queries(2):  # feed with its owner, version: no task read
        again = anon_api.get(path)
    assert again.status_code == 200
    assert again.content == first.content and again["ETag"] == first["ETag"]

    task.title = "Passport renewal"
    task.save()
    edited = anon_api.get(path)
    assert edited.status_code == 200 and edited["ETag"] != first["ETag"]
    assert b"Due: Passport renewal" in edited.content
    assert anon_api.get(path, HTTP_IF_NONE_MATCH=edited["ETag"]).status_code == 304


def test_cached_feeds_are_per_calendar(client_api, client_user, anon_api, other_client_api):
    mine = factories.TaskFactory(client=client_user, title="Mine", promised_due_at=DUE)
    theirs_path = feed_path(make_feed(other_client_api)["url"])
    my_path = feed_path(make_feed(client_api)["url"])
    assert b"Mine" in anon_api.get(my_path).content
    theirs = anon_api.get(theirs_path)
    assert theirs.status_code == 200 and b"Mine" not in theirs.content
    assert f"task-{mine.pk}-".encode() not in theirs.content


def _one_calendar(tasks, time_off, zone, name):
    """The feed as a single icalendar Calendar holding every event renders it."""
    cal = ics.new_calendar(name)
    for task in tasks:
        for _uid, event in ics.task_events(task, zone):
            cal.add_component(event)
    for leave in time_off:
        cal.add_component(ics.timeoff_event(leave, zone)[1])
    return ics.finish(cal, zone)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "UTC"])
def test_feed_is_the_calendar_icalendar_renders(zone, assistant_api, assistant_user, anon_api):
    assistant_user.timezone = zone
    assistant_user.save()
    start = datetime.datetime(2026, 3, 23, 8, 0, tzinfo=datetime.UTC)
    factories.TaskFactory(
        assignee=assistant_user,
        status=TaskStatus.ASSIGNED,
        title="Weekly report, « long » " + "x" * 80,
        recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        scheduled_start=start,
        promised_due_at=start + datetime.timedelta(days=2),
    )
    factories.TaskFactory(
        assignee=assistant_user, status=TaskStatus.IN_PROGRESS, promised_due_at=DUE, sequence=2
    )
    factories.TimeOffFactory(assistant=assistant_user, reason="Holiday")
    feed = make_feed(assistant_api)
    body = anon_api.get(feed_path(feed["url"])).content
    owner = assistant_user
    since = selectors.feed_window_start(timezone.now())
    expected = _one_calendar(
        selectors.feed_tasks_of(owner, since=since),
        selectors.calendar_time_off_of(owner),
        owner.zone,
        "Work",
    )
    assert body == expected


def test_an_empty_feed_is_the_calendar_icalendar_renders():
    assert ics.build_feed(events=[], zone=PARIS, name="Work") == _one_calendar(
        [], [], PARIS, "Work"
    )


def test_a_rebuild_renders_only_the_tasks_that_changed(
    client_api, client_user, anon_api, monkeypatch
):
    tasks = factories.TaskFactory.create_batch(5, client=client_user, promised_due_at=DUE)
    path = feed_path(make_feed(client_api)["url"])
    rendered = []
    render = ics.task_ical

    def counting(task, zone):
        rendered.append(task.pk)
        return render(task, zone)

    monkeypatch.setattr(ics, "task_ical", counting)
    first = anon_api.get(path).content
    assert sorted(rendered) == sorted(t.pk for t in tasks)
    rendered.clear()
    tasks[2].title = "Changed"
    tasks[2].save()
    second = anon_api.get(path).content
    assert rendered == [tasks[2].pk]
    assert b"Due: Changed" in second and second != first
