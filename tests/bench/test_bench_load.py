"""The load run's pieces that need no server: locust's CSV read back, the run's database name,
and the scenario length that keeps the run within its budget."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench import bench_load

HEADER = [
    "Type", "Name", "Request Count", "Failure Count", "Median Response Time",
    "Average Response Time", "Min Response Time", "Max Response Time", "Average Content Size",
    "Requests/s", "Failures/s", "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%",
    "99.9%", "99.99%", "100%",
]  # fmt: skip


def _row(kind: str, name: str, count: int, failures: int, rps: float, p50: str, p95: str):
    return [kind, name, count, failures, p50, 1, 1, 1, 0, rps, 0, p50, 0, 0, 0, 0, p95] + [0] * 5


def _write(
    tmp_path: Path,
    rows: list[list[object]],
    failures: list[list[object]],
    exceptions: list[list[object]] | None = None,
) -> Path:
    prefix = tmp_path / "save"
    with open(f"{prefix}_exceptions.csv", "w", newline="") as f:
        csv.writer(f).writerows([["Count", "Message", "Traceback", "Nodes"], *(exceptions or [])])
    with open(f"{prefix}_stats.csv", "w", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    with open(f"{prefix}_failures.csv", "w", newline="") as f:
        csv.writer(f).writerows([["Method", "Name", "Error", "Occurrences"], *failures])
    return prefix


def test_an_outcome_is_its_rows_figures_with_every_failure_of_the_run(tmp_path: Path) -> None:
    prefix = _write(
        tmp_path,
        [
            _row("SAVE", "save (form + check)", 600, 0, 20.0, "1500", "4300"),
            _row("POST", "save: form POST", 603, 3, 20.1, "700", "2000"),
            _row("", "Aggregated", 1203, 3, 40.1, "1000", "4000"),
        ],
        [["POST", "save: form POST", "save: form POST: 200 to ''", 3]],
    )
    run = bench_load.LocustRun(
        rows=bench_load.read_rows(prefix),
        failure_messages=bench_load.read_failures(prefix),
        errors=0,
        seconds=32.0,
        locust_cpu_s=3.2,
        server_cpu_s=32.0,
    )

    outcome = run.outcome("save (form + check)")

    assert (outcome.per_second, outcome.count) == (20.0, 600)
    assert (outcome.p50_ms, outcome.p95_ms) == (1500.0, 4300.0)
    assert outcome.failures == 3  # the run's, not only the figure's row
    details = outcome.details()
    assert details["failure_messages"] == ["save: form POST: save: form POST: 200 to '' x3"]
    assert details["locust_cpu_cores"] == 0.1
    assert details["gunicorn_cpu_cores"] == 1.0
    assert details["gunicorn_cpu_ms_each"] == 50.0


def test_a_scenario_with_no_requests_reads_as_zero(tmp_path: Path) -> None:
    prefix = _write(tmp_path, [_row("", "Aggregated", 0, 0, 0.0, "N/A", "N/A")], [])
    run = bench_load.LocustRun(bench_load.read_rows(prefix), [], 0, 30.0, 1.0, 1.0)

    outcome = run.outcome("dashboard")

    assert (outcome.per_second, outcome.count, outcome.failures) == (0.0, 0, 0)
    assert outcome.details()["gunicorn_cpu_ms_each"] is None


def test_an_error_in_the_locustfile_counts_as_a_failure(tmp_path: Path) -> None:
    prefix = _write(
        tmp_path,
        [_row("", "Aggregated", 10, 0, 1.0, "5", "9")],
        [],
        [[2, "RuntimeError('no form')", "Traceback...", "local"]],
    )
    errors, messages = bench_load.read_exceptions(prefix)
    run = bench_load.LocustRun(bench_load.read_rows(prefix), messages, errors, 30.0, 1.0, 1.0)

    outcome = run.outcome("Aggregated")

    assert outcome.failures == 2
    assert outcome.failure_messages == ["RuntimeError('no form') x2"]


def test_the_run_uses_its_own_database_beside_the_one_configured() -> None:
    url, name = bench_load.load_database_url("postgres://postgres@127.0.0.1:5432/ct_lead")

    assert name == "ct_lead_load"
    assert url == "postgres://postgres@127.0.0.1:5432/ct_lead_load"


@pytest.mark.parametrize(
    ("set_up_seconds", "expected"),
    [(10, 30), (60, 25), (200, 15)],
)
def test_scenarios_shrink_so_the_run_fits_its_budget(set_up_seconds: int, expected: int) -> None:
    # 240 s budget: 20 teardown, 8 warm-up, 5 locust runs x 10 s overhead, then 4 scenarios.
    assert bench_load.scenario_seconds(set_up_seconds) == expected
