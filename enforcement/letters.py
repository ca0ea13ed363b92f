"""Letters of the enforcement process: written from templates, stored as sent, emailed
through the outbox and downloadable as PDF.

Every letter row keeps its exact text, so what a provider was told can always be shown.
Batched for the sweep: letters for thousands of cases cost a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from fpdf import FPDF

from enforcement.models import Breach, EnforcementCase, Letter
from providers.models import Contact, OutboundEmail, RegistrationStatus
from returns.models import CollectionWindow

LETTER_EMAIL_TEMPLATE = "enforcement_letter"
KIND_CODES = {
    Letter.Kind.FIRST_BREACH: "B1",
    Letter.Kind.SECOND_BREACH: "B2",
    Letter.Kind.NOTICE_OF_INTENT: "NOI",
    Letter.Kind.FINAL_NOTICE: "FN",
}


def render_letter(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    text = render_to_string(f"enforcement/letters/{kind}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def base_context(case: EnforcementCase, today: datetime.date) -> dict[str, Any]:
    return {
        "case": case,
        "provider": case.provider,
        "today": today,
        "nhsbsa": settings.NHSBSA_NAME,
        "support_email": settings.SUPPORT_EMAIL,
        "site_url": settings.SITE_URL,
    }


def make_letter(
    case: EnforcementCase,
    kind: str,
    context: dict[str, Any],
    *,
    actor=None,
    now: datetime.datetime,
    sequence: int = 1,
) -> Letter:  # type: ignore[no-untyped-def]
    subject, body = render_letter(kind, context)
    return Letter(
        case=case,
        kind=kind,
        reference=f"{case.reference}-{KIND_CODES[kind]}{sequence}",
        subject=subject,
        body=body,
        created_at=now,
        created_by=actor,
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


def queue_breach_letters(
    *,
    first: list[EnforcementCase],
    second: list[EnforcementCase],
    window: CollectionWindow,
    now: datetime.datetime,
) -> list[Letter]:
    cases = [*first, *second]
    if not cases:
        return []
    missed: dict[int, list[Breach]] = defaultdict(list)
    for breach in Breach.objects.filter(
        window=window, provider_id__in=[c.provider_id for c in cases]
    ).select_related("location"):
        missed[breach.provider_id].append(breach)
    today = window.closes_local.date()
    letters = [
        make_letter(
            case,
            kind,
            {**base_context(case, today), "window": window, "breaches": missed[case.provider_id]},
            now=now,
        )
        for kind, group in ((Letter.Kind.FIRST_BREACH, first), (Letter.Kind.SECOND_BREACH, second))
        for case in group
    ]
    Letter.objects.bulk_create(letters)
    queue_letter_emails(letters, now=now)
    return letters


# --- PDF ---------------------------------------------------------------------------------------

# The PDF's built-in font covers Latin-1 only; GOV.UK copy uses a few typographic characters.
_PLAIN = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "•": "-"}
)


def letter_pdf(letter: Letter) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(letter.subject.translate(_PLAIN))
    pdf.set_author(settings.NHSBSA_NAME)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin1(letter.subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, _latin1(f"Reference: {letter.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    for paragraph in letter.body.split("\n"):
        pdf.multi_cell(0, 5.5, _latin1(paragraph) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")
