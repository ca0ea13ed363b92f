"""Sending the outbox: the cost per email beside the gateway alone, and the shared rate limit
holding across several worker processes with no email sent twice.

Run through bench/run. The email provider is the outside boundary: Django's in-memory mail
backend stands in for it (GOV.UK Notify in production), so what is timed is our side: claim,
render, hand over, record.

1. Throughput, one process, no limit in the way: ``outbox_send_due`` for N window-open emails,
   at two sizes, beside the rate the service is allowed to send at (target: one worker sends at
   least twice as fast, so sending is always bound by the provider's limit); the cost of
   rendering and handing the same emails to the gateway with no outbox is kept beside it.
2. The shared limit: three worker processes run ``outbox_send_due`` at once against one
   Redis limit of LIMIT emails per WINDOW seconds (a scaled-down minute). Every hand-over is
   logged with its time and reference; the figure is the most hand-overs in any WINDOW-long
   span, across all processes, measured at the gateway, so it includes the moments between a
   slot and the hand-over (target: within the provider's limit, which the configured limit
   sits 20% under, as in production), and the count of references handed over twice (target:
   none).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

import lib  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

SIZES = (500, 2000)
WORKERS = 3
LIMIT = 100
WINDOW = 4.0
# GOV.UK Notify allows 3,000 a minute; the service is set to 2,400 (EMAIL_MAX_PER_MINUTE) so
# that the moments between taking a slot and reaching the provider (a query, the network)
# can never add up to more than the provider allows. Scaled like LIMIT.
PROVIDER_LIMIT = LIMIT * 3000 // 2400
SHARED_EMAILS = 260
LIMIT_KEY = "bench:send-limit"


def use_memory_backend() -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def build(emails: int) -> None:
    from bench_emails import OPENS
    from bench_emails import build as build_locations

    from returns.emails import queue_window_open

    # Half the locations have a second contact: 1.5 emails per location.
    build_locations(int(emails / 1.5) + 1)
    queue_window_open(now=OPENS)


def first_ids(limit: int) -> list[int]:
    from notifications.models import OutboundMessage

    return list(OutboundMessage.objects.order_by("id").values_list("id", flat=True)[:limit])


def hold_back_all_but(ids: list[int]) -> None:
    """Leave exactly ``ids`` due; park the rest a day ahead."""
    from notifications.models import OutboundMessage

    later = timezone.now() + datetime.timedelta(days=1)
    OutboundMessage.objects.exclude(id__in=ids).update(status="queued", next_attempt_at=later)
    OutboundMessage.objects.filter(id__in=ids).update(
        status="queued",
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=1),
        sent_at=None,
    )


def unlimited() -> Any:
    from notifications import send_limit

    return send_limit.LocalSendLimit(limit=10**7, window=60)


def send_through_outbox(count: int) -> tuple[float, int]:
    from notifications.outbox import outbox_send_due

    ids = first_ids(count)
    hold_back_all_but(ids)
    use_memory_backend()
    with lib.counted() as queries:
        started = time.perf_counter()
        report = outbox_send_due(now=timezone.now(), limit=unlimited(), max_batches=10**6)
        seconds = time.perf_counter() - started
    assert report.sent == count, report
    assert len(mail.outbox) == count
    return seconds, queries.count


def send_gateway_only(count: int) -> float:
    """The baseline: render and hand over the same emails with no outbox around them."""
    from notifications import gateway as mail_gateway
    from notifications.models import OutboundMessage
    from notifications.outbox import personalisation

    emails = list(OutboundMessage.objects.order_by("id")[:count])
    use_memory_backend()
    started = time.perf_counter()
    for email in emails:
        mail_gateway.send(
            template=email.template,
            recipient=email.recipient,
            personalisation=personalisation(email),
            reference=f"outbox-{email.pk}",
        )
    return time.perf_counter() - started


def worker(log_path: str) -> None:
    """One of the worker processes of part 2 (this script run with --worker)."""
    from notifications import gateway as mail_gateway
    from notifications import outbox, send_limit

    use_memory_backend()
    handed: list[tuple[float, str]] = []
    real_send = mail_gateway.send

    def logged_send(**kwargs: Any) -> Any:
        handed.append((time.time(), kwargs["reference"]))
        return real_send(**kwargs)

    mail_gateway.send = logged_send  # the outside boundary: record each hand-over
    limit = send_limit.RedisSendLimit(
        send_limit.redis_client(settings.REDIS_URL), LIMIT_KEY, limit=LIMIT, window=WINDOW
    )
    deadline = time.monotonic() + 3 * SHARED_EMAILS / LIMIT * WINDOW
    while time.monotonic() < deadline:
        report = outbox.outbox_send_due(now=timezone.now(), limit=limit, max_batches=10**6)
        if (
            not report.sent
            and not outbox.OutboundMessage.objects.filter(status="queued")
            .filter(next_attempt_at__lte=timezone.now())
            .exists()
        ):
            break
    Path(log_path).write_text(json.dumps(handed))


def most_in_any_window(times: list[float], window: float) -> int:
    """The most events in any half-open span of ``window`` seconds (two pointers)."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        most = max(most, end - start + 1)
    return most


