"""The overdue sweep: 催办 once per working day while an appeal is overdue, 督办 once it is long overdue,
escalation by the engine's timers (``workflow.jobs.sweep_once``), interrupted intakes resumed, and the
periodic task registered with the platform worker."""

from __future__ import annotations

import datetime as dt

from hotline_fixtures import MONDAY, OPERATOR, URBAN, fake_triager
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.db import as_utc
from yiwang.hotline import services, tasks
from yiwang.hotline.models import Appeal
from yiwang.hotline.schemas import AppealCreate, AppealFilter
from yiwang.workflow import jobs
from yiwang.workflow.calendar import TimeLimit, TimeUnit, add_time_limit

CALL = AppealCreate(
    channel="phone",
    content="玉林北路12号门口的路灯不亮已经一个星期了，晚上很黑",
    reporter_phone="13800138000",
    address="武侯区玉林北路12号",
    department="urban",
    assist_units=[],
    idempotency_key="sweep-1",
)


def _working_days_after(moment: dt.datetime, days: int, hours: int = 1) -> dt.datetime:
    calendar = services.wf.get_calendar()
    return add_time_limit(moment, TimeLimit(days, TimeUnit.WORKING_DAYS), calendar=calendar) + dt.timedelta(hours=hours)


def test_overdue_appeals_are_urged_daily_supervised_once_and_escalated(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    appeal = services.create_appeal(session, actor=OPERATOR, data=CALL, triager=fake_triager(), now=MONDAY)
    appeal = services.perform(
        session, actor=URBAN, appeal_id=appeal.id, action="sign", expected_version=appeal.version or 0, now=MONDAY
    )
    assert appeal.due_at is not None
    due = as_utc(appeal.due_at)
    assert due > MONDAY + dt.timedelta(days=13)  # 投诉: 13 working days (weekends do not count)

    # Not yet overdue: nothing to do.
    assert services.supervise_overdue(session, now=due - dt.timedelta(hours=1)).reminded == 0

    late = due + dt.timedelta(hours=1)
    first = services.supervise_overdue(session, now=late)
    assert (first.reminded, first.supervised) == (1, 0)
    assert services.supervise_overdue(session, now=late + dt.timedelta(hours=2)).reminded == 0  # once a working day
    overdue = services.list_appeals(session, actor=OPERATOR, filters=AppealFilter(overdue=True), now=late)
    assert [a.id for a in overdue.items] == [appeal.id]

    next_day = _working_days_after(late, 1)
    second = services.supervise_overdue(session, now=next_day)
    assert (second.reminded, second.supervised) == (1, 0)

    long_overdue = _working_days_after(due, 2, hours=2)
    third = services.supervise_overdue(session, now=long_overdue)
    assert (third.reminded, third.supervised) == (1, 1)
    assert services.supervise_overdue(session, now=long_overdue + dt.timedelta(minutes=5)).supervised == 0

    # The engine's own deadline timer escalates the case; the appeal row follows through the subscription.
    fired = jobs.sweep_once(session_factory, now=long_overdue)
    assert fired.fired >= 1
    detail = services.get_appeal(session, actor=OPERATOR, appeal_id=appeal.id, now=long_overdue)
    assert detail.overdue
    actions = [entry["action"] for entry in detail.timeline]
    assert actions.count("remind") == 3
    assert actions.count("supervise") == 1
    session.expire_all()
    row = session.get(Appeal, appeal.id)
    assert row is not None
    assert row.escalation_level >= 1
    assert row.supervised_at is not None


def test_appeal_without_a_case_gets_one_from_the_periodic_task(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    # An appeal row without its workflow case (recorded by an import, or an intake that stopped before the case
    # started): the periodic sweep starts the case with the appeal's own time limit.
    session.add(
        Appeal(
            number="12345-20261130-900001",
            channel="phone",
            appeal_type="求助",
            urgency="一般",
            title="井盖缺失",
            content="小区门口井盖缺失，很危险",
            state="受理",
            status="open",
            time_limit={"amount": 3, "unit": "working_days", "label": "3个工作日"},
            created_by=OPERATOR.id,
            created_at=MONDAY,
            updated_at=MONDAY,
        )
    )
    session.commit()
    report = tasks.supervise_overdue(session_factory, now=MONDAY + dt.timedelta(minutes=10))
    assert report.repaired == 1
    session.expire_all()
    row = session.scalars(select(Appeal).where(Appeal.number == "12345-20261130-900001")).one()
    assert row.instance_id is not None
    assert row.due_at is not None
    assert tasks.supervise_overdue(session_factory, now=MONDAY + dt.timedelta(minutes=20)).repaired == 0
    assert "hotline.supervise_overdue" in jobs.platform_periodic_tasks()
