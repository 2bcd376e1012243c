"""Serializer fields bounded to what the service can hold (`concierge.bounds`).

Every date, datetime and integer the API reads goes through these, so that an input at
the ends of Python's calendar or beyond a database column is a 400 with the field named,
never an overflow deep inside a service. `BoundedModelSerializer` maps model fields to
them; `tests/test_input_bounds.py` checks that every writable field of every serializer is
bounded.
"""

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from concierge import bounds


class DateTimeField(serializers.DateTimeField):
    default_error_messages = {
        "out_of_range": f"Datetimes must be {bounds.RANGE_SENTENCE}.",
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not bounds.datetime_in_range(parsed):
            self.fail("out_of_range")
        return parsed


class DateField(serializers.DateField):
    default_error_messages = {
        "out_of_range": f"Dates must be {bounds.RANGE_SENTENCE}.",
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not bounds.date_in_range(parsed):
            self.fail("out_of_range")
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


class BoundedModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated date, datetime and integer fields are bounded."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
        models.DateField: DateField,
        models.IntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.TimeField: LocalTimeField,
    }
