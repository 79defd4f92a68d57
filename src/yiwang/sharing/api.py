"""HTTP JSON API of the sharing context."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/sharing", tags=["sharing"])
