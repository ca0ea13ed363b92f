"""Real processes for the fault tests: a private Redis, a private PostgreSQL cluster, gunicorn,
a Celery worker and beat, each started by the test on ports of its own and stopped after it.

The shared PostgreSQL (5432) and Redis (6379) are never touched: a test that needs to stop or
restart one of them starts its own. Every process runs in its own session (process group), so
stopping it takes its children too, and every log goes to a file the test can show on failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(every)
    raise TimeoutError(f"{what} within {timeout} s")


class Process:
    """One command in its own process group, logging to a file."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole group at once: no clean-up runs anywhere in it."""
        self.signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait()

    def stop(self, timeout: float = 15) -> None:
        if not self.running:
            return
        assert self.popen is not None
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


# --- Redis ---------------------------------------------------------------------------------------


class RedisServer:
    """A private redis-server that a test may stop and start again on the same port."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.work = work
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [
            shutil.which("redis-server") or "redis-server",
            *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(self.work)),
        ]
        self.process = Process("redis", argv, env=dict(os.environ), log=self.work / "redis.log")
        self.process.start()
        wait_for(self.ping, timeout=15, what="redis-server did not answer")

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        """Gone at once, as a crashed or unreachable Redis would be (nothing saved)."""
        if self.process is not None:
            self.process.kill()


@contextlib.contextmanager
def private_redis(work: Path) -> Iterator[RedisServer]:
    server = RedisServer(work)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- PostgreSQL ----------------------------------------------------------------------------------


def _as_postgres(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class PostgresCluster:
    """A private PostgreSQL cluster (initdb into a temporary directory) on a free port, with
    trust authentication for user postgres, that a test may stop, kill and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="ct-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        initdb = shutil.which("initdb") or "initdb"
        subprocess.run(
            _as_postgres(
                [initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl = shutil.which("pg_ctl") or "pg_ctl"
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, *args]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._pg_ctl("-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (as a restart does); ``immediate`` is a crash."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("-w", "-m", mode, "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


# --- The application's processes ---------------------------------------------------------------


def app_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """Production-shaped settings for a subprocess, pointing at the given services."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="*",
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("SECRET_KEY", "test-only-" + "f" * 60)
    env.setdefault("EMAIL_URL", "consolemail://")
    env.update(extra)
    return env


def gunicorn(
    env: dict[str, str], log: Path, *, workers: int = 2, threads: int = 4, port: int | None = None
) -> tuple[Process, int]:
    """gunicorn as in production (gthread), started and answering /healthz."""
    port = port or free_port()
    argv = [
        str(BIN / "gunicorn"),
        "capacity_tracker.wsgi",
        *("--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads)),
        *("--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60"),
    ]
    server = Process("gunicorn", argv, env=env, log=log).start()

    def healthy() -> bool:
        if not server.running:
            raise RuntimeError(f"gunicorn exited:\n{server.log_text()[-3000:]}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200

    try:
        wait_for(healthy, timeout=60, what="gunicorn did not answer /healthz")
    except Exception:
        server.stop()
        raise
    return server, port


def celery_worker(
    env: dict[str, str], log: Path, *, concurrency: int = 1, queues: str | None = None
) -> Process:
    argv = [
        str(BIN / "celery"),
        *("-A", "capacity_tracker", "worker", "--loglevel", "INFO"),
        *("--concurrency", str(concurrency), "--pool", "prefork", "--without-gossip"),
        *("--without-mingle", "--without-heartbeat"),
    ]
    if queues:
        argv += ["--queues", queues]
    return Process("celery-worker", argv, env=env, log=log).start()


def celery_beat(env: dict[str, str], log: Path, schedule_file: Path) -> Process:
    argv = [
        str(BIN / "celery"),
        *("-A", "capacity_tracker", "beat", "--loglevel", "INFO"),
        *("--schedule", str(schedule_file)),
    ]
    return Process("celery-beat", argv, env=env, log=log).start()


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``manage.py`` in a subprocess with the given settings (its own connections)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
