"""What every benchmark shares: a throwaway database, counted statements, and one result shape.

Each benchmark records its paths with ``record``; ``bench/run`` reads ``bench/results.json`` and
prints the table. One entry per path:

    {"figure": 4.1, "unit": "s", "baseline": 1.6, "baseline_what": "...", "ratio": 2.6,
     "target": "ratio <= 3", "pass": true,
     "queries": {"small": {"size": 3000, "count": 41}, "large": {"size": 30000, "count": 41}},
     "measured_on": "2026-12-07", "how": "...", "details": {...}}

The ratio is figure / baseline, both measured in the same run on the same machine, so a slower
or busier machine moves both. ``pass`` is worked out here from the target, never typed in.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results.json"))


TEMPLATE_ENV = "BENCH_TEMPLATE_DB"


def _admin_sql(*statements: str) -> None:
    """Run statements outside any transaction on the server's maintenance database."""
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def build_template() -> str:
    """Migrate one database that every benchmark then copies (CREATE DATABASE ... TEMPLATE
    takes a second; migrating afresh takes half a minute per benchmark)."""
    from django.core.management import call_command
    from django.db import connection

    name = f"{connection.settings_dict['NAME']}_template"
    connection.close()
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, interactive=False)
    connection.close()
    return name


@contextlib.contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh test_<name> database for the run, dropped afterwards whatever happens: a copy
    of the migrated template when bench/run built one, else migrated here."""
    from django.conf import settings
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    template = os.environ.get(TEMPLATE_ENV)
    if not template:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return
    name = f"test_{old_name}"
    connection.close()
    _admin_sql(
        f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{template}"'
    )
    connection.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = old_name
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class StatementCounter:
    """Counts SQL statements through a connection wrapper: unlike the query log, it does not
    stop at 9,000 and does not keep every statement's text in memory."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


@contextlib.contextmanager
def counted() -> Iterator[StatementCounter]:
    from django.db import connection

    counter = StatementCounter()
    with connection.execute_wrapper(counter):
        yield counter


def timed(fn: Callable[[], Any], runs: int = 3) -> tuple[float, list[float], Any]:
    """Median wall-clock seconds of ``runs`` calls, every run's seconds, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> None:
    """Start VmHWM again from the current size (Linux: write 5 to clear_refs)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _passes(target: dict[str, Any], figure: float, ratio: float | None) -> bool:
    checks = []
    if "max_ratio" in target:
        checks.append(ratio is not None and ratio <= target["max_ratio"])
    if "min_ratio" in target:
        checks.append(ratio is not None and ratio >= target["min_ratio"])
    if "max" in target:
        checks.append(figure <= target["max"])
    if "min" in target:
        checks.append(figure >= target["min"])
    return all(checks) if checks else True


def describe(target: dict[str, Any], unit: str) -> str:
    parts = []
    if "max_ratio" in target:
        parts.append(f"ratio ≤ {target['max_ratio']}")
    if "min_ratio" in target:
        parts.append(f"ratio ≥ {target['min_ratio']}")
    if "max" in target:
        parts.append(f"≤ {target['max']} {unit}")
    if "min" in target:
        parts.append(f"≥ {target['min']} {unit}")
    if "max_queries" in target:
        parts.append(f"≤ {target['max_queries']} queries")
    if target.get("flat_queries"):
        parts.append("queries flat in size")
    return ", ".join(parts) or "recorded, no target"


def record(
    name: str,
    *,
    figure: float,
    unit: str,
    how: str,
    baseline: float | None = None,
    baseline_what: str = "",
    target: dict[str, Any] | None = None,
    queries: dict[str, dict[str, int]] | None = None,
    details: dict[str, Any] | None = None,
    profile_with: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Merge one path's result into results.json (locked: benchmarks may run side by side).

    ``profile_with``: work that stands for the path; when the target is missed it is run once
    under pyinstrument and the profile's file is named in the entry's details."""
    target = target or {}
    ratio = round(figure / baseline, 2) if baseline else None
    if queries and "max_queries" in target:
        flat_ok = all(q["count"] <= target["max_queries"] for q in queries.values())
    else:
        flat_ok = True
    if queries and target.get("flat_queries"):
        counts = [q["count"] for q in queries.values()]
        flat_ok = flat_ok and max(counts) - min(counts) <= target.get("query_slack", 0)
    entry = {
        "figure": round(figure, 4),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 4),
        "baseline_what": baseline_what,
        "ratio": ratio,
        "target": describe(target, unit),
        "pass": _passes(target, figure, ratio) and flat_ok,
        "queries": queries or {},
        "how": how,
        "details": details or {},
        "measured_on": datetime.date.today().isoformat(),  # noqa: DTZ011 (a label, not a rule)
    }
    if not entry["pass"] and profile_with is not None:
        entry["details"]["profile"] = profile(name, profile_with)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results.setdefault("paths", {})[name] = entry
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    status = "PASS" if entry["pass"] else "FAIL"
    base = f" (baseline {entry['baseline']} {unit}, ratio {ratio})" if baseline else ""
    print(f"[{status}] {name}: {entry['figure']} {unit}{base}; target {entry['target']}")
    return entry


PROFILES = Path(__file__).resolve().parent / "profiles"


def profile(name: str, fn: Callable[[], Any]) -> str:
    """Run ``fn`` once under pyinstrument and keep the text profile in bench/profiles/<name>.txt:
    what a missed target attaches to say where the time goes."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        fn()
    finally:
        profiler.stop()
    PROFILES.mkdir(exist_ok=True)
    path = PROFILES / f"{name}.txt"
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    return str(path.relative_to(PROFILES.parent.parent))


if __name__ == "__main__":  # bench/run: python bench/lib.py template
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")
    import django

    django.setup()
    if sys.argv[1:] == ["template"]:
        print(build_template())
