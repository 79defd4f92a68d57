"""Background jobs of the ratings context, declared with their schedule; safe to run again at any time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from yiwang.ratings import services
from yiwang.workflow import calendar as workflow_calendar

OVERDUE_SWEEP_INTERVAL = dt.timedelta(minutes=15)
"""How often overdue rectifications are looked for; each one is notified once."""


def flag_overdue_rectifications(
    session_factory: sessionmaker[Session], *, settings: Any = None, now: dt.datetime | None = None
) -> int:
    """Send 超期督办 for rectifications past their 15-working-day deadline; return how many were notified."""
    holidays_file: Path | str | None = getattr(settings, "holidays_file", None) if settings is not None else None
    calendar = workflow_calendar.load_calendar(holidays_file)
    with session_factory() as session:
        return services.flag_overdue_rectifications(session, now=now, calendar=calendar)


PERIODIC_TASKS = {"ratings.flag_overdue_rectifications": (OVERDUE_SWEEP_INTERVAL, flag_overdue_rectifications)}
"""Job name → (interval, function taking ``(session_factory, *, settings, now)``) for the platform's worker."""
