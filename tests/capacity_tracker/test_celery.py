"""The beat schedule names only tasks the worker knows, and every tick runs."""

from __future__ import annotations

import pytest

from capacity_tracker.celery import app


def test_every_job_in_the_schedule_module_is_on_beat():
    from capacity_tracker.schedule import JOBS

    on_beat = {entry.get("args", (None,))[0] for entry in app.conf.beat_schedule.values()}
    assert {job.name for job in JOBS} <= on_beat


def test_every_scheduled_task_is_registered_with_the_worker():
    app.loader.import_default_modules()
    registered = set(app.tasks.keys())
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in registered, f"beat entry {name} names an unknown task"


@pytest.mark.django_db
def test_every_scheduled_task_runs_synchronously():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        result = app.tasks[entry["task"]].apply(args=entry.get("args", ()))
        assert result.successful(), result.traceback
