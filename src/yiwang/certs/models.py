"""Signing keys and issued e-certificates (电子证照).

A certificate row keeps the signed document exactly as issued (what the holder downloads and verifiers check)
beside the searchable columns it was built from, plus the revocation facts that only the register knows. Signing
keys keep their public half forever (old certificates stay verifiable after rotation); the private half lives
here only when no key file is configured. Created by the hand-written migration 0008.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0008"}
"""Table ``info`` of every certs table: created by migration 0008, not by the regenerated 0001."""


class SigningKey(Base):
    """An Ed25519 key of this issuer: ``active`` signs, ``retired`` only verifies, ``withdrawn`` is unpublished."""

    __tablename__ = "certs_signing_key"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)  # RFC 7638 thumbprint
    issuer: Mapped[str] = mapped_column(String(128))
    algorithm: Mapped[str] = mapped_column(String(16), default="EdDSA")
    public_key: Mapped[str] = mapped_column(String(64))  # base64url raw 32 bytes (the JWK's "x")
    # PKCS#8 PEM; None when the key comes from the configured key file (never leaves this table through any API).
    private_key_pem: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # database | file
    status: Mapped[str] = mapped_column(String(16), index=True)
    # 1 on the one active key, NULL otherwise: a unique column keeps "one active key" true under concurrency.
    active_slot: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Certificate(Base):
    """One issued e-certificate with its signed document and revocation state."""

    __tablename__ = "certs_certificate"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # DZZZ-510100-2026-00001234
    cert_type: Mapped[str] = mapped_column(String(64), index=True)
    cert_name: Mapped[str] = mapped_column(String(64))
    holder_kind: Mapped[str] = mapped_column(String(16))
    holder_id: Mapped[str] = mapped_column(String(18), index=True)
    holder_name: Mapped[str] = mapped_column(String(128))
    issuing_department: Mapped[str] = mapped_column(String(32), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6))
    issuer: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    source_ref: Mapped[str | None] = mapped_column(String(128), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    kid: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    document_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the canonical signed document
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(64))
