"""Making and checking API keys. No database here.

A key is ``<prefix>.<secret>``: the prefix (8 characters) is stored and shown, so people can
tell their keys apart and we can find the row; only the SHA-256 digest of the whole key is
stored. The secret has 256 bits of entropy, so a fast hash is safe: a slow password hash would
only cost every API call time (and nobody can guess a key to try offline).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

PREFIX_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_LENGTH = 8


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate() -> tuple[str, str, str]:
    """A new key: (the whole key, to show once; its prefix; its digest, to store)."""
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    return key, prefix, digest(key)


def split_prefix(key: str) -> str | None:
    """The prefix of something that looks like a key, or None."""
    prefix, dot, secret = key.partition(".")
    if not dot or len(prefix) != PREFIX_LENGTH or not secret or len(key) > 200:
        return None
    return prefix


def matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(key), stored_digest)
