"""Background jobs of 一网通办, declared with their schedule for the platform worker; safe to run again at any time.

``onestop.remind_post_checks`` tells each checking department of the 告知承诺 post-checks falling due (once per
commitment); ``onestop.repair_submissions`` finishes submissions interrupted between starting their case and
distributing it (re-links the case, distributes it, decides 秒批). ``workflow.jobs.PERIODIC_TASK_MODULES`` names
this module, so the worker runs both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from yiwang.onestop import services

POST_CHECK_INTERVAL = dt.timedelta(hours=1)
"""How often due post-checks are looked for (each commitment is reminded once)."""
REPAIR_INTERVAL = dt.timedelta(minutes=5)
"""How often interrupted submissions are looked for (they are left alone for ``services.REPAIR_GRACE`` first)."""


def remind_post_checks(
    session_factory: sessionmaker[Session], *, settings: Any = None, now: dt.datetime | None = None
) -> int:
    """Queue the reminders of post-checks due within three days or overdue; the number queued."""
    del settings
    with session_factory() as session:
        return services.remind_due_post_checks(session, now=now)


def repair_submissions(
    session_factory: sessionmaker[Session], *, settings: Any = None, now: dt.datetime | None = None
) -> services.RepairReport:
    """Re-link and distribute submissions a crash interrupted."""
    del settings
    with session_factory() as session:
        return services.repair_unlinked_cases(session, now=now)


PERIODIC_TASKS = {
    "onestop.remind_post_checks": (POST_CHECK_INTERVAL, remind_post_checks),
    "onestop.repair_submissions": (REPAIR_INTERVAL, repair_submissions),
}
"""Job name → (interval, function taking ``(session_factory, *, settings, now)``) for the platform's worker."""
