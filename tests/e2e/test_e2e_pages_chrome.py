"""The page chrome over HTTP: the top bar shows who is logged in; page errors are Chinese HTML, the API keeps JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from yiwang.identity import services as identity_services
from yiwang.identity.schemas import AccountCreate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.registry import services as registry_services
from yiwang.workflow import services as workflow_services

PASSWORD = "Chrome2026pass"  # noqa: S105 - an account of a throwaway test database
HTML = {"accept": "text/html,application/xhtml+xml"}


def _login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _account(session: Session) -> None:
    registry_services.load_departments(session)
    workflow_services.ensure_builtin_definitions(session)
    identity_services.create_account(
        session,
        actor=SYSTEM_ACTOR,
        data=AccountCreate(
            username="staff.urban", display_name="城管委工作人员", role=Role.DEPARTMENT_STAFF,
            department_code="urban", password=PASSWORD,
        ),
    )  # fmt: skip


def test_top_bar_offers_login_then_shows_the_account(anon_client: TestClient, session: Session) -> None:
    home = anon_client.get("/")
    assert home.status_code == 200
    assert 'class="usernav-login"' in home.text
    assert 'href="/work"' in home.text
    assert 'href="/ratings"' in home.text

    _account(session)
    _login(anon_client, "staff.urban")
    home = anon_client.get("/")
    assert "城管委工作人员" in home.text
    assert "部门工作人员" in home.text
    assert 'href="/logout"' in home.text
    assert 'href="/me"' in home.text
    assert 'class="usernav-login"' not in home.text


def test_page_errors_are_html_and_api_errors_stay_json(anon_client: TestClient, session: Session) -> None:
    _account(session)
    _login(anon_client, "staff.urban")

    missing = anon_client.get("/work/instances/999999", headers=HTML)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "页面或数据不存在" in missing.text
    assert "事项 999999 不存在或无权查看" in missing.text
    assert "城管委工作人员" in missing.text  # the top bar still knows who is logged in

    unknown = anon_client.get("/no/such/page", headers=HTML)
    assert unknown.status_code == 404
    assert "找不到页面 /no/such/page" in unknown.text

    forbidden = anon_client.post("/logout", data={"csrf_token": "forged"}, headers=HTML, follow_redirects=False)
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.text
    assert "页面已过期或来源无法确认" in forbidden.text

    api = anon_client.get("/api/workflow/instances/999999", headers=HTML)
    assert api.status_code == 404
    [detail] = api.json()["detail"]
    assert detail["code"] == "not_found"

    # Scripts and tests that do not ask for HTML keep the JSON body on pages too.
    assert anon_client.get("/work/instances/999999").json()["detail"][0]["code"] == "not_found"
