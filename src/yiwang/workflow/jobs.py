"""The timer sweep and the worker loop that fires due workflow timers exactly once.

A sweep claims due timers in batches and, for each batch, performs every timer's effect and marks it fired in
one transaction — so a crash (even SIGKILL) mid-sweep leaves each timer either fired with its effect, or
unfired without it; the next sweep picks the unfired ones up. Claiming keeps two workers apart:

* PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` inside the batch transaction; a crashed worker's locks go with
  its connection, so recovery is immediate.
* SQLite (one writer at a time, no row locks): a conditional ``UPDATE … SET locked_by, locked_until`` claims the
  batch under a unique token; the processing transaction re-checks the token, and a crashed worker's claims
  expire after ``lease_seconds``.

The history row a timer writes carries its id under a unique constraint, a second guard against a double firing.
If a batch fails (a bug in one effect, a lost race with a user's action) it is rolled back and its timers are
retried one by one, so one bad timer never blocks the others; a timer failing ``MAX_ATTEMPTS`` times is marked
``failed`` with its error and left for people to look at.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from yiwang.config import Settings
from yiwang.db import as_utc, make_engine, make_session_factory, utcnow
from yiwang.logs import get_logger
from yiwang.workflow import services
from yiwang.workflow.calendar import WorkCalendar, load_calendar
from yiwang.workflow.models import WorkflowTimer

MAX_ATTEMPTS = 5
RETRY_DELAY = dt.timedelta(minutes=1)
_log = get_logger("yiwang.workflow.jobs")


@dataclass(slots=True)
class SweepReport:
    """What one sweep did."""

    claimed: int = 0
    fired: int = 0
    obsolete: int = 0
    failed: int = 0
    retried: int = 0
    batches: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        """Plain dict for logs and JSON."""
        return {
            "claimed": self.claimed,
            "fired": self.fired,
            "obsolete": self.obsolete,
            "failed": self.failed,
            "retried": self.retried,
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
        }


def default_worker_id() -> str:
    """host:pid, unique enough to tell workers apart in ``locked_by``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:40]


def _due(now: dt.datetime, wall: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        WorkflowTimer.fired_at.is_(None),
        WorkflowTimer.fire_at <= now,
        or_(WorkflowTimer.locked_until.is_(None), WorkflowTimer.locked_until < wall),
    ]


def _fire(session: Session, timer: WorkflowTimer, now: dt.datetime, calendar: WorkCalendar) -> str:
    outcome = services.fire_timer(session, timer=timer, now=now, calendar=calendar)
    timer.fired_at = now
    timer.outcome = outcome
    timer.locked_by = None
    timer.locked_until = None
    return outcome


def _fire_batch(
    session: Session,
    timers: list[WorkflowTimer],
    now: dt.datetime,
    calendar: WorkCalendar,
    on_fired: Callable[[int], None] | None,
) -> list[str]:
    """Fire a batch in the session's transaction; rows are preloaded and flushed once at commit."""
    loaded = services.preload_for_timers(session, (t.instance_id for t in timers))
    outcomes = []
    try:
        # One flush at commit instead of one per timer; services flush themselves where SQL must see changes.
        with session.no_autoflush:
            for timer in timers:
                outcomes.append(_fire(session, timer, now, calendar))
                if on_fired is not None:
                    on_fired(timer.id)
    finally:
        session.info.pop(services.ASSIGNMENT_CACHE, None)
        del loaded
    return outcomes


def _count(report: SweepReport, outcome: str) -> None:
    if outcome == "fired":
        report.fired += 1
    else:
        report.obsolete += 1


def sweep_once(
    session_factory: sessionmaker[Session],
    *,
    now: dt.datetime | None = None,
    batch_size: int = 200,
    worker_id: str | None = None,
    lease_seconds: float = 60.0,
    calendar: WorkCalendar | None = None,
    max_batches: int | None = None,
    on_fired: Callable[[int], None] | None = None,
) -> SweepReport:
    """Fire every timer due at ``now`` (default: the current time), batch by batch, until none is left.

    ``on_fired(timer_id)`` runs after each timer's effect, inside its batch transaction (tests use it to slow a
    worker down before killing it). Returns counts of fired, obsolete (the case moved on) and failed timers.
    """
    started = time.perf_counter()
    moment = as_utc(now) if now is not None else utcnow()
    cal = calendar or services.get_calendar()
    worker = (worker_id or default_worker_id())[:40]
    report = SweepReport()
    bind = session_factory.kw.get("bind")
    postgres = bind is not None and getattr(bind, "dialect", None) is not None and bind.dialect.name == "postgresql"
    while max_batches is None or report.batches < max_batches:
        wall = utcnow()
        if postgres:
            done = _batch_postgres(
                session_factory,
                now=moment,
                wall=wall,
                batch_size=batch_size,
                calendar=cal,
                report=report,
                on_fired=on_fired,
            )
        else:
            done = _batch_claimed(
                session_factory,
                now=moment,
                wall=wall,
                batch_size=batch_size,
                worker=worker,
                lease_seconds=lease_seconds,
                calendar=cal,
                report=report,
                on_fired=on_fired,
            )
        if not done:
            break
        report.batches += 1
    report.seconds = time.perf_counter() - started
    if report.claimed:
        _log.info("workflow_sweep", worker=worker, **report.as_dict())
    return report


