"""policies: Server-rendered pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["policies-pages"], include_in_schema=False)
