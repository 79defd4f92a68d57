"""``yiwang demo --no-serve`` on a fresh database file: migrate, seed a small city, open the demo accounts, create
demo cases, print the accounts and where to look."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from yiwang.app import create_app
from yiwang.cli import app as cli_app
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory, redact_url
from yiwang.demo import account_lines, generate_password
from yiwang.hotline.models import Appeal
from yiwang.identity import passwords
from yiwang.identity import services as identity_services
from yiwang.kernel.actor import Actor
from yiwang.onestop.models import Application, ApplicationItem
from yiwang.workflow import services as workflow_services
from yiwang.workflow.models import WorkflowInstance

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


def _assert_units_named_once(page: str) -> None:
    # 承办单位 by name, each once, although 交通运输局 holds two items of the bundle.
    assert "市交通运输局" in page
    assert "transport、" not in page
    assert "市交通运输局、市交通运输局" not in page


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
    assert "一网通办：演示申请 5 件（" in output
    assert "已生成 12345 热线演示诉求" in output
    assert "一件事办件" not in output, "the demo makes no bare workflow bundles"
    assert "http://127.0.0.1:8123/work" in output

    restaurant, transport = _assert_demo_cases(env["YIWANG_DATABASE_URL"])

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
        # The demo's 一件事 is a real application: its department page opens for the market regulator's staff.
        _log_in_page(client, "staff.market")
        page = client.get(f"/onestop/applications/{restaurant}")
        assert page.status_code == 200, page.text
        assert "开办餐饮店" in page.text
        # A 一件事 still waits on the regulator: in its queue of items to take in and in 待办 of the work queue.
        queue = client.get("/onestop/queue", params={"status": "pending"})
        assert queue.status_code == 200, queue.text
        assert transport in queue.text
        assert "开办运输企业" in queue.text
        work = client.get("/work", params={"tab": "todo", "definition": "onestop"})
        assert work.status_code == 200, work.text
        assert f"开办运输企业（{transport}）" in work.text
        _assert_units_named_once(work.text)
    app.state.engine.dispose()

    # A second run finds the city already there and leaves it alone.
    again = runner.invoke(cli_app, ["demo", "--no-serve"], env=env)
    assert again.exit_code == 0, again.output
    assert "跳过生成" in again.output
    assert "生成合成成都" not in again.output
    assert "一网通办：演示申请 5 件已存在" in again.output
    assert "12345 演示诉求已存在" in again.output
    assert "演示申请 5 件（" not in again.output
    assert "已生成 12345" not in again.output


def _assert_demo_cases(url: str) -> tuple[int, str]:
    """Check the demo's cases in the work queue; the 开办餐饮店's id and the 开办运输企业's number."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            # Only appeals and one-stop applications: no bare workflow bundles without an application.
            keys = set(session.scalars(select(WorkflowInstance.definition_key).distinct()))
            assert keys == {"appeal", "onestop"}, keys
            # The market regulator has a 12345 appeal to sign, and under 已办 the 一件事 it decided; the dispatcher
            # sees overdue appeals.
            market = _log_in(session, "staff.market")
            todo = workflow_services.list_queue(session, actor=market, tab="todo")
            assert any(item.definition_key == "appeal" and item.state == "签收" for item in todo.items), todo.items
            done = workflow_services.list_queue(session, actor=market, tab="done", definition_key="onestop")
            assert any("开办餐饮店" in (item.title or "") for item in done.items), done.items
            # …and under 待办 the 一件事 whose other departments have moved on while its branch waits to be taken in.
            transport = session.scalars(select(Application).where(Application.code == "yjs-transport-company")).one()
            pending = workflow_services.list_queue(session, actor=market, tab="todo", definition_key="onestop")
            assert [item.id for item in pending.items] == [transport.workflow_instance_id], pending.items
            branches = session.execute(
                select(ApplicationItem.department_code, ApplicationItem.status).where(
                    ApplicationItem.application_id == transport.id
                )
            ).all()
            assert ("market", "pending") in branches, branches
            assert ("police", "approved") in branches, branches
            late = workflow_services.list_queue(session, actor=_log_in(session, "dispatcher.12345"), tab="overdue")
            assert late.total > 0
            # Every appeal case is a hotline appeal with its record and page (no bare workflow appeals).
            appeal_cases = select(WorkflowInstance.subject_ref).where(WorkflowInstance.definition_key == "appeal")
            cases = {ref.removeprefix("appeal:") for ref in session.scalars(appeal_cases)}
            numbers = set(session.scalars(select(Appeal.number)))
            assert cases, "the demo has 12345 appeal cases"
            assert cases <= numbers, cases - numbers
            # Every one-stop case is an application that points back at it (its pages are the application's).
            onestop_cases = session.execute(
                select(WorkflowInstance.id, WorkflowInstance.subject_ref).where(
                    WorkflowInstance.definition_key == "onestop"
                )
            ).all()
            linked = dict(session.execute(select(Application.workflow_instance_id, Application.id)).all())
            assert len(onestop_cases) == 5, onestop_cases
            assert {ref for _, ref in onestop_cases} == {f"onestop:{linked[case]}" for case, _ in onestop_cases}
            restaurant = session.scalar(select(Application.id).where(Application.code == "yjs-restaurant"))
            assert restaurant is not None
            return restaurant, transport.number
    finally:
        engine.dispose()


def _log_in_page(client: TestClient, username: str) -> None:
    """Sign the client in through the /login form."""
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _log_in(session: Session, username: str) -> Actor:
    grant = identity_services.authenticate(session, username=username, password=PASSWORD)
    actor = identity_services.actor_for_session(
        session, account_id=grant.account_id, credentials_version=grant.credentials_version
    )
    assert actor is not None
    return actor


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
