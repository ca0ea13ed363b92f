"""The location-level CSV export for 24 windows beside PostgreSQL's own COPY of the same query.

Run like bench_dissemination.py (production-shaped env vars, PostgreSQL), e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench_export DEBUG=false SECRET_KEY=... \
    ALLOWED_HOSTS=x REDIS_URL=redis://127.0.0.1:6379/15 EMAIL_URL=consolemail:// \
    .venv/bin/python bench/bench_dissemination_export.py
It builds the same throwaway database as bench_dissemination.py (its ``build``: 30,000
locations, 24 windows, 972,000 returns) in test_<name>, then, per care type, 3 times each,
interleaved:

- ``copy``: ``COPY (<aggregate_query(level=location, the 24 windows, care_type)>) TO STDOUT
  WITH CSV HEADER`` through psycopg's ``cursor.copy()``, drained counting bytes;
- ``export``: what the export page sends for that choice today (``dissemination.downloads``:
  ``aggregate_export`` then ``send`` as CSV, register record included), the streamed response
  drained counting bytes as a WSGI server would;
- ``fast``: the same download through ``dissemination.export_rows`` (register record, counted
  rows, streamed response), as ``send`` does once it uses those rows.

Each measurement runs in a fresh child process (this script with ``--measure PATH CARE_TYPE``).
Peak memory is the child's VmHWM from /proc/self/status at the end (the whole process:
interpreter, Django and the export), beside the same figure just before the measurement
starts. Not ``ru_maxrss``: Linux carries it over from the parent through fork and exec, so
every child would report at least the parent's size after the build. Times are wall clock
from the first query to the last byte. Every run's bytes are hashed (SHA-256, ~0.06 s), and the
export's and fast path's must equal one run of ``reference`` (the row-by-row path:
``iter_aggregate`` -> ``as_dict`` -> ``capacity_tracker.lib.exports.csv_chunks``). Medians
are printed and merged into bench/results.json under "dissemination_export".

BENCH_KEEP_DB=1 keeps test_<name> afterwards and reuses it if it is already built.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_dissemination, for its build
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

BENCH = Path(__file__).resolve().parent

RUNS = 3
CARE_TYPES = ("care_home", "home_care")
PATHS = ("copy", "export", "fast")
RESULTS = BENCH / "results.json"
KEY = "dissemination_export"
FIRST_PERIOD = datetime.date(2024, 12, 1)  # bench_dissemination.build's first window
ANALYST = "bench-analyst@example.invalid"
PURPOSE = "Benchmark of the location-level export"


# --- The child: one measurement in its own process ------------------------------------------


def windows() -> list:
    from bench_dissemination import WINDOWS

    from returns.models import CollectionWindow

    found = CollectionWindow.objects.filter(period__gte=FIRST_PERIOD).order_by("period")
    return list(found[:WINDOWS])


def copy_chunks(care_type: str):  # type: ignore[no-untyped-def]
    """PostgreSQL writes the CSV itself: the baseline."""
    from dissemination.selectors import Level, aggregate_query

    sql, params = aggregate_query(windows=windows(), level=Level.LOCATION, care_type=care_type)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor (Django's binds parameters client side)
        with raw.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER", params) as copy:
            yield from copy


def analyst_audience():  # type: ignore[no-untyped-def]
    from dissemination.audience import Audience
    from providers.models import Role, User

    analyst, _ = User.objects.get_or_create(
        email=ANALYST, defaults={"role": Role.ANALYST, "first_name": "Bench", "last_name": "A"}
    )
    return analyst, Audience.of(analyst)


def drain(response):  # type: ignore[no-untyped-def]
    """As the WSGI server does: iterate the response, then close it."""
    try:
        yield from response
    finally:
        response.close()


def export_chunks(care_type: str):  # type: ignore[no-untyped-def]
    """What the export page does for a location-level CSV of every window (views.exports)."""
    from capacity_tracker.lib import clock
    from dissemination import downloads
    from dissemination.selectors import Level

    analyst, audience = analyst_audience()
    export = downloads.aggregate_export(
        audience=audience,
        windows=windows(),
        level=Level.LOCATION,
        care_type=care_type,
        publish=False,
    )
    response = downloads.send(export, actor=analyst, purpose=PURPOSE, fmt="csv", now=clock.now())
    yield from drain(response)


def fast_chunks(care_type: str):  # type: ignore[no-untyped-def]
    """The same download through ``dissemination.export_rows`` (what ``downloads.send`` does
    for an aggregate CSV once it uses the fast rows): registered, counted, streamed."""
    from capacity_tracker.lib import clock
    from dissemination import downloads, export_rows
    from dissemination.selectors import Level
    from dissemination.services import counted_rows, disclosure_record

    analyst, audience = analyst_audience()
    selected = windows()
    export = downloads.aggregate_export(
        audience=audience,
        windows=selected,
        level=Level.LOCATION,
        care_type=care_type,
        publish=False,
    )
    record = disclosure_record(
        actor=analyst,
        kind=export.kind,
        parameters=export.parameters,
        purpose=PURPOSE,
        fmt="csv",
        now=clock.now(),
    )
    rows = export_rows.aggregate_csv_rows(
        windows=selected, level=Level.LOCATION, care_type=care_type, scope=audience.scope()
    )
    counted = counted_rows(rows, record_id=record.pk)
    yield from drain(export_rows.csv_response(f"{export.name}.csv", export.header, counted))


def reference_chunks(care_type: str):  # type: ignore[no-untyped-def]
    """The row-by-row path: every row an ``AggregateRow``, then ``as_dict()``, then csv_chunks."""
    from capacity_tracker.lib.exports import csv_chunks
    from dissemination.selectors import Level, aggregate_columns, iter_aggregate

    header = [column.name for column in aggregate_columns(care_type)]
    rows = iter_aggregate(windows=windows(), level=Level.LOCATION, care_type=care_type)
    yield from csv_chunks(header, (row.as_dict().values() for row in rows))


CHUNKS = {
    "copy": copy_chunks,
    "export": export_chunks,
    "fast": fast_chunks,
    "reference": reference_chunks,
}


def memory_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process, in KiB, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def measure(path: str, care_type: str) -> dict[str, object]:
    chunks = CHUNKS[path]
    # Import what every path uses before the clock and the memory figure start.
    import dissemination.downloads
    import dissemination.export_rows  # noqa: F401

    connection.ensure_connection()
    windows()  # warm the ORM the same way for every path
    before_kb = memory_kb("VmHWM")
    sha = hashlib.sha256()  # ~0.06 s for 110 MB: kept in every run, so every run is checked
    size = lines = 0
    started = time.perf_counter()
    for chunk in chunks(care_type):
        size += len(chunk)
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else bytes(chunk).count(b"\n")
        sha.update(chunk)
    seconds = time.perf_counter() - started
    return {
        "path": path,
        "care_type": care_type,
        "seconds": seconds,
        "bytes": size,
        "lines": lines,
        "rss_before_kb": before_kb,
        "peak_rss_kb": memory_kb("VmHWM"),
        "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "sha256": sha.hexdigest(),
    }


# --- The parent: build once, then a child per measurement -----------------------------------


def child_env() -> dict[str, str]:
    """The environment with DATABASE_URL pointing at the test database just created."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = connection.settings_dict["NAME"]
    return {**os.environ, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}


