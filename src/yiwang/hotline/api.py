"""hotline: REST API."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/hotline", tags=["hotline"])
