"""好差评 statistics per department or unit and period, in one grouped query (accepted appeals excluded).

Definitions (GB/T 39734 附录B style 公开评价指标值):

* 好评率 = (满意 + 非常满意) / 评价数; 差评率 = (不满意 + 非常不满意) / 评价数;
* 差评整改率 = 已整改的差评 / 差评数; 按期整改率 = 15 个工作日内整改的差评 / 差评数;
* 平均分 = mean of the 1–5 levels.

Ratings whose appeal was accepted are counted only in ``excluded``; the period is by rating date in 北京时间.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.orm import Session

from yiwang.kernel.errors import ValidationError
from yiwang.ratings.models import Rating, Rectification
from yiwang.ratings.scale import Level, parse_channel, ratio
from yiwang.ratings.schemas import RatingStatistics, StatisticsRow

CITY_TZ = ZoneInfo("Asia/Shanghai")
"""Rating periods and deadlines are read in China Standard Time."""

GROUPINGS = ("department", "unit")


def department_names(session: Session) -> dict[str, str]:
    """Department code → short name from the registry's directory (empty until departments are loaded)."""
    # Imported here: the registry is a sibling context reached only through its public services.
    from yiwang.registry import services as registry_services  # noqa: PLC0415

    return registry_services.department_names(session)


def _bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    if date_from and date_to and date_from > date_to:
        raise ValidationError("开始日期不能晚于结束日期", field="date_from")
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=CITY_TZ) if date_from else None
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=CITY_TZ) if date_to else None
    # Compared in UTC, as stored: SQLite compares the wall-time text and would ignore the offset.
    return (start.astimezone(dt.UTC) if start else None), (end.astimezone(dt.UTC) if end else None)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def statistics(
    session: Session,
    *,
    by: str = "department",
    department_code: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: str | None = None,
) -> RatingStatistics:
    """Rating figures per department (or per unit, optionally within one department) for a period, plus totals."""
    if by not in GROUPINGS:
        raise ValidationError("统计维度应为 department（部门）或 unit（服务单位）", field="by")
    kind = parse_channel(channel) if channel else None
    start, end = _bounds(date_from, date_to)
    included = Rating.excluded.is_(False)
    bad = and_(included, Rating.level <= int(Level.DISSATISFIED))
    measures = (
        _count(included).label("count"),
        _count(and_(included, Rating.level >= int(Level.SATISFIED))).label("good"),
        _count(and_(included, Rating.level == int(Level.BASIC))).label("basic"),
        _count(bad).label("bad"),
        _count(and_(bad, Rectification.rectified_at.is_not(None))).label("rectified"),
        _count(and_(bad, Rectification.on_time.is_(True))).label("on_time"),
        func.avg(case((included, Rating.level.cast(Integer)), else_=None)).label("average"),
        _count(Rating.excluded.is_(True)).label("excluded"),
    )
    key = Rating.department_code if by == "department" else Rating.unit_code
    filters = []
    if department_code:
        filters.append(Rating.department_code == department_code.strip())
    if kind is not None:
        filters.append(Rating.channel == kind.value)
    if start is not None:
        filters.append(Rating.rated_at >= start)
    if end is not None:
        filters.append(Rating.rated_at < end)
    base = select(*measures).select_from(Rating).outerjoin(Rectification, Rectification.rating_id == Rating.id)
    grouped = session.execute(base.add_columns(key.label("code")).where(*filters).group_by(key).order_by(key)).all()
    total = session.execute(base.where(*filters)).one()
    names = department_names(session) if by == "department" else {}
    rows = [_row(str(row.code), names.get(str(row.code)), row) for row in grouped]
    rows.sort(key=lambda row: (-row.count, row.code))
    return RatingStatistics(
        by=by,
        department_code=department_code or None,
        date_from=date_from,
        date_to=date_to,
        channel=kind.value if kind else None,
        rows=rows,
        total=_row("total", "合计", total),
    )


def _row(code: str, name: str | None, values: Any) -> StatisticsRow:
    count, bad = int(values.count), int(values.bad)
    return StatisticsRow(
        code=code,
        name=name,
        count=count,
        good=int(values.good),
        basic=int(values.basic),
        bad=bad,
        good_rate=ratio(int(values.good), count),
        bad_rate=ratio(bad, count),
        rectified=int(values.rectified),
        rectified_on_time=int(values.on_time),
        rectification_rate=ratio(int(values.rectified), bad),
        on_time_rate=ratio(int(values.on_time), bad),
        average_score=round(float(values.average), 2) if values.average is not None else None,
        excluded=int(values.excluded),
    )
