"""The session engine when Redis is configured: Django's cached_db, one statement per write.

Reads come from the cache (no query); every change is still written to the database, so a
Redis restart signs nobody out. Django's database store wraps its lone UPDATE in atomic()
so that, inside a caller's transaction, a failure rolls back to a savepoint rather than
breaking that transaction. SessionMiddleware saves after the view has returned, outside any
transaction, where one UPDATE under autocommit is atomic by itself: BEGIN and COMMIT there are
two more round trips on every request that changes the session (each form POST of a return).

While Redis is down the cache answers every read with a miss and drops every write
(capacity_tracker/redis_cache.py), so sessions are read from and written to the database
alone: nobody is signed out and no page fails. The keys written meanwhile are deleted from
Redis once it answers again, so it cannot hand back a session from before the outage.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, InterfaceError, OperationalError, router, transaction

if TYPE_CHECKING:
    from django.core.cache.backends.base import BaseCache

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    if TYPE_CHECKING:
        # Set and defined by Django's session stores; private, so django-stubs leave them out.
        _cache: BaseCache

        def _get_session(self, no_load: bool = False) -> dict[str, Any]: ...

        @property
        def _session(self) -> dict[str, Any]: ...

    def save(self, must_create: bool = False) -> None:
        using = router.db_for_write(self.model)
        if (
            must_create
            or self.session_key is None
            or transaction.get_connection(using).in_atomic_block
        ):
            # Creating (Django retries clashing keys) or inside a transaction: Django's way.
            super().save(must_create)
            return
        instance = self.create_model_instance(self._get_session())
        try:
            instance.save(force_update=True, using=using)
        except (OperationalError, InterfaceError):
            raise  # the database is unreachable: a 503 (capacity_tracker/db_unavailable.py)
        except DatabaseError:
            # No row to update: the session was deleted meanwhile (signed out elsewhere).
            raise UpdateError from None
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)
