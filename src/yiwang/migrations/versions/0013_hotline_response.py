"""12345 响应率: when an appeal was last dispatched (派单/改派) and when it was signed for (签收).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29

Hand-written. Adds two nullable columns to ``hotline_appeal`` (a table of migration 0006); they carry
``info["migration"] = "0013"``. Rows that exist already keep nulls: the dashboard counts them by the earlier rule
(signed or not). ``tests/integration/hotline/test_hotline_response_migration.py`` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("dispatched_at", "signed_at")


def upgrade() -> None:
    """Add the columns."""
    # Plain ALTER TABLE, not batch mode: on SQLite a batch copy of hotline_appeal would recreate the table that
    # hotline_media and hotline_callback reference with ON DELETE CASCADE.
    for name in _COLUMNS:
        op.add_column("hotline_appeal", sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    for name in reversed(_COLUMNS):
        op.drop_column("hotline_appeal", name)
