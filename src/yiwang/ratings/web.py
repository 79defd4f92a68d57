"""Server-rendered pages of 好差评: statistics with a chart, the rating form, rectifications and appeals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ValidationError, YiwangError
from yiwang.ratings import services
from yiwang.ratings.api import CalendarDep
from yiwang.ratings.scale import (
    INDICATORS,
    LEVEL_LABELS,
    AppealStatus,
    CallbackMethod,
    RatingChannel,
    RectificationStatus,
    ResponseKind,
)
from yiwang.ratings.stats import department_names
from yiwang.web.deps import ActorDep, SessionDep, TemplatesDep

router = APIRouter(tags=["pages"])


def _parse_date(value: str | None, field: str) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("日期格式应为 YYYY-MM-DD", field=field) from None


@router.get("/ratings", response_class=HTMLResponse, summary="好差评统计页面")
def statistics_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    channel: Annotated[str | None, Query(max_length=8)] = None,
    department: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Figures per department (or per unit of one department) with a bar chart of ratings per department."""
    filters = {
        "date_from": date_from or "",
        "date_to": date_to or "",
        "channel": channel or "",
        "department": department or "",
    }
    context: dict[str, Any] = {"filters": filters, "channels": list(RatingChannel), "error": None, "result": None}
    status_code = 200
    try:
        context["result"] = services.statistics(
            session,
            by="unit" if department else "department",
            department_code=department or None,
            date_from=_parse_date(date_from, "date_from"),
            date_to=_parse_date(date_to, "date_to"),
            channel=channel or None,
        )
    except YiwangError as error:
        context["error"], status_code = error.message, error.status_code
    result = context["result"]
    if result is not None:
        context["count_rows"] = [{"name": row.name or row.code, "value": row.count} for row in result.rows]
        context["rate_rows"] = [
            {"name": row.name or row.code, "value": round(row.good_rate * 100, 1)}
            for row in result.rows
            if row.good_rate is not None
        ]
        context["department_name"] = department_names(session).get(department or "", department)
    return templates.TemplateResponse(request, "ratings/statistics.html", context, status_code=status_code)


def _form_context(session: SessionDep, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "values": values,
        "levels": sorted(LEVEL_LABELS.items(), reverse=True),
        "indicators": {channel.value: indicators for channel, indicators in INDICATORS.items()},
        "channels": list(RatingChannel),
        "departments": department_names(session),
        **extra,
    }


@router.get("/ratings/new", response_class=HTMLResponse, summary="评价表单")
def rating_form(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    subject: Annotated[str, Query(max_length=64)] = "",
    department: Annotated[str, Query(max_length=32)] = "",
    unit: Annotated[str, Query(max_length=64)] = "",
    service: Annotated[str, Query(max_length=128)] = "",
    channel: Annotated[str, Query(max_length=8)] = "online",
) -> Response:
    """The rating form for a service instance (usually reached from a 评价邀请 link)."""
    values = {
        "subject_ref": subject,
        "department_code": department,
        "unit_code": unit,
        "service_name": service,
        "channel": channel if channel in {"online", "offline"} else "online",
        "level": "",
        "comment": "",
        "indicators": {},
    }
    return templates.TemplateResponse(request, "ratings/form.html", _form_context(session, values))


@router.post("/ratings/new", response_class=HTMLResponse, summary="提交评价（页面）")
async def rating_submit(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    calendar: CalendarDep,
) -> Response:
    """Submit the form; show the result, or the form again with the reason in Chinese."""
    form = await request.form()
    channel = str(form.get("channel") or "online")
    indicators: dict[str, int] = {}
    if channel in {item.value for item in RatingChannel}:
        for key in INDICATORS[RatingChannel(channel)]:
            raw = str(form.get(f"indicator_{key}") or "")
            if raw.isdigit():
                indicators[key] = int(raw)
    text = {
        name: str(form.get(name) or "")
        for name in ("subject_ref", "department_code", "unit_code", "service_name", "level", "comment")
    }
    values: dict[str, Any] = {**text, "channel": channel, "indicators": indicators}
    try:
        if not text["level"].isdigit():
            raise ValidationError("请选择整体满意度", field="level")
        rating = services.submit_rating(
            session,
            actor=actor,
            subject_ref=text["subject_ref"],
            department_code=text["department_code"],
            unit_code=text["unit_code"],
            channel=channel,
            level=int(text["level"]),
            indicators=indicators,
            comment=text["comment"],
            service_name=text["service_name"],
            calendar=calendar,
        )
    except YiwangError as error:
        session.rollback()
        context = _form_context(session, values, error=error.message, error_field=error.field)
        return templates.TemplateResponse(request, "ratings/form.html", context, status_code=error.status_code)
    context = _form_context(session, values, rating=rating)
    return templates.TemplateResponse(request, "ratings/thanks.html", context, status_code=201)


