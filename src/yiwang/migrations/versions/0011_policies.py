"""policies: versions, profiles, match results

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0011"`` so the regenerated initial migration leaves them out.
``tests/integration/policies/test_policies_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "policies_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("funding_department", sa.String(length=32), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("budget_rule", sa.String(length=16), nullable=False),
        sa.Column("effective_budget", sa.BigInteger(), nullable=False),
        sa.Column("scale_factor", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("simulated_cost", sa.BigInteger(), nullable=True),
        sa.Column("simulated_beneficiaries", sa.Integer(), nullable=True),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _ts("published_at", nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies_version")),
        sa.UniqueConstraint("policy_id", "version", name="uq_policies_version_policy_version"),
    )
    op.create_index(op.f("ix_policies_version_policy_id"), "policies_version", ["policy_id"], unique=False)
    op.create_index(
        op.f("ix_policies_version_funding_department"), "policies_version", ["funding_department"], unique=False
    )
    op.create_table(
        "policies_profile_state",
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_code", sa.String(length=18), nullable=False),
        sa.Column("profile_hash", sa.String(length=24), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("subject_kind", "subject_code", name=op.f("pk_policies_profile_state")),
    )
    op.create_table(
        "policies_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_code", sa.String(length=18), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("profile_hash", sa.String(length=24), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("award", sa.BigInteger(), nullable=False),
        sa.Column("final_award", sa.BigInteger(), nullable=False),
        sa.Column("schedule_total", sa.BigInteger(), nullable=False),
        sa.Column("due_mask", sa.Integer(), nullable=False),
        sa.Column("fail_mask", sa.Integer(), nullable=False),
        sa.Column("excluded_by", sa.String(length=64), nullable=True),
        sa.Column("order_key", sa.String(length=64), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("industry_section", sa.String(length=1), nullable=True),
        sa.Column("size_class", sa.String(length=2), nullable=True),
        _ts("matched_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies_match")),
        sa.UniqueConstraint("policy_id", "subject_kind", "subject_code", name="uq_policies_match_policy_subject"),
    )
    op.create_index("ix_policies_match_subject", "policies_match", ["subject_kind", "subject_code"], unique=False)
    op.create_index("ix_policies_match_policy_eligible", "policies_match", ["policy_id", "eligible"], unique=False)


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index("ix_policies_match_policy_eligible", table_name="policies_match")
    op.drop_index("ix_policies_match_subject", table_name="policies_match")
    op.drop_table("policies_match")
    op.drop_table("policies_profile_state")
    op.drop_index(op.f("ix_policies_version_funding_department"), table_name="policies_version")
    op.drop_index(op.f("ix_policies_version_policy_id"), table_name="policies_version")
    op.drop_table("policies_version")
