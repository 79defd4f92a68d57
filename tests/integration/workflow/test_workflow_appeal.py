"""The 12345 appeal flow on the engine: dispatch, return, re-dispatch, extension, escalation, auto-close."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from wf_helpers import CST, DISPATCHER, MONDAY, OPERATOR, OUTSIDER, SUPERVISOR, URBAN, WATER, WUHOU

from yiwang.kernel.errors import NotFoundError, ValidationError
from yiwang.workflow import events, jobs, services
from yiwang.workflow.calendar import TimeLimit, TimeUnit
from yiwang.workflow.engine import ForbiddenError
from yiwang.workflow.models import WorkflowEvent, WorkflowTimer


def start_dispatched(session: Session, *, now: dt.datetime = MONDAY) -> int:
    """An appeal accepted and dispatched to the water department (主办) with 武侯区 assisting (协办)."""
    started = services.start_instance(
        session, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:1", title="小区下水道堵塞", now=now
    )
    result = services.perform_action(
        session, actor=OPERATOR, instance_id=started.id, action="accept", expected_version=started.version, now=now
    )
    result = services.dispatch(
        session,
        actor=DISPATCHER,
        instance_id=started.id,
        expected_version=result.instance.version,
        lead_unit="water",
        assist_units=["510107"],
        now=now,
    )
    assert result.instance.state == "签收"
    assert result.instance.units == ["water", "510107"]
    return started.id


def version(session: Session, instance_id: int) -> int:
    return services.get_instance_view(session, actor=SUPERVISOR, instance_id=instance_id, now=MONDAY).instance.version


def test_full_closed_loop_with_history(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    now = MONDAY + dt.timedelta(hours=1)
    for who, action, extra in [
        (WATER, "sign", {}),
        (WUHOU, "assist_opinion", {"comment": "已安排社区网格员现场查看"}),
        (WATER, "reply", {"comment": "已疏通管道", "attachments": ["现场照片.jpg"]}),
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
    view = services.get_instance_view(wf_session, actor=SUPERVISOR, instance_id=instance_id, now=now)
    assert view.instance.status == "closed"
    assert view.instance.outcome == "办结"
    assert [e.label for e in view.timeline] == [
        "登记",
        "受理",
        "派单",
        "签收",
        "协办意见",
        "办结反馈",
        "审核通过",
        "回访满意",
    ]
    assert view.timeline[5].attachments == ["现场照片.jpg"]
    assert all(not a.active for a in view.assignments)
    pending = wf_session.scalar(select(func.count()).select_from(WorkflowTimer).where(WorkflowTimer.fired_at.is_(None)))
    assert pending == 0  # closing retires every timer


def test_due_dates_follow_the_national_day_working_calendar(wf_session: Session) -> None:
    started = services.start_instance(
        wf_session, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:2", now=MONDAY
    )
    assert started.due_at == dt.datetime(2026, 10, 21, 17, 30, tzinfo=CST)  # 13 working days incl. Sat 10 Oct
    assert started.state_due_at == dt.datetime(2026, 9, 28, 12, 0, tzinfo=CST)  # 2 working hours
    short = services.start_instance(
        wf_session,
        actor=OPERATOR,
        definition_key="appeal",
        subject_ref="appeal:3",
        now=MONDAY,
        time_limit=TimeLimit(3, TimeUnit.WORKING_DAYS),
    )
    assert short.due_at == dt.datetime(2026, 10, 8, 17, 30, tzinfo=CST)  # 29, 30 Sep, then 8 Oct


def test_roles_units_and_inputs_are_checked_in_chinese(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    current = version(wf_session, instance_id)
    with pytest.raises(ValidationError) as info:
        services.perform_action(
            wf_session, actor=WATER, instance_id=instance_id, action="reply", expected_version=current, now=MONDAY
        )
    assert "不能执行动作 reply" in info.value.message
    assert "签收（sign）" in info.value.message
    assert "退单（return）" in info.value.message
    # A department the case was never assigned to does not even see it (its data scope), let alone sign it.
    with pytest.raises(NotFoundError, match="不存在或无权查看"):
        services.perform_action(
            wf_session, actor=URBAN, instance_id=instance_id, action="sign", expected_version=current, now=MONDAY
        )
    with pytest.raises(ForbiddenError, match="需要以下角色之一：派单员"):
        services.perform_action(
            wf_session,
            actor=WATER,
            instance_id=instance_id,
            action="redispatch",
            expected_version=current,
            reason="x",
            assignee_unit="urban",
            now=MONDAY,
        )
    with pytest.raises(ValidationError, match="「退单」须填写原因") as reason_info:
        services.perform_action(
            wf_session, actor=WATER, instance_id=instance_id, action="return", expected_version=current, now=MONDAY
        )
    assert reason_info.value.field == "reason"
    with pytest.raises(NotFoundError):
        services.get_instance_view(wf_session, actor=OUTSIDER, instance_id=instance_id, now=MONDAY)
    assert version(wf_session, instance_id) == current  # refusals change nothing


def test_return_then_redispatch(wf_session: Session) -> None:
    collected = events.EventCollector()
    unsubscribe = events.subscribe(events.DomainEvent, collected)
    try:
        instance_id = start_dispatched(wf_session)
        services.return_task(
            wf_session,
            actor=WATER,
            instance_id=instance_id,
            expected_version=version(wf_session, instance_id),
            reason="属燃气管道，非本单位职责",
            now=MONDAY + dt.timedelta(hours=2),
        )
        view = services.get_instance_view(wf_session, actor=DISPATCHER, instance_id=instance_id, now=MONDAY)
        assert view.instance.state == "派单"
        assert [(a.unit_code, a.end_reason) for a in view.assignments] == [("water", "退单"), ("510107", "退单")]
        assert view.timeline[-1].reason == "属燃气管道，非本单位职责"
        services.dispatch(
            wf_session,
            actor=DISPATCHER,
            instance_id=instance_id,
            expected_version=view.instance.version,
            lead_unit="urban",
            now=MONDAY,
        )
        services.redispatch(
            wf_session,
            actor=DISPATCHER,
            instance_id=instance_id,
            expected_version=version(wf_session, instance_id),
            lead_unit="510107",
            reason="属地街道更便于处置",
            now=MONDAY,
        )
        view = services.get_instance_view(wf_session, actor=WUHOU, instance_id=instance_id, now=MONDAY)
        assert view.instance.state == "签收"
        assert view.instance.units == ["510107"]
        assert [a.name for a in view.actions] == ["sign", "return"]  # the district office may now sign
        assert view.assignments[-2].end_reason == "改派"
    finally:
        unsubscribe()
    returned = collected.of(events.TaskReturned)
    assert [(e.unit, e.reason) for e in returned] == [("water", "属燃气管道，非本单位职责")]
    assert [e.redispatch for e in collected.of(events.TaskDispatched)] == [False, False, True]


def test_return_is_refused_after_two_working_days(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    late = dt.datetime(2026, 10, 8, 18, 0, tzinfo=CST)  # dispatched Mon 28 Sep; 2 working days end 30 Sep
    with pytest.raises(ValidationError, match="须在派单后 2 个工作日内提出"):
        services.return_task(
            wf_session,
            actor=WATER,
            instance_id=instance_id,
            expected_version=version(wf_session, instance_id),
            reason="迟到的退单",
            now=late,
        )


def test_extension_moves_the_due_dates(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    services.perform_action(
        wf_session,
        actor=WATER,
        instance_id=instance_id,
        action="sign",
        expected_version=version(wf_session, instance_id),
        now=MONDAY,
    )
    services.request_extension(
        wf_session,
        actor=WATER,
        instance_id=instance_id,
        expected_version=version(wf_session, instance_id),
        extension=TimeLimit(5, TimeUnit.WORKING_DAYS),
        reason="需协调燃气公司停气施工",
        now=MONDAY,
    )
    view = services.get_instance_view(wf_session, actor=DISPATCHER, instance_id=instance_id, now=MONDAY)
    assert [a.name for a in view.actions if a.name.endswith("extension")] == [
        "approve_extension",
        "reject_extension",
    ]
    assert view.extensions[0].status == "pending"
    with pytest.raises(ValidationError, match="已有延期申请正在审批"):
        services.request_extension(
            wf_session,
            actor=WATER,
            instance_id=instance_id,
            expected_version=view.instance.version,
            extension=TimeLimit(1, TimeUnit.WORKING_DAYS),
            reason="再延",
            now=MONDAY,
        )
    result = services.approve_extension(
        wf_session,
        actor=SUPERVISOR,
        instance_id=instance_id,
        expected_version=view.instance.version,
        comment="同意",
        now=MONDAY,
    )
    assert result.instance.due_at == dt.datetime(2026, 10, 28, 17, 30, tzinfo=CST)  # 21 Oct + 5 working days
    fire_at = wf_session.scalars(
        select(WorkflowTimer.fire_at).where(
            WorkflowTimer.instance_id == instance_id, WorkflowTimer.scope == "process", WorkflowTimer.fired_at.is_(None)
        )
    ).all()
    assert [t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t for t in fire_at] == [result.instance.due_at]
    assert "ExtensionDecided" in result.events


def test_overdue_escalation_by_the_timer_sweep(wf_session: Session, wf_factory: sessionmaker[Session]) -> None:
    collected = events.EventCollector()
    unsubscribe = events.subscribe(events.InstanceEscalated, collected)
    try:
        instance_id = start_dispatched(wf_session)
        services.perform_action(
            wf_session,
            actor=WATER,
            instance_id=instance_id,
            action="sign",
            expected_version=version(wf_session, instance_id),
            now=MONDAY,
        )
        before_due = jobs.sweep_once(wf_factory, now=dt.datetime(2026, 10, 21, 17, 0, tzinfo=CST))
        assert before_due.fired == 0
        report = jobs.sweep_once(wf_factory, now=dt.datetime(2026, 10, 22, 9, 0, tzinfo=CST))
        assert report.fired == 1
        again = jobs.sweep_once(wf_factory, now=dt.datetime(2026, 10, 22, 9, 0, tzinfo=CST))
        assert again.claimed == 0  # fired exactly once
        # Still overdue two working days later: the definition repeats the escalation (max 3 levels).
        jobs.sweep_once(wf_factory, now=dt.datetime(2026, 10, 27, 9, 0, tzinfo=CST))
    finally:
        unsubscribe()
    view = services.get_instance_view(
        wf_session, actor=SUPERVISOR, instance_id=instance_id, now=dt.datetime(2026, 10, 27, 9, 0, tzinfo=CST)
    )
    assert view.instance.level == 2
    assert view.clock.overdue
    assert view.clock.remaining_text.startswith("已超期")
    assert [e.label for e in view.timeline[-2:]] == ["升级督办（第 1 级）", "升级督办（第 2 级）"]
    assert [e.level for e in collected.events] == [1, 2]  # type: ignore[attr-defined]
    assert collected.events[0].units == ("water", "510107")  # type: ignore[attr-defined]
    queue = services.list_queue(
        wf_session, actor=SUPERVISOR, tab="overdue", now=dt.datetime(2026, 10, 27, 9, 0, tzinfo=CST)
    )
    assert [item.id for item in queue.items] == [instance_id]


def test_auto_close_when_the_revisit_times_out(wf_session: Session, wf_factory: sessionmaker[Session]) -> None:
    instance_id = start_dispatched(wf_session)
    for who, action, extra in [
        (WATER, "sign", {}),
        (WATER, "reply", {"comment": "已处理"}),
        (DISPATCHER, "approve_reply", {}),
    ]:
        services.perform_action(
            wf_session,
            actor=who,
            instance_id=instance_id,
            action=action,
            expected_version=version(wf_session, instance_id),
            now=MONDAY,
            **extra,
        )
    # 回访 has 3 working days (29, 30 Sep, 8 Oct): the sweep on 9 Oct closes the case automatically.
    jobs.sweep_once(wf_factory, now=dt.datetime(2026, 10, 9, 9, 0, tzinfo=CST))
    view = services.get_instance_view(wf_session, actor=SUPERVISOR, instance_id=instance_id, now=MONDAY)
    assert view.instance.status == "closed"
    assert view.instance.state == "办结"
    assert view.timeline[-1].label == "超时自动办结"
    assert view.timeline[-1].automatic
    timer_rows = wf_session.scalar(
        select(func.count()).select_from(WorkflowEvent).where(WorkflowEvent.timer_id.is_not(None))
    )
    assert timer_rows == 1


def test_remind_and_supervise_are_recorded(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    services.remind(
        wf_session,
        actor=DISPATCHER,
        instance_id=instance_id,
        expected_version=version(wf_session, instance_id),
        comment="请尽快签收",
        now=MONDAY,
    )
    services.supervise(
        wf_session,
        actor=SUPERVISOR,
        instance_id=instance_id,
        expected_version=version(wf_session, instance_id),
        comment="列入本周重点督办",
        now=MONDAY,
    )
    view = services.get_instance_view(wf_session, actor=SUPERVISOR, instance_id=instance_id, now=MONDAY)
    assert view.instance.remind_count == 1
    assert view.instance.supervised
    assert view.supervisor_note == "列入本周重点督办"
    assert [e.label for e in view.timeline[-2:]] == ["催办", "督办"]


def test_queues_for_each_role(wf_session: Session) -> None:
    instance_id = start_dispatched(wf_session)
    other = services.start_instance(
        wf_session, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:9", title="噪音扰民", now=MONDAY
    )
    assert [i.id for i in services.list_queue(wf_session, actor=WATER, now=MONDAY).items] == [instance_id]
    assert services.list_queue(wf_session, actor=URBAN, now=MONDAY).total == 0
    assert services.list_queue(wf_session, actor=WUHOU, now=MONDAY).total == 0  # 协办 waits for the lead's 签收
    assert [i.id for i in services.list_queue(wf_session, actor=OPERATOR, now=MONDAY).items] == [other.id]
    assert services.list_queue(wf_session, actor=DISPATCHER, now=MONDAY).total == 0  # nothing to dispatch
    done = services.list_queue(wf_session, actor=DISPATCHER, tab="done", now=MONDAY)
    assert [i.id for i in done.items] == [instance_id]
    assert services.list_queue(wf_session, actor=OPERATOR, text="噪音", now=MONDAY).total == 1
    assert services.list_queue(wf_session, actor=OPERATOR, text="下水道", now=MONDAY).total == 0
    assert services.list_queue(wf_session, actor=WATER, state="办理", now=MONDAY).total == 0
    assert services.list_queue(wf_session, actor=WATER, definition_key="bundle", now=MONDAY).total == 0
    page = services.list_queue(wf_session, actor=OPERATOR, tab="done", page_size=1, now=MONDAY)
    assert (page.total, page.pages, len(page.items)) == (2, 2, 1)
    services.perform_action(
        wf_session,
        actor=WATER,
        instance_id=instance_id,
        action="sign",
        expected_version=version(wf_session, instance_id),
        now=MONDAY,
    )
    assert [i.id for i in services.list_queue(wf_session, actor=WUHOU, now=MONDAY).items] == [instance_id]


def test_events_are_published_after_commit_only(wf_session: Session) -> None:
    collected = events.EventCollector()
    unsubscribe = events.subscribe(events.ActionPerformed, collected)
    try:
        started = services.start_instance(
            wf_session, actor=OPERATOR, definition_key="appeal", subject_ref="appeal:ev", now=MONDAY
        )
        services.perform_action(
            wf_session,
            actor=OPERATOR,
            instance_id=started.id,
            action="accept",
            expected_version=started.version,
            now=MONDAY,
        )
        with pytest.raises(ValidationError):
            services.dispatch(
                wf_session,
                actor=DISPATCHER,
                instance_id=started.id,
                expected_version=version(wf_session, started.id),
                lead_unit=" ",
                now=MONDAY,
            )
    finally:
        unsubscribe()
    assert [(e.action, e.from_state, e.to_state) for e in collected.events] == [("accept", "受理", "派单")]  # type: ignore[attr-defined]


def test_a_deadline_beyond_the_calendar_is_refused_clearly(wf_session: Session) -> None:
    from yiwang.workflow.calendar import CalendarNotCoveredError

    with pytest.raises(CalendarNotCoveredError, match="工作日历未覆盖 2028 年"):
        services.start_instance(
            wf_session,
            actor=OPERATOR,
            definition_key="appeal",
            subject_ref="appeal:late",
            now=dt.datetime(2027, 12, 21, 10, 0, tzinfo=CST),
        )


def test_a_deadline_in_the_unpublished_next_year_is_provisional(wf_session: Session) -> None:
    # In late December the next year's arrangement may not be out yet: the appeal is still taken, and its clock
    # says the deadline is counted on the statutory holidays only.
    started = services.start_instance(
        wf_session,
        actor=OPERATOR,
        definition_key="appeal",
        subject_ref="appeal:december",
        now=dt.datetime(2026, 12, 21, 10, 0, tzinfo=CST),
    )
    view = services.get_instance_view(
        wf_session, actor=SUPERVISOR, instance_id=started.id, now=dt.datetime(2026, 12, 22, 10, 0, tzinfo=CST)
    )
    assert view.clock.due_at is not None
    assert view.clock.due_at.astimezone(CST).year == 2027
    assert "2027 年放假安排尚未公布" in view.clock.note
