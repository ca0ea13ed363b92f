"""The last day of the window under load, with proof that nothing is lost.

locust (bench/load/rush.py) signs RUSH_USERS provider users in through the pages and has them
open the dashboard and send full, unchanged and nil returns and CSV files, for RUSH_SECONDS,
against gunicorn (production settings, static files collected as the load run collects them)
on this test's database and a private Redis. Then bench/load/rush_check.py holds the database
to every save the service acknowledged, the sweep is run on the window, and gunicorn's log is
read for errors.

CI runs the short rush (30 users, 10 of them signing in, 25 s). The long one is the same test
with more of everything:

    RUSH_USERS=200 RUSH_SIGN_INS=200 RUSH_SECONDS=600 bash scripts/test tests/faults/test_last_day_rush.py

RUSH_SIGN_INS is how many users sign in through the pages (the others arrive signed in),
RUSH_SPAWN_RATE how many users arrive a second (3), RUSH_WORKERS and RUSH_THREADS size gunicorn (2 x 8 here; production runs 4 x 8), RUSH_WAIT is
each user's pause between actions ("0.2,1.0" seconds), and RUSH_KEEP=1 keeps the logs, locust's
CSVs and the acknowledgements (the directory is printed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from bench import bench_load
from bench.load import rush_check, rush_seed
from capacity_tracker.lib import clock
from enforcement.models import Breach
from enforcement.sweep import sweep_window
from tests.faults.processes import ROOT, Process, app_env, gunicorn, private_redis

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

USERS = int(os.environ.get("RUSH_USERS", "30"))
SECONDS = int(os.environ.get("RUSH_SECONDS", "25"))
WORKERS = int(os.environ.get("RUSH_WORKERS", "2"))
THREADS = int(os.environ.get("RUSH_THREADS", "8"))
# Users started a second: each sign-in is a quarter of a second of PBKDF2 on the server.
SPAWN_RATE = float(os.environ.get("RUSH_SPAWN_RATE", "3"))
# How many sign in through the pages; the others signed in earlier (see bench/load/rush_seed.py).
SIGN_INS = min(USERS, int(os.environ.get("RUSH_SIGN_INS", "10")))
LOCUSTFILE = ROOT / "bench" / "load" / "rush.py"
BIN = Path(sys.executable).parent


def database_url() -> str:
    """This test's database (the test run's copy), for gunicorn to share."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def run_locust(env: dict[str, str], host: str, work: Path) -> bench_load.LocustRun:
    prefix = work / "rush"
    with open(work / "locust.log", "wb") as log:
        subprocess.run(
            [
                str(BIN / "locust"),
                *("-f", str(LOCUSTFILE), "--headless", "--only-summary", "--host", host),
                *("-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{SECONDS}s"),
                # At the end each user finishes what it is doing: a save sent is a save read.
                *("--csv", str(prefix), "--stop-timeout", "60"),
                *("--exit-code-on-error", "0", "--loglevel", "WARNING"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=SECONDS + 120,
        )
    errors, messages = bench_load.read_exceptions(prefix)
    return bench_load.LocustRun(
        rows=bench_load.read_rows(prefix),
        failure_messages=bench_load.read_failures(prefix) + messages,
        errors=errors,
        seconds=0.0,
        locust_cpu_s=0.0,
        server_cpu_s=0.0,
    )


def test_the_last_day_rush_loses_no_acknowledged_save() -> None:
    work = Path(tempfile.mkdtemp(prefix="ct-rush-"))
    started = time.monotonic()
    try:
        with private_redis(work) as redis:
            env = app_env(
                database_url=database_url(),
                redis_url=redis.url,
                DJANGO_SETTINGS_MODULE="bench.load.settings",
                LOAD_STATIC_ROOT=str(work / "static"),
                RUSH_USERS_FILE=str(work / "users.json"),
                RUSH_ACKS_FILE=str(work / "acks.jsonl"),
            )
            collect = Process(
                "collectstatic",
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                env=env,
                log=work / "collectstatic.log",
            ).start()
            try:
                world = rush_seed.make_rush_users(USERS, clock.now(), sign_ins=SIGN_INS)
                assert collect.popen is not None and collect.popen.wait(timeout=120) == 0
            finally:
                collect.stop()
            (work / "users.json").write_text(json.dumps(world.as_json()))
            server, port = gunicorn(env, work / "gunicorn.log", workers=WORKERS, threads=THREADS)
            try:
                run = run_locust(env, f"http://127.0.0.1:{port}", work)
            finally:
                server.stop()
        acks = rush_check.read_acks(work / "acks.jsonl")
        report = rush_check.check(acks, world.window, world.cqc_ids)
        print(f"\nrush: {USERS} users, {SECONDS} s of load")
        print(f"rush: {report.summary()}; {time.monotonic() - started:.0f} s in all")

        # locust: no request failed, no 5xx, nothing raised in the users.
        aggregated = run.rows["Aggregated"]
        assert int(aggregated["Failure Count"]) == 0 and run.errors == 0, run.failure_messages
        assert report.server_errors == [] and report.failures == [], report.failures[:10]
        log = server.log_text()
        assert "Traceback" not in log and "Internal Server Error" not in log, log[-3000:]
        # The rush did what it says: people signed in and sent every kind of return.
        assert report.requests["sign in: code"] == SIGN_INS
        assert all(report.kinds[kind] > 0 for kind in ("full", "unchanged", "nil")), report.kinds
        assert report.uploads > 0
        # The database holds exactly what was acknowledged, counted in the window.
        assert report.problems == [], "\n".join(report.problems[:30])
        assert report.versions == report.portal_saves + report.upload_rows

        # And the sweep, run on the window, finds no breach for anything counted as returned.
        sweep_window(window_id=world.window.pk, now=world.window.closes_at, dispatch_letters=False)
        returned = rush_check.counted_as_returned(world.window, world.cqc_ids)
        breached = set(
            Breach.objects.filter(window=world.window).values_list("location__cqc_id", "care_type")
        )
        assert returned and not returned & breached
    finally:
        if os.environ.get("RUSH_KEEP"):
            print(f"rush: logs, locust's CSVs and the acknowledgements kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
