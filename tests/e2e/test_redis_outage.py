"""A Redis outage during sign-ins: gunicorn with its own redis-server as the cache, which
this test kills and brings back. Sign-in keeps answering (never a 500), the throttle keeps
counting (per process, from the fallback cache), and Redis is used again once it is back.
The figures of the run are printed (pytest -s shows them)."""

import shutil
import statistics
import time
from pathlib import Path

import pytest
import redis
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests import factories
from tests.e2e.test_faults import RedisServer
from tests.peers import BIN, child_env, free_port, start, stop, wait_until_up

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("redis-server") is None and not Path("/usr/bin/redis-server").exists(),
        reason="needs redis-server (Debian's redis-server package)",
    ),
]
LIMIT = 20  # wrong passwords a minute, per address


def test_sign_in_survives_a_redis_outage_and_keeps_its_throttle(tmp_path):
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    person = factories.ClientFactory()
    # The suite hashes with MD5 for speed; the server only accepts its production hashers.
    person.password = PBKDF2PasswordHasher().encode(factories.PASSWORD, "e2esalt0123456789")
    person.save(update_fields=["password"])
    port = free_port()
    process = start(
        [str(BIN / "gunicorn"), "concierge.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "1"],
        # One worker: during the outage the throttle counts per process, so one process
        # shows the limit exactly.
        env=child_env(
            DJANGO_DEBUG="0", REDIS_URL=redis_server.url, THROTTLE_LOGIN_RATE=f"{LIMIT}/min"
        ),
        log_path=tmp_path / "gunicorn.log",
    )
    base = f"http://127.0.0.1:{port}"
    http = requests.Session()

    def sign_in(password):
        began = time.perf_counter()
        answer = http.post(
            f"{base}/api/v1/auth/token/",
            json={"email": person.email, "password": password},
            timeout=20,
        )
        return answer.status_code, (time.perf_counter() - began) * 1000

    try:
        wait_until_up(f"{base}/healthz", process=process)
        assert sign_in(factories.PASSWORD)[0] == 200
        redis_server.kill()

        statuses, took = [], []
        for attempt in range(LIMIT + 5):
            status, ms = sign_in(factories.PASSWORD if attempt == 0 else "wrong-password")
            statuses.append(status)
            took.append(ms)
        print(
            f"\nRedis down: {len(statuses)} sign-ins, statuses "
            f"{ {s: statuses.count(s) for s in sorted(set(statuses))} }, "
            f"p50 {statistics.median(took):.1f} ms, "
            f"p95 {statistics.quantiles(took, n=20)[-1]:.1f} ms"
        )
        assert 500 not in statuses
        assert statuses[0] == 200  # the right password still signs in
        assert set(statuses[1:LIMIT]) == {400}  # wrong ones are told so...
        assert statuses[-1] == 429  # ...until the throttle, still counting, stops them

        redis_server.start()  # the same port, empty, as after a crash
        time.sleep(6)  # past the fallback's back-off: the next call tries Redis again
        counted = [sign_in("wrong-password")[0] for _ in range(3)]
        assert 500 not in counted
        keys = redis.Redis(port=redis_server.port).keys("*throttle*")
        assert keys, "the throttle counts in Redis again"
    finally:
        stop(process)
        if redis_server.process.poll() is None:
            redis_server.kill()
