"""Adult social care provider information collection."""

from capacity_tracker.celery import app as celery_app

__all__ = ["celery_app"]
