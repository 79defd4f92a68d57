"""HTTP JSON API of the 12345 hotline (``/api/hotline``) and, mounted from here, Open311 GeoReport v2 (``/open311/v2``).

Routes parse, call one service and return its schema; errors are the services' Chinese domain errors (422 with the
field, 404, 403, 409 on a concurrent change).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError as PydanticValidationError

from yiwang.hotline import open311, routing, services
from yiwang.hotline.schemas import (
    AppealCreate,
    AppealDetail,
    AppealFilter,
    AppealPage,
    AppealRead,
    CallbackInput,
    ContactRead,
    CorrectionInput,
    DecisionInput,
    DirectAnswerInput,
    DispatchInput,
    DuplicateCandidate,
    ExtensionInput,
    IntakePreview,
    MediaUpload,
    MergeInput,
    PreviewInput,
    ReplyInput,
    TransferInput,
)
from yiwang.hotline.triage import api as triage_api
from yiwang.kernel.errors import ValidationError
from yiwang.web.deps import ActorDep, SessionDep, SettingsDep
from yiwang.web.listing import content_disposition
from yiwang.workflow import calendar as workflow_calendar

api = APIRouter(prefix="/api/hotline", tags=["hotline"])


def working_calendar(settings: SettingsDep) -> workflow_calendar.WorkCalendar:
    """The platform's working-day calendar (with the configured holiday override file, if any)."""
    return workflow_calendar.load_calendar(getattr(settings, "holidays_file", None))


CalendarDep = Annotated[workflow_calendar.WorkCalendar, Depends(working_calendar)]


def triager(request: Request) -> services.TriageFn | None:
    """The triage function of this application (tests may install another on ``app.state.hotline_triager``)."""
    found: services.TriageFn | None = getattr(request.app.state, "hotline_triager", None)
    return found


TriagerDep = Annotated[services.TriageFn | None, Depends(triager)]


@api.post("/appeals", status_code=201, summary="登记诉求（任一渠道）")
def create_appeal(
    *,
    body: AppealCreate,
    session: SessionDep,
    actor: ActorDep,
    calendar: CalendarDep,
    triage: TriagerDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=120)] = None,
) -> AppealRead:
    """Record an appeal; the same ``Idempotency-Key`` (header or field) returns the first appeal (200), not a second."""
    if idempotency_key and not body.idempotency_key:
        body = body.model_copy(update={"idempotency_key": idempotency_key})
    appeal = services.create_appeal(session, actor=actor, data=body, triager=triage, calendar=calendar)
    if not appeal.created:
        response.status_code = 200
    return appeal


