"""A per-process cache of collection windows, invalidated for every process by a generation
token in Redis, as returns/datasets.py does for datasets.

Every portal page reads its month's window (the form, the check page, the start page, the
dashboard), and windows change only when staff override one (``window_override``) or the
scheduled job stores new months (``windows_ensure``). So each process keeps what it read,
keyed by a *generation* token in Django's cache (shared by every process):

- Any save or delete of a CollectionWindow (signals), and any ``windows_ensure`` that stored
  a row (bulk_create sends no signals: it calls ``bump_after_commit``), replaces the token
  *after its transaction commits*, so no process serves a window from before a committed
  change, and no process caches rows a transaction may still roll back.
- Until that commit, the writing connection reads around the cache.
- Tokens are random (a flushed Redis cannot revive an old generation) and expire after
  ``GENERATION_TTL`` seconds, bounding how long a write that sends no signals (raw SQL,
  QuerySet.update in a shell) can go unseen.
- If the cache cannot be read, windows come from the database: slower, never stale.

Windows are the same for everyone (no provider's data), so nothing here can show one
provider's data to another. Callers get new instances each time: mutating one (a save
storing a window) cannot change what the next request is served.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save

from capacity_tracker.lib import generation_cache

GENERATION_KEY = "returns:windows:generation"
GENERATION_TTL = 10 * 60  # seconds
logger = logging.getLogger(__name__)

# (generation, key) -> tuple of windows' field values (None for an unsaved window's pk).
_entries = generation_cache.Lru(size=256)


def _fields() -> list[str]:
    from returns.models import CollectionWindow

    return [field.attname for field in CollectionWindow._meta.concrete_fields]


def _freeze(windows: list[Any]) -> tuple[tuple[Any, ...], ...]:
    names = _fields()
    return tuple(tuple(getattr(window, name) for name in names) for window in windows)


def _thaw(frozen: tuple[tuple[Any, ...], ...]) -> list[Any]:
    from returns.models import CollectionWindow

    names = _fields()
    windows = []
    for values in frozen:
        window = CollectionWindow(**dict(zip(names, values, strict=True)))
        if window.pk is not None:  # a stored row, as the database would have given it
            window._state.adding = False
            window._state.db = DEFAULT_DB_ALIAS
        windows.append(window)
    return windows


def cached(key: Hashable, read: Callable[[], list[Any]]) -> list[Any]:
    """``read()`` (a list of windows), from this process's cache when it is current."""
    generation = None if _writing_windows() else _generation()
    if generation is None:
        return read()
    frozen = _entries.get((generation, key))
    if frozen is None:
        frozen = _freeze(read())
        _entries.put((generation, key), frozen)
    return _thaw(frozen)


def windows_for(periods: list[Any], read: Callable[[list[Any]], list[Any]]) -> list[Any]:
    """The windows of ``periods`` (``read(periods)`` on a miss), cached by the months asked."""
    return cached(("periods", tuple(p.first_day() for p in periods)), lambda: read(periods))


def _generation() -> str | None:
    """The current token, making one if there is none; None if the cache is unreachable."""
    return generation_cache.current(GENERATION_KEY, GENERATION_TTL, "Window")


def bump() -> None:
    """Make every process read windows afresh."""
    _entries.clear()
    generation_cache.replace(GENERATION_KEY, GENERATION_TTL)


def _bump_quietly() -> None:
    """After a commit that changed a window: the change stands whatever happens here."""
    try:
        bump()
    # Any error (a cache outage): logged; the TTL bounds the staleness.
    except Exception:
        logger.warning("Could not bump the window cache generation", exc_info=True)


def _writing_windows(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Has this connection's open transaction changed a window (a bump waits for commit)?"""
    # Each entry is (savepoint IDs, function, robust); the stubs know only the first two.
    return any(entry[1] is _bump_quietly for entry in connections[using].run_on_commit)


def bump_after_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Call after a write to windows that sends no signals (bulk_create): once per
    transaction, run when it commits (at once under autocommit)."""
    if not _writing_windows(using):
        transaction.on_commit(_bump_quietly, using=using)


def _window_changed(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    bump_after_commit(using)


post_save.connect(
    _window_changed, sender="returns.CollectionWindow", dispatch_uid="window-cache-save"
)
post_delete.connect(
    _window_changed, sender="returns.CollectionWindow", dispatch_uid="window-cache-delete"
)
