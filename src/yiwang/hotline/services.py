"""Use cases of the 12345 hotline: intake from every channel, triage, routing, handling, merge, reply, callback.

Every appeal runs as an ``appeal`` instance of the workflow engine (``subject_ref = appeal:<number>``): the engine
keeps states, deadlines, timers, history and optimistic locking; this module keeps what the hotline knows besides
(the 五要素, the reporter, triage suggestion and final classification, routing, duplicates, callbacks) and asks the
engine to move the case. Changes to appeal rows are made *before* the engine's service commits, so both land in
one transaction; the engine's version (``expected_version``) guards every action against concurrent changes.
Reporters hear about progress through ``notify`` (queued in the same transaction).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import ColumnElement, String, and_, cast, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.db import as_utc, utcnow
from yiwang.geo import services as geo_services
from yiwang.hotline import duplicates as dup
from yiwang.hotline import routing
from yiwang.hotline.models import Appeal, AppealCallback, AppealMedia
from yiwang.hotline.schemas import (
    CHANNELS,
    AppealCreate,
    AppealDetail,
    AppealFilter,
    AppealPage,
    AppealRead,
    CallbackRead,
    ContactRead,
    DuplicateCandidate,
    IntakePreview,
    KnowledgeHint,
    MediaRead,
    MediaUpload,
    RouteDecision,
    SweepReport,
    TriageSuggestion,
)
from yiwang.hotline.triage.result import TriageResult
from yiwang.identity import access, scopes
from yiwang.identity.scopes import AccessAction, Decision, ResourceKind, ResourceRef
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.kernel.identifiers import validate_citizen_id, validate_uscc
from yiwang.kernel.masking import mask_name, mask_phone
from yiwang.logs import get_logger
from yiwang.notify import services as notify_services
from yiwang.ratings import services as ratings_services
from yiwang.workflow import events as wf_events
from yiwang.workflow import services as wf
from yiwang.workflow.calendar import TimeLimit, TimeUnit, WorkCalendar, add_time_limit
from yiwang.workflow.schemas import ActionResult, InstanceSummary

log = get_logger("yiwang.hotline")

CITY_TZ = ZoneInfo("Asia/Shanghai")
DEFINITION_KEY = "appeal"
SUBJECT_PREFIX = "appeal:"
SIGN_ACTION = "sign"
"""The ``appeal`` definition's 签收 action: the lead unit takes the dispatched case on."""
MAX_PAGE_SIZE = 200
MAX_MEDIA_BYTES = 5 * 1024 * 1024
MEDIA_TYPES = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/gif": b"GIF8",
    "image/webp": b"RIFF",
    "application/pdf": b"%PDF",
}
"""Accepted attachment types and the magic bytes their content must start with (the declared type is not trusted)."""

HOTLINE_ACTOR = Actor(
    id="system",
    department="cityops",
    role="platform",
    display_name="12345 热线平台",
    roles=frozenset({"platform"}),
)
"""The platform acting on its own (automatic 受理 of online channels, 智能派单, overdue 催办/督办). Cases it starts
are owned by ``system``, so the engine's generic 办结通知 leaves reporters to the hotline's own notices."""

STATE_LABELS = {
    "受理": "待受理",
    "派单": "待派单",
    "签收": "待签收",
    "办理": "办理中",
    "答复": "待审核答复",
    "回访": "待回访",
    "办结": "已办结",
    "不予受理": "不予受理",
    "转接": "已转接",
    "已并单": "已并单",
}
SATISFACTION_LEVELS = {"满意": 4, "基本满意": 3, "不满意": 2}
"""Default 好差评 level of a callback answer when the caller gives no explicit level."""

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")

TriageFn = Callable[[Session, str, float | None, float | None, str | None], TriageResult | None]
"""How intake asks for a triage: ``(session, text, lon, lat, address)``; None when no model is available."""


# ---- collaborators ------------------------------------------------------------------------------------------------


def _triage_fn(name: str) -> Any:
    """A public function of the triage context (``yiwang.hotline.triage.services``), None while it is absent."""
    try:
        from yiwang.hotline.triage import services as triage_services  # noqa: PLC0415 - optional collaborator
    except ImportError:
        return None
    return getattr(triage_services, name, None)


