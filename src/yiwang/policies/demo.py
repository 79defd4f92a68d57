"""policies: demo data for ``yiwang demo`` and the browser tests — publish the shipped policies and match once.

The city's profiles are built once for both steps (``services.shared_profiles``), and a database whose last
matching run already used today's versions in force is left as it is, so a second ``yiwang demo`` is instant.
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.policies import services


def prepare(session: Session, *, settings: Settings) -> str | None:
    """Publish shipped policies not yet stored and run (incremental) matching; idempotent."""
    del settings
    started = time.perf_counter()
    with services.shared_profiles():
        published = services.publish_shipped(session, actor=SYSTEM_ACTOR)
        if not published and services.matching_is_current(session):
            return "政策直达：演示政策已发布，匹配结果已是最新 / policies: already published and matched"
        report = services.run_matching(session, actor=SYSTEM_ACTOR)
    seconds = round(time.perf_counter() - started, 1)
    return (
        f"政策直达：新发布 {len(published)} 项政策，{report.subjects} 个主体匹配 {report.eligible} 项"
        f"（{seconds} 秒） / policies: {len(published)} published, {report.eligible} matches"
    )
