"""certs: ORM models (tables created by this context's migration)."""

from __future__ import annotations
