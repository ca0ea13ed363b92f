"""The sweep's letters: owed inside its transaction, written and emailed after it commits.

The sweep fixes which letter is owed and the breaches it cites; the worker writes the text,
dates it and queues the emails, batch by batch, once and only once. The email points at the
stored letter and the outbox fills in its subject and body when it sends.
"""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from capacity_tracker.schedule import JOBS_BY_NAME
from enforcement.letters import LETTER_EMAIL_TEMPLATE, write_pending_letters
from enforcement.models import Breach, EnforcementCase, Letter
from enforcement.sweep import sweep_due
from notifications.models import OutboundMessage
from notifications.outbox import outbox_send_due
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow
from returns.services import windows_ensure
from tests.conftest import client_for
from tests.factories import CaseworkerFactory, ContactFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def window(period: str) -> CollectionWindow:
    windows_ensure(periods=[Period.parse(period)])
    return CollectionWindow.objects.get(period=Period.parse(period).first_day())


def after(w: CollectionWindow, hours: int = 1) -> datetime.datetime:
    return w.closes_at + datetime.timedelta(hours=hours)


def provider_missing(name: str, *, contacts: int = 1) -> ProviderFactory:
    provider = ProviderFactory(name=f"{name} Ltd")
    location = LocationFactory(provider=provider, name=f"{name} House")
    for i in range(contacts):
        ContactFactory(location=location, email=f"{name.lower()}{i}@example.org", is_primary=i == 0)
    return provider


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_the_sweep_owes_letters_and_writes_them_only_after_it_commits(
    eager, django_capture_on_commit_callbacks
):
    provider = provider_missing("Quiet")
    january = window("2026-01")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = sweep_due(now=after(january))
    assert report.letters_owed == 1 and len(callbacks) == 1
    # Inside the sweep: the letter and the breach it cites, no text, no date, no email.
    letter = Letter.objects.get()
    assert letter.kind == "first_breach" and not letter.is_written
    assert letter.subject == letter.body == "" and letter.dated is None
    assert list(letter.breaches.all()) == list(Breach.objects.filter(provider=provider))
    assert not OutboundMessage.objects.exists()

    callbacks[0]()  # the commit happened: the task runs (eagerly here, on the worker in life)

    letter.refresh_from_db()
    assert letter.is_written and letter.written_at == after(january)
    assert letter.dated == after(january).astimezone(LONDON).date()
    assert letter.subject == (
        "You missed the deadline to send adult social care data for January 2026"
    )
    assert "Quiet House" in letter.body and letter.case.reference in letter.body
    assert "This is your first missed deadline" in letter.body
    email = OutboundMessage.objects.get()
    assert (email.kind, email.scope, email.letter) == (
        "letter_first_breach",
        letter.reference,
        letter,
    )
    assert email.template == LETTER_EMAIL_TEMPLATE
    assert email.personalisation == {"reference": letter.reference}  # no copy of the letter


def test_a_rolled_back_sweep_leaves_no_letter_no_email_and_queues_no_task(
    django_capture_on_commit_callbacks,
):
    provider_missing("Quiet")
    january = window("2026-01")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sweep_due(now=after(january))
        assert Letter.objects.count() == 1  # owed inside the transaction...
        raise RuntimeError("the sweep's transaction fails after the letters were owed")
    assert callbacks == []  # ...so nothing is queued for the worker
    assert not Letter.objects.exists()
    assert not Breach.objects.exists() and not EnforcementCase.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_the_email_carries_the_stored_letter_when_it_is_sent(mailoutbox):
    provider_missing("Quiet")
    january = window("2026-01")
    sweep_due(now=after(january))
    write_pending_letters(now=after(january))
    letter = Letter.objects.get()
    report = outbox_send_due(now=timezone.now() + datetime.timedelta(minutes=1))
    assert report.sent == 1
    (message,) = mailoutbox
    assert message.to == ["quiet0@example.org"]
    assert message.subject == letter.subject
    assert letter.body.strip() in message.body
    assert f"Reference: {letter.reference}" in message.body


