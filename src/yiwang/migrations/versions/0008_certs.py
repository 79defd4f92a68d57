"""e-certificates: signing keys, issued certificates, revocations

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0008"`` so the regenerated initial migration leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""


def downgrade() -> None:
    """Drop the tables."""
