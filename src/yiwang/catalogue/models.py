"""Tables of the service catalogue: one entry per item or bundle code and its immutable published versions.

An entry (``catalogue_entry``) is the stable row an item or a 一件事 bundle is found by: its code, the columns the
list and the search filter on (department, subject, life events, search text) copied from the current version, and
``current_version``, which an admin edit compares and bumps in one conditional UPDATE (optimistic concurrency:
a stale edit answers 409). Every change publishes a new row in ``catalogue_version`` holding the full body as
JSON with its SHA-256; old versions are kept so applications can name the version they were made under. The
tables are created by the hand-written migration 0009.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0009"}
"""Table ``info`` of every catalogue table: created by migration 0009, not by the regenerated 0001."""


class CatalogueEntry(Base):
    """An item (事项) or a bundle (一件事) by code, with the searchable columns of its current version."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (
        CheckConstraint("kind IN ('item', 'bundle')", name="kind_known"),
        CheckConstraint("status IN ('draft', 'published', 'retired')", name="status_known"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8), index=True)
    name: Mapped[str] = mapped_column(String(128))
    # The implementing department of an item, the lead department of a bundle.
    department_code: Mapped[str] = mapped_column(ForeignKey("registry_department.code"), index=True)
    subject: Mapped[str] = mapped_column(String(12))
    item_type: Mapped[str] = mapped_column(String(32), default="")
    # Life-event codes between spaces (" birth housing "): a LIKE '% birth %' filter works on both databases.
    life_events: Mapped[str] = mapped_column(String(256), default=" ")
    # Lower-cased name, keywords, department and life-event names: the substring search runs over this column.
    search_text: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    current_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CatalogueVersion(Base):
    """One published version of an entry: the whole body, its hash, who published it and why.

    Never changed afterwards: retiring an item publishes a further version with status ``retired``.
    """

    __tablename__ = "catalogue_version"
    __table_args__ = (
        UniqueConstraint("entry_id", "version", name="uq_catalogue_version_entry_version"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("catalogue_entry.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    body_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the canonical JSON body
    status: Mapped[str] = mapped_column(String(10))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(300), default="")
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
