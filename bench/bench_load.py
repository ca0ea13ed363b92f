"""Load run (issue 13): locust, headless, against gunicorn on 127.0.0.1, four scenarios.

Run with the production-shaped env vars of the other benchmarks (DATABASE_URL names a database
whose name this run borrows, REDIS_URL, DEBUG=false, SECURE_SSL_REDIRECT=false, ...):

    BENCH_RESULTS=/tmp/load-results.json .venv/bin/python bench/bench_load.py

It makes a database of its own (<name>_load), migrates it (reference data and datasets come
with the migrations; a dump of the result is kept in var/bench-cache/ for as long as no
migration or installed package changes, which saves 30-80 s on the next run), stores this month's window and opens it now with the staff override if
the rules have it shut today, and makes 50 provider users, each with its own four-location
provider (six obligations) and last month's returns. Each user gets a session signed in past
its second factor, written through the session engine, so sign-in is never measured.

gunicorn runs as docker-compose.yml runs it in production (gthread, 4 workers x 8 threads),
the same for every scenario. Then locust, one scenario at a time, 50 users, no wait time,
BENCH_LOAD_SECONDS (30) each after one warm-up of every page: the start page (baseline), the
dashboard, the return form, and a save (form POST, then check-answers POST). gunicorn is
stopped and the database dropped whatever happens. The whole run takes under 4 minutes
(BENCH_LOAD_BUDGET): after a slow set-up each scenario runs shorter, never under 15 s.
BENCH_LOAD_KEEP_LOGS=1 keeps gunicorn's log and locust's CSVs (the path is printed).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import lib  # noqa: E402

if TYPE_CHECKING:
    from bench.load.seed import LoadUser

BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
WARM_UP_SECONDS = 8
# The whole run, set-up included, must fit in BENCH_LOAD_BUDGET: when the set-up was slow (a
# busy machine, a first migrate), each scenario gets less than SECONDS, never under 15 s.
BUDGET_SECONDS = int(os.environ.get("BENCH_LOAD_BUDGET", "240"))
MIN_SECONDS = 15
LOCUST_OVERHEAD_SECONDS = (
    10  # a locust run beyond its -t: start-up, stop-timeout, CSVs (busy machine)
)
TEARDOWN_SECONDS = 20  # gunicorn start and stop, recording, dropping the database
# migrate spends 30-80 s rendering model states: bench/run migrates one template database
# once (bench/lib.py) and every benchmark copies it in a second.
TEMPLATE = os.environ.get("BENCH_TEMPLATE_DB", "")
SPAWN_RATE = 25
# Production's web command (docker-compose.yml). On two cores, four processes keep both busy
# while one waits on PostgreSQL, and eight threads each let 50 users queue in gunicorn rather
# than at its socket; the threads share a GIL, so more of them would add no throughput.
GUNICORN = ["--worker-class", "gthread", "--workers", "4", "--threads", "8"]


@dataclass
class Scenario:
    user_class: str
    row: str  # locust's stats row that is this scenario's figure


SCENARIOS = {
    "start": Scenario("StartPage", "start page"),
    "dashboard": Scenario("Dashboard", "dashboard"),
    "form": Scenario("ReturnForm", "return form"),
    "save": Scenario("Save", "save (form + check)"),
}


@dataclass
class Outcome:
    """One scenario's figures from locust's stats, plus the CPU each side used."""

    per_second: float
    count: int
    p50_ms: float
    p95_ms: float
    failures: int
    failure_messages: list[str]
    seconds: float
    locust_cpu_s: float
    server_cpu_s: float

    def details(self) -> dict[str, object]:
        return {
            "requests": self.count,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "failures": self.failures,
            "failure_messages": self.failure_messages[:5],
            # CPU seconds per wall second over the whole locust run: 2.0 would be both cores.
            "locust_cpu_cores": round(self.locust_cpu_s / self.seconds, 2),
            "gunicorn_cpu_cores": round(self.server_cpu_s / self.seconds, 2),
            # gunicorn's CPU (not PostgreSQL's) per request or save; approximate, as the CPU
            # covers locust's start-up and spawning too.
            "gunicorn_cpu_ms_each": round(
                1000 * self.server_cpu_s / self.seconds / self.per_second, 1
            )
            if self.per_second
            else None,
        }


# --- Database ---------------------------------------------------------------------------------


def load_database_url(url: str) -> tuple[str, str]:
    """The run's own database beside the one DATABASE_URL names: (its URL, its name)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_load"
    return urlunsplit(parts._replace(path="/" + name)), name


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)


def create_database(url: str, name: str) -> None:
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{TEMPLATE}"' if TEMPLATE else ""
        admin.execute(f'CREATE DATABASE "{name}"{copy}')