def child(path: str, care_type: str) -> dict[str, object]:
    command = [sys.executable, __file__, "--measure", path, care_type]
    done = subprocess.run(  # noqa: S603 - this script, fixed arguments
        command, env=child_env(), capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(command[2:])} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  {path:<9} {care_type:<9} {result['seconds']:7.1f} s  {result['bytes'] / 1e6:6.0f} MB "
        f"{result['lines']:>8} lines  peak RSS {result['peak_rss_kb'] / 1024:5.0f} MiB "
        f"(before {result['rss_before_kb'] / 1024:3.0f} MiB)",
        flush=True,
    )
    return result


def main() -> None:
    keep = os.environ.get("BENCH_KEEP_DB") == "1"
    old_name = connection.settings_dict["NAME"]
    # serialize=False: Django would otherwise dump a kept, built database to a string (1.7 GB).
    connection.creation.create_test_db(
        verbosity=0, autoclobber=not keep, keepdb=keep, serialize=False
    )
    try:
        run()
    finally:
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from bench_dissemination import LOCATIONS, build

    from returns.models import Return

    started = time.perf_counter()
    if not Return.objects.exists():
        build()
    heads = Return.objects.count()
    connection.close()  # the children connect on their own
    print(
        f"{LOCATIONS} locations, {heads} return heads, ready in "
        f"{time.perf_counter() - started:.0f} s"
    )
    figures: dict[str, object] = {
        "date": datetime.datetime.now(tz=datetime.UTC).date().isoformat(),
        "locations": LOCATIONS,
        "return_heads": heads,
        "windows": len(windows()),
        "runs_per_figure": RUNS,
        "peak_memory": "VmHWM of a fresh child process per measurement (whole process, MiB)",
    }
    connection.close()
    for care_type in CARE_TYPES:
        runs: dict[str, list[dict[str, object]]] = {path: [] for path in PATHS}
        for _ in range(RUNS):
            for path in PATHS:  # interleaved, so drift on the shared machine hits each alike
                runs[path].append(child(path, care_type))
        reference = child("reference", care_type)
        for path in ("export", "fast"):
            if {r["sha256"] for r in runs[path]} != {reference["sha256"]}:
                raise SystemExit(f"{path}: the CSV differs from the row-by-row path's.")
        median = {p: statistics.median(float(r["seconds"]) for r in rs) for p, rs in runs.items()}
        peak = {p: max(int(r["peak_rss_kb"]) for r in rs) / 1024 for p, rs in runs.items()}
        before = {p: min(int(r["rss_before_kb"]) for r in rs) / 1024 for p, rs in runs.items()}
        rows = int(runs["copy"][0]["lines"]) - 1
        print(
            f"{care_type}: {rows} rows; medians: COPY {median['copy']:.1f} s, export "
            f"{median['export']:.1f} s ({median['export'] / median['copy']:.2f}x), fast "
            f"{median['fast']:.1f} s ({median['fast'] / median['copy']:.2f}x); peak memory "
            f"COPY {peak['copy']:.0f}, export {peak['export']:.0f}, fast {peak['fast']:.0f} MiB; "
            "export and fast bytes identical to the row-by-row path"
        )
        figures[f"{care_type}_rows"] = rows
        figures[f"{care_type}_copy_bytes"] = runs["copy"][0]["bytes"]
        figures[f"{care_type}_export_bytes"] = reference["bytes"]
        for path in PATHS:
            figures[f"{care_type}_{path}_ms"] = round(median[path] * 1000)
            figures[f"{care_type}_{path}_runs_ms"] = [
                round(float(r["seconds"]) * 1000) for r in runs[path]
            ]
            figures[f"{care_type}_{path}_peak_mib"] = round(peak[path])
            figures[f"{care_type}_{path}_before_mib"] = round(before[path])
            if path != "copy":
                figures[f"{care_type}_{path}_over_copy"] = round(median[path] / median["copy"], 2)
        figures[f"{care_type}_identical_bytes"] = True
    record(figures)


def record(figures: dict[str, object]) -> None:
    """Merge into bench/results.json, one key per bench, so benches do not overwrite each other."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[KEY] = figures
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
    else:
        main()