def default_triage(
    session: Session, text: str, lon: float | None, lat: float | None, address: str | None
) -> TriageResult | None:
    """The triage context's ``triage`` function, when it is installed; otherwise None (a person classifies)."""
    fn = _triage_fn("triage")
    if fn is None:
        return None
    try:
        result: TriageResult = fn(session, text, lon=lon, lat=lat, address=address)
    except Exception as exc:  # noqa: BLE001 - a failing model must never lose a call: a person classifies it
        log.warning("hotline_triage_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        return None
    return result


def _knowledge_answer(session: Session, text: str) -> KnowledgeHint | None:
    fn = _triage_fn("answer_for")
    if fn is None:
        return None
    try:
        found = fn(session, text)
    except Exception as exc:  # noqa: BLE001 - the knowledge base is a help, not a precondition
        log.warning("hotline_kb_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        return None
    if found is None:
        return None
    return KnowledgeHint(
        article_id=str(getattr(found, "slug", None) or getattr(found, "article_id", "")),
        title=str(getattr(found, "title", "")),
        answer=str(getattr(found, "answer", None) or getattr(found, "text", "")),
        score=float(getattr(found, "score", 0.0) or 0.0),
    )


def _record_correction(
    session: Session, *, actor: Actor, text: str, predicted: TriageResult | None, corrected: Mapping[str, Any]
) -> None:
    fn = _triage_fn("record_correction")
    if fn is None or predicted is None or not corrected:
        return
    try:
        known = {k: str(v) for k, v in corrected.items() if k in {"type", "category", "department", "urgency"}}
        if known:
            fn(session, text=text, predicted=predicted, actor=actor, **known)
    except Exception as exc:  # noqa: BLE001 - learning from a correction must not block the correction itself
        log.warning("hotline_correction_not_recorded", error=f"{type(exc).__name__}: {exc}"[:300])


@functools.cache
def _shipped_department_codes() -> frozenset[str]:
    from yiwang.registry.reads import DEPARTMENTS_FILE  # noqa: PLC0415 - the canonical directory file

    body = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    return frozenset(str(d["code"]) for d in body.get("departments", []))


def department_codes(session: Session) -> frozenset[str]:
    """Department codes of the directory (the loaded one, else the shipped ``departments.yaml``)."""
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - registry imports identity

    loaded = frozenset(d.code for d in registry_services.list_departments(session, with_counts=False))
    return loaded or _shipped_department_codes()


def _ensure_installed() -> None:
    """Subscribe the workflow synchronisation (idempotent; also wired by ``yiwang.subscriptions``)."""
    install()


def install() -> Callable[[], None]:
    """Keep appeal rows in step with their workflow instances, in the engine's own transactions."""
    removers = [
        wf_events.subscribe_in_transaction(wf_events.ActionPerformed, _on_workflow_event),
        wf_events.subscribe_in_transaction(wf_events.InstanceClosed, _on_workflow_event),
        wf_events.subscribe_in_transaction(wf_events.InstanceEscalated, _on_workflow_event),
        wf_events.subscribe_in_transaction(wf_events.InstanceStarted, _on_workflow_event),
        wf_events.subscribe_in_transaction(wf_events.TaskDispatched, _on_workflow_event),
    ]

    def remove() -> None:
        for remover in removers:
            remover()

    return remove


def _on_workflow_event(session: Session, event: wf_events.DomainEvent) -> None:
    """Copy state, outcome, escalation and response times of an ``appeal`` instance to its appeal (timers included)."""
    if event.definition_key != DEFINITION_KEY or not event.subject_ref.startswith(SUBJECT_PREFIX):
        return
    number = event.subject_ref.removeprefix(SUBJECT_PREFIX)
    appeal = session.scalars(select(Appeal).where(Appeal.number == number)).one_or_none()
    if appeal is None:
        return
    if appeal.instance_id is None:
        appeal.instance_id = event.instance_id
    if isinstance(event, wf_events.ActionPerformed) and event.to_state:
        appeal.state = event.to_state
    elif isinstance(event, wf_events.InstanceStarted):
        appeal.state = event.state
    elif isinstance(event, wf_events.InstanceClosed):
        appeal.state = event.state
        appeal.status = "closed"
        appeal.outcome = event.outcome
        appeal.closed_at = event.at
    elif isinstance(event, wf_events.InstanceEscalated):
        appeal.escalation_level = event.level
    _record_response_times(appeal, event)
    was_closing = isinstance(event, wf_events.InstanceClosed) and event.outcome == "办结"
    if was_closing and appeal.master_id is None:
        _close_duplicates(session, appeal, event.at)


def _record_response_times(appeal: Appeal, event: wf_events.DomainEvent) -> None:
    """Keep the times 响应率 is measured from, whoever acts (the hotline's pages and API, or the engine's queue).

    Each 派单/改派 restarts the clock and clears the previous 签收; the lead unit's 签收 stops it.
    """
    if isinstance(event, wf_events.TaskDispatched):
        appeal.dispatched_at = event.at
        appeal.signed_at = None
    elif isinstance(event, wf_events.ActionPerformed) and event.action == SIGN_ACTION:
        appeal.signed_at = event.at


def _close_duplicates(session: Session, master: Appeal, at: dt.datetime) -> None:
    """A master's 办结 closes the hotline record of every merged duplicate and tells their reporters."""
    for item in session.scalars(select(Appeal).where(Appeal.master_id == master.id)):
        item.closed_at = item.closed_at or at
        _notify(
            session,
            item,
            "hotline_progress",
            {"title": item.title, "case_no": item.number, "progress": f"已随同一问题的诉求 {master.number} 办结"},
            key="closed",
        )


# ---- small helpers --------------------------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return as_utc(now) if now is not None else utcnow()


def _calendar(calendar: WorkCalendar | None) -> WorkCalendar:
    return calendar or wf.get_calendar()


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _suggestion(result: TriageResult | None) -> TriageSuggestion:
    if result is None:
        return TriageSuggestion(needs_review=True, explanations={"model": "分拨模型暂不可用，请人工分类"})
    raw = asdict(result)
    raw["also"] = list(raw.get("also") or ())
    raw["category_path"] = list(raw.get("category_path") or ())
    return TriageSuggestion.model_validate(raw)


def _priority(urgency: str) -> int:
    return {"一般": 0, "紧急": 1, "特急": 2}.get(urgency, 0)


def _limit_dict(limit: TimeLimit) -> dict[str, Any]:
    return {"amount": limit.amount, "unit": limit.unit.value, "label": limit.describe()}


def _category_units(code: str) -> tuple[str, tuple[str, ...], list[str]]:
    """Lead and assisting departments and the path of a taxonomy category; a Chinese 422 for an unknown code."""
    from yiwang.hotline.triage import taxonomy  # noqa: PLC0415 - the taxonomy file belongs to triage

    leaf = taxonomy.load_taxonomy().leaves.get(code)
    if leaf is None:
        raise ValidationError(f"诉求分类代码 {code} 不存在，请选择分类目录中的小类", field="category")
    return leaf.department, tuple(leaf.also), list(leaf.path)


def _check_units(session: Session, units: Sequence[str], *, field: str) -> list[str]:
    known = department_codes(session)
    clean = [u.strip() for u in units if u and u.strip()]
    bad = [u for u in clean if not routing.is_unit_code(u, known)]
    if bad:
        raise ValidationError(
            f"承办单位代码 {'、'.join(bad)} 无效：应为部门代码（如 urban）或区县（6位）/街道（9位）行政区划代码",
            field=field,
        )
    return list(dict.fromkeys(clean))


def _check_division(session: Session, code: str | None, length: int, *, field: str, label: str) -> str | None:
    text = _clean(code)
    if text is None:
        return None
    if not (text.isdigit() and len(text) == length):
        raise ValidationError(f"{label}应为{length}位数字代码：{text}", field=field)
    known = geo_services.known_division_codes(session)
    if known and text not in known:
        raise ValidationError(f"{label} {text} 不在本市行政区划中", field=field)
    return text


def _subject_ref(appeal: Appeal) -> str:
    return f"{SUBJECT_PREFIX}{appeal.number}"


def appeal_number(appeal_id: int, moment: dt.datetime) -> str:
    """The appeal number ``12345-YYYYMMDD-NNNNNN``: the day of intake in the city's time zone and the row id.

    Examples:
        >>> appeal_number(42, dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC))  # 00:30 on 1 Dec in Chengdu
        '12345-20261201-000042'
    """
    return f"12345-{as_utc(moment).astimezone(CITY_TZ).strftime('%Y%m%d')}-{appeal_id:06d}"


# ---- access -------------------------------------------------------------------------------------------------------


def appeal_refs(appeal: Appeal) -> list[ResourceRef]:
    """How the access rules see an appeal: one ref per charged unit (lead and assisting), with area and reporter."""
    base = ResourceRef(
        kind=ResourceKind.APPEAL,
        district_code=appeal.district_code,
        street_code=appeal.street_code,
        grid_code=appeal.grid_code,
        person_id_number=appeal.reporter_id_number,
        enterprise_uscc=appeal.enterprise_uscc,
        owner_account_id=appeal.reporter_account_id,
    )
    units = [u for u in [appeal.department, *(appeal.assist_units or [])] if u]
    refs = [ResourceRef(**{**asdict(base), "owner_department": unit}) for unit in units]
    return refs or [base]


def _authorize(actor: Actor, appeal: Appeal, action: AccessAction) -> None:
    refs = appeal_refs(appeal)
    decisions = [scopes.decide(actor, ref, action) for ref in refs]
    best = next(d for d in (Decision.ALLOWED, Decision.FORBIDDEN, Decision.HIDDEN) if d in decisions)
    access.authorize(actor, refs[decisions.index(best)], action, not_found=f"诉求 {appeal.id} 不存在或无权查看")


def _load(session: Session, appeal_id: int, *, actor: Actor, action: AccessAction = "read") -> Appeal:
    appeal = session.get(Appeal, appeal_id, populate_existing=True)
    if appeal is None:
        raise NotFoundError(f"诉求 {appeal_id} 不存在或无权查看", field="appeal_id")
    _authorize(actor, appeal, action)
    return appeal


def _scope_condition(actor: Actor) -> ColumnElement[bool] | None:
    """SQL keeping the appeals the identity rules let the actor read (None: all of them)."""
    if scopes.can_read(actor, ResourceRef(kind=ResourceKind.APPEAL)):
        return None
    clauses: list[ColumnElement[bool]] = [Appeal.reporter_account_id == actor.id]
    if actor.person_id_number:
        clauses.append(Appeal.reporter_id_number == actor.person_id_number)
    if actor.enterprise_uscc and scopes.can_read(
        actor, ResourceRef(kind=ResourceKind.APPEAL, enterprise_uscc=actor.enterprise_uscc)
    ):
        clauses.append(Appeal.enterprise_uscc == actor.enterprise_uscc)
    own = ResourceRef(
        kind=ResourceKind.APPEAL,
        owner_department=actor.department,
        district_code=actor.district_code,
        street_code=actor.street_code,
    )
    if actor.department and scopes.can_read(actor, own):
        charged = or_(
            Appeal.department == actor.department,
            cast(Appeal.assist_units, String).like(f'%"{actor.department}"%'),
        )
        if actor.district_code:
            charged = and_(charged, Appeal.district_code == actor.district_code)
        clauses.append(charged)
    if actor.district_code and scopes.can_read(
        actor, ResourceRef(kind=ResourceKind.APPEAL, district_code=actor.district_code)
    ):
        clauses.append(or_(Appeal.district_code == actor.district_code, Appeal.department == actor.district_code))
    street = actor.street_code or (actor.grid_code[:9] if actor.grid_code else None)
    if street and scopes.can_read(actor, ResourceRef(kind=ResourceKind.APPEAL, street_code=street)):
        clauses.append(or_(Appeal.street_code == street, Appeal.department == street))
    return or_(*clauses) if clauses else false()


# ---- reading ------------------------------------------------------------------------------------------------------


def _is_overdue(appeal: Appeal, now: dt.datetime) -> bool:
    return appeal.status == "open" and appeal.due_at is not None and as_utc(appeal.due_at) < now


def _read(appeal: Appeal, *, now: dt.datetime, master_number: str | None = None, created: bool = False) -> AppealRead:
    return AppealRead(
        id=appeal.id,
        number=appeal.number,
        channel=appeal.channel,
        channel_label=CHANNELS.get(appeal.channel, appeal.channel),
        appeal_type=appeal.appeal_type,
        urgency=appeal.urgency,
        title=appeal.title,
        content=appeal.content,
        cause=appeal.cause,
        occurred_at=as_utc(appeal.occurred_at) if appeal.occurred_at else None,
        reporter_name=mask_name(appeal.reporter_name) if appeal.reporter_name else "",
        reporter_phone=mask_phone(appeal.reporter_phone) if appeal.reporter_phone else "",
        address=appeal.address,
        lon=appeal.lon,
        lat=appeal.lat,
        district_code=appeal.district_code,
        street_code=appeal.street_code,
        grid_code=appeal.grid_code,
        category=appeal.category,
        category_path=list(appeal.category_path or []),
        department=appeal.department,
        assist_units=list(appeal.assist_units or []),
        suggestion=TriageSuggestion.model_validate(appeal.suggestion or {}),
        needs_review=appeal.needs_review,
        corrected=appeal.corrected,
        state=appeal.state,
        state_label=STATE_LABELS.get(appeal.state, appeal.state),
        status=appeal.status,
        outcome=appeal.outcome,
        direct_answer=appeal.direct_answer,
        redirect_number=appeal.redirect_number,
        redirect_reason=appeal.redirect_reason,
        master_id=appeal.master_id,
        master_number=master_number,
        duplicate_count=appeal.duplicate_count,
        due_at=as_utc(appeal.due_at) if appeal.due_at else None,
        dispatched_at=as_utc(appeal.dispatched_at) if appeal.dispatched_at else None,
        signed_at=as_utc(appeal.signed_at) if appeal.signed_at else None,
        overdue=_is_overdue(appeal, now),
        reply_text=appeal.reply_text,
        replied_at=as_utc(appeal.replied_at) if appeal.replied_at else None,
        satisfaction=appeal.satisfaction,
        rating_level=appeal.rating_level,
        reopen_count=appeal.reopen_count,
        instance_id=appeal.instance_id,
        version=appeal.wf_version,
        routing_version=appeal.routing_version,
        time_limit=dict(appeal.time_limit or {}),
        created_at=as_utc(appeal.created_at),
        closed_at=as_utc(appeal.closed_at) if appeal.closed_at else None,
        created=created,
    )


def _master_number(session: Session, appeal: Appeal) -> str | None:
    if appeal.master_id is None:
        return None
    return session.scalar(select(Appeal.number).where(Appeal.id == appeal.master_id))


def get_appeal(session: Session, *, actor: Actor, appeal_id: int, now: dt.datetime | None = None) -> AppealDetail:
    """One appeal (masked) with media, callbacks, merged duplicates, its timeline and the actor's actions."""
    moment = _now(now)
    appeal = _load(session, appeal_id, actor=actor)
    base = _read(appeal, now=moment, master_number=_master_number(session, appeal))
    media = [
        MediaRead(id=m.id, kind=m.kind, filename=m.filename, content_type=m.content_type, size=m.size, url=m.url)
        for m in session.scalars(select(AppealMedia).where(AppealMedia.appeal_id == appeal.id).order_by(AppealMedia.id))
    ]
    callbacks = [
        CallbackRead(
            round=c.round,
            method=c.method,
            satisfaction=c.satisfaction,
            resolved=c.resolved,
            rating_level=c.rating_level,
            note=c.note,
            recorded_by=c.recorded_by,
            recorded_at=as_utc(c.recorded_at),
        )
        for c in session.scalars(
            select(AppealCallback).where(AppealCallback.appeal_id == appeal.id).order_by(AppealCallback.round)
        )
    ]
    duplicates = [
        _read(d, now=moment, master_number=appeal.number)
        for d in session.scalars(select(Appeal).where(Appeal.master_id == appeal.id).order_by(Appeal.id))
    ]
    timeline: list[dict[str, Any]] = []
    actions: list[dict[str, str]] = []
    if appeal.instance_id is not None:
        try:
            view = wf.get_instance_view(session, actor=actor, instance_id=appeal.instance_id, now=moment)
        except NotFoundError:
            view = None  # the case's units changed and the engine's view is narrower: show the appeal only
        if view is not None:
            timeline = [entry.model_dump(mode="json") for entry in view.timeline]
            actions = [{"name": a.name, "label": a.label} for a in view.actions]
            base.version = view.instance.version
    return AppealDetail(
        **base.model_dump(), media=media, callbacks=callbacks, duplicates=duplicates, timeline=timeline, actions=actions
    )


def _filter_conditions(filters: AppealFilter, actor: Actor, now: dt.datetime) -> list[ColumnElement[bool]]:  # noqa: C901, PLR0912
    conditions: list[ColumnElement[bool]] = []
    if filters.q:
        like = f"%{filters.q.strip()}%"
        conditions.append(
            or_(Appeal.number.like(like), Appeal.title.like(like), Appeal.content.like(like), Appeal.address.like(like))
        )
    if filters.channel:
        conditions.append(Appeal.channel == filters.channel)
    if filters.appeal_type:
        conditions.append(Appeal.appeal_type == filters.appeal_type)
    if filters.state:
        conditions.append(Appeal.state == filters.state)
    if filters.status:
        conditions.append(Appeal.status == filters.status)
    if filters.department:
        conditions.append(Appeal.department == filters.department)
    if filters.district_code:
        conditions.append(Appeal.district_code == filters.district_code)
    if filters.category:
        conditions.append(Appeal.category.like(f"{filters.category}%"))
    if filters.needs_review is not None:
        conditions.append(Appeal.needs_review.is_(filters.needs_review))
    if filters.overdue is not None:
        late = and_(Appeal.status == "open", Appeal.due_at.is_not(None), Appeal.due_at < now)
        conditions.append(late if filters.overdue else ~late)
    if filters.mine:
        conditions.append(or_(Appeal.created_by == actor.id, Appeal.reporter_account_id == actor.id))
    if filters.date_from:
        start = dt.datetime.combine(filters.date_from, dt.time(), tzinfo=CITY_TZ)
        conditions.append(Appeal.created_at >= start)
    if filters.date_to:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time(), tzinfo=CITY_TZ)
        conditions.append(Appeal.created_at < end)
    return conditions


def list_appeals(
    session: Session,
    *,
    actor: Actor,
    filters: AppealFilter | None = None,
    page: int = 1,
    page_size: int = 20,
    now: dt.datetime | None = None,
) -> AppealPage:
    """Appeals the actor may see, newest first, filtered and paginated (personal data masked)."""
    moment = _now(now)
    page, page_size = max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
    conditions = _filter_conditions(filters or AppealFilter(), actor, moment)
    scope = _scope_condition(actor)
    if scope is not None:
        conditions.append(scope)
    total = session.scalar(select(func.count()).select_from(Appeal).where(*conditions)) or 0
    rows = list(
        session.scalars(
            select(Appeal)
            .where(*conditions)
            .order_by(Appeal.created_at.desc(), Appeal.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    masters = {
        a.id: a.number
        for a in session.scalars(select(Appeal).where(Appeal.id.in_({r.master_id for r in rows if r.master_id})))
    }
    items = [_read(r, now=moment, master_number=masters.get(r.master_id or 0)) for r in rows]
    return AppealPage(items=items, total=total, page=page, page_size=page_size)


CSV_COLUMNS = (
    ("number", "诉求编号"),
    ("channel_label", "渠道"),
    ("appeal_type", "类型"),
    ("urgency", "紧急程度"),
    ("title", "标题"),
    ("category", "分类"),
    ("department", "主办单位"),
    ("district_code", "区县"),
    ("street_code", "街道"),
    ("state_label", "状态"),
    ("outcome", "结果"),
    ("overdue", "是否超期"),
    ("satisfaction", "回访满意度"),
    ("created_at", "受理时间"),
    ("due_at", "办理时限"),
    ("closed_at", "办结时间"),
)


def export_appeals_csv(
    session: Session, *, actor: Actor, filters: AppealFilter | None = None, now: dt.datetime | None = None
) -> Iterator[str]:
    """The appeal list as CSV lines (UTF-8 with BOM for spreadsheet software), page by page; personal data left out."""
    import csv  # noqa: PLC0415 - only the export needs it
    import io  # noqa: PLC0415

    def line(values: Sequence[Any]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(["" if v is None else _csv_safe(v) for v in values])
        return buffer.getvalue()

    yield "\ufeff" + line([label for _, label in CSV_COLUMNS])
    page = 1
    while True:
        result = list_appeals(session, actor=actor, filters=filters, page=page, page_size=MAX_PAGE_SIZE, now=now)
        for item in result.items:
            row = item.model_dump()
            row["overdue"] = "是" if item.overdue else "否"
            yield line([row.get(key) for key, _ in CSV_COLUMNS])
        if page >= result.pages:
            return
        page += 1


def _csv_safe(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
    # A cell starting with = + - @ would be run as a formula by spreadsheet software (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text


# ---- triage, routing and duplicates -----------------------------------------------------------------------------


def _route(
    *,
    department: str | None,
    also: Sequence[str],
    category: str | None,
    appeal_type: str | None,
    district_code: str | None,
    street_code: str | None,
) -> routing.Route:
    return routing.route(
        routing.RouteQuery(
            department=department,
            also=tuple(also),
            category=category,
            appeal_type=appeal_type,
            district_code=district_code,
            street_code=street_code,
        )
    )


def _route_decision(route: routing.Route) -> RouteDecision:
    return RouteDecision(
        lead_unit=route.lead_unit,
        assist_units=list(route.assist_units),
        rule=route.rule,
        catalogue_version=route.catalogue_version,
        explanation=route.label,
    )


def find_duplicates(
    session: Session,
    *,
    actor: Actor,
    text: str,
    category: str | None,
    lon: float | None = None,
    lat: float | None = None,
    street_code: str | None = None,
    exclude_id: int | None = None,
    now: dt.datetime | None = None,
    limit: int = 5,
) -> list[DuplicateCandidate]:
    """Open master appeals that look like the same problem (same category, nearby, recent, similar text)."""
    if not category:
        return []
    moment = _now(now)
    settings = routing.load_time_limits().duplicates
    since = moment - dt.timedelta(hours=settings.window_hours)
    conditions: list[ColumnElement[bool]] = [
        Appeal.category == category,
        Appeal.status == "open",
        Appeal.master_id.is_(None),
        Appeal.created_at >= since,
    ]
    if exclude_id is not None:
        conditions.append(Appeal.id != exclude_id)
    scope = _scope_condition(actor)
    if scope is not None:
        conditions.append(scope)
    new = dup.Report(text=text, category=category, lon=lon, lat=lat, street_code=street_code, hours=0.0)
    found: list[DuplicateCandidate] = []
    for row in session.scalars(select(Appeal).where(*conditions).order_by(Appeal.created_at.desc()).limit(500)):
        hours = (as_utc(row.created_at) - moment).total_seconds() / 3600
        old = dup.Report(
            text=f"{row.title} {row.content}",
            category=row.category,
            lon=row.lon,
            lat=row.lat,
            street_code=row.street_code,
            hours=hours,
        )
        match = dup.compare(
            new,
            old,
            window_hours=settings.window_hours,
            max_distance_m=settings.distance_m,
            min_similarity=settings.min_similarity,
            min_score=settings.min_score,
        )
        if match is not None:
            found.append(
                DuplicateCandidate(
                    appeal_id=row.id,
                    number=row.number,
                    title=row.title,
                    state_label=STATE_LABELS.get(row.state, row.state),
                    score=match.score,
                    similarity=match.similarity,
                    distance_m=round(match.distance_m, 1) if match.distance_m is not None else None,
                    hours_apart=match.hours_apart,
                    duplicate_count=row.duplicate_count,
                )
            )
    found.sort(key=lambda c: -c.score)
    return found[:limit]


def preview_intake(
    session: Session,
    *,
    actor: Actor,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
    triager: TriageFn | None = None,
    now: dt.datetime | None = None,
) -> IntakePreview:
    """Triage, routing, time limit, knowledge-base answer and duplicate suggestions for text being typed."""
    result = (triager or default_triage)(session, text, lon, lat, address)
    suggestion = _suggestion(result)
    route = _route(
        department=suggestion.department,
        also=suggestion.also,
        category=suggestion.category,
        appeal_type=suggestion.type,
        district_code=suggestion.district_code,
        street_code=suggestion.street_code,
    )
    limit = routing.load_time_limits().for_appeal(suggestion.type or "投诉", suggestion.urgency or "一般")
    answer = _knowledge_answer(session, text) if suggestion.type == "咨询" else None
    return IntakePreview(
        suggestion=suggestion,
        route=_route_decision(route),
        time_limit=_limit_dict(limit),
        answer=answer,
        duplicates=find_duplicates(
            session,
            actor=actor,
            text=text,
            category=suggestion.category,
            lon=lon,
            lat=lat,
            street_code=suggestion.street_code,
            now=now,
        ),
    )


# ---- intake -------------------------------------------------------------------------------------------------------


def _validate_reporter(data: AppealCreate) -> dict[str, str | None]:
    phone = _clean(data.reporter_phone)
    if phone is not None and not _PHONE.match(phone):
        raise ValidationError("联系电话格式不正确（数字，可含区号和连字符）", field="reporter_phone")
    email = _clean(data.reporter_email)
    if email is not None and not _EMAIL.match(email):
        raise ValidationError("电子邮件地址格式不正确", field="reporter_email")
    id_number = _clean(data.reporter_id_number)
    if id_number is not None:
        id_number = validate_citizen_id(id_number, field="reporter_id_number").number
    uscc = _clean(data.enterprise_uscc)
    if uscc is not None:
        uscc = validate_uscc(uscc, field="enterprise_uscc")
    if data.channel == "enterprise" and uscc is None:
        raise ValidationError("亲清在线（企业专线）诉求须填写企业统一社会信用代码", field="enterprise_uscc")
    return {"phone": phone, "email": email, "id_number": id_number, "uscc": uscc}


def _check_media(upload: MediaUpload) -> tuple[str, str]:
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    magic = MEDIA_TYPES.get(declared)
    if magic is None:
        allowed = "、".join(sorted(MEDIA_TYPES))
        raise ValidationError(f"附件类型 {declared or '未知'} 不受支持，仅接受：{allowed}", field="media")
    if not upload.content:
        raise ValidationError("附件为空文件", field="media")
    if len(upload.content) > MAX_MEDIA_BYTES:
        raise ValidationError(f"附件不能超过 {MAX_MEDIA_BYTES // (1024 * 1024)} MB", field="media")
    if not upload.content.startswith(magic):
        raise ValidationError("附件内容与声明的类型不符", field="media")
    name = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", upload.filename or "attachment")[-120:] or "attachment"
    return declared, name


def _existing_by_key(session: Session, key: str | None) -> Appeal | None:
    if key is None:
        return None
    return session.scalars(select(Appeal).where(Appeal.idempotency_key == key)).one_or_none()


def _locate(session: Session, data: AppealCreate) -> dict[str, str | None]:
    located: dict[str, str | None] = {"district_code": None, "street_code": None, "grid_code": None}
    if data.lon is None or data.lat is None:
        return located
    place = geo_services.locate_point(session, lon=data.lon, lat=data.lat)
    if place is not None:
        located.update(district_code=place.district_code, street_code=place.street_code, grid_code=place.grid_code)
    return located


def create_appeal(  # noqa: C901, PLR0915 - intake is one sequence of checks and decisions
    session: Session,
    *,
    actor: Actor,
    data: AppealCreate,
    media: Sequence[MediaUpload] = (),
    triager: TriageFn | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """Take in one appeal from any channel; a retried submit with the same idempotency key returns the first one.

    Triage suggests type, category, departments, jurisdiction and urgency (values in ``data`` win and count as the
    operator's decision). Emergencies are transferred (转接 110/119/120/122, reason recorded). Otherwise the case
    starts on the workflow engine with the time limit of its type and urgency, is accepted (受理), and is
    dispatched at once by the responsibility catalogue when triage is confident or the operator chose the unit;
    low-confidence appeals from online channels wait for an operator (待受理), others for a dispatcher (待派单).
    """
    _ensure_installed()
    moment, cal = _now(now), _calendar(calendar)
    key = (
        f"{actor.id}:{data.idempotency_key.strip()}" if data.idempotency_key and data.idempotency_key.strip() else None
    )
    existing = _existing_by_key(session, key)
    if existing is not None:
        _authorize(actor, existing, "read")
        return _resume(session, existing, actor=actor, now=moment, calendar=cal)
    reporter = _validate_reporter(data)
    if data.direct_answer and not actor.has_role("operator"):
        raise ValidationError("只有12345话务员可以在登记时直接答复", field="direct_answer")
    if data.direct_answer and data.redirect_number:
        raise ValidationError("紧急事项应转接，不能直接答复", field="direct_answer")
    uploads = [(_check_media(m), m) for m in media]
    district = _check_division(session, data.district_code, 6, field="district_code", label="区县代码")
    street = _check_division(session, data.street_code, 9, field="street_code", label="街道代码")
    place = _locate(session, data)
    district = district or place["district_code"] or (street[:6] if street else None)
    street = street or place["street_code"]
    text = "\n".join(t for t in (data.title, data.cause, data.content) if t)
    result = (triager or default_triage)(session, text, data.lon, data.lat, data.address or None)
    suggestion = _suggestion(result)
    district = district or suggestion.district_code
    street = street or suggestion.street_code
    if street and not district:
        district = street[:6]
    decided_by_person = any(v is not None for v in (data.category, data.department, data.appeal_type))
    chosen_category = _clean(data.category)
    category_units = _category_units(chosen_category) if chosen_category else None
    lead_given = _check_units(session, [data.department] if data.department else [], field="department")
    assist_given = (
        _check_units(session, data.assist_units, field="assist_units") if data.assist_units is not None else None
    )
    appeal_type = data.appeal_type or suggestion.type or "求助"
    urgency = data.urgency or suggestion.urgency or "一般"
    category = _clean(data.category) or suggestion.category
    # A category the person chose brings its own lead department (the suggestion's belongs to its own category).
    department = lead_given[0] if lead_given else (category_units[0] if category_units else suggestion.department)
    also = category_units[1] if category_units else suggestion.also
    route = _route(
        department=department,
        also=also if assist_given is None else assist_given,
        category=category,
        appeal_type=appeal_type,
        district_code=district,
        street_code=street,
    )
    lead = lead_given[0] if lead_given else route.lead_unit
    assists = assist_given if assist_given is not None else [u for u in route.assist_units if u != lead]
    limits = routing.load_time_limits()
    limit = limits.for_appeal(appeal_type, urgency)
    redirect = data.redirect_number or (None if data.ignore_redirect else suggestion.redirect)
    title = (data.title or data.content.replace("\n", " ")[:40]).strip()
    reporter_account = actor.id if actor.has_role("citizen", "enterprise_agent", "grid_worker") else None
    appeal = Appeal(
        number=f"tmp-{secrets.token_hex(8)}",
        idempotency_key=key,
        channel=data.channel,
        appeal_type=appeal_type,
        urgency=urgency,
        title=title,
        content=data.content,
        cause=data.cause,
        occurred_at=as_utc(data.occurred_at) if data.occurred_at else None,
        reporter_name=_clean(data.reporter_name) or (actor.display_name if reporter_account else None),
        reporter_phone=reporter["phone"],
        reporter_email=reporter["email"],
        reporter_id_number=reporter["id_number"] or (actor.person_id_number if reporter_account else None),
        reporter_account_id=reporter_account,
        enterprise_uscc=reporter["uscc"] or (actor.enterprise_uscc if reporter_account else None),
        address=data.address,
        lon=data.lon,
        lat=data.lat,
        district_code=district,
        street_code=street,
        grid_code=place["grid_code"],
        category=category,
        category_path=category_units[2] if category_units else list(suggestion.category_path),
        department=lead,
        assist_units=list(assists),
        suggestion=suggestion.model_dump(mode="json"),
        triage_confidence=suggestion.confidence,
        triage_model_version=suggestion.model_version,
        needs_review=suggestion.needs_review and not decided_by_person and not data.direct_answer,
        corrected=decided_by_person and result is not None,
        routing_version=route.catalogue_version,
        time_limit={**_limit_dict(limit), "rules": limits.version},
        state="受理",
        status="open",
        redirect_reason="",
        duplicate_count=0,
        reopen_count=0,
        escalation_level=0,
        reply_text=(data.direct_answer or "").strip(),
        replied_at=moment if data.direct_answer else None,
        direct_answer=bool(data.direct_answer),
        kb_article=_clean(data.kb_article),
        service_code=data.service_code,
        open311_token=secrets.token_hex(16) if data.channel == "open311" else None,
        synthetic=False,
        created_by=actor.id,
        created_at=moment,
        updated_at=moment,
    )
    session.add(appeal)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = _existing_by_key(session, key)
        if existing is None:
            raise
        return _resume(session, existing, actor=actor, now=moment, calendar=cal)
    appeal.number = appeal_number(appeal.id, moment)
    for (content_type, name), upload in uploads:
        session.add(
            AppealMedia(
                appeal_id=appeal.id,
                kind="file",
                filename=name,
                content_type=content_type,
                size=len(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                content=upload.content,
                created_by=actor.id,
                created_at=moment,
            )
        )
    for url in data.media_urls:
        session.add(AppealMedia(appeal_id=appeal.id, kind="url", url=url, created_by=actor.id, created_at=moment))
    if decided_by_person and result is not None:
        corrected = {
            name: value
            for name, value, suggested in (
                ("type", appeal_type, suggestion.type),
                ("category", category, suggestion.category),
                ("department", department, suggestion.department),
            )
            if value != suggested
        }
        _record_correction(session, actor=actor, text=text, predicted=result, corrected=corrected)
    summary = wf.start_instance(
        session,
        actor=HOTLINE_ACTOR,
        definition_key=DEFINITION_KEY,
        subject_ref=_subject_ref(appeal),
        title=f"{appeal.appeal_type}：{appeal.title}"[:200],
        data=_instance_data(appeal),
        priority=_priority(urgency),
        time_limit=limit,
        now=moment,
        calendar=cal,
    )
    _sync(appeal, summary)
    appeal.due_at = summary.due_at
    if redirect:
        appeal.redirect_number = redirect
        appeal.redirect_reason = (
            data.redirect_reason or suggestion.redirect_reason or f"属紧急事项，已转接 {redirect}"
        ).strip()
    session.commit()
    return _resume(session, appeal, actor=actor, now=moment, calendar=cal, created=True)


def _instance_data(appeal: Appeal) -> dict[str, Any]:
    return {
        "appeal_id": appeal.id,
        "number": appeal.number,
        "channel": appeal.channel,
        "category": appeal.category,
        "district_code": appeal.district_code,
        "street_code": appeal.street_code,
        "grid_code": appeal.grid_code,
    }


def _sync(appeal: Appeal, summary: InstanceSummary) -> None:
    appeal.instance_id = summary.id
    appeal.wf_version = summary.version
    appeal.state = summary.state
    appeal.status = summary.status
    appeal.outcome = summary.outcome
    appeal.escalation_level = summary.level
    if summary.due_at is not None:
        appeal.due_at = summary.due_at


def _intake_actor(actor: Actor) -> Actor:
    # Operators take their own calls in; online channels are accepted by the platform.
    return actor if actor.has_role("operator") else HOTLINE_ACTOR


def _resume(
    session: Session,
    appeal: Appeal,
    *,
    actor: Actor,
    now: dt.datetime,
    calendar: WorkCalendar,
    created: bool = False,
) -> AppealRead:
    """Carry an appeal's intake as far as it goes (start, transfer, accept, auto-dispatch); safe to repeat.

    A retried submit, or a crash between the steps, ends in the same place as one clean run.
    """
    if appeal.instance_id is None:
        summary = wf.start_instance(
            session,
            actor=HOTLINE_ACTOR,
            definition_key=DEFINITION_KEY,
            subject_ref=_subject_ref(appeal),
            title=f"{appeal.appeal_type}：{appeal.title}"[:200],
            data=_instance_data(appeal),
            priority=_priority(appeal.urgency),
            time_limit=TimeLimit(int(appeal.time_limit["amount"]), TimeUnit(appeal.time_limit["unit"])),
            now=now,
            calendar=calendar,
        )
        _sync(appeal, summary)
        session.commit()
    if appeal.state == "受理" and appeal.status == "open" and created:
        step: _Step | None = None
        if appeal.redirect_number:
            step = _Step("transfer", reason=f"转接 {appeal.redirect_number}：{appeal.redirect_reason}")
        elif appeal.direct_answer:
            step = _Step("answer_directly", comment=appeal.reply_text)
        elif not appeal.needs_review or actor.has_role("operator"):
            _notify_accepted(session, appeal)
            step = _Step("accept", comment="受理")
        if step is not None:
            _after(
                session, appeal, _intake(session, appeal, step, actor=_intake_actor(actor), now=now, calendar=calendar)
            )
    if appeal.state == "派单" and appeal.status == "open" and created and appeal.department:
        confident = not appeal.needs_review and (
            appeal.corrected or not TriageSuggestion.model_validate(appeal.suggestion).needs_review
        )
        if confident:
            step = _Step(
                _Dispatch.FIRST,
                comment=f"智能派单（责任清单 {appeal.routing_version}）",
                lead_unit=appeal.department,
                assist_units=list(appeal.assist_units or []),
            )
            _after(session, appeal, _intake(session, appeal, step, actor=HOTLINE_ACTOR, now=now, calendar=calendar))
    return _read(appeal, now=now, master_number=_master_number(session, appeal), created=created)


def _intake(
    session: Session, appeal: Appeal, step: _Step, *, actor: Actor, now: dt.datetime, calendar: WorkCalendar
) -> ActionResult:
    # Intake acts on the version it has just synchronised, not on one a person saw.
    return _take(
        session,
        step,
        actor=actor,
        instance_id=appeal.instance_id or 0,
        expected_version=appeal.wf_version or 0,
        now=now,
        calendar=calendar,
    )


def _after(session: Session, appeal: Appeal, result: ActionResult) -> None:
    """Copy the engine's summary back after an action (the subscription did it too, unless it failed)."""
    _sync(appeal, result.instance)
    if session.is_modified(appeal):
        session.commit()


# ---- notifications ------------------------------------------------------------------------------------------------


def _format_time(value: dt.datetime | None) -> str:
    if value is None:
        return "（未设时限）"
    return as_utc(value).astimezone(CITY_TZ).strftime("%Y年%m月%d日 %H:%M")


def _notify(session: Session, appeal: Appeal, template: str, variables: Mapping[str, str], *, key: str) -> None:
    """Queue a notice to an appeal's reporter: in-app to their account, else SMS to a mobile number (no commit)."""
    if appeal.reporter_account_id:
        channel, recipient, account = "inapp", appeal.reporter_account_id, appeal.reporter_account_id
    elif appeal.reporter_phone and _MOBILE.match(re.sub(r"[\s\-]", "", appeal.reporter_phone)):
        channel, recipient, account = "sms", re.sub(r"[\s\-]", "", appeal.reporter_phone), None
    else:
        return
    try:
        notify_services.enqueue(
            session,
            template_key=template,
            channel=channel,
            recipient=recipient,
            recipient_account_id=account,
            variables=dict(variables),
            idempotency_key=f"hotline:{appeal.number}:{key}",
            subject_ref=_subject_ref(appeal),
            created_by="system",
        )
    except (ValidationError, ConflictError) as exc:
        log.warning("hotline_notice_not_queued", appeal=appeal.number, template=template, error=exc.message)


def _notify_accepted(session: Session, appeal: Appeal) -> None:
    _notify(
        session,
        appeal,
        "hotline_accepted",
        {"title": appeal.title, "case_no": appeal.number, "due_date": _format_time(appeal.due_at)},
        key="accepted",
    )


def _notify_all(
    session: Session, master: Appeal, template: str, variables: Callable[[Appeal], Mapping[str, str]], *, key: str
) -> int:
    """Queue a notice to the master's reporter and every merged duplicate's reporter; returns how many appeals."""
    targets = [master, *session.scalars(select(Appeal).where(Appeal.master_id == master.id))]
    for item in targets:
        _notify(session, item, template, variables(item), key=key)
    return len(targets)


# ---- actions ------------------------------------------------------------------------------------------------------


def _open_instance(appeal: Appeal) -> int:
    if appeal.instance_id is None:
        raise ConflictError("该诉求尚未进入办理流程，请稍后重试", field="appeal_id")
    return appeal.instance_id


class _Dispatch(Enum):
    """派单 and 改派 as the engine resolves them: the current state's action of that kind.

    After a 退单 the case waits at 待派单, where 改派 is taken by that state's plain 派单 action.
    """

    FIRST = "dispatch"
    AGAIN = "redispatch"


@dataclass(frozen=True, slots=True)
class _Step:
    """The engine action an appeal use case takes, and its inputs."""

    action: str | _Dispatch
    comment: str | None = None
    reason: str | None = None
    lead_unit: str | None = None
    assist_units: Sequence[str] = ()
    extension: TimeLimit | None = None


def _take(
    session: Session,
    step: _Step,
    *,
    actor: Actor,
    instance_id: int,
    expected_version: int,
    now: dt.datetime,
    calendar: WorkCalendar,
) -> ActionResult:
    """Ask the engine for one step; it checks ``expected_version`` (a stale one is a 409) and writes the history."""
    if step.action is _Dispatch.FIRST:
        return wf.dispatch(
            session,
            actor=actor,
            instance_id=instance_id,
            expected_version=expected_version,
            lead_unit=step.lead_unit or "",
            assist_units=step.assist_units,
            comment=step.comment,
            now=now,
            calendar=calendar,
        )
    if step.action is _Dispatch.AGAIN:
        return wf.redispatch(
            session,
            actor=actor,
            instance_id=instance_id,
            expected_version=expected_version,
            lead_unit=step.lead_unit or "",
            assist_units=step.assist_units,
            reason=step.reason or "",
            now=now,
            calendar=calendar,
        )
    return wf.perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=step.action,
        expected_version=expected_version,
        comment=step.comment,
        reason=step.reason,
        assignee_unit=step.lead_unit,
        assist_units=step.assist_units,
        extension=step.extension,
        now=now,
        calendar=calendar,
    )


def _act(
    session: Session,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    step: _Step | Callable[[Appeal], _Step],
    /,
    *,
    then: Callable[[Appeal], None] | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """The course every action use case follows; the use case supplies only ``step`` (and rarely ``then``).

    Load the appeal for writing (the access rules answer 404/403), let ``step`` check the request, make the
    hotline's own changes to the appeal and name the engine action, take it, copy the instance back onto the
    appeal, run ``then`` and return the read model. The appeal's changes commit with the action; if anything
    fails before that commit, the pending changes are rolled back with it.
    """
    _ensure_installed()
    moment, cal = _now(now), _calendar(calendar)
    appeal = _load(session, appeal_id, actor=actor, action="write")
    try:
        chosen = step if isinstance(step, _Step) else step(appeal)
        result = _take(
            session,
            chosen,
            actor=actor,
            instance_id=_open_instance(appeal),
            expected_version=expected_version,
            now=moment,
            calendar=cal,
        )
    except Exception:
        session.rollback()
        raise
    _after(session, appeal, result)
    if then is not None:
        then(appeal)
    return _read(appeal, now=moment, master_number=_master_number(session, appeal))


def perform(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    action: str,
    expected_version: int,
    comment: str | None = None,
    reason: str | None = None,
    lead_unit: str | None = None,
    assist_units: Sequence[str] = (),
    extension: TimeLimit | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """Take a workflow action on an appeal (签收 sign, 退单 return, 催办 remind, 督办 supervise, …) as ``actor``."""
    step = _Step(action, comment, reason, lead_unit, assist_units, extension)
    return _act(session, actor, appeal_id, expected_version, step, now=now, calendar=calendar)


def accept_appeal(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    comment: str | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """受理 an appeal an operator has checked (the low-confidence ones wait at 待受理)."""

    def step(appeal: Appeal) -> _Step:
        appeal.needs_review = False
        _notify_accepted(session, appeal)
        return _Step("accept", comment=comment or "人工确认受理")

    return _act(session, actor, appeal_id, expected_version, step, now=now, calendar=calendar)


def dispatch_appeal(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    lead_unit: str | None = None,
    assist_units: Sequence[str] | None = None,
    comment: str | None = None,
    reason: str | None = None,
    redispatch: bool = False,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """派单 (or 改派 with a reason): to the given units, or to the responsibility catalogue's decision."""

    def step(appeal: Appeal) -> _Step:
        if lead_unit:
            lead = _check_units(session, [lead_unit], field="lead_unit")[0]
            assists = _check_units(session, assist_units or [], field="assist_units")
        else:
            suggestion = TriageSuggestion.model_validate(appeal.suggestion or {})
            route = _route(
                department=appeal.department if not redispatch else (suggestion.department or appeal.department),
                also=suggestion.also,
                category=appeal.category,
                appeal_type=appeal.appeal_type,
                district_code=appeal.district_code,
                street_code=appeal.street_code,
            )
            if route.lead_unit is None:
                raise ValidationError("责任清单无法确定主办单位，请选择主办单位", field="lead_unit")
            lead = route.lead_unit
            assists = list(assist_units) if assist_units is not None else list(route.assist_units)
        assists = [u for u in assists if u != lead]
        if redispatch and not (reason or "").strip():
            raise ValidationError("改派须填写原因", field="reason")
        appeal.department = lead
        appeal.assist_units = assists
        appeal.needs_review = False
        if redispatch:
            return _Step(_Dispatch.AGAIN, reason=reason or "", lead_unit=lead, assist_units=assists)
        return _Step(_Dispatch.FIRST, comment=comment, lead_unit=lead, assist_units=assists)

    return _act(session, actor, appeal_id, expected_version, step, now=now, calendar=calendar)


def request_extension(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    amount: int,
    unit: str,
    reason: str,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """申请延期 by the lead unit, at most the configured maximum (default 10 working days)."""
    limit = TimeLimit(amount, TimeUnit(unit))
    most = routing.load_time_limits().max_extension
    if limit.unit == most.unit and limit.amount > most.amount:
        raise ValidationError(f"延期一般不超过{most.describe()}", field="amount")
    step = _Step("request_extension", reason=reason, extension=limit)
    return _act(session, actor, appeal_id, expected_version, step, now=now, calendar=calendar)


def reply_appeal(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    text: str,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """办结反馈: the lead unit's answer; it goes to review (答复审核) before the callback."""
    moment = _now(now)

    def step(appeal: Appeal) -> _Step:
        appeal.reply_text = text.strip()
        appeal.replied_at = moment
        return _Step("reply", comment=text)

    return _act(session, actor, appeal_id, expected_version, step, now=moment, calendar=calendar)


def review_reply(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    approve: bool,
    reason: str | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """答复审核: approve (→ 回访, every reporter hears the answer) or send back to the unit with a reason."""

    def step(appeal: Appeal) -> _Step:
        if approve:
            _notify_all(
                session,
                appeal,
                "hotline_reply",
                lambda item: {"title": item.title, "case_no": item.number, "reply": appeal.reply_text or "已办理"},
                key=f"reply:{appeal.reopen_count}",
            )
        return _Step("approve_reply" if approve else "reject_reply", reason=reason)

    return _act(session, actor, appeal_id, expected_version, step, now=now, calendar=calendar)


def _rater(appeal: Appeal) -> Actor:
    # The caller rates; an operator only records the answer (一事一评 per reporter, one rating per callback round).
    rater_id = appeal.reporter_account_id or f"caller-{appeal.number}"
    return Actor(id=rater_id, department=None, role="citizen", display_name="诉求人", roles=frozenset({"citizen"}))


def record_callback(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    satisfaction: str,
    resolved: bool = True,
    rating_level: int | None = None,
    method: str = "phone",
    note: str = "",
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """回访: record 满意/基本满意/不满意 and the 好差评 level; 不满意 reopens the appeal (重办) for the lead unit.

    The rating is recorded with the ratings context for the lead unit (a bad one opens its rectification).
    """
    moment, cal = _now(now), _calendar(calendar)
    if satisfaction not in SATISFACTION_LEVELS:
        raise ValidationError("回访结果应为 满意、基本满意 或 不满意", field="satisfaction")
    level = rating_level or SATISFACTION_LEVELS[satisfaction]
    unhappy = satisfaction == "不满意"
    recorded: list[AppealCallback] = []  # the callback that step() adds, rated once the action is taken

    def step(appeal: Appeal) -> _Step:
        if appeal.state != "回访":
            raise ValidationError(f"当前状态「{STATE_LABELS.get(appeal.state, appeal.state)}」不能回访", field="action")
        done = session.scalar(select(func.count()).where(AppealCallback.appeal_id == appeal.id)) or 0
        callback = AppealCallback(
            appeal_id=appeal.id,
            round=done + 1,
            method=method,
            satisfaction=satisfaction,
            resolved=resolved and not unhappy,
            rating_level=level,
            note=note.strip(),
            recorded_by=actor.id,
            recorded_at=moment,
        )
        session.add(callback)
        recorded.append(callback)
        appeal.satisfaction = satisfaction
        appeal.rating_level = level
        if unhappy:
            appeal.reopen_count += 1
            _notify(
                session,
                appeal,
                "hotline_progress",
                {"title": appeal.title, "case_no": appeal.number, "progress": "已按您的回访意见交承办单位重新办理"},
                key=f"reopen:{appeal.reopen_count}",
            )
        return _Step(
            "revisit_unsatisfied" if unhappy else "revisit_satisfied",
            comment=note or satisfaction,
            reason=(note or "诉求人对办理结果不满意") if unhappy else None,
        )

    return _act(
        session,
        actor,
        appeal_id,
        expected_version,
        step,
        then=lambda appeal: _rate(session, appeal, recorded[0], level=level, note=note, calendar=cal, now=moment),
        now=moment,
        calendar=cal,
    )


def _rate(
    session: Session,
    appeal: Appeal,
    callback: AppealCallback,
    *,
    level: int,
    note: str,
    calendar: WorkCalendar,
    now: dt.datetime,
) -> None:
    known = department_codes(session)
    unit = appeal.department or "cityops"
    department = unit if unit in known else next((u for u in appeal.assist_units or [] if u in known), "cityops")
    suffix = "" if callback.round == 1 else f"-r{callback.round}"
    try:
        rating = ratings_services.submit_rating(
            session,
            actor=_rater(appeal),
            subject_ref=f"appeal:{appeal.number}{suffix}",
            department_code=department,
            unit_code=unit,
            channel="offline",
            level=level,
            comment=note,
            service_name=f"12345诉求办理：{appeal.title}"[:128],
            calendar=calendar,
            now=now,
        )
    except (ValidationError, ConflictError) as exc:
        session.rollback()
        log.warning("hotline_rating_not_recorded", appeal=appeal.number, error=exc.message)
        return
    callback.rating_id = rating.id
    session.commit()


def merge_appeal(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    master_id: int,
    expected_version: int,
    reason: str = "同一问题重复反映",
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """并单: merge a duplicate into a master; the duplicate follows the master and its reporter is kept informed."""
    moment = _now(now)
    if appeal_id == master_id:
        raise ValidationError("不能将诉求并入自身", field="master_id")

    def step(appeal: Appeal) -> _Step:
        master = _load(session, master_id, actor=actor, action="read")
        while master.master_id is not None:  # a master that was itself merged: follow it to the surviving one
            master = _load(session, master.master_id, actor=actor, action="read")
        if master.id == appeal.id:
            raise ValidationError("不能将诉求并入由它合并的诉求", field="master_id")
        if master.status != "open":
            raise ValidationError(f"主诉求 {master.number} 已办结，不能并入", field="master_id")
        if appeal.master_id is not None or appeal.status != "open":
            raise ValidationError(f"诉求 {appeal.number} 已办结或已并单", field="appeal_id")
        appeal.master_id = master.id
        appeal.merged_at = moment
        appeal.merged_by = actor.id
        for child in session.scalars(select(Appeal).where(Appeal.master_id == appeal.id)):
            child.master_id = master.id  # its own duplicates follow it to the new master
        session.flush()
        master.duplicate_count = session.scalar(select(func.count()).where(Appeal.master_id == master.id)) or 0
        appeal.duplicate_count = 0
        _notify(
            session,
            appeal,
            "hotline_progress",
            {
                "title": appeal.title,
                "case_no": appeal.number,
                "progress": f"与同一问题的诉求 {master.number} 合并办理，办理结果将同时告知您",
            },
            key="merged",
        )
        return _Step("merge", reason=f"并入 {master.number}：{reason}")

    return _act(session, actor, appeal_id, expected_version, step, now=moment, calendar=calendar)


def answer_directly(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    text: str,
    kb_article: str | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """直接答复: close a consultation at intake with an answer (counted for 直接答复率)."""
    moment = _now(now)

    def step(appeal: Appeal) -> _Step:
        appeal.direct_answer = True
        appeal.kb_article = kb_article
        appeal.reply_text = text.strip()
        appeal.replied_at = moment
        appeal.needs_review = False
        return _Step("answer_directly", comment=text)

    return _act(session, actor, appeal_id, expected_version, step, now=moment, calendar=calendar)


def transfer_emergency(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    number: str,
    reason: str,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AppealRead:
    """转接: an emergency goes to 110/119/120/122; the appeal closes as 转接 with the number and the reason."""
    if number not in {"110", "119", "120", "122"}:
        raise ValidationError("转接号码应为 110、119、120 或 122", field="number")

    def step(appeal: Appeal) -> _Step:
        appeal.redirect_number = number
        appeal.redirect_reason = reason.strip()
        return _Step("transfer", reason=f"转接 {number}：{reason.strip()}")

    return _act(session, actor, appeal_id, expected_version, step, now=now, calendar=calendar)


def correct_appeal(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    triager: TriageFn | None = None,
) -> AppealRead:
    """Correct type, urgency, category, units or jurisdiction; the triage suggestion stays recorded and learns."""
    appeal = _load(session, appeal_id, actor=actor, action="write")
    if appeal.wf_version is not None and appeal.wf_version != expected_version:
        raise ConflictError(wf.CONFLICT_MESSAGE, field="expected_version")
    if appeal.status != "open":
        raise ValidationError("诉求已办结，不能再修改分类", field="appeal_id")
    clean = {k: v for k, v in changes.items() if v is not None}
    if "department" in clean:
        clean["department"] = _check_units(session, [clean["department"]], field="department")[0]
    if "assist_units" in clean:
        clean["assist_units"] = _check_units(session, clean["assist_units"], field="assist_units")
    if "district_code" in clean:
        clean["district_code"] = _check_division(
            session, clean["district_code"], 6, field="district_code", label="区县代码"
        )
    if "street_code" in clean:
        clean["street_code"] = _check_division(session, clean["street_code"], 9, field="street_code", label="街道代码")
    names = {"appeal_type", "urgency", "category", "department", "assist_units", "district_code", "street_code"}
    for name in names & set(clean):
        setattr(appeal, name, clean[name])
    if "category" in clean:
        appeal.category_path = []
    appeal.corrected = True
    appeal.needs_review = False
    suggestion = TriageSuggestion.model_validate(appeal.suggestion or {})
    if suggestion.model_version:
        predicted = TriageResult(
            type=suggestion.type or "",
            category=suggestion.category or "",
            category_path=tuple(suggestion.category_path),
            department=suggestion.department or "",
            also=tuple(suggestion.also),
            district_code=suggestion.district_code,
            street_code=suggestion.street_code,
            urgency=suggestion.urgency or "一般",
            redirect=suggestion.redirect,
            redirect_reason=suggestion.redirect_reason,
            confidence=suggestion.confidence or 0.0,
            needs_review=suggestion.needs_review,
            model_version=suggestion.model_version,
        )
        mapping = {"appeal_type": "type"}
        corrected = {mapping.get(k, k): v for k, v in clean.items() if k in names}
        _record_correction(
            session, actor=actor, text=f"{appeal.title}\n{appeal.content}", predicted=predicted, corrected=corrected
        )
    del triager
    session.commit()
    return _read(appeal, now=utcnow(), master_number=_master_number(session, appeal))


def reveal_contact(session: Session, *, actor: Actor, appeal_id: int, purpose: str) -> ContactRead:
    """The reporter's contact in clear text, through the audited unmask of ``identity.access`` (cityops data)."""
    appeal = _load(session, appeal_id, actor=actor)
    if not appeal.reporter_id_number:
        raise ValidationError(
            "该诉求未登记诉求人身份证号，无法办理解除脱敏；请通过 12345 外呼系统联系诉求人", field="appeal_id"
        )
    grant = access.unmask(
        session,
        actor=actor,
        subject_kind="person",
        subject_code=appeal.reporter_id_number,
        fields=("name", "phone"),
        purpose=purpose,
        source_department="cityops",
    )
    return ContactRead(
        appeal_id=appeal.id,
        reporter_name=appeal.reporter_name,
        reporter_phone=appeal.reporter_phone,
        reporter_email=appeal.reporter_email,
        audit_seq=list(grant.audit_seq),
    )


def get_media(session: Session, *, actor: Actor, appeal_id: int, media_id: int) -> tuple[bytes, str, str]:
    """The content, type and file name of an appeal's stored attachment."""
    appeal = _load(session, appeal_id, actor=actor)
    item = session.get(AppealMedia, media_id)
    if item is None or item.appeal_id != appeal.id or item.content is None:
        raise NotFoundError(f"附件 {media_id} 不存在", field="media_id")
    return item.content, item.content_type, item.filename


def appeal_id_for(session: Session, *, number: str | None = None, token: str | None = None) -> int | None:
    """The id of the appeal with a number (or an Open311 token), without access checks (callers check)."""
    if number is not None:
        return session.scalar(select(Appeal.id).where(Appeal.number == number))
    if token is not None:
        return session.scalar(select(Appeal.id).where(Appeal.open311_token == token))
    return None


# ---- overdue supervision (worker) -----------------------------------------------------------------------------------


def supervise_overdue(
    session: Session, *, now: dt.datetime | None = None, calendar: WorkCalendar | None = None, limit: int = 500
) -> SweepReport:
    """催办 every overdue appeal (once per working day) and 督办 those overdue beyond the threshold; safe to repeat.

    Escalation itself is the engine's: its deadline timers raise the level when the sweep of ``yiwang worker``
    fires them. Appeals whose intake stopped half-way (a crash between steps) are resumed.
    """
    _ensure_installed()
    moment, cal = _now(now), _calendar(calendar)
    limits = routing.load_time_limits()
    report = SweepReport()
    for appeal in list(
        session.scalars(select(Appeal).where(Appeal.status == "open", Appeal.instance_id.is_(None)).limit(limit))
    ):
        _resume(session, appeal, actor=HOTLINE_ACTOR, now=moment, calendar=cal)
        report.repaired += 1
    ids = list(
        session.scalars(
            select(Appeal.id)
            .where(
                Appeal.status == "open",
                Appeal.due_at.is_not(None),
                Appeal.due_at < moment,
                Appeal.state.in_(("签收", "办理", "答复")),
            )
            .order_by(Appeal.due_at)
            .limit(limit)
        )
    )
    for appeal_id in ids:
        found = session.get(Appeal, appeal_id, populate_existing=True)
        if found is None or found.instance_id is None:
            continue
        appeal, instance_id = found, found.instance_id
        try:
            if (
                appeal.reminded_at is None
                or add_time_limit(as_utc(appeal.reminded_at), TimeLimit(1, TimeUnit.WORKING_DAYS), calendar=cal)
                <= moment
            ):
                appeal.reminded_at = moment
                result = wf.remind(
                    session,
                    actor=HOTLINE_ACTOR,
                    instance_id=instance_id,
                    expected_version=appeal.wf_version or 0,
                    comment=f"诉求 {appeal.number} 已超过办理时限（{_format_time(appeal.due_at)}），请尽快办结",
                    now=moment,
                    calendar=cal,
                )
                _after(session, appeal, result)
                report.reminded += 1
            overdue_enough = add_time_limit(as_utc(appeal.due_at), limits.supervise_after, calendar=cal) <= moment  # type: ignore[arg-type]
            if appeal.supervised_at is None and overdue_enough:
                appeal.supervised_at = moment
                result = wf.supervise(
                    session,
                    actor=HOTLINE_ACTOR,
                    instance_id=instance_id,
                    expected_version=appeal.wf_version or 0,
                    comment=f"超期{limits.supervise_after.describe()}以上，列入督办",
                    now=moment,
                    calendar=cal,
                )
                _after(session, appeal, result)
                report.supervised += 1
        except (ConflictError, ValidationError) as exc:
            # Someone acted on the case meanwhile: the next sweep looks again.
            session.rollback()
            log.info("hotline_sweep_skipped", appeal=appeal_id, error=exc.message)
    return report
