"""The signed "nothing has changed, or make a nil return" link in the monthly emails.

The token is bound to one location, one window and one contact, is signed with the secret
key under its own salt (so no other signed value can stand in for it), and expires when the
window closes. Following it shows a confirmation page; only that page's button saves.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "returns.email-link.v1"


class LinkError(Exception):
    """Why a link cannot be used, in words for the person who clicked it."""


class LinkExpired(LinkError):
    """The window the link was for has closed."""


class LinkInvalid(LinkError):
    """Tampered, truncated or signed for something else."""


@dataclass(frozen=True)
class LinkClaim:
    location_id: int
    window_id: int
    contact_id: int
    expires_at: datetime.datetime


def make_token(
    *, location_id: int, window_id: int, contact_id: int, expires_at: datetime.datetime
) -> str:
    payload = {"l": location_id, "w": window_id, "c": contact_id, "x": int(expires_at.timestamp())}
    return signing.dumps(payload, salt=SALT, compress=True)


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("email-link", args=[token])


def read_token(token: str, *, now: datetime.datetime) -> LinkClaim:
    try:
        payload = signing.loads(token, salt=SALT)
        claim = LinkClaim(
            location_id=int(payload["l"]),
            window_id=int(payload["w"]),
            contact_id=int(payload["c"]),
            expires_at=datetime.datetime.fromtimestamp(int(payload["x"]), tz=datetime.UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid("This link is not valid.") from None
    if now >= claim.expires_at:
        raise LinkExpired("This link has expired because the collection has closed.")
    return claim


def claim_digest(claim: LinkClaim) -> str:
    """What a used-link record is keyed on (returns.models.UsedEmailToken).

    The claim, not the token's bytes: the window-open email and the reminder carry different
    tokens (each signed at its own time) for the same location, window and contact, and using
    either must use up both, as marking the email rows always did.
    """
    key = f"{SALT}:{claim.location_id}:{claim.window_id}:{claim.contact_id}"
    return hashlib.sha256(key.encode()).hexdigest()
