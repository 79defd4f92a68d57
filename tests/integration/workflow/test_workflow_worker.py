"""The timer worker survives SIGKILL mid-sweep: after a restart every due timer has fired exactly once."""

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from wf_helpers import CST, MONDAY, OPERATOR

from yiwang.config import Settings
from yiwang.workflow import jobs, services
from yiwang.workflow.models import WorkflowEvent, WorkflowInstance, WorkflowTimer

SWEEP_AT = dt.datetime(2026, 10, 22, 9, 0, tzinfo=CST)  # after every appeal's 13-working-day limit

WORKER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from sqlalchemy import func, select
    from yiwang.db import make_engine, make_session_factory
    from yiwang.workflow import jobs
    from yiwang.workflow.models import WorkflowTimer

    url, now_iso, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
    now = dt.datetime.fromisoformat(now_iso)
    factory = make_session_factory(make_engine(url))
    slow = (lambda _timer_id: time.sleep(delay)) if delay else None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report = jobs.sweep_once(factory, now=now, batch_size=5, lease_seconds=1.0, on_fired=slow)
        with factory() as session:
            due = session.scalar(select(func.count()).select_from(WorkflowTimer).where(
                WorkflowTimer.fired_at.is_(None), WorkflowTimer.fire_at <= now))
        print("sweep", report.as_dict(), "due", due, flush=True)
        if not due:
            break
        if not report.claimed:
            time.sleep(0.2)  # claims of a killed worker expire after their lease
    """
)


def _fired(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return (
            session.scalar(select(func.count()).select_from(WorkflowTimer).where(WorkflowTimer.fired_at.is_not(None)))
            or 0
        )


def _run_worker(url: str, delay: float) -> subprocess.Popen[str]:
    env = {**os.environ, "YIWANG_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, SWEEP_AT.isoformat(), str(delay)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_worker_killed_mid_sweep_fires_every_timer_exactly_once(wf_url: str, wf_factory: sessionmaker[Session]) -> None:
    instances = 30
    with wf_factory() as session:
        for number in range(instances):
            services.start_instance(
                session, actor=OPERATOR, definition_key="appeal", subject_ref=f"appeal:k{number}", now=MONDAY
            )
        due = session.scalar(select(func.count()).select_from(WorkflowTimer).where(WorkflowTimer.fire_at <= SWEEP_AT))
    assert due == 2 * instances  # the 受理 state limit and the whole-process limit of each case

    first = _run_worker(wf_url, delay=0.05)
    deadline = time.monotonic() + 60
    while _fired(wf_factory) < 10 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    fired_before = _fired(wf_factory)
    assert 0 < fired_before < due, "the worker must be killed in the middle of the sweep"

    second = _run_worker(wf_url, delay=0)
    output, _ = second.communicate(timeout=90)
    assert second.returncode == 0, output

    with wf_factory() as session:
        timers = session.scalars(select(WorkflowTimer).where(WorkflowTimer.fire_at <= SWEEP_AT)).all()
        assert all(t.fired_at is not None for t in timers)
        assert {t.outcome for t in timers} == {"fired"}
        effects = dict(
            session.execute(
                select(WorkflowEvent.timer_id, func.count())
                .where(WorkflowEvent.timer_id.is_not(None))
                .group_by(WorkflowEvent.timer_id)
            ).all()
        )
        assert effects == {t.id: 1 for t in timers}  # one effect per timer, none lost, none doubled
        levels = session.scalars(select(WorkflowInstance.level)).all()
        assert levels == [1] * instances  # each case escalated exactly once


def test_background_worker_starts_and_stops(wf_url: str, wf_factory: sessionmaker[Session]) -> None:
    with wf_factory() as session:
        started = services.start_instance(
            session, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:bg", now=MONDAY
        )
    stop = jobs.start_background_worker(Settings(database_url=wf_url, log_level="WARNING"), interval=0.1)
    try:
        deadline = time.monotonic() + 20
        while _fired(wf_factory) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop()
    assert not any(t.name == "yiwang-workflow-worker" and t.is_alive() for t in threading.enumerate())
    with wf_factory() as session:
        # The real clock is past the 受理 limit of 28 Sep 2026, so at least that timer fired.
        events = session.scalars(
            select(WorkflowEvent.label).where(
                WorkflowEvent.instance_id == started.id, WorkflowEvent.timer_id.is_not(None)
            )
        ).all()
    assert "超期提醒" in events
