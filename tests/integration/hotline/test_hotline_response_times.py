"""响应率 through the use cases at frozen times: 派单, 签收, 退单 and 改派 record the times the dashboard judges."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from hotline_fixtures import DISPATCHER, HOUSING, LEADER, MONDAY, OPERATOR, URBAN, fake_triager
from sqlalchemy.orm import Session

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.db import as_utc
from yiwang.hotline import kpis, services
from yiwang.hotline.models import Appeal
from yiwang.hotline.schemas import AppealCreate, AppealRead
from yiwang.kernel.actor import Actor
from yiwang.web import deps as web_deps
from yiwang.workflow import services as wf

# MONDAY is 09:00 in Chengdu: a dispatch then must be signed by Tuesday 17:30 (1 working day, the day itself not
# counted). The dashboard is read on Thursday afternoon.
TUESDAY_DEADLINE = MONDAY + dt.timedelta(days=1, hours=8, minutes=30)
THURSDAY = MONDAY + dt.timedelta(days=3, hours=5)


def _at(hours: float) -> dt.datetime:
    return MONDAY + dt.timedelta(hours=hours)


def _call(session: Session, key: str, *, now: dt.datetime) -> AppealRead:
    data = AppealCreate(
        channel="phone",
        content=f"玉林北路路灯不亮（{key}）",
        reporter_name="张三丰",
        reporter_phone="13800138000",
        lon=104.05,
        lat=30.63,
        department="urban",
        assist_units=[],
        idempotency_key=key,
    )
    return services.create_appeal(session, actor=OPERATOR, data=data, triager=fake_triager(), now=now)


def _sign(session: Session, appeal: AppealRead, actor: Actor, now: dt.datetime) -> AppealRead:
    return services.perform(
        session, actor=actor, appeal_id=appeal.id, action="sign", expected_version=appeal.version or 0, now=now
    )


def _times(session: Session, appeal_id: int) -> tuple[dt.datetime | None, dt.datetime | None]:
    row = session.get(Appeal, appeal_id, populate_existing=True)
    assert row is not None
    return (
        as_utc(row.dispatched_at) if row.dispatched_at else None,
        as_utc(row.signed_at) if row.signed_at else None,
    )


def test_sign_for_times_are_recorded_and_redispatch_restarts_the_clock(session: Session) -> None:
    appeal = _call(session, "resp-times", now=MONDAY)
    assert appeal.state == "签收"
    assert _times(session, appeal.id) == (MONDAY, None)
    assert (appeal.dispatched_at, appeal.signed_at) == (MONDAY, None)  # the read model carries them too
    appeal = _sign(session, appeal, URBAN, _at(50))  # Wednesday: late
    assert _times(session, appeal.id) == (MONDAY, _at(50))
    assert (appeal.dispatched_at, appeal.signed_at) == (MONDAY, _at(50))
    appeal = services.perform(
        session,
        actor=URBAN,
        appeal_id=appeal.id,
        action="return",
        expected_version=appeal.version or 0,
        reason="属物业管理范围，非本单位职责",
        now=_at(51),
    )
    assert _times(session, appeal.id) == (MONDAY, _at(50))
    appeal = services.dispatch_appeal(
        session,
        actor=DISPATCHER,
        appeal_id=appeal.id,
        expected_version=appeal.version or 0,
        lead_unit="housing",
        reason="改派住建部门",
        redispatch=True,
        now=_at(52),
    )
    assert (appeal.state, appeal.department) == ("签收", "housing")
    assert _times(session, appeal.id) == (_at(52), None)
    assert (appeal.dispatched_at, appeal.signed_at) == (_at(52), None)
    # 改派 of a case already signed for clears that signing too.
    appeal = _sign(session, appeal, HOUSING, _at(53))
    appeal = services.dispatch_appeal(
        session,
        actor=DISPATCHER,
        appeal_id=appeal.id,
        expected_version=appeal.version or 0,
        lead_unit="urban",
        reason="经核实仍属城管职责",
        redispatch=True,
        now=_at(54),
    )
    assert _times(session, appeal.id) == (_at(54), None)


def test_signing_in_the_engines_own_queue_is_recorded_too(session: Session) -> None:
    appeal = _call(session, "resp-engine", now=MONDAY)
    assert appeal.instance_id is not None
    wf.perform_action(
        session,
        actor=URBAN,
        instance_id=appeal.instance_id,
        action="sign",
        expected_version=appeal.version or 0,
        now=_at(1),
    )
    assert _times(session, appeal.id) == (MONDAY, _at(1))


def test_response_rate_counts_signing_within_the_limit_per_department_and_district(session: Session) -> None:
    on_time = _call(session, "resp-on-time", now=MONDAY)
    _sign(session, on_time, URBAN, TUESDAY_DEADLINE)  # at the very deadline: on time
    late = _call(session, "resp-late", now=MONDAY)
    _sign(session, late, URBAN, TUESDAY_DEADLINE + dt.timedelta(minutes=1))
    _call(session, "resp-unsigned", now=MONDAY)  # never signed: overdue since Tuesday evening
    _call(session, "resp-fresh", now=THURSDAY - dt.timedelta(hours=4))  # unsigned, still within its limit
    # Signed late by urban, returned, re-dispatched to housing on Wednesday and signed by housing on Thursday
    # morning, within the new dispatch's own limit: on time.
    moved = _call(session, "resp-moved", now=MONDAY)
    moved = _sign(session, moved, URBAN, _at(49))
    moved = services.perform(
        session,
        actor=URBAN,
        appeal_id=moved.id,
        action="return",
        expected_version=moved.version or 0,
        reason="属物业管理范围",
        now=_at(50),
    )
    moved = services.dispatch_appeal(
        session,
        actor=DISPATCHER,
        appeal_id=moved.id,
        expected_version=moved.version or 0,
        lead_unit="housing",
        reason="改派住建部门",
        redispatch=True,
        now=_at(51),
    )
    _sign(session, moved, HOUSING, _at(73))

    board = kpis.dashboard(session, actor=DISPATCHER, date_from=MONDAY.date(), date_to=THURSDAY.date(), now=THURSDAY)
    totals = board.totals
    assert board.sign_limit == services.routing.load_time_limits().sign_within
    assert totals.dispatched == 5
    # Due to be signed by now: on time, late, unsigned, moved; the fresh one is not yet.
    assert (totals.responded, totals.response_due, totals.unsigned_overdue) == (2, 4, 1)
    assert totals.response_rate == 0.5
    units = {r.code: r for r in board.by_department}
    assert (units["urban"].dispatched, units["urban"].responded, units["urban"].response_due) == (4, 1, 3)
    assert units["urban"].response_rate == round(1 / 3, 4)
    assert (units["housing"].responded, units["housing"].response_due, units["housing"].response_rate) == (1, 1, 1.0)
    district = next(r for r in board.by_district if r.code == "510107")
    assert (district.responded, district.response_due, district.unsigned_overdue) == (2, 4, 1)

    lines = kpis.kpi_csv(board.by_department, board.totals).lstrip("\ufeff").splitlines()
    assert lines[0].endswith(",应响应,超时未签收")
    assert lines[-1].startswith(",合计,5,5,2,50.0%,")
    assert lines[-1].endswith(",4,1")

    # A week later the fresh one is overdue as well.
    later = kpis.dashboard(
        session,
        actor=DISPATCHER,
        date_from=MONDAY.date(),
        date_to=THURSDAY.date(),
        now=THURSDAY + dt.timedelta(days=7),
    )
    assert (later.totals.responded, later.totals.response_due, later.totals.unsigned_overdue) == (2, 5, 2)


def test_the_dashboard_page_states_the_sign_limit_and_the_overdue_signings(settings: Settings) -> None:
    app = create_app(settings)
    app.dependency_overrides[web_deps.get_actor] = lambda: LEADER
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: LEADER
    with TestClient(app) as client:
        html = client.get("/hotline/dashboard", headers={"Accept": "text/html"}).text
    app.state.engine.dispose()
    assert "在签收时限内签收的派单 ÷ 应响应量" in html
    assert "承办单位应在派单（含改派）后 1 个工作日内签收" in html
    assert html.count('<th class="num">超时未签收</th>') == 2  # by department and by district


def test_the_api_and_the_appeal_page_show_dispatch_and_sign_times(settings: Settings, session: Session) -> None:
    signed = _sign(session, _call(session, "resp-shown", now=MONDAY), URBAN, _at(2.5))
    waiting = _call(session, "resp-waiting", now=_at(1))
    session.commit()
    app = create_app(settings)
    app.dependency_overrides[web_deps.get_actor] = lambda: URBAN
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: URBAN
    with TestClient(app) as client:
        detail = client.get(f"/api/hotline/appeals/{signed.id}").json()
        listed = {item["id"]: item for item in client.get("/api/hotline/appeals").json()["items"]}
        page = client.get(f"/hotline/appeals/{signed.id}", headers={"Accept": "text/html"}).text
        waiting_page = client.get(f"/hotline/appeals/{waiting.id}", headers={"Accept": "text/html"}).text
    app.state.engine.dispose()
    assert (detail["dispatched_at"], detail["signed_at"]) == ("2026-11-30T01:00:00Z", "2026-11-30T03:30:00Z")
    assert (listed[waiting.id]["dispatched_at"], listed[waiting.id]["signed_at"]) == ("2026-11-30T02:00:00Z", None)
    # In 北京时间 on the page, like the other times there.
    assert '<dt>派单时间</dt><dd id="appeal-dispatched-at">2026年11月30日 09:00</dd>' in page
    assert '<dt>签收时间</dt><dd id="appeal-signed-at">2026年11月30日 11:30</dd>' in page
    assert '<dd id="appeal-dispatched-at">2026年11月30日 10:00</dd>' in waiting_page
    assert '<dd id="appeal-signed-at">待签收</dd>' in waiting_page
