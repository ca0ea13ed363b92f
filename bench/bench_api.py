"""Supplier drafts through the API: 500 drafts (250 homes, both care types).

Run through bench/run (production-shaped env vars, PostgreSQL and Redis). Builds a throwaway
test database; posts one draft per (location, care type) through the whole stack (middleware,
key check, throttle, idempotency record, validation, draft insert, audit) with Django's test
client in this process; records the time per post and its statements as "api_draft_post".
The baseline, measured in the same run: the same
number of calls of the draft service alone (no HTTP, no key, no idempotency), so the gap is
what the API layer costs.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

import lib  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

HOMES = int(os.environ.get("BENCH_LOCATIONS", "250"))


def main() -> None:
    with (
        lib.throwaway_database(),
        override_settings(
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
            # Measure the work, not the limit: a real supplier would be held to API_WRITE_RATE.
            API_RATES={"api_read": None, "api_write": None},
        ),
    ):
        run()


def run() -> None:
    from django.test import Client
    from django.utils import timezone

    from api.models import ApiKeyKind, Supplier
    from api.services import grant_set, key_create
    from providers.models import LocalAuthority, Location, Provider, Role, User
    from returns.deadlines import LONDON
    from returns.drafts import draft_receive
    from returns.models import CollectionWindow, ReturnDraft
    from returns.services import windows_ensure_ahead
    from tests.portal_data import ASKED_FROM_2027, GOOD_CARE_HOME, GOOD_HOME_CARE

    now = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    council = LocalAuthority.objects.first()
    provider = Provider.objects.create(cqc_id="1-199999999", name="Big Group", postcode="LS1 4AP")
    Location.objects.bulk_create(
        Location(
            cqc_id=f"1-{5000000000 + i}",
            provider=provider,
            name=f"Home {i:04d}",
            local_authority=council,
            offers_care_home=True,
            offers_home_care=True,
            registered_places=40,
            added_to_service_on=datetime.date(2023, 1, 1),
        )
        for i in range(HOMES)
    )
    approver = User.objects.create_user(
        "approver@big.example",
        "x" * 16,
        first_name="Ann",
        last_name="Approver",
        role=Role.PROVIDER,
        provider=provider,
        is_provider_approver=True,
        approved_at=timezone.now(),
    )
    supplier = Supplier.objects.create(name="Bench Records", contact_email="b@bench.example")
    grant_set(actor=approver, provider=provider, supplier=supplier, locations=None, now=now)
    api_key, raw = key_create(
        actor=None, kind=ApiKeyKind.SUPPLIER, name="bench", now=now, supplier=supplier
    )

    def answers(care_type: str) -> dict[str, object]:
        source = GOOD_CARE_HOME if care_type == "care_home" else GOOD_HOME_CARE
        return {
            code: int(value) if value.isdigit() else value or None
            for code, value in source.items()
            if code not in ASKED_FROM_2027
        }

    locations = list(Location.objects.filter(provider=provider).order_by("cqc_id"))
    jobs = [(loc, ct) for loc in locations for ct in ("care_home", "home_care")]
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    figures: dict[str, object] = {"date": str(timezone.localdate()), "posts": len(jobs)}

    with mock.patch("capacity_tracker.lib.clock.now", return_value=now):
        # Baseline: the draft service alone, for every (location, care type).
        started = time.perf_counter()
        for location, care_type in jobs:
            draft_receive(
                api_key=api_key,
                location=location,
                care_type=care_type,
                window=window,
                kind="full",
                now=now,
                answers={k: "" if v is None else str(v) for k, v in answers(care_type).items()},
            )
        service_seconds = time.perf_counter() - started
        # The API: the same drafts again (each replaces the waiting one, as a resend would).
        latencies = []
        statements = [0]

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            statements[0] += 1
            return execute(sql, params, many, context)

        def post(n: int, location: Location, care_type: str) -> None:
            body = {
                "location": location.cqc_id,
                "care_type": care_type,
                "period": "2026-12",
                "kind": "full",
                "answers": answers(care_type),
            }
            response = client.post(
                "/api/v1/returns/",
                json.dumps(body),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"bench-{n}",
            )
            if response.status_code != 201:
                raise SystemExit(f"post {n} failed: {response.status_code} {response.content!r}")

        started = time.perf_counter()
        # Counted with a wrapper, not CaptureQueriesContext: its log keeps the last 9,000 only.
        with connection.execute_wrapper(count):
            for n, (location, care_type) in enumerate(jobs):
                t0 = time.perf_counter()
                post(n, location, care_type)
                latencies.append(time.perf_counter() - t0)
                if n == 0:
                    first_queries = statements[0]
        api_seconds = time.perf_counter() - started
        queries = statements[0]
    assert ReturnDraft.objects.filter(status="waiting").count() == len(jobs)
    latencies.sort()
    figures.update(
        {
            "baseline_service_seconds": round(service_seconds, 2),
            "baseline_service_per_second": round(len(jobs) / service_seconds, 1),
            "api_seconds": round(api_seconds, 2),
            "api_posts_per_second": round(len(jobs) / api_seconds, 1),
            "api_over_service": round(api_seconds / service_seconds, 2),
            "api_median_ms": round(statistics.median(latencies) * 1000, 1),
            "api_p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
            "queries_first_post": first_queries,
            "queries_per_post": round(queries / len(jobs), 1),
            "how": "one process, Django test client through every middleware, PostgreSQL and "
            "Redis on the same 2-core host; sequential posts (one supplier connection)",
        }
    )
    lib.record(
        "api_draft_post",
        figure=api_seconds / len(jobs) * 1000,
        unit="ms",
        baseline=service_seconds / len(jobs) * 1000,
        baseline_what="the draft service alone for the same drafts (no HTTP, key, throttle or idempotency)",
        how=str(figures.pop("how")),
        target={"max_ratio": 4, "max_queries": 20, "flat_queries": True},
        queries={
            "small": {"size": 1, "count": first_queries},
            "large": {"size": len(jobs), "count": round(queries / len(jobs))},
        },
        details=figures,
        profile_with=lambda: profile_posts(post, jobs, now),
    )


def profile_posts(post, jobs, now) -> None:  # type: ignore[no-untyped-def]
    """A hundred more posts (new idempotency keys), at the bench's clock."""
    with mock.patch("capacity_tracker.lib.clock.now", return_value=now):
        for n, (location, care_type) in enumerate(jobs[:100]):
            post(10_000 + n, location, care_type)


if __name__ == "__main__":
    main()
