"""HTTP JSON API of the geo context."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/geo", tags=["geo"])
