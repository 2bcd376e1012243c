"""Schema fuzzing (schemathesis): every documented operation, for every role, with
generated valid and invalid input. No answer is a server error, and every answer — its
status, content type and body — conforms to the OpenAPI schema.

Each operation gets schemathesis's coverage phase (the boundary cases the schema defines:
extreme dates and integers, empty and overlong strings, wrong types) and `FUZZ_EXAMPLES`
generated examples. Seeded (`FUZZ_SEED`) and derandomized, so a failure replays exactly:
run the same test id again. `FUZZ_EXAMPLES=200` searches harder.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from concierge import services
from tests import factories

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("FUZZ_SEED", "20261123"))
ROLES = ["client", "assistant", "manager"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

OPENAPI = SchemaGenerator().get_schema(request=None, public=True)


def _schema(config=None):
    loaded = schemathesis.openapi.from_dict(OPENAPI, config=config)
    loaded.app = WSGIHandler()
    return loaded


schema = _schema(SchemathesisConfig.from_dict({"seed": SEED}))
# Anonymous requests are refused before their input is read (or read by the few public
# operations): generated examples suffice, without the coverage phase's boundary cases.
anonymous_schema = _schema(
    SchemathesisConfig.from_dict({"seed": SEED, "phases": {"coverage": {"enabled": False}}})
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection
    when a request ends; keep the test's transaction open as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def auth_headers(request):
    user = {
        "client": factories.ClientFactory,
        "assistant": factories.AssistantFactory,
        "manager": factories.ManagerFactory,
    }[request.param]()
    return {"Authorization": f"Token {services.token_issue(user=user).key}"}


HYPOTHESIS = hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@HYPOTHESIS
def test_every_operation_conforms_for_every_role(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)


@anonymous_schema.parametrize()
@HYPOTHESIS
def test_every_operation_conforms_for_anonymous(case):
    case.call_and_validate(checks=CHECKS)
