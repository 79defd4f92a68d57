import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from yiwang.workflow.calendar import (
    CalendarNotCoveredError,
    TimeLimit,
    TimeUnit,
    WorkingHours,
    add_natural_days,
    add_time_limit,
    add_urgent_hours,
    add_working_days,
    add_working_hours,
    build_calendar,
    describe_working_time,
    load_calendar,
    statutory_holidays,
    working_seconds_between,
)

CST = ZoneInfo("Asia/Shanghai")
CAL = build_calendar()


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def test_spring_festival_2026_and_its_make_up_saturdays() -> None:
    assert CAL.is_working_day(dt.date(2026, 2, 14))  # Saturday worked (调休)
    assert CAL.is_working_day(dt.date(2026, 2, 28))  # Saturday worked (调休)
    for day in (16, 17, 18, 19, 20, 23):  # weekdays off
        assert not CAL.is_working_day(dt.date(2026, 2, day))
    assert not CAL.is_working_day(dt.date(2026, 2, 21))  # an ordinary weekend day stays off


def test_working_days_skip_the_spring_festival_and_count_the_make_up_saturday() -> None:
    # Friday 13 Feb 2026 + 1 working day: Saturday 14 Feb is a 调休 workday.
    assert add_working_days(at(2026, 2, 13, 10), 1, calendar=CAL) == at(2026, 2, 14, 17, 30)
    # + 2 working days: 15 Feb (Sunday) and 16–23 Feb are off, so the next is Tuesday 24 Feb.
    assert add_working_days(at(2026, 2, 13, 10), 2, calendar=CAL) == at(2026, 2, 24, 17, 30)


def test_national_day_2026_thirteen_working_days() -> None:
    # Mon 28 Sep: 29, 30 Sep; 8, 9, 10 (Sat, 调休), 12–16, 19, 20, 21 Oct → due Wed 21 Oct at 17:30.
    assert add_working_days(at(2026, 9, 28, 10), 13, calendar=CAL) == at(2026, 10, 21, 17, 30)
    assert CAL.is_working_day(dt.date(2026, 10, 10))
    assert not CAL.is_working_day(dt.date(2026, 10, 1))  # a Thursday holiday does not count


def test_zero_working_days_is_the_end_of_today_or_of_the_next_working_day() -> None:
    assert add_working_days(at(2026, 9, 28, 10), 0, calendar=CAL) == at(2026, 9, 28, 17, 30)
    assert add_working_days(at(2026, 9, 30, 18), 0, calendar=CAL) == at(2026, 10, 8, 17, 30)


def test_working_hours_use_the_periods_and_skip_lunch_and_nights() -> None:
    assert add_working_hours(at(2026, 9, 28, 11, 30), 1, calendar=CAL) == at(2026, 9, 28, 14, 0)
    assert add_working_hours(at(2026, 9, 28, 17, 0), 1, calendar=CAL) == at(2026, 9, 29, 9, 30)
    assert add_working_hours(at(2026, 9, 30, 17, 0), 2, calendar=CAL) == at(2026, 10, 8, 10, 30)
    assert add_working_hours(at(2026, 9, 27, 20, 0), 7, calendar=CAL) == at(2026, 9, 28, 17, 30)


def test_configurable_working_hours() -> None:
    hours = WorkingHours.parse(["08:30-12:00", "14:00-18:00"])
    assert hours.seconds_per_day == 7.5 * 3600
    assert add_working_hours(at(2026, 9, 28, 11, 0), 2, calendar=CAL, hours=hours) == at(2026, 9, 28, 15, 0)
    with pytest.raises(ValueError, match="不重叠"):
        WorkingHours.parse(["09:00-12:00", "11:00-17:00"])


def test_natural_days_and_urgent_hours_ignore_holidays() -> None:
    assert add_natural_days(at(2026, 9, 30, 10), 3) == at(2026, 10, 3, 23, 59, 59)
    assert add_urgent_hours(at(2026, 10, 1, 22), 4) == at(2026, 10, 2, 2)
    assert add_time_limit(at(2026, 10, 1, 22), TimeLimit(4, TimeUnit.URGENT_HOURS), calendar=CAL) == at(2026, 10, 2, 2)


def test_remaining_working_time_and_its_text() -> None:
    seconds = working_seconds_between(at(2026, 9, 30, 16, 0), at(2026, 10, 8, 10, 0), calendar=CAL)
    assert seconds == 2.5 * 3600
    assert describe_working_time(seconds, calendar=CAL) == "2 小时 30 分"
    assert describe_working_time(8 * 3600, calendar=CAL) == "1 个工作日 1 小时"
    assert working_seconds_between(at(2026, 10, 8, 10, 0), at(2026, 9, 30, 16, 0), calendar=CAL) == -seconds


