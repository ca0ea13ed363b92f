"""Waiting, in a test, until other connections are blocked on a lock this connection holds."""

from __future__ import annotations

import time

from django.db import connection


def wait_until_blocked_on_me(count: int = 1, *, timeout: float = 10.0) -> None:
    """Return once ``count`` lock requests of other sessions wait for this session (a row lock,
    an advisory lock), so a test knows the other thread really is inside the save or the sweep.

    pg_locks is read live on every call (unlike pg_stat_activity, which a transaction caches).
    """
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_locks"
                " WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            waiting = cursor.fetchone()[0]
            if waiting >= count:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{waiting} of {count} sessions blocked after {timeout} s")
            time.sleep(0.02)
