"""Working-time calendar: Chinese statutory holidays with 调休, working hours and the four time-limit units.

Pure functions over a :class:`WorkCalendar`. Official holiday data comes from the ``chinese-calendar`` package
(it covers the years it was released with); a YAML override file adds newly published years (or corrects a
date) without a code change::

    working_hours: ["09:00-12:00", "13:30-17:30"]
    years:
      2027:
        holidays: [2027-01-01, …]   # weekday rest days (法定节假日及调休放假)
        workdays: [2027-02-20, …]   # weekend days worked (调休上班)

The State Council publishes each year's arrangement in November or December of the year before, so for a few
weeks every year deadlines of new cases already reach into a year nobody knows yet. Refusing those cases would
stop the 12345 line from taking appeals, so the year after the last published one is *provisional*: its rest
days are the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision) on the weekdays they fall on,
without the 调休 and 补假 the arrangement will add (``provisional_years`` in the override file, default 1, 0 turns
this off). Deadlines that reach into it are marked provisional (:meth:`WorkCalendar.is_provisional`). A date
beyond that still raises :class:`CalendarNotCoveredError` instead of guessing.
All arithmetic happens in 北京时间 (Asia/Shanghai); inputs must be timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped]
import yaml
from lunar_python import Lunar, Solar  # type: ignore[import-untyped]

from yiwang.kernel.errors import YiwangError

CITY_TZ = ZoneInfo("Asia/Shanghai")
"""Deadlines are counted in China Standard Time."""

PACKAGED_OVERRIDES = Path(__file__).resolve().parent / "data" / "holidays.yaml"
"""The override file shipped with the package (newly published years go here or in ``YIWANG_HOLIDAYS_FILE``)."""

PROVISIONAL_YEARS = 1
"""How many years after the last published arrangement are counted provisionally from the statutory rule."""

_MAX_SCAN_DAYS = 3 * 366  # no valid time limit spans more than a few years; beyond that the input is wrong


class TimeUnit(StrEnum):
    """Time-limit types of Chinese case handling (紧急小时 / 工作时 / 工作日 / 自然日)."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    NATURAL_DAYS = "natural_days"
    URGENT_HOURS = "urgent_hours"

    @property
    def label(self) -> str:
        """Chinese name of the unit."""
        return _UNIT_LABELS[self]


_UNIT_LABELS = {
    TimeUnit.WORKING_DAYS: "个工作日",
    TimeUnit.WORKING_HOURS: "个工作小时",
    TimeUnit.NATURAL_DAYS: "个自然日",
    TimeUnit.URGENT_HOURS: "小时（紧急，不分昼夜）",
}


