"""A Celery worker killed (SIGKILL, its whole process group) in the middle of sending email.

A real worker on a private Redis sends the outbox through Django's SMTP backend to an SMTP
server run by this test, which records every message handed to it (its ``X-Reference``, the
outbox row) outside the worker. The server holds its answer to one message mid-batch, so the
kill lands while that message is in the gateway's hands and the rest of the worker's claim is
waiting. Then a new worker starts and sending runs again.

Nothing may go twice; the one message in flight is failed "may or may not have gone" (after
STUCK_AFTER, which the test steps over from its own process); everything else, including the
rows the killed worker had claimed but never attempted, is sent.
"""

from __future__ import annotations

import contextlib
import datetime
import email
import shutil
import socketserver
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.outbox import STUCK_AFTER, STUCK_MESSAGE, outbox_release_stuck
from tests.factories import LocationFactory
from tests.faults.processes import (
    Process,
    app_env,
    celery_worker,
    private_redis,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EMAILS = 150
HOLD_AT = 30  # the message whose answer the server holds: the kill lands on it


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP for Django's backend; records each message's outbox reference."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, hold_at: int | None) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.hold_at = hold_at
        self.references: list[str] = []
        self.lock = threading.Lock()
        self.holding = threading.Event()  # the held message has arrived
        self.release = threading.Event()  # set in teardown: the held connection may end

    @property
    def port(self) -> int:
        return self.server_address[1]

    def record(self, reference: str) -> bool:
        """Record a message; True if this is the one to hold."""
        with self.lock:
            self.references.append(reference)
            return self.hold_at is not None and len(self.references) == self.hold_at


class SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        with contextlib.suppress(OSError):
            self.reply("220 sink ESMTP")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"QUIT":
                    self.reply("221 bye")
                    return
                if verb == b"DATA":
                    self.reply("354 go ahead")
                    data = b"".join(iter(self.rfile.readline, b".\r\n"))
                    message = email.message_from_bytes(data)
                    if self.server.record(str(message["X-Reference"])):
                        self.server.holding.set()
                        self.server.release.wait(timeout=60)  # the worker is killed meanwhile
                        return
                    self.reply("250 queued")
                else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                    self.reply("250 sink")


@contextlib.contextmanager
def smtp_sink(hold_at: int | None) -> Iterator[SmtpSink]:
    sink = SmtpSink(hold_at)
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.release.set()
        sink.shutdown()
        sink.server_close()


def database_url() -> str:
    """This test's database (the test run's copy), shared with the worker."""
    return f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}"


def queue_emails(count: int) -> list[int]:
    location = LocationFactory()
    rows = OutboundMessage.objects.bulk_create(
        OutboundMessage(
            kind="onboarding_chaser",
            scope="onboarding",
            location=location,
            recipient=f"manager{n}@example.org",
            template="onboarding_chaser",
            personalisation={"name": f"Manager {n}", "location_name": location.name},
        )
        for n in range(count)
    )
    return [row.pk for row in rows]


def by_status() -> Counter[str]:
    return Counter(OutboundMessage.objects.values_list("status", flat=True))


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice():
    ids = queue_emails(EMAILS)
    work = Path(tempfile.mkdtemp(prefix="ct-worker-killed-"))
    workers: list[Process] = []
    with private_redis(work) as redis, smtp_sink(hold_at=HOLD_AT) as sink:
        env = app_env(
            database_url=database_url(),
            redis_url=redis.url,
            EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
            # A killed run's untouched claims are requeued after one second, not two minutes.
            EMAIL_CLAIM_REQUEUE_SECONDS="1",
        )
        beat = Celery()  # stands in for beat: publishes the job's tick

        def tick() -> None:
            # An explicit connection: Celery reads the broker from CELERY_BROKER_URL in this
            # process's environment (the suite's Redis) before any URL given to the app.
            with beat.connection_for_write(redis.url) as broker:
                beat.send_task(
                    "capacity_tracker.tasks.run_job", args=["send_emails"], connection=broker
                )

        def logs() -> str:
            return "\n".join(worker.log_text()[-3000:] for worker in workers)

        try:
            workers.append(celery_worker(env, work / "worker-1.log"))
            tick()
            try:
                wait_for(sink.holding.is_set, timeout=45, what="the held message did not arrive")
            except TimeoutError:
                pytest.fail(f"no email reached the gateway:\n{logs()}")
            workers[0].kill()  # SIGKILL to the group: no finally, no clean-up

            in_flight = sink.references[-1]
            assert len(sink.references) == HOLD_AT
            stranded = OutboundMessage.objects.filter(status="sending", attempted_at__isnull=True)
            assert stranded.exists(), "the kill should leave part of a claim never attempted"
            stranded_ids = set(stranded.values_list("id", flat=True))
            attempted = OutboundMessage.objects.filter(status="sending", attempted_at__isnull=False)
            assert [f"outbox-{pk}" for pk in attempted.values_list("id", flat=True)] == [in_flight]

            time.sleep(1.1)  # the stranded claim is now older than EMAIL_CLAIM_REQUEUE_SECONDS
            workers.append(celery_worker(env, work / "worker-2.log"))
            tick()
            try:
                wait_for(
                    lambda: by_status()["sent"] == EMAILS - 1,
                    timeout=45,
                    what="the restarted worker did not send the rest",
                )
            except TimeoutError:
                pytest.fail(f"statuses {by_status()}:\n{logs()}")
        finally:
            for worker in workers:
                worker.stop()
            shutil.rmtree(work, ignore_errors=True)

    handed = Counter(sink.references)
    assert [ref for ref, times in handed.items() if times > 1] == []  # nothing went twice
    assert set(handed) == {f"outbox-{pk}" for pk in ids}  # and everything went
    assert {f"outbox-{pk}" for pk in stranded_ids} <= set(sink.references[HOLD_AT:])
    assert set(
        OutboundMessage.objects.filter(id__in=stranded_ids).values_list("status", flat=True)
    ) == {"sent"}
    # The message in flight at the kill is still "sending": it may have gone. Once it is older
    # than STUCK_AFTER it is failed for a person to check, never sent again.
    held_pk = int(in_flight.removeprefix("outbox-"))
    assert OutboundMessage.objects.get(pk=held_pk).status == "sending"
    later = timezone.now() + STUCK_AFTER + datetime.timedelta(minutes=1)
    assert outbox_release_stuck(now=later) == 1
    held = OutboundMessage.objects.get(pk=held_pk)
    assert held.status == "failed" and held.last_error == STUCK_MESSAGE
    assert by_status() == {"sent": EMAILS - 1, "failed": 1}
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {1}
