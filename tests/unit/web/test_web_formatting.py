import datetime as dt
from decimal import Decimal

import pytest

from yiwang.web import formatting
from yiwang.web.charts import chart_rows


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (Decimal("1234.5"), {}, "1,234.50 元"),
        (0, {}, "0.00 元"),
        (None, {}, "—"),
        ("", {}, "—"),
        (Decimal(500), {"unit": "万元"}, "500.00 万元"),
        (Decimal(25_000), {"unit": "万元", "compact": True}, "2.50 亿元"),
        (Decimal(500), {"unit": "万元", "compact": True}, "500.00 万元"),
        (Decimal("8888.8"), {"compact": True}, "8,888.80 元"),
        (Decimal(123_456), {"compact": True}, "12.35 万元"),
    ],
)
def test_format_money(value, kwargs, expected):
    assert formatting.format_money(value, **kwargs) == expected


def test_format_number():
    assert formatting.format_number(1234567) == "1,234,567"
    assert formatting.format_number(3.14159, 2) == "3.14"
    assert formatting.format_number(None) == "—"
    assert formatting.format_number(object()) == "—"


def test_format_date_chinese_and_iso():
    assert formatting.format_date(dt.date(2024, 3, 7)) == "2024年3月7日"
    assert formatting.format_date(dt.date(2024, 3, 7), "short") == "2024-03-07"
    assert formatting.format_date("2024-12-31") == "2024年12月31日"
    assert formatting.format_date(None) == "—"
    assert formatting.format_date("not a date") == "—"


def test_datetimes_are_shown_in_beijing_time():
    late_utc = dt.datetime(2024, 3, 6, 20, 5, tzinfo=dt.UTC)  # 04:05 next day in Beijing
    assert formatting.format_date(late_utc) == "2024年3月7日"
    assert formatting.format_datetime(late_utc) == "2024年3月7日 04:05"
    # SQLite hands back naive datetimes; they are UTC by the platform's convention.
    assert formatting.format_datetime(dt.datetime(2024, 3, 6, 20, 5)) == "2024年3月7日 04:05"  # noqa: DTZ001
    assert formatting.format_datetime(dt.date(2024, 3, 7)) == "2024年3月7日"


def test_days_until():
    today = dt.date(2024, 3, 1)
    assert formatting.days_until(dt.date(2024, 3, 31), today=today) == 30
    assert formatting.days_until(dt.date(2024, 2, 28), today=today) == -2
    assert formatting.days_until(None, today=today) is None


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("510107199003071236", "id_number", "510107********1236"),
        ("13812345678", "phone", "138****5678"),
        ("张三丰", "name", "张**"),
        ("成都市武侯区玉林街道玉林北路12号", "address", "成都市武侯区玉林街道****"),
        ("保密内容", "text", "保**容"),
        ("ab", "text", "a*"),
        (None, "phone", "—"),
        ("", "id_number", "—"),
    ],
)
def test_mask(value, kind, expected):
    assert formatting.mask(value, kind) == expected


@pytest.mark.parametrize(
    ("page", "pages", "expected"),
    [
        (1, 0, []),
        (1, 1, [1]),
        (2, 3, [1, 2, 3]),
        (6, 20, [1, None, 4, 5, 6, 7, 8, None, 20]),
        (1, 20, [1, 2, 3, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),
        (99, 5, [1, 2, 3, 4, 5]),
    ],
)
def test_page_window(page, pages, expected):
    assert formatting.page_window(page, pages) == expected


def test_chart_rows_from_objects_and_mappings():
    class Item:
        def __init__(self, code, name, count):
            self.code, self.name, self.count = code, name, count

    rows = chart_rows([Item("C", "制造业", 12), {"code": "F", "name": "批发和零售业", "value": 30}], with_code=True)
    assert rows == [
        {"code": "C", "name": "C 制造业", "value": 12},
        {"code": "F", "name": "F 批发和零售业", "value": 30},
    ]


def test_chart_rows_folds_the_tail_into_other():
    items = [{"code": str(i), "name": f"类{i}", "count": i} for i in range(1, 8)]
    rows = chart_rows(items, limit=3)
    assert [row["name"] for row in rows] == ["类7", "类6", "其他"]
    assert rows[-1]["value"] == sum(range(1, 6))
