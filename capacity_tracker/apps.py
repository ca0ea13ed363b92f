from __future__ import annotations

from django.apps import AppConfig


class CapacityTrackerConfig(AppConfig):
    """The site itself: cross-app commands, and the security log's signal receivers."""

    name = "capacity_tracker"
    verbose_name = "Service"

    def ready(self) -> None:
        from capacity_tracker import security_log  # noqa: F401 - connects the receivers
        from capacity_tracker.lib import history

        history.connect_celery_signals()  # each task's changes carry the task's name
