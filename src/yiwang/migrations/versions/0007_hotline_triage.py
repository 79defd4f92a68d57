"""12345 triage: model versions and training corrections

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

Hand-written; its tables carry ``info["migration"] = "0007"`` so the regenerated initial migration leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""


def downgrade() -> None:
    """Drop the tables."""
