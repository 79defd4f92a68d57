"""Server-rendered pages of the geo context."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"])
