"""12345 hotline: appeals, their media and callbacks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0006"`` so the regenerated initial migration leaves them out.
``tests/integration/hotline/test_hotline_migration.py`` checks it against ``yiwang.hotline.models``. The triage and
knowledge-base tables come with 0007.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the hotline tables."""
    op.create_table(
        "hotline_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("appeal_type", sa.String(length=8), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reporter_name", sa.String(length=64), nullable=True),
        sa.Column("reporter_phone", sa.String(length=32), nullable=True),
        sa.Column("reporter_email", sa.String(length=128), nullable=True),
        sa.Column("reporter_id_number", sa.String(length=18), nullable=True),
        sa.Column("reporter_account_id", sa.String(length=64), nullable=True),
        sa.Column("enterprise_uscc", sa.String(length=18), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("category_path", sa.JSON(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("assist_units", sa.JSON(), nullable=False),
        sa.Column("suggestion", sa.JSON(), nullable=False),
        sa.Column("triage_confidence", sa.Float(), nullable=True),
        sa.Column("triage_model_version", sa.String(length=64), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("kb_article", sa.String(length=64), nullable=True),
        sa.Column("routing_version", sa.String(length=32), nullable=False),
        sa.Column("time_limit", sa.JSON(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("wf_version", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("direct_answer", sa.Boolean(), nullable=False),
        sa.Column("redirect_number", sa.String(length=8), nullable=True),
        sa.Column("redirect_reason", sa.Text(), nullable=False),
        sa.Column("master_id", sa.Integer(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_by", sa.String(length=64), nullable=True),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("supervised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("satisfaction", sa.String(length=8), nullable=True),
        sa.Column("rating_level", sa.Integer(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("service_code", sa.String(length=32), nullable=True),
        sa.Column("open311_token", sa.String(length=40), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["master_id"], ["hotline_appeal.id"], name=op.f("fk_hotline_appeal_master_id_hotline_appeal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_appeal")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_hotline_appeal_idempotency_key")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_hotline_appeal_instance_id")),
        sa.UniqueConstraint("number", name=op.f("uq_hotline_appeal_number")),
        sa.UniqueConstraint("open311_token", name=op.f("uq_hotline_appeal_open311_token")),
    )
    op.create_index(op.f("ix_hotline_appeal_appeal_type"), "hotline_appeal", ["appeal_type"], unique=False)
    op.create_index(op.f("ix_hotline_appeal_category"), "hotline_appeal", ["category"], unique=False)
    op.create_index(op.f("ix_hotline_appeal_channel"), "hotline_appeal", ["channel"], unique=False)
    op.create_index(op.f("ix_hotline_appeal_created_at"), "hotline_appeal", ["created_at"], unique=False)
    op.create_index(op.f("ix_hotline_appeal_department"), "hotline_appeal", ["department"], unique=False)
    op.create_index(op.f("ix_hotline_appeal_district_code"), "hotline_appeal", ["district_code"], unique=False)
    op.create_index(op.f("ix_hotline_appeal_enterprise_uscc"), "hotline_appeal", ["enterprise_uscc"], unique=False)
    op.create_index(op.f("ix_hotline_appeal_master_id"), "hotline_appeal", ["master_id"], unique=False)
    op.create_index(
        op.f("ix_hotline_appeal_reporter_account_id"), "hotline_appeal", ["reporter_account_id"], unique=False
    )
    op.create_index(op.f("ix_hotline_appeal_state"), "hotline_appeal", ["state"], unique=False)
    op.create_index("ix_hotline_appeal_status_created", "hotline_appeal", ["status", "created_at"], unique=False)
    op.create_index(op.f("ix_hotline_appeal_street_code"), "hotline_appeal", ["street_code"], unique=False)
    op.create_table(
        "hotline_callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("satisfaction", sa.String(length=8), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("rating_level", sa.Integer(), nullable=True),
        sa.Column("rating_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["hotline_appeal.id"],
            name=op.f("fk_hotline_callback_appeal_id_hotline_appeal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_callback")),
        sa.UniqueConstraint("appeal_id", "round", name="uq_hotline_callback_round"),
    )
    op.create_index(op.f("ix_hotline_callback_appeal_id"), "hotline_callback", ["appeal_id"], unique=False)
    op.create_table(
        "hotline_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["hotline_appeal.id"],
            name=op.f("fk_hotline_media_appeal_id_hotline_appeal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_media")),
    )
    op.create_index(op.f("ix_hotline_media_appeal_id"), "hotline_media", ["appeal_id"], unique=False)


def downgrade() -> None:
    """Drop the hotline tables."""
    op.drop_index(op.f("ix_hotline_media_appeal_id"), table_name="hotline_media")
    op.drop_table("hotline_media")
    op.drop_index(op.f("ix_hotline_callback_appeal_id"), table_name="hotline_callback")
    op.drop_table("hotline_callback")
    op.drop_index(op.f("ix_hotline_appeal_street_code"), table_name="hotline_appeal")
    op.drop_index("ix_hotline_appeal_status_created", table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_state"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_reporter_account_id"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_master_id"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_enterprise_uscc"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_district_code"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_department"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_created_at"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_channel"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_category"), table_name="hotline_appeal")
    op.drop_index(op.f("ix_hotline_appeal_appeal_type"), table_name="hotline_appeal")
    op.drop_table("hotline_appeal")
