import datetime

import pytest
from django.utils import timezone

from assistants.models import TimeOff
from tests import factories
from tests.checks import assert_access_matrix, assert_error

URL = "/api/v1/time-off/"


@pytest.fixture
def leave(assistant_user):
    return factories.TimeOffFactory(assistant=assistant_user)


def body(assistant, days=1):
    start = timezone.now() + datetime.timedelta(days=1)
    return {
        "assistant": assistant.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(days=days)).isoformat(),
        "reason": "Holiday",
    }


def test_matrix(leave, anon_api, client_api, assistant_api, other_assistant_api, assistant_user):
    assert_access_matrix(method="GET", url=URL, anonymous=anon_api, forbidden=[client_api])
    assert_access_matrix(
        method="POST",
        url=URL,
        anonymous=anon_api,
        forbidden=[client_api, assistant_api],
        data=body(assistant_user),
    )
    detail = f"{URL}{leave.pk}/"
    assert_access_matrix(
        method="GET",
        url=detail,
        anonymous=anon_api,
        forbidden=[client_api],
        hidden=[other_assistant_api],
    )
    assert_access_matrix(
        method="DELETE", url=detail, anonymous=anon_api, forbidden=[client_api, assistant_api]
    )
    assert TimeOff.objects.filter(pk=leave.pk).exists()


def test_manager_manages(manager_api, manager_user, assistant_user, assistant_api, client_user):
    resp = manager_api.post(URL, body(assistant_user), format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["created_by"] == manager_user.pk
    assert [t["id"] for t in assistant_api.get(URL).json()["results"]] == [resp.json()["id"]]
    assert manager_api.get(URL, {"assistant": assistant_user.pk}).json()["count"] == 1
    assert manager_api.delete(f"{URL}{resp.json()['id']}/").status_code == 204
    assert not TimeOff.objects.exists()
    assert_error(
        manager_api.post(URL, body(assistant_user, days=-1), format="json"), 400, "invalid"
    )
    assert_error(manager_api.post(URL, body(client_user), format="json"), 400, "invalid")


@pytest.mark.parametrize("size", [10, 100])
def test_list_query_count(size, manager_api, django_assert_num_queries):
    factories.TimeOffFactory.create_batch(size)
    with django_assert_num_queries(3):
        resp = manager_api.get(URL, {"page_size": 200})
    assert resp.json()["count"] == size
