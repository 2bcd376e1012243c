"""End to end over real HTTP: gunicorn serving the project, driven with `requests`."""

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests import factories
from tests.peers import BIN, child_env, free_port, start, stop, wait_until_up

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    process = start(
        [
            str(BIN / "gunicorn"),
            "concierge.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
        ],
        env=child_env(DJANGO_DEBUG="0"),
        log_path=tmp_path / "gunicorn.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process=process)
        yield base
    finally:
        stop(process)


def test_a_client_signs_up_and_a_manager_staffs_them_over_http(server):
    manager = factories.ManagerFactory()
    # The suite hashes with MD5 for speed; the server only accepts its production hashers.
    manager.password = PBKDF2PasswordHasher().encode(factories.PASSWORD, "e2esalt0123456789")
    manager.save(update_fields=["password"])
    http = requests.Session()

    assert http.get(f"{server}/healthz", timeout=20).json()["status"] == "ok"
    created = http.post(
        f"{server}/api/v1/auth/register/",
        timeout=20,
        json={
            "email": "walker@example.test",
            "password": "a-long-enough-secret-9",
            "timezone": "Europe/Rome",
        },
    )
    assert created.status_code == 201, created.text
    client_id = created.json()["id"]

    def token(email, password):
        answer = http.post(
            f"{server}/api/v1/auth/token/", timeout=20, json={"email": email, "password": password}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Token {answer.json()['token']}"}

    as_client = token("walker@example.test", "a-long-enough-secret-9")
    as_manager = token(manager.email, factories.PASSWORD)
    assert http.get(f"{server}/api/v1/me/", headers=as_client, timeout=20).json()["id"] == client_id

    hired = http.post(
        f"{server}/api/v1/assistants/",
        headers=as_manager,
        timeout=20,
        json={
            "email": "helper@example.test",
            "password": "a-long-enough-secret-9",
            "timezone": "Asia/Manila",
            "skills": ["booking"],
        },
    )
    assert hired.status_code == 201, hired.text
    staffed = http.patch(
        f"{server}/api/v1/clients/{client_id}/",
        headers=as_manager,
        timeout=20,
        json={"primary_assistant": hired.json()["id"]},
    )
    assert staffed.status_code == 200 and staffed.json()["primary_assistant"] == hired.json()["id"]

    as_assistant = token("helper@example.test", "a-long-enough-secret-9")
    served = http.get(f"{server}/api/v1/clients/", headers=as_assistant, timeout=20).json()
    assert [row["id"] for row in served["results"]] == [client_id]

    # The client now knows who serves them: a name and a time zone, nothing more.
    theirs = http.get(f"{server}/api/v1/assistants/", headers=as_client, timeout=20).json()
    assert [(a["id"], set(a)) for a in theirs["results"]] == [
        (hired.json()["id"], {"id", "first_name", "last_name", "name", "timezone", "serves_you_as"})
    ]

    # Errors keep their shape over the wire, with debug off.
    denied = http.get(f"{server}/api/v1/workloads/", headers=as_client, timeout=20)
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    missing = http.get(f"{server}/api/v1/nothing-here/", timeout=20)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    anonymous = http.get(f"{server}/api/v1/me/", timeout=20)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
