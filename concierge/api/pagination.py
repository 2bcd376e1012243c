import json

from django.core.paginator import InvalidPage, Paginator
from django.db import connections
from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

# Lists longer than this are not counted row by row on PostgreSQL.
EXACT_COUNT_UP_TO = 10_000


def _bounded(rows):
    """Whether counting `rows` stops at the cap (PostgreSQL; elsewhere every row counts)."""
    return connections[rows.db].vendor == "postgresql"


def bounded_count(rows: QuerySet) -> RawSQL:
    """The count `CountingPaginator` gives `rows` (up to the cap, where it stops), as a
    scalar subquery: annotated on a page's rows, the database counts once (an InitPlan)
    in the same round trip as the page."""
    keys = rows.order_by().values("pk")
    if _bounded(rows):
        keys = keys[: EXACT_COUNT_UP_TO + 1]
    sql, params = keys.query.sql_with_params()
    counted = f"SELECT COUNT(*) FROM ({sql}) AS counted"  # noqa: S608 - the ORM's own SQL
    return RawSQL(counted, params, IntegerField())  # noqa: S611 - and its parameters


def _estimate(rows, counted):
    """Beyond the cap: the planner's estimate of the list's rows, never below the cap."""
    sql, params = rows.order_by().values("pk").query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(int(plan[0]["Plan"]["Plan Rows"]), counted)


class CountingPaginator(Paginator):
    """Counts exactly up to EXACT_COUNT_UP_TO rows, reading at most that many; beyond,
    on PostgreSQL, takes the planner's estimate of the list's rows (never below the
    cap): counting a million time entries would cost every page more than the page."""

    @cached_property
    def count(self):
        rows = self.object_list
        if not isinstance(rows, QuerySet) or not _bounded(rows):
            return super().count
        counted = rows.order_by().values("pk")[: EXACT_COUNT_UP_TO + 1].count()
        if counted <= EXACT_COUNT_UP_TO:
            return counted
        return _estimate(rows, counted)

    def counted_page(self, number, *, values):
        """Page `number` of the list, read as `values` (the list as a values() queryset)
        with the list's count in the same query: each row carries `_count` (see
        `bounded_count`). The count reads the list itself, without the joins its values
        may need. An empty page is counted on its own: page 1 of an empty list, or a page
        out of range (a 404)."""
        rows = self.object_list
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = self.validate_number(number)  # not a whole number: the usual error
        if number < 1:
            self.validate_number(number)  # the usual error
        bottom = (number - 1) * self.per_page
        page = values.annotate(_count=bounded_count(rows))[bottom : bottom + self.per_page]
        found = list(page)
        if not found:  # counted apart: a 404 beyond the last page
            return self._get_page(found, self.validate_number(number), self)
        counted = found[0]["_count"]
        for row in found:
            del row["_count"]
        if _bounded(rows) and counted > EXACT_COUNT_UP_TO:
            counted = _estimate(rows, counted)
        self.count = counted
        return self._get_page(found, self.validate_number(number), self)


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`, `?page_size=` up to 200."""

    django_paginator_class = CountingPaginator
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_counted(self, queryset, request, *, values):
        """`paginate_queryset` of `queryset` read as `values` (a values() queryset of
        it), the list's count read in the page's own query (`counted_page`)."""
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        number = request.query_params.get(self.page_query_param) or 1
        if number in self.last_page_strings:
            return self.paginate_queryset(values, request)
        try:
            self.page = paginator.counted_page(number, values=values)
        except InvalidPage as exc:
            message = self.invalid_page_message.format(page_number=number, message=str(exc))
            raise NotFound(message) from exc
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        self.request = request
        return list(self.page)
