"""The README's first command must work with no PostgreSQL and no Redis: the demo's set-up
steps (scripts/demo) run here, in a child process, on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_demo_sets_up_on_sqlite_with_no_servers(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY")
    }
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    for step in (
        ("migrate", "--noinput", "-v", "0"),
        ("seed_demo",),
        ("run_scheduled", "--only", "ensure_windows", "breach_sweep"),
    ):
        done = _manage(*step, env=env)
        assert done.returncode == 0, f"{step}: {done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        if step[0] == "seed_demo":
            assert "Demo data ready" in done.stdout
            assert "API key for the supplier" in done.stdout
