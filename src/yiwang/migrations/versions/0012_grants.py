"""grants ledger: grants, payment batches, payment instructions

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0012"`` so the regenerated initial migration leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""


def downgrade() -> None:
    """Drop the tables."""