def drop_database(url: str, name: str) -> None:
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate() -> str:
    """The migrated database: copied from bench/run's template, else migrated here; says which."""
    from django.core.management import call_command

    if TEMPLATE:
        return f"copied from {TEMPLATE}"
    call_command("migrate", verbosity=0)
    return "migrated"


def scenario_seconds(elapsed: float) -> int:
    """Each scenario's length, so that the run ends within the budget."""
    runs = len(SCENARIOS)
    left = (
        BUDGET_SECONDS
        - elapsed
        - TEARDOWN_SECONDS
        - WARM_UP_SECONDS
        - (runs + 1) * LOCUST_OVERHEAD_SECONDS
    )
    return int(max(MIN_SECONDS, min(SECONDS, left / runs)))


# --- gunicorn ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn in its own process group, killed with it whatever happens."""
    with open(log, "wb") as out:
        server = subprocess.Popen(  # noqa: S603 (our own executables and arguments)
            [
                str(BIN / "gunicorn"),
                "capacity_tracker.wsgi",
                *GUNICORN,
                *("--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(port, server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_until_healthy(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r,
        ):
            if r.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and all its children (gunicorn's master and workers)."""
    parent = psutil.Process(pid)
    total = 0.0
    for process in [parent, *parent.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


# --- locust -----------------------------------------------------------------------------------


def run_locust(
    user_classes: list[str], seconds: int, host: str, out: Path, server_pid: int
) -> LocustRun:
    """One headless locust run; its stats once spawning is done (--reset-stats)."""
    prefix = out / "_".join(user_classes).lower()
    locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = cpu_seconds(server_pid)
    started = time.monotonic()
    with open(f"{prefix}.log", "wb") as log:
        subprocess.run(  # noqa: S603 (our own executables and arguments)
            [
                str(BIN / "locust"),
                *("-f", str(LOCUSTFILE), "--headless", "--only-summary", "--host", host),
                *("-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{seconds}s"),
                *("--csv", str(prefix), "--reset-stats", "--stop-timeout", "5"),
                *("--exit-code-on-error", "0", "--loglevel", "WARNING", *user_classes),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=seconds + 60,
        )
    elapsed = time.monotonic() - started
    locust_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors, error_messages = read_exceptions(prefix)
    return LocustRun(
        rows=read_rows(prefix),
        failure_messages=read_failures(prefix) + error_messages,
        errors=errors,
        seconds=elapsed,
        locust_cpu_s=locust_after.ru_utime
        - locust_before.ru_utime
        + locust_after.ru_stime
        - locust_before.ru_stime,
        server_cpu_s=cpu_seconds(server_pid) - server_before,
    )


def read_rows(prefix: Path) -> dict[str, dict[str, str]]:
    with open(f"{prefix}_stats.csv") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}


def read_failures(prefix: Path) -> list[str]:
    with open(f"{prefix}_failures.csv") as failures:
        return [
            f"{row['Name']}: {row['Error']} x{row['Occurrences']}"
            for row in csv.DictReader(failures)
        ]


def read_exceptions(prefix: Path) -> tuple[int, list[str]]:
    """Errors raised in the locustfile (a user that could not start): no request records
    them, yet the figures would be wrong, so they count as failures."""
    with open(f"{prefix}_exceptions.csv") as exceptions:
        rows = list(csv.DictReader(exceptions))
    return sum(int(r["Count"]) for r in rows), [f"{r['Message']} x{r['Count']}" for r in rows]


@dataclass
class LocustRun:
    rows: dict[str, dict[str, str]]  # locust's stats CSV by request name, with "Aggregated"
    failure_messages: list[str]
    errors: int  # exceptions in the locustfile
    seconds: float  # the whole run, start-up and spawning included
    locust_cpu_s: float
    server_cpu_s: float

    def outcome(self, row_name: str) -> Outcome:
        row = self.rows.get(row_name, {})
        return Outcome(
            per_second=_float(row.get("Requests/s", "")),
            count=int(row.get("Request Count") or 0),
            p50_ms=_float(row.get("50%", "")),
            p95_ms=_float(row.get("95%", "")),
            # Every request of the run counts, not only the figure's row.
            failures=int(self.rows.get("Aggregated", {}).get("Failure Count") or 0) + self.errors,
            failure_messages=self.failure_messages,
            seconds=self.seconds,
            locust_cpu_s=self.locust_cpu_s,
            server_cpu_s=self.server_cpu_s,
        )


def _float(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


# --- The run ----------------------------------------------------------------------------------


def set_up(work: Path) -> list[LoadUser]:
    """Migrate, collect static files (in parallel: they do not touch the database), seed."""
    collect = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT
    )
    try:
        import django

        django.setup()
        began = time.monotonic()
        how = migrate()
        print(f"database {how} in {time.monotonic() - began:.0f} s", flush=True)
        from bench.load import seed
        from capacity_tracker.lib import clock

        began = time.monotonic()
        users = seed.make_users(USERS, clock.now())
        print(f"seeded in {time.monotonic() - began:.0f} s", flush=True)
        (work / "users.json").write_text(json.dumps(seed.as_json(users)))
    finally:
        if collect.wait(timeout=300) != 0:
            raise RuntimeError("collectstatic failed")
    from django.db import connections

    connections.close_all()
    return users


def refresh_users_file(work: Path) -> None:
    from bench.load import seed

    users = [seed.LoadUser(**u) for u in json.loads((work / "users.json").read_text())["users"]]
    for user in users:
        user.obligations = [seed.Obligation(**o) for o in user.obligations]  # type: ignore[arg-type]
    seed.refresh_version_counts(users)
    (work / "users.json").write_text(json.dumps(seed.as_json(users)))
    from django.db import connections

    connections.close_all()


def measure(port: int, work: Path, server_pid: int, seconds: int) -> dict[str, Outcome]:
    host = f"http://127.0.0.1:{port}"
    # Every page once in every worker (templates compiled, datasets cached, connections open).
    run_locust([s.user_class for s in SCENARIOS.values()], WARM_UP_SECONDS, host, work, server_pid)
    outcomes = {}
    for key, scenario in SCENARIOS.items():
        if key == "save":
            refresh_users_file(work)
        run = run_locust([scenario.user_class], seconds, host, work, server_pid)
        outcomes[key] = run.outcome(scenario.row)
        o = outcomes[key]
        print(
            f"{key}: {o.per_second:.1f}/s, p50 {o.p50_ms:.0f} ms, p95 {o.p95_ms:.0f} ms, "
            f"{o.failures} failures; locust {o.details()['locust_cpu_cores']} cores, "
            f"gunicorn {o.details()['gunicorn_cpu_cores']} cores",
            flush=True,
        )
    return outcomes


def record(outcomes: dict[str, Outcome], seconds: int) -> None:
    how = (
        f"locust headless, {USERS} users, no wait, {seconds} s runs, FastHttpUser; "
        f"gunicorn {' '.join(GUNICORN)} on 127.0.0.1, DEBUG off, sessions cached_db on Redis"
    )
    start = outcomes["start"].per_second
    base = {"baseline": start, "baseline_what": "start page req/s, same run and server"}
    lib.record(
        "load_start_page",
        figure=start,
        unit="req/s",
        how=how + "; the public landing page, signed out",
        details=outcomes["start"].details(),
    )
    lib.record(
        "load_dashboard_4_locations",
        figure=outcomes["dashboard"].per_second,
        unit="req/s",
        how=how + "; each user its own 4-location provider (6 obligations)",
        target={"min_ratio": 0.5},
        details={
            **outcomes["dashboard"].details(),
            # The same view's profile, taken in one process where pyinstrument can see it.
            "profile": "bench/profiles/dashboard_4_locations_single.txt (bench_dashboard.py)",
        },
        **base,
    )
    lib.record(
        "load_return_form",
        figure=outcomes["form"].per_second,
        unit="req/s",
        how=how + "; a care home's form, filled in with last month's figures",
        details=outcomes["form"].details(),
        **base,
    )
    lib.record(
        "load_save",
        figure=outcomes["save"].per_second,
        unit="saves/s",
        how=how + "; form POST then check-answers POST, each redirect checked",
        details=outcomes["save"].details(),
        **base,
    )
    lib.record(
        "load_failures",
        figure=sum(o.failures for o in outcomes.values()),
        unit="failed requests",
        how=how + "; every request of the four scenarios",
        target={"max": 0},
        details={key: o.failure_messages[:5] for key, o in outcomes.items() if o.failures},
    )


def main() -> None:
    started = time.monotonic()
    url, name = load_database_url(os.environ["DATABASE_URL"])
    work = Path(tempfile.mkdtemp(prefix="ct-load-"))
    # gunicorn, collectstatic and locust inherit these.
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.load.settings",
        LOAD_STATIC_ROOT=str(work / "static"),
        LOAD_USERS_FILE=str(work / "users.json"),
    )
    users = []
    create_database(url, name)
    try:
        users = set_up(work)
        print(f"set up in {time.monotonic() - started:.0f} s", flush=True)
        seconds = scenario_seconds(time.monotonic() - started)
        if seconds < SECONDS:
            print(f"set-up was slow: {seconds} s per scenario to end within the budget")
        port = free_port()
        with gunicorn(port, work / "gunicorn.log") as server:
            outcomes = measure(port, work, server.pid, seconds)
        record(outcomes, seconds)
    finally:
        if users:
            from bench.load import seed

            with contextlib.suppress(Exception):
                seed.forget_sessions(users)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop_database(url, name)
        if os.environ.get("BENCH_LOAD_KEEP_LOGS"):
            print(f"logs and locust CSVs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        print(f"load run took {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
