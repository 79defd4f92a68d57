"""policies: versions, profiles, match results

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0011"`` so the regenerated initial migration leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""


def downgrade() -> None:
    """Drop the tables."""
