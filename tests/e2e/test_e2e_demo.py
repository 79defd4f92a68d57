"""``yiwang demo --no-serve`` on a fresh database file: migrate, seed a small city, open the demo accounts, create
demo cases, print the accounts and where to look."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from yiwang.app import create_app
from yiwang.cli import app as cli_app
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory, redact_url
from yiwang.demo import account_lines, generate_password
from yiwang.identity import passwords
from yiwang.identity import services as identity_services
from yiwang.workflow import services as workflow_services

PASSWORD = "DemoPass2026"  # noqa: S105 - the demo accounts of a throwaway database


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "YIWANG_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "YIWANG_DEMO_PERSONS": "300",
        "YIWANG_DEMO_ENTERPRISES": "60",
        "YIWANG_GRID_CELL_M": "5000",
        # A folder without packages: the demo must carry on without charts rather than run npm here.
        "YIWANG_FRONTEND_DIR": str(tmp_path / "no_node_modules"),
        "YIWANG_LOG_LEVEL": "WARNING",
        "YIWANG_PORT": "8123",
        "YIWANG_DEMO_PASSWORD": PASSWORD,
    }


def test_demo_no_serve_seeds_a_fresh_database_and_prints_the_links(tmp_path):
    env = _env(tmp_path)
    runner = CliRunner()

    result = runner.invoke(cli_app, ["demo", "--no-serve"], env=env)
    assert result.exit_code == 0, result.output
    output = result.output
    assert "升级数据库结构" in output
    assert "页面将不显示图表和地图" in output
    assert "生成合成成都" in output
    for label in ("首页", "数据底座", "一企一档", "人员", "审计日志", "/docs", "/metrics", "/healthz"):
        assert label in output
    match = re.search(r"http://127\.0\.0\.1:8123/registry/enterprises/(\w{18})", output)
    assert match, output
    # The accounts table and the password, and the demo cases.
    assert "演示账户" in output
    for username in ("admin", "staff.market", "operator.12345", "dispatcher.12345", "leader.city", "citizen.demo"):
        assert re.search(rf"^  {re.escape(username)} ", output, re.MULTILINE), output
    assert f"密码 / password: {PASSWORD}" in output
    assert "已生成 12345 诉求" in output
    assert "http://127.0.0.1:8123/work" in output

    engine = make_engine(env["YIWANG_DATABASE_URL"])
    try:
        with make_session_factory(engine)() as session:
            grant = identity_services.authenticate(session, username="staff.market", password=PASSWORD)
            actor = identity_services.actor_for_session(
                session, account_id=grant.account_id, credentials_version=grant.credentials_version
            )
            assert actor is not None
            todo = workflow_services.list_queue(session, actor=actor, tab="todo", page_size=100)
            states = {item.state for item in todo.items}
            assert {"签收", "办理"} <= states, states
            assert any(item.definition_key == "bundle" for item in todo.items)
            assert any(item.overdue for item in todo.items)
    finally:
        engine.dispose()

    settings = Settings(database_url=env["YIWANG_DATABASE_URL"], frontend_dir=tmp_path / "no_node_modules")
    app = create_app(settings)
    with TestClient(app) as client:
        overview = client.get("/api/registry/overview").json()
        assert overview["persons"] == 300
        assert overview["enterprises"] == 60
        assert client.get(f"/registry/enterprises/{match.group(1)}").status_code == 200
        home = client.get("/").text
        assert "数据库还是空的" not in home
        assert "市场主体" in home
    app.state.engine.dispose()

    # A second run finds the city already there and leaves it alone.
    again = runner.invoke(cli_app, ["demo", "--no-serve"], env=env)
    assert again.exit_code == 0, again.output
    assert "跳过生成" in again.output
    assert "生成合成成都" not in again.output
    assert "已有演示办件" in again.output
    assert "已生成 12345 诉求" not in again.output


def test_generated_password_follows_the_rules_and_is_printed_with_the_accounts():
    password = generate_password()
    assert passwords.check_password_rules(password) == password
    assert generate_password() != password
    lines = account_lines(
        [{"username": "staff.market", "display_name": "市场监管局", "role": "部门工作人员", "scope": "market"}],
        password=password,
        generated=True,
    )
    assert any("staff.market" in line and "部门工作人员" in line for line in lines)
    assert any(password in line and "YIWANG_DEMO_PASSWORD" in line for line in lines)


def test_redact_url_hides_only_the_password():
    assert (
        redact_url("postgresql+psycopg://yiwang:s3cret@db:5432/yiwang")
        == "postgresql+psycopg://yiwang:***@db:5432/yiwang"
    )
    assert (
        redact_url("postgresql+psycopg://postgres@127.0.0.1/yiwang") == "postgresql+psycopg://postgres@127.0.0.1/yiwang"
    )
    assert redact_url("sqlite:///yiwang.db") == "sqlite:///yiwang.db"
