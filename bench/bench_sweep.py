"""The breach sweep for one window at national scale: 30,000 locations, ~45,000 obligations.

Run like the other benchmarks (production-shaped env vars, PostgreSQL, a throwaway database):

    .venv/bin/python bench/bench_sweep.py

Builds 3,000 locations, then 27,000 more (half of them care homes that also give home care,
so 1.5 obligations each; about 70% returned in time), and measures at each size:

- ``sweep``: ``sweep_window`` (breaches, the sweep record, cases opened, events, the letters
  owed with their citations), median of 3 runs on the large build, against a hand-written SQL
  script that records the same breaches, opens the same cases with the same events and the
  same sweep row, timed the same way on the same data. Statements counted at both sizes.
- ``sweep_peak_memory``: how far one sweep raises the peak resident memory (VmHWM) of a fresh
  process that runs only it (the bench process's heap still holds the data build).
- ``sweep_letters_after_commit``: writing every owed letter and queueing its emails, in
  batches, as the worker does after the sweep commits.

Between runs the sweep's outputs are deleted (plain DELETEs, then VACUUM ANALYZE), so each run
starts from the same state.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

import lib  # noqa: E402
from django.db import connection, transaction  # noqa: E402

SMALL = 3_000
LARGE = int(os.environ.get("BENCH_LOCATIONS", "30000"))
RUNS = 3
CHUNK = 3_000

# The sweep's outputs, children first. History tables (django-pghistory) are emptied too, so
# every run writes into the same, small event tables.
OUTPUTS = (
    "notifications_outboundmessage",
    "enforcement_letterbreach",
    "enforcement_letter",
    "enforcement_caseevent",
    "enforcement_enforcementcase",
    "enforcement_breach",
    "enforcement_windowsweep",
)
HISTORY = (
    "enforcement_letterbreachevent",
    "enforcement_letterevent",
    "enforcement_enforcementcaseevent",
    "enforcement_breachevent",
)

# The hand-written baseline: the same breaches, the same cases opened (or moved to second
# breach), their events and the sweep row, in one transaction. Its rule for "owes" is the
# simple one this data needs (no status history): active and added before the window opened.
BASELINE = """
WITH owed AS (
    SELECT l.id AS location_id, l.provider_id, ct.care_type
    FROM providers_location l
    CROSS JOIN (VALUES ('care_home'), ('home_care')) AS ct(care_type)
    WHERE l.status = 'active' AND l.added_to_service_on <= %(day)s
      AND ((ct.care_type = 'care_home' AND l.offers_care_home)
           OR (ct.care_type = 'home_care' AND l.offers_home_care))
),
breaches AS (
    INSERT INTO enforcement_breach (location_id, provider_id, care_type, window_id, recorded_at,
                                    escalates, cured_by_id, cured_at)
    SELECT o.location_id, o.provider_id, o.care_type, %(window)s, %(now)s, true, r.latest_id,
           CASE WHEN r.latest_id IS NULL THEN NULL ELSE %(now)s::timestamptz END
    FROM owed o
    LEFT JOIN returns_return r ON r.location_id = o.location_id
         AND r.care_type = o.care_type AND r.window_id = %(window)s
    WHERE r.counted_id IS NULL
    RETURNING provider_id
),
sweep AS (
    INSERT INTO enforcement_windowsweep (window_id, swept_at, breaches)
    SELECT %(window)s, %(now)s, count(*) FROM breaches
),
breached AS (SELECT DISTINCT provider_id FROM breaches),
moved AS (
    UPDATE enforcement_enforcementcase c
    SET state = CASE WHEN c.state = 'first_breach' THEN 'second_breach' ELSE c.state END,
        last_breach_window_id = %(window)s, updated_at = %(now)s
    FROM breached b
    WHERE c.provider_id = b.provider_id
      AND c.state IN ('first_breach', 'second_breach', 'notice_of_intent')
    RETURNING c.id, c.provider_id
),
opened AS (
    INSERT INTO enforcement_enforcementcase (provider_id, reference, state, opened_at, updated_at,
        last_breach_window_id, noi_eligible, noi_eligible_reason, noi_method, decision)
    SELECT p.id, 'ENF-' || %(yymm)s || '-' || substr(p.cqc_id, 3), 'first_breach', %(now)s,
           %(now)s, %(window)s, false, '', '', ''
    FROM breached b JOIN providers_provider p ON p.id = b.provider_id
    WHERE NOT EXISTS (SELECT 1 FROM moved m WHERE m.provider_id = b.provider_id)
    RETURNING id
)
INSERT INTO enforcement_caseevent (case_id, at, actor_label, action, from_state, to_state,
                                   reason, data)
