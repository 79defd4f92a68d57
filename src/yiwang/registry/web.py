"""Server-rendered pages of the registry context."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"])
