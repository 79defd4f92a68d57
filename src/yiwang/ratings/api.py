"""HTTP JSON API of the ratings context (好差评): rate, rectify, call back, appeal, statistics."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from yiwang.ratings import services
from yiwang.ratings.scale import INDICATORS, LEVEL_LABELS
from yiwang.ratings.schemas import (
    AppealCreate,
    AppealDecision,
    AppealPage,
    AppealRead,
    CallbackCreate,
    RatingCreate,
    RatingPage,
    RatingRead,
    RatingStatistics,
    RectificationPage,
    RectificationRead,
    RectificationResponse,
)
from yiwang.web import listing
from yiwang.web.deps import ActorDep, SessionDep, SettingsDep
from yiwang.workflow import calendar as workflow_calendar

router = APIRouter(prefix="/api/ratings", tags=["ratings"])

Paging = Annotated[listing.PageArgs, Depends(listing.paging(default_size=50, max_size=services.MAX_PAGE_SIZE))]


def working_calendar(settings: SettingsDep) -> workflow_calendar.WorkCalendar:
    """The platform's working-day calendar (with the configured holiday override file, if any)."""
    return workflow_calendar.load_calendar(getattr(settings, "holidays_file", None))


CalendarDep = Annotated[workflow_calendar.WorkCalendar, Depends(working_calendar)]


@router.get("/scale", summary="评价等级与指标")
def scale() -> dict[str, Any]:
    """The five levels and each channel's indicators (GB/T 39734 online, GB/T 39735 offline)."""
    return {
        "levels": [{"value": int(level), "label": label} for level, label in LEVEL_LABELS.items()],
        "indicators": {channel.value: indicators for channel, indicators in INDICATORS.items()},
    }


@router.post("", status_code=201, summary="提交评价")
def submit_rating(body: RatingCreate, session: SessionDep, actor: ActorDep, calendar: CalendarDep) -> RatingRead:
    """Rate a service instance as the caller; a bad rating opens a rectification due in 15 working days."""
    return services.submit_rating(session, actor=actor, calendar=calendar, **body.model_dump())


@router.get("", summary="评价列表")
def list_ratings(
    *,
    session: SessionDep,
    actor: ActorDep,
    subject_ref: Annotated[str | None, Query(max_length=64)] = None,
    department_code: Annotated[str | None, Query(max_length=32)] = None,
    unit_code: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[int | None, Query(ge=1, le=5)] = None,
    bad_only: bool = False,
    paging: Paging,
) -> RatingPage:
    """Ratings the caller may see, newest first."""
    return services.list_ratings(
        session,
        actor=actor,
        subject_ref=subject_ref,
        department_code=department_code,
        unit_code=unit_code,
        level=level,
        bad_only=bad_only,
        **paging,
    )


@router.get("/statistics", summary="好差评统计")
def statistics(
    *,
    session: SessionDep,
    by: Annotated[str, Query(pattern="^(department|unit)$")] = "department",
    department_code: Annotated[str | None, Query(max_length=32)] = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: Annotated[str | None, Query(pattern="^(online|offline)$")] = None,
) -> RatingStatistics:
    """Count, 好评率, 差评率, 差评整改率, 按期整改率 and average score per department or unit (appeals excluded)."""
    return services.statistics(
        session, by=by, department_code=department_code, date_from=date_from, date_to=date_to, channel=channel
    )


@router.get("/rectifications", summary="差评整改列表")
def list_rectifications(
    *,
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(pattern="^(open|rectified|closed)$")] = None,
    department_code: Annotated[str | None, Query(max_length=32)] = None,
    overdue_only: bool = False,
    paging: Paging,
) -> RectificationPage:
    """Rectifications the caller may see, open ones first by deadline."""
    return services.list_rectifications(
        session,
        actor=actor,
        status=status,
        department_code=department_code,
        overdue_only=overdue_only,
        **paging,
    )


@router.post("/rectifications/{rectification_id}/response", summary="反馈整改情况")
def respond(
    rectification_id: int, body: RectificationResponse, session: SessionDep, actor: ActorDep
) -> RectificationRead:
    """The rated department reports how it rectified the bad rating."""
    return services.respond_rectification(
        session, actor=actor, rectification_id=rectification_id, response=body.response, kind=body.kind
    )


@router.post("/rectifications/{rectification_id}/callback", summary="登记回访")
def callback(rectification_id: int, body: CallbackCreate, session: SessionDep, actor: ActorDep) -> RectificationRead:
    """Record the rater's satisfaction with the rectification (基本满意 or better closes it)."""
    return services.record_callback(
        session,
        actor=actor,
        rectification_id=rectification_id,
        satisfaction=body.satisfaction,
        method=body.method,
        note=body.note,
    )


@router.get("/appeals", summary="申诉列表")
def list_appeals(
    *,
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(pattern="^(pending|accepted|rejected)$")] = None,
    paging: Paging,
) -> AppealPage:
    """Appeals the caller may see, pending first."""
    return services.list_appeals(session, actor=actor, status=status, **paging)


@router.post("/appeals/{appeal_id}/decision", summary="复核申诉")
def decide_appeal(appeal_id: int, body: AppealDecision, session: SessionDep, actor: ActorDep) -> AppealRead:
    """Accept (the rating leaves the statistics) or reject an appeal."""
    return services.decide_appeal(session, actor=actor, appeal_id=appeal_id, accept=body.accept, note=body.note)


@router.get("/{rating_id}", summary="评价详情")
def get_rating(rating_id: int, session: SessionDep, actor: ActorDep) -> RatingRead:
    """One rating with its rectification."""
    return services.get_rating(session, actor=actor, rating_id=rating_id)


@router.post("/{rating_id}/appeals", status_code=201, summary="提出申诉")
def file_appeal(rating_id: int, body: AppealCreate, session: SessionDep, actor: ActorDep) -> AppealRead:
    """The rated department appeals against a false bad rating (once per rating)."""
    return services.file_appeal(session, actor=actor, rating_id=rating_id, reason=body.reason, evidence=body.evidence)