SELECT id, %(now)s, 'system: breach sweep', 'opened_first_breach', '', 'first_breach', '',
       jsonb_build_object('window', %(period)s)
FROM opened
"""


def main() -> None:
    with lib.throwaway_database():
        run()


def run() -> None:
    from returns.deadlines import Period
    from returns.models import CollectionWindow
    from returns.services import windows_ensure

    windows_ensure(periods=[Period(2026, 11)])
    window = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    now = window.closes_at + datetime.timedelta(minutes=10)

    build(0, SMALL, window)
    small = measure_queries(window, now)
    clean()
    build(SMALL, LARGE, window)
    large = measure_large(window, now)

    queries = {
        "small": {"size": SMALL, "count": small["sweep_queries"]},
        "large": {"size": LARGE, "count": large["sweep_queries"]},
    }
    lib.record(
        "sweep",
        figure=large["sweep_s"],
        unit="s",
        baseline=large["baseline_s"],
        baseline_what=(
            "a hand-written SQL script in one transaction: INSERT ... SELECT of the breaches, "
            "the sweep row, UPDATE of active cases, INSERT of new cases and their events"
        ),
        target={"max_ratio": 3, "flat_queries": True},
        queries=queries,
        how=(
            f"sweep_window for one window, {LARGE} locations, median of {RUNS} runs, outputs "
            "deleted between runs; letters owed (rows and citations) inside the sweep, written "
            "after it commits (sweep_letters_after_commit)"
        ),
        details={
            "sweep_runs_s": large["sweep_runs"],
            "baseline_runs_s": large["baseline_runs"],
            "breaches": large["breaches"],
            "cases": large["cases"],
            "letters_owed": large["letters"],
        },
    )
    lib.record(
        "sweep_peak_memory",
        figure=large["peak_mib"],
        unit="MiB",
        target={"max": 150},
        how=(
            "sweep_window of the large build in a fresh process (Django loaded, nothing else): "
            "the process's peak resident memory (VmHWM) after the sweep, interpreter and Django "
            "included; the sweep's own growth over the memory before it in details"
        ),
        details={
            "growth_mib": large["peak_delta_mib"],
            "rss_before_mib": large["rss_before_mib"],
            "in_bench_process": large["in_bench_process"],
        },
    )
    lib.record(
        "sweep_letters_after_commit",
        figure=large["letters_s"],
        unit="s",
        target={"flat_queries": True},
        queries={
            "small": {"size": small["letters"], "count": small["letters_queries_per_batch"]},
            "large": {"size": large["letters"], "count": large["letters_queries_per_batch"]},
        },
        how=(
            "write_pending_letters after the sweep committed: every owed letter rendered, "
            "dated and stored, its emails queued, 500 letters per transaction; queries are per "
            "500-letter batch (totals in details)"
        ),
        details={
            "letters": large["letters"],
            "letters_per_second": round(large["letters"] / large["letters_s"], 1),
            "emails_queued": large["emails"],
            "queries_total": {
                "small": small["letters_queries"],
                "large": large["letters_queries"],
            },
            "batches": {"small": small["batches"], "large": large["batches"]},
        },
    )


# --- data ---------------------------------------------------------------------------------


def build(start: int, stop: int, window: Any) -> None:
    """Locations ``start`` to ``stop`` (three per provider), contacts and in-time returns,
    in chunks so the bench process stays small."""
    from providers.models import LocalAuthority

    councils = list(LocalAuthority.objects.all())
    for low in range(start, stop, CHUNK):
        _build_chunk(low, min(low + CHUNK, stop), window, councils)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # a live database has statistics; a freshly loaded one not
    print(f"built locations {start} to {stop}")


def _build_chunk(low: int, high: int, window: Any, councils: list[Any]) -> None:
    from providers.models import Contact, Location, Provider
    from returns.models import DatasetVersion, Return, ReturnVersion

    providers = {
        p: Provider(cqc_id=f"1-{300000000 + p}", name=f"Provider {p}", postcode="LS1 4AP")
        for p in range(low // 3, (high + 2) // 3)
    }
    Provider.objects.bulk_create(providers.values())
    locations = Location.objects.bulk_create(
        Location(
            cqc_id=f"1-{4000000000 + i}",
            provider=providers[i // 3],
            name=f"Location {i}",
            local_authority=councils[i % len(councils)],
            postcode="LS6 2QA",
            offers_care_home=i % 2 == 0,
            offers_home_care=True,  # half the locations offer both: 1.5 obligations each
            registered_places=30,
            added_to_service_on=datetime.date(2023, 1, 1),
        )
        for i in range(low, high)
    )
    Contact.objects.bulk_create(
        Contact(location=loc, name=f"M {loc.pk}", email=f"m{loc.pk}@example.org", is_primary=True)
        for loc in locations
    )
    owed = [(loc, ct) for loc in locations for ct in loc.care_types]
    returned = [o for i, o in enumerate(owed) if i % 10 < 7]
    heads = Return.objects.bulk_create(
        Return(location=loc, care_type=ct, window=window, version_count=1) for loc, ct in returned
    )
    dataset = DatasetVersion.objects.first()
    versions = ReturnVersion.objects.bulk_create(
        ReturnVersion(
            return_head=head,
            number=1,
            kind="nil",
            nil_reason="no_staff",
            dataset_version=dataset,
            source="csv",
            submitter_first_name="B",
            submitter_last_name="U",
            submitted_at=window.opens_at,
            in_window=True,
            reference=f"B-{head.pk}",
        )
        for head in heads
    )
    for head, version in zip(heads, versions, strict=True):
        head.latest = head.counted = version
    Return.objects.bulk_update(heads, ["latest", "counted"])


def clean() -> None:
    """Delete everything the sweep (or the baseline) wrote: plain DELETEs, then fresh
    statistics and no dead rows, so every run starts alike."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in OUTPUTS:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"TRUNCATE {', '.join(HISTORY)}")
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(OUTPUTS + HISTORY)}")


