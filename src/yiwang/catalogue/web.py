"""catalogue: Server-rendered pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["catalogue-pages"], include_in_schema=False)
