import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

# Lists longer than this are not counted row by row on PostgreSQL.
EXACT_COUNT_UP_TO = 10_000


class CountingPaginator(Paginator):
    """Counts exactly up to EXACT_COUNT_UP_TO rows, reading at most that many; beyond,
    on PostgreSQL, takes the planner's estimate of the list's rows (never below the
    cap): counting a million time entries would cost every page more than the page."""

    @cached_property
    def count(self):
        rows = self.object_list
        if not isinstance(rows, QuerySet) or connections[rows.db].vendor != "postgresql":
            return super().count
        keys = rows.order_by().values("pk")
        counted = keys[: EXACT_COUNT_UP_TO + 1].count()
        if counted <= EXACT_COUNT_UP_TO:
            return counted
        sql, params = keys.query.sql_with_params()
        with connections[rows.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            (plan,) = cursor.fetchone()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return max(int(plan[0]["Plan"]["Plan Rows"]), counted)


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`, `?page_size=` up to 200."""

    django_paginator_class = CountingPaginator
    page_size_query_param = "page_size"
    max_page_size = 200