@api.post("/appeals/form", status_code=201, summary="登记诉求（表单，可附照片：码上报）")
async def create_appeal_form(
    *,
    session: SessionDep,
    actor: ActorDep,
    calendar: CalendarDep,
    triage: TriagerDep,
    response: Response,
    content: Annotated[str, Form(min_length=2, max_length=4000)],
    channel: Annotated[str, Form()] = "qr",
    address: Annotated[str, Form(max_length=255)] = "",
    lon: Annotated[float | None, Form(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    reporter_name: Annotated[str | None, Form(max_length=64)] = None,
    reporter_phone: Annotated[str | None, Form(max_length=32)] = None,
    appeal_type: Annotated[str | None, Form()] = None,
    idempotency_key: Annotated[str | None, Form(max_length=120)] = None,
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> AppealRead:
    """码上报 and other forms with photos: each file is checked (type by content, at most 5 MB)."""
    uploads = []
    for photo in photos or []:
        data = await photo.read(services.MAX_MEDIA_BYTES + 1)
        uploads.append(
            MediaUpload(filename=photo.filename or "photo", content_type=photo.content_type or "", content=data)
        )
    try:
        body = AppealCreate.model_validate(
            {
                "channel": channel,
                "content": content,
                "address": address,
                "lon": lon,
                "lat": lat,
                "reporter_name": reporter_name,
                "reporter_phone": reporter_phone,
                "appeal_type": appeal_type or None,
                "idempotency_key": idempotency_key,
            }
        )
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "form"
        raise ValidationError(f"表单内容不正确：{first['msg'].removeprefix('Value error, ')}", field=field) from exc
    appeal = services.create_appeal(session, actor=actor, data=body, media=uploads, triager=triage, calendar=calendar)
    if not appeal.created:
        response.status_code = 200
    return appeal


def _filters(
    *,
    q: Annotated[str | None, Query(max_length=100)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    appeal_type: Annotated[str | None, Query(max_length=8)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    department: Annotated[str | None, Query(max_length=32)] = None,
    district_code: Annotated[str | None, Query(max_length=6)] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    overdue: bool | None = None,
    needs_review: bool | None = None,
    mine: bool = False,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> AppealFilter:
    return AppealFilter(
        q=q,
        channel=channel,
        appeal_type=appeal_type,
        state=state,
        status=status,
        department=department,
        district_code=district_code,
        category=category,
        overdue=overdue,
        needs_review=needs_review,
        mine=mine,
        date_from=date_from,
        date_to=date_to,
    )


FiltersDep = Annotated[AppealFilter, Depends(_filters)]


@api.get("/appeals", summary="诉求列表")
def list_appeals(
    session: SessionDep,
    actor: ActorDep,
    filters: FiltersDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 20,
) -> AppealPage:
    """Appeals in the caller's scope, newest first (personal data masked)."""
    return services.list_appeals(session, actor=actor, filters=filters, page=page, page_size=page_size)


@api.get("/appeals.csv", summary="导出诉求列表（CSV）")
def export_appeals(session: SessionDep, actor: ActorDep, filters: FiltersDep) -> StreamingResponse:
    """The filtered list as CSV (UTF-8 with BOM); personal data is not exported."""
    stamp = dt.datetime.now(services.CITY_TZ).strftime("%Y%m%d")
    return StreamingResponse(
        services.export_appeals_csv(session, actor=actor, filters=filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="hotline-appeals-{stamp}.csv"'},
    )


@api.post("/preview", summary="分拨预览（坐席录入时）")
def preview(body: PreviewInput, session: SessionDep, actor: ActorDep, triage: TriagerDep) -> IntakePreview:
    """Triage, routing, time limit, knowledge-base answer and duplicate suggestions for the text being typed."""
    return services.preview_intake(
        session, actor=actor, text=body.text, lon=body.lon, lat=body.lat, address=body.address, triager=triage
    )


@api.get("/duplicates", summary="疑似重复诉求")
def duplicates(
    *,
    session: SessionDep,
    actor: ActorDep,
    text: Annotated[str, Query(min_length=2, max_length=4000)],
    category: Annotated[str, Query(max_length=32)],
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    street_code: Annotated[str | None, Query(max_length=9)] = None,
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Open appeals that may report the same problem (same category, nearby, recent, similar text)."""
    return services.find_duplicates(
        session,
        actor=actor,
        text=text,
        category=category,
        lon=lon,
        lat=lat,
        street_code=street_code,
        exclude_id=exclude_id,
    )


@api.get("/routing/catalogue", summary="责任清单")
def catalogue() -> dict[str, Any]:
    """The responsibility catalogue in force (version and rules)."""
    cat = routing.load_catalogue()
    return {
        "version": cat.version,
        "name": cat.name,
        "rules": [
            {"id": r.id, "label": r.label, "when": dict(r.when), "lead": r.lead, "assist": list(r.assist)}
            for r in cat.rules
        ],
    }


@api.get("/routing/time-limits", summary="办理时限配置")
def time_limits() -> dict[str, Any]:
    """Time limits per type and urgency, the 签收 limit, the 退单 window and the maximum extension."""
    limits = routing.load_time_limits()
    return {
        "version": limits.version,
        "by_type": {k: v.to_dict() for k, v in limits.by_type.items()},
        "by_urgency": {k: v.to_dict() for k, v in limits.by_urgency.items()},
        "sign_within": limits.sign_within.to_dict(),
        "return_within": limits.return_within.to_dict(),
        "max_extension": limits.max_extension.to_dict(),
    }


@api.get("/appeals/{appeal_id}", summary="诉求详情")
def get_appeal(appeal_id: int, session: SessionDep, actor: ActorDep) -> AppealDetail:
    """One appeal with media, callbacks, merged duplicates, timeline and the caller's available actions."""
    return services.get_appeal(session, actor=actor, appeal_id=appeal_id)


@api.get("/appeals/{appeal_id}/media/{media_id}", summary="诉求附件")
def get_media(appeal_id: int, media_id: int, session: SessionDep, actor: ActorDep) -> Response:
    """An attachment's bytes (never rendered inline by the browser: served as a download)."""
    content, content_type, filename = services.get_media(session, actor=actor, appeal_id=appeal_id, media_id=media_id)
    return Response(
        content,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            "X-Content-Type-Options": "nosniff",
        },
    )


@api.post("/appeals/{appeal_id}/contact", summary="查看诉求人联系方式（留痕）")
def reveal_contact(
    appeal_id: int, session: SessionDep, actor: ActorDep, purpose: Annotated[str, Query(min_length=2, max_length=200)]
) -> ContactRead:
    """Clear-text contact of the reporter, recorded in the audit log (only for those allowed to unmask)."""
    return services.reveal_contact(session, actor=actor, appeal_id=appeal_id, purpose=purpose)


@api.post("/appeals/{appeal_id}/accept", summary="受理")
def accept(
    appeal_id: int, body: DispatchInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """受理 a low-confidence appeal after checking it."""
    return services.accept_appeal(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        comment=body.comment,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/dispatch", summary="派单")
def dispatch(
    appeal_id: int, body: DispatchInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """派单 to the given units, or (no ``lead_unit``) to the responsibility catalogue's decision."""
    return services.dispatch_appeal(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        lead_unit=body.lead_unit,
        assist_units=body.assist_units,
        comment=body.comment,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/redispatch", summary="改派")
def redispatch(
    appeal_id: int, body: DispatchInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """改派 with a reason (after a 退单 or on the dispatcher's initiative)."""
    return services.dispatch_appeal(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        lead_unit=body.lead_unit,
        assist_units=body.assist_units,
        reason=body.reason,
        redispatch=True,
        calendar=calendar,
    )


def _simple(action: str, summary: str) -> None:
    def handler(
        appeal_id: int, body: DispatchInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
    ) -> AppealRead:
        return services.perform(
            session,
            actor=actor,
            appeal_id=appeal_id,
            action=action,
            expected_version=body.expected_version,
            comment=body.comment,
            reason=body.reason,
            calendar=calendar,
        )

    handler.__doc__ = f"{summary}（workflow action ``{action}``）."
    api.add_api_route(
        f"/appeals/{{appeal_id}}/{action}",
        handler,
        methods=["POST"],
        summary=summary,
        response_model=AppealRead,
        name=f"hotline_{action}",
    )


_simple("sign", "签收")
_simple("return", "退单（须填写原因，派单后2个工作日内）")
_simple("remind", "催办")
_simple("supervise", "督办")


@api.post("/appeals/{appeal_id}/extension", summary="申请延期")
def extension(
    appeal_id: int, body: ExtensionInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """申请延期 by the lead unit (reason required; at most the configured maximum)."""
    return services.request_extension(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        amount=body.amount,
        unit=body.unit,
        reason=body.reason or "",
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/extension-decision", summary="延期审批")
def extension_decision(
    appeal_id: int, body: DecisionInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """Approve (deadlines move) or reject (reason required) the pending extension."""
    return services.perform(
        session,
        actor=actor,
        appeal_id=appeal_id,
        action="approve_extension" if body.approve else "reject_extension",
        expected_version=body.expected_version,
        comment=body.comment,
        reason=body.reason,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/reply", summary="办结反馈")
def reply(appeal_id: int, body: ReplyInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep) -> AppealRead:
    """The lead unit's answer (goes to 答复审核)."""
    return services.reply_appeal(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        text=body.comment,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/review", summary="答复审核")
def review(
    appeal_id: int, body: DecisionInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """Approve the reply (→ 回访; every reporter is told) or send it back with a reason."""
    return services.review_reply(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        approve=body.approve,
        reason=body.reason,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/callback", summary="回访")
def callback(
    appeal_id: int, body: CallbackInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """Record 满意/基本满意/不满意 and the 好差评 level; 不满意 reopens (重办)."""
    return services.record_callback(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        satisfaction=body.satisfaction,
        resolved=body.resolved,
        rating_level=body.rating_level,
        method=body.method,
        note=body.note,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/merge", summary="并单")
def merge(appeal_id: int, body: MergeInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep) -> AppealRead:
    """Merge this appeal into ``master_id`` (it follows the master; its reporter is kept informed)."""
    return services.merge_appeal(
        session,
        actor=actor,
        appeal_id=appeal_id,
        master_id=body.master_id,
        expected_version=body.expected_version,
        reason=body.reason,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/answer", summary="直接答复")
def answer(
    appeal_id: int, body: DirectAnswerInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """Close a consultation with an answer at intake (直接答复)."""
    return services.answer_directly(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        text=body.comment,
        kb_article=body.kb_article,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/transfer", summary="转接应急")
def transfer(
    appeal_id: int, body: TransferInput, session: SessionDep, actor: ActorDep, calendar: CalendarDep
) -> AppealRead:
    """Hand an emergency to 110/119/120/122 with the reason (the appeal closes as 转接)."""
    return services.transfer_emergency(
        session,
        actor=actor,
        appeal_id=appeal_id,
        expected_version=body.expected_version,
        number=body.number,
        reason=body.reason,
        calendar=calendar,
    )


@api.post("/appeals/{appeal_id}/correct", summary="修正分类")
def correct(appeal_id: int, body: CorrectionInput, session: SessionDep, actor: ActorDep) -> AppealRead:
    """Correct the classification; the triage suggestion stays recorded and the correction feeds retraining."""
    changes = body.model_dump(exclude={"expected_version", "comment", "reason"}, exclude_none=True)
    return services.correct_appeal(
        session, actor=actor, appeal_id=appeal_id, expected_version=body.expected_version, changes=changes
    )


router = APIRouter()
"""What ``create_app`` includes: the hotline API and the Open311 GeoReport v2 endpoint."""
router.include_router(api)
router.include_router(open311.router)
router.include_router(triage_api.router)
router.include_router(triage_api.triage_router)
