"""一件事 journey: parallel branches, 退单/改派, 延期, escalation and a bad rating's rectification, 调休 aware."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from yiwang.kernel.actor import Actor
from yiwang.ratings import services as ratings
from yiwang.workflow import calendar as workflow_calendar
from yiwang.workflow import jobs
from yiwang.workflow import services as workflow
from yiwang.workflow.calendar import TimeLimit, TimeUnit
from yiwang.workflow.schemas import ActionResult, InstanceView

CST = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in 北京时间, 2026."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CST)


def staff(actor_id: str, account_role: str, department: str, *process_roles: str) -> Actor:
    """An account as identity builds it: its account role plus the process roles that role plays."""
    return Actor(
        id=actor_id,
        department=department,
        role=account_role,
        roles=frozenset({account_role, *process_roles}),
        display_name=actor_id,
    )


WINDOW = staff("win-01", "department_staff", "cityops", "window")
"""综合窗口 (staffed by the city operations centre)."""
MARKET = staff("market-01", "department_staff", "market", "approver", "handler")
FIRE = staff("fire-01", "department_staff", "fire", "approver", "handler")
URBAN = staff("urban-01", "department_staff", "urban", "approver", "handler")
LEADER = staff("leader-01", "leader", "cityops", "supervisor")
PLATFORM = staff("admin-01", "platform_admin", "cityops", "platform")
CITIZEN = Actor(id="citizen-0917", department=None, role="citizen", roles=frozenset({"citizen"}))


def coordinated_bundle(shipped: dict[str, Any]) -> dict[str, Any]:
    """The shipped bundle with a lead department (牵头部门) charged before the parallel review.

    The shipped definition goes straight from 受理 to the branches; a lead department is what 退单/改派 and 延期
    act on, so this version adds 分送 → 牵头签收 (sign or 退单, 改派 by the window) and lets the lead department ask
    the supervisor for more time while the branches run.
    """
    body = copy.deepcopy(shipped)
    states = body["states"]
    states["受理"]["actions"][0]["to"] = "分送"
    rebuilt: dict[str, Any] = {"受理": states.pop("受理")}
    rebuilt["分送"] = {
        "label": "待分送牵头部门",
        "time_limit": {"amount": 1, "unit": "working_days"},
        "on_timeout": "notify",
        "actions": [
            {"name": "dispatch", "label": "分送牵头部门", "to": "牵头签收", "roles": ["window"], "effect": "dispatch"}
        ],
    }
    rebuilt["牵头签收"] = {
        "label": "待牵头部门签收",
        "time_limit": {"amount": 5, "unit": "working_days"},
        "on_timeout": "notify",
        "actions": [
            {
                "name": "sign",
                "label": "牵头签收",
                "to": "并联审批",
                "roles": ["approver"],
                "effect": "sign",
                "assignee_only": True,
                "lead_only": True,
            },
            {
                "name": "return",
                "label": "退单",
                "to": "分送",
                "roles": ["approver"],
                "effect": "return",
                "requires_reason": True,
                "assignee_only": True,
                "lead_only": True,
                "within": {"amount": 2, "unit": "working_days"},
            },
            {
                "name": "redispatch",
                "label": "改派",
                "to": "牵头签收",
                "roles": ["window"],
                "effect": "redispatch",
                "requires_reason": True,
            },
        ],
    }
    rebuilt.update(states)
    body["states"] = rebuilt
    body["actions"] = [
        *body["actions"],
        {
            "name": "request_extension",
            "label": "申请延期",
            "from": ["并联审批"],
            "roles": ["approver"],
            "effect": "request_extension",
            "requires_reason": True,
            "assignee_only": True,
            "lead_only": True,
        },
        {
            "name": "approve_extension",
            "label": "批准延期",
            "from": ["并联审批"],
            "roles": ["supervisor"],
            "effect": "approve_extension",
        },
        {
            "name": "reject_extension",
            "label": "驳回延期",
            "from": ["并联审批"],
            "roles": ["supervisor"],
            "effect": "reject_extension",
            "requires_reason": True,
        },
    ]
    return body


class Case:
    """One 一件事 case driven through the public workflow services (always with the version last seen)."""

    def __init__(self, session: Session, instance_id: int) -> None:
        self.session = session
        self.id = instance_id

    def view(self, now: dt.datetime, who: Actor = PLATFORM) -> InstanceView:
        self.session.expire_all()
        return workflow.get_instance_view(self.session, actor=who, instance_id=self.id, now=now)

    def version(self, now: dt.datetime) -> int:
        return self.view(now).instance.version

    def act(self, who: Actor, action: str, now: dt.datetime, **extra: Any) -> ActionResult:
        return workflow.perform_action(
            self.session,
            actor=who,
            instance_id=self.id,
            action=action,
            expected_version=self.version(now),
            now=now,
            **extra,
        )


def test_bundle_journey_across_national_day(session: Session, session_factory: sessionmaker[Session]) -> None:  # noqa: PLR0915 - one journey, step by step
    cal = workflow_calendar.load_calendar()
    # The calendar itself: 9月20日（周日）and 10月10日（周六）are 调休 workdays; 9月25日（中秋）and 10月1日–7日 are off.
    assert cal.is_working_day(dt.date(2026, 9, 20))
    assert cal.is_working_day(dt.date(2026, 10, 10))
    assert not cal.is_working_day(dt.date(2026, 9, 25))
    assert not any(cal.is_working_day(dt.date(2026, 10, day)) for day in range(1, 8))

    workflow.ensure_builtin_definitions(session)
    shipped = workflow.get_definition(session, key="bundle")
    assert shipped.body is not None
    published = workflow.publish_definition(session, actor=PLATFORM, body=coordinated_bundle(shipped.body))
    assert (published.key, published.version, published.created) == ("bundle", shipped.version + 1, True)

    # --- 受理 (Thu 17 Sep 09:00): a 开办餐饮店 bundle promised in 10 working days ---------------------------------
    started = workflow.start_instance(
        session,
        actor=WINDOW,
        definition_key="bundle",
        subject_ref="bundle:restaurant-0917",
        title="开办餐饮店一件事",
        time_limit=TimeLimit(10, TimeUnit.WORKING_DAYS),
        now=at(9, 17, 9),
    )
    case = Case(session, started.id)
    assert started.definition_version == published.version
    # 10 working days: 18, 20 (Sunday 调休), 21–24, 28–30 Sep, 8 Oct. Without the 调休 Sunday it would be 9 Oct.
    assert started.due_at == at(10, 8, 17, 30)
    assert started.due_at == workflow_calendar.add_working_days(at(9, 17, 9), 10, calendar=cal)
    assert started.state_due_at == at(9, 18, 17, 30)  # 受理 within 1 working day

    case.act(WINDOW, "accept", at(9, 17, 9, 30))
    workflow.dispatch(
        session,
        actor=WINDOW,
        instance_id=case.id,
        expected_version=case.version(at(9, 17, 9, 40)),
        lead_unit="fire",
        comment="由消防部门牵头",
        now=at(9, 17, 9, 40),
    )
    assert [a.unit_code for a in case.view(at(9, 17, 10)).assignments if a.active] == ["fire"]

    # --- 退单 by the wrongly charged department, 改派 by the window -----------------------------------------------
    workflow.return_task(
        session,
        actor=FIRE,
        instance_id=case.id,
        expected_version=case.version(at(9, 17, 10)),
        reason="餐饮店开办应由市场监管部门牵头",
        now=at(9, 17, 10),
    )
    returned = case.view(at(9, 17, 10, 5))
    assert returned.instance.state == "分送"
    assert [a.unit_code for a in returned.assignments if a.active] == []
    workflow.redispatch(
        session,
        actor=WINDOW,
        instance_id=case.id,
        expected_version=case.version(at(9, 17, 10, 30)),
        lead_unit="market",
        reason="按退单意见改由市场监管局牵头",
        now=at(9, 17, 10, 30),
    )
    case.act(MARKET, "sign", at(9, 17, 14))

    # --- 并联审批: one branch per department, each due in 5 working days ------------------------------------------
    parallel = case.view(at(9, 17, 14, 5))
    assert parallel.instance.state == "并联审批"
    assert [(b.unit_code, b.state, b.status) for b in parallel.branches] == [
        ("market", "审查", "open"),
        ("fire", "审查", "open"),
        ("urban", "审查", "open"),
    ]
    # 5 working days from Thu 17 Sep: 18, 20 (调休), 21, 22, 23 → Wed 23 Sep (24 Sep if the Sunday were off).
    branch_due = at(9, 23, 17, 30)
    assert {b.due_at for b in parallel.branches} == {branch_due}
    assert branch_due == workflow_calendar.add_working_days(at(9, 17, 14), 5, calendar=cal)

    case.act(MARKET, "approve", at(9, 18, 10), branch="market", comment="营业执照、食品经营许可准予")
    case.act(FIRE, "request_correction", at(9, 18, 11), branch="fire", reason="缺少消防设施平面图")
    case.act(WINDOW, "corrected", at(9, 20, 10), branch="fire")  # the 调休 Sunday: the window is open
    case.act(FIRE, "approve", at(9, 21, 15), branch="fire", comment="消防安全检查合格")

    # --- 延期: the lead department asks before the holiday, the supervisor approves --------------------------------
    workflow.request_extension(
        session,
        actor=MARKET,
        instance_id=case.id,
        expected_version=case.version(at(9, 22, 10)),
        extension=TimeLimit(2, TimeUnit.WORKING_DAYS),
        reason="门头招牌设置需现场踏勘，国庆前无法办结",
        now=at(9, 22, 10),
    )
    workflow.approve_extension(
        session,
        actor=LEADER,
        instance_id=case.id,
        expected_version=case.version(at(9, 22, 14)),
        comment="同意延期2个工作日",
        now=at(9, 22, 14),
    )
    extended = case.view(at(9, 22, 14, 5))
    # 2 working days after 8 Oct: 9 Oct and Sat 10 Oct (调休) → not Mon 12 Oct.
    assert extended.instance.due_at == at(10, 10, 17, 30)
    assert extended.instance.due_at == workflow_calendar.add_working_days(at(10, 8, 17, 30), 2, calendar=cal)
    assert [(e.amount, e.unit, e.status, e.new_due_at) for e in extended.extensions] == [
        (2, "working_days", "approved", at(10, 10, 17, 30))
    ]

    # --- the urban branch misses its deadline: the sweep escalates the case ---------------------------------------
    assert workflow.list_queue(session, actor=URBAN, now=at(9, 24, 9)).total == 1
    report = jobs.sweep_once(session_factory, now=at(9, 24, 9))
    # Only the urban branch timer is due: the 受理/分送/牵头签收 timers ended with their states, the process one moved.
    assert (report.claimed, report.fired, report.failed) == (1, 1, 0)
    escalated = case.view(at(9, 24, 9, 5))
    assert escalated.instance.level == 1
    assert escalated.instance.overdue is False  # the whole process is still within its extended limit
    urban_branch = next(b for b in escalated.branches if b.unit_code == "urban")
    assert (urban_branch.status, urban_branch.overdue) == ("open", True)
    assert escalated.timeline[-1].automatic
    assert escalated.timeline[-1].actor_id == "system"
    assert "分支「门头招牌设置」超过时限" in escalated.timeline[-1].reason
    case.act(LEADER, "supervise", at(9, 24, 10), comment="请城管部门今日办结门头招牌审批")
    assert case.view(at(9, 24, 10, 5)).instance.supervised

    # --- join, 出证, 办结 ---------------------------------------------------------------------------------------
    case.act(URBAN, "approve", at(9, 24, 14), branch="urban", comment="门头招牌设置准予")
    assert case.view(at(9, 24, 14, 5)).instance.state == "汇总"
    case.act(WINDOW, "issue", at(9, 24, 15))
    done = case.act(WINDOW, "deliver", at(9, 24, 16))
    assert (done.instance.status, done.instance.outcome) == ("closed", "办结")

    timeline = case.view(at(9, 24, 16, 5)).timeline
    assert [(e.action, e.label, e.reason) for e in timeline if e.automatic] == [
        ("escalate", "升级督办（第 1 级）", "分支「门头招牌设置」超过时限，自动升级督办"),
        ("join", "并联办理完成，进入汇总", ""),
    ]
    assert [(e.action, e.branch_key) for e in timeline if not e.automatic] == [
        ("start", None),
        ("accept", None),
        ("dispatch", None),
        ("return", None),
        ("dispatch", None),
        ("sign", None),
        ("approve", "market"),
        ("request_correction", "fire"),
        ("corrected", "fire"),
        ("approve", "fire"),
        ("request_extension", None),
        ("approve_extension", None),
        ("supervise", None),
        ("approve", "urban"),
        ("issue", None),
        ("deliver", None),
    ]
    by_action = {e.action: e for e in timeline}
    assert by_action["return"].actor_id == FIRE.id
    assert by_action["return"].reason == "餐饮店开办应由市场监管部门牵头"
    assert by_action["request_extension"].reason == "门头招牌设置需现场踏勘，国庆前无法办结"
    assert [e.to_state for e in timeline if e.action in {"dispatch", "return"}] == ["牵头签收", "分送", "牵头签收"]

    # --- 好差评: a bad rating opens a rectification due in 15 working days ---------------------------------------
    rating = ratings.submit_rating(
        session,
        actor=CITIZEN,
        subject_ref=f"workflow:{case.id}",
        department_code="urban",
        unit_code="urban",
        channel="online",
        level=2,
        comment="门头招牌审批拖延，超期后才办结",
        service_name="开办餐饮店一件事",
        now=at(9, 24, 17),
    )
    rectification = rating.rectification
    assert rectification is not None
    assert rectification.status == "open"
    # 15 working days: 28–30 Sep, 8–10 Oct (10 Oct 调休), 12–16, 19–22 Oct → 22 Oct (23 Oct without the 调休).
    assert rectification.due_at is not None
    assert rectification.due_at.astimezone(CST) == at(10, 22, 17, 30)
    assert rectification.due_at == workflow_calendar.add_working_days(at(9, 24, 17), 15, calendar=cal)

    listed = ratings.list_rectifications(session, actor=URBAN, now=at(10, 9, 9))
    assert [(r.id, r.status, r.overdue) for r in listed.items] == [(rectification.id, "open", False)]

    first = ratings.respond_rectification(
        session, actor=URBAN, rectification_id=rectification.id, response="已约谈经办人员并通报", now=at(10, 9, 10)
    )
    assert (first.status, first.on_time) == ("rectified", True)
    # 回访: the citizen is not satisfied, so the rectification reopens for a second round.
    reopened = ratings.record_callback(
        session,
        actor=PLATFORM,
        rectification_id=rectification.id,
        satisfaction=2,
        note="仍未说明超期原因",
        now=at(10, 10, 11),
    )
    assert (reopened.status, reopened.rounds) == ("open", 2)
    second = ratings.respond_rectification(
        session,
        actor=URBAN,
        rectification_id=rectification.id,
        response="已书面说明超期原因，门头招牌审批改为即来即办",
        kind="scheduled",
        now=at(10, 12, 10),
    )
    assert (second.status, second.on_time) == ("rectified", True)
    closed = ratings.record_callback(
        session, actor=PLATFORM, rectification_id=rectification.id, satisfaction=4, method="phone", now=at(10, 13, 10)
    )
    assert closed.status == "closed"
    assert [(c.round, c.satisfaction) for c in closed.callbacks] == [(1, 2), (2, 4)]

    stats = ratings.statistics(session, department_code="urban")
    assert [(row.code, row.count, row.bad, row.rectified, row.rectified_on_time) for row in stats.rows] == [
        ("urban", 1, 1, 1, 1)
    ]
