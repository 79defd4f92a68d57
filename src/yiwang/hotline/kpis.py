"""Read side of the 12345 dashboard: volumes, the five rates, hot spots and trends over the appeals one may see.

The five rates are 响应率, 按时办结率, 解决率, 满意率 and 直接答复率, by department and by district.

The rates follow the common definitions of ``接诉即办`` assessment (exact Beijing weights are not published; see
``docs/contexts/hotline.md`` "KPIs and pages"). Every figure is computed in SQL from the hotline's own tables
(``hotline_appeal`` and the latest ``hotline_callback`` of each appeal), so SQLite and PostgreSQL give the same
numbers; the appeal rows carry copies of their workflow state for exactly this purpose. Two things are done in
Python: trends bucket the creation times by the city's calendar day, because the two databases disagree on
time-zone date functions; and 响应率 compares each 签收 with the sign-for limit (``sign_within`` of the time-limit
file) counted from the latest 派单 on the working-day calendar, which SQL cannot count.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from yiwang.db import as_utc, utcnow
from yiwang.hotline import routing
from yiwang.hotline.models import Appeal, AppealCallback
from yiwang.hotline.schemas import CHANNELS
from yiwang.hotline.services import CITY_TZ, _scope_condition  # the appeal list's own scope rule
from yiwang.identity import scopes
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ValidationError
from yiwang.workflow import services as wf
from yiwang.workflow.calendar import TimeLimit, WorkCalendar, add_time_limit

BASIC_SATISFIED_WEIGHT = 0.8
"""How much one 基本满意 counts in 满意率 (满意 counts 1, 不满意 0): the usual 折算 of 接诉即办 assessments."""

DASHBOARD_ROLES = ("platform_admin", "leader", "department_staff", "hotline_operator", "dispatcher")
"""Account roles that may open the dashboard; each sees the appeals of its own scope only."""

MAX_RANGE_DAYS = 366
HOT_SPOT_LIMIT = 15

_WORKING_STATES = ("签收", "办理", "答复", "回访")

KPI_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("受理量", "统计期内登记的全部诉求（含转接应急、并单、直接答复）。"),
    (
        "派单量",
        "已派至承办单位的诉求：处于待签收、办理中、待审核答复、待回访，或经承办单位办结的（不含直接答复、并单、转接）。",
    ),
    (
        "响应率",
        (
            "在签收时限内签收的派单 ÷ 应响应量。应响应量 = 已签收的派单 + 超过签收时限仍未签收的派单；"
            "尚在签收时限内、还未签收的不计入。签收时限从派单起算（改派或退单后重新派单的，从最近一次派单起算），"
            "按工作日历计算。开始记录派单时间之前的派单，仍按是否已签收计。"
        ),
    ),
    ("按时办结率", "在时限内办结的 ÷ 应办结量；应办结量 = 已办结的派单 + 已超过办理时限仍未办结的派单。"),
    ("解决率", "最近一次回访中诉求人认为已解决的 ÷ 回访量（每件诉求按最近一次回访计）。"),
    ("满意率", f"（满意 + 基本满意 × {BASIC_SATISFIED_WEIGHT}）÷ 回访量（不满意计 0）。"),
    ("直接答复率", "受理时直接答复办结的 ÷ 受理量（不含转接应急和并单）。"),
)
"""The definitions shown on the dashboard and written in the guide."""


def _rate(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


class SignOutcome(StrEnum):
    """Where one dispatch stands against the sign-for limit (签收时限)."""

    ON_TIME = "on_time"  # signed within the limit: responded
    LATE = "late"  # signed after the limit
    OVERDUE = "overdue"  # not signed, and the limit has passed
    PENDING = "pending"  # not signed, still within the limit: not counted yet


def sign_outcome(
    dispatched_at: dt.datetime,
    signed_at: dt.datetime | None,
    *,
    limit: TimeLimit,
    now: dt.datetime,
    calendar: WorkCalendar,
) -> SignOutcome:
    """Whether a dispatch was signed for within ``limit``, counted like every time limit on the working calendar.

    Signing at the very deadline is on time; an unsigned dispatch is overdue only once the deadline has passed.
    """
    deadline = add_time_limit(as_utc(dispatched_at), limit, calendar=calendar)
    if signed_at is not None:
        return SignOutcome.ON_TIME if as_utc(signed_at) <= deadline else SignOutcome.LATE
    return SignOutcome.OVERDUE if as_utc(now) > deadline else SignOutcome.PENDING


@dataclass(frozen=True, slots=True)
class RateRow:
    """The counts and the five rates of one department or district (or of everything, for the totals).

    ``responded`` counts dispatches signed for within the limit, ``response_due`` those that were due to be signed
    by now (signed, or unsigned past the limit), ``unsigned_overdue`` the unsigned ones past the limit.
    """

    code: str
    name: str
    received: int = 0
    redirected: int = 0
    merged: int = 0
    dispatched: int = 0
    responded: int = 0
    due: int = 0
    on_time: int = 0
    overdue_open: int = 0
    callbacks: int = 0
    resolved: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    direct: int = 0
    response_due: int = 0
    unsigned_overdue: int = 0

    @property
    def response_rate(self) -> float | None:
        """响应率."""
        return _rate(self.responded, self.response_due)

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率."""
        return _rate(self.on_time, self.due)

    @property
    def resolution_rate(self) -> float | None:
        """解决率."""
        return _rate(self.resolved, self.callbacks)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 (基本满意 weighted)."""
        return _rate(self.satisfied + BASIC_SATISFIED_WEIGHT * self.basic, self.callbacks)

    @property
    def direct_rate(self) -> float | None:
        """直接答复率."""
        return _rate(self.direct, self.received - self.redirected - self.merged)

    def rates(self) -> dict[str, float | None]:
        """The five rates by their CSV keys."""
        return {
            "response_rate": self.response_rate,
            "on_time_rate": self.on_time_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "direct_rate": self.direct_rate,
        }


@dataclass(frozen=True, slots=True)
class HotSpot:
    """A street with many appeals in the period, at the mean position of its pinned appeals."""

    code: str
    name: str
    count: int
    lon: float
    lat: float
    top_category: str


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the 12345 dashboard shows for one period and one viewer."""

    date_from: dt.date
    date_to: dt.date
    scope_label: str
    totals: RateRow
    by_department: list[RateRow]
    by_district: list[RateRow]
    by_channel: list[dict[str, Any]]
    by_type: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    hot_spots: list[HotSpot] = field(default_factory=list)
    sign_limit: TimeLimit = routing.DEFAULT_SIGN_WITHIN


