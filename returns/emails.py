"""The emails of the monthly cycle: window open, the 48-hour reminder, onboarding chasers;
the first two also as text messages to contacts who chose them.

Each job is idempotent and catches up: it works out from the database what is owed at
``now`` and queues it in the outbox, whose unique key makes a second run queue nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from capacity_tracker.lib import clock
from notifications.models import OutboundMessage
from notifications.outbox import QueuedMessage, outbox_insert
from providers.models import Contact, Location, LocationStatusChange
from providers.selectors import (
    ONBOARDING_LISTED_AFTER_DAYS,
    locations_without_users,
)
from providers.validators import normalise_uk_mobile
from returns.email_links import link_url, make_token
from returns.models import CollectionWindow, ReminderPass, Return
from returns.obligations import OFFERED, owing_locations

WINDOW_OPEN = "window_open"
REMINDER = "reminder_48h"
EMAIL = OutboundMessage.Channel.EMAIL
# The window-open message and the reminder also go as texts to contacts who chose them (same
# kind, so a veto stops both); onboarding chasers, receipts and letters are email only.
SMS = OutboundMessage.Channel.SMS
ONBOARDING_DAYS = (30, 60, 90)
REMINDER_BEFORE_CLOSE = datetime.timedelta(hours=48)
# How far back before the last pass a reminder tick looks again for changed locations. A row
# stamped just before the pass began but committed after it read was invisible to it; this
# margin is far longer than any write transaction (the CQC import of the whole register takes
# seconds), so such a row is still picked up by a later tick.
REMINDER_SETTLE = datetime.timedelta(minutes=30)


def _update_path(window: CollectionWindow, location: Location) -> str:
    """That location's return (after sign-in); the dashboard when it has two care types."""
    care_types = location.care_types
    if len(care_types) == 1:
        return reverse("returns:form", args=[window.period_key, location.cqc_id, care_types[0]])
    return reverse("returns:dashboard")


def _personalisation(
    window: CollectionWindow, contact: Contact, location: Location
) -> dict[str, object]:
    token = make_token(
        location_id=location.pk,
        window_id=window.pk,
        contact_id=contact.pk,
        expires_at=window.closes_at,
    )
    return {
        "name": contact.name,
        "location_name": location.name,
        "location_id": location.cqc_id,
        "period": window.label,
        "opens_on": window.opens_local.strftime("%A %-d %B %Y"),
        "last_day": window.last_day.strftime("%A %-d %B %Y"),
        "update_url": settings.SITE_URL + _update_path(window, location),
        "quick_url": link_url(token),
        "support_email": settings.SUPPORT_EMAIL,
    }


def _texts_to(contact: Contact) -> str | None:
    """The contact's mobile number, if they chose text messages and it is a UK mobile (checked
    again here: a number stored before the check, or by hand, is passed by, not sent)."""
    if not (contact.sms and contact.mobile):
        return None
    try:
        return normalise_uk_mobile(contact.mobile)
    except ValidationError:
        return None


def _emails_for(
    kind: str, window: CollectionWindow, locations: QuerySet[Location, Any] | list[int]
) -> list[QueuedMessage]:
    """The emails of ``kind``, and a text message to each contact who chose them, with the
    same signed link: using either uses up both (``claim_digest``)."""
    # Skip contacts already queued: the tick runs every few minutes through the window, and
    # building (and signing links for) 45,000 emails only for the insert to ignore them is
    # waste. One query for what is queued; the unique key still settles a race between ticks.
    already = OutboundMessage.objects.filter(
        kind=kind, scope=window.period_key, resend_of__isnull=True
    )
    if isinstance(locations, list):
        # A few changed locations: read their queued emails, not the whole window's.
        already = already.filter(location_id__in=locations)
    queued = set(already.values_list("channel", "location_id", "recipient"))
    messages: list[QueuedMessage] = []
    for contact in (
        Contact.objects.filter(location__in=locations)
        .select_related("location")
        .iterator(chunk_size=2000)
    ):
        wanted = [(EMAIL, contact.email)]
        mobile = _texts_to(contact)
        if mobile:
            wanted.append((SMS, mobile))
        wanted = [(c, to) for c, to in wanted if (c, contact.location_id, to) not in queued]
        if not wanted:
            continue
        values = _personalisation(window, contact, contact.location)
        messages.extend(
            QueuedMessage(
                kind=kind,
                scope=window.period_key,
                channel=channel,
                location_id=contact.location_id,
                contact_id=contact.pk,
                recipient=recipient,
                template=kind,
                personalisation=values,
            )
            for channel, recipient in wanted
        )
    return messages


