"""Every writable date, datetime, time and integer field of every API serializer is one of
the bounded fields of `concierge.api.fields`, so no input reaches a service beyond what
the service and its columns hold."""

import importlib
import inspect
import pkgutil

import pytest
from rest_framework import serializers

from concierge.api import fields as bounded

APPS = ["concierge", "assistants", "billing", "calendar_sync"]


def _serializer_classes():
    found = {}
    for app in APPS:
        package = importlib.import_module(f"{app}.api")
        # Packages of serializers too (billing.api.serializers), module by module.
        for module_info in pkgutil.walk_packages(package.__path__, prefix=f"{app}.api."):
            module = importlib.import_module(module_info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(cls, serializers.BaseSerializer)
                    and cls.__module__.startswith(f"{app}.")
                    and cls is not bounded.BoundedModelSerializer
                    # A list serializer has no fields: its child, checked here too, has.
                    and not issubclass(cls, serializers.ListSerializer)
                ):
                    found[f"{cls.__module__}.{cls.__name__}"] = cls
    return sorted(found.items())


def _writable(serializer, prefix=""):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        path = f"{prefix}{name}"
        if isinstance(field, serializers.ListSerializer):
            yield from _writable(field.child, f"{path}[].")
        elif isinstance(field, serializers.Serializer):
            yield from _writable(field, f"{path}.")
        elif isinstance(field, serializers.ListField):
            yield f"{path}[]", field.child
        else:
            yield path, field


def _problem(field):
    if isinstance(field, serializers.DateTimeField):
        return None if isinstance(field, bounded.DateTimeField) else "unbounded datetime"
    if isinstance(field, serializers.DateField):
        return None if isinstance(field, bounded.DateField) else "unbounded date"
    if isinstance(field, serializers.TimeField):
        return None if isinstance(field, bounded.LocalTimeField) else "time without a format"
    if isinstance(field, serializers.IntegerField) and (
        field.max_value is None or field.min_value is None
    ):
        return "integer without a range"
    return None


SERIALIZERS = _serializer_classes()


def test_the_api_serializers_are_found():
    assert len(SERIALIZERS) >= 30


@pytest.mark.parametrize(("name", "cls"), SERIALIZERS, ids=[name for name, _ in SERIALIZERS])
def test_every_writable_field_is_bounded(name, cls):
    fields = list(_writable(cls()))
    problems = [(path, _problem(field)) for path, field in fields if _problem(field)]
    assert problems == []
