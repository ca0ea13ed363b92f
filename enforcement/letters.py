"""Letters of the enforcement process: written from templates, stored as sent, emailed
through the outbox and downloadable as PDF.

Every letter row keeps its exact text and the breaches it cites, so what a provider was told,
and on what grounds, can always be shown. The sweep's letters are owed in its transaction (the
row and its citations) and written after it commits, in batches on the worker, each batch a
fixed number of queries; their emails point at the stored letter instead of copying it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from fpdf import FPDF

from capacity_tracker.lib import clock
from enforcement.fees import FeeLine
from enforcement.models import Breach, EnforcementCase, Letter, LetterBreach
from notifications.outbox import QueuedMessage, outbox_insert
from providers.models import Contact, RegistrationStatus, User
from returns.models import CollectionWindow

LETTER_EMAIL_TEMPLATE = "enforcement_letter"
KIND_CODES = {
    Letter.Kind.FIRST_BREACH: "B1",
    Letter.Kind.SECOND_BREACH: "B2",
    Letter.Kind.NOTICE_OF_INTENT: "NOI",
    Letter.Kind.FINAL_NOTICE: "FN",
    Letter.Kind.DECISION: "D",
    Letter.Kind.APPEAL_OUTCOME: "AO",
}


def render_letter(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    text = render_to_string(f"enforcement/letters/{kind}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def base_context(case: EnforcementCase, dated: datetime.date) -> dict[str, Any]:
    """What every letter states: who it is to, the date it is sent, and how to reach us."""
    return {
        "case": case,
        "provider": case.provider,
        "today": dated,
        "nhsbsa": settings.NHSBSA_NAME,
        "support_email": settings.SUPPORT_EMAIL,
        "enforcement_email": settings.ENFORCEMENT_EMAIL,
        "enforcement_address": settings.ENFORCEMENT_ADDRESS,
        "payment": settings.PENALTY_PAYMENT_ACCOUNT,
        "site_url": settings.SITE_URL,
    }


def money(amount: Decimal | None) -> str:
    """£4,270.00: how every letter writes an amount."""
    return "" if amount is None else f"£{amount:,.2f}"


def fee_line_text(line: FeeLine) -> str:
    """'Quiet House (1-123), care home with 26 to 30 registered places: £4,270.00'."""
    loc = line.location
    if loc.care_type == "care_home":
        what = f"care home with {_band_words(line)} registered places"
    else:
        what = f"home care for {_band_words(line)} people using the service"
    return f"{loc.name} ({loc.cqc_id}), {what}: {money(line.amount)}"


def _band_words(line: FeeLine) -> str:
    band = line.band
    if band is None:
        return str(line.location.size)
    if band.highest is None:
        return f"{band.lowest} or more"
    return f"{band.lowest} to {band.highest}"


def months_text(windows: Iterable[CollectionWindow]) -> str:
    """'October 2026', 'October 2026 and November 2026', 'A, B and C'."""
    labels = [w.label for w in windows]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def cited_months(breaches: Iterable[Breach]) -> list[dict[str, Any]]:
    """Breaches grouped by window, oldest first: what a notice lists, month by month."""
    by_window: dict[int, dict[str, Any]] = {}
    for breach in sorted(breaches, key=lambda b: (b.window.period, b.location.name, b.care_type)):
        entry = by_window.setdefault(breach.window_id, {"window": breach.window, "breaches": []})
        entry["breaches"].append(breach)
    return list(by_window.values())


def make_letter(
    case: EnforcementCase,
    kind: str,
    context: dict[str, Any],
    *,
    actor: User | None = None,
    now: datetime.datetime,
    sequence: int = 1,
) -> Letter:
    """A letter written now (a caseworker's notice): its text and date are final at once."""
    subject, body = render_letter(kind, context)
    return Letter(
        case=case,
        kind=kind,
        reference=letter_reference(case, kind, sequence),
        subject=subject,
        body=body,
        created_at=now,
        created_by=actor,
        dated=context["today"],
        written_at=now,
    )


def letter_reference(case: EnforcementCase, kind: str, sequence: int = 1) -> str:
    return f"{case.reference}-{KIND_CODES[Letter.Kind(kind)]}{sequence}"


def create_letters(letters: list[Letter], cited: list[list[Breach]]) -> None:
    """Store letters and the breaches each one cites (two bulk inserts)."""
    Letter.objects.bulk_create(letters)
    LetterBreach.objects.bulk_create(
        LetterBreach(letter=letter, breach=breach, kind=letter.kind)
        for letter, breaches in zip(letters, cited, strict=True)
        for breach in breaches
    )


def queue_letter_emails(letters: Iterable[Letter], *, now: datetime.datetime) -> int:
    """Email each letter to the contacts of its provider's active locations (one query).

    The email points at the letter; the outbox reads the subject and body from it when it
    sends, so a letter's text is stored once, not once per recipient.
    """
    letters = list(letters)
    provider_ids = {letter.case.provider_id for letter in letters}
    contacts: dict[int, dict[str, Contact]] = defaultdict(dict)
    for contact in Contact.objects.filter(
        location__provider_id__in=provider_ids, location__status=RegistrationStatus.ACTIVE
    ).annotate(provider_id=F("location__provider_id")):
        contacts[contact.provider_id].setdefault(contact.email.lower(), contact)
    emails = [
        QueuedMessage(
            kind=f"letter_{letter.kind}",
            scope=letter.reference,
            location_id=contact.location_id,
            contact_id=contact.pk,
            recipient=contact.email,
            template=LETTER_EMAIL_TEMPLATE,
            personalisation={"reference": letter.reference},
            letter_id=letter.pk,
        )
        for letter in letters
        for contact in contacts[letter.case.provider_id].values()
    ]
    outbox_insert(emails, now=now)
    return len(emails)


# --- Breach letters: owed in the sweep, written after it commits --------------------------------

BREACH_LETTER_KINDS = (Letter.Kind.FIRST_BREACH, Letter.Kind.SECOND_BREACH)
WRITE_BATCH = 500

# The letters owed and their citations, one statement: each letter cites its provider's
# escalating breaches in the windows this sweep recorded. No breach is loaded into Python.
_OWE_SQL = """
WITH owed AS (
    INSERT INTO {letter} (case_id, kind, reference, subject, body, created_at)
    SELECT o.case_id, o.kind, o.reference, '', '', %s
    FROM unnest(%s::bigint[], %s::text[], %s::text[]) WITH ORDINALITY AS o(case_id, kind,
                                                                           reference, ord)
    ORDER BY o.ord
    RETURNING id, case_id, kind
),
cited AS (
    INSERT INTO {cites} (letter_id, breach_id, kind)
    SELECT owed.id, b.id, owed.kind
    FROM owed
    JOIN {case} c ON c.id = owed.case_id
    JOIN {breach} b ON b.provider_id = c.provider_id AND b.escalates AND b.window_id = ANY(%s)
)
SELECT count(*) FROM owed
"""


def owe_breach_letters(*, touched: list[Any], now: datetime.datetime) -> int:
    """Inside the sweep: one letter per case it opened or moved, covering every window it
    missed in this run (a catch-up of several windows owes one letter), with its citations.

    Only the facts are fixed here (which letter, to which case, citing which breaches); the
    text, the date and the emails come after the sweep commits (``write_pending_letters``).
    ``touched`` holds the sweep's records: ``case`` (with ``id`` and ``reference``),
    ``opened``, ``moved_to_second``, ``windows``.
    """
    owed = [(t.case, kind) for t in touched if (kind := _breach_letter_kind(t))]
    if not owed:
        return 0
    if connection.vendor != "postgresql":
        return _owe_portable(owed, touched, now)
    sql = _OWE_SQL.format(
        letter=Letter._meta.db_table,
        cites=LetterBreach._meta.db_table,
        case=EnforcementCase._meta.db_table,
        breach=Breach._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                now,
                [case.id for case, _ in owed],
                [str(kind) for _, kind in owed],
                [letter_reference(case, kind) for case, kind in owed],
                sorted({w.pk for t in touched for w in t.windows}),
            ],
        )
        (count,) = cursor.fetchone()
    return count


