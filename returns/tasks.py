"""Returns' Celery tasks, found here by Celery's autodiscovery. Scheduled jobs are in
capacity_tracker/schedule.py."""

from returns.bulk.tasks import process_bulk_upload

__all__ = ["process_bulk_upload"]
