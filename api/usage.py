"""When each key was last used, without a database write on every (read) call.

A call notes the time in the cache (Redis in production); the scheduled ``api_housekeeping`` job
copies the notes to ``ApiKey.last_used_at`` every few minutes, in one statement per key noted.
So a GET never writes to the database, and the admin's "last used" is at most one run behind.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache

from api.models import ApiKey, IdempotencyRecord

NOTE_SECONDS = 14 * 24 * 60 * 60
# How long a write's first response is kept for its Idempotency-Key.
IDEMPOTENCY_DAYS = 1


def _note_key(pk: int) -> str:
    return f"api-key-used:{pk}"


def note_use(key: ApiKey, now: datetime.datetime) -> None:
    cache.set(_note_key(key.pk), now.isoformat(), timeout=NOTE_SECONDS)


def noted_use(key: ApiKey) -> datetime.datetime | None:
    """The newest use: the cache's note if newer than the stored time."""
    raw = cache.get(_note_key(key.pk))
    noted = datetime.datetime.fromisoformat(raw) if raw else None
    stored = key.last_used_at
    if noted and (stored is None or noted > stored):
        return noted
    return stored


def flush_last_used() -> int:
    """Copy the cache's notes to the keys, in one batched UPDATE; returns how many changed."""
    live = list(ApiKey.objects.filter(revoked_at__isnull=True).only("pk", "last_used_at"))
    notes = cache.get_many([_note_key(key.pk) for key in live])
    changed = []
    for key in live:
        raw = notes.get(_note_key(key.pk))
        noted = datetime.datetime.fromisoformat(raw) if raw else None
        if noted and (key.last_used_at is None or noted > key.last_used_at):
            key.last_used_at = noted
            changed.append(key)
    ApiKey.objects.bulk_update(changed, ["last_used_at"], batch_size=1000)
    return len(changed)


def purge_idempotency(now: datetime.datetime) -> int:
    cutoff = now - datetime.timedelta(days=IDEMPOTENCY_DAYS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def housekeeping(now: datetime.datetime) -> str:
    used = flush_last_used()
    purged = purge_idempotency(now)
    return f"API: {used} keys' last use recorded, {purged} old idempotency records removed"
