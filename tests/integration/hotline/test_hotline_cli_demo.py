"""``yiwang hotline routing show|validate`` and ``sweep``; the demo appeals (every stage, real timelines,
idempotent)."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services
from yiwang.hotline import cli, demo, routing, services
from yiwang.hotline.models import Appeal
from yiwang.registry import services as registry_services
from yiwang.workflow import services as workflow_services


def test_routing_show_and_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli.app, ["routing", "show"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert routing.load_catalogue().version in shown.output
    assert "city-appearance-local" in shown.output
    assert "13 个工作日" in shown.output
    assert "签收时限（响应率）" in shown.output

    valid = runner.invoke(cli.app, ["routing", "validate"])
    assert valid.exit_code == 0, valid.output
    assert "检查通过" in valid.output

    body = yaml.safe_load(routing.CATALOGUE_FILE.read_text(encoding="utf-8"))
    body["rules"].insert(0, {"id": "everything", "when": {}, "lead": "nowhere"})
    body["rules"].insert(1, {"id": "odd", "when": {"department": ["moon"], "category": ["999*"]}, "lead": "urban"})
    broken = tmp_path / "catalogue.yaml"
    broken.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    refused = runner.invoke(cli.app, ["routing", "validate", "--catalogue", str(broken)])
    assert refused.exit_code == 2, refused.output
    assert "承办单位 nowhere 不是部门代码" in refused.output
    assert "部门 moon 不在部门目录中" in refused.output
    assert "分类 999* 不在诉求分类目录中" in refused.output
    assert "规则 everything 无条件匹配一切" in refused.output

    malformed = tmp_path / "limits.yaml"
    malformed.write_text("by_type: {投诉: {amount: 13, unit: fortnights}}\n", encoding="utf-8")
    refused = runner.invoke(cli.app, ["routing", "validate", "--time-limits", str(malformed)])
    assert refused.exit_code == 2
    assert "办理时限：by_type.投诉 的时限单位或数量无效" in refused.output


def test_sweep_command(db_url: str) -> None:
    result = CliRunner().invoke(
        cli.app, ["sweep", "--at", "2026-12-01T09:00:00+08:00"], env={"YIWANG_DATABASE_URL": db_url}
    )
    assert result.exit_code == 0, result.output
    assert "催办 0 件，督办 0 件，补全受理 0 件" in result.output
    bad = CliRunner().invoke(cli.app, ["sweep", "--at", "tomorrow"], env={"YIWANG_DATABASE_URL": db_url})
    assert bad.exit_code == 2
    assert "--at 时间格式不正确" in bad.output


def _prepare_city(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        geo_services.load_master_data(session, settings=Settings(database_url=url, grid_cell_m=5000))
        registry_services.load_departments(session)
        workflow_services.ensure_builtin_definitions(session)
    engine.dispose()


@pytest.fixture
def city_url(db_factory: Any) -> Iterator[str]:
    url = db_factory.clone(db_factory.template("hotline_city", prepare=_prepare_city))
    yield url
    db_factory.release(url)


def test_demo_appeals_cover_every_stage_and_are_made_once(city_url: str) -> None:
    settings = Settings(database_url=city_url, log_level="WARNING")
    engine = make_engine(city_url)
    try:
        with make_session_factory(engine)() as session:
            line = demo.prepare(session, settings=settings)
            assert line is not None
            assert "40" in line
            _check_demo(session)
            assert "跳过" in (demo.prepare(session, settings=settings) or "")
            assert session.scalar(select(Appeal.id).order_by(Appeal.id.desc()).limit(1)) == 40
    finally:
        engine.dispose()


def _check_demo(session: Session) -> None:
    rows = list(session.scalars(select(Appeal)))
    assert len(rows) == 40
    assert all(row.synthetic for row in rows)
    states = collections.Counter(row.state for row in rows)
    for state in ("受理", "派单", "签收", "办理", "答复", "回访", "办结", "转接", "已并单"):
        assert states[state] >= 1, states
    assert {row.channel for row in rows} >= {"phone", "web", "app", "qr", "open311", "wechat"}
    assert len({row.district_code for row in rows}) >= 8
    assert sum(row.direct_answer for row in rows) == 3
    assert sum(row.reopen_count for row in rows) == 2
    masters = [row for row in rows if row.duplicate_count]
    assert len(masters) == 2
    overdue = [row for row in rows if row.reminded_at is not None]
    assert len(overdue) >= 3
    assert any(row.supervised_at is not None for row in rows)
    # Every appeal has a real case whose timeline the detail view shows.
    closed = next(row for row in rows if row.state == "办结" and row.satisfaction == "满意")
    detail = services.get_appeal(session, actor=services.HOTLINE_ACTOR, appeal_id=closed.id)
    actions = [entry["action"] for entry in detail.timeline]
    assert actions[0] == "start"
    assert "revisit_satisfied" in actions
    assert detail.callbacks[0].rating_level == 5
