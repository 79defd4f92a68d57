"""e-certificates: signing keys, issued certificates, revocations

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0008"`` so the regenerated initial migration leaves them out.
``tests/integration/certs/test_certs_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "certs_signing_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=128), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active_slot", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("retired_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certs_signing_key")),
        sa.UniqueConstraint("kid", name=op.f("uq_certs_signing_key_kid")),
        sa.UniqueConstraint("active_slot", name=op.f("uq_certs_signing_key_active_slot")),
    )
    op.create_index(op.f("ix_certs_signing_key_status"), "certs_signing_key", ["status"], unique=False)

    op.create_table(
        "certs_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("cert_type", sa.String(length=64), nullable=False),
        sa.Column("cert_name", sa.String(length=64), nullable=False),
        sa.Column("holder_kind", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.String(length=18), nullable=False),
        sa.Column("holder_name", sa.String(length=128), nullable=False),
        sa.Column("issuing_department", sa.String(length=32), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("issuer", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("source_ref", sa.String(length=128), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_reason", sa.String(length=500), nullable=True),
        _ts("revoked_at", nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        _ts("issued_at"),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certs_certificate")),
        sa.UniqueConstraint("number", name=op.f("uq_certs_certificate_number")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_certs_certificate_idempotency_key")),
    )
    for column in ("cert_type", "holder_id", "issuing_department", "source_ref", "status"):
        op.create_index(op.f(f"ix_certs_certificate_{column}"), "certs_certificate", [column], unique=False)


def downgrade() -> None:
    """Drop the tables."""
    for column in ("cert_type", "holder_id", "issuing_department", "source_ref", "status"):
        op.drop_index(op.f(f"ix_certs_certificate_{column}"), table_name="certs_certificate")
    op.drop_table("certs_certificate")
    op.drop_index(op.f("ix_certs_signing_key_status"), table_name="certs_signing_key")
    op.drop_table("certs_signing_key")
