"""The audit log's hash chain, as pure functions: canonical row content, row hash, genesis.

Each row's ``hash`` is ``sha256(prev_hash || canonical_json(content))`` where ``prev_hash`` is the previous row's
hash (64 zeros for the first row) and ``content`` is every column of the row except the two hashes. Canonical JSON
has sorted keys, no insignificant whitespace, UTF-8 text (Chinese written as itself, not escaped) and timestamps
in UTC ISO-8601 with microseconds, so the same row read back from SQLite (naive datetimes) or PostgreSQL (aware)
hashes identically.
Changing any column of a row changes its hash; removing or reordering rows breaks the ``prev_hash`` links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from yiwang.db import as_utc

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first row of the chain."""

CONTENT_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_department",
    "actor_role",
    "subject_kind",
    "subject_code",
    "source_department",
    "record_kind",
    "fields",
    "purpose",
    "legal_basis",
    "cross_department",
    "outcome",
)
"""The columns covered by a row's hash (every column except ``prev_hash`` and ``hash`` themselves)."""


def canonical_timestamp(value: dt.datetime) -> str:
    """A timestamp as UTC ISO-8601 with microseconds, e.g. ``2026-01-02T03:04:05.000006+00:00``."""
    return as_utc(value).isoformat(timespec="microseconds")


def entry_content(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: str,
    actor_department: str | None,
    actor_role: str | None,
    subject_kind: str,
    subject_code: str,
    source_department: str,
    record_kind: str,
    fields: Sequence[str],
    purpose: str,
    legal_basis: str,
    cross_department: bool,
    outcome: str,
) -> dict[str, object]:
    """The hashed content of one row, normalised (UTC timestamp text, fields as a list, plain bool)."""
    return {
        "seq": int(seq),
        "at": canonical_timestamp(at),
        "actor_id": actor_id,
        "actor_department": actor_department,
        "actor_role": actor_role,
        "subject_kind": subject_kind,
        "subject_code": subject_code,
        "source_department": source_department,
        "record_kind": record_kind,
        "fields": list(fields),
        "purpose": purpose,
        "legal_basis": legal_basis,
        "cross_department": bool(cross_department),
        "outcome": outcome,
    }


def content_from_row(row: Mapping[Any, Any]) -> dict[str, object]:
    """The hashed content of a row read back from the database (a mapping with at least ``CONTENT_FIELDS``)."""
    content = {name: row[name] for name in CONTENT_FIELDS}
    at = content["at"]
    # A tampered or corrupt value must still hash (to a mismatch), never crash verification.
    content["at"] = canonical_timestamp(at) if isinstance(at, dt.datetime) else str(at)
    fields = content["fields"]
    if isinstance(fields, tuple):
        content["fields"] = list(fields)
    return content


def canonical_json(content: Mapping[str, object]) -> bytes:
    """Deterministic UTF-8 JSON: sorted keys, compact separators, non-ASCII kept as is."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(prev_hash: str, content: Mapping[str, object]) -> str:
    """``sha256(prev_hash || canonical_json(content))`` as 64 lowercase hex digits.

    Examples:
        >>> entry_hash(GENESIS_HASH, {"seq": 1})[:16]
        '0a00898550374c41'
    """
    digest = hashlib.sha256(prev_hash.encode("utf-8"))
    digest.update(canonical_json(content))
    return digest.hexdigest()
