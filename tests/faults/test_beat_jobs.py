"""The beat job run twice at once, and three days late: nothing duplicated, nothing missed.

Two real ``manage.py run_scheduled`` processes run every job at the same instant against this
test's database, three times over two months of a test world:

1. the day a window opens, just after the previous window's deadline: window-open emails,
   the previous window's breaches, the enforcement case and its first letter;
2. five days later (every tick in between skipped), inside the 48-hour reminder time: the
   reminders, and the window-open email of a contact added meanwhile (caught up);
3. three days after that window's deadline (the reminder ticks and the deadline's sweep all
   skipped): the window's breaches and the case's second letter; no reminder (the window has
   closed, DOMAIN.md 4.2).

Emails go through Django's file backend into a directory, outside the processes, so the test
sees every message handed over and can tell that none went twice.
"""

from __future__ import annotations

import datetime
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from enforcement.models import Breach, EnforcementCase, Letter
from notifications.models import OutboundMessage
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow
from returns.services import windows_ensure
from returns.submission import Submitter, return_save
from tests.factories import ContactFactory, LocationFactory, ProviderFactory, ProviderUserFactory
from tests.faults.processes import Process, app_env, private_redis
from tests.portal_data import GOOD_ANSWERS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)
REFERENCE = re.compile(r"^X-Reference: (outbox-\d+)\r?$", re.MULTILINE)


def database_url() -> str:
    return f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}"


def run_twice_at_once(env: dict[str, str], work: Path, now: datetime.datetime) -> None:
    """Two run_scheduled processes at the same instant, started together."""
    argv = [sys.executable, "manage.py", "run_scheduled"]
    argv += ["--now", now.isoformat()]
    runs = [
        Process(f"run-{n}", argv, env=env, log=work / f"run-{now:%m%d}-{n}.log").start()
        for n in (1, 2)
    ]
    try:
        for run in runs:
            assert run.popen is not None
            code = run.popen.wait(timeout=120)
            assert code == 0, f"run_scheduled failed:\n{run.log_text()[-4000:]}"
    finally:
        for run in runs:
            run.stop()


def handed_over(mail_dir: Path) -> Counter[str]:
    """Every message the file backend wrote, by outbox reference."""
    return Counter(
        reference
        for path in mail_dir.iterdir()
        for reference in REFERENCE.findall(path.read_text(errors="replace"))
    )


def recipients(kind: str) -> Counter[str]:
    return Counter(OutboundMessage.objects.filter(kind=kind).values_list("recipient", flat=True))


def assert_every_email_sent_once(mail_dir: Path) -> None:
    handed = handed_over(mail_dir)
    assert [ref for ref, times in handed.items() if times > 1] == []
    rows = OutboundMessage.objects.filter(status__in=["sending", "queued", "failed"])
    assert list(rows.values_list("kind", "recipient", "status")) == []
    sent = {f"outbox-{pk}" for pk in OutboundMessage.objects.values_list("pk", flat=True)}
    assert set(handed) == sent


def save_care_home_return(location, window: CollectionWindow, now: datetime.datetime) -> None:  # type: ignore[no-untyped-def]
    return_save(
        submitter=Submitter.of(ProviderUserFactory(provider=location.provider)),
        location=location,
        care_type="care_home",
        window=window,
        kind="full",
        source="portal",
        now=now,
        answers=GOOD_ANSWERS["care_home"],
        nil_reason="",
    )


def test_the_jobs_run_twice_at_once_and_late_do_everything_once():
    # Two months ahead of the real date, so every row the jobs queue is already due.
    first = Period.of(timezone.now().astimezone(LONDON).date()).next().next()
    second = first.next()
    windows_ensure(periods=[first, second, second.next()])
    earlier = CollectionWindow.objects.get(period=first.first_day())
    window = CollectionWindow.objects.get(period=second.first_day())

    silent = LocationFactory(provider=ProviderFactory(name="Silent Care Ltd"), name="Silent House")
    ContactFactory(location=silent, email="manager@silent.example", is_primary=True)
    ContactFactory(location=silent, email="deputy@silent.example")
    diligent = LocationFactory(provider=ProviderFactory(name="Diligent Ltd"), name="Diligent Hall")
    ContactFactory(location=diligent, email="manager@diligent.example", is_primary=True)
    save_care_home_return(diligent, earlier, earlier.opens_at + DAY)

    work = Path(tempfile.mkdtemp(prefix="ct-beat-jobs-")).resolve()
    mail_dir = work / "mail"
    mail_dir.mkdir()
    try:
        with private_redis(work) as redis:
            env = app_env(
                database_url=database_url(),
                redis_url=redis.url,
                # Four slashes: django-environ drops the first of the path's.
                EMAIL_URL=f"filemail:///{mail_dir.resolve()}",
            )

            # 1. The window opens; the earlier window's deadline has passed.
            run_twice_at_once(env, work, window.opens_at + 5 * MINUTE)
            assert recipients("window_open") == {
                "manager@silent.example": 1,
                "deputy@silent.example": 1,
                "manager@diligent.example": 1,
            }
            assert list(Breach.objects.values_list("location__name", "window__period")) == [
                ("Silent House", first.first_day())
            ]
            case = EnforcementCase.objects.get()
            assert case.provider == silent.provider and case.state == "first_breach"
            assert list(Letter.objects.values_list("kind", flat=True)) == ["first_breach"]
            assert_every_email_sent_once(mail_dir)

            # Between the runs: Diligent updates; Silent gets a new contact.
            save_care_home_return(diligent, window, window.opens_at + DAY)
            ContactFactory(location=silent, email="new@silent.example")

            # 2. Days later, inside the reminder time, no tick in between.
            run_twice_at_once(env, work, window.closes_at - DAY)
            assert recipients("window_open") == {
                "manager@silent.example": 1,
                "deputy@silent.example": 1,
                "manager@diligent.example": 1,
                "new@silent.example": 1,  # caught up, once
            }
            assert recipients("reminder_48h") == {
                "manager@silent.example": 1,
                "deputy@silent.example": 1,
                "new@silent.example": 1,
            }
            assert Breach.objects.count() == 1 and Letter.objects.count() == 1
            assert_every_email_sent_once(mail_dir)

            # 3. Three days after the deadline, every tick since the last run skipped.
            run_twice_at_once(env, work, window.closes_at + 3 * DAY)
            assert sorted(Breach.objects.values_list("window__period", flat=True)) == [
                first.first_day(),
                second.first_day(),
            ]
            assert Breach.objects.filter(location=diligent).count() == 0
            case = EnforcementCase.objects.get()
            assert case.state == "second_breach"
            assert sorted(Letter.objects.values_list("kind", flat=True)) == [
                "first_breach",
                "second_breach",
            ]
            assert recipients("reminder_48h").total() == 3  # none after the window closed
            assert_every_email_sent_once(mail_dir)
            letter_emails = OutboundMessage.objects.filter(kind__startswith="letter_")
            assert letter_emails.count() >= 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
