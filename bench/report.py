"""Print bench/results.json as one table and set bench/run's exit status.

Also stamps the run itself into the file (when, how long, on what machine) so every figure in
it can be read against the conditions it was measured in.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results.json"))


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _queries(entry: dict) -> str:
    sizes = entry.get("queries") or {}
    return ", ".join(f"{q['count']} @ {q['size']:,}" for q in sizes.values()) or "-"


def table(paths: dict[str, dict]) -> str:
    rows = [("path", "figure", "baseline", "ratio", "target", "queries (count @ size)", "result")]
    for name, entry in paths.items():
        rows.append(
            (
                name,
                f"{_fmt(entry['figure'])} {entry['unit']}",
                "-" if entry["baseline"] is None else f"{_fmt(entry['baseline'])} {entry['unit']}",
                _fmt(entry["ratio"]),
                entry["target"],
                _queries(entry),
                "pass" if entry["pass"] else "FAIL",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total-seconds", type=int, default=0)
    parser.add_argument("--crashed", default="")
    args = parser.parse_args()
    crashed = args.crashed.split()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    paths = results.get("paths", {})
    results["run"] = {
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds": args.total_seconds,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "crashed": crashed,
    }
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print(table(paths))
    failed = [name for name, entry in paths.items() if not entry["pass"]]
    if crashed:
        print(f"\ncrashed: {', '.join(crashed)} (see bench/logs/)")
    if failed:
        print(f"\ntargets missed: {', '.join(failed)} (profiles, where taken, in bench/profiles/)")
    print(f"\n{len(paths)} paths, {len(paths) - len(failed)} pass; written to {RESULTS}")
    if crashed:
        return 1
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
