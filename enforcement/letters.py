"""Letters of the enforcement process: written from templates, stored as sent, emailed
through the outbox and downloadable as PDF.

Every letter row keeps its exact text and the breaches it cites, so what a provider was told,
and on what grounds, can always be shown. Batched for the sweep: letters for thousands of
cases cost a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from fpdf import FPDF

from capacity_tracker.lib import clock
from enforcement.fees import FeeLine
from enforcement.models import Breach, EnforcementCase, Letter, LetterBreach
from providers.models import Contact, OutboundEmail, RegistrationStatus, User
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
    subject, body = render_letter(kind, context)
    return Letter(
        case=case,
        kind=kind,
        reference=f"{case.reference}-{KIND_CODES[Letter.Kind(kind)]}{sequence}",
        subject=subject,
        body=body,
        created_at=now,
        created_by=actor,
        dated=context["today"],
    )


def create_letters(letters: list[Letter], cited: list[list[Breach]]) -> None:
    """Store letters and the breaches each one cites (two bulk inserts)."""
    Letter.objects.bulk_create(letters)
    LetterBreach.objects.bulk_create(
        LetterBreach(letter=letter, breach=breach, kind=letter.kind)
        for letter, breaches in zip(letters, cited, strict=True)
        for breach in breaches
    )


def queue_letter_emails(letters: Iterable[Letter], *, now: datetime.datetime) -> int:
    """Email each letter to the contacts of its provider's active locations (one query)."""
    letters = list(letters)
    provider_ids = {letter.case.provider_id for letter in letters}
    contacts: dict[int, dict[str, Contact]] = defaultdict(dict)
    for contact in Contact.objects.filter(
        location__provider_id__in=provider_ids, location__status=RegistrationStatus.ACTIVE
    ).select_related("location"):
        contacts[contact.location.provider_id].setdefault(contact.email.lower(), contact)
    emails = [
        OutboundEmail(
            kind=f"letter_{letter.kind}",
            scope=letter.reference,
            location=contact.location,
            contact=contact,
            recipient=contact.email,
            template=LETTER_EMAIL_TEMPLATE,
            personalisation={
                "subject": letter.subject,
                "body": letter.body,
                "reference": letter.reference,
            },
            created_at=now,
        )
        for letter in letters
        for contact in contacts[letter.case.provider_id].values()
    ]
    OutboundEmail.objects.bulk_create(emails, batch_size=2000, ignore_conflicts=True)
    return len(emails)


def queue_breach_letters(*, touched: list[Any], now: datetime.datetime) -> list[Letter]:
    """One letter per case the sweep opened or moved, covering every window it missed in this
    run (a catch-up of several windows sends one letter), dated the day it is sent.

    ``touched`` holds the sweep's records: ``case``, ``opened``, ``moved_to_second``, ``windows``.
    """
    window_ids = {w.pk for t in touched for w in t.windows}
    provider_ids = {t.case.provider_id for t in touched}
    missed: dict[int, list[Breach]] = defaultdict(list)
    for breach in Breach.objects.filter(
        window_id__in=window_ids, provider_id__in=provider_ids, escalates=True
    ).select_related("location", "window"):
        missed[breach.provider_id].append(breach)
    earlier: dict[int, EnforcementCase] = {}
    for case in (
        EnforcementCase.objects.filter(provider_id__in=provider_ids)
        .exclude(pk__in=[t.case.pk for t in touched])
        .order_by("opened_at", "pk")
    ):
        earlier[case.provider_id] = case  # the latest earlier case wins
    today = clock.local_date(now)
    letters: list[Letter] = []
    cited: list[list[Breach]] = []
    for t in touched:
        if t.opened:
            kind = Letter.Kind.FIRST_BREACH
        elif t.moved_to_second:
            kind = Letter.Kind.SECOND_BREACH
        else:
            continue
        breaches = sorted(
            missed[t.case.provider_id], key=lambda b: (b.window.period, b.location.name)
        )
        context = {
            **base_context(t.case, today),
            "windows": t.windows,
            "months": months_text(t.windows),
            "breaches": breaches,
            "earlier_case": earlier.get(t.case.provider_id),
        }
        letters.append(make_letter(t.case, kind, context, now=now))
        cited.append(breaches)
    create_letters(letters, cited)
    queue_letter_emails(letters, now=now)
    return letters


# --- PDF ---------------------------------------------------------------------------------------

# An embedded Unicode font (DejaVu Sans, see fonts/LICENSE): names render as written whatever
# their script ("Łódź House"), which the PDF core fonts (Latin-1 only) cannot do.
FONT_DIR = Path(__file__).resolve().parent / "fonts"


def letter_pdf(letter: Letter) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(letter.subject)
    pdf.set_author(settings.NHSBSA_NAME)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, letter.subject, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(0, 5, f"Reference: {letter.reference}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=11)
    for paragraph in letter.body.split("\n"):
        pdf.multi_cell(0, 5.5, paragraph or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
