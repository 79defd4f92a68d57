"""The one-stop demo on a small seeded city: a completed 开办餐饮店 with its certificates, a 告知承诺 awaiting its
post-check, a 补正 at the tax bureau, a 开办运输企业 part-way through its parallel branches and a 秒批; a second run
adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.catalogue import demo as catalogue_demo
from yiwang.certs import demo as certs_demo
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.identity import services as identity_services
from yiwang.onestop import demo, services
from yiwang.onestop.models import Application
from yiwang.seed import services as seed_services
from yiwang.workflow import services as workflow_services

PASSWORD = "OnestopDemo2026"  # noqa: S105 - the demo accounts of a throwaway database


def _prepare(url: str) -> None:
    settings = Settings(database_url=url, grid_cell_m=5000, log_level="WARNING")
    seed_services.seed_demo(settings, seed=7, persons=300, enterprises=60, progress=False)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        identity_services.seed_demo_accounts(session, password=PASSWORD)
        catalogue_demo.prepare(session, settings=settings)
        certs_demo.prepare(session, settings=settings)
    engine.dispose()


@pytest.fixture
def db_url(db_factory: Any) -> Iterator[str]:
    """A small seeded city with the demo accounts, the catalogue and the demo certificates."""
    url = db_factory.clone(db_factory.template("onestop_demo_city", prepare=_prepare))
    yield url
    db_factory.release(url)


def test_demo_applications_are_made_once_and_quickly(session: Session, settings: Settings) -> None:
    line = demo.prepare(session, settings=settings)
    assert line is not None
    assert "演示申请 5 件" in line, line
    assert "未生成" not in line, line

    number = demo._citizen_number(session)
    agent = demo._applicant(session, demo.AGENT, number)
    citizen = demo._applicant(session, demo.CITIZEN, number)
    assert agent is not None
    assert citizen is not None
    mine = services.list_my_applications(session, actor=agent)
    by_code = {a.code: a for a in mine.items}
    assert by_code[demo.RESTAURANT].status == "completed"
    restaurant = services.get_application(session, actor=agent, application_id=by_code[demo.RESTAURANT].id)
    assert restaurant.outcome == "approved"
    assert len(restaurant.certificates) == len(restaurant.item_rows) >= 5
    # The new enterprise's legal representative is citizen.demo, by name as well as by ID number.
    assert restaurant.form_data["legal_representative"] == demo._representative_name(session)
    assert by_code[demo.INVOICES].status == "correction"
    checks = services.list_post_checks(session, actor=demo._staff("market"))
    assert [c.application_number for c in checks.items] == [by_code[demo.FOOD_LICENCE].number]
    _assert_transport_company_waits_on_the_market_regulator(session, by_code[demo.TRANSPORT_COMPANY].id)
    ride = services.list_my_applications(session, actor=citizen).items
    assert [a.code for a in ride] == [demo.RIDE_HAILING]
    read = services.get_application(session, actor=citizen, application_id=ride[0].id)
    assert read.item_rows[0].rule_trace, "秒批 kept its trace"
    assert "秒批" in line

    again = demo.prepare(session, settings=settings)
    assert again is not None
    assert "已存在" in again
    assert session.scalar(select(func.count()).select_from(Application)) == 5


def _assert_transport_company_waits_on_the_market_regulator(session: Session, application_id: int) -> None:
    """Some branches decided, some not: the market regulator finds the 一件事 in its queue and in 待办."""
    agent = demo._applicant(session, demo.AGENT, None)
    assert agent is not None
    read = services.get_application(session, actor=agent, application_id=application_id)
    assert read.status == "submitted"
    by_department: dict[str, list[str]] = {}
    for row in read.item_rows:
        by_department.setdefault(row.department_code, []).append(row.status)
    assert by_department == {
        "market": ["pending"],
        "transport": ["accepted", "pending"],
        "police": ["approved"],
        "tax": ["approved"],
    }, by_department
    assert len(read.certificates) == 2

    market = demo._staff("market")
    pending = services.department_queue(session, actor=market, status="pending")
    assert [a.id for a in pending.items] == [application_id], pending.items
    todo = workflow_services.list_queue(session, actor=market, tab="todo", definition_key="onestop")
    assert [item.title for item in todo.items] == [f"开办运输企业（{read.number}）"], todo.items
    # The police, who decided their item, have nothing left to take in; the transport bureau is still reviewing.
    assert not services.department_queue(session, actor=demo._staff("police"), status="pending").items
    in_review = services.department_queue(session, actor=demo._staff("transport"), status="accepted")
    assert [a.id for a in in_review.items] == [application_id]
