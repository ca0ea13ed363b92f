"""The service's own settings, with static files collected into a directory of the run's.

gunicorn and the set-up run with DJANGO_SETTINGS_MODULE=bench.load.settings. Everything else
(DEBUG off, cached_db sessions on Redis, PostgreSQL, security middleware) is production's.
"""

from __future__ import annotations

import os
from pathlib import Path

from capacity_tracker.settings import *  # noqa: F403
from capacity_tracker.settings import STORAGES

# Not the repository's staticfiles/: other runs may use it, and it may be stale.
STATIC_ROOT = Path(os.environ["LOAD_STATIC_ROOT"])
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "bench.load.storage.UncompressedStaticStorage"},
}
