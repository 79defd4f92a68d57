"""identity: accounts, API tokens, account change history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Hand-written (the identity tables carry ``info["migration"] = "0005"`` so the regenerated initial migration
leaves them out); ``tests/integration/identity/test_identity_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the identity tables."""
    op.create_table(
        "identity_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("extra_roles", sa.JSON(), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("person_id_number", sa.String(length=18), nullable=True),
        sa.Column("enterprise_uscc", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("external_subject", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        _ts("locked_until", nullable=True),
        sa.Column("credentials_version", sa.Integer(), nullable=False),
        _ts("last_login_at", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["registry_department.code"],
            name=op.f("fk_identity_account_department_code_registry_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_account")),
        sa.UniqueConstraint("username", name=op.f("uq_identity_account_username")),
        sa.UniqueConstraint("person_id_number", name=op.f("uq_identity_account_person_id_number")),
        sa.UniqueConstraint("external_subject", name=op.f("uq_identity_account_external_subject")),
    )
    op.create_index(op.f("ix_identity_account_role"), "identity_account", ["role"], unique=False)
    op.create_index(op.f("ix_identity_account_department_code"), "identity_account", ["department_code"], unique=False)
    op.create_index(op.f("ix_identity_account_enterprise_uscc"), "identity_account", ["enterprise_uscc"], unique=False)

    op.create_table(
        "identity_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _ts("expires_at", nullable=True),
        _ts("revoked_at", nullable=True),
        _ts("last_used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_account.id"],
            name=op.f("fk_identity_api_token_account_id_identity_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_identity_api_token_token_hash")),
    )
    op.create_index(op.f("ix_identity_api_token_account_id"), "identity_api_token", ["account_id"], unique=False)

    op.create_table(
        "identity_account_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_account.id"],
            name=op.f("fk_identity_account_event_account_id_identity_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_account_event")),
    )
    op.create_index(
        op.f("ix_identity_account_event_account_id"), "identity_account_event", ["account_id"], unique=False
    )


def downgrade() -> None:
    """Drop the identity tables."""
    op.drop_index(op.f("ix_identity_account_event_account_id"), table_name="identity_account_event")
    op.drop_table("identity_account_event")
    op.drop_index(op.f("ix_identity_api_token_account_id"), table_name="identity_api_token")
    op.drop_table("identity_api_token")
    op.drop_index(op.f("ix_identity_account_enterprise_uscc"), table_name="identity_account")
    op.drop_index(op.f("ix_identity_account_department_code"), table_name="identity_account")
    op.drop_index(op.f("ix_identity_account_role"), table_name="identity_account")
    op.drop_table("identity_account")
