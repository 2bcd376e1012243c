"""Extension points are typed contracts, checked at start-up: a callable registered at a
point must accept the call the point's Protocol describes (`check_extension_points`)."""

from __future__ import annotations

from typing import Protocol

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from concierge import hooks


class Greeting(Protocol):
    def __call__(self, name: str, /, *, loud: bool) -> str: ...


@pytest.fixture
def point():
    """A point of its own, taken out of the registry again afterwards."""
    made = hooks.Callbacks("greetings", Greeting)
    yield made
    hooks.POINTS.remove(made)


def test_every_registration_of_the_project_fits_its_contract():
    names = {point.name for point in hooks.POINTS}
    assert {"task_create_guards", "billable_time_guards", "export_sections"} <= names
    assert all(point.registered() for point in hooks.POINTS if point.name != "greetings")
    assert hooks.check_extension_points() == []


def test_a_callable_that_fits_passes(point):
    def greet(name, *, loud=False):
        return name.upper() if loud else name

    point.register(greet)
    assert hooks.check_extension_points() == []


@pytest.mark.django_db  # `check` runs the project's checks, some of which read the database
@pytest.mark.parametrize(
    "wrong",
    [
        lambda name: name,  # no `loud`
        lambda *, name, loud: name,  # `name` only by keyword
        lambda name, loud, extra: name,  # a third argument the caller never gives
    ],
)
def test_a_callable_that_does_not_fit_is_named_at_start_up(point, wrong):
    point.register(wrong)
    (error,) = hooks.check_extension_points()
    assert error.id == "concierge.E002"
    assert "greetings" in error.msg and "Greeting" in error.msg
    with pytest.raises(SystemCheckError, match=r"concierge\.E002"):
        call_command("check")


def test_a_keyed_point_keeps_one_provider_per_key():
    keyed = hooks.Keyed("greetings_by_language", Greeting)
    try:
        first = keyed.set("en", lambda name, *, loud: f"Hello {name}")
        keyed.set("fr", lambda name, *, loud: f"Bonjour {name}")
        last = keyed.set("en", lambda name, *, loud: f"Hi {name}")
        assert keyed.get("en") is last and keyed.get("en") is not first
        assert keyed.get("de") is None and sorted(keyed.items()) == ["en", "fr"]
    finally:
        hooks.POINTS.remove(keyed)