class CalendarNotCoveredError(YiwangError):
    """A date lies in a year whose holiday arrangement the platform does not know yet."""

    status_code = 503
    code = "calendar_not_covered"

    def __init__(self, day: dt.date, covered: tuple[int, int] | None) -> None:
        span = f"（当前覆盖 {covered[0]}–{covered[1]} 年）" if covered else ""
        super().__init__(
            f"工作日历未覆盖 {day.year} 年{span}，无法计算 {day.isoformat()} 前后的工作日时限。"
            f"请平台管理员在节假日覆盖文件中补充 {day.year} 年国务院公布的放假和调休安排。",
            field="calendar",
        )
        self.day = day


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """An amount of a time unit, e.g. 13 个工作日."""

    amount: int
    unit: TimeUnit

    def describe(self) -> str:
        """Chinese text: ``13 个工作日``."""
        return f"{self.amount} {self.unit.label}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form used in definitions."""
        return {"amount": self.amount, "unit": self.unit.value}


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The daily working periods, e.g. 09:00–12:00 and 13:30–17:30 (7 hours)."""

    periods: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(9, 0), dt.time(12, 0)),
        (dt.time(13, 30), dt.time(17, 30)),
    )

    @classmethod
    def parse(cls, spans: Iterable[str]) -> WorkingHours:
        """Parse ``["09:00-12:00", "13:30-17:30"]``; periods must be ordered and not overlap."""
        periods: list[tuple[dt.time, dt.time]] = []
        for span in spans:
            try:
                start_text, end_text = str(span).replace("–", "-").split("-")
                start, end = dt.time.fromisoformat(start_text.strip()), dt.time.fromisoformat(end_text.strip())
            except ValueError as exc:
                raise ValueError(f"工作时段格式应为 HH:MM-HH:MM：{span}") from exc
            if end <= start or (periods and start < periods[-1][1]):
                raise ValueError(f"工作时段须按时间先后排列且不重叠：{span}")
            periods.append((start, end))
        if not periods:
            raise ValueError("至少需要一个工作时段")
        return cls(tuple(periods))

    @property
    def seconds_per_day(self) -> float:
        """Working seconds in one working day."""
        return sum(_seconds(end) - _seconds(start) for start, end in self.periods)

    @property
    def day_end(self) -> dt.time:
        """End of the last period (the deadline time of a working-day limit)."""
        return self.periods[-1][1]


def _seconds(value: dt.time) -> float:
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, and the working hours of each.

    ``holidays`` are weekdays off and ``workdays`` are weekend days worked (调休); both cover only the
    ``covered_years``; any other year raises :class:`CalendarNotCoveredError`.
    """

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    covered_years: frozenset[int]
    hours: WorkingHours = field(default_factory=WorkingHours)
    provisional_years: frozenset[int] = frozenset()

    @property
    def coverage(self) -> tuple[int, int] | None:
        """First and last covered year."""
        return (min(self.covered_years), max(self.covered_years)) if self.covered_years else None

    def check(self, day: dt.date) -> None:
        """Raise :class:`CalendarNotCoveredError` unless the day's year is covered (published or provisional)."""
        if day.year not in self.covered_years and day.year not in self.provisional_years:
            raise CalendarNotCoveredError(day, self.coverage)

    def is_provisional(self, start: dt.date, end: dt.date | None = None) -> bool:
        """Whether any day from ``start`` to ``end`` lies in a provisional (not yet published) year."""
        last = end or start
        first, last = min(start, last), max(start, last)
        return any(year in self.provisional_years for year in range(first.year, last.year + 1))

    def is_working_day(self, day: dt.date) -> bool:
        """A working day: a weekday that is not a holiday, or a 调休 weekend day."""
        self.check(day)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5  # noqa: PLR2004 - Monday..Friday

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        for _ in range(_MAX_SCAN_DAYS):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise CalendarNotCoveredError(day, self.coverage)


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("时间必须带时区（timezone-aware）")
    return moment.astimezone(CITY_TZ)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=CITY_TZ)


def add_working_days(start: dt.datetime, amount: int, *, calendar: WorkCalendar) -> dt.datetime:
    """Deadline of ``amount`` working days: the end of working hours on the ``amount``-th working day after ``start``.

    The day of receipt is not counted, as 「N 个工作日内」 is read in practice.
    Zero gives the end of the current day's working hours (or of the next working day when ``start`` falls on a
    rest day or after hours).
    """
    if amount < 0:
        raise ValueError("时限不能为负数")
    local = _local(start)
    day = local.date()
    if amount == 0:
        if not calendar.is_working_day(day) or local.timetz().replace(tzinfo=None) >= calendar.hours.day_end:
            day = calendar.next_working_day(day)
        return _at(day, calendar.hours.day_end)
    for _ in range(amount):
        day = calendar.next_working_day(day)
    return _at(day, calendar.hours.day_end)


def add_working_hours(
    start: dt.datetime, amount: float, *, calendar: WorkCalendar, hours: WorkingHours | None = None
) -> dt.datetime:
    """The moment when ``amount`` working hours have elapsed from ``start``, counting only working periods.

    A case received at 17:00 with 1 working hour is due at 09:30 the next working day.
    """
    if amount < 0:
        raise ValueError("时限不能为负数")
    periods = (hours or calendar.hours).periods
    remaining = amount * 3600.0
    local = _local(start)
    day = local.date()
    cursor = local
    for _ in range(_MAX_SCAN_DAYS):
        if calendar.is_working_day(day):
            for begin, end in periods:
                period_start, period_end = _at(day, begin), _at(day, end)
                effective = max(period_start, cursor)
                if effective >= period_end:
                    continue
                available = (period_end - effective).total_seconds()
                if remaining <= available:
                    return effective + dt.timedelta(seconds=remaining)
                remaining -= available
        day += dt.timedelta(days=1)
        cursor = _at(day, dt.time(0, 0))
    raise CalendarNotCoveredError(day, calendar.coverage)