def _owe_portable(owed: list[tuple[Any, str]], touched: list[Any], now: datetime.datetime) -> int:
    """The same letters and citations through the ORM, for the SQLite demo."""
    letters = [
        Letter(case_id=case.id, kind=kind, reference=letter_reference(case, kind), created_at=now)
        for case, kind in owed
    ]
    Letter.objects.bulk_create(letters)
    by_case = {letter.case_id: letter for letter in letters}
    window_ids = {w.pk for t in touched for w in t.windows}
    providers = dict(
        EnforcementCase.objects.filter(pk__in=by_case).values_list("provider_id", "pk")
    )
    LetterBreach.objects.bulk_create(
        LetterBreach(
            letter=by_case[providers[b.provider_id]],
            breach=b,
            kind=by_case[providers[b.provider_id]].kind,
        )
        for b in Breach.objects.filter(
            provider_id__in=providers, escalates=True, window_id__in=window_ids
        )
    )
    return len(letters)


def _breach_letter_kind(touched: Any) -> str | None:
    if touched.opened:
        return Letter.Kind.FIRST_BREACH
    if touched.moved_to_second:
        return Letter.Kind.SECOND_BREACH
    return None


def pending_letters() -> int:
    return Letter.objects.filter(written_at__isnull=True).count()


def write_pending_letters(
    *, now: datetime.datetime, batch_size: int = WRITE_BATCH, max_batches: int | None = None
) -> int:
    """Write the letters the sweep owed, and queue their emails, batch by batch.

    Each batch is one transaction that locks its letters with ``FOR UPDATE SKIP LOCKED``, so
    two workers (the task after the sweep, the scheduled safety net) share the work and never
    write the same letter; a letter once written is no longer pending, so running again writes
    nothing twice. A crash loses at most the batch in hand, which stays pending for the next
    run. Letters are dated the day they are written, which is the day they are sent.
    """
    written = batches = 0
    while max_batches is None or batches < max_batches:
        done = _write_batch(now=now, limit=batch_size)
        if not done:
            break
        written += done
        batches += 1
    return written


