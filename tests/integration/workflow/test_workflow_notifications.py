"""催办, overdue escalation and 办结 queue their notifications in the same transaction (outbox), exactly once."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from wf_helpers import CST, DISPATCHER, MONDAY, OPERATOR, SUPERVISOR, WATER, WUHOU

from yiwang import subscriptions
from yiwang.notify.models import OutboxMessage
from yiwang.workflow import jobs, services


@pytest.fixture(autouse=True)
def _subscribed() -> None:
    subscriptions.install()  # what create_app() and the CLI do at start-up


def outbox(session: Session) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [(row.template_key, row.recipient) for row in rows]


def version(session: Session, instance_id: int) -> int:
    return services.get_instance_view(session, actor=SUPERVISOR, instance_id=instance_id, now=MONDAY).instance.version


def start_dispatched(session: Session) -> int:
    started = services.start_instance(
        session, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:1", title="小区下水道堵塞", now=MONDAY
    )
    result = services.perform_action(
        session, actor=OPERATOR, instance_id=started.id, action="accept", expected_version=started.version, now=MONDAY
    )
    services.dispatch(
        session,
        actor=DISPATCHER,
        instance_id=started.id,
        expected_version=result.instance.version,
        lead_unit="water",
        assist_units=["510107"],
        now=MONDAY,
    )
    return started.id


def test_remind_queues_a_deadline_reminder_per_unit(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    services.remind(
        wf_session,
        actor=DISPATCHER,
        instance_id=instance_id,
        expected_version=version(wf_session, instance_id),
        comment="请尽快签收",
        now=MONDAY,
    )
    reminders = [r for r in outbox(wf_session) if r[0] == "deadline_reminder"]
    assert sorted(reminders) == [("deadline_reminder", "dept:510107"), ("deadline_reminder", "dept:water")]
    row = wf_session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "dept:water")).one()
    assert "小区下水道堵塞" in row.title
    assert row.subject_ref == f"workflow:{instance_id}"


def test_escalation_by_the_sweep_notifies_units_and_the_supervision_desk(
    wf_session: Session, wf_factory: sessionmaker[Session]
) -> None:
    instance_id = start_dispatched(wf_session)
    services.perform_action(
        wf_session,
        actor=WATER,
        instance_id=instance_id,
        action="sign",
        expected_version=version(wf_session, instance_id),
        now=MONDAY,
    )
    due = dt.datetime(2026, 10, 22, 9, 0, tzinfo=CST)
    assert jobs.sweep_once(wf_factory, now=due).fired == 1
    assert jobs.sweep_once(wf_factory, now=due).claimed == 0
    notices = sorted(r for r in outbox(wf_session) if r[0] == "overdue_supervision")
    assert notices == [
        ("overdue_supervision", "dept:510107"),
        ("overdue_supervision", "dept:cityops"),
        ("overdue_supervision", "dept:water"),
    ]


def test_closing_tells_the_submitter_once(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    now = MONDAY + dt.timedelta(hours=1)
    for who, action, extra in [
        (WATER, "sign", {}),
        (WUHOU, "assist_opinion", {"comment": "已安排网格员查看"}),
        (WATER, "reply", {"comment": "已疏通管道"}),
        (DISPATCHER, "approve_reply", {}),
        (OPERATOR, "revisit_satisfied", {"comment": "市民表示满意"}),
    ]:
        services.perform_action(
            wf_session,
            actor=who,
            instance_id=instance_id,
            action=action,
            expected_version=version(wf_session, instance_id),
            now=now,
            **extra,
        )
    assert [r for r in outbox(wf_session) if r[0] == "completed"] == [("completed", OPERATOR.id)]


def test_a_rolled_back_change_queues_nothing(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    before = outbox(wf_session)
    with pytest.raises(Exception, match="已被他人处理"):
        services.remind(
            wf_session, actor=DISPATCHER, instance_id=instance_id, expected_version=0, comment="过期版本", now=MONDAY
        )
    wf_session.rollback()
    assert outbox(wf_session) == before