def add_natural_days(start: dt.datetime, amount: int) -> dt.datetime:
    """Deadline of ``amount`` natural days: the end (23:59:59) of the ``amount``-th calendar day after ``start``."""
    if amount < 0:
        raise ValueError("时限不能为负数")
    day = _local(start).date() + dt.timedelta(days=amount)
    return _at(day, dt.time(23, 59, 59))


def add_urgent_hours(start: dt.datetime, amount: float) -> dt.datetime:
    """Deadline of ``amount`` clock hours, day and night (紧急小时)."""
    if amount < 0:
        raise ValueError("时限不能为负数")
    return _local(start) + dt.timedelta(hours=amount)


def add_time_limit(start: dt.datetime, limit: TimeLimit, *, calendar: WorkCalendar) -> dt.datetime:
    """Deadline of any time limit from ``start`` (returned in 北京时间)."""
    if limit.unit is TimeUnit.WORKING_DAYS:
        return add_working_days(start, limit.amount, calendar=calendar)
    if limit.unit is TimeUnit.WORKING_HOURS:
        return add_working_hours(start, limit.amount, calendar=calendar)
    if limit.unit is TimeUnit.NATURAL_DAYS:
        return add_natural_days(start, limit.amount)
    return add_urgent_hours(start, limit.amount)


