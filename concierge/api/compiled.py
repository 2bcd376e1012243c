"""List pages read straight from `values()`, compiled from their read serializer.

Rendering a page through a serializer costs more than reading it: a model instance per
row and per related row, then DRF's generic walk of each field's `source`. The read
serializer is still the one definition of a list's fields (and of its OpenAPI schema), so
the fast path is derived from it rather than written beside it. Once per serializer class
(and queryset shape), `compile_list` reads the declared fields and works out:

* the projection — the `values()` the page needs: the model's columns, foreign keys' ids,
  columns one foreign key away (`client.full_name` reads the client's names), the
  queryset's annotations, and what a method field or a property declares it reads
  (`reads`, `property_reads`);
* the nested lists the queryset prefetches (`Prefetch(to_attr=...)` or a plain relation
  such as an invoice's `lines`) that a method or a nested list serializer reads: on
  PostgreSQL aggregated to JSON in the same SELECT as the page, elsewhere one more query;
* a nested serializer of the object a foreign key names (an invoice's `seller`): its
  columns read in the page's query, null when the key is;
* a row plan: each field's value from those values, represented as the field would
  (times in the reader's zone, Decimal strings, nulls), in the serializer's order.

Method fields and properties run on a `Row`, a plain object carrying the values as
attributes; what a row lacks is looked up on its model class, so a method such as
`Task.is_overdue` runs its own code on it; nested serializers represent their rows as they
would instances. A field the compiler cannot read this way (a nested serializer of
anything else, a field with its own `get_attribute`, a method with no `reads`) is a
*fallback*: the whole list then goes through the serializer as before, and
`tests/test_compiled_lists.py` lists which serializers fall back and why, so that list
cannot grow unnoticed. `tests/test_representation.py` proves both paths answer the same
bytes.
"""

import datetime
import inspect
import types
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import F, Func, OuterRef, Prefetch, Subquery, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from rest_framework import fields, mixins, relations, serializers
from rest_framework.generics import GenericAPIView

from concierge.api import fields as api_fields
from concierge.api.pagination import Pagination
from concierge.models import User

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def reads(*paths: str):
    """Names what a serializer method (`get_<field>`) reads of its object, so that the
    compiled path projects it: columns, annotations of the list's queryset, properties
    registered with `property_reads`, or the `to_attr` of one of its prefetches."""

    def mark(method):
        method.compiled_reads = paths
        return method

    return mark


_PROPERTY_READS: dict[tuple[type, str], tuple[str, ...]] = {}


def property_reads(model: type[models.Model], name: str, *columns: str) -> None:
    """Registers the columns a model's property reads (`User.full_name` reads the first
    and last names and the e-mail): a field whose source is that property then compiles,
    and the property's own code computes it from those columns."""
    _PROPERTY_READS[model, name] = columns


class Row:
    """One row's values as attributes. What the row lacks is looked up on its model's
    class: a property or a method runs on the row itself (so `Task.is_overdue` decides,
    as it does for an instance); anything else was not projected, and says so."""

    model: type[models.Model]

    def __getattr__(self, name):
        found = inspect.getattr_static(self.model, name, None)
        if isinstance(found, property) and found.fget is not None:
            if "compiled_list" in type(self).__dict__:  # its rows all carry the same keys
                setattr(type(self), name, found)  # later rows find it without this lookup
            return found.fget(self)
        if isinstance(found, types.FunctionType):
            setattr(type(self), name, found)  # a method never hides a row's own value
            return types.MethodType(found, self)
        raise AttributeError(
            f"{self.model.__name__} rows read by the compiled list path carry no {name!r}: "
            "name it in the serializer method's `reads`."
        )


_ROW_CLASSES: dict[type, type[Row]] = {}


def _row_class(model):
    if model not in _ROW_CLASSES:
        _ROW_CLASSES[model] = type(f"{model.__name__}Row", (Row,), {"model": model})
    return _ROW_CLASSES[model]


def _row(cls, values):
    row = cls.__new__(cls)
    row.__dict__ = values
    return row


