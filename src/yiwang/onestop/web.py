"""onestop: Server-rendered pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["onestop-pages"], include_in_schema=False)
