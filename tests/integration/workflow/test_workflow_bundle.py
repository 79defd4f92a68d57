"""一件事 bundle through parallel department branches and the join; the incident loop's automatic decision."""

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker
from wf_helpers import CST, MONDAY, actor

from yiwang.kernel.errors import ValidationError
from yiwang.workflow import jobs, services
from yiwang.workflow.engine import ForbiddenError

WINDOW = actor("win-01", "window")
MARKET = actor("market-01", "approver", "market")
FIRE = actor("fire-01", "approver", "fire")
URBAN = actor("urban-02", "approver", "urban")
ADMIN = actor("admin-01", "platform")


def current(session: Session, instance_id: int) -> int:
    return services.get_instance_view(session, actor=ADMIN, instance_id=instance_id, now=MONDAY).instance.version


def act(session: Session, who, instance_id: int, action: str, **extra) -> services.ActionResult:  # type: ignore[no-untyped-def]
    return services.perform_action(
        session,
        actor=who,
        instance_id=instance_id,
        action=action,
        expected_version=current(session, instance_id),
        now=extra.pop("now", MONDAY),
        **extra,
    )


def test_bundle_runs_parallel_branches_and_joins(wf_session: Session) -> None:
    started = services.start_instance(
        wf_session,
        actor=WINDOW,
        definition_key="bundle",
        subject_ref="bundle:restaurant-1",
        title="开办餐饮店",
        now=MONDAY,
    )
    act(wf_session, WINDOW, started.id, "accept")
    view = services.get_instance_view(wf_session, actor=MARKET, instance_id=started.id, now=MONDAY)
    assert view.instance.state == "并联审批"
    assert [(b.unit_code, b.state, b.status) for b in view.branches] == [
        ("market", "审查", "open"),
        ("fire", "审查", "open"),
        ("urban", "审查", "open"),
    ]
    assert view.branches[0].due_at == dt.datetime(2026, 10, 10, 17, 30, tzinfo=CST)  # 5th: Sat 10 Oct (调休)
    assert [(a.name, a.branch_key) for a in view.actions] == [
        ("approve", "market"),
        ("request_correction", "market"),
        ("deny", "market"),
    ]
    with pytest.raises(ForbiddenError):
        services.perform_action(
            wf_session,
            actor=FIRE,
            instance_id=started.id,
            action="approve",
            branch="market",
            expected_version=view.instance.version,
            now=MONDAY,
        )
    act(wf_session, MARKET, started.id, "approve")
    act(wf_session, FIRE, started.id, "request_correction", reason="缺少消防设施平面图")
    act(wf_session, WINDOW, started.id, "corrected", branch="fire")
    act(wf_session, FIRE, started.id, "approve", comment="消防检查合格")
    middle = services.get_instance_view(wf_session, actor=WINDOW, instance_id=started.id, now=MONDAY)
    assert middle.instance.state == "并联审批"  # one branch still open
    assert services.list_queue(wf_session, actor=URBAN, now=MONDAY).total == 1
    assert services.list_queue(wf_session, actor=MARKET, now=MONDAY).total == 0
    act(wf_session, URBAN, started.id, "approve")
    joined = services.get_instance_view(wf_session, actor=WINDOW, instance_id=started.id, now=MONDAY)
    assert joined.instance.state == "汇总"
    assert [b.outcome for b in joined.branches] == ["approved", "approved", "approved"]
    assert joined.timeline[-1].label == "并联办理完成，进入汇总"
    act(wf_session, WINDOW, started.id, "issue")
    done = act(wf_session, WINDOW, started.id, "deliver")
    assert done.instance.status == "closed"
    assert done.instance.outcome == "办结"


