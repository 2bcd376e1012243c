"""Serializer fields bounded to what the service can hold (`concierge.bounds`).

Every date, datetime and integer the API reads goes through these, so that an input at
the ends of Python's calendar or beyond a database column is a 400 with the field named,
never an overflow deep inside a service. `BoundedModelSerializer` maps model fields to
them; `tests/test_input_bounds.py` checks that every writable field of every serializer is
bounded.
"""

import datetime
from operator import attrgetter
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, fields, relations, serializers
from rest_framework.settings import api_settings

from concierge import bounds
from concierge.text import validate_single_line


class DecimalOptions(TypedDict, total=False):
    """Options a module's DecimalFields share (`DecimalField(**RATIO, ...)`)."""

    max_digits: int
    decimal_places: int
    coerce_to_string: bool
    allow_null: bool


class DateTimeField(serializers.DateTimeField):
    default_error_messages = {
        "out_of_range": _("Datetimes must be {range}."),
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not bounds.datetime_in_range(parsed):
            self.fail("out_of_range", range=bounds.RANGE_SENTENCE)
        return parsed


class DateField(serializers.DateField):
    default_error_messages = {
        "out_of_range": _("Dates must be {range}."),
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not bounds.date_in_range(parsed):
            self.fail("out_of_range", range=bounds.RANGE_SENTENCE)
        return parsed


class IntegerField(serializers.IntegerField):
    """An integer that fits a 32-bit column unless told a narrower range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", bounds.INT32_MIN)
        kwargs.setdefault("max_value", bounds.INT32_MAX)
        super().__init__(**kwargs)


class IdField(IntegerField):
    """A database id given as a filter or body value (a positive 64-bit integer at most)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time of day without a zone, `HH:MM` (OpenAPI's `format: time` is an
    RFC 3339 time *with* an offset, which a working day in the person's zone is not)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)


class SingleLineCharField(serializers.CharField):
    """One line of text (a title, a name, a label): a line break, a tab or any other
    control character is 400 `invalid`, the field's message coded `control_characters`
    (concierge/text.py says why TAB too). What reaches an e-mail subject is one of these."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_single_line)


PK_REPRESENTATION = relations.PrimaryKeyRelatedField.to_representation


IN_ACTIVE_ZONE = object()


def _in_active_zone(field):
    """Whether `field` is a datetime field left as DRF makes it: ISO 8601 in the active zone."""
    kind = type(field)
    return (
        settings.USE_TZ
        and isinstance(field, serializers.DateTimeField)
        and kind.to_representation is serializers.DateTimeField.to_representation
        and kind.enforce_timezone is serializers.DateTimeField.enforce_timezone
        and kind.default_timezone is serializers.DateTimeField.default_timezone
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    )


def _iso_in(zone, value):
    """What DRF answers for an aware datetime in `zone`; None: let the field answer."""
    if type(value) is not datetime.datetime or value.utcoffset() is None:
        return None
    try:
        text = value.astimezone(zone).isoformat()
    except OverflowError:
        return None
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _itself(instance):
    return instance


def _reader(model, field):
    """What `field.get_attribute` reads, as one `attrgetter`: the object itself (`source="*"`),
    a foreign key's raw id for a primary-key field, or the attribute path. None when the
    field reads in its own way (then it is asked)."""
    if type(field).get_attribute not in (
        fields.Field.get_attribute,
        relations.RelatedField.get_attribute,
    ):
        return None
    if field.source == "*":
        return _itself
    if isinstance(field, relations.PrimaryKeyRelatedField):
        own_output = type(field).to_representation is not PK_REPRESENTATION
        if own_output or field.pk_field is not None or len(field.source_attrs) != 1:
            return None
        try:
            column = model._meta.get_field(field.source)
        except FieldDoesNotExist:
            return None
        return attrgetter(column.attname) if column.many_to_one and column.concrete else None
    if isinstance(field, relations.RelatedField | relations.ManyRelatedField):
        return None
    return attrgetter(".".join(field.source_attrs))


class BoundedModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated date, datetime and integer fields are bounded."""

    # (The docstring above is inherited by the schema's components: notes go here.)
    # Rows are represented with the same fields, in the same way, at a fraction of the
    # cost: each readable field's reader is worked out once per serializer (a page of a
    # list is one serializer) instead of walking `source` through DRF's generic lookup on
    # every row. What a reader cannot settle (a missing related object, a callable, a
    # field with its own `get_attribute`) goes through the field, as DRF does.

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
        models.DateField: DateField,
        models.IntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.TimeField: LocalTimeField,
        # A model's CharField is one line (a TextField is the multi-line kind).
        models.CharField: SingleLineCharField,
    }

    @cached_property
    def _row_plan(self):
        model = self.Meta.model
        plan = []
        for field in self._readable_fields:
            read = _reader(model, field)
            if read is not None and isinstance(field, relations.PrimaryKeyRelatedField):
                represent = None  # the id as it is
            elif read is not None and _in_active_zone(field):
                represent = IN_ACTIVE_ZONE
            else:
                represent = field.to_representation
            plan.append((field.field_name, field, read, represent))
        return plan

    def to_representation(self, instance):
        compiled = getattr(type(instance), "compiled_list", None)
        if compiled is not None:  # a row of a list's compiled read path (api/compiled.py)
            return compiled.represent(self, instance)
        row = {}
        zone = timezone.get_current_timezone()  # once a row, not once a datetime
        for name, field, read, represent in self._row_plan:
            if read is not None:
                try:
                    value = read(instance)
                except (AttributeError, KeyError, ObjectDoesNotExist):
                    pass  # through the field, below
                else:
                    if value is None or represent is None:
                        row[name] = value
                        continue
                    if represent is IN_ACTIVE_ZONE:
                        text = _iso_in(zone, value)
                        if text is not None:
                            row[name] = text
                            continue
                    elif not callable(value):
                        row[name] = represent(value)
                        continue
            try:
                value = field.get_attribute(instance)
            except fields.SkipField:
                continue
            empty = (value.pk if isinstance(value, relations.PKOnlyObject) else value) is None
            row[name] = None if empty else field.to_representation(value)
        return row
