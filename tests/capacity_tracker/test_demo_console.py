"""The demo prints the emails and texts its Celery worker sends in its own console, as the
README says, and keeps the worker's whole log in var/celery.log (issue 17)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from capacity_tracker.celery import app

ROOT = Path(__file__).resolve().parents[2]
DEMO = (ROOT / "scripts" / "demo").read_text()

# What the worker writes: its own INFO lines, and an email printed by Django's console backend,
# which Celery's worker logs at WARNING (it redirects print output to its log).
WORKER_OUTPUT = """\
[2026-12-08 09:00:00,001: INFO/MainProcess] Task notifications.tasks.send_due received
[2026-12-08 09:00:00,002: WARNING/MainProcess] Content-Type: text/plain; charset="utf-8"
Subject: Your return for May 2026 was saved
To: manager@meadowbank.example
2026-12-08 09:00:00,003 INFO celery.beat Scheduler: Sending due task
{"at": "2026-12-08T09:00:00", "event": "sign_in", "level": "INFO"}
[2026-12-08 09:00:00,004: ERROR/MainProcess] Task failed
"""


def test_the_worker_prints_what_it_sends_where_its_log_goes():
    # The console email backend writes to the worker's stdout, which Celery turns into
    # WARNING lines of its log: the lines the demo's console keeps.
    assert app.conf.worker_redirect_stdouts is True
    assert app.conf.worker_redirect_stdouts_level == "WARNING"


def test_the_demo_console_shows_emails_and_problems_but_not_every_task():
    assert "tee var/celery.log" in DEMO
    quiet = re.search(r"^QUIET='(.+)'$", DEMO, re.MULTILINE)
    assert quiet is not None
    shown = subprocess.run(
        ["grep", "--line-buffered", "-v", "-E", quiet.group(1)],
        input=WORKER_OUTPUT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Subject: Your return for May 2026 was saved" in shown
    assert "To: manager@meadowbank.example" in shown
    assert "Task failed" in shown
    assert "received" not in shown and "Scheduler" not in shown and "sign_in" not in shown


def test_the_readme_says_where_to_look():
    readme = (ROOT / "README.md").read_text()
    assert "prints each one in the console\nwhere `scripts/demo` runs" in readme
    assert "`var/celery.log`" in readme
