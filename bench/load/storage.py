"""The service's static storage without whitenoise's gzip and brotli copies.

Compressing 42 MB of static files takes over a minute on two cores, and the load run never
fetches a static file: the pages only need the manifest to name them. Hashing (and the manifest
the pages read) is exactly the service's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from capacity_tracker.lib.storage import StaticStorage


class UncompressedStaticStorage(StaticStorage):
    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        return iter(())
