"""Statistics per department and unit: exact 好评率, 差评率, 整改率, 按期整改率 and averages, appeals excluded."""

from __future__ import annotations

from fractions import Fraction

import pytest
from ratings_support import MARKET_STAFF, OPERATOR, REVIEWER, TAX_STAFF, local, rate
from sqlalchemy.orm import Session

from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ValidationError
from yiwang.ratings import services

A, B = "market.wuhou.window3", "market.jinjiang.window1"


def _rater(n: int) -> Actor:
    return Actor(id=f"rater-{n}", department=None, role="citizen", roles=frozenset({"citizen"}))


def _rectify(session: Session, rating_id: int, actor: Actor, *, on_time: bool) -> None:
    rating = services.get_rating(session, actor=REVIEWER, rating_id=rating_id)
    assert rating.rectification is not None
    when = local(2026, 3, 5) if on_time else local(2026, 4, 30)
    result = services.respond_rectification(
        session, actor=actor, rectification_id=rating.rectification.id, response="已整改", now=when
    )
    assert result.on_time is on_time


@pytest.fixture
def dataset(session: Session) -> dict[str, int]:
    march = local(2026, 3, 2)
    specs = [
        ("r1", 5, "market", A, "online"),
        ("r2", 5, "market", A, "online"),
        ("r3", 4, "market", B, "online"),
        ("r4", 3, "market", B, "offline"),
        ("r5", 2, "market", A, "online"),
        ("r6", 1, "market", B, "online"),
        ("r7", 2, "market", A, "online"),
        ("r8", 1, "market", A, "online"),
        ("r9", 5, "tax", "tax.gaoxin", "online"),
        ("r10", 1, "tax", "tax.gaoxin", "offline"),
    ]
    ids = {}
    for n, (name, level, department, unit, channel) in enumerate(specs):
        rating = rate(
            session,
            _rater(n),
            subject=f"workflow:{n}",
            level=level,
            department=department,
            unit=unit,
            channel=channel,
            now=march,
        )
        ids[name] = rating.id
    _rectify(session, ids["r5"], MARKET_STAFF, on_time=True)
    _rectify(session, ids["r6"], MARKET_STAFF, on_time=False)
    _rectify(session, ids["r10"], TAX_STAFF, on_time=True)
    ten = services.get_rating(session, actor=REVIEWER, rating_id=ids["r10"]).rectification
    assert ten is not None
    services.record_callback(session, actor=OPERATOR, rectification_id=ten.id, satisfaction=5)
    appeal = services.file_appeal(session, actor=MARKET_STAFF, rating_id=ids["r8"], reason="不实差评")
    services.decide_appeal(session, actor=REVIEWER, appeal_id=appeal.id, accept=True, note="核实为误评")
    # 2026-04-01 00:30 北京时间 is still 3月31日 in UTC: the period is read in local dates.
    ids["r11"] = rate(
        session,
        _rater(99),
        subject="workflow:99",
        level=5,
        department="tax",
        unit="tax.gaoxin",
        now=local(2026, 4, 1, 0, 30),
    ).id
    return ids


def _approx(fraction: Fraction) -> float:
    return pytest.approx(float(fraction))  # type: ignore[no-any-return]


def test_per_department(session: Session, dataset: dict[str, int]) -> None:
    result = services.statistics(session, date_to=local(2026, 3, 31).date())
    assert [row.code for row in result.rows] == ["market", "tax"]
    market, tax = result.rows
    assert (market.count, market.good, market.basic, market.bad, market.excluded) == (7, 3, 1, 3, 1)
    assert market.good_rate == _approx(Fraction(3, 7))
    assert market.bad_rate == _approx(Fraction(3, 7))
    assert (market.rectified, market.rectified_on_time) == (2, 1)
    assert market.rectification_rate == _approx(Fraction(2, 3))
    assert market.on_time_rate == _approx(Fraction(1, 3))
    assert market.average_score == 3.14  # 22 / 7
    assert (tax.count, tax.good, tax.bad, tax.rectified, tax.rectified_on_time) == (2, 1, 1, 1, 1)
    assert (tax.rectification_rate, tax.on_time_rate, tax.average_score) == (1.0, 1.0, 3.0)
    total = result.total
    assert (total.code, total.name, total.count, total.bad, total.excluded) == ("total", "合计", 9, 4, 1)
    assert total.average_score == 3.11  # 28 / 9
    assert total.rectification_rate == _approx(Fraction(3, 4))
    assert total.on_time_rate == _approx(Fraction(2, 4))


def test_period_and_channel_filters(session: Session, dataset: dict[str, int]) -> None:
    everything = services.statistics(session)
    assert everything.total.count == 10
    april = services.statistics(session, date_from=local(2026, 4, 1).date())
    assert april.total.count == 1
    assert [row.code for row in april.rows] == ["tax"]
    offline = services.statistics(session, channel="offline", date_to=local(2026, 3, 31).date())
    assert {row.code: row.count for row in offline.rows} == {"market": 1, "tax": 1}
    with pytest.raises(ValidationError, match="开始日期不能晚于结束日期"):
        services.statistics(session, date_from=local(2026, 4, 2).date(), date_to=local(2026, 4, 1).date())
    with pytest.raises(ValidationError, match="统计维度"):
        services.statistics(session, by="district")


def test_per_unit_within_a_department(session: Session, dataset: dict[str, int]) -> None:
    result = services.statistics(session, by="unit", department_code="market")
    rows = {row.code: row for row in result.rows}
    assert set(rows) == {A, B}
    assert (rows[A].count, rows[A].good, rows[A].bad, rows[A].rectified, rows[A].excluded) == (4, 2, 2, 1, 1)
    assert rows[A].average_score == 3.5
    assert (rows[B].count, rows[B].good, rows[B].basic, rows[B].bad, rows[B].rectified_on_time) == (3, 1, 1, 1, 0)
    assert rows[B].average_score == 2.67
    assert result.total.count == 7


def test_no_ratings_gives_no_rates(session: Session) -> None:
    result = services.statistics(session)
    assert result.rows == []
    assert (result.total.count, result.total.good_rate, result.total.average_score) == (0, None, None)
