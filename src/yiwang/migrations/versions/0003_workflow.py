"""workflow engine: definitions, instances, branches, assignments, timers, history, extensions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Hand-written (the workflow tables carry ``info["migration"] = "0003"`` so the regenerated initial migration
leaves them out); ``tests/integration/workflow/test_workflow_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the workflow tables."""
    op.create_table(
        "workflow_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        _ts("published_at"),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_definition")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_workflow_definition_key")),
    )
    op.create_index(op.f("ix_workflow_definition_key"), "workflow_definition", ["key"], unique=False)

    op.create_table(
        "workflow_instance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("definition_key", sa.String(length=64), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("subject_ref", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("supervisor_note", sa.Text(), nullable=False),
        sa.Column("remind_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("state_entered_at"),
        _ts("due_at", nullable=True),
        _ts("state_due_at", nullable=True),
        _ts("closed_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["workflow_definition.id"],
            name=op.f("fk_workflow_instance_definition_id_workflow_definition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_instance")),
    )
    op.create_index(op.f("ix_workflow_instance_definition_id"), "workflow_instance", ["definition_id"], unique=False)
    op.create_index(op.f("ix_workflow_instance_subject_ref"), "workflow_instance", ["subject_ref"], unique=False)
    op.create_index(
        "ix_workflow_instance_queue", "workflow_instance", ["status", "definition_key", "state"], unique=False
    )
    op.create_index("ix_workflow_instance_due", "workflow_instance", ["status", "due_at"], unique=False)

    op.create_table(
        "workflow_branch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("parallel_state", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=4), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        _ts("due_at", nullable=True),
        _ts("state_entered_at"),
        _ts("created_at"),
        _ts("completed_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["workflow_instance.id"], name=op.f("fk_workflow_branch_instance_id_workflow_instance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_branch")),
    )
    op.create_index(op.f("ix_workflow_branch_instance_id"), "workflow_branch", ["instance_id"], unique=False)
    op.create_index(op.f("ix_workflow_branch_unit_code"), "workflow_branch", ["unit_code"], unique=False)

    op.create_table(
        "workflow_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=4), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("assigned_at"),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        _ts("signed_at", nullable=True),
        sa.Column("signed_by", sa.String(length=64), nullable=True),
        _ts("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["workflow_branch.id"], name=op.f("fk_workflow_assignment_branch_id_workflow_branch")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["workflow_instance.id"],
            name=op.f("fk_workflow_assignment_instance_id_workflow_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_assignment")),
    )
    op.create_index(op.f("ix_workflow_assignment_instance_id"), "workflow_assignment", ["instance_id"], unique=False)
    op.create_index("ix_workflow_assignment_unit_active", "workflow_assignment", ["unit_code", "active"], unique=False)

    op.create_table(
        "workflow_timer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("effect", sa.String(length=80), nullable=False),
        _ts("fire_at"),
        _ts("fired_at", nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        _ts("locked_until", nullable=True),
        _ts("created_at"),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["workflow_branch.id"], name=op.f("fk_workflow_timer_branch_id_workflow_branch")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["workflow_instance.id"], name=op.f("fk_workflow_timer_instance_id_workflow_instance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_timer")),
    )
    op.create_index(op.f("ix_workflow_timer_instance_id"), "workflow_timer", ["instance_id"], unique=False)
    op.create_index("ix_workflow_timer_pending", "workflow_timer", ["fired_at", "fire_at"], unique=False)

    op.create_table(
        "workflow_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_unit", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("from_state", sa.String(length=64), nullable=True),
        sa.Column("to_state", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("timer_id", sa.Integer(), nullable=True),
        _ts("at"),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["workflow_branch.id"], name=op.f("fk_workflow_event_branch_id_workflow_branch")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["workflow_instance.id"], name=op.f("fk_workflow_event_instance_id_workflow_instance")
        ),
        sa.ForeignKeyConstraint(
            ["timer_id"], ["workflow_timer.id"], name=op.f("fk_workflow_event_timer_id_workflow_timer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_event")),
        sa.UniqueConstraint("timer_id", name=op.f("uq_workflow_event_timer_id")),
    )
    op.create_index(op.f("ix_workflow_event_instance_id"), "workflow_event", ["instance_id"], unique=False)
    op.create_index(op.f("ix_workflow_event_actor_id"), "workflow_event", ["actor_id"], unique=False)

    op.create_table(
        "workflow_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        _ts("requested_at"),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        _ts("decided_at", nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=False),
        _ts("old_due_at", nullable=True),
        _ts("new_due_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["workflow_instance.id"],
            name=op.f("fk_workflow_extension_instance_id_workflow_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_extension")),
    )
    op.create_index(op.f("ix_workflow_extension_instance_id"), "workflow_extension", ["instance_id"], unique=False)


def downgrade() -> None:
    """Drop the workflow tables."""
    for table in (
        "workflow_extension",
        "workflow_event",
        "workflow_timer",
        "workflow_assignment",
        "workflow_branch",
        "workflow_instance",
        "workflow_definition",
    ):
        op.drop_table(table)