def working_seconds_between(start: dt.datetime, end: dt.datetime, *, calendar: WorkCalendar) -> float:
    """Working time between two moments in seconds; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_seconds_between(end, start, calendar=calendar)
    first, last = _local(start), _local(end)
    total = 0.0
    day = first.date()
    while day <= last.date():
        if calendar.is_working_day(day):
            for begin, finish in calendar.hours.periods:
                lo = max(_at(day, begin), first)
                hi = min(_at(day, finish), last)
                if hi > lo:
                    total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total


def describe_working_time(seconds: float, *, calendar: WorkCalendar) -> str:
    """Chinese text for an amount of working time: ``2 个工作日 3 小时 20 分`` (days of the calendar's length)."""
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    per_day = calendar.hours.seconds_per_day
    days, rest = divmod(rest, per_day)
    hours, rest = divmod(rest, 3600)
    minutes = int(rest // 60)
    parts = []
    if days:
        parts.append(f"{int(days)} 个工作日")
    if hours:
        parts.append(f"{int(hours)} 小时")
    if minutes or not parts:
        parts.append(f"{minutes} 分")
    return sign + " ".join(parts)


def _parse_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{where}: 日期格式应为 YYYY-MM-DD：{value}") from exc


def parse_overrides(
    document: Any, *, source: str = "节假日覆盖文件"
) -> tuple[dict[int, tuple[set[dt.date], set[dt.date]]], WorkingHours | None]:
    """Read an override document: per year, the holiday and 调休 workday sets; optional working hours."""
    if document is None:
        return {}, None
    if not isinstance(document, dict):
        raise TypeError(f"{source}: 顶层应为映射（years / working_hours）")
    hours = WorkingHours.parse(document["working_hours"]) if document.get("working_hours") else None
    years: dict[int, tuple[set[dt.date], set[dt.date]]] = {}
    for year_key, given in (document.get("years") or {}).items():
        year = int(year_key)
        body = given or {}
        holidays = {_parse_date(v, f"{source} years.{year}.holidays") for v in body.get("holidays") or []}
        workdays = {_parse_date(v, f"{source} years.{year}.workdays") for v in body.get("workdays") or []}
        for day in holidays | workdays:
            if day.year != year:
                raise ValueError(f"{source} years.{year}: 日期 {day.isoformat()} 不属于 {year} 年")
        if holidays & workdays:
            clash = min(holidays & workdays).isoformat()
            raise ValueError(f"{source} years.{year}: {clash} 不能同时是假日和调休工作日")
        years[year] = (holidays, workdays)
    return years, hours


def build_calendar(overrides: Any = None, *, source: str = "节假日覆盖文件") -> WorkCalendar:
    """The statutory calendar of ``chinese-calendar`` with an override document applied on top.

    A year present in the overrides replaces that year's package data completely, so a published arrangement
    is taken as a whole rather than mixed with the package's view of the year.
    """
    holidays = {day for day in chinese_calendar.holidays if isinstance(day, dt.date)}
    workdays = {day for day in chinese_calendar.workdays if isinstance(day, dt.date)}
    # The package marks weekend rest days as holidays too; only weekday holidays and weekend workdays matter.
    holidays = {day for day in holidays if day.weekday() < 5}  # noqa: PLR2004
    workdays = {day for day in workdays if day.weekday() >= 5}  # noqa: PLR2004
    covered = set(range(min(d.year for d in holidays), max(d.year for d in holidays) + 1))
    years, hours = parse_overrides(overrides, source=source)
    for year, (year_holidays, year_workdays) in years.items():
        holidays = {d for d in holidays if d.year != year} | year_holidays
        workdays = {d for d in workdays if d.year != year} | year_workdays
        covered.add(year)
    ahead = _provisional_count(overrides, source)
    provisional = {max(covered) + n for n in range(1, ahead + 1)} - covered
    for year in provisional:
        holidays |= {day for day in statutory_holidays(year) if day.weekday() < 5}  # noqa: PLR2004
    return WorkCalendar(
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        covered_years=frozenset(covered),
        hours=hours or WorkingHours(),
        provisional_years=frozenset(provisional),
    )


def _provisional_count(overrides: Any, source: str) -> int:
    value = overrides.get("provisional_years", PROVISIONAL_YEARS) if isinstance(overrides, dict) else None
    if value is None:
        return PROVISIONAL_YEARS
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:  # noqa: PLR2004
        raise ValueError(f"{source}: provisional_years 应为 0–3 的整数：{value}")
    return value


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The rest days of 《全国年节及纪念日放假办法》 (2024 revision, from 2025) for one year, before 调休.

    元旦 1 day, 春节 4 days (除夕 to 正月初三), 清明 1 day (the solar term), 劳动节 2 days, 端午 1 day, 中秋 1 day,
    国庆 3 days. The lunar dates come from ``lunar_python``. The published arrangement moves days around
    weekends (调休, 补假); this is only what the law fixes, for years not yet published.
    """

    def lunar(month: int, day: int) -> dt.date:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())

    spring = lunar(1, 1)
    days = {dt.date(year, 1, 1): "元旦"}
    days |= {spring + dt.timedelta(days=n): "春节" for n in range(-1, 3)}  # 除夕 is the day before 正月初一
    qingming = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()["清明"]
    days[dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days |= {dt.date(year, 5, 1): "劳动节", dt.date(year, 5, 2): "劳动节"}
    days[lunar(5, 5)] = "端午节"
    days[lunar(8, 15)] = "中秋节"
    days |= {dt.date(year, 10, n): "国庆节" for n in (1, 2, 3)}
    return dict(sorted(days.items()))


def load_calendar(holidays_file: Path | str | None = None) -> WorkCalendar:
    """The platform calendar: package data plus the packaged override file plus ``holidays_file`` if given.

    Results are cached per file and modification time, so editing the file takes effect without a restart.
    """
    files = [PACKAGED_OVERRIDES]
    if holidays_file:
        file = Path(holidays_file)
        if not file.is_file():
            raise ValueError(f"节假日覆盖文件不存在：{file}")
        files.append(file)
    stamp = tuple((str(f), f.stat().st_mtime_ns if f.is_file() else 0) for f in files)
    return _load_files(stamp)


@functools.lru_cache(maxsize=16)
def _load_files(stamp: tuple[tuple[str, int], ...]) -> WorkCalendar:
    # The modification times in ``stamp`` are the cache key: an edited file is read again.
    merged: dict[str, Any] = {"years": {}}
    for name, mtime in stamp:
        if not mtime:
            continue
        file = Path(name)
        document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(document, dict):
            raise TypeError(f"{file.name}: 顶层应为映射（years / working_hours）")
        merged["years"].update(document.get("years") or {})
        if document.get("working_hours"):
            merged["working_hours"] = document["working_hours"]
        if "provisional_years" in document:
            merged["provisional_years"] = document["provisional_years"]
    return build_calendar(merged)
