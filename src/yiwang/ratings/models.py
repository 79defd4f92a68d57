"""好差评 tables: ratings, rectifications of bad ratings with their callbacks, and appeals against false ratings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0004"}
"""Table ``info`` of every ratings table: created by the hand-written migration 0004, not by the regenerated 0001."""


class Rating(Base):
    """One rater's evaluation of one service instance (一事一评).

    ``subject_ref`` names the instance (``workflow:123``, ``appeal:45``); one rating per rater and instance.
    ``level`` is the overall satisfaction 1–5; ``indicators`` holds the channel's indicator scores where given
    (GB/T 39734 online, GB/T 39735 offline). A rating whose appeal was accepted is ``excluded`` from the
    statistics but kept for audit.
    """

    __tablename__ = "ratings_rating"
    __table_args__ = (
        UniqueConstraint("subject_ref", "rater_id"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_ref: Mapped[str] = mapped_column(String(64), index=True)
    service_name: Mapped[str] = mapped_column(String(128), default="")  # 事项名称, for people reading lists
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    unit_code: Mapped[str] = mapped_column(String(64), index=True)  # the window, office or branch that served
    channel: Mapped[str] = mapped_column(String(8))  # RatingChannel value
    level: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    rater_id: Mapped[str] = mapped_column(String(64), index=True)  # account id of the person who rated
    rated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    revised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revisions: Mapped[int] = mapped_column(Integer, default=0)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)


class Rectification(Base):
    """The rectification (差评整改) a bad rating opens for the responsible unit, due in 15 working days.

    ``due_at`` is the end of the 15th working day after the rating (None while the holiday calendar does not
    yet cover that period). ``on_time`` is decided when the unit reports the rectification; an unsatisfied
    callback reopens it (``rounds`` counts the rounds) without moving the deadline.
    """

    __tablename__ = "ratings_rectification"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings_rating.id"), unique=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # RectificationStatus value
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    response: Mapped[str] = mapped_column(Text, default="")
    response_kind: Mapped[str | None] = mapped_column(String(10))  # ResponseKind value
    responded_by: Mapped[str | None] = mapped_column(String(64))
    rectified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    rounds: Mapped[int] = mapped_column(Integer, default=1)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(20))  # Resolution value
    overdue_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)  # optimistic lock: concurrent handling fails instead of overwriting

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this class attribute by name


class Callback(Base):
    """A callback (回访) asking the rater how satisfied they are with the rectification."""

    __tablename__ = "ratings_callback"
    __table_args__ = (
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("ratings_rectification.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(8))  # CallbackMethod value
    satisfaction: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Appeal(Base):
    """An appeal (申诉) by the rated unit against a false bad rating, decided by a platform reviewer.

    One appeal per rating. Accepted: the rating is excluded from statistics (kept for audit) and its
    rectification closed; rejected: the rectification continues.
    """

    __tablename__ = "ratings_appeal"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings_rating.id"), unique=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON)  # file names or URLs of the supporting material
    status: Mapped[str] = mapped_column(String(8), index=True)  # AppealStatus value
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)  # optimistic lock: two reviewers cannot both decide

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this class attribute by name
