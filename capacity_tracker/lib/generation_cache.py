"""What the per-process caches of immutable-until-changed rows share (returns/datasets.py,
returns/window_cache.py): a small LRU keyed by a *generation* token that lives in Django's
cache, so that replacing the token makes every process read afresh."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)


class Lru:
    """A small thread-safe least-recently-used map (gunicorn may run threads)."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def current(key: str, ttl: int, what: str) -> str | None:
    """The token at ``key``, making one if there is none (the first writer wins); None if the
    cache is unreachable, so that an outage only slows the caller (``what`` names it in logs)."""
    try:
        token = cache.get(key)
        if token is None:
            cache.add(key, uuid.uuid4().hex, ttl)
            token = cache.get(key)
        return token
    except Exception:  # any error: a cache outage must not stop the service, only slow it
        logger.warning("%s cache unavailable: reading from the database", what, exc_info=True)
        return None


def replace(key: str, ttl: int) -> None:
    """A new token at ``key``: every process's entries under the old one are dead."""
    cache.set(key, uuid.uuid4().hex, ttl)
