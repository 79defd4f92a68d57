"""Display formatting for pages: Chinese dates, money, counts, masked personal data and pagination windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from yiwang.kernel import masking

CITY_TZ = ZoneInfo("Asia/Shanghai")
"""Pages show times in China Standard Time; the database stores UTC."""

PLACEHOLDER = "—"
"""Shown instead of a missing value, so an empty cell never looks like a rendering fault."""

MaskKind = Literal["id_number", "phone", "name", "address", "text"]

_YUAN_PER_UNIT = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


def _to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return None
    return None


def format_number(value: object, digits: int = 0) -> str:
    """A count or quantity with thousands separators (``12,345``); ``—`` when missing."""
    number = _to_decimal(value)
    if number is None:
        return PLACEHOLDER
    return f"{number:,.{digits}f}"


def format_money(value: object, unit: str = "元", *, compact: bool = False) -> str:
    """An amount in ``unit`` (元/万元/亿元): ``1,234.50 元``; ``compact`` rescales to 万元/亿元 for big sums."""
    amount = _to_decimal(value)
    if amount is None:
        return PLACEHOLDER
    if not compact or unit not in _YUAN_PER_UNIT:
        return f"{amount:,.2f} {unit}"
    yuan = amount * _YUAN_PER_UNIT[unit]
    for name in ("亿元", "万元"):
        if abs(yuan) >= _YUAN_PER_UNIT[name]:
            return f"{yuan / _YUAN_PER_UNIT[name]:,.2f} {name}"
    return f"{yuan:,.2f} 元"


def _to_date_or_datetime(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _local(value: dt.datetime) -> dt.datetime:
    # Naive datetimes come back from SQLite and are UTC by convention (see yiwang.db.as_utc).
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(CITY_TZ)


def format_date(value: object, style: Literal["long", "short"] = "long") -> str:
    """A date in Chinese (``2024年3月7日``) or ISO (``2024-03-07``, ``style="short"``); datetimes in 北京时间."""
    parsed = _to_date_or_datetime(value)
    if parsed is None:
        return PLACEHOLDER
    day = _local(parsed).date() if isinstance(parsed, dt.datetime) else parsed
    if style == "short":
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日"


def format_datetime(value: object) -> str:
    """A moment in 北京时间 to the minute: ``2024年3月7日 14:05``."""
    parsed = _to_date_or_datetime(value)
    if parsed is None:
        return PLACEHOLDER
    if not isinstance(parsed, dt.datetime):
        return format_date(parsed)
    local = _local(parsed)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def days_until(value: object, *, today: dt.date | None = None) -> int | None:
    """Whole days from today (北京时间) to a date; negative when it has passed."""
    parsed = _to_date_or_datetime(value)
    if parsed is None:
        return None
    day = _local(parsed).date() if isinstance(parsed, dt.datetime) else parsed
    reference = today or dt.datetime.now(CITY_TZ).date()
    return (day - reference).days


_MASKERS: dict[str, Callable[[str | None], str]] = {
    "id_number": masking.mask_id_number,
    "phone": masking.mask_phone,
    "name": masking.mask_name,
    "address": masking.mask_address,
}


def mask(value: object, kind: MaskKind = "text") -> str:
    """Mask personal data for display with the platform's rules (``yiwang.kernel.masking``); ``—`` when empty.

    ``id_number`` keeps the area code and the last 4, ``phone`` the first 3 and last 4, ``name`` the surname,
    ``address`` the administrative part; ``text`` keeps only the first and last character.
    """
    if value is None or value == "":
        return PLACEHOLDER
    text = str(value)
    masker = _MASKERS.get(kind)
    if masker is not None:
        return masker(text)
    if len(text) <= 2:  # noqa: PLR2004 - nothing to keep on both sides of a two-character value
        return text[:1] + masking.MASK_CHAR * (len(text) - 1)
    return text[0] + masking.MASK_CHAR * (len(text) - 2) + text[-1]


def page_window(page: int, pages: int, *, radius: int = 2) -> list[int | None]:
    """Page numbers to offer around ``page``: always the first and last, ``None`` where pages are skipped."""
    if pages <= 0:
        return []
    page = min(max(page, 1), pages)
    shown = {1, pages} | set(range(max(1, page - radius), min(pages, page + radius) + 1))
    window: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous == 2:  # noqa: PLR2004 - a gap of one page: show the page rather than "…"
            window.append(previous + 1)
        elif number - previous > 2:  # noqa: PLR2004
            window.append(None)
        window.append(number)
        previous = number
    return window
