import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import InvalidPage, Page, Paginator
from django.db import connections
from django.db.models import ForeignObject, ForeignObjectRel, IntegerField, QuerySet, Value
from django.db.models.expressions import Col, RawSQL
from django.db.models.sql.datastructures import Join
from django.db.models.sql.query import Query
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

# Lists longer than this are not counted row by row on PostgreSQL.
EXACT_COUNT_UP_TO = 10_000


def _bounded(rows):
    """Whether counting `rows` stops at the cap (PostgreSQL; elsewhere every row counts)."""
    return connections[rows.db].vendor == "postgresql"


def _aliases_read_by(node: Any, found: set[str]) -> bool:
    """Adds to `found` the table aliases `node` (a WHERE tree or an expression) reads;
    False when it reads in a way this cannot follow (raw SQL)."""
    if isinstance(node, WhereNode):
        return all(_aliases_read_by(child, found) for child in node.children)
    if isinstance(node, Col):
        found.add(node.alias)
        return True
    if isinstance(node, RawSQL):
        return False
    if isinstance(node, Query):  # a subquery: only the outer columns it refers to
        found.update(col.alias for col in node.get_external_cols())
        return True
    inner = getattr(node, "query", None)
    if isinstance(inner, Query):  # Subquery, Exists
        return _aliases_read_by(inner, found)
    if hasattr(node, "get_source_expressions"):
        return all(_aliases_read_by(child, found) for child in node.get_source_expressions())
    return True  # a plain value


def _at_most_one_row(join: Join) -> bool:
    """Whether a LEFT JOIN adds at most one row to each row it joins (a forward foreign
    key, or the reverse of a one-to-one): leaving it out then changes no count."""
    if join.join_type != "LEFT OUTER JOIN" or join.filtered_relation is not None:
        return False
    field = join.join_field
    if isinstance(field, ForeignObjectRel):
        return bool(field.field.unique)
    return isinstance(field, ForeignObject)


def _counted_rows(rows: QuerySet) -> Query:
    """`rows` as `SELECT 1 FROM … WHERE …`: what counting them reads. Without their
    ordering, columns and annotations, and without the LEFT JOINs only those read (an
    entry's invoice, say): the count is the same, and the planner may then count from
    an index alone instead of visiting every row."""
    query = rows.query.chain()
    if query.distinct or query.combinator or query.group_by is not None:
        return rows.order_by().values("pk").query  # its rows are told apart by their keys
    query.clear_ordering(force=True)
    read: set[str] = set()
    if _aliases_read_by(query.where, read):
        needed: set[str] = set()
        for alias in read:
            hung: str | None = alias
            while hung and hung not in needed:  # the alias and the joins it hangs on
                needed.add(hung)
                hung = getattr(query.alias_map.get(hung), "parent_alias", None)
        query.annotations = {}
        for alias, join in query.alias_map.items():
            if alias not in needed and isinstance(join, Join) and _at_most_one_row(join):
                query.alias_refcount[alias] = 0  # the compiler leaves unreferenced joins out
    query.clear_select_clause()
    query.add_annotation(Value(1), "one")
    return query


def _counted_sql(rows: QuerySet) -> tuple[str, Any]:
    """The SQL of `_counted_rows`, compiled once for the page's count and the estimate."""
    return _counted_rows(rows).get_compiler(rows.db).as_sql()


def bounded_count(rows: QuerySet, counted_sql: tuple[str, Any] | None = None) -> RawSQL:
    """The count `CountingPaginator` gives `rows` (up to the cap, where it stops), as a
    scalar subquery: annotated on a page's rows, the database counts once (an InitPlan)
    in the same round trip as the page. `counted_sql`: `_counted_sql(rows)`, if known."""
    sql, params = counted_sql or _counted_sql(rows)
    if _bounded(rows):
        if rows.query.is_sliced:  # a LIMIT of its own already
            sql = f"SELECT 1 FROM ({sql}) AS listed"  # noqa: S608 - the ORM's own SQL
        sql = f"{sql} LIMIT {EXACT_COUNT_UP_TO + 1}"
    counted = f"SELECT COUNT(*) FROM ({sql}) AS counted"  # noqa: S608 - the ORM's own SQL
    return RawSQL(counted, params, IntegerField())  # noqa: S611 - and its parameters


def _estimate(rows, counted, counted_sql=None):
    """Beyond the cap: the planner's estimate of the list's rows, never below the cap."""
    sql, params = counted_sql or _counted_sql(rows)
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
        if not isinstance(rows, QuerySet):
            raise TypeError("A counted page reads a queryset.")
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = self.validate_number(number)  # not a whole number: the usual error
        if number < 1:
            self.validate_number(number)  # the usual error
        bottom = (number - 1) * self.per_page
        counted_sql = _counted_sql(rows)
        page = values.annotate(_count=bounded_count(rows, counted_sql))
        page = page[bottom : bottom + self.per_page]
        found = list(page)
        if not found:  # counted apart: a 404 beyond the last page
            return Page(found, self.validate_number(number), self)
        counted = found[0]["_count"]
        for row in found:
            del row["_count"]
        if _bounded(rows) and counted > EXACT_COUNT_UP_TO:
            counted = _estimate(rows, counted, counted_sql)
        self.count = counted
        return Page(found, self.validate_number(number), self)


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`, `?page_size=` up to 200."""

    django_paginator_class = CountingPaginator
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_counted(self, queryset, request, *, values):
        """`paginate_queryset` of `queryset` read as `values` (a values() queryset of
        it), the list's count read in the page's own query (`counted_page`)."""
        page_size = self.get_page_size(request)
        if page_size is None:
            raise ImproperlyConfigured("The compiled lists are paginated: set PAGE_SIZE.")
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
