"""Strict reading of environment settings.

django-environ reads ``DEBUG=maybe`` as False without complaint. A government service must not
quietly start in an unexpected mode, so booleans here accept only a short list of spellings and
anything else stops the process with the variable's name in the message.
"""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def strict_bool(env: environ.Env, name: str, *, default: bool) -> bool:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/yes/no/on/off/1/0, not {raw!r}.")


def strict_int(env: environ.Env, name: str, *, default: int, minimum: int = 0) -> int:
    raw = env.str(name, default=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def required_str(env: environ.Env, name: str, *, why: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value
