"""Django's Redis cache: one client object per connection pool, and an outage is a miss, not a 500.

One client per pool: Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis``
around the (shared) connection pool for every cache operation; with redis-py 8 that constructor
costs about 0.18 ms, more than the round trip to Redis itself. Every signed-in request reads its
session from the cache, and the return pages read the collection windows from it, so that cost
was paid several times per request. A ``redis.Redis`` is safe to share between threads (each
command checks a connection out of the pool) and its pool reconnects after a fork.

An outage degrades, it does not fail: nothing this service keeps in the cache is the only copy
(sessions are in the database too, the window and dataset tokens only say "read afresh", rate
counts and API-use notes are best effort). So when Redis cannot be reached:

- reads are misses (``get`` gives the default, ``add`` and ``has_key`` False, ``incr`` raises
  ValueError as for a missing key), and writes and deletes are logged no-ops;
- connections time out quickly and are not retried (``DEFAULT_OPTIONS``), and after a failure
  the process does not try Redis again for ``BREAK_SECONDS`` (a circuit breaker), so requests
  do not each wait on a dead server;
- every key that a write or delete could not reach is remembered, and deleted first thing once
  Redis answers again: a Redis that was unreachable but kept its data would otherwise serve a
  value from before the outage (a session signed out meanwhile, a window token that should have
  been replaced). A process that restarts before Redis is back forgets its list; what it held
  then lives at most until the key's own timeout (sessions: their age; tokens: ten minutes).

``is_down()`` tells callers that care (the rate limit) whether the last answer was an outage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

BREAK_SECONDS = 5.0  # after a failure, skip Redis this long (per process)
MAX_UNSENT_KEYS = 10_000  # keys remembered for deletion on recovery (bounded memory)
# A healthy Redis answers in well under a millisecond on the same network; seconds mean it is
# gone. No retries: the breaker, not a retry loop, decides when to try again.
DEFAULT_OPTIONS: dict[str, Any] = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1.0,
    "retry": Retry(NoBackoff(), 0),
}
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,  # includes BusyLoadingError (a restart reading its data)
    redis.exceptions.TimeoutError,
    OSError,
)


class _Breaker:
    """Whether to try Redis now, and the keys to delete once it answers again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_until = 0.0  # time.monotonic(); 0 while Redis is up
        self.unsent: set[Any] = set()

    @property
    def is_down(self) -> bool:
        return self.down_until > 0

    def allows(self) -> bool:
        return time.monotonic() >= self.down_until

    def trip(self, error: BaseException) -> None:
        with self._lock:
            was_up = not self.is_down
            self.down_until = time.monotonic() + BREAK_SECONDS
        if was_up:  # once per outage, not once per request
            logger.warning("Cache unavailable, working without it: %r", error)

    def remember(self, keys: Iterable[Any]) -> None:
        with self._lock:
            room = MAX_UNSENT_KEYS - len(self.unsent)
            keys = list(keys)
            if len(keys) > room:
                logger.error("Cache outage: %d changed keys not remembered", len(keys) - room)
            self.unsent.update(keys[: max(room, 0)])

    def take_unsent(self) -> list[Any]:
        with self._lock:
            keys, self.unsent = list(self.unsent), set()
        return keys

    def recovered(self) -> None:
        if self.is_down:
            with self._lock:
                self.down_until = 0.0
            logger.warning("Cache available again")


_Base = RedisCacheClient


class ReusedRedisCacheClient(RedisCacheClient):
    if TYPE_CHECKING:
        # Set and defined by Django's RedisCacheClient; private, so django-stubs leave them out.
        _servers: list[str]
        _pools: dict[int, redis.ConnectionPool]
        _client: type[redis.Redis]
        _pool_class: type[redis.ConnectionPool]
        _pool_options: dict[str, Any]

        def _get_connection_pool_index(self, write: bool) -> int: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**DEFAULT_OPTIONS, **kwargs})
        self._clients: dict[int, redis.Redis] = {}
        self.breaker = _Breaker()

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # A race between two threads builds two equal clients; either one is fine to keep.
            client = self._clients[index] = self._client(connection_pool=self._pool_at(index))
        return client

    def _pool_at(self, index: int) -> redis.ConnectionPool:
        # Django's _get_connection_pool picks a read server at random again: use this index.
        if index not in self._pools:
            self._pools[index] = self._pool_class.from_url(
                self._servers[index], **self._pool_options
            )
        return self._pools[index]

    # --- every operation through the breaker --------------------------------------------------

    def _guarded(self, call: Callable[[], Any], default: Any, written: Iterable[Any] = ()) -> Any:
        """``call()``, or ``default`` if Redis is down; keys ``written`` then are remembered."""
        if self.breaker.allows():
            try:
                self._send_unsent()
                result = call()
            except OUTAGE_ERRORS as error:
                self.breaker.trip(error)
            else:
                self.breaker.recovered()
                return result
        self.breaker.remember(written)
        return default

    def _send_unsent(self) -> None:
        if not self.breaker.unsent:  # the usual case: no lock taken on every cache call
            return
        keys = self.breaker.take_unsent()
        if not keys:
            return
        try:
            _Base.delete_many(self, keys)
        except BaseException:
            self.breaker.remember(keys)
            raise
        logger.info("Cache: %d keys changed while it was unavailable deleted", len(keys))

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        return self._guarded(lambda: _Base.add(self, key, value, timeout), False, [key])

    def get(self, key: Any, default: Any) -> Any:
        return self._guarded(lambda: _Base.get(self, key, default), default)

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        self._guarded(lambda: _Base.set(self, key, value, timeout), None, [key])

    def touch(self, key: Any, timeout: Any) -> bool:
        return self._guarded(lambda: _Base.touch(self, key, timeout), False, [key])

    def delete(self, key: Any) -> bool:
        return self._guarded(lambda: _Base.delete(self, key), False, [key])

    def get_many(self, keys: Any) -> dict[Any, Any]:
        return self._guarded(lambda: _Base.get_many(self, keys), {})

    def has_key(self, key: Any) -> bool:
        return self._guarded(lambda: _Base.has_key(self, key), False)

    def incr(self, key: Any, delta: int) -> int:
        missing = object()
        result = self._guarded(lambda: _Base.incr(self, key, delta), missing, [key])
        if result is missing:  # as Django answers for a key that is not there
            raise ValueError(f"Key {key!r} not found (cache unavailable)")
        return result

    def set_many(self, data: Mapping[Any, Any], timeout: Any) -> None:
        self._guarded(lambda: _Base.set_many(self, data, timeout), None, list(data))

    def delete_many(self, keys: Any) -> None:
        keys = list(keys)
        self._guarded(lambda: _Base.delete_many(self, keys), None, keys)

    def clear(self) -> bool:
        return self._guarded(lambda: _Base.clear(self), False)


class RedisCache(DjangoRedisCache):
    """Use as ``CACHES[...]["BACKEND"] = "capacity_tracker.redis_cache.RedisCache"``."""

    if TYPE_CHECKING:
        # Django builds ``_cache`` from ``_class``, which __init__ sets to ours.
        @cached_property
        def _cache(self) -> ReusedRedisCacheClient: ...

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient

    def is_down(self) -> bool:
        """Did the last attempt to reach Redis fail (and has none succeeded since)?"""
        return self._cache.breaker.is_down
