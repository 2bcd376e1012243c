"""Benchmark: where each list page's milliseconds go, phase by phase, in one process.

On the database `bench/http_lists.py` built (its copy `<database>`, 200 000 tasks …), each
page is requested through Django's WSGI handler as gunicorn would call it (debug off, the
same middleware, a token), `--runs` times after a warm-up, and every millisecond of the
request is put in one phase, exclusive of the phases inside it:

- `auth`     the token's authentication (its query counted under `database`),
- `queryset` building the list's queryset (the selector, its filters and annotations),
- `compile`  compiling SQL (Django's SQLCompiler.as_sql, however deep),
- `database` executing statements and fetching their rows (the driver's conversions too),
- `page`     the ORM's part of reading the page (cloning, iterating values, converters),
- `rows`     the compiled path's rows (`CompiledList.rows`: nested histories parsed),
- `at risk`  which tasks of the page are at risk (the workload rule, beside its queries),
- `represent` the rows represented (the compiled plan or the serializer),
- `json`     the JSON renderer,
- `other`    the rest: middleware, routing, permissions, the response (the bare endpoint's
             whole cost is here and under `auth`).

`total` is the wall time of a request, `cpu` this process's CPU time in it (the database's
own CPU is not in it: on a shared machine the waits on the database are the noisy part).
Medians over the runs, in ms. `--profile` prints cProfile's heaviest functions of one
page instead (`--only` picks it).

    .venv/bin/python bench/list_phases.py [--database lists_bench] [--runs 30] \\
        [--only "tasks manager"] [--profile]
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PHASES = (
    "auth",
    "queryset",
    "compile",
    "database",
    "page",
    "rows",
    "at risk",
    "represent",
    "json",
    "other",
)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="concierge_lists")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    parser.add_argument("--profile", action="store_true", help="cProfile one page instead")
    parser.add_argument("--queries", action="store_true", help="print each page's statements")
    return parser.parse_args()


class Clock:
    """Exclusive time per phase: entering a phase pauses the one it interrupts."""

    def __init__(self):
        self.spent = dict.fromkeys(PHASES, 0.0)
        self.stack = []  # [phase, started]

    def enter(self, phase):
        now = time.perf_counter()
        if self.stack:
            outer = self.stack[-1]
            self.spent[outer[0]] += now - outer[1]
        self.stack.append([phase, now])

    def leave(self):
        now = time.perf_counter()
        phase, started = self.stack.pop()
        self.spent[phase] += now - started
        if self.stack:
            self.stack[-1][1] = now

    def reset(self):
        self.spent = dict.fromkeys(PHASES, 0.0)
        self.stack = []


CLOCK = Clock()


def timed(owner, name, phase):
    original = vars(owner)[name] if isinstance(owner, type) else getattr(owner, name)
    function = original.__func__ if isinstance(original, classmethod | staticmethod) else original

    def wrapper(*args, **kwargs):
        CLOCK.enter(phase)
        try:
            return function(*args, **kwargs)
        finally:
            CLOCK.leave()

    wrapper.__wrapped__ = function
    setattr(owner, name, classmethod(wrapper) if isinstance(original, classmethod) else wrapper)


def instrument():
    from django.db.backends import utils
    from django.db.models.sql.compiler import SQLCompiler
    from rest_framework import serializers
    from rest_framework.pagination import PageNumberPagination
    from rest_framework.renderers import JSONRenderer

    from assistants.api import time_views, workload_views
    from billing.api import views as billing_views
    from concierge import hooks
    from concierge.api import (
        authentication,
        compiled,
        pagination,
        task_serializers,
        task_views,
        views,
    )

    timed(authentication.ExpiringTokenAuthentication, "authenticate", "auth")
    timed(SQLCompiler, "as_sql", "compile")
    for name in ("execute", "executemany"):
        timed(utils.CursorWrapper, name, "database")
    for name in ("fetchone", "fetchmany", "fetchall"):
        setattr(utils.CursorWrapper, name, _fetch(name))
    timed(pagination.CountingPaginator, "counted_page", "page")
    timed(PageNumberPagination, "paginate_queryset", "page")
    timed(compiled.CompiledList, "rows", "rows")
    timed(compiled.CompiledList, "values", "queryset")
    timed(serializers.ListSerializer, "to_representation", "represent")
    timed(task_serializers.TaskListSerializer, "to_representation", "represent")
    timed(serializers.Serializer, "to_representation", "represent")
    timed(JSONRenderer, "render", "json")
    timed(hooks, "tasks_at_risk", "at risk")
    for view in (
        task_views.TaskViewSet,
        time_views.TimeEntryViewSet,
        billing_views.InvoiceViewSet,
        views.ClientViewSet,
    ):
        for name in ("get_queryset", "filter_queryset"):
            if name in view.__dict__:
                timed(view, name, "queryset")
    timed(workload_views.workload_selectors, "team_workload", "queryset")


def _fetch(name):
    def fetch(self, *args):
        CLOCK.enter("database")
        try:
            return getattr(self.cursor, name)(*args)
        finally:
            CLOCK.leave()

    return fetch


def setup(args):
    import http_lists

    url = f"{args.postgres}/{args.database}"
    os.environ.update(http_lists.django_env(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
    import django

    django.setup()
    from concierge.models import User
    from concierge.services import token_issue

    tokens = {}
    for role, pk in (("manager", 1), ("assistant", http_lists.FIRST_ASSISTANT)):
        tokens[role] = token_issue(user=User.objects.get(pk=pk)).key
    tokens["client"] = token_issue(user=User.objects.get(pk=http_lists.FIRST_CLIENT)).key
    every = http_lists.pages({"feed_assistant": "", "feed_client": ""})
    pages = [page for page in every if page[0] != "feed"]
    if args.only:
        pages = [p for p in pages if p[0] == "bare" or args.only in f"{p[0]} {p[2]}"]
    return tokens, pages


def request(handler, factory, path, token):
    environ = factory.get(
        path,
        HTTP_HOST="127.0.0.1",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_ACCEPT="application/json",
    ).environ
    statuses = []
    body = b"".join(handler(environ, lambda status, headers, *_: statuses.append(status)))
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{path}: {statuses[0]}\n{body[:500]!r}")
    return body


def queries(handler, factory, pages, tokens):
    """Each page's statements, with their time (the page requested once, warm)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, path, role in pages:
        request(handler, factory, path, tokens[role])
        with CaptureQueriesContext(connection) as captured:
            request(handler, factory, path, tokens[role])
        print(f"== {name} {role}: {len(captured)} statements")
        for query in captured:
            print(f"-- {float(query['time']) * 1000:.1f} ms\n{query['sql']}")


def main():
    args = arguments()
    tokens, pages = setup(args)
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler, factory = WSGIHandler(), RequestFactory()
    if args.profile:
        (_, path, role) = pages[-1]
        for _ in range(5):
            request(handler, factory, path, tokens[role])
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.runs):
            request(handler, factory, path, tokens[role])
        profile.disable()
        print(f"{path} as {role}, {args.runs} requests")
        pstats.Stats(profile).sort_stats("tottime").print_stats(35)
        return
    if args.queries:
        return queries(handler, factory, pages, tokens)
    instrument()
    print(f"{'page':<14}{'role':<11}{'total':>7}{'cpu':>7}" + "".join(f"{p:>10}" for p in PHASES))
    for name, path, role in pages:
        for _ in range(5):
            request(handler, factory, path, tokens[role])
        totals, cpu, phases = [], [], {p: [] for p in PHASES}
        for _ in range(args.runs):
            CLOCK.reset()
            CLOCK.enter("other")
            started, started_cpu = time.perf_counter(), time.process_time()
            request(handler, factory, path, tokens[role])
            totals.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            CLOCK.leave()
            for phase in PHASES:
                phases[phase].append(CLOCK.spent[phase])
        print(
            f"{name:<14}{role:<11}{statistics.median(totals) * 1000:>7.1f}"
            f"{statistics.median(cpu) * 1000:>7.1f}"
            + "".join(f"{statistics.median(phases[p]) * 1000:>10.1f}" for p in PHASES)
        )
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; medians of {args.runs} runs")


if __name__ == "__main__":
    main()
