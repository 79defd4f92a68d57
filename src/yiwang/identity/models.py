"""Accounts, API tokens and the account change history of the identity context.

An account has a primary role (what the audit log records) and extra roles, plus the data scope of those
roles: a department (``registry_department.code``), a district / street / grid, or the person or enterprise the
account acts for. Passwords are Argon2id hashes; API tokens are stored only as SHA-256 digests. The tables are
created by the hand-written migration 0005 (``info["migration"]`` marks them so the regenerated 0001 leaves them
out); a test compares that migration with these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0005"}
"""Table ``info`` of every identity table: created by migration 0005, not by the regenerated 0001."""


class Account(Base):
    """A person's login to the platform, with roles and the data scope those roles apply to."""

    __tablename__ = "identity_account"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: logs in only through the city IdP
    role: Mapped[str] = mapped_column(String(32), index=True)  # primary role (identity.scopes.Role)
    extra_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("registry_department.code"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6))
    street_code: Mapped[str | None] = mapped_column(String(9))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    person_id_number: Mapped[str | None] = mapped_column(String(18), unique=True)  # the citizen it belongs to
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), index=True)  # the enterprise an agent acts for
    phone: Mapped[str | None] = mapped_column(String(20))
    external_subject: Mapped[str | None] = mapped_column(String(255), unique=True)  # "<issuer>|<sub>" once linked
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Bumped when the password is reset or the account deactivated: older login sessions stop working.
    credentials_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    """A bearer token for scripts and other systems; the token itself is shown once and never stored."""

    __tablename__ = "identity_api_token"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("identity_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256
    token_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AccountEvent(Base):
    """One change to an account (created, roles changed, password reset, locked…): who did it and when."""

    __tablename__ = "identity_account_event"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("identity_account.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