def test_a_date_beyond_the_calendar_raises_a_clear_chinese_error() -> None:
    with pytest.raises(CalendarNotCoveredError) as info:
        add_working_days(at(2027, 12, 20, 10), 20, calendar=CAL)
    assert "工作日历未覆盖 2028 年" in info.value.message
    assert "节假日覆盖文件" in info.value.message
    assert info.value.status_code == 503


def test_an_override_file_adds_a_newly_published_year(tmp_path: Path) -> None:
    override = tmp_path / "holidays.yaml"
    override.write_text("years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-01-09]\n", encoding="utf-8")
    calendar = load_calendar(override)
    assert 2027 in calendar.covered_years
    assert not calendar.is_working_day(dt.date(2027, 1, 1))  # Friday holiday
    assert calendar.is_working_day(dt.date(2027, 1, 9))  # Saturday worked
    assert add_working_days(at(2026, 12, 31, 10), 1, calendar=calendar) == at(2027, 1, 4, 17, 30)
    assert calendar.provisional_years == {2028}  # the year after the newest published one
    with pytest.raises(CalendarNotCoveredError):
        calendar.is_working_day(dt.date(2029, 1, 3))


def test_the_statutory_rest_days_of_a_year_follow_the_2024_rules() -> None:
    # 2026 as published: 春节 from 2-16 (除夕), 清明 4-5, 端午 6-19, 中秋 9-25 (国务院办公厅 2025 年 11 月 4 日通知).
    days = statutory_holidays(2026)
    assert [d for d, name in days.items() if name == "春节"] == [dt.date(2026, 2, n) for n in (16, 17, 18, 19)]
    assert {days[dt.date(2026, 4, 5)], days[dt.date(2026, 6, 19)], days[dt.date(2026, 9, 25)]} == {
        "清明节",
        "端午节",
        "中秋节",
    }
    assert len(days) == 13  # 元旦 1, 春节 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3
    assert all(day in days for day in (dt.date(2026, 5, 2), dt.date(2026, 10, 3)))
    assert statutory_holidays(2027)[dt.date(2027, 2, 5)] == "春节"  # 除夕 of the Year of the Goat


def test_the_year_after_the_last_published_one_is_provisional_not_refused() -> None:
    calendar = build_calendar()
    last = max(calendar.covered_years)
    assert calendar.provisional_years == {last + 1}
    new_year = dt.date(last + 1, 1, 1)
    assert not calendar.is_working_day(new_year) or new_year.weekday() >= 5
    assert calendar.is_provisional(dt.date(last, 12, 20), dt.date(last + 1, 1, 10))
    assert not calendar.is_provisional(dt.date(last, 6, 1), dt.date(last, 6, 30))
    # 20 working days from mid-December reach into the provisional year instead of failing.
    due = add_working_days(at(last, 12, 14, 10), 20, calendar=calendar)
    assert due.year == last + 1
    off = build_calendar({"provisional_years": 0})
    assert off.provisional_years == frozenset()
    with pytest.raises(CalendarNotCoveredError):
        add_working_days(at(last, 12, 14, 10), 20, calendar=off)
    with pytest.raises(ValueError, match="provisional_years"):
        build_calendar({"provisional_years": "many"})


def test_an_override_corrects_a_covered_year_as_a_whole() -> None:
    calendar = build_calendar({"years": {2026: {"holidays": ["2026-03-02"], "workdays": []}}})
    assert not calendar.is_working_day(dt.date(2026, 3, 2))
    assert calendar.is_working_day(dt.date(2026, 10, 1))  # the year's package data was replaced


def test_bad_override_documents_are_refused_with_the_path() -> None:
    with pytest.raises(ValueError, match=r"years\.2027: 日期 2026-01-01 不属于 2027 年"):
        build_calendar({"years": {2027: {"holidays": ["2026-01-01"]}}})
    with pytest.raises(ValueError, match="不能同时是假日和调休工作日"):
        build_calendar({"years": {2027: {"holidays": ["2027-01-02"], "workdays": ["2027-01-02"]}}})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="时区"):
        add_working_days(dt.datetime(2026, 9, 28, 10), 1, calendar=CAL)  # noqa: DTZ001


def test_the_packaged_calendar_loads() -> None:
    calendar = load_calendar()
    assert {2004, 2026} <= calendar.covered_years
    assert calendar.hours.periods[0] == (dt.time(9), dt.time(12))
