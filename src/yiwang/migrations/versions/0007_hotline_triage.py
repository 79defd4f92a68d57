"""12345 triage: model versions, operators' corrections, knowledge-base articles

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0007"`` so the regenerated initial migration leaves them out.
``tests/integration/hotline/triage/test_triage_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "hotline_triage_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("algorithm", sa.String(length=128), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
        sa.Column("artifact_sha256", sa.String(length=64), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("seed_examples", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        _ts("trained_at"),
        sa.Column("trained_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_triage_model")),
        sa.UniqueConstraint("version", name=op.f("uq_hotline_triage_model_version")),
    )
    op.create_table(
        "hotline_triage_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("appeal_ref", sa.String(length=64), nullable=True),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("predicted_type", sa.String(length=8), nullable=False),
        sa.Column("predicted_category", sa.String(length=8), nullable=False),
        sa.Column("predicted_department", sa.String(length=32), nullable=False),
        sa.Column("predicted_urgency", sa.String(length=8), nullable=False),
        sa.Column("predicted_confidence", sa.Float(), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_triage_correction")),
    )
    op.create_index(
        op.f("ix_hotline_triage_correction_appeal_ref"), "hotline_triage_correction", ["appeal_ref"], unique=False
    )
    op.create_index(
        op.f("ix_hotline_triage_correction_created_at"), "hotline_triage_correction", ["created_at"], unique=False
    )
    op.create_table(
        "hotline_kb_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_kb_article")),
        sa.UniqueConstraint("slug", name=op.f("uq_hotline_kb_article_slug")),
    )
    op.create_index(op.f("ix_hotline_kb_article_department"), "hotline_kb_article", ["department"], unique=False)


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index(op.f("ix_hotline_kb_article_department"), table_name="hotline_kb_article")
    op.drop_table("hotline_kb_article")
    op.drop_index(op.f("ix_hotline_triage_correction_created_at"), table_name="hotline_triage_correction")
    op.drop_index(op.f("ix_hotline_triage_correction_appeal_ref"), table_name="hotline_triage_correction")
    op.drop_table("hotline_triage_correction")
    op.drop_table("hotline_triage_model")
