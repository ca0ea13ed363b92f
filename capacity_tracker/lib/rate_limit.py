"""A fixed-window request limit in the cache (Redis in production), for public forms."""

from __future__ import annotations

from django.core.cache import cache


def allow(key: str, *, limit: int, seconds: int) -> bool:
    """Count one use of ``key``; False once it has been used ``limit`` times in the window."""
    cache_key = f"rate:{key}"
    if cache.add(cache_key, 1, timeout=seconds):
        return True
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: start again
        cache.set(cache_key, 1, timeout=seconds)
        return True
    return used <= limit
