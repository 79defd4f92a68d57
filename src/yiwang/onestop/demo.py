"""onestop: demo data for ``yiwang demo`` and the browser tests (idempotent)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yiwang.config import Settings


def prepare(session: Session, *, settings: Settings) -> str | None:
    """Create this context's demo data if absent; return one line for the demo's console (or None)."""
    del session, settings
    return None
