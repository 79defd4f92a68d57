"""Composition root for cross-context event subscriptions (called by ``create_app`` and the CLI, never at import)."""

from __future__ import annotations


def install() -> None:
    """Subscribe every context's handlers to the events they react to (idempotent)."""
    from yiwang.hotline import services as hotline_services  # noqa: PLC0415
    from yiwang.notify import subscribers as notify_subscribers  # noqa: PLC0415

    notify_subscribers.install()
    hotline_services.install()
