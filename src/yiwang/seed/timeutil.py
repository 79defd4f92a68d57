"""Calendar arithmetic on numpy ``datetime64[D]`` arrays (years, months, ages) for the generators."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

Days: TypeAlias = NDArray[np.datetime64]
IntArray: TypeAlias = NDArray[np.int64]

DAY = np.timedelta64(1, "D")


def day(value: dt.date) -> np.datetime64:
    """A calendar date as ``datetime64[D]``."""
    return np.datetime64(value.isoformat(), "D")


def year_start(year: IntArray) -> Days:
    """1 January of each year."""
    result: Days = (np.asarray(year, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return result


def parts(dates: Days) -> tuple[IntArray, IntArray, IntArray]:
    """Year, month (1–12) and day of month of each date."""
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    dom = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, dom


def ymd(dates: Days) -> IntArray:
    """Dates as integers YYYYMMDD (the birth-date part of an ID number)."""
    year, month, dom = parts(dates)
    result: IntArray = year * 10_000 + month * 100 + dom
    return result


def add_months(dates: Days, months: IntArray | int) -> Days:
    """Shift by whole months keeping the day of month (clamped to the month's length, 29 Feb → 28 Feb)."""
    year, month, dom = parts(dates)
    target = ((year - 1970) * 12 + month - 1 + months).astype("datetime64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    result: Days = target.astype("datetime64[D]") + (np.minimum(dom, length) - 1)
    return result


def add_years(dates: Days, years: IntArray | int) -> Days:
    """Shift by whole years (anniversaries: validity periods, 18th birthdays)."""
    return add_months(dates, np.asarray(years, dtype=np.int64) * 12)


def age_on(birth: Days, when: dt.date) -> IntArray:
    """Completed years of age on ``when``."""
    year, month, dom = parts(birth)
    before_birthday = (month > when.month) | ((month == when.month) & (dom > when.day))
    result: IntArray = when.year - year - before_birthday.astype(np.int64)
    return result


def month_start(value: dt.date, offset: int) -> dt.date:
    """First day of the month ``offset`` months after the month of ``value`` (negative goes back)."""
    index = value.year * 12 + value.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def clamp(dates: Days, low: np.datetime64 | Days, high: np.datetime64 | Days) -> Days:
    """Dates limited to [low, high]."""
    result: Days = np.minimum(np.maximum(dates, low), high)
    return result
