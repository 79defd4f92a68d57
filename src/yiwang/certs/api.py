"""certs: REST API."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/certs", tags=["certs"])