def queue_window_open(*, now: datetime.datetime) -> int:
    """One email per contact of every owing location, for every window open at ``now`` (and a
    text to each contact who chose them).

    Catch-up: after an outage the emails of a window that is still open are queued late;
    once it has closed they are not (telling people a closed window is open helps nobody).
    """
    queued = 0
    for window in CollectionWindow.objects.filter(opens_at__lte=now, closes_at__gt=now):
        emails = _emails_for(WINDOW_OPEN, window, owing_locations(window).values("pk"))
        queued += outbox_insert(emails, now=now)
    return queued


def locations_not_updated(
    window: CollectionWindow, among: Collection[int] | None = None
) -> list[int]:
    """Owing locations (of ``among``, default all) with at least one owed care type that has no
    update in the window (one query: an anti-join per care type offered)."""
    updated = Return.objects.filter(window=window, location=OuterRef("pk"), counted__isnull=False)
    behind = Q()
    for care_type, offered in OFFERED.items():
        behind |= Q(**{offered: True}) & Q(~Exists(updated.filter(care_type=care_type)))
    locations = owing_locations(window).filter(behind)
    if among is not None:
        locations = locations.filter(pk__in=list(among))
    return list(locations.order_by().values_list("pk", flat=True))


def changed_locations(since: datetime.datetime) -> list[tuple[int, datetime.datetime]]:
    """(location, when) for every change since ``since`` that can make a location owe a
    reminder it did not owe before: the location itself (added, care types, status, date
    added to the service: every write path stamps ``updated_at``), a contact added or its
    address changed, a registration status change recorded. One query; updates to returns
    are left out because they only ever take a location off the list."""
    parts = (
        Location.objects.filter(updated_at__gte=since).values_list("pk", "updated_at"),
        Contact.objects.filter(updated_at__gte=since).values_list("location_id", "updated_at"),
        LocationStatusChange.objects.filter(recorded_at__gte=since).values_list(
            "location_id", "recorded_at"
        ),
    )
    first, *rest = (part.order_by() for part in parts)
    return list(first.union(*rest, all=True))


def _reminder_pass(window: CollectionWindow) -> ReminderPass | None:
    try:
        return window.reminder_pass
    except ObjectDoesNotExist:
        return None


def queue_reminders(*, now: datetime.datetime) -> int:
    """One reminder per contact of every owing location without an update, 48 hours before
    its window closes (and a text to each contact who chose them).

    Beat runs this every few minutes, and at national scale reading all 30,000 locations each
    time costs seconds. So the first tick in a window's reminder time reads them all and
    records a ``ReminderPass``; later ticks read only the locations changed since (none, in
    one query, on most ticks) and write nothing when nothing is due. Outside the reminder time
    the one query for windows finds none and no location is read. Whether a location updated
    after its reminder was queued is checked again just before sending (``reminder_veto``).
    """
    # The watermark is compared with the rows' ``updated_at`` stamps, and Django writes those
    # (``auto_now``) with the real time whatever instant a job runs as of. So it is read here,
    # once, from the clock (the real time too: in production ``clock.now()`` is the wall
    # clock), not taken from ``now``: ``run_scheduled --now`` plays a tick as of another
    # instant (a demo a month ahead, a catch-up), and a watermark at that instant would
    # hide (or re-read) changes stamped in real time. ``now`` picks the windows and stamps
    # what is queued. A test that freezes the clock around this tick must stamp the rows it
    # changes on the same frozen clock.
    started = clock.now()
    queued = 0
    windows = CollectionWindow.objects.filter(
        closes_at__gt=now, closes_at__lte=now + REMINDER_BEFORE_CLOSE
    ).select_related("reminder_pass")
    for window in windows:
        done = _reminder_pass(window)
        if done is None or done.opens_at != window.opens_at:
            emails = _emails_for(REMINDER, window, locations_not_updated(window))
            queued += outbox_insert(emails, now=now)
            ReminderPass.objects.update_or_create(
                window=window, defaults={"opens_at": window.opens_at, "checked_at": started}
            )
            continue
        changes = changed_locations(done.checked_at - REMINDER_SETTLE)
        if not changes:
            continue
        behind = locations_not_updated(window, among={location for location, _ in changes})
        emails = _emails_for(REMINDER, window, behind) if behind else []
        if emails:
            queued += outbox_insert(emails, now=now)
        # Move the watermark only once a change has settled (is older than the margin):
        # until then the ticks read the recent changes again, and write nothing.
        if min(when for _, when in changes) < started - REMINDER_SETTLE:
            ReminderPass.objects.filter(pk=done.pk).update(checked_at=started)
    return queued


