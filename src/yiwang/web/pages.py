"""Platform-wide pages (home)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"])
