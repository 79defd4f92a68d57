"""API bearer tokens: random secrets shown once, stored only as SHA-256 digests.

A token is ``yw_`` plus 43 URL-safe characters (256 bits from :mod:`secrets`). With that much entropy a fast
hash is enough: nobody can guess a token from its digest, and a lookup by digest costs one index probe.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "yw_"  # noqa: S105 - a marker every token starts with, not a secret
TOKEN_BYTES = 32
DISPLAY_PREFIX_LENGTH = 10  # "yw_" + 7 characters: enough to tell a person's tokens apart in a list


def generate_token() -> str:
    """A new random bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The hex SHA-256 digest stored in place of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def display_prefix(token: str) -> str:
    """The start of a token, safe to show in lists so people recognise which token is which."""
    return token[:DISPLAY_PREFIX_LENGTH]


def looks_like_token(value: str) -> bool:
    """Whether a presented credential has the shape of one of our tokens (cheap check before the lookup)."""
    return value.startswith(TOKEN_PREFIX) and 20 <= len(value) <= 100  # noqa: PLR2004 - generous bounds