def test_bundle_branches_from_instance_data(wf_session: Session) -> None:
    started = services.start_instance(
        wf_session,
        actor=WINDOW,
        definition_key="bundle",
        subject_ref="bundle:newborn-7",
        title="新生儿出生一件事",
        data={
            "departments": [
                {"unit": "health", "label": "出生医学证明"},
                {"unit": "police", "label": "户口登记"},
                "medins",
            ]
        },
        now=MONDAY,
    )
    act(wf_session, WINDOW, started.id, "accept")
    view = services.get_instance_view(wf_session, actor=WINDOW, instance_id=started.id, now=MONDAY)
    assert [(b.unit_code, b.label) for b in view.branches] == [
        ("health", "出生医学证明"),
        ("police", "户口登记"),
        ("medins", "medins"),
    ]
    with pytest.raises(ValidationError, match="请指定分支"):
        act(wf_session, ADMIN, started.id, "approve")


def test_branch_escalates_and_the_window_step_decides_itself(
    wf_session: Session, wf_factory: sessionmaker[Session]
) -> None:
    started = services.start_instance(
        wf_session, actor=WINDOW, definition_key="bundle", subject_ref="bundle:2", now=MONDAY
    )
    act(wf_session, WINDOW, started.id, "accept")
    for who in (MARKET, FIRE):
        act(wf_session, who, started.id, "approve")
    # The urban branch is late (5 working days end Sat 10 Oct, a 调休 workday): the sweep escalates the case.
    jobs.sweep_once(wf_factory, now=dt.datetime(2026, 10, 13, 9, 0, tzinfo=CST))
    view = services.get_instance_view(wf_session, actor=WINDOW, instance_id=started.id, now=MONDAY)
    assert view.instance.level == 1
    assert "分支「门头招牌设置」超过时限" in view.timeline[-1].reason
    late = dt.datetime(2026, 10, 13, 10, 0, tzinfo=CST)
    act(wf_session, URBAN, started.id, "approve", now=late)
    act(wf_session, WINDOW, started.id, "issue", now=late)
    # 出证 auto-decides 证照送达 after 2 working days.
    jobs.sweep_once(wf_factory, now=dt.datetime(2026, 10, 16, 9, 0, tzinfo=CST))
    final = services.get_instance_view(wf_session, actor=WINDOW, instance_id=started.id, now=MONDAY)
    assert final.instance.status == "closed"
    assert final.timeline[-1].label == "超时自动：证照送达"
    assert final.timeline[-1].actor_id == "system"


def test_incident_closed_loop_with_rework_and_auto_decision(
    wf_session: Session, wf_factory: sessionmaker[Session]
) -> None:
    collector = actor("grid-01", "collector")
    acceptor = actor("acc-01", "acceptor")
    dispatcher = actor("dsp-01", "dispatcher")
    handler = actor("urban-03", "handler", "urban")
    supervisor = actor("chief-01", "supervisor")
    started = services.start_instance(
        wf_session, actor=collector, definition_key="incident", subject_ref="incident:88", title="暴露垃圾", now=MONDAY
    )
    for who, action, extra in [
        (acceptor, "file", {}),
        (dispatcher, "dispatch", {"assignee_unit": "urban"}),
        (handler, "accept_task", {}),
        (handler, "report_done", {"comment": "已清运", "attachments": ["处置前.jpg", "处置后.jpg"]}),
        (collector, "verify_fail", {"reason": "仍有残留"}),
        (handler, "report_done", {"comment": "已彻底清理"}),
        (collector, "verify_ok", {}),
    ]:
        act(wf_session, who, started.id, action, **extra)
    view = services.get_instance_view(wf_session, actor=supervisor, instance_id=started.id, now=MONDAY)
    assert view.instance.state == "结案"
    # Nobody closes within 4 working hours: the engine closes it (auto_decide:close), then 评价 waits.
    jobs.sweep_once(wf_factory, now=dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST))
    view = services.get_instance_view(wf_session, actor=supervisor, instance_id=started.id, now=MONDAY)
    assert view.instance.state == "评价"
    act(wf_session, supervisor, started.id, "evaluate", comment="按期处置")
    final = services.get_instance_view(wf_session, actor=supervisor, instance_id=started.id, now=MONDAY)
    assert final.instance.outcome == "结案"
    labels = [e.label for e in final.timeline]
    assert labels.count("处置反馈") == 2
    assert "核查未通过（返工）" in labels
    assert "超时自动：结案" in labels
