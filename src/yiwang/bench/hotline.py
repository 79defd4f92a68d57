"""Benchmark of the hotline area (``yiwang bench hotline --json``)."""

from __future__ import annotations

from yiwang.config import Settings


def run(settings: Settings, **options: object) -> dict[str, object]:
    """Run the benchmark on the configured database and return its figures."""
    raise NotImplementedError(settings, options)
