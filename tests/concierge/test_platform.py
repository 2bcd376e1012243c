"""Platform: health check, OpenAPI schema and docs, error shape, settings, admin, demo data."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from concierge.models import Role, User
from tests.checks import assert_error

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_the_database(anon_api):
    response = anon_api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_schema_is_served_and_documents_the_accounts_paths(anon_api):
    response = anon_api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    for path in (
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/assistants/",
        "/api/v1/assistants/{id}/",
        "/api/v1/clients/{id}/",
    ):
        assert path in schema["paths"], path


def test_swagger_ui_is_served(anon_api):
    response = anon_api.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "openapi" in yaml.safe_load(out.read_text())


def test_unknown_api_path_is_a_json_404(anon_api):
    with override_settings(DEBUG=False):
        response = anon_api.get("/api/v1/no-such-thing/")
    assert_error(response, 404, "not_found")


def test_wrong_method_is_405_with_a_code(client_api):
    assert_error(client_api.delete("/api/v1/me/"), 405, "method_not_allowed")


def test_unsupported_media_type_is_415_with_a_code(anon_api):
    response = anon_api.generic("POST", "/api/v1/auth/token/", "x", content_type="text/csv")
    assert_error(response, 415, "unsupported_media_type")


def test_createsuperuser_makes_a_manager():
    call_command("createsuperuser", "--noinput", "--email", "boss@example.test", verbosity=0)
    user = User.objects.get(email="boss@example.test")
    assert user.role == Role.MANAGER and user.is_staff and user.is_superuser


def test_seed_demo_is_idempotent_and_prints_logins(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (
        User.objects.count(),
        User.objects.filter(role=Role.ASSISTANT).count(),
        User.objects.filter(role=Role.CLIENT).count(),
    )
    assert counts == (9, 3, 5)
    assert len({u.timezone for u in User.objects.filter(role=Role.ASSISTANT)}) == 3
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert User.objects.count() == 9
    assert "manager@demo.test" in first and first == second


def test_seeded_credentials_obtain_a_token_that_reads_me(anon_api):
    from concierge.demo import PASSWORD

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    token = anon_api.post(
        "/api/v1/auth/token/", {"email": "manager@demo.test", "password": PASSWORD}
    ).json()["token"]
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_api.get("/api/v1/me/").json()["role"] == "manager"


def test_admin_lists_every_model(admin_client):
    from django.apps import apps
    from django.contrib import admin

    inlined = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    for label in ("concierge", "accounts", "assistants", "billing", "calendar_sync"):
        for model in apps.get_app_config(label).get_models():
            if model in inlined and not admin.site.is_registered(model):
                continue  # edited inside its parent's page
            assert admin.site.is_registered(model), model
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            assert admin_client.get(url).status_code == 200, url


def _settings_import(env):
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL")
    }
    return subprocess.run(  # noqa: S603 - a fixed interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "concierge.settings", **env},
        check=False,
    )


def test_secret_key_is_required_when_debug_is_off():
    refused = _settings_import({"DJANGO_DEBUG": "0"})
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in refused.stderr
    accepted = _settings_import({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50})
    assert accepted.returncode == 0 and accepted.stdout.strip() == "False"


def test_every_scheduled_job_runs_and_the_schedules_sync_idempotently():
    """Each app's `SCHEDULES` names a job that really runs: with nothing to do, each one
    says so (0, or a summary of zeros). Each job's work is tested beside its app's code."""
    from django.utils.module_loading import import_string
    from django_q.models import Schedule

    from concierge.schedules import declared_schedules

    declared = list(declared_schedules())
    names = [d["name"] for d in declared]
    assert len(set(names)) == len(names)
    assert {label.split(".")[0] for label in names} == {
        "concierge",
        "assistants",
        "billing",
        "calendar_sync",
    }
    for declaration in declared:
        done = import_string(declaration["func"])()
        amounts = done.values() if isinstance(done, dict) else [done]
        assert all(amount == 0 for amount in amounts), (declaration["name"], done)

    call_command("sync_schedules", stdout=io.StringIO())
    call_command("sync_schedules", stdout=io.StringIO())
    assert sorted(Schedule.objects.values_list("name", flat=True)) == sorted(names)


def test_the_docs_page_loads_nothing_from_outside(anon_api):
    from django.contrib.staticfiles import finders

    page = anon_api.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn." not in html and "https://" not in html and "//unpkg" not in html
    scripts = re.findall(r'src="([^"]+)"', html)
    # Swagger UI's own files, and its settings script served by the docs view itself (no
    # inline script: Content-Security-Policy).
    own = [src for src in scripts if src.startswith("/static/")]
    assert own and set(scripts) - set(own) == {"/api/docs/?script="}, scripts
    for src in own:
        assert finders.find(src.removeprefix("/static/")), src
    assert "<script>" not in html
    assert anon_api.get("/api/docs/?script=").status_code == 200
