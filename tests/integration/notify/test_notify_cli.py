"""`yiwang notify deliver|outbox|templates` and `yiwang ratings stats|overdue` on a real database."""

from __future__ import annotations

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from yiwang.kernel.actor import Actor
from yiwang.notify import cli as notify_cli
from yiwang.notify import services
from yiwang.ratings import cli as ratings_cli
from yiwang.ratings import services as ratings_services

RUNNER = CliRunner()
CITIZEN = Actor(id="citizen-001", department=None, role="citizen", roles=frozenset({"citizen"}))


def test_deliver_and_outbox_commands(session: Session, db_url: str) -> None:
    env = {"YIWANG_DATABASE_URL": db_url, "COLUMNS": "240"}
    services.enqueue(
        session,
        template_key="completed",
        channel="sms",
        recipient="13812345678",
        recipient_account_id="citizen-001",
        variables={"service_name": "食品经营许可", "case_no": "SL1", "result": "准予许可"},
        idempotency_key="cli:1",
    )
    session.commit()
    queued = RUNNER.invoke(notify_cli.app, ["outbox", "--status", "pending"], env=env)
    assert queued.exit_code == 0, queued.output
    assert "138****5678" in queued.output
    assert "13812345678" not in queued.output
    delivered = RUNNER.invoke(notify_cli.app, ["deliver"], env=env)
    assert delivered.exit_code == 0, delivered.output
    assert "领取 1 条：已发送 1" in delivered.output
    listed = RUNNER.invoke(notify_cli.app, ["outbox"], env=env)
    assert "已发送" in listed.output
    templates = RUNNER.invoke(notify_cli.app, ["templates"], env=env)
    assert "差评整改通知" in templates.output


def test_ratings_commands(session: Session, db_url: str) -> None:
    env = {"YIWANG_DATABASE_URL": db_url, "COLUMNS": "240"}
    ratings_services.submit_rating(
        session,
        actor=CITIZEN,
        subject_ref="workflow:1",
        department_code="market",
        unit_code="market.a",
        channel="online",
        level=4,
    )
    stats = RUNNER.invoke(ratings_cli.app, ["stats"], env=env)
    assert stats.exit_code == 0, stats.output
    assert "100.0%" in stats.output
    bad = RUNNER.invoke(ratings_cli.app, ["stats", "--by", "district"], env=env)
    assert bad.exit_code == 2
    assert "统计维度" in bad.output
    overdue = RUNNER.invoke(ratings_cli.app, ["overdue"], env=env)
    assert overdue.exit_code == 0, overdue.output
    assert "超期督办通知已入队 0 条" in overdue.output
