"""grants ledger: policy budgets, grants, payment batches, payment instructions, grant history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0012"`` so the regenerated initial migration leaves them out.
``tests/integration/grants/test_grants_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _amount(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(precision=16, scale=2), nullable=False)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "grants_policy_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("policy_name", sa.String(length=200), nullable=False),
        sa.Column("funding_department", sa.String(length=32), nullable=False),
        _amount("budget"),
        sa.Column("rule", sa.String(length=16), nullable=False),
        _amount("committed"),
        _amount("paid"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants_policy_budget")),
        sa.UniqueConstraint("policy_id", name=op.f("uq_grants_policy_budget_policy_id")),
    )
    op.create_index(op.f("ix_grants_policy_budget_funding_department"), "grants_policy_budget", ["funding_department"])

    op.create_table(
        "grants_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_no", sa.String(length=40), nullable=False),
        sa.Column("funding_department", sa.String(length=32), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        _amount("total_amount"),
        sa.Column("checksum", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _ts("created_at"),
        _ts("sealed_at", nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        _ts("lease_until", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants_batch")),
        sa.UniqueConstraint("batch_no", name=op.f("uq_grants_batch_batch_no")),
    )
    op.create_index(op.f("ix_grants_batch_funding_department"), "grants_batch", ["funding_department"])
    op.create_index(op.f("ix_grants_batch_status"), "grants_batch", ["status"])

    op.create_table(
        "grants_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("policy_name", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("funding_department", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_code", sa.String(length=18), nullable=False),
        sa.Column("subject_name", sa.String(length=128), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("industry", sa.String(length=8), nullable=True),
        sa.Column("size_class", sa.String(length=16), nullable=True),
        sa.Column("instalment", sa.Integer(), nullable=False),
        sa.Column("award_year", sa.Integer(), nullable=False),
        _amount("matched_amount"),
        _amount("amount"),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("payee_account", sa.String(length=34), nullable=True),
        sa.Column("payee_bank", sa.String(length=64), nullable=True),
        sa.Column("payee_name", sa.String(length=128), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("paid_reference", sa.String(length=64), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("order_key", sa.String(length=64), nullable=False),
        _ts("matched_at"),
        _ts("approved_at", nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        _ts("updated_at"),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["grants_batch.id"], name=op.f("fk_grants_grant_batch_id_grants_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants_grant")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_grants_grant_idempotency_key")),
        sa.UniqueConstraint(
            "policy_id", "subject_code", "instalment", name="uq_grants_grant_policy_subject_instalment"
        ),
    )
    op.create_index(op.f("ix_grants_grant_policy_id"), "grants_grant", ["policy_id"])
    op.create_index(op.f("ix_grants_grant_subject_code"), "grants_grant", ["subject_code"])
    op.create_index(op.f("ix_grants_grant_district_code"), "grants_grant", ["district_code"])
    op.create_index(op.f("ix_grants_grant_state"), "grants_grant", ["state"])
    op.create_index(op.f("ix_grants_grant_batch_id"), "grants_grant", ["batch_id"])
    op.create_index("ix_grants_grant_state_department", "grants_grant", ["state", "funding_department"])

    op.create_table(
        "grants_instruction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("payee_name", sa.String(length=128), nullable=False),
        sa.Column("payee_account", sa.String(length=34), nullable=False),
        sa.Column("payee_bank", sa.String(length=64), nullable=False),
        _amount("amount"),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("result_reference", sa.String(length=64), nullable=True),
        _ts("result_at", nullable=True),
        _ts("created_at"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["grants_batch.id"], name=op.f("fk_grants_instruction_batch_id_grants_batch")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants_grant.id"], name=op.f("fk_grants_instruction_grant_id_grants_grant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants_instruction")),
        sa.UniqueConstraint("grant_id", "attempt", name="uq_grants_instruction_grant_attempt"),
    )
    op.create_index(op.f("ix_grants_instruction_batch_id"), "grants_instruction", ["batch_id"])
    op.create_index(op.f("ix_grants_instruction_grant_id"), "grants_instruction", ["grant_id"])
    op.create_index(op.f("ix_grants_instruction_idempotency_key"), "grants_instruction", ["idempotency_key"])

    op.create_table(
        "grants_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["grant_id"], ["grants_grant.id"], name=op.f("fk_grants_event_grant_id_grants_grant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants_event")),
    )
    op.create_index(op.f("ix_grants_event_grant_id"), "grants_event", ["grant_id"])


def downgrade() -> None:
    """Drop the tables."""
    op.drop_table("grants_event")
    op.drop_table("grants_instruction")
    op.drop_table("grants_grant")
    op.drop_table("grants_batch")
    op.drop_table("grants_policy_budget")
