"""one-stop applications: applications, materials, decisions, commitments

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0010"`` so the regenerated initial migration leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""


def downgrade() -> None:
    """Drop the tables."""