class EpochMicroseconds(Func):
    """A timestamp as integer microseconds since 1970 (exact, unlike JSON's text of it)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = models.BigIntegerField()


class Nested:
    """A method's nested list (`task.history_events`), read from the queryset's
    `Prefetch`: every concrete column of its model, for each parent row, in its order."""

    def __init__(self, parent, prefetch):
        relation = parent._meta.get_field(prefetch.prefetch_through)
        self.attribute = prefetch.to_attr or prefetch.prefetch_to
        self.model = relation.related_model
        self.link = relation.field  # the child's foreign key to the parent
        queryset = prefetch.queryset
        if queryset is None:  # a plain prefetch_related("lines"): the model's own order
            queryset = self.model._default_manager.all()
        ordering = queryset.query.order_by or self.model._meta.ordering
        self.queryset = queryset.order_by(*ordering)
        self.columns = list(self.model._meta.concrete_fields)
        self.row_class = _row_class(self.model)
        self.parent = parent
        self.compiled_sql: dict[str, tuple[str, tuple]] = {}

    def annotation(self, using):
        """The rows of each parent as one JSON array in the parent's SELECT (PostgreSQL).

        Its SQL is the same on every page (only the parent row it reads changes), so it
        is compiled once: resolving and compiling the subquery's expressions again on
        every request cost more than reading it."""
        if using not in self.compiled_sql:
            parents = self.parent._default_manager.using(using).all().query
            subquery = self.subquery().resolve_expression(parents, allow_joins=True)
            self.compiled_sql[using] = parents.get_compiler(using).compile(subquery)
        sql, params = self.compiled_sql[using]
        return RawSQL(sql, params, output_field=models.JSONField())  # noqa: S611 - the ORM's SQL

    def subquery(self):
        shown: dict[str, Any] = {}
        for column in self.columns:
            value: Any = F(column.attname)
            if isinstance(column, models.DateTimeField):
                value = EpochMicroseconds(value)
            elif isinstance(column, models.DecimalField | models.DateField):
                value = Cast(value, TextField())
            shown[column.attname] = value
        from django.contrib.postgres.aggregates import JSONBAgg

        rows = (
            self.queryset.filter(**{self.link.name: OuterRef("pk")})
            .order_by()
            .annotate(_one=Value(1))
            .values("_one")
            .annotate(rows=JSONBAgg(JSONObject(**shown), order_by=self.queryset.query.order_by))
            .values("rows")
        )
        return Subquery(rows, output_field=models.JSONField())

    def from_json(self, items):
        """The JSON objects of `annotation` as rows with Python values (NestedRows)."""
        converters = []
        for column in self.columns:
            if isinstance(column, models.DateTimeField):
                converters.append((column.attname, _from_epoch))
            elif isinstance(column, models.DecimalField):
                converters.append((column.attname, Decimal))
            elif isinstance(column, models.DateField):
                converters.append((column.attname, datetime.date.fromisoformat))
        rows = NestedRows()
        for item in items or ():
            for name, convert in converters:
                if item[name] is not None:
                    item[name] = convert(item[name])
            item["pk"] = item[self.model._meta.pk.attname]
            rows.append(_row(self.row_class, item))
        return rows

    def fetch(self, parents, using):
        """The rows of `parents` in one query (where JSON aggregation is not used)."""
        attnames = [column.attname for column in self.columns]
        found = self.queryset.using(using).filter(
            **{f"{self.link.attname}__in": [parent.pk for parent in parents]}
        )
        by_parent: dict[Any, NestedRows] = {parent.pk: NestedRows() for parent in parents}
        for item in found.values(*attnames):
            item["pk"] = item[self.model._meta.pk.attname]
            by_parent[item[self.link.attname]].append(_row(self.row_class, item))
        for parent in parents:
            parent.__dict__[self.attribute] = by_parent[parent.pk]


class NestedRows(list):
    """A row's nested rows, read as a prefetched relation reads (`invoice.lines.all()`)."""

    def all(self):
        return self


def _from_epoch(microseconds):
    return EPOCH + datetime.timedelta(microseconds=microseconds)


def _passes_through(field, column):
    """The Python type a field answers unchanged (its `to_representation` would copy
    it), for a column of the model; None when the field must be asked."""
    method = type(field).to_representation
    if method is fields.CharField.to_representation:
        return str
    if method is fields.IntegerField.to_representation:
        return int
    if method is fields.BooleanField.to_representation:
        return bool
    if method is fields.ChoiceField.to_representation and all(
        key == value for key, value in field.choice_strings_to_values.items()
    ):
        return str
    if method is fields.JSONField.to_representation and not field.binary:
        return object
    if method is fields.ReadOnlyField.to_representation:
        return object
    return None