def _window_of(email: OutboundMessage) -> CollectionWindow | None:
    return CollectionWindow.objects.filter(
        period__year=int(email.scope[:4]), period__month=int(email.scope[5:7])
    ).first()


def refresh_window_details(email: OutboundMessage, window: CollectionWindow) -> None:
    """Just before a window-open email or reminder goes (or a resend of one, which copies the
    original's values): its dates, and its link's expiry, from the window as it is now. Support
    staff may have moved the window's dates since it was queued, and an email that gives the
    old ones, or a link that expires at the old close, misleads. Saved on the row, so what the
    outbox shows is what was sent."""
    location = email.location
    if location is None or email.contact_id is None:
        return
    contact = Contact.objects.filter(pk=email.contact_id, location_id=location.pk).first()
    if contact is None:
        return  # the contact has gone: the link would not work for them anyway
    values = {**email.personalisation, **_personalisation(window, contact, location)}
    if values != email.personalisation:
        email.personalisation = values
        OutboundMessage.objects.filter(pk=email.pk).update(personalisation=values)


def window_email_check(email: OutboundMessage) -> str | None:
    """Just before a window-open email (or text) goes: never vetoed, brought up to date."""
    window = _window_of(email)
    if window is not None:
        refresh_window_details(email, window)
    return None


def reminder_veto(email: OutboundMessage) -> str | None:
    """Just before a reminder (email or text) goes: has the location updated since it was
    queued? If not, it goes with the window's dates as they are now."""
    window = _window_of(email)
    if window is None:
        return None
    location = email.location if email.location_id is not None else None
    if location is None:
        return None
    owed = location.care_types
    updated = set(
        Return.objects.filter(
            window=window, location_id=location.pk, counted__isnull=False
        ).values_list("care_type", flat=True)
    )
    if all(care_type in updated for care_type in owed):
        return "Not sent: the location updated its return after the reminder was queued."
    refresh_window_details(email, window)
    return None


# Looked at just before each message of the kind goes (notifications.outbox.outbox_send_one):
# a reason not to send it, or None to send it, brought up to date.
EMAIL_VETOES = {REMINDER: reminder_veto, WINDOW_OPEN: window_email_check}


# --- Onboarding ---------------------------------------------------------------------------


def queue_onboarding_chasers(*, today: datetime.date, now: datetime.datetime | None = None) -> int:
    """A chaser at 30, 60 and 90 days without a registered user, queued at ``now`` (the
    job's instant; when not given, the clock is read once here).

    After an outage only the latest chaser due is sent: three at once would be noise.
    """
    queued_at = clock.now() if now is None else now
    queued = 0
    bands = [*ONBOARDING_DAYS, ONBOARDING_LISTED_AFTER_DAYS]
    for index, days in enumerate(ONBOARDING_DAYS):
        newest = today - datetime.timedelta(days=days)
        oldest = today - datetime.timedelta(days=bands[index + 1] - 1)
        locations = locations_without_users().filter(
            added_to_service_on__lte=newest, added_to_service_on__gte=oldest
        )
        kind = f"onboarding_{days}"
        contacts = Contact.objects.filter(location__in=locations.values("pk")).select_related(
            "location"
        )
        emails = [
            QueuedMessage(
                kind=kind,
                scope="onboarding",
                location_id=contact.location_id,
                contact_id=contact.pk,
                recipient=contact.email,
                template="onboarding_chaser",
                personalisation={
                    "name": contact.name,
                    "location_name": contact.location.name,
                    "location_id": contact.location.cqc_id,
                    "days": str(days),
                    "register_url": settings.SITE_URL + reverse("providers:register"),
                    "support_email": settings.SUPPORT_EMAIL,
                },
            )
            for contact in contacts
        ]
        queued += outbox_insert(emails, now=queued_at)
    return queued
