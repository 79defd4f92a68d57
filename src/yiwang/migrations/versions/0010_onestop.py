"""one-stop applications: applications, materials, decisions, commitments

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

Hand-written (the one-stop tables carry ``info["migration"] = "0010"`` so the regenerated initial migration leaves
them out); ``tests/integration/onestop/test_onestop_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "onestop_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("lead_department", sa.String(length=32), nullable=False),
        sa.Column("applicant_account_id", sa.String(length=64), nullable=False),
        sa.Column("applicant_kind", sa.String(length=16), nullable=False),
        sa.Column("applicant_id_number", sa.String(length=18), nullable=True),
        sa.Column("applicant_uscc", sa.String(length=18), nullable=True),
        sa.Column("applicant_name", sa.String(length=128), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("form_data", sa.JSON(), nullable=False),
        sa.Column("prefill", sa.JSON(), nullable=False),
        sa.Column("notices", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("workflow_instance_id", sa.Integer(), nullable=True),
        sa.Column("rating_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onestop_application")),
        sa.UniqueConstraint("number", name=op.f("uq_onestop_application_number")),
        sa.UniqueConstraint("workflow_instance_id", name=op.f("uq_onestop_application_workflow_instance_id")),
    )
    op.create_index(
        op.f("ix_onestop_application_applicant_account_id"),
        "onestop_application",
        ["applicant_account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_onestop_application_applicant_id_number"), "onestop_application", ["applicant_id_number"], unique=False
    )
    op.create_index(
        op.f("ix_onestop_application_applicant_uscc"), "onestop_application", ["applicant_uscc"], unique=False
    )
    op.create_index(op.f("ix_onestop_application_code"), "onestop_application", ["code"], unique=False)
    op.create_index(
        op.f("ix_onestop_application_district_code"), "onestop_application", ["district_code"], unique=False
    )
    op.create_index(
        op.f("ix_onestop_application_lead_department"), "onestop_application", ["lead_department"], unique=False
    )
    op.create_index(op.f("ix_onestop_application_status"), "onestop_application", ["status"], unique=False)
    op.create_table(
        "onestop_application_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("item_name", sa.String(length=128), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("promised_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("instant", sa.Boolean(), nullable=False),
        sa.Column("rule_trace", sa.JSON(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_type", sa.String(length=64), nullable=True),
        sa.Column("certificate_number", sa.String(length=64), nullable=True),
        sa.Column("by_commitment", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["onestop_application.id"],
            name=op.f("fk_onestop_application_item_application_id_onestop_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onestop_application_item")),
        sa.UniqueConstraint("application_id", "item_code", name="uq_onestop_application_item_application_id_item"),
    )
    op.create_index(
        op.f("ix_onestop_application_item_application_id"), "onestop_application_item", ["application_id"], unique=False
    )
    op.create_index(
        op.f("ix_onestop_application_item_department_code"),
        "onestop_application_item",
        ["department_code"],
        unique=False,
    )
    op.create_index(op.f("ix_onestop_application_item_status"), "onestop_application_item", ["status"], unique=False)
    op.create_table(
        "onestop_commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("signer_account_id", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=128), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("post_check_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_by", sa.String(length=64), nullable=True),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("certificate_number", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["onestop_application.id"],
            name=op.f("fk_onestop_commitment_application_id_onestop_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onestop_commitment")),
        sa.UniqueConstraint("application_id", "item_code", name="uq_onestop_commitment_application_id_item"),
    )
    op.create_index(
        op.f("ix_onestop_commitment_application_id"), "onestop_commitment", ["application_id"], unique=False
    )
    op.create_index(
        op.f("ix_onestop_commitment_department_code"), "onestop_commitment", ["department_code"], unique=False
    )
    op.create_index(
        op.f("ix_onestop_commitment_post_check_due_at"), "onestop_commitment", ["post_check_due_at"], unique=False
    )
    op.create_index(op.f("ix_onestop_commitment_status"), "onestop_commitment", ["status"], unique=False)
    op.create_table(
        "onestop_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["onestop_application.id"],
            name=op.f("fk_onestop_correction_application_id_onestop_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onestop_correction")),
    )
    op.create_index(
        op.f("ix_onestop_correction_application_id"), "onestop_correction", ["application_id"], unique=False
    )
    op.create_table(
        "onestop_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("item_code", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["onestop_application.id"],
            name=op.f("fk_onestop_event_application_id_onestop_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onestop_event")),
    )
    op.create_index(op.f("ix_onestop_event_application_id"), "onestop_event", ["application_id"], unique=False)
    op.create_table(
        "onestop_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["onestop_application.id"],
            name=op.f("fk_onestop_upload_application_id_onestop_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onestop_upload")),
    )
    op.create_index(op.f("ix_onestop_upload_application_id"), "onestop_upload", ["application_id"], unique=False)
    op.create_table(
        "onestop_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("material_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("item_codes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("waived_reason", sa.Text(), nullable=False),
        sa.Column("provided_by", sa.String(length=32), nullable=True),
        sa.Column("certificate_number", sa.String(length=64), nullable=True),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("upload_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["onestop_application.id"],
            name=op.f("fk_onestop_material_application_id_onestop_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["onestop_upload.id"], name=op.f("fk_onestop_material_upload_id_onestop_upload")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onestop_material")),
        sa.UniqueConstraint("application_id", "material_code", name="uq_onestop_material_application_id_material"),
    )
    op.create_index(op.f("ix_onestop_material_application_id"), "onestop_material", ["application_id"], unique=False)


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index(op.f("ix_onestop_material_application_id"), table_name="onestop_material")
    op.drop_table("onestop_material")
    op.drop_index(op.f("ix_onestop_upload_application_id"), table_name="onestop_upload")
    op.drop_table("onestop_upload")
    op.drop_index(op.f("ix_onestop_event_application_id"), table_name="onestop_event")
    op.drop_table("onestop_event")
    op.drop_index(op.f("ix_onestop_correction_application_id"), table_name="onestop_correction")
    op.drop_table("onestop_correction")
    op.drop_index(op.f("ix_onestop_commitment_status"), table_name="onestop_commitment")
    op.drop_index(op.f("ix_onestop_commitment_post_check_due_at"), table_name="onestop_commitment")
    op.drop_index(op.f("ix_onestop_commitment_department_code"), table_name="onestop_commitment")
    op.drop_index(op.f("ix_onestop_commitment_application_id"), table_name="onestop_commitment")
    op.drop_table("onestop_commitment")
    op.drop_index(op.f("ix_onestop_application_item_status"), table_name="onestop_application_item")
    op.drop_index(op.f("ix_onestop_application_item_department_code"), table_name="onestop_application_item")
    op.drop_index(op.f("ix_onestop_application_item_application_id"), table_name="onestop_application_item")
    op.drop_table("onestop_application_item")
    op.drop_index(op.f("ix_onestop_application_status"), table_name="onestop_application")
    op.drop_index(op.f("ix_onestop_application_lead_department"), table_name="onestop_application")
    op.drop_index(op.f("ix_onestop_application_district_code"), table_name="onestop_application")
    op.drop_index(op.f("ix_onestop_application_code"), table_name="onestop_application")
    op.drop_index(op.f("ix_onestop_application_applicant_uscc"), table_name="onestop_application")
    op.drop_index(op.f("ix_onestop_application_applicant_id_number"), table_name="onestop_application")
    op.drop_index(op.f("ix_onestop_application_applicant_account_id"), table_name="onestop_application")
    op.drop_table("onestop_application")
