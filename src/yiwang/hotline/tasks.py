"""Background jobs of the hotline, declared with their schedule; safe to run again at any time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from yiwang.hotline import services
from yiwang.hotline.schemas import SweepReport
from yiwang.workflow import calendar as workflow_calendar

OVERDUE_SWEEP_INTERVAL = dt.timedelta(minutes=10)
"""How often overdue appeals are looked for (each is urged at most once per working day)."""


def supervise_overdue(
    session_factory: sessionmaker[Session], *, settings: Any = None, now: dt.datetime | None = None
) -> SweepReport:
    """催办 overdue appeals, 督办 long-overdue ones, resume interrupted intakes."""
    holidays_file: Path | str | None = getattr(settings, "holidays_file", None) if settings is not None else None
    calendar = workflow_calendar.load_calendar(holidays_file)
    with session_factory() as session:
        return services.supervise_overdue(session, now=now, calendar=calendar)


PERIODIC_TASKS = {"hotline.supervise_overdue": (OVERDUE_SWEEP_INTERVAL, supervise_overdue)}
"""Job name → (interval, function taking ``(session_factory, *, settings, now)``) for the platform's worker."""
