"""The portal's two hot paths against the public start page, through every middleware.

In one process, with Django's test client (the whole middleware stack, Redis sessions and
cache, PostgreSQL), after warm-up, medians over many requests of:

- the start page (``/``, public): the baseline every ratio is taken against;
- one save over HTTP: the return form's POST then "Accept and send" (the check page's POST),
  alternating two sets of figures so that every save really writes a new version;
- the dashboard of a provider with 4 locations;
- one page (50 rows) of the dashboard of a provider with 500 locations, and its size.

Run with the env vars of /tmp/ptest.sh (production-shaped settings) and
``BENCH_RESULTS=/tmp/x.json`` to keep bench/results.json apart while developing.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_tracker.settings")

import django

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench import lib  # noqa: E402
from returns.deadlines import LONDON  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "200"))
WARM_UP = 20
BIG = int(os.environ.get("BENCH_LOCATIONS", "500"))
SMALL = 4
PERIOD = "2026-12"


def main() -> None:
    with (
        lib.throwaway_database(),
        override_settings(
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
            # No collectstatic here: the manifest storage would have no manifest to read.
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ),
    ):
        from unittest import mock

        # Inside December's window, as the save tests are.
        now = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
        with mock.patch("capacity_tracker.lib.clock.now", return_value=now):
            run(now)


def _provider(name: str, cqc_id: str, size: int, first_location: int) -> tuple[Any, Any]:
    """A provider with ``size`` locations and an approved provider user (providers sign in
    with a password only; the second factor is for staff, tests/conftest.py ``client_for``)."""
    from providers.models import LocalAuthority, Location, Provider, Role, User

    council = LocalAuthority.objects.first()
    provider = Provider.objects.create(cqc_id=cqc_id, name=name, postcode="LS1 4AP")
    Location.objects.bulk_create(
        Location(
            cqc_id=f"1-{first_location + i}",
            provider=provider,
            name=f"{name} home {i:04d}",
            local_authority=council,
            postcode="LS6 2QA",
            offers_care_home=True,
            offers_home_care=i % 3 == 0,
            added_to_service_on=datetime.date(2023, 1, 1),
        )
        for i in range(size)
    )
    user = User.objects.create_user(
        f"bench-{cqc_id}@example.org",
        "x",
        first_name="Bench",
        last_name="User",
        role=Role.PROVIDER,
        provider=provider,
    )
    user.approved_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    user.save()
    return provider, user


def _fill_half(provider: Any, user: Any, now: datetime.datetime) -> None:
    """Half the group's care home returns saved this month, as mid-window."""
    from providers.models import Location
    from returns.models import CollectionWindow
    from returns.submission import Submitter, return_save
    from tests.portal_data import GOOD_CARE_HOME

    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    locations = Location.objects.filter(provider=provider).order_by("pk")
    for location in locations[: max(1, locations.count() // 2)]:
        return_save(
            submitter=Submitter.of(user),
            location=location,
            care_type="care_home",
            window=window,
            kind="full",
            source="portal",
            now=now,
            answers=GOOD_CARE_HOME,
        )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _median_ms(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    for _ in range(WARM_UP):
        fn()
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


class Saver:
    """Saves one location's care home return over HTTP, alternating two sets of figures."""

    def __init__(self, client: Client, location: Any) -> None:
        from django.urls import reverse

        from tests.portal_data import GOOD_CARE_HOME

        args = [PERIOD, location.cqc_id, "care_home"]
        self.client = client
        self.form_url = reverse("returns:form", args=args)
        self.check_url = reverse("returns:check", args=args)
        other = {**GOOD_CARE_HOME, "beds_occupied": str(int(GOOD_CARE_HOME["beds_occupied"]) - 1)}
        self.figures = (GOOD_CARE_HOME, other)
        self.count = 0

    def __call__(self) -> None:
        figures = self.figures[self.count % 2]
        to_check = self.client.post(self.form_url, {**figures, "based_on": self.count})
        assert to_check.status_code == 302 and to_check.url == self.check_url, to_check.status_code
        sent = self.client.post(self.check_url)
        assert sent.status_code == 302 and "/returns/saved/" in sent.url, sent.status_code
        self.count += 1


def _get(client: Client, url: str) -> Callable[[], Any]:
    def fetch() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return fetch


PROFILE_RUNS = 100  # requests profiled together when a target is missed


def run(now: datetime.datetime) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from providers.models import Location
    from returns.models import Return
    from returns.services import windows_ensure_ahead

    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    ContentType.objects.get_for_model(Return)  # cached per process, as in production
    small, small_user = _provider("Small Group", "1-100000001", SMALL, 4_000_000_000)
    big, big_user = _provider("Big Group", "1-199999999", BIG, 5_000_000_000)
    _fill_half(small, small_user, now)
    _fill_half(big, big_user, now)
    with connection.cursor() as cursor:
        # Planner statistics, as autovacuum keeps them in production: without them the freshly
        # bulk-loaded tables get plans no running database would choose.
        cursor.execute("ANALYZE")

    anonymous = Client()
    small_client, big_client = _client(small_user), _client(big_user)

    # The baseline, measured again around each path so a busy machine moves both alike.
    start = _get(anonymous, "/")
    start_ms, _ = _median_ms(start)

    # --- the save -----------------------------------------------------------------------
    last_small = Location.objects.filter(provider=small).order_by("pk").last()
    last_big = Location.objects.filter(provider=big).order_by("pk").last()
    saver = Saver(small_client, last_small)
    save_ms, _ = _median_ms(saver)
    queries = {}
    for label, client, location, size in (
        ("small", small_client, last_small, SMALL),
        ("large", big_client, last_big, BIG),
    ):
        one = saver if label == "small" else Saver(client, location)
        if label == "large":
            one()  # warm: the first save of a location creates its head
        with lib.counted() as counter:
            one()
        queries[label] = {"size": size, "count": counter.count}
    start_ms_2, _ = _median_ms(start)
    baseline = min(start_ms, start_ms_2)
    lib.record(
        "save_over_http",
        figure=save_ms,
        unit="ms",
        baseline=baseline,
        baseline_what="the start page (/), anonymous GET, same process and run",
        target={"max_ratio": 3, "max_queries": 15, "flat_queries": True},
        queries=queries,
        how=(
            f"median of {RUNS} saves (form POST + check POST, alternating figures) after "
            f"{WARM_UP} warm-up, Django test client through all middleware, Redis sessions; "
            "queries: one save at a provider with 4 locations (small) and 500 (large)"
        ),
        details={"start_page_ms": [round(start_ms, 2), round(start_ms_2, 2)]},
        profile_with=lambda: [saver() for _ in range(PROFILE_RUNS)],
    )

    # --- the dashboards -----------------------------------------------------------------
    dashboard_ms, _ = _median_ms(_get(small_client, "/returns/"))
    start_ms_3, _ = _median_ms(start)
    with lib.counted() as counter:
        _get(small_client, "/returns/")()
    lib.record(
        "dashboard_4_locations_single",
        figure=dashboard_ms,
        unit="ms",
        baseline=start_ms_3,
        baseline_what="the start page (/), anonymous GET, same process and run",
        target={"max_ratio": 2},
        how=f"median of {RUNS} GET /returns/ for a 4-location provider, one user, test client",
        details={"queries": counter.count},
        profile_with=lambda: [_get(small_client, "/returns/")() for _ in range(PROFILE_RUNS)],
    )

    page_ms, response = _median_ms(_get(big_client, "/returns/?page=2"))
    with lib.counted() as counter:
        _get(big_client, "/returns/?page=2")()
    size = len(response.content)
    lib.record(
        "dashboard_500_locations_page",
        figure=page_ms,
        unit="ms",
        target={"max": 100},
        how=f"median of {RUNS} GET /returns/?page=2 for a {BIG}-location provider (50 rows)",
        details={"bytes": size, "queries": counter.count, "locations": BIG},
        profile_with=lambda: [
            _get(big_client, "/returns/?page=2")() for _ in range(PROFILE_RUNS // 5)
        ],
    )
    lib.record(
        "dashboard_500_locations_page_size",
        figure=size / 1024,
        unit="KiB",
        target={"max": 100},
        how=f"bytes of GET /returns/?page=2 for a {BIG}-location provider (50 rows)",
        details={"bytes": size},
    )


if __name__ == "__main__":
    main()
