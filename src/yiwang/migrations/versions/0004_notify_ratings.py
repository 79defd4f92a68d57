"""notifications (templates, outbox, message centre) and 好差评 (ratings, rectifications, callbacks, appeals)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Hand-written (the notify and ratings tables carry ``info["migration"] = "0004"`` so the regenerated initial
migration leaves them out); ``tests/integration/notify/test_notify_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _index(table: str, *columns: str, name: str | None = None) -> None:
    op.create_index(name or f"ix_{table}_{columns[0]}", table, list(columns), unique=False)


def upgrade() -> None:
    """Create the notify and ratings tables."""
    op.create_table(
        "notify_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_template")),
        sa.UniqueConstraint("key", "channel", "version", name=op.f("uq_notify_template_key")),
    )
    _index("notify_template", "key")

    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("template_key", sa.String(length=64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=128), nullable=False),
        sa.Column("recipient_account_id", sa.String(length=64), nullable=True),
        sa.Column("subject_ref", sa.String(length=64), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sms_segments", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("deferrals", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        _ts("claimed_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=128), nullable=True),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        _ts("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notify_outbox_idempotency_key")),
    )
    _index("notify_outbox", "template_key")
    _index("notify_outbox", "subject_ref")
    _index("notify_outbox", "created_at")
    _index("notify_outbox", "status", "next_attempt_at", name="ix_notify_outbox_due")
    _index("notify_outbox", "recipient", "channel", "sent_at", name="ix_notify_outbox_recipient_channel")

    op.create_table(
        "notify_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=True),
        _ts("created_at"),
        _ts("read_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_message")),
        sa.UniqueConstraint("client_ref", name=op.f("uq_notify_message_client_ref")),
    )
    _index("notify_message", "created_at")
    _index("notify_message", "account_id", "read_at", name="ix_notify_message_inbox")

    op.create_table(
        "ratings_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("service_name", sa.String(length=128), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rater_id", sa.String(length=64), nullable=False),
        _ts("rated_at"),
        _ts("revised_at", nullable=True),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_ratings_rating_level_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings_rating")),
        sa.UniqueConstraint("subject_ref", "rater_id", name=op.f("uq_ratings_rating_subject_ref")),
    )
    for column in ("subject_ref", "department_code", "unit_code", "rater_id", "rated_at"):
        _index("ratings_rating", column)

    op.create_table(
        "ratings_rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        _ts("opened_at"),
        _ts("due_at", nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("response_kind", sa.String(length=10), nullable=True),
        sa.Column("responded_by", sa.String(length=64), nullable=True),
        _ts("rectified_at", nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        _ts("closed_at", nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        _ts("overdue_notified_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["ratings_rating.id"], name=op.f("fk_ratings_rectification_rating_id_ratings_rating")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings_rectification")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_ratings_rectification_rating_id")),
    )
    for column in ("department_code", "unit_code", "status", "due_at"):
        _index("ratings_rectification", column)

    op.create_table(
        "ratings_callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rectification_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        _ts("recorded_at"),
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name=op.f("ck_ratings_callback_satisfaction_range")),
        sa.ForeignKeyConstraint(
            ["rectification_id"],
            ["ratings_rectification.id"],
            name=op.f("fk_ratings_callback_rectification_id_ratings_rectification"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings_callback")),
    )
    _index("ratings_callback", "rectification_id")

    op.create_table(
        "ratings_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        _ts("filed_at"),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        _ts("reviewed_at", nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["ratings_rating.id"], name=op.f("fk_ratings_appeal_rating_id_ratings_rating")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings_appeal")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_ratings_appeal_rating_id")),
    )
    _index("ratings_appeal", "department_code")
    _index("ratings_appeal", "status")


def downgrade() -> None:
    """Drop the notify and ratings tables (children first)."""
    for table in (
        "ratings_appeal",
        "ratings_callback",
        "ratings_rectification",
        "ratings_rating",
        "notify_message",
        "notify_outbox",
        "notify_template",
    ):
        op.drop_table(table)
