"""service catalogue: items, materials, bundles, versions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0009"`` so the regenerated initial migration leaves them out.
Items and bundles share one entry table (by code) and one append-only version table holding each version's whole
body as JSON; ``tests/integration/catalogue/test_catalogue_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "catalogue_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=12), nullable=False),
        sa.Column("item_type", sa.String(length=32), nullable=False),
        sa.Column("life_events", sa.String(length=256), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("sort_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('item', 'bundle')", name=op.f("ck_catalogue_entry_kind_known")),
        sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name=op.f("ck_catalogue_entry_status_known")),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["registry_department.code"],
            name=op.f("fk_catalogue_entry_department_code_registry_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_entry")),
        sa.UniqueConstraint("code", name=op.f("uq_catalogue_entry_code")),
    )
    op.create_index(op.f("ix_catalogue_entry_kind"), "catalogue_entry", ["kind"], unique=False)
    op.create_index(op.f("ix_catalogue_entry_department_code"), "catalogue_entry", ["department_code"], unique=False)
    op.create_index(op.f("ix_catalogue_entry_sort_key"), "catalogue_entry", ["sort_key"], unique=False)
    op.create_index(op.f("ix_catalogue_entry_status"), "catalogue_entry", ["status"], unique=False)

    op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalogue_entry.id"],
            name=op.f("fk_catalogue_version_entry_id_catalogue_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_version")),
        sa.UniqueConstraint("entry_id", "version", name="uq_catalogue_version_entry_version"),
    )
    op.create_index(op.f("ix_catalogue_version_entry_id"), "catalogue_version", ["entry_id"], unique=False)


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index(op.f("ix_catalogue_version_entry_id"), table_name="catalogue_version")
    op.drop_table("catalogue_version")
    op.drop_index(op.f("ix_catalogue_entry_status"), table_name="catalogue_entry")
    op.drop_index(op.f("ix_catalogue_entry_sort_key"), table_name="catalogue_entry")
    op.drop_index(op.f("ix_catalogue_entry_department_code"), table_name="catalogue_entry")
    op.drop_index(op.f("ix_catalogue_entry_kind"), table_name="catalogue_entry")
    op.drop_table("catalogue_entry")
