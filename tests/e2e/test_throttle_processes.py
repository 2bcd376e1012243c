"""One throttle for every process: gunicorn with three workers and no Redis counts the
sign-in attempts in the database cache, so 40 wrong passwords within a minute get the
rate's 10 answers, not 10 per worker."""

import pytest
import requests

from tests import factories
from tests.peers import BIN, child_env, free_port, start, stop, wait_until_up

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    process = start(
        [str(BIN / "gunicorn"), "concierge.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "3"],
        env=child_env(DJANGO_DEBUG="0", REDIS_URL="", THROTTLE_LOGIN_RATE="10/min"),
        log_path=tmp_path / "gunicorn.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process=process)
        yield base
    finally:
        stop(process)


def test_forty_wrong_passwords_across_three_workers_get_ten_answers(server):
    user = factories.ClientFactory()
    statuses = []
    for n in range(40):
        # A new connection each time: gunicorn hands them to its workers in turn.
        answer = requests.post(
            f"{server}/api/v1/auth/token/",
            json={"email": user.email, "password": f"wrong-{n}"},
            timeout=20,
            headers={"Connection": "close"},
        )
        statuses.append(answer.status_code)
    assert statuses.count(400) == 10, statuses
    assert statuses.count(429) == 30
