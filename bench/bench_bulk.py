"""Bulk update by CSV at the size of the largest groups, and two groups saving at once.

Run through bench/run. One provider with 2,500 locations offering both care types uploads a
5,000-row file (and, for the query counts at a second size, one with 250 locations): the check
and the save through the same services as the pages (``returns.bulk.save``). Baseline, in the same
run: COPY of the same file into an unlogged table of text columns, the least any import of it
can cost. Then two other providers' saves run at once in two processes while the database is
sampled for sessions waiting on a lock: different providers' saves must never wait on each
other (the save locks per provider and window, not per window).
"""

from __future__ import annotations

import csv
import datetime
import io
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
from django.db import connection  # noqa: E402

LOCATIONS = int(os.environ.get("BENCH_LOCATIONS", "2500"))
HOME_CARE = {
    "people_receiving_care": "50",
    "staff_direct_care": "20",
    "staff_direct_non_care": "3",
    "staff_agency": "2",
    "staff_absent_covid": "1",
    # December is a vaccination campaign month: the seasonal items are asked too.
    "vacc_staff_covid_primary": "22",
    "vacc_staff_covid_booster": "8",
    "vacc_staff_flu": "10",
}


NOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=datetime.UTC)
CONCURRENT_LOCATIONS = 1000


def provider_with_user(number: int, locations: int) -> tuple[Any, Any]:
    from providers.models import LocalAuthority, Location, Provider, Role, User

    council = LocalAuthority.objects.first()
    provider = Provider.objects.create(
        cqc_id=f"1-{199999000 + number}", name=f"Big Group {number}", postcode="LS1 4AP"
    )
    Location.objects.bulk_create(
        Location(
            cqc_id=f"1-{5000000000 + number * 100000 + i}",
            provider=provider,
            name=f"Home {i:04d}",
            local_authority=council,
            postcode="LS6 2QA",
            offers_care_home=True,
            offers_home_care=True,
            added_to_service_on=datetime.date(2023, 1, 1),
        )
        for i in range(locations)
    )
    user = User.objects.create_user(
        f"bench{number}@example.org",
        "x",
        first_name="Bench",
        last_name="User",
        role=Role.PROVIDER,
        provider=provider,
    )
    user.approved_at = NOW
    user.save()
    return provider, user


def checked_upload(number: int, locations: int) -> tuple[Any, bytes, dict[str, float | int]]:
    """A provider, its filled-in template, uploaded and checked; with the check's cost."""
    from returns.bulk import save as bulk
    from returns.models import CollectionWindow
    from tests.portal_data import GOOD_CARE_HOME

    provider, user = provider_with_user(number, locations)
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    header, rows = _materialise(
        bulk.template_rows(
            user=user, provider=provider, window=window, care_types=["care_home", "home_care"]
        )
    )
    content = _fill(header, rows, GOOD_CARE_HOME, HOME_CARE, unchanged_every=0)
    upload = bulk.bulk_upload_create(
        user=user, file_name="bench.csv", content=content, on_behalf_reason="", now=NOW
    )
    with lib.counted() as queries:
        seconds, _, checked = lib.timed(
            lambda: bulk.bulk_check(upload_id=upload.pk, now=NOW), runs=1
        )
    assert checked.status == "ready", checked.errors[:3]
    return upload, content, {"check_s": seconds, "check_q": queries.count, "rows": len(rows)}


def save(upload: Any) -> dict[str, float | int]:
    from returns.bulk import save as bulk

    with lib.counted() as queries:
        seconds, _, applied = lib.timed(
            lambda: bulk.bulk_apply(upload_id=upload.pk, now=NOW), runs=1
        )
    assert applied.status == "applied"
    return {"save_s": seconds, "save_q": queries.count}


