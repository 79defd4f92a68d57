"""Periodic triage job: retrain the model when operators have recorded corrections since the newest version.

The platform worker runs ``PERIODIC_TASKS`` (``yiwang.workflow.jobs.PERIODIC_TASK_MODULES`` lists this module).
Without new corrections the job only counts rows, so running it often costs nothing; without any trained version
triage uses the seed model, so there is nothing to do either. A retrain also deletes old versions by the retention
rule (``YIWANG_TRIAGE_KEEP_VERSIONS``), in the transaction that stores the new one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.hotline.triage import services
from yiwang.hotline.triage.models import Correction, ModelVersion
from yiwang.hotline.triage.schemas import ModelVersionRead
from yiwang.kernel.actor import SYSTEM_ACTOR

RETRAIN_INTERVAL = dt.timedelta(hours=1)
"""How often the worker checks for new corrections."""


def pending_corrections(session: Session) -> int:
    """Corrections recorded after the newest trained version (all of them when none is trained)."""
    newest = session.execute(select(ModelVersion.trained_at).order_by(ModelVersion.id.desc()).limit(1)).scalar()
    query = select(func.count()).select_from(Correction)
    if newest is not None:
        query = query.where(Correction.created_at > newest)
    return int(session.scalar(query) or 0)


def retrain_if_corrected(session: Session) -> ModelVersionRead | None:
    """Train a new model version (pruning old ones) if corrections arrived since the newest version; else nothing."""
    if pending_corrections(session) == 0:
        return None
    return services.retrain(session, actor=SYSTEM_ACTOR)


def retrain_job(
    session_factory: sessionmaker[Session], *, settings: Any = None, now: dt.datetime | None = None
) -> ModelVersionRead | None:
    """The worker's entry point (signature of ``yiwang.workflow.jobs.PeriodicTask``)."""
    del settings, now
    with session_factory() as session:
        return retrain_if_corrected(session)


PERIODIC_TASKS = {"hotline_triage_retrain": (RETRAIN_INTERVAL, retrain_job)}
"""Job name → (interval, job) for the platform worker."""