@router.get("/ratings/rectifications", response_class=HTMLResponse, summary="差评整改页面")
def rectifications_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=10)] = None,
    overdue: Annotated[str | None, Query(max_length=1)] = None,
    department: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Rectifications with their deadlines, and the actions the viewer may take (respond, callback, appeal)."""
    return _render_rectifications(
        request, session, templates, actor, status=status, overdue=overdue == "1", department=department, page=page
    )


def _render_rectifications(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: Actor,
    *,
    status: str | None = None,
    overdue: bool = False,
    department: str | None = None,
    page: int = 1,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "filters": {"status": status or "", "overdue": overdue, "department": department or ""},
        "statuses": list(RectificationStatus),
        "response_kinds": list(ResponseKind),
        "callback_methods": list(CallbackMethod),
        "levels": sorted(LEVEL_LABELS.items(), reverse=True),
        "done": request.query_params.get("done"),
        "error": error,
        "actor": actor,
    }
    try:
        context["result"] = services.list_rectifications(
            session,
            actor=actor,
            status=status or None,
            department_code=department or None,
            overdue_only=overdue,
            page=page,
        )
    except YiwangError as failure:
        context["result"], context["error"], status_code = None, failure.message, failure.status_code
    return templates.TemplateResponse(request, "ratings/rectifications.html", context, status_code=status_code)


def _after(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: Actor,
    *,
    action: Callable[[], object],
    done: str,
    back: str,
) -> Response:
    """Run one form action: redirect on success (Post/Redirect/Get), show the list with the reason on failure."""
    try:
        action()
    except YiwangError as error:
        session.rollback()
        if back == "appeals":
            return _render_appeals(
                request, session, templates, actor, error=error.message, status_code=error.status_code
            )
        return _render_rectifications(
            request, session, templates, actor, error=error.message, status_code=error.status_code
        )
    return RedirectResponse(f"/ratings/{back}?done={done}", status_code=303)


@router.post("/ratings/rectifications/{rectification_id}/respond", summary="反馈整改（页面）")
def respond(
    *,
    request: Request,
    rectification_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    response: Annotated[str, Form(max_length=2000)] = "",
    kind: Annotated[str, Form(max_length=10)] = "immediate",
) -> Response:
    """The rated unit's rectification report."""
    return _after(
        request,
        session,
        templates,
        actor,
        action=lambda: services.respond_rectification(
            session, actor=actor, rectification_id=rectification_id, response=response, kind=kind
        ),
        done=f"responded-{rectification_id}",
        back="rectifications",
    )


@router.post("/ratings/rectifications/{rectification_id}/callback", summary="登记回访（页面）")
def callback(
    *,
    request: Request,
    rectification_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    satisfaction: Annotated[int, Form(ge=1, le=5)],
    method: Annotated[str, Form(max_length=8)] = "phone",
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Record the rater's satisfaction at the callback."""
    return _after(
        request,
        session,
        templates,
        actor,
        action=lambda: services.record_callback(
            session,
            actor=actor,
            rectification_id=rectification_id,
            satisfaction=satisfaction,
            method=method,
            note=note,
        ),
        done=f"callback-{rectification_id}",
        back="rectifications",
    )


@router.post("/ratings/{rating_id}/appeal", summary="提出申诉（页面）")
def appeal(
    *,
    request: Request,
    rating_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
    evidence: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """The rated department's appeal; evidence is one file name or URL per line."""
    items = [line.strip() for line in evidence.splitlines() if line.strip()]
    return _after(
        request,
        session,
        templates,
        actor,
        action=lambda: services.file_appeal(session, actor=actor, rating_id=rating_id, reason=reason, evidence=items),
        done=f"appealed-{rating_id}",
        back="appeals",
    )


@router.get("/ratings/appeals", response_class=HTMLResponse, summary="申诉复核页面")
def appeals_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=8)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Appeals with accept/reject forms for reviewers."""
    return _render_appeals(request, session, templates, actor, status=status, page=page)


def _render_appeals(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: Actor,
    *,
    status: str | None = None,
    page: int = 1,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "filters": {"status": status or ""},
        "statuses": list(AppealStatus),
        "done": request.query_params.get("done"),
        "error": error,
        "actor": actor,
    }
    try:
        context["result"] = services.list_appeals(session, actor=actor, status=status or None, page=page)
    except YiwangError as failure:
        context["result"], context["error"], status_code = None, failure.message, failure.status_code
    return templates.TemplateResponse(request, "ratings/appeals.html", context, status_code=status_code)


@router.post("/ratings/appeals/{appeal_id}/decide", summary="复核申诉（页面）")
def decide(
    *,
    request: Request,
    appeal_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    decision: Annotated[str, Form(pattern="^(accept|reject)$")],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Accept or reject an appeal."""
    return _after(
        request,
        session,
        templates,
        actor,
        action=lambda: services.decide_appeal(
            session, actor=actor, appeal_id=appeal_id, accept=decision == "accept", note=note
        ),
        done=f"decided-{appeal_id}",
        back="appeals",
    )