def test_an_email_queued_before_letters_were_stored_once_still_sends(mailoutbox):
    """Rows queued by the old sweep copied the subject and body: they send as they are."""
    location = LocationFactory()
    OutboundMessage.objects.create(
        kind="letter_first_breach",
        scope="ENF-2601-OLD-B11",
        location=location,
        recipient="old@example.org",
        template=LETTER_EMAIL_TEMPLATE,
        personalisation={
            "subject": "An old letter",
            "body": "Its body, copied into the row.\n",
            "reference": "ENF-2601-OLD-B11",
        },
    )
    assert outbox_send_due(now=timezone.now() + datetime.timedelta(minutes=1)).sent == 1
    (message,) = mailoutbox
    assert message.subject == "An old letter"
    assert "Its body, copied into the row." in message.body


def test_writing_twice_writes_and_queues_nothing_twice():
    for name in ("Quiet", "Still", "Silent"):
        provider_missing(name, contacts=2)
    january = window("2026-01")
    sweep_due(now=after(january))
    assert write_pending_letters(now=after(january), batch_size=2) == 3
    written = {letter.pk: (letter.body, letter.written_at) for letter in Letter.objects.all()}
    emails = set(OutboundMessage.objects.values_list("pk", flat=True))
    assert len(emails) == 6
    later = after(january, 30)
    assert write_pending_letters(now=later) == 0
    assert {letter.pk: (letter.body, letter.written_at) for letter in Letter.objects.all()} == (
        written
    )
    assert set(OutboundMessage.objects.values_list("pk", flat=True)) == emails


def test_the_scheduled_job_writes_letters_a_lost_task_left_behind(
    django_capture_on_commit_callbacks,
):
    provider_missing("Quiet")
    january = window("2026-01")
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost
        sweep_due(now=after(january))
    assert Letter.objects.get().written_at is None
    next_day = after(january, 24)
    summary = JOBS_BY_NAME["breach_sweep"].run(next_day)
    assert "1 letters written" in summary
    letter = Letter.objects.get()
    # Dated the day it was written and sent, not the day the sweep owed it.
    assert letter.dated == next_day.astimezone(LONDON).date() != after(january).date()
    assert letter.written_at == next_day
    assert OutboundMessage.objects.get().letter == letter


def test_writing_letters_costs_the_same_queries_for_3_or_30_cases(django_assert_max_num_queries):
    january, february = window("2026-01"), window("2026-02")
    for i in range(3):
        provider_missing(f"Few{i}")
    sweep_due(now=after(january))
    with django_assert_max_num_queries(12) as few:
        assert write_pending_letters(now=after(january)) == 3
    for i in range(30):
        provider_missing(f"Many{i}", contacts=2)
    sweep_due(now=after(february))  # 30 first-breach letters and 3 second-breach letters
    with django_assert_max_num_queries(12) as many:
        assert write_pending_letters(now=after(february)) == 33
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Letter.objects.filter(kind="second_breach").count() == 3


def test_a_letter_being_prepared_shows_as_such_on_the_case_page_and_in_its_pdf():
    provider_missing("Quiet")
    january = window("2026-01")
    sweep_due(now=after(january))
    letter = Letter.objects.select_related("case").get()
    caseworker = client_for(CaseworkerFactory())
    page = caseworker.get(reverse("enforcement:case", args=[letter.case.reference]))
    assert "Being prepared" in page.content.decode()
    pdf = caseworker.get(
        reverse("enforcement:letter", args=[letter.case.reference, letter.reference])
    )
    text = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0].extract_text()
    assert "being prepared" in text and letter.reference in text
    write_pending_letters(now=after(january))
    page = caseworker.get(reverse("enforcement:case", args=[letter.case.reference]))
    assert "Being prepared" not in page.content.decode()
    assert "dated 15 Jan 2026" in page.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_never_write_the_same_letter():
    """A letter locked by one writer is skipped by the other, which writes the rest."""
    for name in ("Quiet", "Still", "Silent"):
        provider_missing(name)
    january = window("2026-01")
    sweep_due(now=after(january))
    first = Letter.objects.order_by("pk").first()
    locked, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        # Another worker part-way through a batch: it holds the first letter's row lock.
        try:
            with transaction.atomic():
                Letter.objects.select_for_update().filter(pk=first.pk).get()
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        assert locked.wait(10)
        assert write_pending_letters(now=after(january)) == 2
        assert Letter.objects.filter(written_at__isnull=True).get() == first
    finally:
        release.set()
        thread.join()
    assert write_pending_letters(now=after(january)) == 1
    assert write_pending_letters(now=after(january)) == 0
    assert OutboundMessage.objects.count() == 3
    assert sorted(OutboundMessage.objects.values_list("letter_id", flat=True)) == sorted(
        Letter.objects.values_list("pk", flat=True)
    )