def check_dashboard_access(actor: Actor) -> None:
    """Citizens, enterprises and grid workers have no dashboard (403); everyone else sees their own scope."""
    if actor.role in scopes.INTERNAL_ROLES or actor.has_role(*DASHBOARD_ROLES):
        return
    raise PermissionDeniedError("12345 数据看板仅向领导、城运中心和承办单位工作人员开放", field="role")


def scope_label(actor: Actor) -> str:
    """Which appeals the viewer's figures cover, in Chinese."""
    if actor.has_role("platform_admin", "hotline_operator", "dispatcher") or actor.role in scopes.INTERNAL_ROLES:
        return "全市"
    if actor.has_role("leader"):
        return f"辖区 {actor.district_code}" if actor.district_code else "全市"
    if actor.department == scopes.CITY_INTAKE_DEPARTMENT:
        return "全市"
    return f"本单位（{actor.department or '—'}）承办的诉求"


def period(
    date_from: dt.date | None, date_to: dt.date | None, *, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The reporting period: defaults to the last 30 days; refuses reversed or over-long ranges (Chinese 422)."""
    end = date_to or today or utcnow().astimezone(CITY_TZ).date()
    start = date_from or end - dt.timedelta(days=29)
    if start > end:
        raise ValidationError("开始日期不能晚于结束日期", field="date_from")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError(f"统计区间不能超过 {MAX_RANGE_DAYS} 天", field="date_to")
    return start, end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=CITY_TZ).astimezone(dt.UTC),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=CITY_TZ).astimezone(dt.UTC),
    )


def _conditions(actor: Actor, start: dt.date, end: dt.date) -> list[ColumnElement[bool]]:
    low, high = _bounds(start, end)
    conditions: list[ColumnElement[bool]] = [Appeal.created_at >= low, Appeal.created_at < high]
    scope = _scope_condition(actor)
    if scope is not None:
        conditions.append(scope)
    return conditions


def _as_int(expression: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((expression, 1), else_=0)), 0)


def _dispatched() -> ColumnElement[bool]:
    """Appeals a unit is charged with: waiting to be signed for, in hand, in review or callback, or done (办结)."""
    return and_(
        Appeal.master_id.is_(None),
        Appeal.direct_answer.is_(False),
        Appeal.department.is_not(None),
        or_(Appeal.state.in_(_WORKING_STATES), and_(Appeal.status == "closed", Appeal.outcome == "办结")),
    )


def _rate_rows(
    session: Session, conditions: Sequence[ColumnElement[bool]], group: Any, now: dt.datetime
) -> list[tuple[Any, ...]]:
    """Per group, the counts of ``RateRow`` from ``received`` to ``response_due``, in field order.

    Of 响应率 only the dispatches without a recorded dispatch time are counted here (by the earlier rule: signed or
    not); ``_sign_outcomes`` measures the others against the sign-for limit.
    """
    latest_round = (
        select(AppealCallback.appeal_id, func.max(AppealCallback.round).label("last_round"))
        .group_by(AppealCallback.appeal_id)
        .subquery()
    )
    callback = aliased(AppealCallback)
    dispatched = _dispatched()
    untimed = and_(dispatched, Appeal.dispatched_at.is_(None))
    closed = and_(Appeal.status == "closed", Appeal.outcome == "办结")
    late_open = and_(Appeal.status == "open", Appeal.due_at.is_not(None), Appeal.due_at < now)
    on_time = and_(closed, or_(Appeal.due_at.is_(None), Appeal.closed_at <= Appeal.due_at))
    has_callback = callback.id.is_not(None)
    statement = (
        select(
            group,
            func.count(Appeal.id),
            _as_int(Appeal.outcome == "转接"),
            _as_int(Appeal.master_id.is_not(None)),
            _as_int(dispatched),
            _as_int(and_(untimed, Appeal.state != "签收")),
            _as_int(and_(dispatched, or_(closed, late_open))),
            _as_int(and_(dispatched, on_time)),
            _as_int(and_(dispatched, late_open)),
            _as_int(has_callback),
            _as_int(and_(has_callback, callback.resolved.is_(True))),
            _as_int(callback.satisfaction == "满意"),
            _as_int(callback.satisfaction == "基本满意"),
            _as_int(callback.satisfaction == "不满意"),
            _as_int(and_(Appeal.direct_answer.is_(True), Appeal.outcome == "办结")),
            _as_int(untimed),
        )
        .select_from(Appeal)
        .outerjoin(latest_round, latest_round.c.appeal_id == Appeal.id)
        .outerjoin(callback, and_(callback.appeal_id == Appeal.id, callback.round == latest_round.c.last_round))
        .where(*conditions)
        .group_by(group)
    )
    return [tuple(row) for row in session.execute(statement).all()]


def _row(code: str, name: str, values: Sequence[Any], signing: Counter[SignOutcome]) -> RateRow:
    """A table row from its SQL counts and the sign-for outcomes of its timed dispatches."""
    row = RateRow(code, name, *[int(v or 0) for v in values])
    return replace(
        row,
        responded=row.responded + signing[SignOutcome.ON_TIME],
        response_due=row.response_due + signing.total() - signing[SignOutcome.PENDING],
        unsigned_overdue=row.unsigned_overdue + signing[SignOutcome.OVERDUE],
    )


def _sign_outcomes(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    *,
    limit: TimeLimit,
    now: dt.datetime,
    calendar: WorkCalendar,
) -> list[tuple[str | None, str | None, SignOutcome]]:
    """Department, district and sign-for outcome of every dispatch with a recorded dispatch time."""
    rows = session.execute(
        select(Appeal.department, Appeal.district_code, Appeal.dispatched_at, Appeal.signed_at).where(
            *conditions, _dispatched(), Appeal.dispatched_at.is_not(None)
        )
    )
    return [
        (department, district, sign_outcome(dispatched_at, signed_at, limit=limit, now=now, calendar=calendar))
        for department, district, dispatched_at, signed_at in rows
        if dispatched_at is not None  # always, by the query; says so to the type checker
    ]


def _tally(
    outcomes: Sequence[tuple[str | None, str | None, SignOutcome]], by: int
) -> dict[str | None, Counter[SignOutcome]]:
    """The outcomes counted per department (``by=0``) or per district (``by=1``)."""
    found: dict[str | None, Counter[SignOutcome]] = {}
    for item in outcomes:
        found.setdefault(item[by], Counter())[item[2]] += 1
    return found


def _department_names(session: Session) -> dict[str, str]:
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - registry imports identity

    names = {d.code: d.name for d in registry_services.list_departments(session, with_counts=False)}
    if not names:
        from yiwang.hotline.triage.taxonomy import load_taxonomy  # noqa: PLC0415 - shipped directory fallback

        names = {code: d.name for code, d in load_taxonomy().departments.items()}
    return names


def _division_names(session: Session) -> dict[str, str]:
    from yiwang.geo import services as geo_services  # noqa: PLC0415 - only the dashboard needs the names

    return geo_services.division_names(session)


def _category_names() -> dict[str, str]:
    from yiwang.hotline.triage.taxonomy import load_taxonomy  # noqa: PLC0415 - optional collaborator

    try:
        return dict(load_taxonomy().top_levels)
    except (OSError, ValueError, KeyError):
        return {}


def unit_name(code: str | None, departments: dict[str, str], divisions: dict[str, str]) -> str:
    """A handling unit's name: a department, or a district/street office (属地)."""
    if not code:
        return "未派单"
    return departments.get(code) or divisions.get(code) or code


def dashboard(
    session: Session,
    *,
    actor: Actor,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Dashboard:
    """The 12345 dashboard of the actor's scope over a period (default: the last 30 days).

    ``calendar`` is the working-day calendar the sign-for limit is counted on (default: the platform's).
    """
    check_dashboard_access(actor)
    moment = as_utc(now) if now is not None else utcnow()
    start, end = period(date_from, date_to, today=moment.astimezone(CITY_TZ).date())
    conditions = _conditions(actor, start, end)
    departments, divisions = _department_names(session), _division_names(session)
    sign_limit = routing.load_time_limits().sign_within
    outcomes = _sign_outcomes(session, conditions, limit=sign_limit, now=moment, calendar=calendar or wf.get_calendar())
    by_unit, by_area = _tally(outcomes, 0), _tally(outcomes, 1)
    by_department = [
        _row(code or "", unit_name(code, departments, divisions), values, by_unit.get(code, Counter()))
        for code, *values in _rate_rows(session, conditions, Appeal.department, moment)
    ]
    by_district = [
        _row(code or "", divisions.get(code or "", code or "未定位"), values, by_area.get(code, Counter()))
        for code, *values in _rate_rows(session, conditions, Appeal.district_code, moment)
    ]
    by_department.sort(key=lambda r: (-r.received, r.code))
    by_district.sort(key=lambda r: (-r.received, r.code))
    totals = _sum_rows(by_department)
    return Dashboard(
        date_from=start,
        date_to=end,
        scope_label=scope_label(actor),
        totals=totals,
        by_department=by_department,
        by_district=by_district,
        by_channel=_counts(session, conditions, Appeal.channel, CHANNELS),
        by_type=_counts(session, conditions, Appeal.appeal_type, {}),
        by_category=_category_counts(session, conditions),
        trend=_trend(session, conditions, start, end),
        hot_spots=_hot_spots(session, conditions, divisions),
        sign_limit=sign_limit,
    )


def _sum_rows(rows: Sequence[RateRow]) -> RateRow:
    counts = [f.name for f in fields(RateRow) if f.name not in {"code", "name"}]
    return RateRow("", "合计", *[sum(getattr(r, n) for r in rows) for n in counts])


def _counts(
    session: Session, conditions: Sequence[ColumnElement[bool]], column: Any, labels: dict[str, str]
) -> list[dict[str, Any]]:
    rows = session.execute(select(column, func.count()).where(*conditions).group_by(column)).all()
    found = [{"code": code or "", "name": labels.get(code or "", code or "未填"), "value": int(n)} for code, n in rows]
    return sorted(found, key=lambda r: (-r["value"], r["code"]))


def _category_counts(session: Session, conditions: Sequence[ColumnElement[bool]]) -> list[dict[str, Any]]:
    names = _category_names()
    counts: Counter[str] = Counter()
    for code, n in session.execute(select(Appeal.category, func.count()).where(*conditions).group_by(Appeal.category)):
        counts[(code or "")[:2]] += int(n)
    rows = [{"code": code, "name": names.get(code, code or "未分类"), "value": n} for code, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["value"], r["code"]))


def _trend(
    session: Session, conditions: Sequence[ColumnElement[bool]], start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Appeals received and closed per day (per week over ranges longer than 62 days)."""
    weekly = (end - start).days > 62  # noqa: PLR2004 - two months of daily points stay readable
    received: Counter[dt.date] = Counter()
    closed: Counter[dt.date] = Counter()

    def bucket(moment: dt.datetime) -> dt.date:
        day = as_utc(moment).astimezone(CITY_TZ).date()
        return day - dt.timedelta(days=day.weekday()) if weekly else day

    for created, closed_at in session.execute(select(Appeal.created_at, Appeal.closed_at).where(*conditions)):
        received[bucket(created)] += 1
        if closed_at is not None:
            closed[bucket(closed_at)] += 1
    points = []
    day = start - dt.timedelta(days=start.weekday()) if weekly else start
    while day <= end:
        label = f"{day.isoformat()} 周" if weekly else day.isoformat()
        points.append({"label": label, "values": {"received": received[day], "closed": closed[day]}})
        day += dt.timedelta(days=7 if weekly else 1)
    return points


def _street_points(session: Session) -> dict[str, tuple[float, float]]:
    from yiwang.geo import services as geo_services  # noqa: PLC0415 - only hot spots need street points

    return {
        s.code: (s.centroid_lon, s.centroid_lat)
        for s in geo_services.list_streets(session)
        if s.centroid_lon is not None and s.centroid_lat is not None
    }


def _hot_spots(session: Session, conditions: Sequence[ColumnElement[bool]], divisions: dict[str, str]) -> list[HotSpot]:
    """The streets with the most appeals, at the mean pin of their appeals (else the street's point)."""
    located = [*conditions, Appeal.street_code.is_not(None)]
    rows = session.execute(
        select(Appeal.street_code, func.count(), func.avg(Appeal.lon), func.avg(Appeal.lat))
        .where(*located)
        .group_by(Appeal.street_code)
        .order_by(func.count().desc(), Appeal.street_code)
        .limit(HOT_SPOT_LIMIT)
    ).all()
    if not rows:
        return []
    names = _category_names()
    points = _street_points(session) if any(lon is None or lat is None for _, _, lon, lat in rows) else {}
    spots = []
    for street, count, lon, lat in rows:
        point = (float(lon), float(lat)) if lon is not None and lat is not None else points.get(street)
        if point is None:
            continue  # neither a pin nor a known street point: listed in the district table only
        top = session.execute(
            select(Appeal.category, func.count())
            .where(*located, Appeal.street_code == street)
            .group_by(Appeal.category)
            .order_by(func.count().desc(), Appeal.category)
            .limit(1)
        ).first()
        category = names.get((top[0] or "")[:2], top[0] or "") if top else ""
        spots.append(
            HotSpot(
                code=street,
                name=divisions.get(street, street),
                count=int(count),
                lon=round(point[0], 6),
                lat=round(point[1], 6),
                top_category=category,
            )
        )
    return spots


KPI_CSV_COLUMNS = (
    ("code", "代码"),
    ("name", "名称"),
    ("received", "受理量"),
    ("dispatched", "派单量"),
    ("responded", "已响应"),
    ("response_rate", "响应率"),
    ("due", "应办结"),
    ("on_time", "按时办结"),
    ("on_time_rate", "按时办结率"),
    ("overdue_open", "超期未办结"),
    ("callbacks", "回访量"),
    ("resolved", "已解决"),
    ("resolution_rate", "解决率"),
    ("satisfied", "满意"),
    ("basic", "基本满意"),
    ("unsatisfied", "不满意"),
    ("satisfaction_rate", "满意率"),
    ("direct", "直接答复"),
    ("direct_rate", "直接答复率"),
    ("redirected", "转接应急"),
    ("merged", "并单"),
    ("response_due", "应响应"),
    ("unsigned_overdue", "超时未签收"),
)


def kpi_csv(rows: Sequence[RateRow], totals: RateRow) -> str:
    """A KPI table as CSV (UTF-8 with BOM; rates as percentages with one decimal, empty when undefined)."""
    import csv  # noqa: PLC0415 - only the export needs it
    import io  # noqa: PLC0415

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in KPI_CSV_COLUMNS])
    for row in [*rows, totals]:
        rates = row.rates()
        cells = []
        for key, _ in KPI_CSV_COLUMNS:
            if key in rates:
                value = rates[key]
                cells.append("" if value is None else f"{value * 100:.1f}%")
            else:
                text = str(getattr(row, key))
                # A cell starting with = + - @ would run as a formula in spreadsheet software (CSV injection).
                cells.append("'" + text if text[:1] in {"=", "+", "-", "@"} else text)
        writer.writerow(cells)
    return "\ufeff" + buffer.getvalue()
