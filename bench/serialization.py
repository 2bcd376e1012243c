"""Benchmark: serialising and rendering one page of each list, and rebuilding a calendar feed.

In process, on the database DATABASE_URL names when it is PostgreSQL (its test database
is created and dropped), else on a throwaway SQLite file. Seeds N rows per list (200 by
default: the largest page), then for each list prints the median time of

- `serialize`: the view's serializer over the already loaded page (`.data`), CPU time,
- `render`:    the view's JSON renderer over that data, CPU time,
- `request`:   the whole `GET` through the API client (token auth, queries included),

and for an assistant with 2,000 dated tasks (half of them completed long ago) the feed's
whole build, its rebuild after one task changed, and polls that find nothing changed.

    .venv/bin/python bench/serialization.py [--rows 200] [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concierge \
        .venv/bin/python bench/serialization.py
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FEED_TASKS = 2_000
UNUSABLE = "!"  # an unusable password hash
T0 = datetime.datetime(2026, 1, 5, 8, tzinfo=datetime.UTC)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200, help="rows per list (a page)")
    parser.add_argument("--runs", type=int, default=15)
    return parser.parse_args()


def setup():
    url = os.environ.get("DATABASE_URL", "")
    scratch = tempfile.mkdtemp()
    if not url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concierge.settings_test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    test = settings.DATABASES["default"].setdefault("TEST", {})
    test["MIGRATE"] = False
    if connection.vendor == "sqlite":  # not the suite's test database file
        test["NAME"] = f"{scratch}/test.sqlite3"
    setup_databases(verbosity=0, interactive=False)
    return connection.vendor


def seed(rows):
    from django.utils import timezone

    from assistants.models import AssistantProfile, TimeEntry, TimeEntrySource, TimeEntryStatus
    from billing.models import Invoice, InvoiceLine, InvoiceStatus
    from concierge import audit
    from concierge.models import (
        ClientProfile,
        Notification,
        NotificationKind,
        Role,
        Task,
        TaskHistory,
        TaskStatus,
        User,
    )

    def person(email, role):
        return User(
            email=email,
            role=role,
            first_name="Ana",
            last_name=email[:6],
            timezone="Europe/Paris",
            password=UNUSABLE,
        )

    manager = person("manager@bench.test", Role.MANAGER)
    assistant = person("assistant@bench.test", Role.ASSISTANT)
    feed_owner = person("feed@bench.test", Role.ASSISTANT)
    client = person("client@bench.test", Role.CLIENT)
    others = [person(f"c{i}@bench.test", Role.CLIENT) for i in range(rows)]
    team = [person(f"a{i}@bench.test", Role.ASSISTANT) for i in range(rows)]
    User.objects.bulk_create([manager, assistant, feed_owner, client, *others, *team])
    AssistantProfile.objects.bulk_create(
        AssistantProfile(user=a, skills=["admin"], weekly_capacity_minutes=2400)
        for a in [assistant, feed_owner, *team]
    )
    ClientProfile.objects.bulk_create(
        ClientProfile(user=c, primary_assistant=assistant) for c in [client, *others]
    )
    tasks = Task.objects.bulk_create(
        Task(
            client=client,
            assignee=assistant,
            title=f"Book the flights {i}",
            description="Paris to Lisbon, window seat, before noon.",
            category="travel",
            status=TaskStatus.IN_PROGRESS,
            estimate_minutes=90,
            promised_due_at=T0 + datetime.timedelta(days=i),
            created_at=T0,
            assigned_at=T0,
        )
        for i in range(rows)
    )
    audit.write(
        audit.entry(
            actor=manager,
            action=action,
            target=t,
            changes=audit.status_change(a, b),
            about=t.client_id,
            data=data,
        )
        for t in tasks
        for action, a, b, data in (
            (TaskHistory.CREATE, "", "new", {}),
            (
                TaskHistory.ASSIGN,
                "new",
                "assigned",
                {"assistant": assistant.pk, "reason": "skills"},
            ),
            (TaskHistory.TRANSITION, "assigned", "in_progress", {}),
        )
    )
    TimeEntry.objects.bulk_create(
        TimeEntry(
            task=tasks[i % len(tasks)],
            assistant=assistant,
            started_at=T0 + datetime.timedelta(hours=2 * i),
            ended_at=T0 + datetime.timedelta(hours=2 * i + 1),
            note="Called the airline.",
            source=TimeEntrySource.MANUAL,
            status=TimeEntryStatus.STOPPED,
        )
        for i in range(rows)
    )
    usage = {
        "used_minutes": 150,
        "from_included": 120,
        "overage_minutes": 30,
        "included_minutes": 120,
        "rollover_out": 0,
        "rollover_in": 15,
    }
    invoices = Invoice.objects.bulk_create(
        Invoice(
            client=client,
            kind="period",
            number=f"B-{i:06d}",
            period_start=datetime.date(2000 + i // 12, i % 12 + 1, 1),
            period_end=datetime.date(2000 + i // 12, i % 12 + 1, 28),
            status=InvoiceStatus.OPEN,
            total=Decimal("63.00"),
            usage=usage,
            finalised_at=timezone.now(),
        )
        for i in range(rows)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=inv,
            position=p,
            kind=kind,
            description=kind.title(),
            quantity_minutes=q,
            unit_rate=rate,
            amount=amount,
        )
        for inv in invoices
        for p, (kind, q, rate, amount) in enumerate(
            (
                ("fee", None, None, Decimal("49.00")),
                ("overage", 30, Decimal("28.00"), Decimal("14.00")),
            )
        )
    )
    Notification.objects.bulk_create(
        Notification(
            user=client,
            kind=NotificationKind.values[0],
            subject=f"Update {i}",
            body="Your task moved on.",
            data={"task": tasks[0].pk},
        )
        for i in range(rows)
    )
    # The feed: half open, half completed a year before.
    old = timezone.now() - datetime.timedelta(days=400)
    Task.objects.bulk_create(
        Task(
            client=client,
            assignee=feed_owner,
            title=f"Errand {i}",
            description="Pick up the parcel.",
            status=TaskStatus.COMPLETED if i % 2 else TaskStatus.ASSIGNED,
            promised_due_at=(old if i % 2 else timezone.now()) + datetime.timedelta(hours=i),
            scheduled_start=(old if i % 2 else timezone.now()) + datetime.timedelta(hours=i),
            completed_at=old if i % 2 else None,
        )
        for i in range(FEED_TASKS)
    )
    return {"manager": manager, "assistant": assistant, "client": client, "feed": feed_owner}


def median_ms(fn, runs, clock=time.perf_counter):
    """The median of `runs` calls, in ms: wall clock, or with `time.process_time` the CPU
    time of this process (steadier on a machine busy with other work)."""
    fn()  # warm
    times = []
    for _ in range(runs):
        start = clock()
        fn()
        times.append((clock() - start) * 1000)
    return statistics.median(times)


def token_client(user):
    from rest_framework.test import APIClient

    from concierge.services import token_issue

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
    return api


def page_of(viewset, user, url, rows):
    """(serializer, renderer) the viewset would use for `url`, over an already loaded page."""
    from django.utils import timezone
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from concierge.timezones import activate_zone_of

    activate_zone_of(user)
    request = APIRequestFactory().get(url, {"page_size": rows})
    request.user = user
    view = viewset(action="list", request=Request(request), format_kwarg=None, kwargs={})
    view.request.user = user
    objects = list(view.filter_queryset(view.get_queryset())[:rows])
    context = {**view.get_serializer_context(), "now": timezone.now()}
    serializer = view.get_serializer_class()
    renderer = view.get_renderers()[0]
    return lambda: serializer(objects, many=True, context=context).data, renderer


def lists(users, rows):
    from assistants.api.time_views import TimeEntryViewSet
    from billing.api.views import InvoiceViewSet
    from concierge.api.notification_views import NotificationViewSet
    from concierge.api.task_views import TaskViewSet
    from concierge.api.views import ClientViewSet

    return [
        ("tasks", TaskViewSet, users["manager"], "/api/v1/tasks/"),
        ("time entries", TimeEntryViewSet, users["manager"], "/api/v1/time-entries/"),
        ("invoices", InvoiceViewSet, users["manager"], "/api/v1/invoices/"),
        ("clients", ClientViewSet, users["manager"], "/api/v1/clients/"),
        ("notifications", NotificationViewSet, users["client"], "/api/v1/notifications/"),
    ]


def workloads(users, rows):
    """The team workload's serializer over its computed rows, and its renderer."""
    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from assistants import workload_selectors, workloads
    from assistants.api import workload_serializers as out
    from assistants.api.workload_views import TeamWorkloadView
    from concierge.timezones import activate_zone_of

    activate_zone_of(users["manager"])
    week = workloads.week_of(timezone.now())
    got = workload_selectors.team_workload(users["manager"], week=week, now=timezone.now())
    start, end = week.bounds()
    body = {
        "week": str(week),
        "week_start": start,
        "week_end": end,
        "count": len(got),
        "next": None,
        "previous": None,
        "totals": workload_selectors.team_totals(got),
        "results": got[:rows],
    }
    renderer = next(r for r in TeamWorkloadView.renderer_classes if r.format == "json")
    assert issubclass(renderer, JSONRenderer)
    return lambda: out.TeamWorkloadSerializer(body).data, renderer()


