"""Fixtures every test may use: people of each role and an API client per role.

Markers: `postgres` tests need PostgreSQL (run with DATABASE_URL), `redis` tests need
Redis (REDIS_URL), `redis_server` tests start and kill a `redis-server` of their own (the
binary on PATH or in /usr/bin); elsewhere they skip with that reason. CI provides all.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from rest_framework.test import APIClient

from concierge import services
from tests import factories


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    has_redis = bool(os.environ.get("REDIS_URL"))
    has_redis_server = bool(shutil.which("redis-server") or shutil.which("/usr/bin/redis-server"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
        if "redis_server" in item.keywords and not has_redis_server:
            item.add_marker(pytest.mark.skip(reason="needs the redis-server binary"))


@pytest.fixture(scope="session", autouse=True)
def _attachments_in_a_folder_of_the_run(tmp_path_factory):
    """Files a test stores (attachments, the demo's deliverables) go to a temporary folder,
    never to var/media; tests that look at the files give each test its own."""
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("attachments")
    storages = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    with override_settings(STORAGES=storages):
        yield folder


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """The default cache (memory) starts empty in every test. Throttle counters live in a
    database table (the `throttle` cache): a test's transaction takes them away, and a
    test that commits (transactional_db, live_server) empties the table after itself."""
    cache.clear()
    yield
    cache.clear()
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        with request.getfixturevalue("django_db_blocker").unblock():
            caches["throttle"].clear()


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def api_for(db):
    """`api_for(user)`: an APIClient authenticated with the user's real token."""

    def make(user):
        token = services.token_issue(user=user)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        api.user = user
        return api

    return make


@pytest.fixture
def client_user(db):
    return factories.ClientFactory()


@pytest.fixture
def other_client_user(db):
    return factories.ClientFactory()


@pytest.fixture
def assistant_user(db):
    return factories.AssistantFactory()


@pytest.fixture
def other_assistant_user(db):
    return factories.AssistantFactory()


@pytest.fixture
def manager_user(db):
    return factories.ManagerFactory()


@pytest.fixture
def client_api(api_for, client_user):
    return api_for(client_user)


@pytest.fixture
def other_client_api(api_for, other_client_user):
    return api_for(other_client_user)


@pytest.fixture
def assistant_api(api_for, assistant_user):
    return api_for(assistant_user)


@pytest.fixture
def other_assistant_api(api_for, other_assistant_user):
    return api_for(other_assistant_user)


@pytest.fixture
def manager_api(api_for, manager_user):
    return api_for(manager_user)


@pytest.fixture
def month(db):
    """A client's lived-in month (billing/demo.py): a plan since last month, last month's
    invoice, tasks in every status, messages, entries this month (one disputed, one still
    disputable). The client's primary assistant did the work."""
    from billing.demo import lived_in_month

    assistant = factories.AssistantFactory()
    client = factories.ClientFactory(first_name="Claire", timezone="Europe/Paris")
    client.client_profile.primary_assistant = assistant
    client.client_profile.save()
    return lived_in_month(
        client=client,
        assistant=assistant,
        manager=factories.ManagerFactory(),
        plan=factories.PlanFactory(name="Essential"),
    )
