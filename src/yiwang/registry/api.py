"""HTTP JSON API of the registry context."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/registry", tags=["registry"])