def _write_batch(*, now: datetime.datetime, limit: int) -> int:
    with transaction.atomic():
        ids = list(
            Letter.objects.select_for_update(skip_locked=True)
            .filter(written_at__isnull=True, kind__in=BREACH_LETTER_KINDS)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return 0
        letters = list(
            Letter.objects.filter(id__in=ids).select_related("case__provider").order_by("id")
        )
        cited = _citations(ids)
        earlier = _earlier_cases(letters)
        today = clock.local_date(now)
        for letter in letters:
            breaches = cited.get(letter.pk, [])
            windows = sorted({b.window for b in breaches}, key=lambda w: w.period)
            context = {
                **base_context(letter.case, today),
                "windows": windows,
                "months": months_text(windows),
                "breaches": breaches,
                "earlier_case": earlier.get(letter.pk),
            }
            letter.subject, letter.body = render_letter(letter.kind, context)
            letter.dated, letter.written_at = today, now
        _store_text(letters, today=today, now=now)
        queue_letter_emails(letters, now=now)
    return len(letters)


# One UPDATE from arrays: Django's bulk_update builds a CASE per field per row, which costs
# more in Python than rendering the letters.
_STORE_TEXT_SQL = """
UPDATE {letter} l SET subject = t.subject, body = t.body, dated = %s, written_at = %s
FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS t(id, subject, body)
WHERE l.id = t.id AND l.written_at IS NULL
"""


def _store_text(letters: list[Letter], *, today: datetime.date, now: datetime.datetime) -> None:
    if connection.vendor != "postgresql":  # the SQLite demo
        Letter.objects.bulk_update(letters, ["subject", "body", "dated", "written_at"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _STORE_TEXT_SQL.format(letter=Letter._meta.db_table),
            [
                today,
                now,
                [letter.pk for letter in letters],
                [letter.subject for letter in letters],
                [letter.body for letter in letters],
            ],
        )


def _citations(letter_ids: list[int]) -> dict[int, list[Breach]]:
    """Each letter's cited breaches, month by month then by location, as the letter lists them."""
    cited: dict[int, list[Breach]] = defaultdict(list)
    for link in (
        LetterBreach.objects.filter(letter_id__in=letter_ids)
        .select_related("breach__location", "breach__window")
        .order_by("breach__window__period", "breach__location__name", "breach__care_type")
    ):
        cited[link.letter_id].append(link.breach)
    return cited


def _earlier_cases(letters: list[Letter]) -> dict[int, EnforcementCase]:
    """Per letter, the provider's latest case opened before the letter's own (one query)."""
    by_provider: dict[int, list[EnforcementCase]] = defaultdict(list)
    for case in EnforcementCase.objects.filter(
        provider_id__in={letter.case.provider_id for letter in letters}
    ).order_by("opened_at", "pk"):
        by_provider[case.provider_id].append(case)
    earlier: dict[int, EnforcementCase] = {}
    for letter in letters:
        before = [
            c
            for c in by_provider[letter.case.provider_id]
            if (c.opened_at, c.pk) < (letter.case.opened_at, letter.case.pk)
        ]
        if before:
            earlier[letter.pk] = before[-1]
    return earlier


# --- PDF ---------------------------------------------------------------------------------------

# An embedded Unicode font (DejaVu Sans, see fonts/LICENSE): names render as written whatever
# their script ("Łódź House"), which the PDF core fonts (Latin-1 only) cannot do.
FONT_DIR = Path(__file__).resolve().parent / "fonts"


PREPARING = (
    "This letter is being prepared. Its text is written, dated and emailed within minutes of "
    "the breach sweep; download it again shortly."
)


def letter_pdf(letter: Letter) -> bytes:
    """The letter as sent; a letter the sweep owed but has not written yet says so."""
    if not letter.is_written:
        return _pdf(f"{letter.get_kind_display()}: being prepared", letter.reference, PREPARING)
    return _pdf(letter.subject, letter.reference, letter.body)


def _pdf(subject: str, reference: str, body: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(subject)
    pdf.set_author(settings.NHSBSA_NAME)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, subject, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(0, 5, f"Reference: {reference}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=11)
    for paragraph in body.split("\n"):
        pdf.multi_cell(0, 5.5, paragraph or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