def copy_baseline(content: bytes) -> float:
    def load() -> None:
        columns = content.decode("utf-8-sig").split("\r\n", 1)[0].count(",") + 1
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_bulk_copy")
            cols = ", ".join(f"c{i} text" for i in range(columns))
            cursor.execute(f"CREATE UNLOGGED TABLE bench_bulk_copy ({cols})")
            with cursor.copy(
                "COPY bench_bulk_copy FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy:
                copy.write(content.decode("utf-8-sig").encode())

    seconds, _, _ = lib.timed(load, runs=3)
    return seconds


def lock_waits_while(children: list[subprocess.Popen[bytes]]) -> int:
    """Sample pg_stat_activity every 10 ms until the children end: how many samples found one
    of the database's sessions waiting on a lock (heavyweight or advisory)."""
    waits = 0
    with connection.cursor() as cursor:
        while any(child.poll() is None for child in children):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            waits += cursor.fetchone()[0]
            time.sleep(0.01)
    return waits


def second_upload_of_the_same_provider(upload: Any, content: bytes) -> Any:
    from returns.bulk import save as bulk

    again = bulk.bulk_upload_create(
        user=upload.uploaded_by,
        file_name="again.csv",
        content=content,
        on_behalf_reason="",
        now=NOW,
    )
    assert bulk.bulk_check(upload_id=again.pk, now=NOW).status == "ready"
    return again


def concurrent_saves(uploads: list[Any]) -> dict[str, Any]:
    env = {**os.environ, "BENCH_DB_NAME": connection.settings_dict["NAME"]}
    started = time.perf_counter()
    children = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--apply", str(upload.pk)], env=env, stdout=subprocess.PIPE
        )
        for upload in uploads
    ]
    waits = lock_waits_while(children)
    outputs = [child.communicate()[0].decode().split() for child in children]
    assert [child.returncode for child in children] == [0, 0]
    return {
        "lock_wait_samples": waits,
        "both_seconds": round(time.perf_counter() - started, 2),
        "each_save_seconds": [float(out[-1]) for out in outputs],
    }


def main() -> None:
    results = {}
    with lib.throwaway_database():
        from returns.services import windows_ensure_ahead

        windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC))
        for number, size in enumerate((LOCATIONS // 10, LOCATIONS)):
            upload, content, checked = checked_upload(number, size)
            results[size] = {**checked, **save(upload)}
        baseline = copy_baseline(content)
        together = concurrent_saves(
            [checked_upload(10 + i, CONCURRENT_LOCATIONS)[0] for i in range(2)]
        )
        # The control: one provider's two files saved at once must queue, which shows that
        # the sampling sees a wait when there is one.
        first, content, _ = checked_upload(20, CONCURRENT_LOCATIONS)
        control = concurrent_saves([first, second_upload_of_the_same_provider(first, content)])
    small, large = results[LOCATIONS // 10], results[LOCATIONS]
    how = (
        f"one provider with {LOCATIONS:,} locations x 2 care types: a {large['rows']:,}-row file "
        "through returns.bulk.save in one process, PostgreSQL"
    )

    def sizes(key: str) -> dict[str, dict[str, int]]:
        return {
            "small": {"size": small["rows"], "count": small[key]},
            "large": {"size": large["rows"], "count": large[key]},
        }

    lib.record(
        "csv_check",
        figure=large["check_s"],
        unit="s",
        baseline=baseline,
        baseline_what="COPY of the same file into an unlogged table of text columns (median of 3)",
        how=how + "; every row validated, every location checked against the user's access",
        target={"max_queries": 30},
        queries=sizes("check_q"),
    )
    lib.record(
        "csv_save",
        figure=large["save_s"],
        unit="s",
        baseline=baseline,
        baseline_what="COPY of the same file into an unlogged table of text columns (median of 3)",
        how=how + "; re-checked under the lock, every return head and version written, audited",
        target={"max_queries": 60},
        queries=sizes("save_q"),
    )
    lib.record(
        "csv_saves_of_two_providers_waiting",
        figure=together["lock_wait_samples"],
        unit="lock-wait samples",
        how=(
            f"two providers' {CONCURRENT_LOCATIONS * 2:,}-row saves started at once in two "
            "processes; pg_stat_activity sampled every 10 ms for sessions waiting on a lock"
        ),
        target={"max": 0},
        details={**together, "control_same_provider_twice": control},
    )


def _materialise(template):  # type: ignore[no-untyped-def]
    header, rows = template
    return header, list(rows)


def _fill(header, rows, care_home, home_care, *, unchanged_every: int) -> bytes:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for number, row in enumerate(rows):
        cells = dict(zip(header, row, strict=True))
        cells.update(care_home if cells["care_type"] == "care_home" else home_care)
        if unchanged_every and number % unchanged_every == 0:
            cells["return_kind"] = "unchanged"
        writer.writerow([cells.get(column, "") for column in header])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--apply"]:  # one of the two concurrent saves
        from returns.models import BulkUpload

        connection.settings_dict["NAME"] = os.environ["BENCH_DB_NAME"]
        print(save(BulkUpload.objects.get(pk=int(sys.argv[2])))["save_s"])
    else:
        main()
