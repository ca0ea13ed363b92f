"""Database helpers that work on PostgreSQL and on the SQLite demo database."""

from __future__ import annotations

import zlib

from django.db import connection


def advisory_xact_lock(name: str) -> None:
    """Serialise a whole job (an import, a sweep) for the rest of the current transaction.

    PostgreSQL holds the lock until commit or rollback. SQLite, used only for the demo,
    already allows one writer at a time, so there is nothing to do there.
    """
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(name.encode()) - 2**31  # signed 32-bit, as the function wants
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
