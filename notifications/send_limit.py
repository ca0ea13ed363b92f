"""One rate limit for outgoing email and another for text messages, each shared by every
worker process.

The email provider allows so many messages a minute (GOV.UK Notify: 3,000) across the whole
service, however many Celery processes send. Each message takes a slot here just before it
goes. In Redis (production) the slots are a sliding log in one sorted set, checked and taken by
one Lua script, so the check and the take are atomic across processes and no 60-second span
ever holds more than the limit (a fixed window or a full token bucket would let twice the
limit through around a boundary). The script reads Redis's own clock, so workers on hosts
whose clocks disagree still share one window.

Without Redis (the demo, on LocMemCache) there is one process, so an in-process log under a
lock is the whole truth.
"""

from __future__ import annotations

import collections
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

if TYPE_CHECKING:  # for the annotations; redis_client() imports it when it makes a client
    import redis

EMAIL_KEY = "send-limit:email"
SMS_KEY = "send-limit:sms"
EMAIL_WINDOW_SECONDS = 60.0

# Returns 0 when a slot was taken, else how many milliseconds until the oldest slot leaves the
# window. A slot taken at t counts for the half-open span (t - window, t].
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
"""


class SendLimit(Protocol):
    limit: int
    window: float

    def acquire(self, timeout: float) -> bool:
        """Take one slot, waiting up to ``timeout`` seconds; False if none came free."""


def _take_within(try_take: Callable[[], float], timeout: float) -> bool:
    """Take a slot, sleeping as long as ``try_take`` says, until ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        wait = try_take()
        if wait == 0:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(wait, left))


class RedisSendLimit:
    def __init__(self, client: redis.Redis, key: str, *, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("A send limit needs a positive limit and window.")
        self.limit = limit
        self.window = window
        self.key = key
        self._take = client.register_script(_TAKE)

    def try_take(self) -> float:
        """Take a slot now and return 0.0, or return the seconds to wait before trying again."""
        wait_ms = self._take(
            keys=[self.key],
            args=[self.limit, int(self.window * 1_000_000), uuid.uuid4().hex],
        )
        return int(wait_ms) / 1000.0

    def acquire(self, timeout: float) -> bool:
        return _take_within(self.try_take, timeout)


class LocalSendLimit:
    """The same sliding log in memory, for one process and its threads."""

    def __init__(self, *, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("A send limit needs a positive limit and window.")
        self.limit = limit
        self.window = window
        self._taken: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def try_take(self) -> float:
        with self._lock:
            now = time.monotonic()
            while self._taken and self._taken[0] <= now - self.window:
                self._taken.popleft()
            if len(self._taken) < self.limit:
                self._taken.append(now)
                return 0.0
            return max(self._taken[0] + self.window - now, 0.001)

    def acquire(self, timeout: float) -> bool:
        return _take_within(self.try_take, timeout)


_redis_clients: dict[str, redis.Redis] = {}
_local_limits: dict[tuple[str, int, float], LocalSendLimit] = {}
_guard = threading.Lock()


def redis_client(url: str) -> redis.Redis:
    """One client (and so one connection pool) per URL per process."""
    import redis

    with _guard:
        if url not in _redis_clients:
            _redis_clients[url] = redis.Redis.from_url(url)
        return _redis_clients[url]


def _shared(key: str, limit: int) -> SendLimit:
    if settings.REDIS_URL:
        return RedisSendLimit(
            redis_client(settings.REDIS_URL), key, limit=limit, window=EMAIL_WINDOW_SECONDS
        )
    with _guard:
        local_key = (key, limit, EMAIL_WINDOW_SECONDS)
        if local_key not in _local_limits:
            _local_limits[local_key] = LocalSendLimit(limit=limit, window=EMAIL_WINDOW_SECONDS)
        return _local_limits[local_key]


def for_email() -> SendLimit:
    """The service-wide limit on outgoing email (settings.EMAIL_MAX_PER_MINUTE)."""
    return _shared(EMAIL_KEY, settings.EMAIL_MAX_PER_MINUTE)


def for_sms() -> SendLimit:
    """The service-wide limit on outgoing text messages (settings.SMS_MAX_PER_MINUTE): its own
    key, so a flood of window-open emails never holds up a text, nor texts an email."""
    return _shared(SMS_KEY, settings.SMS_MAX_PER_MINUTE)
