"""hotline: demo data for ``yiwang demo`` and the browser tests (idempotent).

About forty 12345 appeals across channels, districts, types and stages, recorded in the past and walked forward
with the hotline's own services at past moments, so each one has a real workflow timeline: dispatched, signed,
returned, replied, awaiting callback, closed and rated, reopened after 不满意, overdue (urged and supervised by the
sweep), merged duplicates, emergencies transferred, consultations answered directly, an extension pending. The
content is fixed (no randomness); triage is the real model, so suggestions are what it really says. Appeals are
marked ``synthetic`` and recorded under idempotency keys ``demo-*``, which is how a second run finds them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yiwang.config import Settings
from yiwang.db import utcnow
from yiwang.hotline import services
from yiwang.hotline.models import Appeal
from yiwang.hotline.schemas import AppealCreate, AppealRead
from yiwang.hotline.triage import demo as triage_demo
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import YiwangError
from yiwang.logs import get_logger

log = get_logger("yiwang.hotline.demo")

OPERATOR = Actor(
    id="operator.12345",
    department="cityops",
    role="hotline_operator",
    display_name="12345热线话务员（演示）",
    roles=frozenset({"hotline_operator", "operator", "acceptor"}),
)
DISPATCHER = Actor(
    id="dispatcher.12345",
    department="cityops",
    role="dispatcher",
    display_name="12345派单员（演示）",
    roles=frozenset({"dispatcher"}),
)
CITIZEN = Actor(
    id="citizen.demo", department=None, role="citizen", display_name="市民（演示）", roles=frozenset({"citizen"})
)
KEY_PREFIX = "demo-"


def _unit(code: str) -> Actor:
    """The staff of a handling unit (a department, or a district/street office by its division code)."""
    return Actor(
        id=f"staff.{code}",
        department=code,
        role="department_staff",
        display_name=f"{code} 承办人员（演示）",
        roles=frozenset({"department_staff", "handler", "approver"}),
    )


DEMO_FILE = Path(__file__).resolve().parent / "demo_appeals.yaml"
"""The demo appeals: key, days ago, the stage to walk to, channel, place, reporter, classification, text."""


@dataclass(frozen=True, slots=True)
class _Demo:
    key: str
    days_ago: float
    stage: str
    channel: str
    content: str
    address: str
    lon: float
    lat: float
    reporter: str
    phone: str
    appeal_type: str | None = None
    category: str | None = None
    urgency: str | None = None
    redirect: str | None = None
    merge_into: str | None = None


@functools.cache
def demo_appeals() -> tuple[_Demo, ...]:
    """The demo appeals of ``demo_appeals.yaml``, oldest first."""
    body = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    places, merges = body["places"], body.get("merge_into") or {}
    found = []
    for row in body["appeals"]:
        place = places[row["place"]]
        found.append(
            _Demo(
                key=str(row["key"]),
                days_ago=float(row["days_ago"]),
                stage=str(row["stage"]),
                channel=str(row["channel"]),
                content=str(row["content"]),
                address=str(place["address"]),
                lon=float(place["lon"]),
                lat=float(place["lat"]),
                reporter=str(row["reporter"]),
                phone=str(row["phone"]),
                appeal_type=row.get("appeal_type"),
                category=row.get("category"),
                urgency=row.get("urgency"),
                redirect=row.get("redirect"),
                merge_into=merges.get(str(row["key"])),
            )
        )
    return tuple(sorted(found, key=lambda d: -d.days_ago))


CALLBACKS = {
    "satisfied": ("满意", 5, "处理很及时，谢谢"),
    "basically": ("基本满意", 4, "基本解决了，希望加强后续巡查"),
    "unsatisfied": ("不满意", 2, "问题没有解决，还是老样子"),
}
REPLY = "经现场核实，已安排人员处理完毕，后续将加强巡查。"
ANSWER = "可通过“天府通办”App 或就近政务服务中心办理，所需材料以办事指南为准；如有疑问可再次致电12345。"


def _record(session: Session, demo: _Demo, *, at: dt.datetime) -> AppealRead:
    actor = CITIZEN if demo.channel in {"web", "app", "wechat"} else OPERATOR
    # Validated like any submission, so a mistake in demo_appeals.yaml is a clear error, not a bad appeal.
    data = AppealCreate.model_validate(
        {
            "channel": demo.channel,
            "content": demo.content,
            "address": demo.address,
            "lon": demo.lon,
            "lat": demo.lat,
            "occurred_at": at - dt.timedelta(hours=6),
            "reporter_name": demo.reporter,
            "reporter_phone": demo.phone,
            "appeal_type": demo.appeal_type,
            "category": demo.category,
            "urgency": demo.urgency,
            "service_code": demo.category if demo.channel == "open311" else None,
            "redirect_number": demo.redirect,
            "redirect_reason": {"120": "有人受伤需要急救", "119": "疑似火情"}.get(demo.redirect or ""),
            "direct_answer": ANSWER if demo.stage == "answered" else None,
            "idempotency_key": f"{KEY_PREFIX}{demo.key}",
        }
    )
    return services.create_appeal(session, actor=actor, data=data, now=at)


class _Walk:
    """Moves one appeal forward, one step an hour after the previous, as the person who would act."""

    def __init__(self, session: Session, appeal: AppealRead, at: dt.datetime) -> None:
        self.session, self.appeal, self.at = session, appeal, at

    def _tick(self) -> dt.datetime:
        self.at += dt.timedelta(hours=1)
        return self.at

    @property
    def version(self) -> int:
        return self.appeal.version or 0

    def to_dispatched(self) -> None:
        if self.appeal.state == "受理":
            self.appeal = services.accept_appeal(
                self.session, actor=OPERATOR, appeal_id=self.appeal.id, expected_version=self.version, now=self._tick()
            )
        if self.appeal.state == "派单":
            lead = None if self.appeal.department is None else self.appeal.department
            self.appeal = services.dispatch_appeal(
                self.session,
                actor=DISPATCHER,
                appeal_id=self.appeal.id,
                expected_version=self.version,
                lead_unit=lead or self.appeal.suggestion.department or "cityops",
                assist_units=self.appeal.assist_units,
                now=self._tick(),
            )

    def act(self, action: str, **extra: str) -> None:
        self.appeal = services.perform(
            self.session,
            actor=_unit(self.appeal.department or "cityops"),
            appeal_id=self.appeal.id,
            action=action,
            expected_version=self.version,
            now=self._tick(),
            **extra,  # type: ignore[arg-type]
        )

    def reply(self, text: str) -> None:
        self.appeal = services.reply_appeal(
            self.session,
            actor=_unit(self.appeal.department or "cityops"),
            appeal_id=self.appeal.id,
            expected_version=self.version,
            text=text,
            now=self._tick(),
        )

    def approve(self) -> None:
        self.appeal = services.review_reply(
            self.session,
            actor=DISPATCHER,
            appeal_id=self.appeal.id,
            expected_version=self.version,
            approve=True,
            now=self._tick(),
        )

    def merge(self, master_id: int) -> None:
        self.appeal = services.merge_appeal(
            self.session,
            actor=DISPATCHER,
            appeal_id=self.appeal.id,
            master_id=master_id,
            expected_version=self.version,
            now=self._tick(),
        )

    def extension(self) -> None:
        self.appeal = services.request_extension(
            self.session,
            actor=_unit(self.appeal.department or "cityops"),
            appeal_id=self.appeal.id,
            expected_version=self.version,
            amount=5,
            unit="working_days",
            reason="涉及多个部门联合整治，需协调施工单位，申请延期",
            now=self._tick(),
        )

    def callback(self, satisfaction: str, level: int, note: str) -> None:
        self.appeal = services.record_callback(
            self.session,
            actor=OPERATOR,
            appeal_id=self.appeal.id,
            expected_version=self.version,
            satisfaction=satisfaction,
            resolved=satisfaction != "不满意",
            rating_level=level,
            note=note,
            now=self._tick(),
        )


_TO_REPLY = ("dispatch", "sign", "reply")
STEPS: dict[str, tuple[str, ...]] = {
    "new": (),
    "redirected": (),
    "answered": (),
    "merged": ("merge",),
    "dispatched": ("dispatch",),
    "returned": ("dispatch", "return"),
    "signed": ("dispatch", "sign"),
    "overdue": ("dispatch", "sign"),
    "extension": ("dispatch", "sign", "extension"),
    "replied": _TO_REPLY,
    "callback": (*_TO_REPLY, "approve"),
    "reopened": (*_TO_REPLY, "approve", "unsatisfied"),
    "closed": (*_TO_REPLY, "approve", "satisfied"),
    "closed_basic": (*_TO_REPLY, "approve", "basically"),
}
"""The steps that bring a freshly recorded appeal to each demo stage (intake itself did 受理 and 智能派单)."""


def _walk(session: Session, demo: _Demo, appeal: AppealRead, at: dt.datetime, numbers: dict[str, int]) -> None:
    walk = _Walk(session, appeal, at)
    master = numbers.get(demo.merge_into or "")
    steps: dict[str, Callable[[], None]] = {
        "merge": lambda: walk.merge(master) if master is not None else None,
        "dispatch": walk.to_dispatched,
        "return": lambda: walk.act("return", reason="经核实该事项不属本单位职责，请改派"),
        "sign": lambda: walk.act("sign"),
        "extension": walk.extension,
        "reply": lambda: walk.reply(REPLY),
        "approve": walk.approve,
        **{name: functools.partial(walk.callback, *answer) for name, answer in CALLBACKS.items()},
    }
    for step in STEPS[demo.stage]:
        if walk.appeal.status == "closed":
            return
        steps[step]()


def _already_done(session: Session) -> bool:
    return session.scalar(select(Appeal.id).where(Appeal.idempotency_key.like(f"%:{KEY_PREFIX}%")).limit(1)) is not None


def create_demo_appeals(session: Session, *, now: dt.datetime | None = None) -> int:
    """Record and walk the demo appeals (none when they exist); returns how many were created."""
    if _already_done(session):
        return 0
    moment = now or utcnow()
    numbers: dict[str, int] = {}
    made = 0
    for demo in demo_appeals():
        at = moment - dt.timedelta(days=demo.days_ago)
        try:
            appeal = _record(session, demo, at=at)
            numbers[demo.key] = appeal.id
            _walk(session, demo, appeal, at, numbers)
        except YiwangError as exc:
            # A demo appeal that cannot be walked (data absent in this database) must not stop the demo.
            session.rollback()
            log.warning("hotline_demo_appeal_skipped", key=demo.key, error=exc.message)
            continue
        made += 1
    session.execute(
        update(Appeal).where(Appeal.idempotency_key.like(f"%:{KEY_PREFIX}%")).values(synthetic=True),
        execution_options={"synchronize_session": False},
    )
    session.commit()
    # The overdue ones are urged (催办) and, when long overdue, supervised (督办) as the worker would.
    services.supervise_overdue(session, now=moment)
    return made


def prepare(session: Session, *, settings: Settings) -> str | None:
    """Create this context's demo data if absent; return one line for the demo's console (or None)."""
    kb_line = triage_demo.prepare(session, settings=settings)
    made = create_demo_appeals(session)
    if made == 0:
        line = "12345 演示诉求已存在，跳过 / hotline demo appeals present, skipping"
    else:
        line = f"已生成 12345 热线演示诉求 {made} 件 / created {made} hotline demo appeals"
    return f"{line}；{kb_line}" if kb_line else line
