"""Server-rendered 12345 pages: console, citizen and 码上报 forms, dispatcher board, unit queue, appeal, dashboard, KB.

The operator console triages while the operator types (htmx); the appeal page carries the timeline, the actions
and the callback; the dashboard shows KPIs, the hot-spot map, trends and CSV exports.

Pages call the hotline's public services (and the triage context's knowledge-base services); every form posts a
CSRF token and the workflow version it saw, so a concurrent change is a 409 shown in Chinese, never a lost update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.hotline import kpis, services
from yiwang.hotline.api import CalendarDep, TriagerDep
from yiwang.hotline.schemas import (
    APPEAL_TYPES,
    CHANNELS,
    SATISFACTIONS,
    URGENCIES,
    AppealCreate,
    AppealDetail,
    AppealFilter,
    AppealPage,
    AppealRead,
    IntakePreview,
    MediaUpload,
)
from yiwang.identity import deps as identity_deps
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError, YiwangError
from yiwang.web.deps import ActorDep, SessionDep, TemplatesDep
from yiwang.web.listing import content_disposition
from yiwang.workflow.calendar import WorkCalendar
from yiwang.workflow.subjects import SubjectKind

router = APIRouter(tags=["hotline-pages"], include_in_schema=False)

FormText = Annotated[str, Form(max_length=4000)]
OPERATOR_ROLES = ("hotline_operator", "platform_admin")
DISPATCH_ROLES = ("dispatcher", "platform_admin", "leader")
UNIT_ROLES = ("department_staff", "platform_admin")
KB_EDIT_ROLES = ("department_staff", "platform_admin")
PAGE_SIZE = 20
DUE_SOON_HOURS = 24
_WORKING = frozenset({"签收", "办理"})
QUEUE_TABS = (
    ("sign", "待签收"),
    ("doing", "办理中"),
    ("soon", "即将超期"),
    ("overdue", "已超期"),
    ("closed", "已办结"),
)
BOARD_TABS = (
    ("dispatch", "待派单 / 退单"),
    ("intake", "待受理"),
    ("review", "低置信度待核"),
    ("reply", "待审核答复"),
    ("callback", "待回访"),
    ("overdue", "超期督办"),
)
GEOJSON_URL = "/api/geo/districts?format=geojson&tolerance=0.0005"
CLASSIFICATION_FIELDS = (
    "appeal_type",
    "urgency",
    "category",
    "department",
    "assist_units",
    "district_code",
    "street_code",
)


# ---- helpers ------------------------------------------------------------------------------------------------------


def _require(actor: Actor, *roles: str, what: str) -> None:
    if not actor.has_role(*roles):
        raise PermissionDeniedError(f"您的角色无权使用{what}", field="role")


def _csrf(request: Request, token: str | None) -> None:
    identity_deps.verify_csrf(request, token)


def _split_units(text: str | None) -> list[str]:
    raw = (text or "").replace("，", ",").replace("、", ",").replace(" ", ",")
    return [unit for unit in raw.split(",") if unit.strip()]


def _opt(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _float(value: str | None, field: str, label: str) -> float | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValidationError(f"{label}应为数字", field=field) from None


def _date(value: str | None, field: str) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("日期格式应为 YYYY-MM-DD", field=field) from None


def _next(target: str | None, default: str) -> str:
    # Only paths of these pages: an open redirect to another site is not possible.
    text = (target or "").strip()
    return text if text.startswith("/hotline") and "//" not in text else default


def _pydantic_error(exc: PydanticValidationError) -> ValidationError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "form"
    labels = {
        "content": "诉求内容（经过）",
        "reporter_phone": "联系电话",
        "lon": "经度",
        "lat": "纬度",
        "assist_units": "协办单位",
        "media_urls": "图片链接",
    }
    kind = first.get("type", "")
    if kind == "string_too_short":
        message = f"{labels.get(field, field)}内容太短"
    elif kind == "string_too_long":
        message = f"{labels.get(field, field)}内容过长"
    elif kind == "literal_error":
        message = f"{labels.get(field, field)}取值无效"
    else:
        message = f"{labels.get(field, field)}填写有误：{first.get('msg', '')}"
    return ValidationError(message, field=field)


def _names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    return kpis._department_names(session), kpis._division_names(session)  # noqa: SLF001 - the context's own read side


def _common(request: Request, session: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    departments, divisions = _names(session)
    return {
        "actor": actor,
        "csrf_token": identity_deps.csrf_token(request),
        "departments": departments,
        "divisions": divisions,
        "unit_name": lambda code: kpis.unit_name(code, departments, divisions),
        "channels": CHANNELS,
        "appeal_types": APPEAL_TYPES,
        "urgencies": URGENCIES,
        "satisfactions": SATISFACTIONS,
        "geojson_url": GEOJSON_URL,
        "msg": request.query_params.get("msg"),
        **extra,
    }


# ---- landing --------------------------------------------------------------------------------------------------------


@router.get("/hotline", summary="12345 热线首页")
def landing(actor: ActorDep) -> Response:
    """Each role goes to its own page: operators to the console, dispatchers to the board, units to their queue."""
    if actor.has_role("hotline_operator"):
        target = "/hotline/console"
    elif actor.has_role("dispatcher"):
        target = "/hotline/dispatch"
    elif actor.has_role("department_staff"):
        target = "/hotline/queue"
    elif actor.has_role("grid_worker"):
        target = "/hotline/qr"
    elif actor.has_role("citizen", "enterprise_agent"):
        target = "/hotline/new"
    else:
        target = "/hotline/dashboard"
    return RedirectResponse(target, status_code=303)


# ---- operator console -----------------------------------------------------------------------------------------------


def _classification(form: FormData | dict[str, str], preview: IntakePreview | None) -> dict[str, dict[str, Any]]:
    """Each classification field's value: the operator's own value wins; an untouched one follows the new suggestion.

    A field counts as untouched when it is empty or still equals the suggestion shown before (``s_<field>``).
    """
    suggested: dict[str, str] = {}
    if preview is not None:
        s = preview.suggestion
        suggested = {
            "appeal_type": s.type or "",
            "urgency": s.urgency or "",
            "category": s.category or "",
            "department": preview.route.lead_unit or s.department or "",
            "assist_units": ",".join(preview.route.assist_units or s.also),
            "district_code": s.district_code or "",
            "street_code": s.street_code or "",
        }
    fields: dict[str, dict[str, Any]] = {}
    for name in CLASSIFICATION_FIELDS:
        current = str(form.get(name) or "").strip()
        before = str(form.get(f"s_{name}") or "").strip()
        new = suggested.get(name, before)
        touched = bool(current) and current != before
        fields[name] = {"value": current if touched else new, "suggested": new, "corrected": touched and current != new}
    return fields


@router.get("/hotline/console", response_class=HTMLResponse, summary="话务员受理台")
def console(*, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """The call form with the 五要素; triage fills the classification while the operator types."""
    _require(actor, *OPERATOR_ROLES, what="话务受理台")
    context = _common(request, session, actor, form={}, fields=_classification({}, None), preview=None)
    context["recent"] = services.list_appeals(
        session, actor=actor, filters=AppealFilter(mine=True), page=1, page_size=8
    ).items
    return templates.TemplateResponse(request, "hotline/console.html", context)


@router.post("/hotline/console/preview", response_class=HTMLResponse, summary="受理台分拨预览（htmx 片段）")
async def console_preview(
    *, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep, triage: TriagerDep
) -> Response:
    """Triage, routing, KB answer and duplicates for what is typed; returns the suggestion panel."""
    _require(actor, *OPERATOR_ROLES, what="话务受理台")
    form = await request.form()
    _csrf(request, str(form.get("csrf_token") or ""))
    text = "\n".join(str(form.get(n) or "").strip() for n in ("cause", "content") if form.get(n))
    preview: IntakePreview | None = None
    error: str | None = None
    if len(text.strip()) >= 4:  # noqa: PLR2004 - a few characters say nothing yet
        try:
            preview = services.preview_intake(
                session,
                actor=actor,
                text=text,
                lon=_float(str(form.get("lon") or ""), "lon", "经度"),
                lat=_float(str(form.get("lat") or ""), "lat", "纬度"),
                address=_opt(str(form.get("address") or "")),
                triager=triage,
            )
        except YiwangError as exc:
            error = exc.message
    context = _common(request, session, actor, fields=_classification(form, preview), preview=preview, error=error)
    return templates.TemplateResponse(request, "hotline/_triage_panel.html", context)


def _console_data(form: FormData) -> AppealCreate:
    values: dict[str, Any] = {
        "channel": str(form.get("channel") or "phone"),
        "content": str(form.get("content") or ""),
        "cause": str(form.get("cause") or ""),
        "title": str(form.get("title") or ""),
        "reporter_name": _opt(str(form.get("reporter_name") or "")),
        "reporter_phone": _opt(str(form.get("reporter_phone") or "")),
        "reporter_id_number": _opt(str(form.get("reporter_id_number") or "")),
        "enterprise_uscc": _opt(str(form.get("enterprise_uscc") or "")),
        "address": str(form.get("address") or ""),
        "lon": _float(str(form.get("lon") or ""), "lon", "经度"),
        "lat": _float(str(form.get("lat") or ""), "lat", "纬度"),
        "idempotency_key": _opt(str(form.get("idempotency_key") or "")),
        "ignore_redirect": form.get("ignore_redirect") == "1",
    }
    occurred = str(form.get("occurred_at") or "").strip()
    if occurred:
        try:
            moment = dt.datetime.fromisoformat(occurred)
        except ValueError:
            raise ValidationError("事发时间格式不正确", field="occurred_at") from None
        values["occurred_at"] = moment if moment.tzinfo else moment.replace(tzinfo=services.CITY_TZ)
    # Only what the operator changed is their decision; an untouched suggestion is left to triage and routing,
    # so the appeal is not marked as corrected and the model does not "learn" its own answer.
    for name in ("appeal_type", "urgency", "category", "department", "district_code", "street_code"):
        value = _opt(str(form.get(name) or ""))
        values[name] = None if value == _opt(str(form.get(f"s_{name}") or "")) else value
    units = _split_units(str(form.get("assist_units") or ""))
    suggested_units = _split_units(str(form.get("s_assist_units") or ""))
    changed = form.get("assist_units") is not None and units != suggested_units
    values["assist_units"] = units if changed else None
    redirect = _opt(str(form.get("redirect_number") or ""))
    if redirect and form.get("ignore_redirect") != "1":
        values["redirect_number"] = redirect
        values["redirect_reason"] = _opt(str(form.get("redirect_reason") or ""))
    answer = _opt(str(form.get("answer_text") or ""))
    if form.get("intent") == "answer" and "direct_answer" in AppealCreate.model_fields:
        values["direct_answer"] = answer
        values["kb_article"] = _opt(str(form.get("kb_article") or ""))
    try:
        return AppealCreate.model_validate(values)
    except PydanticValidationError as exc:
        raise _pydantic_error(exc) from None


def _check_direct_answer(form: FormData) -> None:
    """A direct answer closes the consultation at intake, so intake itself must support it (never after accept)."""
    if _opt(str(form.get("answer_text") or "")) is None:
        raise ValidationError("直接答复须填写答复内容", field="answer_text")
    if "direct_answer" not in AppealCreate.model_fields:
        raise ValidationError(
            "当前版本的受理服务尚不支持登记时直接答复：请点击“保存并分拨”按常规流程办理", field="intent"
        )


@router.post("/hotline/console", response_class=HTMLResponse, summary="登记来电诉求（页面）")
async def console_submit(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    calendar: CalendarDep,
    triage: TriagerDep,
) -> Response:
    """Save the call (with the operator's corrections); then merge, answer directly or leave it to routing."""
    _require(actor, *OPERATOR_ROLES, what="话务受理台")
    form = await request.form()
    _csrf(request, str(form.get("csrf_token") or ""))
    intent = str(form.get("intent") or "save")
    try:
        if intent == "answer":
            _check_direct_answer(form)
        data = _console_data(form)
        appeal = services.create_appeal(session, actor=actor, data=data, triager=triage, calendar=calendar)
        message = f"已登记诉求 {appeal.number}，当前状态：{appeal.state_label}"
        if intent == "answer" and appeal.direct_answer:
            message = f"诉求 {appeal.number} 已直接答复办结"
        merge_into = _opt(str(form.get("merge_into") or ""))
        if intent == "merge" and merge_into and appeal.status == "open":
            appeal = services.merge_appeal(
                session,
                actor=actor,
                appeal_id=appeal.id,
                master_id=int(merge_into),
                expected_version=appeal.version or 0,
                calendar=calendar,
            )
            message = f"诉求 {appeal.number} 已并入 {appeal.master_number}"
    except (YiwangError, ValueError) as exc:
        session.rollback()
        error = exc if isinstance(exc, YiwangError) else ValidationError("并单目标无效", field="merge_into")
        context = _common(
            request, session, actor, form=dict(form), fields=_classification(form, None), preview=None, error=error
        )
        context["recent"] = []
        return templates.TemplateResponse(request, "hotline/console.html", context, status_code=error.status_code)
    if appeal.redirect_number:
        message = f"诉求 {appeal.number} 属紧急事项，已转接 {appeal.redirect_number}"
    return RedirectResponse(f"/hotline/appeals/{appeal.id}?msg={quote(message)}", status_code=303)


# ---- citizen forms: web / app / enterprise and 码上报 --------------------------------------------------------------


@router.get("/hotline/new", response_class=HTMLResponse, summary="我要反映（网上诉求）")
def citizen_form(*, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """A web form with a map pin for citizens and enterprises (亲清在线)."""
    mine = services.list_appeals(session, actor=actor, filters=AppealFilter(mine=True), page=1, page_size=10)
    context = _common(request, session, actor, form={}, mine=mine.items, qr=False)
    return templates.TemplateResponse(request, "hotline/new.html", context)


@router.get("/hotline/qr", response_class=HTMLResponse, summary="码上报（网格员、志愿者）")
def qr_form(*, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """码上报: a photo and a pin from the spot."""
    mine = services.list_appeals(session, actor=actor, filters=AppealFilter(mine=True), page=1, page_size=10)
    context = _common(request, session, actor, form={}, mine=mine.items, qr=True)
    return templates.TemplateResponse(request, "hotline/new.html", context)


async def _uploads(photos: list[UploadFile] | None) -> list[MediaUpload]:
    found = []
    for photo in photos or []:
        if not photo.filename:
            continue  # an empty file input posts a nameless part
        content = await photo.read(services.MAX_MEDIA_BYTES + 1)
        found.append(MediaUpload(filename=photo.filename, content_type=photo.content_type or "", content=content))
    return found


@router.post("/hotline/new", response_class=HTMLResponse, summary="提交网上诉求（页面）")
async def citizen_submit(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    calendar: CalendarDep,
    triage: TriagerDep,
    csrf_token: Annotated[str, Form()] = "",
    content: FormText = "",
    title: Annotated[str, Form(max_length=200)] = "",
    address: Annotated[str, Form(max_length=255)] = "",
    lon: Annotated[str, Form(max_length=32)] = "",
    lat: Annotated[str, Form(max_length=32)] = "",
    reporter_phone: Annotated[str, Form(max_length=32)] = "",
    appeal_type: Annotated[str, Form(max_length=8)] = "",
    qr: Annotated[str, Form(max_length=1)] = "",
    idempotency_key: Annotated[str, Form(max_length=120)] = "",
    photos: list[UploadFile] | None = None,
) -> Response:
    """Save a web, enterprise or 码上报 appeal; bad input shows the form again with the Chinese reason."""
    _csrf(request, csrf_token)
    is_qr = qr == "1"
    if is_qr:
        channel = "qr"
    elif actor.has_role("enterprise_agent"):
        channel = "enterprise"
    else:
        channel = "web"
    form = {"content": content, "title": title, "address": address, "lon": lon, "lat": lat}
    form |= {"reporter_phone": reporter_phone, "appeal_type": appeal_type}
    try:
        values = {
            "channel": channel,
            "content": content,
            "title": title,
            "address": address,
            "lon": _float(lon, "lon", "经度"),
            "lat": _float(lat, "lat", "纬度"),
            "reporter_phone": _opt(reporter_phone),
            "appeal_type": _opt(appeal_type),
            "enterprise_uscc": actor.enterprise_uscc if channel == "enterprise" else None,
            "idempotency_key": _opt(idempotency_key),
        }
        if is_qr and (values["lon"] is None or values["lat"] is None):
            raise ValidationError("码上报须在地图上标注位置", field="lon")
        try:
            data = AppealCreate.model_validate(values)
        except PydanticValidationError as exc:
            raise _pydantic_error(exc) from None
        appeal = services.create_appeal(
            session, actor=actor, data=data, media=await _uploads(photos), triager=triage, calendar=calendar
        )
    except YiwangError as exc:
        session.rollback()
        context = _common(request, session, actor, form=form, mine=[], qr=is_qr, error=exc)
        return templates.TemplateResponse(request, "hotline/new.html", context, status_code=exc.status_code)
    message = f"已收到您的诉求，编号 {appeal.number}，我们将按时限办理并告知结果"
    return RedirectResponse(f"/hotline/appeals/{appeal.id}?msg={quote(message)}", status_code=303)


# ---- dispatcher board -----------------------------------------------------------------------------------------------


def _board_filter(tab: str) -> AppealFilter:
    return {
        "dispatch": AppealFilter(state="派单", status="open"),
        "intake": AppealFilter(state="受理", status="open"),
        "review": AppealFilter(needs_review=True, status="open"),
        "reply": AppealFilter(state="答复", status="open"),
        "callback": AppealFilter(state="回访", status="open"),
        "overdue": AppealFilter(overdue=True, status="open"),
    }.get(tab, AppealFilter(state="派单", status="open"))


def _returns(session: Session, actor: Actor, items: list[AppealRead]) -> dict[int, str]:
    """The latest 退单 reason of each listed appeal waiting for dispatch (from its workflow timeline)."""
    reasons: dict[int, str] = {}
    for item in items:
        if item.state != "派单":
            continue
        detail = services.get_appeal(session, actor=actor, appeal_id=item.id)
        returned = [e for e in detail.timeline if e.get("action") == "return"]
        if returned:
            reasons[item.id] = str(returned[-1].get("reason") or "（未填写原因）")
    return reasons


@router.get("/hotline/dispatch", response_class=HTMLResponse, summary="派单台")
def dispatch_board(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    tab: Annotated[str, Query(max_length=16)] = "dispatch",
    q: Annotated[str | None, Query(max_length=100)] = None,
    district_code: Annotated[str | None, Query(max_length=6)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Appeals waiting for dispatch (returned ones with the reason), low-confidence, replies to review, overdue."""
    _require(actor, *DISPATCH_ROLES, "hotline_operator", what="派单台")
    filters = _board_filter(tab).model_copy(update={"q": _opt(q), "district_code": _opt(district_code)})
    result = services.list_appeals(session, actor=actor, filters=filters, page=page, page_size=PAGE_SIZE)
    counts = {
        key: services.list_appeals(session, actor=actor, filters=_board_filter(key), page=1, page_size=1).total
        for key, _ in BOARD_TABS
    }
    context = _common(
        request,
        session,
        actor,
        result=result,
        tab=tab,
        tabs=BOARD_TABS,
        counts=counts,
        returns=_returns(session, actor, result.items),
        filters={"q": q or "", "district_code": district_code or ""},
    )
    return templates.TemplateResponse(request, "hotline/dispatch.html", context)


# ---- unit queue -----------------------------------------------------------------------------------------------------


def _queue_filter(tab: str, base: AppealFilter) -> AppealFilter:
    updates: dict[str, dict[str, Any]] = {
        "sign": {"state": "签收", "status": "open"},
        "doing": {"state": "办理", "status": "open"},
        "soon": {"status": "open", "overdue": False},
        "overdue": {"status": "open", "overdue": True},
        "closed": {"status": "closed"},
    }
    update = updates.get(tab, updates["sign"])
    return base.model_copy(update=update)


@router.get("/hotline/queue", response_class=HTMLResponse, summary="承办单位工作队列")
def unit_queue(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    tab: Annotated[str, Query(max_length=16)] = "sign",
    q: Annotated[str | None, Query(max_length=100)] = None,
    appeal_type: Annotated[str | None, Query(max_length=8)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """待签收 / 办理中 / 即将超期 / 已超期 / 已办结 with search, type and date filters and pagination."""
    _require(actor, *UNIT_ROLES, what="承办单位工作队列")
    base = AppealFilter(
        q=_opt(q),
        appeal_type=_opt(appeal_type),
        date_from=_date(date_from, "date_from"),
        date_to=_date(date_to, "date_to"),
    )
    filters = _queue_filter(tab, base)
    if tab == "soon":
        # Due within a day and not yet late: filtered over the open, not overdue appeals (at most 200 per unit).
        everything = services.list_appeals(session, actor=actor, filters=filters, page=1, page_size=200)
        limit = dt.datetime.now(dt.UTC) + dt.timedelta(hours=DUE_SOON_HOURS)
        soon = [a for a in everything.items if a.due_at is not None and a.due_at <= limit and a.state in _WORKING]
        start = (page - 1) * PAGE_SIZE
        result = AppealPage(items=soon[start : start + PAGE_SIZE], total=len(soon), page=page, page_size=PAGE_SIZE)
    else:
        result = services.list_appeals(session, actor=actor, filters=filters, page=page, page_size=PAGE_SIZE)
    context = _common(
        request,
        session,
        actor,
        result=result,
        tab=tab,
        tabs=QUEUE_TABS,
        filters={
            "q": q or "",
            "appeal_type": appeal_type or "",
            "date_from": date_from or "",
            "date_to": date_to or "",
        },
    )
    return templates.TemplateResponse(request, "hotline/queue.html", context)


# ---- appeal page and actions ----------------------------------------------------------------------------------------


def _appeal_context(
    request: Request, session: Session, actor: Actor, detail: AppealDetail, **extra: Any
) -> dict[str, Any]:
    actions = {a["name"]: a["label"] for a in detail.actions}
    return _common(
        request,
        session,
        actor,
        appeal=detail,
        actions=actions,
        can_callback="revisit_satisfied" in actions,
        can_merge="merge" in actions,
        **extra,
    )


@router.get("/hotline/appeals/{appeal_id}", response_class=HTMLResponse, summary="诉求详情页面")
def appeal_page(
    *, request: Request, appeal_id: int, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """The appeal (masked), its timeline, deadlines, pin, merged duplicates, callbacks and the viewer's actions."""
    detail = services.get_appeal(session, actor=actor, appeal_id=appeal_id)
    context = _appeal_context(request, session, actor, detail, error=None, form={})
    return templates.TemplateResponse(request, "hotline/appeal.html", context)


def _appeal_path(session: Session, number: str) -> str | None:
    """The page of the appeal a work-queue case (``appeal:<number>``) is about."""
    appeal_id = services.appeal_id_for(session, number=number)
    return None if appeal_id is None else f"/hotline/appeals/{appeal_id}"


SUBJECT_KINDS = (SubjectKind(prefix=services.SUBJECT_PREFIX.rstrip(":"), label="查看诉求", resolve=_appeal_path),)
"""The work queue's link from an appeal case to its page (registered by ``create_app``)."""


def _run_action(  # noqa: C901, PLR0911, PLR0912 - one branch per action, by design
    session: Session,
    actor: Actor,
    *,
    appeal_id: int,
    action: str,
    form: FormData,
    calendar: WorkCalendar,
) -> AppealRead:
    version_text = str(form.get("expected_version") or "")
    if not version_text.isdigit():
        raise ValidationError("缺少版本号，请刷新页面后重试", field="expected_version")
    version = int(version_text)
    comment = _opt(str(form.get("comment") or ""))
    reason = _opt(str(form.get("reason") or ""))
    common: dict[str, Any] = {"actor": actor, "appeal_id": appeal_id, "expected_version": version}
    if action == "accept":
        return services.accept_appeal(session, **common, comment=comment, calendar=calendar)
    if action in {"dispatch", "redispatch"}:
        return services.dispatch_appeal(
            session,
            **common,
            lead_unit=_opt(str(form.get("lead_unit") or "")),
            assist_units=_split_units(str(form.get("assist_units") or "")) if form.get("lead_unit") else None,
            comment=comment,
            reason=reason,
            redispatch=action == "redispatch",
            calendar=calendar,
        )
    if action == "request_extension":
        amount = str(form.get("amount") or "")
        if not amount.isdigit() or not 1 <= int(amount) <= 30:  # noqa: PLR2004
            raise ValidationError("延期天数应为 1 到 30 的整数", field="amount")
        if reason is None:
            raise ValidationError("申请延期须填写原因", field="reason")
        unit = str(form.get("unit") or "working_days")
        if unit not in {"working_days", "working_hours", "natural_days"}:
            raise ValidationError("延期单位无效", field="unit")
        return services.request_extension(
            session, **common, amount=int(amount), unit=unit, reason=reason, calendar=calendar
        )
    if action == "reply":
        if comment is None or len(comment) < 2:  # noqa: PLR2004
            raise ValidationError("请填写办理结果（答复内容）", field="comment")
        return services.reply_appeal(session, **common, text=comment, calendar=calendar)
    if action in {"approve_reply", "reject_reply"}:
        return services.review_reply(
            session, **common, approve=action == "approve_reply", reason=reason, calendar=calendar
        )
    if action == "callback":
        satisfaction = str(form.get("satisfaction") or "")
        if satisfaction not in SATISFACTIONS:
            raise ValidationError("请选择回访结果：满意、基本满意或不满意", field="satisfaction")
        level = str(form.get("rating_level") or "")
        if level and not (level.isdigit() and 1 <= int(level) <= 5):  # noqa: PLR2004
            raise ValidationError("好差评等级应为 1 到 5", field="rating_level")
        method = str(form.get("method") or "phone")
        if method not in {"phone", "sms", "online", "visit"}:
            raise ValidationError("回访方式无效", field="method")
        return services.record_callback(
            session,
            **common,
            satisfaction=satisfaction,
            resolved=form.get("resolved") == "1",
            rating_level=int(level) if level else None,
            method=method,
            note=str(form.get("note") or "").strip()[:1000],
            calendar=calendar,
        )
    if action == "merge":
        return services.merge_appeal(
            session,
            **common,
            master_id=_master_id(session, actor, form),
            reason=reason or "同一问题重复反映",
            calendar=calendar,
        )
    if action == "answer_directly":
        if comment is None:
            raise ValidationError("直接答复须填写答复内容", field="comment")
        return services.answer_directly(
            session, **common, text=comment, kb_article=_opt(str(form.get("kb_article") or "")), calendar=calendar
        )
    if action == "transfer":
        number = str(form.get("number") or "")
        if number not in {"110", "119", "120", "122"}:
            raise ValidationError("转接号码应为 110、119、120 或 122", field="number")
        if reason is None:
            raise ValidationError("转接须填写原因", field="reason")
        return services.transfer_emergency(session, **common, number=number, reason=reason, calendar=calendar)
    if action == "correct":
        changes = {name: _opt(str(form.get(name) or "")) for name in CLASSIFICATION_FIELDS if name != "assist_units"}
        if form.get("assist_units") is not None:
            changes["assist_units"] = _split_units(str(form.get("assist_units") or ""))  # type: ignore[assignment]
        return services.correct_appeal(session, **common, changes=changes)
    if action in {"sign", "return", "remind", "supervise", "approve_extension", "reject_extension", "reject_intake"}:
        return services.perform(session, **common, action=action, comment=comment, reason=reason, calendar=calendar)
    raise NotFoundError(f"未知的办理动作：{action}", field="action")


def _master_id(session: Session, actor: Actor, form: FormData) -> int:
    text = str(form.get("master") or "").strip()
    if text.isdigit():
        return int(text)
    found = services.appeal_id_for(session, number=text) if text else None
    if found is None:
        raise ValidationError("请填写要并入的主诉求编号（如 12345-20261130-000001）", field="master")
    services.get_appeal(session, actor=actor, appeal_id=found)  # out of scope → 404, like the id itself
    return found


@router.post("/hotline/appeals/{appeal_id}/actions/{action}", response_class=HTMLResponse, summary="诉求办理动作")
async def appeal_action(
    *,
    request: Request,
    appeal_id: int,
    action: str,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    calendar: CalendarDep,
) -> Response:
    """Run one action; success goes back (Post/Redirect/Get), a refusal shows the appeal with the Chinese reason."""
    form = await request.form()
    _csrf(request, str(form.get("csrf_token") or ""))
    try:
        result = _run_action(session, actor, appeal_id=appeal_id, action=action, form=form, calendar=calendar)
    except YiwangError as exc:
        session.rollback()
        if isinstance(exc, NotFoundError) and exc.field != "action":
            raise
        detail = services.get_appeal(session, actor=actor, appeal_id=appeal_id)
        context = _appeal_context(
            request,
            session,
            actor,
            detail,
            error=exc,
            conflict=isinstance(exc, ConflictError),
            form={"action": action, **{k: str(v) for k, v in form.items() if k != "csrf_token"}},
        )
        return templates.TemplateResponse(request, "hotline/appeal.html", context, status_code=exc.status_code)
    message = quote(f"已完成办理，诉求 {result.number} 当前状态：{result.state_label}")
    default = f"/hotline/appeals/{appeal_id}"
    target = _next(str(form.get("next") or ""), default)
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}msg={message}", status_code=303)


@router.post("/hotline/appeals/{appeal_id}/contact", response_class=HTMLResponse, summary="查看诉求人联系方式（留痕）")
async def appeal_contact(
    *, request: Request, appeal_id: int, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """The reporter's contact in clear text for a stated purpose (回访), through the audited unmask."""
    form = await request.form()
    _csrf(request, str(form.get("csrf_token") or ""))
    purpose = str(form.get("purpose") or "").strip()
    try:
        if len(purpose) < 2:  # noqa: PLR2004
            raise ValidationError("请说明查看联系方式的用途（如：回访诉求人）", field="purpose")
        contact = services.reveal_contact(session, actor=actor, appeal_id=appeal_id, purpose=purpose[:200])
    except YiwangError as exc:
        session.rollback()
        if isinstance(exc, NotFoundError):
            raise
        detail = services.get_appeal(session, actor=actor, appeal_id=appeal_id)
        context = _appeal_context(request, session, actor, detail, error=exc, form={})
        return templates.TemplateResponse(request, "hotline/appeal.html", context, status_code=exc.status_code)
    detail = services.get_appeal(session, actor=actor, appeal_id=appeal_id)
    context = _appeal_context(request, session, actor, detail, error=None, form={}, contact=contact)
    return templates.TemplateResponse(request, "hotline/appeal.html", context)


@router.get("/hotline/appeals/{appeal_id}/media/{media_id}", summary="诉求附件")
def appeal_media(*, appeal_id: int, media_id: int, session: SessionDep, actor: ActorDep) -> Response:
    """An appeal's stored photo or file (same access as the appeal)."""
    content, content_type, filename = services.get_media(session, actor=actor, appeal_id=appeal_id, media_id=media_id)
    return Response(
        content,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(filename, disposition="inline"),
            "X-Content-Type-Options": "nosniff",
        },
    )


# ---- dashboard ------------------------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@router.get("/hotline/dashboard", response_class=HTMLResponse, summary="12345 数据看板")
def dashboard_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    calendar: CalendarDep,
) -> Response:
    """Volumes, the five rates by department and district, hot-spot map, trends and CSV links for one period."""
    kpis.check_dashboard_access(actor)
    context = _common(request, session, actor, filters={"date_from": date_from or "", "date_to": date_to or ""})
    status_code = 200
    try:
        board = kpis.dashboard(
            session,
            actor=actor,
            date_from=_date(date_from, "date_from"),
            date_to=_date(date_to, "date_to"),
            calendar=calendar,
        )
    except ValidationError as exc:
        board, status_code = None, exc.status_code
        context["error"] = exc
    context |= {"board": board, "percent": _percent, "definitions": kpis.KPI_DEFINITIONS}
    if board is not None:
        context["district_rows"] = [{"code": r.code, "name": r.name, "value": r.received} for r in board.by_district]
        context["trend_series"] = {"received": "受理量", "closed": "办结量"}
        context["query"] = f"date_from={board.date_from.isoformat()}&date_to={board.date_to.isoformat()}"
        context["hot_spots_json"] = [
            {"name": s.name, "lon": s.lon, "lat": s.lat, "count": s.count, "category": s.top_category}
            for s in board.hot_spots
        ]
    return templates.TemplateResponse(request, "hotline/dashboard.html", context, status_code=status_code)


@router.get("/hotline/dashboard/kpis.csv", summary="导出考核指标（CSV）")
def dashboard_csv(
    *,
    session: SessionDep,
    actor: ActorDep,
    by: Annotated[str, Query(pattern="^(department|district)$")] = "department",
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    calendar: CalendarDep,
) -> Response:
    """The KPI table by department or by district as CSV (UTF-8 with BOM)."""
    board = kpis.dashboard(
        session,
        actor=actor,
        date_from=_date(date_from, "date_from"),
        date_to=_date(date_to, "date_to"),
        calendar=calendar,
    )
    rows = board.by_department if by == "department" else board.by_district
    name = f"hotline-kpis-{by}-{board.date_from:%Y%m%d}-{board.date_to:%Y%m%d}.csv"
    return Response(
        kpis.kpi_csv(rows, board.totals),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/hotline/appeals.csv", summary="导出诉求列表（CSV）")
def appeals_csv(
    *,
    session: SessionDep,
    actor: ActorDep,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
) -> StreamingResponse:
    """The appeal list of the viewer's scope as CSV (personal data is not exported)."""
    kpis.check_dashboard_access(actor)
    filters = AppealFilter(
        q=_opt(q), status=status or None, date_from=_date(date_from, "date_from"), date_to=_date(date_to, "date_to")
    )
    lines: Iterator[str] = services.export_appeals_csv(session, actor=actor, filters=filters)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="hotline-appeals.csv"'},
    )


# ---- knowledge base -------------------------------------------------------------------------------------------------


def _kb() -> Any:
    from yiwang.hotline.triage import services as triage_services  # noqa: PLC0415 - the KB lives with triage

    return triage_services


def _may_edit_kb(actor: Actor) -> bool:
    return actor.has_role(*KB_EDIT_ROLES)


@router.get("/hotline/kb", response_class=HTMLResponse, summary="知识库")
def kb_list(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    department: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Search the service guides and policy answers; the best answer for a question is shown first."""
    kb = _kb()
    status_code = 200
    error = None
    try:
        result = kb.search_articles(session, q=_opt(q), department=_opt(department), page=page, page_size=PAGE_SIZE)
    except YiwangError as exc:
        result, error, status_code = None, exc, exc.status_code
    best = kb.answer_for(session, q) if q and len(q.strip()) >= 2 else None  # noqa: PLR2004
    context = _common(
        request,
        session,
        actor,
        result=result,
        best=best,
        error=error,
        may_edit=_may_edit_kb(actor),
        filters={"q": q or "", "department": department or ""},
    )
    return templates.TemplateResponse(request, "hotline/kb_list.html", context, status_code=status_code)


@router.get("/hotline/kb/new", response_class=HTMLResponse, summary="新建知识库文章")
def kb_new(*, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """An empty article form (department staff for their department, administrators for all)."""
    _require(actor, *KB_EDIT_ROLES, what="知识库编辑")
    article = {"department": actor.department or "", "published": True}
    context = _common(request, session, actor, article=article, creating=True, error=None)
    return templates.TemplateResponse(request, "hotline/kb_edit.html", context)


@router.get("/hotline/kb/{article_id}", response_class=HTMLResponse, summary="知识库文章")
def kb_view(
    *, request: Request, article_id: int, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """One article with its answer, source and version."""
    article = _kb().get_article(session, article_id=article_id)
    context = _common(request, session, actor, article=article, may_edit=_may_edit_kb(actor))
    return templates.TemplateResponse(request, "hotline/kb_view.html", context)


@router.get("/hotline/kb/{article_id}/edit", response_class=HTMLResponse, summary="编辑知识库文章")
def kb_edit(
    *, request: Request, article_id: int, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """The article form filled in, with the version the edit starts from."""
    _require(actor, *KB_EDIT_ROLES, what="知识库编辑")
    article = _kb().get_article(session, article_id=article_id)
    context = _common(request, session, actor, article=article.model_dump(), creating=False, error=None)
    return templates.TemplateResponse(request, "hotline/kb_edit.html", context)


def _article_values(form: FormData) -> dict[str, Any]:
    keywords = str(form.get("keywords") or "").replace("，", ",").replace("、", ",")
    return {
        "slug": str(form.get("slug") or "").strip(),
        "title": str(form.get("title") or "").strip(),
        "department": str(form.get("department") or "").strip(),
        "category": _opt(str(form.get("category") or "")),
        "keywords": [k.strip() for k in keywords.split(",") if k.strip()],
        "answer": str(form.get("answer") or "").strip(),
        "source": str(form.get("source") or "").strip(),
        "published": form.get("published") == "1",
        "version": str(form.get("version") or ""),
    }


@router.post("/hotline/kb/save", response_class=HTMLResponse, summary="保存知识库文章")
async def kb_save(*, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """Create or update an article; a concurrent edit is a 409 with the form kept."""
    _require(actor, *KB_EDIT_ROLES, what="知识库编辑")
    form = await request.form()
    _csrf(request, str(form.get("csrf_token") or ""))
    from yiwang.hotline.triage.schemas import ArticleCreate, ArticleUpdate  # noqa: PLC0415 - the KB lives with triage

    values = _article_values(form)
    article_id = str(form.get("article_id") or "")
    kb = _kb()
    try:
        try:
            if article_id.isdigit():
                data: Any = ArticleUpdate.model_validate({k: v for k, v in values.items() if k != "slug"})
                saved = kb.update_article(session, article_id=int(article_id), data=data, actor=actor)
            else:
                data = ArticleCreate.model_validate({k: v for k, v in values.items() if k != "version"})
                saved = kb.create_article(session, data=data, actor=actor)
        except PydanticValidationError as exc:
            raise _article_error(exc) from None
    except YiwangError as exc:
        session.rollback()
        values["id"] = int(article_id) if article_id.isdigit() else None
        context = _common(request, session, actor, article=values, creating=not article_id.isdigit(), error=exc)
        return templates.TemplateResponse(request, "hotline/kb_edit.html", context, status_code=exc.status_code)
    return RedirectResponse(f"/hotline/kb/{saved.id}?msg={quote('已保存')}", status_code=303)


def _article_error(exc: PydanticValidationError) -> ValidationError:
    labels = {
        "slug": "文章标识（小写字母、数字和连字符）",
        "title": "标题",
        "department": "负责部门",
        "answer": "答复口径（至少 10 字）",
        "source": "依据与出处",
        "version": "版本号",
        "keywords": "关键词",
    }
    first = exc.errors()[0]
    field = str(first.get("loc", ("form",))[0])
    return ValidationError(f"{labels.get(field, field)}填写不正确", field=field)