def _batch_postgres(
    factory: sessionmaker[Session],
    *,
    now: dt.datetime,
    wall: dt.datetime,
    batch_size: int,
    calendar: WorkCalendar,
    report: SweepReport,
    on_fired: Callable[[int], None] | None,
) -> int:
    with factory() as session:
        timers = list(
            session.scalars(
                select(WorkflowTimer)
                .where(*_due(now, wall))
                .order_by(WorkflowTimer.fire_at)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        if not timers:
            session.rollback()
            return 0
        report.claimed += len(timers)
        ids = [t.id for t in timers]
        try:
            outcomes = _fire_batch(session, timers, now, calendar, on_fired)
            session.commit()
        except Exception:  # noqa: BLE001 - the batch is retried timer by timer below
            session.rollback()
        else:
            for outcome in outcomes:
                _count(report, outcome)
            return len(timers)
    for timer_id in ids:
        _retry_one(factory, timer_id, now, calendar, report, token=None, on_fired=on_fired)
    return len(ids)


def _batch_claimed(
    factory: sessionmaker[Session],
    *,
    now: dt.datetime,
    wall: dt.datetime,
    batch_size: int,
    worker: str,
    lease_seconds: float,
    calendar: WorkCalendar,
    report: SweepReport,
    on_fired: Callable[[int], None] | None,
) -> int:
    token = f"{worker}/{uuid.uuid4().hex[:12]}"[:64]
    with factory() as session:
        candidates = (
            select(WorkflowTimer.id)
            .where(*_due(now, wall))
            .order_by(WorkflowTimer.fire_at)
            .limit(batch_size)
            .scalar_subquery()
        )
        session.execute(
            update(WorkflowTimer)
            .where(WorkflowTimer.id.in_(candidates), *_due(now, wall))
            .values(locked_by=token, locked_until=wall + dt.timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        session.commit()
    with factory() as session:
        # Renewing the lease is the transaction's first write: on SQLite it takes the database write lock, so
        # the claim cannot change under us until commit; a claim lost to lease expiry simply matches no row.
        session.execute(
            update(WorkflowTimer)
            .where(WorkflowTimer.locked_by == token, WorkflowTimer.fired_at.is_(None))
            .values(locked_until=utcnow() + dt.timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        timers = list(
            session.scalars(
                select(WorkflowTimer)
                .where(WorkflowTimer.locked_by == token, WorkflowTimer.fired_at.is_(None))
                .order_by(WorkflowTimer.fire_at)
            )
        )
        if not timers:
            session.rollback()
            return 0
        report.claimed += len(timers)
        ids = [t.id for t in timers]
        try:
            outcomes = _fire_batch(session, timers, now, calendar, on_fired)
            session.commit()
        except Exception:  # noqa: BLE001 - the batch is retried timer by timer below
            session.rollback()
        else:
            for outcome in outcomes:
                _count(report, outcome)
            return len(timers)
    for timer_id in ids:
        _retry_one(factory, timer_id, now, calendar, report, token=token, on_fired=on_fired)
    return len(ids)


def _retry_one(
    factory: sessionmaker[Session],
    timer_id: int,
    now: dt.datetime,
    calendar: WorkCalendar,
    report: SweepReport,
    *,
    token: str | None,
    on_fired: Callable[[int], None] | None,
) -> None:
    """Fire one timer alone after its batch failed; on error count an attempt and back off."""
    report.retried += 1
    error = ""
    with factory() as session:
        query = select(WorkflowTimer).where(WorkflowTimer.id == timer_id, WorkflowTimer.fired_at.is_(None))
        if token is None:
            query = query.with_for_update(skip_locked=True)
        else:
            query = query.where(WorkflowTimer.locked_by == token)
        timer = session.scalars(query).first()
        if timer is None:
            return  # fired or taken by someone else meanwhile
        try:
            outcome = _fire(session, timer, now, calendar)
            if on_fired is not None:
                on_fired(timer_id)
            session.commit()
        except Exception as exc:  # noqa: BLE001 - recorded on the timer below
            session.rollback()
            error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            _count(report, outcome)
            return
    with factory() as session:
        attempts = (session.scalar(select(WorkflowTimer.attempts).where(WorkflowTimer.id == timer_id)) or 0) + 1
        values: dict[str, object] = {"attempts": attempts, "last_error": error, "locked_by": None, "locked_until": None}
        if attempts >= MAX_ATTEMPTS:
            values.update(fired_at=now, outcome="failed")
            report.failed += 1
        else:
            values["fire_at"] = now + RETRY_DELAY * attempts
        owner = WorkflowTimer.locked_by.is_(None) if token is None else WorkflowTimer.locked_by == token
        session.execute(
            update(WorkflowTimer)
            .where(WorkflowTimer.id == timer_id, WorkflowTimer.fired_at.is_(None), owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    _log.warning("workflow_timer_failed", timer=timer_id, attempts=attempts, error=error)


class PeriodicTask(Protocol):
    """A background job of some context: ``(session_factory, *, settings, now)``; safe to run again any time."""

    def __call__(
        self, session_factory: sessionmaker[Session], *, settings: Any = None, now: dt.datetime | None = None
    ) -> object:
        """Run the job once."""


PeriodicTasks = Mapping[str, tuple[dt.timedelta, PeriodicTask]]
"""Job name → (interval, job), the shape of each context's ``tasks.PERIODIC_TASKS``."""


PERIODIC_TASK_MODULES = (
    "yiwang.notify.tasks",
    "yiwang.ratings.tasks",
    "yiwang.hotline.tasks",
    "yiwang.hotline.triage.tasks",
    "yiwang.onestop.tasks",
    "yiwang.grants.tasks",
)
"""Modules whose ``PERIODIC_TASKS`` the platform worker runs; a module that does not exist (yet) is skipped."""


def platform_periodic_tasks() -> dict[str, tuple[dt.timedelta, PeriodicTask]]:
    """The other contexts' periodic jobs the platform worker runs besides the timer sweep (outbox, overdue sweeps)."""
    # Imported by name here: those contexts use workflow services, so importing them at module level would be
    # circular, and the worker should not need editing whenever a context adds a job.
    tasks: dict[str, tuple[dt.timedelta, PeriodicTask]] = {}
    for name in PERIODIC_TASK_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        tasks.update(getattr(module, "PERIODIC_TASKS", {}))
    return tasks


@dataclass(slots=True)
class _Schedule:
    """When each periodic job is next due (monotonic clock), so a slow job never shifts the timer sweep."""

    tasks: PeriodicTasks
    next_run: dict[str, float] = field(default_factory=dict)

    def run_due(self, factory: sessionmaker[Session], settings: Settings) -> None:
        """Run every job whose interval has passed; a failing job is logged and retried at its next interval."""
        for name, (every, task) in self.tasks.items():
            moment = time.monotonic()
            if moment < self.next_run.get(name, 0.0):
                continue
            self.next_run[name] = moment + every.total_seconds()
            try:
                result = task(factory, settings=settings)
            except Exception as exc:  # noqa: BLE001 - one broken job must not stop the worker or the others
                _log.warning("periodic_task_failed", task=name, error=f"{type(exc).__name__}: {exc}"[:2000])
            else:
                _log.debug("periodic_task_done", task=name, result=str(result)[:200])

    def wait_seconds(self, interval: float) -> float:
        """How long to sleep: the sweep interval, or less when a periodic job falls due sooner."""
        if not self.next_run:
            return interval
        return max(0.0, min(interval, min(self.next_run.values()) - time.monotonic()))


def run_worker(
    settings: Settings,
    *,
    stop_event: threading.Event,
    interval: float = 5.0,
    batch_size: int = 200,
    lease_seconds: float = 60.0,
    until_idle: bool = False,
    on_fired: Callable[[int], None] | None = None,
    periodic: PeriodicTasks | None = None,
) -> SweepReport:
    """Sweep every ``interval`` seconds until ``stop_event`` is set (or, with ``until_idle``, nothing is due).

    Between sweeps it runs the ``periodic`` jobs when due (default: :func:`platform_periodic_tasks`; pass ``{}``
    for the timer sweep alone). Returns the totals of all sweeps.
    """
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    calendar = load_calendar(getattr(settings, "holidays_file", None))
    worker = default_worker_id()
    totals = SweepReport()
    schedule = _Schedule(platform_periodic_tasks() if periodic is None else periodic)
    _log.info("workflow_worker_started", worker=worker, interval=interval, periodic=sorted(schedule.tasks))
    try:
        while not stop_event.is_set():
            schedule.run_due(factory, settings)
            report = sweep_once(
                factory,
                batch_size=batch_size,
                worker_id=worker,
                lease_seconds=lease_seconds,
                calendar=calendar,
                on_fired=on_fired,
            )
            for name in ("claimed", "fired", "obsolete", "failed", "retried", "batches"):
                setattr(totals, name, getattr(totals, name) + getattr(report, name))
            totals.seconds += report.seconds
            if until_idle and report.claimed == 0:
                break
            if report.claimed == 0:
                stop_event.wait(schedule.wait_seconds(interval))
    finally:
        engine.dispose()
        _log.info("workflow_worker_stopped", worker=worker, **totals.as_dict())
    return totals


def start_background_worker(
    settings: Settings, *, interval: float = 5.0, periodic: PeriodicTasks | None = None
) -> Callable[[], None]:
    """Run the worker in a daemon thread (for ``yiwang demo``); returns a function that stops it and waits.

    ``periodic`` as for :func:`run_worker` (default: the platform's periodic jobs as well as the timer sweep).
    """
    stop_event = threading.Event()
    thread = threading.Thread(
        target=run_worker,
        kwargs={"settings": settings, "stop_event": stop_event, "interval": interval, "periodic": periodic},
        name="yiwang-workflow-worker",
        daemon=True,
    )
    thread.start()

    def stop() -> None:
        stop_event.set()
        thread.join(timeout=30)

    return stop
