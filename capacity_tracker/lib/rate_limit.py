"""A fixed-window request limit in the cache (Redis in production), for public forms.

While the cache is unavailable the limit is not enforced (fail open), and that is logged. It
guards the registration and password-reset forms: a registered account sees nothing until a
person approves it, and the emails either form sends are already limited per recipient by the
outbox's unique scope (one per account per day or time bucket). Refusing every registration
and reset during an outage would cost real people more than a short time without a count costs
us. Sign-in lockouts (django-axes) are kept in the database, not here.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def _cache_down() -> bool:
    is_down = getattr(cache, "is_down", None)  # capacity_tracker.redis_cache.RedisCache
    return bool(is_down and is_down())


def allow(key: str, *, limit: int, seconds: int) -> bool:
    """Count one use of ``key``; False once it has been used ``limit`` times in the window."""
    cache_key = f"rate:{key}"
    if cache.add(cache_key, 1, timeout=seconds):
        return True
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr, or the cache is unavailable
        if _cache_down():
            logger.warning("Rate limit %r not enforced: the cache is unavailable", key)
            return True
        cache.set(cache_key, 1, timeout=seconds)  # expired: start again
        return True
    return used <= limit
