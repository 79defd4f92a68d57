"""The 12345 dashboard's figures on a small known data set: every rate checked against a hand count."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from hotline_fixtures import DISPATCHER, LEADER, MONDAY, OPERATOR, URBAN, make_actor
from sqlalchemy.orm import Session

from yiwang.hotline import kpis
from yiwang.hotline.models import Appeal, AppealCallback
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.errors import ValidationError

NOW = MONDAY + dt.timedelta(days=10)
_ids = itertools.count(1)


def _appeal(session: Session, **values: Any) -> Appeal:
    number = next(_ids)
    row: dict[str, Any] = {
        "number": f"12345-20261130-{number:06d}",
        "channel": "phone",
        "appeal_type": "投诉",
        "urgency": "一般",
        "title": f"诉求 {number}",
        "content": "路灯不亮",
        "state": "签收",
        "status": "open",
        "department": "urban",
        "district_code": "510107",
        "street_code": "510107012",
        "category": "010201",
        "lon": 104.05,
        "lat": 30.63,
        "created_by": "operator.12345",
        "created_at": MONDAY,
        "due_at": MONDAY + dt.timedelta(days=20),
    }
    row.update(values)
    appeal = Appeal(**row)
    session.add(appeal)
    session.flush()
    return appeal


def _callback(session: Session, appeal: Appeal, satisfaction: str, *, resolved: bool = True, rnd: int = 1) -> None:
    session.add(
        AppealCallback(
            appeal_id=appeal.id,
            round=rnd,
            method="phone",
            satisfaction=satisfaction,
            resolved=resolved,
            recorded_by="operator.12345",
            recorded_at=MONDAY + dt.timedelta(days=3),
        )
    )


def _closed(**values: Any) -> dict[str, Any]:
    return {"state": "办结", "status": "closed", "outcome": "办结", **values}


@pytest.fixture
def known(session: Session) -> Session:
    """Ten appeals of 武侯区 (urban, water) and one of 锦江区 with hand-countable outcomes."""
    early = MONDAY + dt.timedelta(days=2)
    late = MONDAY + dt.timedelta(days=30)
    # urban, 武侯: 1 waiting to sign, 1 signed, 2 closed on time, 1 closed late, 1 open overdue.
    _appeal(session)  # 待签收
    _appeal(session, state="办理")
    a = _appeal(session, **_closed(closed_at=early))
    b = _appeal(session, **_closed(closed_at=early))
    c = _appeal(session, **_closed(closed_at=late))
    _appeal(session, state="办理", due_at=MONDAY + dt.timedelta(days=5))  # overdue at NOW
    _callback(session, a, "满意")
    _callback(session, b, "不满意", resolved=False)
    _callback(session, b, "基本满意", rnd=2)  # the latest round counts
    _callback(session, c, "基本满意", resolved=False)
    # Not dispatched: a direct answer, a transfer and a merged duplicate.
    _appeal(session, appeal_type="咨询", direct_answer=True, department=None, **_closed(closed_at=MONDAY))
    _appeal(session, department=None, state="转接", status="closed", outcome="转接", closed_at=MONDAY)
    _appeal(session, master_id=a.id, state="已并单", status="closed", outcome="已并单", channel="web")
    # water, 锦江: closed on time, satisfied.
    d = _appeal(
        session, department="water", district_code="510104", street_code="510104001", **_closed(closed_at=early)
    )
    _callback(session, d, "满意")
    # Outside the period: never counted.
    _appeal(session, created_at=MONDAY - dt.timedelta(days=60))
    session.commit()
    return session


def test_rates_by_department_and_district_match_a_hand_count(known: Session) -> None:
    board = kpis.dashboard(known, actor=DISPATCHER, date_from=MONDAY.date(), date_to=NOW.date(), now=NOW)
    totals = board.totals
    assert (totals.received, totals.redirected, totals.merged, totals.direct) == (10, 1, 1, 1)
    # dispatched: 6 urban + 1 water; responded: all but the one waiting to sign.
    assert (totals.dispatched, totals.responded) == (7, 6)
    assert totals.response_rate == round(6 / 7, 4)
    # due: 4 closed + 1 open overdue; on time: a, b, d.
    assert (totals.due, totals.on_time, totals.overdue_open) == (5, 3, 1)
    assert totals.on_time_rate == 0.6
    # callbacks (latest round): a 满意, b 基本满意 (resolved), c 基本满意 (unresolved), d 满意.
    assert (totals.callbacks, totals.resolved, totals.satisfied, totals.basic) == (4, 3, 2, 2)
    assert totals.resolution_rate == 0.75
    assert totals.satisfaction_rate == round((2 + 2 * kpis.BASIC_SATISFIED_WEIGHT) / 4, 4)
    assert totals.direct_rate == round(1 / 8, 4)

    urban = next(r for r in board.by_department if r.code == "urban")
    assert (urban.dispatched, urban.responded, urban.due, urban.on_time) == (6, 5, 4, 2)
    assert urban.on_time_rate == 0.5
    assert urban.satisfaction_rate == round((1 + 2 * kpis.BASIC_SATISFIED_WEIGHT) / 3, 4)
    water = next(r for r in board.by_department if r.code == "water")
    assert (water.response_rate, water.on_time_rate, water.satisfaction_rate) == (1.0, 1.0, 1.0)

    districts = {r.code: r for r in board.by_district}
    assert districts["510107"].received == 9
    assert districts["510104"].received == 1
    assert {r["code"]: r["value"] for r in board.by_channel} == {"phone": 9, "web": 1}
    assert board.by_category[0] == {"code": "01", "name": "城乡建设与管理", "value": 10}
    assert sum(p["values"]["received"] for p in board.trend) == 10
    assert board.hot_spots[0].code == "510107012"
    assert board.hot_spots[0].count == 9


def test_scope_leader_of_a_district_and_unit_staff(known: Session) -> None:
    wuhou = make_actor("leader.wuhou", "leader", None, district_code="510107")
    board = kpis.dashboard(known, actor=wuhou, date_from=MONDAY.date(), date_to=NOW.date(), now=NOW)
    assert board.totals.received == 9
    assert {r.code for r in board.by_district} == {"510107"}
    city = kpis.dashboard(known, actor=LEADER, date_from=MONDAY.date(), date_to=NOW.date(), now=NOW)
    assert city.totals.received == 10
    unit = kpis.dashboard(known, actor=URBAN, date_from=MONDAY.date(), date_to=NOW.date(), now=NOW)
    assert {r.code for r in unit.by_department} == {"urban"}
    assert kpis.dashboard(known, actor=OPERATOR, date_from=MONDAY.date(), date_to=NOW.date(), now=NOW).totals.received


def test_citizens_have_no_dashboard_and_bad_periods_are_refused(known: Session) -> None:
    citizen = make_actor("citizen.demo", "citizen", None)
    with pytest.raises(PermissionDeniedError):
        kpis.dashboard(known, actor=citizen)
    with pytest.raises(ValidationError) as reversed_range:
        kpis.period(dt.date(2026, 12, 1), dt.date(2026, 11, 1))
    assert reversed_range.value.field == "date_from"
    with pytest.raises(ValidationError):
        kpis.period(dt.date(2024, 1, 1), dt.date(2026, 1, 1))


def test_kpi_csv_has_chinese_headers_percentages_and_totals(known: Session) -> None:
    board = kpis.dashboard(known, actor=DISPATCHER, date_from=MONDAY.date(), date_to=NOW.date(), now=NOW)
    text = kpis.kpi_csv(board.by_department, board.totals)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("代码,名称,受理量,派单量,已响应,响应率")
    water = next(line for line in lines if line.startswith("water,"))
    assert ",100.0%," in water
    assert lines[-1].startswith(",合计,10,7,6,85.7%,5,3,60.0%")
