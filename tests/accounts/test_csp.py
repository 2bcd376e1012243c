"""A strict Content-Security-Policy (django-csp) on every answer; no template carries what
it would refuse (inline script, event handler attributes, style attributes)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _policy(response):
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", ["/", "/login/", "/signup/", "/reset/", "/api/v1/me/"])
def test_every_page_has_a_strict_policy(client, path):
    policy = _policy(client.get(path))
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert policy["style-src"] == ["'self'"]


def test_the_signed_in_portal_has_it_too(client, client_user):
    client.force_login(client_user)
    policy = _policy(client.get("/app/"))
    assert policy["frame-ancestors"] == ["'none'"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I), "javascript: URL"),
]


def test_no_template_holds_what_the_policy_refuses():
    found = []
    for app in ("concierge", "assistants", "billing", "calendar_sync"):
        for template in (ROOT / app).rglob("templates/**/*.html"):
            text = template.read_text()
            for pattern, what in INLINE:
                for match in pattern.finditer(text):
                    if "nonce=" in text[match.start() : match.end() + 200]:
                        continue  # an inline script with the request's nonce
                    found.append(f"{template.relative_to(ROOT)}: {what}")
    assert found == []
