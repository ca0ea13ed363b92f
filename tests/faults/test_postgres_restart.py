"""PostgreSQL restarted under load: requests fail cleanly, the app recovers, nothing half-saved.

The test's small world (four provider users, each with a four-location provider, last month's
returns and a signed-in session; bench/load/seed.py) is copied with pg_dump into a private
PostgreSQL cluster, and gunicorn (production settings) runs against it and a private Redis.
One thread per user opens the dashboard and sends unchanged, full and nil returns without
pause while the cluster is restarted (``pg_ctl restart -m fast``), then stopped as in a crash
(``-m immediate``) and started again (crash recovery) after a few seconds.

- While PostgreSQL is away every answer is a 503 with our page (or the API's JSON) and a
  ``Retry-After``: never a 500, never a trace.
- Afterwards requests succeed again, served by the same gunicorn workers (no restart).
- Every return version in the database is whole: its figures all there, its head's count and
  pointers and its audit event written with it; every acknowledged save is there exactly once,
  and a version nobody saw acknowledged can only come from a save whose answer was lost.

The shared PostgreSQL on 5432 is only read (pg_dump); the cluster restarted is the test's own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
import requests

from bench.load import seed
from capacity_tracker.lib import clock
from tests.faults.processes import (
    Process,
    app_env,
    gunicorn,
    private_postgres,
    private_redis,
    wait_for,
)
from tests.faults.test_last_day_rush import database_url
from tests.portal_data import GOOD_ANSWERS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

USERS = 4
UNAVAILABLE_PAGE = "Sorry, the service is unavailable"
SAVED = "/returns/saved/"


@dataclass
class Answer:
    at: float
    action: str
    status: int
    retry_after: str | None
    body: str


@dataclass
class Acknowledged:
    reference: str
    kind: str
    cqc_id: str
    care_type: str


@dataclass
class Provider:
    """One signed-in provider user sending returns until told to stop, as a thread."""

    base: str
    user: seed.LoadUser
    answers_of: dict[str, dict[str, str]]
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    save_attempts_unanswered: int = 0  # a save POST answered 503: it may or may not have saved
    turn: int = 0

    def send(self, method: str, path: str, action: str, data: dict[str, str] | None = None):
        headers = {"Cookie": f"sessionid={self.user.session}; csrftoken={self.user.csrf}"}
        if data is not None:
            # The CSRF cookie's secret itself is a valid form token (Django unmasks either).
            data = {"csrfmiddlewaretoken": self.user.csrf, **data}
        response = requests.request(
            method,
            self.base + path,
            data=data,
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )
        self.answers.append(
            Answer(
                time.monotonic(),
                action,
                response.status_code,
                response.headers.get("Retry-After"),
                response.text,
            )
        )
        return response

    def successes_since(self, instant: float) -> int:
        return sum(1 for a in self.answers if a.at > instant and a.status in (200, 302))

    def _saved(self, response: requests.Response, kind: str, obligation: Any) -> None:
        location = response.headers.get("Location", "")
        if response.status_code == 302 and SAVED in location:
            reference = location.rstrip("/").rsplit("/", 1)[-1]
            self.acknowledged.append(
                Acknowledged(reference, kind, obligation.cqc_id, obligation.care_type)
            )
        elif response.status_code == 503:
            self.save_attempts_unanswered += 1

    def act(self) -> None:
        """The next of: dashboard, unchanged, full, nil; each step only after the last worked."""
        obligation = self.user.obligations[self.turn % len(self.user.obligations)]
        url = f"/returns/{self.user.period}/{obligation.cqc_id}/{obligation.care_type}/"
        what = ("dashboard", "unchanged", "full", "nil")[self.turn % 4]
        self.turn += 1
        if what == "dashboard":
            self.send("GET", "/returns/", "dashboard")
            return
        page_url = url + {"unchanged": "unchanged/", "full": "", "nil": "nil/"}[what]
        page = self.send("GET", page_url, f"{what}: page")
        if page.status_code != 200:
            return
        based_on = page.text.split('name="based_on" value="', 1)[-1].split('"', 1)[0]
        if what == "full":
            answers = dict(self.answers_of[obligation.care_type])
            answers["staff_direct_non_care"] = str(
                int(answers["staff_direct_non_care"]) + int(based_on) % 2
            )
            form = self.send("POST", url, "full: form", {"based_on": based_on, **answers})
            if form.status_code != 302:
                return
            self._saved(self.send("POST", url + "check/", "full: send", {}), what, obligation)
        elif what == "unchanged":
            sent = self.send("POST", page_url, "unchanged: send", {"based_on": based_on})
            self._saved(sent, what, obligation)
        else:
            data = {"based_on": based_on, "nil_reason": "no_service_users"}
            self._saved(self.send("POST", page_url, "nil: send", data), what, obligation)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.act()
            except requests.RequestException as exc:  # recorded: the test fails on it
                self.answers.append(Answer(time.monotonic(), "connection", 0, None, str(exc)))
            time.sleep(0.02)


def copy_database(target_url: str, work: Path) -> None:
    """The test database, committed by the seed, into the private cluster (a second or two;
    migrating the cluster would take most of a minute)."""
    dump = work / "world.sql"
    with open(dump, "wb") as out:
        subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "-d", database_url()],
            stdout=out,
            check=True,
        )
    with open(dump, "rb") as dumped:
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", target_url],
            stdin=dumped,
            stdout=subprocess.DEVNULL,
            check=True,
        )


def workers_of(server: Process) -> set[int]:
    assert server.popen is not None
    return {p.pid for p in psutil.Process(server.popen.pid).children(recursive=True)}


def test_postgres_restart_under_load_fails_cleanly_and_recovers() -> None:
    work = Path(tempfile.mkdtemp(prefix="ct-pg-restart-"))
    try:
        _restart_under_load(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _restart_under_load(work: Path) -> None:
    now = clock.now()
    users = seed.make_users(USERS, now)
    window_id = seed.open_window_now(now).pk
    with private_postgres() as cluster, private_redis(work) as redis:
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE ct")
        copy_database(cluster.url("ct"), work)
        env = app_env(
            database_url=cluster.url("ct"),
            redis_url=redis.url,
            DJANGO_SETTINGS_MODULE="bench.load.settings",
            LOAD_STATIC_ROOT=str(work / "static"),
        )
        collect = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            capture_output=True,
            check=False,
        )
        assert collect.returncode == 0, collect.stderr
        server, port = gunicorn(env, work / "gunicorn.log", workers=2, threads=4)
        base = f"http://127.0.0.1:{port}"
        stop = threading.Event()
        providers = [Provider(base, user, GOOD_ANSWERS) for user in users]
        threads = [threading.Thread(target=p.run, args=(stop,), daemon=True) for p in providers]
        try:
            workers = workers_of(server)
            for thread in threads:
                thread.start()

            def all_succeed_since(instant: float) -> bool:
                return all(p.successes_since(instant) >= 3 for p in providers)

            phases = [("before", time.monotonic())]
            wait_for(lambda: all_succeed_since(phases[0][1]), timeout=30, what="no load before")

            # A restart as an operator does it: every session ended, back in a moment.
            phases.append(("fast restart", time.monotonic()))
            cluster.restart()
            phases.append(("after restart", time.monotonic()))
            wait_for(lambda: all_succeed_since(phases[-1][1]), timeout=30, what="no recovery")

            # A crash: gone at once, seconds away, then crash recovery on start.
            phases.append(("crashed", time.monotonic()))
            cluster.stop("immediate")
            probes = outage_probes(providers[0])
            time.sleep(2)
            cluster.start()
            phases.append(("after crash", time.monotonic()))
            wait_for(lambda: all_succeed_since(phases[-1][1]), timeout=30, what="no recovery")
            workers_after = workers_of(server)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=40)
            server.stop()
        log = server.log_text()

        # During the crash every page, save and API call said 503, with our page and a retry.
        for name, response in probes.items():
            assert response.status_code == 503, (name, response.status_code, response.text[:500])
            assert response.headers.get("Retry-After") == "30", name
            assert "no-store" in response.headers.get("Cache-Control", ""), name
        assert UNAVAILABLE_PAGE in probes["dashboard"].text
        assert UNAVAILABLE_PAGE in probes["save"].text
        assert probes["api"].json()["errors"][0]["code"] == "service_unavailable"

        # Under load, through both: only successes and clean 503s; no 500, no trace anywhere.
        answers = [a for p in providers for a in p.answers]
        statuses = Counter(a.status for a in answers)
        print(f"\npostgres restart: {len(answers)} requests, by status {dict(statuses)}")
        for (phase, begun), (_, ended) in zip(phases, [*phases[1:], ("", 1e18)], strict=True):
            during = Counter(a.status for a in answers if begun <= a.at < ended)
            print(f"postgres restart: {phase}: {dict(during)}")
        assert set(statuses) <= {200, 302, 503}, [
            (a.action, a.status, a.body[:300]) for a in answers if a.status not in (200, 302, 503)
        ]
        unavailable = [a for a in answers if a.status == 503]
        assert all(a.retry_after == "30" for a in unavailable)
        assert all(UNAVAILABLE_PAGE in a.body for a in unavailable if a.action != "probe: api")
        assert not any("Traceback" in a.body for a in answers)
        assert "Traceback" not in log, log[-4000:]
        outage_lines = [line for line in log.splitlines() if "Database unavailable" in line]
        assert outage_lines  # logged, one line each
        print(f"postgres restart: {len(outage_lines)} lines logged, e.g. {outage_lines[-1]}")
        # Recovered by itself: the same gunicorn workers served the last requests.
        assert workers and workers_after == workers

        acknowledged = [ack for p in providers for ack in p.acknowledged]
        unanswered = sum(p.save_attempts_unanswered for p in providers)
        with psycopg.connect(cluster.url("ct")) as db:
            check_nothing_half_saved(db, window_id, acknowledged, unanswered)
        print(
            f"postgres restart: {len(acknowledged)} saves acknowledged, {len(unavailable)} "
            f"answered 503 ({unanswered} of them saves)"
        )


def outage_probes(provider: Provider) -> dict[str, requests.Response]:
    """With PostgreSQL down: a page, a save and an API call, each from a signed-in user."""
    obligation = provider.user.obligations[0]
    url = f"/returns/{provider.user.period}/{obligation.cqc_id}/{obligation.care_type}/"
    return {
        "dashboard": provider.send("GET", "/returns/", "probe: dashboard"),
        "save": provider.send("POST", url + "unchanged/", "probe: save", {"based_on": "0"}),
        "api": provider.send("GET", "/api/v1/locations/", "probe: api"),
    }


def check_nothing_half_saved(
    db: psycopg.Connection, window_id: int, acknowledged: list[Acknowledged], unanswered: int
) -> None:
    versions = db.execute(
        """
        SELECT v.reference, v.kind, v.nil_reason, v.answers, v.number, l.cqc_id, r.care_type,
               r.version_count, lv.number, cv.number,
               (SELECT count(*) FROM providers_auditevent e
                 WHERE e.action LIKE 'returns.return.%%' AND e.data->>'reference' = v.reference)
        FROM returns_returnversion v
        JOIN returns_return r ON r.id = v.return_head_id
        JOIN providers_location l ON l.id = r.location_id
        LEFT JOIN returns_returnversion lv ON lv.id = r.latest_id
        LEFT JOIN returns_returnversion cv ON cv.id = r.counted_id
        WHERE r.window_id = %s
        """,
        [window_id],
    ).fetchall()
    # Last month's versions (the seed's, whole by construction): the figures a return has.
    complete = {
        (cqc_id, care_type): answers
        for cqc_id, care_type, answers in db.execute(
            """
            SELECT l.cqc_id, r.care_type, v.answers FROM returns_returnversion v
            JOIN returns_return r ON r.id = v.return_head_id
            JOIN providers_location l ON l.id = r.location_id
            WHERE r.window_id <> %s
            """,
            [window_id],
        )
    }
    numbers: dict[tuple[str, str], list[int]] = {}
    for (
        reference,
        kind,
        nil_reason,
        answers,
        number,
        cqc_id,
        care_type,
        count,
        latest,
        counted,
        audits,
    ) in versions:
        numbers.setdefault((cqc_id, care_type), []).append(number)
        assert audits == 1, f"{reference}: {audits} audit events"
        assert (latest, counted) == (count, count), f"{reference}: head {count} {latest} {counted}"
        if kind == "nil":
            assert answers == {} and nil_reason, reference
        else:
            # Every figure there, each as saved (one figure moves between 10 and 11).
            whole = complete[(cqc_id, care_type)]
            assert answers.keys() == whole.keys(), reference
            differing = {k for k in whole if answers[k] != whole[k]}
            assert differing <= {"staff_direct_non_care"}, (reference, differing)
    for obligation, seen in numbers.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), (obligation, sorted(seen))

    saved = Counter(row[0] for row in versions)
    for ack in acknowledged:
        assert saved[ack.reference] == 1, f"{ack.reference} saved {saved[ack.reference]} times"
    by_reference = {row[0]: row for row in versions}
    for ack in acknowledged:
        row = by_reference[ack.reference]
        assert (row[1], row[5], row[6]) == (ack.kind, ack.cqc_id, ack.care_type), ack
    # A version nobody saw acknowledged: only from a save whose answer was the 503.
    unacknowledged = len(saved) - len({ack.reference for ack in acknowledged})
    assert 0 <= unacknowledged <= unanswered, (unacknowledged, unanswered)
    assert acknowledged, "no save was acknowledged"
