"""The service's clock. Views and jobs read the time here, once per operation, and pass it
down as ``now=``; tests freeze it by patching ``capacity_tracker.lib.clock.now``."""

from __future__ import annotations

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now()


def local_date(instant: datetime.datetime) -> datetime.date:
    return timezone.localtime(instant).date()


def today() -> datetime.date:
    """The London date of ``now()``: for a model default or form initial, which takes a
    callable. Anywhere else, read ``now()`` once and pass ``local_date(now)`` down."""
    return local_date(now())