def shared_limit(tmp: Path) -> dict[str, Any]:
    from notifications import send_limit

    ids = first_ids(SHARED_EMAILS)
    hold_back_all_but(ids)
    send_limit.redis_client(settings.REDIS_URL).delete(LIMIT_KEY)  # type: ignore[attr-defined]
    env = {**os.environ, "BENCH_DB_NAME": connection.settings_dict["NAME"]}
    connection.close()
    logs = [tmp / f"worker-{i}.json" for i in range(WORKERS)]
    started = time.perf_counter()
    children = [
        subprocess.Popen([sys.executable, __file__, "--worker", str(log)], env=env)  # noqa: S603
        for log in logs
    ]
    codes = [child.wait(timeout=120) for child in children]
    seconds = time.perf_counter() - started
    assert codes == [0] * WORKERS, codes
    handed = [entry for log in logs for entry in json.loads(log.read_text())]
    references = [reference for _, reference in handed]
    from notifications.models import OutboundMessage

    return {
        "seconds": seconds,
        "handed_over": len(handed),
        "twice": len(references) - len(set(references)),
        "most_in_window": most_in_any_window([at for at, _ in handed], WINDOW),
        "per_worker": [len(json.loads(log.read_text())) for log in logs],
        "sent_rows": OutboundMessage.objects.filter(id__in=ids, status="sent").count(),
    }


def main() -> None:
    import tempfile

    results: dict[int, tuple[float, int]] = {}
    with lib.throwaway_database(), tempfile.TemporaryDirectory() as tmp:
        build(max(SIZES))
        baseline = send_gateway_only(max(SIZES))
        for size in SIZES:
            results[size] = send_through_outbox(size)
        shared = shared_limit(Path(tmp))
    small, large = SIZES
    per_email = results[large][0] / large
    how = (
        "outbox_send_due in one process, window-open emails rendered from templates and handed "
        "to Django's in-memory mail backend (the provider's stand-in), PostgreSQL and Redis"
    )
    provider_rate = settings.EMAIL_MAX_PER_MINUTE / 60
    lib.record(
        "sending_throughput_one_worker",
        figure=large / results[large][0],
        unit="emails/s",
        baseline=provider_rate,
        baseline_what=(
            f"the rate the service may send at (EMAIL_MAX_PER_MINUTE {settings.EMAIL_MAX_PER_MINUTE}"
            " a minute): sending must be bound by the provider's limit, never by our side"
        ),
        how=how,
        target={"min_ratio": 2, "max_queries": 6, "flat_queries": True},
        queries={
            "small": {"size": small, "count": round(results[small][1] / small)},
            "large": {"size": large, "count": round(results[large][1] / large)},
        },
        details={
            "ms_per_email": round(per_email * 1000, 2),
            "gateway_alone_ms_per_email": round(baseline / large * 1000, 2),
            "queries_are": "statements per email (claims shared by 200, the row read, the "
            "transaction that records the outcome)",
        },
    )
    lib.record(
        "sending_shared_limit",
        figure=shared["most_in_window"],
        unit=f"emails in any {WINDOW:g} s",
        how=(
            f"{WORKERS} worker processes sending {SHARED_EMAILS} emails at once under one Redis "
            f"limit of {LIMIT} per {WINDOW:g} s (a scaled-down minute: 2,400 a minute configured, "
            f"Notify's 3,000 the provider's limit, so {PROVIDER_LIMIT} here); hand-overs logged "
            "at the gateway boundary"
        ),
        target={"max": PROVIDER_LIMIT},
        details=shared,
    )
    lib.record(
        "sending_sent_twice",
        figure=shared["twice"],
        unit="emails",
        how=f"the same run: references handed to the gateway more than once by {WORKERS} workers",
        target={"max": 0},
        details={"handed_over": shared["handed_over"], "sent_rows": shared["sent_rows"]},
    )
    assert shared["sent_rows"] == SHARED_EMAILS, shared


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        connection.settings_dict["NAME"] = os.environ["BENCH_DB_NAME"]
        worker(sys.argv[2])
    else:
        main()
