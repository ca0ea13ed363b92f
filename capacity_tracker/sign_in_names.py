"""The one spelling of a sign-in name that django-axes counts failures against.

Sign-in finds the account whatever the case of the email address (``get_by_natural_key`` uses
``iexact``) and the form strips spaces, but axes counted failures against the name exactly as
typed: ``MANAGER@...`` or `` manager@...`` was a fresh account to it, so the lock-out could be
walked round and each variant of case bought five more guesses. Counting against the
normalised name makes every spelling of one address share one count.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def normalise_sign_in_name(value: object) -> str:
    # NFKC as Django's UsernameField does, then trimmed like the form and in lower case as stored.
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()


def axes_username(request: HttpRequest | None, credentials: Mapping[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: the name from the credentials, else from the posted form."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        # authenticate() is called with "username" whatever the form calls its field.
        name = credentials.get(field) or credentials.get("username")
        if name is not None:
            return normalise_sign_in_name(name)
    data = getattr(request, "data", None) or getattr(request, "POST", None) or {}
    return normalise_sign_in_name(data.get(field))
