"""FallbackRedisCache against a real redis-server of the test's own: Redis while it is
up, a per-process memory cache while it is down (one warning), Redis again after."""

import logging
import shutil

import pytest
import redis

from concierge.platform import cache as fallback_cache
from concierge.platform.cache import FallbackRedisCache
from tests.e2e.test_faults import RedisServer

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not installed"
)


@pytest.fixture
def server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


def test_falls_back_while_redis_is_down_and_recovers(server, caplog, monkeypatch):
    monkeypatch.setattr(fallback_cache, "RETRY_AFTER_SECONDS", 0.2)
    backend = FallbackRedisCache(server.url, {"KEY_PREFIX": "t"})
    direct = redis.Redis(port=server.port)

    backend.set("a", "one")
    assert backend.get("a") == "one"
    assert direct.exists(backend.make_key("a"))

    server.kill()
    with caplog.at_level(logging.WARNING, logger="concierge.platform.cache"):
        assert backend.get("a") is None
        backend.set("b", 2)
        assert backend.get("b") == 2
        assert backend.add("c", 1) is True
        assert backend.incr("c") == 2
        assert backend.has_key("b")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1

    server.start()  # same port
    import time

    time.sleep(0.25)
    backend.set("d", "back")
    assert backend.get("d") == "back"
    assert redis.Redis(port=server.port).exists(backend.make_key("d"))
