"""A newcomer's first `make run`: a quick first migrate on SQLite with numbered progress,
no known deprecation noise, and examples that name the port actually served."""

import os
import re
import sqlite3
import subprocess
import sys

import pytest
from django.apps import apps
from django.core import checks
from django.core.management import call_command

from billing.checks import DEPRECATED_CALLBACK_MESSAGE, is_known_deprecation
from tests.peers import ROOT


def _migrate(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout


def test_a_fresh_sqlite_database_gets_the_schema_the_migrations_leave(tmp_path):
    """dj-stripe's tables come from its migrations' final state; every migration is
    recorded; each table has exactly its model's columns; a second run replays nothing.
    (That the shortcut's schema is identical to a full replay — every column, index and
    foreign key — was checked by introspection; a full replay takes minutes.)"""
    path = tmp_path / "fresh.sqlite3"
    out = _migrate(f"sqlite:///{path}")
    assert "Creating djstripe's tables as its 3 migrations leave them... OK" in out
    total = int(re.search(r"Fresh SQLite database: (\d+) migrations to apply", out)[1])
    assert f"[{total}/{total}]" in out  # numbered progress, to the last one

    db = sqlite3.connect(path)
    recorded = set(db.execute("SELECT app, name FROM django_migrations"))
    assert len(recorded) == total  # every migration recorded, dj-stripe's three included
    assert {name for app, name in recorded if app == "djstripe"} == {
        "0001_initial",
        "0002_2_10",
        "0003_2_11",
    }
    for model in apps.get_app_config("djstripe").get_models():
        table = model._meta.db_table
        columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
        assert columns == {f.column for f in model._meta.local_concrete_fields}, table
    db.close()

    again = _migrate(f"sqlite:///{path}")
    assert "No migrations to apply." in again and "Creating" not in again


@pytest.mark.django_db  # some of dj-stripe's checks read its tables
def test_only_the_known_dj_stripe_deprecation_is_silenced(settings):
    messages = checks.run_checks(tags=["djstripe"])
    assert not [m for m in messages if DEPRECATED_CALLBACK_MESSAGE in str(m.msg)]
    # The same check still reports its other findings...
    settings.DJSTRIPE_WEBHOOK_EVENT_CALLBACK = "tests.concierge.test_first_run.one_argument"
    assert "djstripe.E004" in {m.id for m in checks.run_checks(tags=["djstripe"])}
    # ...and another warning, even a deprecation, is not mistaken for the known one.
    assert is_known_deprecation(checks.Warning(DEPRECATED_CALLBACK_MESSAGE))
    assert not is_known_deprecation(checks.Warning("DJSTRIPE_OTHER is deprecated."))
    assert not is_known_deprecation(checks.Error(DEPRECATED_CALLBACK_MESSAGE))


def one_argument(event):  # a callback dj-stripe's check must still complain about
    return event


@pytest.mark.django_db
def test_demo_data_prints_the_url_actually_served(capsys):
    call_command("seed_demo", url="http://127.0.0.1:8123/")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/api/v1/me/" in out
    assert ":8000" not in out