def main():
    args = arguments()
    vendor = setup()
    from django.db import connection
    from django.utils import timezone

    users = seed(args.rows)
    print(f"database: {vendor}; {args.rows} rows per page; median of {args.runs} runs (ms)")
    print(f"{'list':<15}{'serialize':>11}{'render':>9}{'per row':>9}{'request':>9}{'bytes':>9}")
    cases = [
        (name, *page_of(viewset, user, url, args.rows), user, url)
        for name, viewset, user, url in lists(users, args.rows)
    ]
    team = workloads(users, args.rows)
    cases.append(("workloads", *team, users["manager"], "/api/v1/workloads/"))
    for name, serialize, renderer, user, url in cases:
        data = serialize()
        body = renderer.render(data, "application/json", {})
        s = median_ms(serialize, args.runs, time.process_time)
        r = median_ms(lambda d=data, f=renderer.render: f(d), args.runs, time.process_time)
        api = token_client(user)
        answer = api.get(url, {"page_size": args.rows})
        assert answer.status_code == 200, answer.content[:300]
        q = median_ms(lambda api=api, url=url: api.get(url, {"page_size": args.rows}), args.runs)
        print(
            f"{name:<15}{s:>11.1f}{r:>9.1f}{(s + r) * 1000 / args.rows:>8.0f}µ{q:>9.1f}"
            f"{len(body):>9}"
        )
        timezone.deactivate()

    from django.core.cache import cache

    from calendar_sync.models import CalendarFeed, hash_feed_token, new_feed_token

    token = new_feed_token()
    CalendarFeed.objects.create(user=users["feed"], name="Work", token_hash=hash_feed_token(token))
    api = token_client(users["manager"])
    path = f"/calendar/{token}.ics"

    def cold():
        cache.clear()
        return api.get(path)

    first = cold()
    events = first.content.count(b"BEGIN:VEVENT")
    build = median_ms(cold, max(3, args.runs // 3))
    warm = median_ms(lambda: api.get(path), args.runs)
    task = users["feed"].assigned_tasks.exclude(status="completed").first()

    def one_changed():
        task.sequence += 1
        task.save(update_fields=["sequence", "updated_at"])
        return api.get(path)

    changed = median_ms(one_changed, args.runs)
    poll = median_ms(lambda: api.get(path, HTTP_IF_NONE_MATCH=first["ETag"]), args.runs)
    print(f"\nfeed of an assistant with {FEED_TASKS} dated tasks (half completed 400 days ago):")
    print(f"  {events} events, {len(first.content)} bytes")
    print(
        f"  build {build:.0f} ms; one task changed {changed:.0f} ms; unconditional GET, "
        f"nothing changed {warm:.1f} ms; conditional GET (304) {poll:.1f} ms"
    )
    connection.close()


if __name__ == "__main__":
    main()
