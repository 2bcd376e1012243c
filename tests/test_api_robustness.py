"""Every operation of the OpenAPI schema, for every role, answers bad input with a 4xx in
the error shape of API.md — never a 500. The schema is read at test time, so each new
endpoint is covered as soon as it is documented."""

import json
import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from tests import factories

pytestmark = pytest.mark.django_db

JUNK_BODIES = [
    {},
    {
        "id": "x",
        "email": 5,
        "task": "not-an-id",
        "started_at": "yesterday-ish",
        "plan": [],
        "amount": "1e999",
        "minutes": -1,
        "week": "2026-W99",
        "period": "2026-13",
    },
    "[1, 2",  # malformed JSON
]
JUNK_IDS = ["999999", "abc"]


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method


def _urls(path):
    if "{" not in path:
        return [path]
    return [re.sub(r"\{[^}]+\}", junk, path) for junk in JUNK_IDS]


def _check(response, where):
    assert response.status_code < 500, (where, response.status_code, response.content[:300])
    if response.status_code >= 400 and response.get("Content-Type", "").startswith(
        "application/json"
    ):
        body = response.json()
        assert isinstance(body.get("code"), str) and body.get("detail"), (where, body)


@pytest.fixture
def people():
    return {
        "anonymous": None,
        "client": factories.ClientFactory(),
        "assistant": factories.AssistantFactory(),
        "manager": factories.ManagerFactory(),
    }


def test_no_operation_answers_bad_input_with_a_server_error(people):
    operations = list(_operations())
    assert len(operations) >= 10, "the schema lists the API"
    http = Client(raise_request_exception=False)
    for role, user in people.items():
        if user is None:
            http.logout()
        else:
            http.force_login(user)
        for path, method in operations:
            for url in _urls(path):
                if method in ("get", "delete"):
                    for query in (
                        "",
                        "?page=abc&page_size=-1&week=junk&format=xml&"
                        "started_after=never&overdue=perhaps&status=nope",
                    ):
                        response = getattr(http, method)(url + query)
                        _check(response, (role, method, url + query))
                    continue
                for body in JUNK_BODIES:
                    payload = body if isinstance(body, str) else json.dumps(body)
                    response = http.generic(
                        method.upper(), url, payload, content_type="application/json"
                    )
                    _check(response, (role, method, url, body))