# --- measuring ----------------------------------------------------------------------------


def sweep_once(window: Any, now: datetime.datetime) -> tuple[float, int]:
    from enforcement.sweep import sweep_window

    with lib.counted() as counter:
        started = time.perf_counter()
        # The bench writes the letters itself (sweep_letters_after_commit), so nothing is
        # queued for a worker.
        sweep_window(window_id=window.pk, now=now, dispatch_letters=False)
        elapsed = time.perf_counter() - started
    return elapsed, counter.count


def letters_once(now: datetime.datetime) -> dict[str, Any]:
    from enforcement.letters import WRITE_BATCH, pending_letters, write_pending_letters

    owed = pending_letters()
    with lib.counted() as counter:
        started = time.perf_counter()
        written = write_pending_letters(now=now)
        elapsed = time.perf_counter() - started
    assert written == owed and pending_letters() == 0
    batches = -(-written // WRITE_BATCH) + 1  # and the last look that finds nothing
    return {
        "letters": written,
        "letters_s": round(elapsed, 3),
        "letters_queries": counter.count,
        "batches": batches,
        # Every batch costs the same statements; the final empty look costs one.
        "letters_queries_per_batch": round((counter.count - 1) / (batches - 1)),
    }


def outputs() -> tuple[int, int]:
    from enforcement.models import Breach, EnforcementCase

    return Breach.objects.count(), EnforcementCase.objects.count()


def measure_queries(window: Any, now: datetime.datetime) -> dict[str, Any]:
    """The small build: statements of the sweep and of the letter writing."""
    _, queries = sweep_once(window, now)
    result = {"sweep_queries": queries, **letters_once(now)}
    print(f"small: {result}")
    return result


def measure_large(window: Any, now: datetime.datetime) -> dict[str, Any]:
    from notifications.models import OutboundMessage

    sweep_runs, baseline_runs = [], []
    queries = 0
    expected: tuple[int, int] | None = None
    for run in range(RUNS):
        clean()
        gc.collect()
        _trim()
        rss_before = _rss_mib()
        lib.reset_peak_rss()
        elapsed, queries = sweep_once(window, now)
        peak = lib.peak_rss_mib()
        sweep_runs.append(round(elapsed, 3))
        expected = outputs()
        print(f"sweep run {run + 1}: {elapsed:.2f} s, {queries} statements, peak {peak:.0f} MiB")
    assert expected is not None
    clean()
    memory = memory_in_fresh_process(window)
    memory["in_bench_process"] = {
        "peak_mib": round(peak, 1),
        "rss_before_mib": round(rss_before, 1),
        "peak_delta_mib": round(peak - rss_before, 1),
    }
    assert outputs() == expected
    from enforcement.models import Letter

    letters_owed = Letter.objects.count()
    written = letters_once(now)
    emails = OutboundMessage.objects.count()
    print(f"letters: {written}, {emails} emails queued")

    for run in range(RUNS):
        clean()
        elapsed = baseline_once(window, now)
        baseline_runs.append(round(elapsed, 3))
        assert outputs() == expected, f"baseline {outputs()} != sweep {expected}"
        print(f"baseline run {run + 1}: {elapsed:.2f} s")
    clean()
    breaches, cases = expected
    return {
        "sweep_s": sorted(sweep_runs)[RUNS // 2],
        "sweep_runs": sweep_runs,
        "sweep_queries": queries,
        "baseline_s": sorted(baseline_runs)[RUNS // 2],
        "baseline_runs": baseline_runs,
        "breaches": breaches,
        "cases": cases,
        "emails": emails,
        **memory,
        **written,
        "letters": letters_owed,
    }


def memory_in_fresh_process(window: Any) -> dict[str, Any]:
    """Run one sweep in a new process on this database: its absolute peak is the sweep's (plus
    Django's), not the bench's, whose heap still holds what building the data left."""
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict["NAME"])}
    out = subprocess.run(  # noqa: S603 (this script, with this interpreter)
        [sys.executable, __file__, "--sweep-child", str(window.pk)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"sweep in a fresh process: {result}")
    return result


def _database_url(name: str) -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


def sweep_child(window_id: int) -> None:
    """The child of ``memory_in_fresh_process``: Django loaded, one sweep, its peak memory."""
    from enforcement.sweep import sweep_window
    from returns.models import CollectionWindow

    window = CollectionWindow.objects.get(pk=window_id)
    now = window.closes_at + datetime.timedelta(minutes=10)
    connection.ensure_connection()
    gc.collect()
    _trim()
    before = _rss_mib()
    lib.reset_peak_rss()
    sweep_window(window_id=window.pk, now=now, dispatch_letters=False)
    peak = lib.peak_rss_mib()
    print(
        json.dumps(
            {
                "peak_mib": round(peak, 1),
                "rss_before_mib": round(before, 1),
                "peak_delta_mib": round(peak - before, 1),
            }
        )
    )


def baseline_once(window: Any, now: datetime.datetime) -> float:
    params = {
        "window": window.pk,
        "now": now,
        "day": window.opens_local.date(),
        "yymm": f"{window.period:%y%m}",
        "period": window.period_key,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BASELINE, params)
    return time.perf_counter() - started


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _trim() -> None:
    """Hand freed heap back to the OS, so the sweep's growth shows in VmHWM."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sweep-child"]:
        sweep_child(int(sys.argv[2]))
    else:
        main()
