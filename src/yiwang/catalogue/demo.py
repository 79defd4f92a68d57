"""catalogue: demo data for ``yiwang demo`` and the browser tests — the shipped catalogue, loaded idempotently."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yiwang.catalogue import services
from yiwang.config import Settings
from yiwang.kernel.actor import SYSTEM_ACTOR


def prepare(session: Session, *, settings: Settings) -> str | None:
    """Load the shipped items and bundles (a new version only where a file changed); one console line."""
    del settings
    report = services.load_catalogue(session, actor=SYSTEM_ACTOR)
    counts = services.catalogue_counts(session)
    changed = len(report.items_published) + len(report.bundles_published)
    return (
        f"事项目录：{counts['items']} 个事项（{counts['departments']} 个部门）、{counts['bundles']} 个一件事，"
        f"新发布 {changed} 个版本 / catalogue: {counts['items']} items, {counts['bundles']} bundles,"
        f" {changed} new versions"
    )
