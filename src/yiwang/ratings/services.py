"""好差评 use cases: rate a service instance, rectify bad ratings with a callback, appeal false ratings.

A bad rating (不满意/非常不满意) opens a rectification due in 15 working days (counted with the platform's
working-day calendar, 调休 included) and queues the 差评整改通知 for the rated department in the same
transaction. The unit reports how it rectified; a callback (回访) asks the rater whether they are satisfied —
satisfied closes the rectification, unsatisfied reopens it. The unit may instead appeal a false rating; an
accepted appeal excludes the rating from the statistics (:mod:`yiwang.ratings.stats`) but keeps it for audit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from yiwang.db import as_utc, utcnow
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.logs import get_logger
from yiwang.notify import services as notify_services
from yiwang.ratings import access
from yiwang.ratings.models import Appeal, Callback, Rating, Rectification
from yiwang.ratings.scale import (
    INDICATORS,
    RECTIFICATION_WORKING_DAYS,
    AppealStatus,
    CallbackMethod,
    Level,
    RatingChannel,
    RectificationStatus,
    Resolution,
    ResponseKind,
    check_indicators,
    parse_channel,
    parse_level,
)
from yiwang.ratings.schemas import (
    AppealPage,
    AppealRead,
    CallbackRead,
    RatingPage,
    RatingRead,
    RectificationPage,
    RectificationRead,
)
from yiwang.ratings.stats import CITY_TZ, department_names, statistics
from yiwang.workflow import calendar as workflow_calendar

__all__ = [
    "decide_appeal",
    "file_appeal",
    "flag_overdue_rectifications",
    "get_rating",
    "invite_rating",
    "list_appeals",
    "list_ratings",
    "list_rectifications",
    "record_callback",
    "respond_rectification",
    "statistics",
    "submit_rating",
]

REVISION_WINDOW = dt.timedelta(hours=24)
"""A rater may change a rating once within this time, as long as nobody has acted on it yet."""

MAX_REVISIONS = 1
MAX_PAGE_SIZE = 200
SATISFIED_AT_CALLBACK = Level.BASIC
"""A callback at 基本满意 or better closes the rectification; anything lower reopens it."""

_SUBJECT_REF = re.compile(r"^[a-z][a-z_]{1,30}:[A-Za-z0-9._-]{1,32}$")
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

log = get_logger("yiwang.ratings")


# --- helpers -------------------------------------------------------------------------------------------------


def _local_text(moment: dt.datetime | None) -> str:
    if moment is None:
        return "（期限待定）"
    local = as_utc(moment).astimezone(CITY_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def rectification_due(opened_at: dt.datetime, *, calendar: workflow_calendar.WorkCalendar | None = None) -> dt.datetime:
    """The end of the 15th working day after ``opened_at`` (调休 counted); raises when the calendar lacks the year."""
    cal = calendar or workflow_calendar.load_calendar()
    due = workflow_calendar.add_working_days(as_utc(opened_at), RECTIFICATION_WORKING_DAYS, calendar=cal)
    return as_utc(due)  # stored in UTC: SQLite keeps the wall time and drops the offset


def _due_or_none(opened_at: dt.datetime, calendar: workflow_calendar.WorkCalendar | None) -> dt.datetime | None:
    """The due time, or None while the holiday arrangement of that period is not yet published.

    A rating must never be refused because next year's holidays are unknown; the deadline is filled in by
    :func:`flag_overdue_rectifications` once the calendar covers it.
    """
    try:
        return rectification_due(opened_at, calendar=calendar)
    except workflow_calendar.CalendarNotCoveredError as exc:
        log.warning("ratings_due_unknown", opened_at=opened_at.isoformat(), reason=exc.message)
        return None


def _check_code(value: str, field: str, label: str) -> str:
    text = (value or "").strip()
    if not _CODE.match(text):
        raise ValidationError(f"{label}格式不正确（字母、数字、点、下划线或连字符，最长64位）", field=field)
    return text


def _check_subject(value: str) -> str:
    text = (value or "").strip()
    if not _SUBJECT_REF.match(text):
        raise ValidationError("评价对象应为“类型:编号”，例如 workflow:123 或 appeal:45", field="subject_ref")
    return text


def _page(page: int, page_size: int) -> tuple[int, int]:
    return max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)


def _pages(total: int, page_size: int) -> int:
    return max(math.ceil(total / page_size), 1)


def _scope(actor: Actor) -> ColumnElement[bool] | None:
    """SQL restriction of ratings to what the actor may see (None: everything)."""
    if access.sees_everything(actor):
        return None
    conditions: list[ColumnElement[bool]] = [Rating.rater_id == actor.id]
    if actor.department and access.in_department(actor, actor.department):
        conditions.append(Rating.department_code == actor.department)
    return or_(*conditions) if conditions else false()


def _visible_rating(session: Session, actor: Actor, rating_id: int) -> Rating:
    rating = session.get(Rating, rating_id)
    if rating is None or not access.can_read(actor, department_code=rating.department_code, rater_id=rating.rater_id):
        raise NotFoundError(f"评价 {rating_id} 不存在", field="rating_id")
    return rating


def _visible_rectification(session: Session, actor: Actor, rectification_id: int) -> tuple[Rectification, Rating]:
    lock = _lock(session)
    rectification = session.get(Rectification, rectification_id, with_for_update=lock, populate_existing=lock)
    if rectification is None:
        raise NotFoundError(f"整改记录 {rectification_id} 不存在", field="rectification_id")
    rating = session.get(Rating, rectification.rating_id)
    if rating is None or not access.can_read(actor, department_code=rating.department_code, rater_id=rating.rater_id):
        raise NotFoundError(f"整改记录 {rectification_id} 不存在", field="rectification_id")
    return rectification, rating


def _commit(session: Session, *, what: str) -> None:
    """Commit; a concurrent change of the same rectification or appeal (version mismatch) becomes a conflict."""
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(f"该{what}已被他人处理，请刷新后重试") from exc


def _lock(session: Session) -> bool:
    """Row locks where the database has them (PostgreSQL); SQLite serialises writers anyway."""
    return session.get_bind().dialect.name == "postgresql"


def _callback_read(callback: Callback) -> CallbackRead:
    level = Level(callback.satisfaction)
    return CallbackRead(
        id=callback.id,
        round=callback.round,
        method=callback.method,
        method_label=CallbackMethod(callback.method).label,
        satisfaction=callback.satisfaction,
        satisfaction_label=level.label,
        note=callback.note,
        recorded_by=callback.recorded_by,
        recorded_at=as_utc(callback.recorded_at),
    )


def _rectification_read(
    rectification: Rectification,
    rating: Rating,
    *,
    names: dict[str, str],
    callbacks: Sequence[Callback] = (),
    appeal: Appeal | None = None,
    now: dt.datetime | None = None,
) -> RectificationRead:
    status = RectificationStatus(rectification.status)
    due = as_utc(rectification.due_at) if rectification.due_at else None
    kind = ResponseKind(rectification.response_kind) if rectification.response_kind else None
    resolution = Resolution(rectification.resolution) if rectification.resolution else None
    return RectificationRead(
        id=rectification.id,
        rating_id=rating.id,
        subject_ref=rating.subject_ref,
        service_name=rating.service_name,
        department_code=rectification.department_code,
        department_name=names.get(rectification.department_code),
        unit_code=rectification.unit_code,
        level=rating.level,
        level_label=Level(rating.level).label,
        comment=rating.comment,
        status=status.value,
        status_label=status.label,
        opened_at=as_utc(rectification.opened_at),
        due_at=due,
        overdue=status is RectificationStatus.OPEN and due is not None and due < (now or utcnow()),
        response=rectification.response,
        response_kind=kind.value if kind else None,
        response_kind_label=kind.label if kind else None,
        responded_by=rectification.responded_by,
        rectified_at=as_utc(rectification.rectified_at) if rectification.rectified_at else None,
        on_time=rectification.on_time,
        rounds=rectification.rounds,
        closed_at=as_utc(rectification.closed_at) if rectification.closed_at else None,
        resolution=resolution.value if resolution else None,
        resolution_label=resolution.label if resolution else None,
        appeal_status=appeal.status if appeal else None,
        appeal_id=appeal.id if appeal else None,
        callbacks=[_callback_read(callback) for callback in callbacks],
    )


def _rating_read(
    rating: Rating, *, names: dict[str, str], rectification: RectificationRead | None = None
) -> RatingRead:
    channel = RatingChannel(rating.channel)
    return RatingRead(
        id=rating.id,
        subject_ref=rating.subject_ref,
        service_name=rating.service_name,
        department_code=rating.department_code,
        department_name=names.get(rating.department_code),
        unit_code=rating.unit_code,
        channel=channel.value,
        channel_label=channel.label,
        level=rating.level,
        level_label=Level(rating.level).label,
        indicators={key: int(value) for key, value in (rating.indicators or {}).items()},
        indicator_labels=INDICATORS[channel],
        comment=rating.comment,
        rater_id=rating.rater_id,
        rated_at=as_utc(rating.rated_at),
        revised_at=as_utc(rating.revised_at) if rating.revised_at else None,
        revisions=rating.revisions,
        excluded=rating.excluded,
        rectification=rectification,
    )


def _rectification_bundle(
    session: Session, rectifications: Iterable[Rectification]
) -> tuple[dict[int, list[Callback]], dict[int, Appeal]]:
    """Callbacks per rectification and appeals per rating for a page of rectifications (two queries)."""
    items = list(rectifications)
    callbacks: dict[int, list[Callback]] = {item.id: [] for item in items}
    appeals: dict[int, Appeal] = {}
    if items:
        for callback in session.scalars(
            select(Callback).where(Callback.rectification_id.in_(callbacks)).order_by(Callback.id)
        ):
            callbacks[callback.rectification_id].append(callback)
        rating_ids = [item.rating_id for item in items]
        appeals = {
            appeal.rating_id: appeal
            for appeal in session.scalars(select(Appeal).where(Appeal.rating_id.in_(rating_ids)))
        }
    return callbacks, appeals


def _notify_bad_rating(
    session: Session, *, rating: Rating, rectification: Rectification, names: dict[str, str], actor: Actor
) -> None:
    notify_services.enqueue(
        session,
        template_key="bad_rating_rectification",
        channel="inapp",
        recipient=notify_services.department_inbox(rating.department_code),
        variables={
            "department_name": names.get(rating.department_code, rating.department_code),
            "unit_code": rating.unit_code,
            "service_name": rating.service_name or rating.subject_ref,
            "level_label": Level(rating.level).label,
            "comment": rating.comment,
            "due_at": _local_text(rectification.due_at),
            "rectification_url": f"/ratings/rectifications#rectification-{rectification.id}",
        },
        idempotency_key=f"rating-bad:{rating.id}:{rating.revisions}",
        subject_ref=f"rating:{rating.id}",
        created_by=actor.id,
    )


# --- rating --------------------------------------------------------------------------------------------------


def submit_rating(
    session: Session,
    *,
    actor: Actor,
    subject_ref: str,
    department_code: str,
    unit_code: str,
    channel: str,
    level: int,
    indicators: dict[str, int] | None = None,
    comment: str = "",
    service_name: str = "",
    calendar: workflow_calendar.WorkCalendar | None = None,
    now: dt.datetime | None = None,
) -> RatingRead:
    """Record the actor's rating of a service instance (一事一评).

    A second rating of the same instance by the same rater is a :class:`ConflictError`, except for one revision
    within :data:`REVISION_WINDOW` while nobody has acted on the rating (no rectification report, no appeal).
    A bad rating opens a rectification due in 15 working days and notifies the department's inbox.
    """
    subject = _check_subject(subject_ref)
    department = _check_code(department_code, "department_code", "部门代码")
    unit = _check_code(unit_code, "unit_code", "服务单位代码")
    kind = parse_channel(channel)
    grade = parse_level(level)
    scores = check_indicators(kind, indicators)
    text = (comment or "").strip()
    if len(text) > 1000:  # noqa: PLR2004 - the form's limit
        raise ValidationError("评价内容不能超过1000字", field="comment")
    names = department_names(session)
    if names and department not in names:
        raise ValidationError(f"部门代码 {department} 不在部门目录中", field="department_code")
    moment = as_utc(now) if now else utcnow()
    query = select(Rating).where(Rating.subject_ref == subject, Rating.rater_id == actor.id)
    existing = session.scalars(query.with_for_update() if _lock(session) else query).first()
    if existing is not None:
        rating = _revise(session, existing=existing, moment=moment)
        was_bad = Level(rating.level).is_bad
        rating.channel, rating.level, rating.indicators, rating.comment = kind.value, int(grade), scores, text
        rating.department_code, rating.unit_code = department, unit
        rating.service_name = (service_name or rating.service_name).strip()[:128]
    else:
        was_bad = False
        rating = Rating(
            subject_ref=subject,
            service_name=(service_name or "").strip()[:128],
            department_code=department,
            unit_code=unit,
            channel=kind.value,
            level=int(grade),
            indicators=scores,
            comment=text,
            rater_id=actor.id,
            rated_at=moment,
            revisions=0,
            excluded=False,
        )
        session.add(rating)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent first rating by the same rater won
        session.rollback()
        raise ConflictError("您已评价过该事项", field="subject_ref") from exc
    rectification = _sync_rectification(
        session, rating=rating, was_bad=was_bad, moment=moment, calendar=calendar, names=names, actor=actor
    )
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError("您已评价过该事项", field="subject_ref") from exc
    log.info(
        "rating_submitted", rating_id=rating.id, level=rating.level, department=department, revised=existing is not None
    )
    read = _rectification_read(rectification, rating, names=names, now=moment) if rectification is not None else None
    return _rating_read(rating, names=names, rectification=read)


def _revise(session: Session, *, existing: Rating, moment: dt.datetime) -> Rating:
    """Allow one revision inside the window while nobody has acted on the rating; otherwise a conflict."""
    if existing.revisions >= MAX_REVISIONS or moment - as_utc(existing.rated_at) > REVISION_WINDOW:
        raise ConflictError("您已评价过该事项（评价后 24 小时内可修改一次）", field="subject_ref")
    rectification = session.scalar(select(Rectification).where(Rectification.rating_id == existing.id))
    appealed = session.scalar(select(Appeal.id).where(Appeal.rating_id == existing.id)) is not None
    if existing.excluded or appealed or (rectification is not None and rectification.responded_by is not None):
        raise ConflictError("该评价已在整改或申诉中，不能再修改", field="subject_ref")
    existing.revisions += 1
    existing.revised_at = moment
    return existing


def _sync_rectification(
    session: Session,
    *,
    rating: Rating,
    was_bad: bool,
    moment: dt.datetime,
    calendar: workflow_calendar.WorkCalendar | None,
    names: dict[str, str],
    actor: Actor,
) -> Rectification | None:
    """Open (or reopen) the rectification of a bad rating; close an untouched one when the rating became good."""
    rectification = session.scalar(select(Rectification).where(Rectification.rating_id == rating.id))
    is_bad = Level(rating.level).is_bad
    if is_bad and (rectification is None or rectification.status == RectificationStatus.CLOSED.value):
        if rectification is None:
            rectification = Rectification(rating_id=rating.id, rounds=1)
            session.add(rectification)
        rectification.department_code, rectification.unit_code = rating.department_code, rating.unit_code
        rectification.status = RectificationStatus.OPEN.value
        rectification.opened_at = moment
        rectification.due_at = _due_or_none(moment, calendar)
        rectification.closed_at = rectification.resolution = None
        rectification.response, rectification.response_kind = "", None
        rectification.rectified_at = rectification.on_time = None
        session.flush()
        _notify_bad_rating(session, rating=rating, rectification=rectification, names=names, actor=actor)
    elif is_bad and rectification is not None:
        rectification.department_code, rectification.unit_code = rating.department_code, rating.unit_code
    elif was_bad and rectification is not None and rectification.status == RectificationStatus.OPEN.value:
        rectification.status = RectificationStatus.CLOSED.value
        rectification.closed_at = moment
        rectification.resolution = Resolution.RATING_REVISED.value
    return rectification


def get_rating(session: Session, *, actor: Actor, rating_id: int) -> RatingRead:
    """One rating with its rectification (if any), as far as the actor may see it."""
    rating = _visible_rating(session, actor, rating_id)
    names = department_names(session)
    rectification = session.scalar(select(Rectification).where(Rectification.rating_id == rating.id))
    read = None
    if rectification is not None:
        callbacks, appeals = _rectification_bundle(session, [rectification])
        read = _rectification_read(
            rectification, rating, names=names, callbacks=callbacks[rectification.id], appeal=appeals.get(rating.id)
        )
    return _rating_read(rating, names=names, rectification=read)


def list_ratings(
    session: Session,
    *,
    actor: Actor,
    subject_ref: str | None = None,
    department_code: str | None = None,
    unit_code: str | None = None,
    level: int | None = None,
    bad_only: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> RatingPage:
    """Ratings the actor may see, newest first."""
    page, page_size = _page(page, page_size)
    query = select(Rating)
    scope = _scope(actor)
    if scope is not None:
        query = query.where(scope)
    if subject_ref:
        query = query.where(Rating.subject_ref == subject_ref.strip())
    if department_code:
        query = query.where(Rating.department_code == department_code.strip())
    if unit_code:
        query = query.where(Rating.unit_code == unit_code.strip())
    if level is not None:
        query = query.where(Rating.level == int(parse_level(level)))
    if bad_only:
        query = query.where(Rating.level <= int(Level.DISSATISFIED))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Rating.rated_at.desc(), Rating.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    names = department_names(session)
    return RatingPage(
        items=[_rating_read(row, names=names) for row in rows], total=total, page=page, pages=_pages(total, page_size)
    )


def invite_rating(
    session: Session,
    *,
    subject_ref: str,
    service_name: str,
    case_no: str,
    department_code: str,
    unit_code: str,
    recipient_account_id: str,
    channel: str = "inapp",
    recipient: str | None = None,
) -> int:
    """Queue a 评价邀请 with a link to the rating form, in the caller's transaction (no commit); return its id.

    Meant for the moment a case is completed (办结): call it in the transaction that completes the case.
    ``recipient`` is the phone or e-mail for those channels; in-app invitations go to ``recipient_account_id``.
    """
    subject = _check_subject(subject_ref)
    query = urlencode({"subject": subject, "department": department_code, "unit": unit_code, "service": service_name})
    return notify_services.enqueue(
        session,
        template_key="rating_invitation",
        channel=channel,
        recipient=recipient or recipient_account_id,
        recipient_account_id=recipient_account_id,
        variables={"service_name": service_name, "case_no": case_no, "rating_url": f"/ratings/new?{query}"},
        idempotency_key=f"rating-invitation:{subject}:{recipient_account_id}:{channel}",
        subject_ref=subject,
    )


# --- rectification -------------------------------------------------------------------------------------------


def respond_rectification(
    session: Session,
    *,
    actor: Actor,
    rectification_id: int,
    response: str,
    kind: str = ResponseKind.IMMEDIATE.value,
    now: dt.datetime | None = None,
) -> RectificationRead:
    """The rated unit reports how it rectified (or explained) a bad rating; the rater is invited to the callback."""
    rectification, rating = _visible_rectification(session, actor, rectification_id)
    if not access.can_respond(actor, department_code=rectification.department_code):
        raise PermissionDeniedError("只有被评价部门可以反馈整改情况")
    if rectification.status != RectificationStatus.OPEN.value:
        status = RectificationStatus(rectification.status).label
        raise ConflictError(f"该整改当前为“{status}”，不能再次反馈", field="rectification_id")
    text = (response or "").strip()
    if not text:
        raise ValidationError("请填写整改情况", field="response")
    if len(text) > 2000:  # noqa: PLR2004
        raise ValidationError("整改情况不能超过2000字", field="response")
    try:
        response_kind = ResponseKind(kind)
    except ValueError:
        raise ValidationError(
            "整改方式应为 immediate（立行立改）、scheduled（限期整改）或 explained（解释说明）", field="kind"
        ) from None
    moment = as_utc(now) if now else utcnow()
    rectification.response, rectification.response_kind = text, response_kind.value
    rectification.responded_by = actor.id
    rectification.rectified_at = moment
    rectification.on_time = None if rectification.due_at is None else moment <= as_utc(rectification.due_at)
    rectification.status = RectificationStatus.RECTIFIED.value
    notify_services.enqueue(
        session,
        template_key="callback_reminder",
        channel="inapp",
        recipient=rating.rater_id,
        variables={
            "service_name": rating.service_name or rating.subject_ref,
            "response": text,
            "callback_url": f"/ratings/rectifications#rectification-{rectification.id}",
        },
        idempotency_key=f"rectification-callback:{rectification.id}:{rectification.rounds}",
        subject_ref=f"rating:{rating.id}",
        created_by=actor.id,
    )
    _commit(session, what="整改")
    log.info("rectification_reported", rectification_id=rectification.id, on_time=rectification.on_time, actor=actor.id)
    return _read_one(session, rectification, rating, now=moment)


def record_callback(
    session: Session,
    *,
    actor: Actor,
    rectification_id: int,
    satisfaction: int,
    method: str = CallbackMethod.PHONE.value,
    note: str = "",
    now: dt.datetime | None = None,
) -> RectificationRead:
    """Record the rater's satisfaction with a reported rectification (回访).

    基本满意 or better closes the rectification; less reopens it for another round (the deadline stays).
    """
    rectification, rating = _visible_rectification(session, actor, rectification_id)
    if not access.can_record_callback(actor, rater_id=rating.rater_id):
        raise PermissionDeniedError("只有平台回访人员或评价人本人可以登记回访")
    if rectification.status != RectificationStatus.RECTIFIED.value:
        reason = "尚未反馈整改情况" if rectification.status == RectificationStatus.OPEN.value else "该整改已办结"
        raise ConflictError(f"{reason}，不能登记回访", field="rectification_id")
    level = parse_level(satisfaction, field="satisfaction")
    try:
        how = CallbackMethod(method)
    except ValueError:
        raise ValidationError("回访方式应为 phone、sms、online 或 visit", field="method") from None
    if actor.id == rating.rater_id and not access.is_platform(actor):
        how = CallbackMethod.ONLINE  # the rater answering for themself is an online callback by definition
    text = (note or "").strip()
    if len(text) > 1000:  # noqa: PLR2004
        raise ValidationError("回访记录不能超过1000字", field="note")
    moment = as_utc(now) if now else utcnow()
    session.add(
        Callback(
            rectification_id=rectification.id,
            round=rectification.rounds,
            method=how.value,
            satisfaction=int(level),
            note=text,
            recorded_by=actor.id,
            recorded_at=moment,
        )
    )
    if level >= SATISFIED_AT_CALLBACK:
        rectification.status = RectificationStatus.CLOSED.value
        rectification.closed_at = moment
        rectification.resolution = Resolution.CALLBACK_SATISFIED.value
    else:
        # Not rectified in the rater's eyes: another round, counted as not rectified until reported again.
        rectification.status = RectificationStatus.OPEN.value
        rectification.rounds += 1
        rectification.rectified_at = rectification.on_time = None
    _commit(session, what="整改")
    log.info("rectification_callback", rectification_id=rectification.id, satisfaction=int(level), actor=actor.id)
    return _read_one(session, rectification, rating, now=moment)


def _read_one(
    session: Session, rectification: Rectification, rating: Rating, *, now: dt.datetime | None = None
) -> RectificationRead:
    callbacks, appeals = _rectification_bundle(session, [rectification])
    return _rectification_read(
        rectification,
        rating,
        names=department_names(session),
        callbacks=callbacks[rectification.id],
        appeal=appeals.get(rating.id),
        now=now,
    )


def list_rectifications(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    department_code: str | None = None,
    overdue_only: bool = False,
    page: int = 1,
    page_size: int = 50,
    now: dt.datetime | None = None,
) -> RectificationPage:
    """Rectifications the actor may see (open ones first, by deadline), with counts per status."""
    page, page_size = _page(page, page_size)
    moment = as_utc(now) if now else utcnow()
    base = select(Rectification, Rating).join(Rating, Rating.id == Rectification.rating_id)
    scope = _scope(actor)
    if scope is not None:
        base = base.where(scope)
    if department_code:
        base = base.where(Rectification.department_code == department_code.strip())
    counts_query = select(Rectification.status, func.count()).join(Rating, Rating.id == Rectification.rating_id)
    overdue_condition = (Rectification.status == RectificationStatus.OPEN.value) & (Rectification.due_at < moment)
    overdue_query = select(func.count()).select_from(Rectification).join(Rating, Rating.id == Rectification.rating_id)
    if scope is not None:
        counts_query, overdue_query = counts_query.where(scope), overdue_query.where(scope)
    if department_code:
        counts_query = counts_query.where(Rectification.department_code == department_code.strip())
        overdue_query = overdue_query.where(Rectification.department_code == department_code.strip())
    counts = {status: int(count) for status, count in session.execute(counts_query.group_by(Rectification.status))}
    overdue = session.scalar(overdue_query.where(overdue_condition)) or 0
    query = base
    if status:
        try:
            query = query.where(Rectification.status == RectificationStatus(status).value)
        except ValueError:
            raise ValidationError("整改状态应为 open、rectified 或 closed", field="status") from None
    if overdue_only:
        query = query.where(overdue_condition)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Rectification.id).subquery())) or 0
    open_first = (Rectification.status != RectificationStatus.OPEN.value).asc()
    rows = session.execute(
        query.order_by(open_first, Rectification.due_at.asc(), Rectification.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    callbacks, appeals = _rectification_bundle(session, [row[0] for row in rows])
    names = department_names(session)
    return RectificationPage(
        items=[
            _rectification_read(
                rectification,
                rating,
                names=names,
                callbacks=callbacks[rectification.id],
                appeal=appeals.get(rating.id),
                now=moment,
            )
            for rectification, rating in rows
        ],
        total=total,
        page=page,
        pages=_pages(total, page_size),
        status_counts={item.value: int(counts.get(item.value, 0)) for item in RectificationStatus},
        overdue=overdue,
    )


def flag_overdue_rectifications(
    session: Session, *, now: dt.datetime | None = None, calendar: workflow_calendar.WorkCalendar | None = None
) -> int:
    """Job: fill in deadlines the calendar now covers, and send 超期督办 once per overdue open rectification.

    Idempotent: each rectification is notified once (``overdue_notified_at`` plus the outbox idempotency key).
    Returns how many notices were queued.
    """
    moment = as_utc(now) if now else utcnow()
    for rectification in session.scalars(
        select(Rectification).where(
            Rectification.due_at.is_(None), Rectification.status != RectificationStatus.CLOSED.value
        )
    ):
        rectification.due_at = _due_or_none(as_utc(rectification.opened_at), calendar)
    session.flush()
    names = department_names(session)
    overdue = session.execute(
        select(Rectification, Rating)
        .join(Rating, Rating.id == Rectification.rating_id)
        .where(
            Rectification.status == RectificationStatus.OPEN.value,
            Rectification.due_at < moment,
            Rectification.overdue_notified_at.is_(None),
        )
        .order_by(Rectification.id)
    ).all()
    for rectification, rating in overdue:
        notify_services.enqueue(
            session,
            template_key="overdue_supervision",
            channel="inapp",
            recipient=notify_services.department_inbox(rectification.department_code),
            variables={
                "unit_name": f"{names.get(rectification.department_code, rectification.department_code)}"
                f"（{rectification.unit_code}）",
                "item": f"差评整改：{rating.service_name or rating.subject_ref}",
                "case_no": f"整改-{rectification.id}",
                "due_at": _local_text(rectification.due_at),
            },
            idempotency_key=f"rectification-overdue:{rectification.id}",
            subject_ref=f"rating:{rating.id}",
            created_by="system",
        )
        rectification.overdue_notified_at = moment
    session.commit()
    if overdue:
        log.info("rectifications_overdue", count=len(overdue))
    return len(overdue)


# --- appeals -------------------------------------------------------------------------------------------------


def _appeal_read(appeal: Appeal, rating: Rating, names: dict[str, str]) -> AppealRead:
    status = AppealStatus(appeal.status)
    return AppealRead(
        id=appeal.id,
        rating_id=rating.id,
        subject_ref=rating.subject_ref,
        service_name=rating.service_name,
        department_code=appeal.department_code,
        department_name=names.get(appeal.department_code),
        unit_code=rating.unit_code,
        level=rating.level,
        level_label=Level(rating.level).label,
        comment=rating.comment,
        reason=appeal.reason,
        evidence=list(appeal.evidence or []),
        status=status.value,
        status_label=status.label,
        filed_by=appeal.filed_by,
        filed_at=as_utc(appeal.filed_at),
        reviewed_by=appeal.reviewed_by,
        reviewed_at=as_utc(appeal.reviewed_at) if appeal.reviewed_at else None,
        review_note=appeal.review_note,
    )


def file_appeal(
    session: Session,
    *,
    actor: Actor,
    rating_id: int,
    reason: str,
    evidence: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> AppealRead:
    """The rated department appeals against a bad rating it considers false (误评、不实差评); once per rating."""
    rating = _visible_rating(session, actor, rating_id)
    if not access.can_file_appeal(actor, department_code=rating.department_code):
        raise PermissionDeniedError("只有被评价部门可以对该评价提出申诉")
    if not Level(rating.level).is_bad:
        raise ValidationError("只能对差评（不满意、非常不满意）提出申诉", field="rating_id")
    rectification = session.scalar(select(Rectification).where(Rectification.rating_id == rating.id))
    if rectification is not None and rectification.status == RectificationStatus.CLOSED.value:
        raise ConflictError("该差评的整改已办结，不能再申诉", field="rating_id")
    if session.scalar(select(Appeal.id).where(Appeal.rating_id == rating.id)) is not None:
        raise ConflictError("该评价已提出过申诉，每条评价只能申诉一次", field="rating_id")
    text = (reason or "").strip()
    if not text:
        raise ValidationError("请填写申诉理由", field="reason")
    if len(text) > 2000:  # noqa: PLR2004
        raise ValidationError("申诉理由不能超过2000字", field="reason")
    items = [item.strip() for item in evidence if item and item.strip()]
    if len(items) > 20 or any(len(item) > 500 for item in items):  # noqa: PLR2004
        raise ValidationError("证明材料最多20项，每项不超过500字符", field="evidence")
    appeal = Appeal(
        rating_id=rating.id,
        department_code=rating.department_code,
        reason=text,
        evidence=items,
        status=AppealStatus.PENDING.value,
        filed_by=actor.id,
        filed_at=as_utc(now) if now else utcnow(),
        review_note="",
    )
    session.add(appeal)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError("该评价已提出过申诉，每条评价只能申诉一次", field="rating_id") from exc
    log.info("rating_appeal_filed", appeal_id=appeal.id, rating_id=rating.id, actor=actor.id)
    return _appeal_read(appeal, rating, department_names(session))


def decide_appeal(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    accept: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> AppealRead:
    """A platform reviewer accepts (rating excluded from statistics, kept for audit) or rejects an appeal."""
    lock = _lock(session)
    appeal = session.get(Appeal, appeal_id, with_for_update=lock, populate_existing=lock)
    rating = session.get(Rating, appeal.rating_id) if appeal is not None else None
    if (
        appeal is None
        or rating is None
        or not access.can_read(actor, department_code=rating.department_code, rater_id=rating.rater_id)
    ):
        raise NotFoundError(f"申诉 {appeal_id} 不存在", field="appeal_id")
    if not access.can_decide_appeal(actor, department_code=appeal.department_code, filed_by=appeal.filed_by):
        raise PermissionDeniedError("申诉须由平台复核人员处理，提出申诉的部门和本人不能复核")
    if appeal.status != AppealStatus.PENDING.value:
        raise ConflictError(f"该申诉已复核（{AppealStatus(appeal.status).label}）", field="appeal_id")
    text = (note or "").strip()
    if not accept and not text:
        raise ValidationError("驳回申诉须说明理由", field="note")
    if len(text) > 1000:  # noqa: PLR2004
        raise ValidationError("复核意见不能超过1000字", field="note")
    moment = as_utc(now) if now else utcnow()
    appeal.status = (AppealStatus.ACCEPTED if accept else AppealStatus.REJECTED).value
    appeal.reviewed_by, appeal.reviewed_at, appeal.review_note = actor.id, moment, text
    if accept:
        rating.excluded = True
        rectification = session.scalar(select(Rectification).where(Rectification.rating_id == rating.id))
        if rectification is not None and rectification.status != RectificationStatus.CLOSED.value:
            rectification.status = RectificationStatus.CLOSED.value
            rectification.closed_at = moment
            rectification.resolution = Resolution.APPEAL_ACCEPTED.value
    notify_services.enqueue(
        session,
        template_key="rating_appeal_decided",
        channel="inapp",
        recipient=notify_services.department_inbox(appeal.department_code),
        variables={
            "service_name": rating.service_name or rating.subject_ref,
            "decision": AppealStatus(appeal.status).label,
            "note": text,
        },
        idempotency_key=f"rating-appeal:{appeal.id}",
        subject_ref=f"rating:{rating.id}",
        created_by=actor.id,
    )
    _commit(session, what="申诉")
    log.info("rating_appeal_decided", appeal_id=appeal.id, accepted=accept, actor=actor.id)
    return _appeal_read(appeal, rating, department_names(session))


def list_appeals(
    session: Session, *, actor: Actor, status: str | None = None, page: int = 1, page_size: int = 50
) -> AppealPage:
    """Appeals the actor may see (pending first), with counts per status."""
    page, page_size = _page(page, page_size)
    query = select(Appeal, Rating).join(Rating, Rating.id == Appeal.rating_id)
    counts_query = select(Appeal.status, func.count()).join(Rating, Rating.id == Appeal.rating_id)
    scope = _scope(actor)
    if scope is not None:
        query, counts_query = query.where(scope), counts_query.where(scope)
    counts = {status: int(count) for status, count in session.execute(counts_query.group_by(Appeal.status))}
    if status:
        try:
            query = query.where(Appeal.status == AppealStatus(status).value)
        except ValueError:
            raise ValidationError("申诉状态应为 pending、accepted 或 rejected", field="status") from None
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Appeal.id).subquery())) or 0
    pending_first = (Appeal.status != AppealStatus.PENDING.value).asc()
    rows = session.execute(
        query.order_by(pending_first, Appeal.filed_at.desc(), Appeal.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    names = department_names(session)
    return AppealPage(
        items=[_appeal_read(appeal, rating, names) for appeal, rating in rows],
        total=total,
        page=page,
        pages=_pages(total, page_size),
        status_counts={item.value: int(counts.get(item.value, 0)) for item in AppealStatus},
    )
