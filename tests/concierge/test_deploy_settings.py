"""Production settings (`concierge.settings`, as gunicorn and qcluster load them): secure
by default, tunable from the environment, and never relaxed by how the process started."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def _production(code, **env):
    """Runs `code` with the production settings and only the given environment."""
    child = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "concierge.settings",
        "DATABASE_URL": "sqlite://:memory:",
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


DEPLOY_CHECK = (
    "import django; django.setup();"
    "from django.core.management import call_command; call_command('check', deploy=True)"
)
SHOW = (
    "import django; django.setup(); from django.conf import settings as s;"
    "print(s.ALLOW_PRIVATE_FETCH, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
    " s.SECURE_PROXY_SSL_HEADER, s.Q_CLUSTER.get('sync', False), s.PASSWORD_HASHERS[0])"
)
KEY = "k" * 30 + "-a-long-random-production-key-0123456789"


def test_only_a_secret_key_passes_check_deploy():
    result = _production(DEPLOY_CHECK, DJANGO_SECRET_KEY=KEY)
    assert result.returncode == 0, result.stderr
    assert "security." not in result.stdout + result.stderr


def test_each_protection_can_be_tuned_from_the_environment():
    result = _production(
        DEPLOY_CHECK,
        DJANGO_SECRET_KEY=KEY,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
    )
    output = result.stdout + result.stderr
    assert "security.W008" in output  # SSL redirect off
    assert "security.W004" in output  # no HSTS


def test_production_never_relaxes_what_the_tests_relax():
    result = _production(SHOW, DJANGO_SECRET_KEY=KEY, DJANGO_SECURE_PROXY_SSL_HEADER="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",  # private-address guard on
        "True",  # HTTPS redirect
        "31536000",  # HSTS for a year
        "None",  # no proxy header trusted unless configured
        "False",  # jobs go to the broker
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    behind_proxy = _production(
        SHOW, DJANGO_SECRET_KEY=KEY, DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https"
    )
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in behind_proxy.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _production(SHOW)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


@pytest.mark.django_db
@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_tls_proxy_feed_urls_are_https(client_api):
    answer = client_api.post(
        "/api/v1/calendar/feeds/", {"name": "phone"}, format="json", HTTP_X_FORWARDED_PROTO="https"
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["url"].startswith("https://")


@pytest.mark.django_db
def test_healthz_names_no_database_details(anon_api, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def broken(self, *args, **kwargs):
        raise RuntimeError('connection to server at "db.internal" (10.0.0.5), database "prod"')

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken)
    answer = anon_api.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "error", "database": "unreachable"}
    assert b"db.internal" not in answer.content and b"prod" not in answer.content