class Column(NamedTuple):
    """A field read from one value of the row: as it is when it is of the type `keep`
    (the field would copy it), else represented as the field does."""

    key: str
    keep: type | None
    in_zone: bool  # a datetime in the reader's zone, as DRF writes it
    field: fields.Field

    def represent(self, found, zone):
        if self.in_zone:
            text = api_fields._iso_in(zone, found)
            if text is not None:
                return text
        return self.field.to_representation(found)

    def __call__(self, serializer, row, zone):
        found = row.__dict__[self.key]
        if found is None or self.keep is object or type(found) is self.keep:
            return found
        return self.represent(found, zone)


def _reads_a_column(model, field):
    """Whether `field` reads one of `model`'s own columns (a foreign key's id included)."""
    if (
        isinstance(field, serializers.BaseSerializer | serializers.SerializerMethodField)
        or type(field).get_attribute
        not in (fields.Field.get_attribute, relations.RelatedField.get_attribute)
        or len(field.source_attrs) != 1
    ):
        return False
    try:
        column = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return False
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return column.many_to_one and column.concrete
    return column.concrete and not column.is_relation


class Unsupported(Exception):
    """A field the compiled path does not read (the list then uses its serializer)."""


class CompiledList:
    """A read serializer's list compiled for one queryset shape (see the module)."""

    def __init__(self, serializer_class, queryset):
        self.model = queryset.model
        self.annotations = set(queryset.query.annotations)
        self.prefetches = {}  # the nested lists a page reads, by attribute
        for lookup in queryset._prefetch_related_lookups:
            prefetch = lookup if isinstance(lookup, Prefetch) else Prefetch(lookup)
            if "__" not in prefetch.prefetch_through:  # one level: the model's own relation
                self.prefetches[prefetch.to_attr or prefetch.prefetch_to] = prefetch
        self.keys: dict[str, str] = {"id": "id"}  # the values() the page reads
        self.nested: dict[str, Nested] = {}
        self.plan: list[tuple[str, Any]] = []
        self.fallbacks: dict[str, str] = {}  # field name -> why
        self.row_class = type(
            f"{self.model.__name__}Row", (_row_class(self.model),), {"compiled_list": self}
        )
        for field in serializer_class()._readable_fields:
            try:
                self.plan.append((field.field_name, self._compile(field)))
            except Unsupported as why:
                self.fallbacks[field.field_name] = str(why)

    # Compiling each field -------------------------------------------------------------

    def _project(self, key):
        self.keys[key] = key
        return key

    def _compile(self, field):
        if isinstance(field, serializers.SerializerMethodField):
            return self._method(field)
        if isinstance(field, serializers.ListSerializer):
            return self._nested_list(field)
        if isinstance(field, serializers.Serializer):
            return self._nested_object(field)
        if isinstance(field, serializers.BaseSerializer | relations.ManyRelatedField):
            raise Unsupported("a nested serializer")
        if type(field).get_attribute not in (
            fields.Field.get_attribute,
            relations.RelatedField.get_attribute,
        ):
            raise Unsupported("reads in its own way (get_attribute)")
        if field.source == "*":
            raise Unsupported("reads the whole object")
        if isinstance(field, relations.PrimaryKeyRelatedField):
            return self._related_id(field)
        if isinstance(field, relations.RelatedField):
            raise Unsupported("a related field other than an id")
        attrs = field.source_attrs
        if len(attrs) == 1:
            return self._value(field, self._read(self.model, attrs[0], prefix=""), None)
        if len(attrs) == 2:
            return self._through(field, *attrs)
        raise Unsupported("reads further than one related object")

    def _read(self, model, name, *, prefix):
        """What reading `name` on a row of `model` takes: ("key", key, column) or
        ("property", getter, keys)."""
        try:
            column = model._meta.get_field(name)
        except FieldDoesNotExist:
            column = None
        if column is not None and column.concrete and not column.is_relation:
            return ("key", self._project(prefix + column.attname), column)
        if column is not None and column.many_to_one and column.concrete and name == column.attname:
            return ("key", self._project(prefix + name), None)  # a foreign key's raw id
        if column is None and not prefix and name in self.annotations:
            return ("key", self._project(name), None)
        found = inspect.getattr_static(model, name, None)
        if isinstance(found, property) and (model, name) in _PROPERTY_READS:
            keys = {c: self._project(prefix + c) for c in _PROPERTY_READS[model, name]}
            return ("property", found.fget, keys, _row_class(model))
        raise Unsupported(f"{name!r} is not a column, an annotation or a known property")

    def _value(self, field, read, missing):
        if read[0] == "property":
            _, getter, keys, row_class = read

            def value(serializer, row, zone):
                values = row.__dict__
                if missing is not None and values[missing[0]] is None:
                    return missing[1]
                computed = getter(_row(row_class, {c: values[k] for c, k in keys.items()}))
                return None if computed is None else field.to_representation(computed)

            return value
        _, key, column = read
        return Column(key, _passes_through(field, column), api_fields._in_active_zone(field), field)

    def _related_id(self, field):
        if field.pk_field is not None or len(field.source_attrs) != 1:
            raise Unsupported("an id read in its own way")
        if type(field).to_representation is not api_fields.PK_REPRESENTATION:
            raise Unsupported("an id represented in its own way")
        try:
            column = self.model._meta.get_field(field.source)
        except FieldDoesNotExist:
            raise Unsupported("not a foreign key of the model") from None
        if not (column.many_to_one and column.concrete):
            raise Unsupported("not a foreign key of the model")
        return Column(self._project(column.attname), object, False, field)  # the id as it is

    def _through(self, field, relation_name, name):
        """`client.full_name`: a column or property of the object a foreign key names."""
        try:
            relation = self.model._meta.get_field(relation_name)
        except FieldDoesNotExist:
            raise Unsupported(f"{relation_name!r} is not a foreign key") from None
        if not ((relation.many_to_one or relation.one_to_one) and relation.concrete):
            raise Unsupported(f"{relation_name!r} is not a foreign key")
        missing = None
        if relation.null:
            # DRF answers a field's default, or null when it allows it, for a missing object.
            if field.default is not fields.empty and not callable(field.default):
                missing = (self._project(relation.attname), field.default)
            elif field.allow_null:
                missing = (self._project(relation.attname), None)
            else:
                raise Unsupported("its related object may be missing")
        read = self._read(relation.related_model, name, prefix=f"{relation_name}__")
        if read[0] == "key":
            inner = self._value(field, read, None)

            def value(serializer, row, zone):
                if missing is not None and row.__dict__[missing[0]] is None:
                    return missing[1]
                return inner(serializer, row, zone)

            return value if missing is not None else inner
        return self._value(field, read, missing)

    def _nested(self, attribute):
        if attribute not in self.nested:
            self.nested[attribute] = Nested(self.model, self.prefetches[attribute])
        return self.nested[attribute]

    def _nested_list(self, field):
        """`lines = InvoiceLineSerializer(many=True)`: a relation the queryset prefetches,
        its rows read with the page (see Nested) and represented by the serializer."""
        if field.source == "*" or len(field.source_attrs) != 1:
            raise Unsupported("a nested list read in its own way")
        attribute = field.source_attrs[0]
        if attribute not in self.prefetches:
            raise Unsupported(f"a nested list the queryset does not prefetch ({attribute!r})")
        nested = self._nested(attribute)
        for inner in field.child._readable_fields:  # its rows carry their columns only
            if not _reads_a_column(nested.model, inner):
                raise Unsupported(f"its field {inner.field_name!r} is not a column")
        return lambda serializer, row, zone: field.to_representation(row.__dict__[attribute])

    def _nested_object(self, field):
        """`seller = InvoiceSellerSerializer()`: the object a foreign key names, its
        columns read in the page's query, represented by the serializer (null when the
        key is)."""
        if type(field).get_attribute is not fields.Field.get_attribute:
            raise Unsupported("reads in its own way (get_attribute)")
        if field.source == "*" or len(field.source_attrs) != 1:
            raise Unsupported("a nested object read in its own way")
        try:
            relation = self.model._meta.get_field(field.source_attrs[0])
        except FieldDoesNotExist:
            raise Unsupported("a nested object that is not a foreign key") from None
        if not ((relation.many_to_one or relation.one_to_one) and relation.concrete):
            raise Unsupported("a nested object that is not a foreign key")
        related = relation.related_model
        keys = {}
        for inner in field._readable_fields:
            if (
                isinstance(inner, serializers.BaseSerializer | serializers.SerializerMethodField)
                or type(inner).get_attribute is not fields.Field.get_attribute
                or len(inner.source_attrs) != 1
            ):
                raise Unsupported(f"its field {inner.field_name!r} is not a column")
            read = self._read(related, inner.source_attrs[0], prefix=f"{relation.name}__")
            if read[0] != "key" or read[2] is None:
                raise Unsupported(f"its field {inner.field_name!r} is not a column")
            keys[read[2].attname] = read[1]
        link = self._project(relation.attname)
        row_class = _row_class(related)

        def value(serializer, row, zone):
            values = row.__dict__
            if values[link] is None:
                return None
            return field.to_representation(
                _row(row_class, {name: values[key] for name, key in keys.items()})
            )

        return value

    def _method(self, field):
        method = getattr(type(field.parent), field.method_name, None)
        declared = getattr(method, "compiled_reads", None)
        if declared is None:
            raise Unsupported(f"{field.method_name} does not declare what it reads")
        for path in declared:
            if path in self.prefetches:
                self._nested(path)
            else:
                self._read(self.model, path, prefix="")
        name = field.method_name
        return lambda serializer, row, zone: getattr(serializer, name)(row)

    # Reading a page --------------------------------------------------------------------

    def values(self, queryset):
        """`queryset` as the values the page needs (nested lists aggregated on PostgreSQL)."""
        projected = queryset.prefetch_related(None)
        aggregated = {}
        if connections[queryset.db].vendor == "postgresql":
            for attribute, nested in self.nested.items():
                aggregated[f"_nested_{attribute}"] = nested.annotation(queryset.db)
        if aggregated:
            projected = projected.annotate(**aggregated)
        return projected.values(*self.keys, *aggregated)

    def rows(self, values, *, using):
        """The page's values as rows, their nested lists attached."""
        rows = []
        for item in values:
            item["pk"] = item["id"]
            rows.append(_row(self.row_class, item))
        for attribute, nested in self.nested.items():
            key = f"_nested_{attribute}"
            if rows and key in rows[0].__dict__:
                for row in rows:
                    row.__dict__[attribute] = nested.from_json(row.__dict__.pop(key))
            elif rows:
                nested.fetch(rows, using)
        return rows

    def represent(self, serializer, row):
        zone = timezone.get_current_timezone()
        values = row.__dict__
        represented = {}
        for name, value in self.plan:
            if type(value) is not Column:
                represented[name] = value(serializer, row, zone)
                continue
            found = values[value.key]  # the common case inline: most fields are columns
            if found is None or value.keep is object or type(found) is value.keep:
                represented[name] = found
            else:
                represented[name] = value.represent(found, zone)
        return represented


_COMPILED: dict[tuple, CompiledList] = {}


def compile_list(serializer_class, queryset) -> CompiledList:
    """The compiled read path of `serializer_class` over querysets shaped as `queryset`
    (its model, annotations and prefetches), built once."""
    key = (
        serializer_class,
        queryset.model,
        frozenset(queryset.query.annotations),
        tuple(getattr(p, "to_attr", p) for p in queryset._prefetch_related_lookups),
    )
    if key not in _COMPILED:
        _COMPILED[key] = CompiledList(serializer_class, queryset)
    return _COMPILED[key]


class CompiledListMixin(mixins.ListModelMixin, GenericAPIView):
    """`list` through the serializer's compiled read path; through the serializer itself
    (ListModelMixin's) when a field falls back or the view paginates in its own way."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        compiled = compile_list(self.get_serializer_class(), queryset)
        paginator = self.paginator
        if compiled.fallbacks or not isinstance(paginator, Pagination):
            return super().list(request, *args, **kwargs)
        page = paginator.paginate_counted(queryset, request, values=compiled.values(queryset))
        rows = compiled.rows(page, using=queryset.db)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


# The core's property every list shows beside an id: a person's display name.
property_reads(User, "full_name", "first_name", "last_name", "email")
