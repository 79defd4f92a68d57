"""Tables of 12345 triage: trained model versions, operators' corrections, knowledge-base articles.

Created by the hand-written migration 0007 (``info["migration"]`` marks them so the regenerated 0001 leaves them
out); ``tests/integration/hotline/triage/test_triage_migration.py`` compares that migration with these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0007"}
"""Table ``info`` of every triage table: created by migration 0007."""


class ModelVersion(Base):
    """One trained triage model: the pickled ``Triager`` (our own artifact), its metrics and provenance."""

    __tablename__ = "hotline_triage_model"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    algorithm: Mapped[str] = mapped_column(String(128))
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed_examples: Mapped[int] = mapped_column(Integer)
    corrections: Mapped[int] = mapped_column(Integer)
    trained_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    trained_by: Mapped[str] = mapped_column(String(64))


class Correction(Base):
    """An operator's fix of a triage result: what the model said, what the person decided, and who."""

    __tablename__ = "hotline_triage_correction"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    appeal_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    model_version: Mapped[str] = mapped_column(String(32))
    predicted_type: Mapped[str] = mapped_column(String(8))
    predicted_category: Mapped[str] = mapped_column(String(8))
    predicted_department: Mapped[str] = mapped_column(String(32))
    predicted_urgency: Mapped[str] = mapped_column(String(8))
    predicted_confidence: Mapped[float] = mapped_column(Float)
    type: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(8))
    department: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(64))


class Article(Base):
    """A knowledge-base article (直接答复): a service guide or policy answer an operator can read out."""

    __tablename__ = "hotline_kb_article"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str | None] = mapped_column(String(8))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))
    published: Mapped[bool] = mapped_column(default=True)
    # Optimistic locking: an edit names the version it started from; a concurrent edit wins, the other gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
