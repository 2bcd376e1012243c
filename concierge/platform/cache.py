"""The default cache when there is a Redis: Django's `RedisCache`, which falls back to a
per-process memory cache while Redis cannot be reached, so that a Redis outage never
stops sign-in (the login throttles count in this cache).

During an outage each process counts its own throttle attempts (a fallback, not failing
open), a warning is logged at most once a minute per process, and Redis is tried again
after a short back-off, so the cache recovers by itself when Redis comes back. What was
written to the fallback is dropped on recovery: Redis's values are the shared ones."""

import logging
import threading
import time
from typing import Any

import redis.exceptions
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Errors of a Redis that cannot be reached (redis-py's, not the builtins of those names).
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# How long an unreachable Redis is left alone before the next attempt.
RETRY_AFTER_SECONDS = 5.0
# At most one warning per process in this long.
WARN_EVERY_SECONDS = 60.0
# Fail fast: a request waits this long at most for a Redis that is gone.
DEFAULT_OPTIONS = {
    "socket_connect_timeout": 0.25,
    "socket_timeout": 0.25,
    "retry": Retry(NoBackoff(), 0),
}


class _Health:
    """Whether one Redis location is believed down, shared by the process's threads
    (Django builds a cache object per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0  # monotonic time before which Redis is not tried
        self.down = False
        self.last_warning: float | None = None  # monotonic time of the last warning

    def available(self) -> bool:
        return time.monotonic() >= self.down_until


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _health_of(location: str) -> _Health:
    with _health_lock:
        return _health.setdefault(location, _Health())


class FallbackRedisCache(RedisCache):
    """`RedisCache` whose every operation answers from a per-process `LocMemCache` while
    Redis is unreachable (connection refused or timed out)."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server if isinstance(server, str) else ",".join(server)
        self._health = _health_of(self._location)
        self._fallback = LocMemCache(
            f"concierge-redis-fallback:{self._location}",
            {
                key: params[key]
                for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION")
                if key in params
            }
            | {"OPTIONS": {"MAX_ENTRIES": 10000}},
        )

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        health = self._health
        if health.available():
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNAVAILABLE as exc:
                self._mark_down(exc)
            else:
                if health.down:
                    self._mark_up()
                return result
        return getattr(self._fallback, name)(*args, **kwargs)

    def _mark_down(self, exc: Exception) -> None:
        health = self._health
        now = time.monotonic()
        with health.lock:
            health.down = True
            health.down_until = now + RETRY_AFTER_SECONDS
            warn = health.last_warning is None or now - health.last_warning >= WARN_EVERY_SECONDS
            if warn:
                health.last_warning = now
        if warn:
            logger.warning(
                "Redis cache at %s unreachable (%s); using this process's memory cache, "
                "throttles count per process; next attempt in %.0f s",
                _redacted(self._location),
                exc,
                RETRY_AFTER_SECONDS,
            )

    def _mark_up(self) -> None:
        health = self._health
        with health.lock:
            if not health.down:
                return
            health.down = False
        self._fallback.clear()
        logger.info("Redis cache at %s reachable again", _redacted(self._location))

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("add", key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("touch", key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._call("delete", key, version)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._call("get_many", keys, version)

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._call("has_key", key, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        return self._call("incr", key, delta, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: Any = None) -> Any:
        return self._call("delete_many", keys, version)

    def clear(self) -> Any:
        return self._call("clear")


def _redacted(location: str) -> str:
    """The location without a password (redis://:secret@host → redis://***@host)."""
    scheme, sep, rest = location.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest
