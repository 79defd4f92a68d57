"""Demo cases for ``yiwang demo``: 12345 appeals and 一件事 bundles in every stage, made through the workflow services.

Each case is registered in the past and walked forward with the public services (受理, 派单, 签收, 退单, 延期…) at
past moments, so queues show realistic ages, a few cases are overdue and timelines read like real work. The
content is fixed (no randomness): the same cases on every run. Cases are acted on by the demo accounts' usernames
so the timelines name people who can log in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from yiwang.db import utcnow
from yiwang.kernel.actor import Actor
from yiwang.workflow import services
from yiwang.workflow.calendar import TimeLimit, TimeUnit

# Process roles are granted to these identities explicitly: the definitions name process roles (话务员 operator,
# 派单员 dispatcher, 承办单位 handler…), and the demo walks each case as the person who would hold that role.
OPERATOR = Actor(
    id="operator.12345",
    department="cityops",
    role="hotline_operator",
    display_name="12345热线话务员（演示）",
    roles=frozenset({"hotline_operator", "operator"}),
)
DISPATCHER = Actor(
    id="dispatcher.12345",
    department="cityops",
    role="dispatcher",
    display_name="12345派单员（演示）",
    roles=frozenset({"dispatcher"}),
)
WINDOW = Actor(
    id="window.demo",
    department="cityops",
    role="department_staff",
    display_name="综合窗口（演示）",
    roles=frozenset({"department_staff", "window"}),
)


def _handler(unit: str) -> Actor:
    """A department's staff acting as the unit charged with an appeal (承办单位) or a bundle branch (审批)."""
    return Actor(
        id=f"staff.{unit}",
        department=unit,
        role="department_staff",
        display_name=f"{unit} 工作人员（演示）",
        roles=frozenset({"department_staff", "handler", "approver"}),
    )


@dataclass(frozen=True, slots=True)
class _Appeal:
    title: str
    category: str
    district: str
    unit: str
    stage: str
    age_hours: int
    assist: tuple[str, ...] = ()
    priority: int = 0


# stage: how far the case has gone — 受理 (just registered), 派单 (accepted), 签收 (dispatched), 办理 (signed),
# 退单 (returned by the unit), 延期 (extension granted), 答复 (reply awaiting review), 回访, 办结.
_APPEALS: tuple[_Appeal, ...] = (
    _Appeal("武侯区玉林路某火锅店后厨卫生脏乱，疑似使用过期食材", "投诉", "510107", "market", "签收", 3, priority=1),
    _Appeal("锦江区春熙路某服装店拒绝退还预付卡余额", "投诉", "510104", "market", "签收", 6),
    _Appeal("成华区建设路某小区电梯频繁故障困人", "投诉", "510108", "market", "签收", 20, priority=2),
    _Appeal("高新区天府三街某健身房闭店跑路，会员费无法退还", "投诉", "510109", "market", "办理", 30),
    _Appeal("青羊区宽窄巷子附近商户价格标示不清、宰客", "举报", "510105", "market", "办理", 50),
    _Appeal("金牛区营门口某超市销售临期食品未作提示", "举报", "510106", "market", "答复", 70),
    _Appeal("郫都区犀浦镇某药店无执业药师销售处方药", "举报", "510117", "market", "签收", 300),
    _Appeal("双流区某培训机构预付费课程停课不退款", "投诉", "510116", "market", "延期", 150),
    _Appeal("龙泉驿区某汽车4S店维修收费与报价不符", "投诉", "510112", "market", "退单", 40),
    _Appeal("新都区某网店虚假宣传“三无”保健品", "举报", "510114", "market", "回访", 120),
    _Appeal("温江区某餐馆无营业执照经营", "举报", "510115", "market", "办结", 200),
    _Appeal("武侯区科华北路夜间占道烧烤油烟扰民", "投诉", "510107", "urban", "签收", 4),
    _Appeal("锦江区东大街人行道共享单车乱停乱放", "建议", "510104", "urban", "办理", 26),
    _Appeal("成华区二仙桥某工地渣土车撒漏污染道路", "投诉", "510108", "urban", "办理", 60, assist=("transport",)),
    _Appeal("金牛区茶店子垃圾站清运不及时、异味严重", "投诉", "510106", "urban", "签收", 280, priority=1),
    _Appeal("青羊区光华大道路灯不亮存在安全隐患", "求助", "510105", "urban", "答复", 45),
    _Appeal("高新区中和街道某小区违法搭建阳光房", "举报", "510109", "urban", "延期", 160),
    _Appeal("新津区五津街道公厕长期损坏无人维修", "求助", "510118", "urban", "回访", 100),
    _Appeal("天府新区华阳街道户外广告牌松动", "求助", "510116", "urban", "办结", 180),
    _Appeal("武侯区某小区物业擅自提高物业费", "投诉", "510107", "housing", "签收", 8),
    _Appeal("成华区某楼盘延期交房，开发商拒绝说明", "投诉", "510108", "housing", "办理", 36, priority=1),
    _Appeal("锦江区某老旧小区加装电梯协调困难", "求助", "510104", "housing", "办理", 90),
    _Appeal("金牛区某在建工地夜间施工噪音扰民", "投诉", "510106", "housing", "签收", 320, assist=("ecoenv",)),
    _Appeal("高新区某住房租赁企业克扣押金", "投诉", "510109", "housing", "退单", 30),
    _Appeal("温江区公租房申请进度咨询", "咨询", "510115", "housing", "回访", 80),
    _Appeal("青白江区某小区燃气管道老化漏气隐患", "求助", "510113", "housing", "答复", 55, priority=2),
    _Appeal("武侯区簇桥街道下水道堵塞污水外溢", "求助", "510107", "water", "办理", 12, priority=1),
    _Appeal("双流区东升街道暴雨后路面积水严重", "求助", "510116", "water", "签收", 5),
    _Appeal("郫都区某河道有人倾倒建筑垃圾", "举报", "510117", "water", "办结", 220),
    _Appeal("高新区某公司拖欠员工三个月工资", "投诉", "510109", "hrss", "办理", 40, priority=1),
    _Appeal("新都区灵活就业人员养老保险缴费咨询", "咨询", "510114", "hrss", "答复", 28),
    _Appeal("成华区某学校周边校外培训机构违规开班", "举报", "510108", "edu", "签收", 10),
    _Appeal("锦江区小学入学学区划分咨询", "咨询", "510104", "edu", "办结", 130),
    _Appeal("金牛区某化工企业夜间偷排废气", "举报", "510106", "ecoenv", "签收", 2, priority=2),
    _Appeal("武侯区某餐饮街餐饮油烟直排", "投诉", "510107", "ecoenv", "延期", 140, assist=("urban",)),
    _Appeal("天府大道北段公交站台遮雨棚破损", "建议", "510109", "transport", "办理", 22),
    _Appeal("希望增开地铁18号线早高峰班次", "建议", "510116", "transport", "派单", 2),
    _Appeal("青羊区某小区消防通道被长期占用", "举报", "510105", "fire", "签收", 7),
    _Appeal("咨询个体工商户办理营业执照所需材料", "咨询", "510107", "market", "受理", 1),
    _Appeal("反映龙泉驿区某路口红绿灯配时不合理", "建议", "510112", "police", "派单", 3),
    _Appeal("某商场停车收费标准未公示", "投诉", "510104", "market", "受理", 0),
)

_CATEGORY_LIMITS = {
    "咨询": TimeLimit(3, TimeUnit.WORKING_DAYS),
    "求助": TimeLimit(5, TimeUnit.WORKING_DAYS),
    "建议": TimeLimit(10, TimeUnit.WORKING_DAYS),
    "投诉": TimeLimit(13, TimeUnit.WORKING_DAYS),
    "举报": TimeLimit(13, TimeUnit.WORKING_DAYS),
}
"""Time limits per appeal category (examples; each city sets its own under 国办发〔2020〕53号)."""

_ORDER = ("受理", "派单", "签收", "办理", "答复", "回访", "办结")


@dataclass(frozen=True, slots=True)
class _Bundle:
    title: str
    applicant: str
    district: str
    departments: tuple[str, ...]
    approved: tuple[str, ...]
    age_hours: int


_BUNDLES: tuple[_Bundle, ...] = (
    _Bundle(
        "开办餐饮店“一件事”：蜀味小馆（武侯区）",
        "成都蜀味小馆餐饮管理有限公司",
        "510107",
        ("market", "fire", "urban"),
        (),
        6,
    ),
    _Bundle(
        "开办餐饮店“一件事”：锦里茶舍（青羊区）",
        "成都锦里茶舍文化有限公司",
        "510105",
        ("market", "fire", "urban"),
        ("fire",),
        30,
    ),
    _Bundle(
        "企业迁移登记“一件事”：天府智造科技",
        "成都天府智造科技有限公司",
        "510109",
        ("market", "tax", "hrss"),
        ("tax",),
        50,
    ),
    _Bundle(
        "新生儿出生“一件事”：户籍登记、医保参保、社保卡申领",
        "市民（演示）",
        "510108",
        ("police", "medins", "hrss"),
        ("police", "medins"),
        70,
    ),
)


@dataclass(slots=True)
class DemoCasesReport:
    """What :func:`create_demo_cases` did."""

    appeals: int = 0
    bundles: int = 0
    skipped: bool = False


def has_demo_cases(session: Session) -> bool:
    """Whether the demo's cases exist already (the demo operator has registered cases)."""
    return services.list_queue(session, actor=OPERATOR, tab="done", page_size=1).total > 0


def create_demo_cases(session: Session, *, now: dt.datetime | None = None) -> DemoCasesReport:
    """Create the demo's appeals and bundles unless they exist; ages are counted back from ``now``."""
    if has_demo_cases(session):
        return DemoCasesReport(skipped=True)
    services.ensure_builtin_definitions(session)
    moment = (now or utcnow()).replace(minute=0, second=0, microsecond=0)
    report = DemoCasesReport()
    for number, appeal in enumerate(_APPEALS, start=1):
        _walk_appeal(session, appeal, number=number, now=moment)
        report.appeals += 1
    for number, bundle in enumerate(_BUNDLES, start=1):
        _walk_bundle(session, bundle, number=number, now=moment)
        report.bundles += 1
    return report


class _Clock:
    """Past moments for successive actions on one case: each step a little later, never past ``now``."""

    def __init__(self, start: dt.datetime, now: dt.datetime, steps: int) -> None:
        self.at = start
        self.step = (now - start) / (steps + 1) if steps else dt.timedelta(0)

    def next(self) -> dt.datetime:
        self.at += self.step
        return self.at


def _walk_appeal(session: Session, appeal: _Appeal, *, number: int, now: dt.datetime) -> None:  # noqa: C901 - one step per stage, read top to bottom
    start = now - dt.timedelta(hours=appeal.age_hours)
    stage = appeal.stage
    target = {"退单": "签收", "延期": "办理"}.get(stage, stage)
    steps = _ORDER.index(target) + (2 if stage in {"退单", "延期"} else 0)
    clock = _Clock(start, now, steps)
    summary = services.start_instance(
        session,
        actor=OPERATOR,
        definition_key="appeal",
        subject_ref=f"12345:GD{now:%Y%m}{number:05d}",
        title=appeal.title,
        data={"category": appeal.category, "district_code": appeal.district, "channel": "12345热线"},
        priority=appeal.priority,
        time_limit=_CATEGORY_LIMITS[appeal.category],
        now=start,
    )
    instance_id, version = summary.id, summary.version
    handler = _handler(appeal.unit)

    def act(actor: Actor, action: str, comment: str | None = None) -> None:
        nonlocal version
        result = services.perform_action(
            session, actor=actor, instance_id=instance_id, action=action, expected_version=version,
            now=clock.next(), comment=comment,
        )  # fmt: skip
        version = result.instance.version

    def dispatch(reason: str | None = None) -> None:
        nonlocal version
        moment = clock.next()
        if reason is None:
            result = services.dispatch(
                session, actor=DISPATCHER, instance_id=instance_id, expected_version=version,
                lead_unit=appeal.unit, assist_units=appeal.assist, comment="请按职责办理并按时反馈", now=moment,
            )  # fmt: skip
        else:
            result = services.redispatch(
                session, actor=DISPATCHER, instance_id=instance_id, expected_version=version,
                lead_unit=appeal.unit, assist_units=appeal.assist, reason=reason, now=moment,
            )  # fmt: skip
        version = result.instance.version

    reached = _ORDER.index(target)
    if reached >= _ORDER.index("派单"):
        act(OPERATOR, "accept")
    if stage == "退单":
        # First dispatched to the wrong unit, handed back, then dispatched again to the right one.
        wrong = "urban" if appeal.unit != "urban" else "market"
        version = services.dispatch(
            session, actor=DISPATCHER, instance_id=instance_id, expected_version=version, lead_unit=wrong,
            now=clock.next(),
        ).instance.version  # fmt: skip
        result = services.return_task(
            session, actor=_handler(wrong), instance_id=instance_id, expected_version=version,
            reason="该事项不属于本单位职责范围，建议改派", now=clock.next(),
        )  # fmt: skip
        version = result.instance.version
        dispatch(reason="原承办单位退单，改派至职责单位")
        return
    if reached >= _ORDER.index("签收"):
        dispatch()
    if reached >= _ORDER.index("办理"):
        act(handler, "sign")
    if stage == "延期":
        result = services.request_extension(
            session, actor=handler, instance_id=instance_id, expected_version=version,
            extension=TimeLimit(5, TimeUnit.WORKING_DAYS), reason="需现场复查并协调相关单位，申请延期5个工作日",
            now=clock.next(),
        )  # fmt: skip
        version = result.instance.version
        result = services.approve_extension(
            session, actor=DISPATCHER, instance_id=instance_id, expected_version=version, comment="同意延期",
            now=clock.next(),
        )  # fmt: skip
        version = result.instance.version
        return
    if reached >= _ORDER.index("答复"):
        act(handler, "reply", comment="已到现场核查，责令当事方整改，整改情况已复核，现答复市民。")
    if reached >= _ORDER.index("回访"):
        act(DISPATCHER, "approve_reply")
    if reached >= _ORDER.index("办结"):
        act(OPERATOR, "revisit_satisfied")


def _walk_bundle(session: Session, bundle: _Bundle, *, number: int, now: dt.datetime) -> None:
    start = now - dt.timedelta(hours=bundle.age_hours)
    clock = _Clock(start, now, 1 + len(bundle.approved))
    summary = services.start_instance(
        session,
        actor=WINDOW,
        definition_key="bundle",
        subject_ref=f"YJS:{now:%Y%m}{number:04d}",
        title=bundle.title,
        data={"applicant": bundle.applicant, "district_code": bundle.district, "departments": list(bundle.departments)},
        now=start,
    )
    result = services.perform_action(
        session, actor=WINDOW, instance_id=summary.id, action="accept", expected_version=summary.version,
        comment="材料齐全，一次受理，分送各部门并联审批", now=clock.next(),
    )  # fmt: skip
    version = result.instance.version
    for unit in bundle.approved:
        result = services.perform_action(
            session, actor=_handler(unit), instance_id=summary.id, action="approve", expected_version=version,
            branch=unit, comment="审查通过", now=clock.next(),
        )  # fmt: skip
        version = result.instance.version
