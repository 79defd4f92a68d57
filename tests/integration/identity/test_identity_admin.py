"""Account administration through the pages and the JSON API (platform admins only)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from id_helpers import PASSWORD, csrf_of, login, make_account
from sqlalchemy.orm import Session

from yiwang.identity import services
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR

NEW_PASSWORD = "Jinli2027ok"  # noqa: S105 - test data


def _admin_headers(session: Session) -> dict[str, str]:
    make_account(session, "admin", Role.PLATFORM_ADMIN)
    issued = services.create_api_token(session, actor=SYSTEM_ACTOR, username="admin", name="测试")
    return {"Authorization": f"Bearer {issued.access_token}"}


def test_admin_pages(id_session: Session, id_client: TestClient) -> None:
    make_account(id_session, "admin", Role.PLATFORM_ADMIN)
    make_account(id_session, "staff.tax", Role.DEPARTMENT_STAFF, department_code="tax")
    login(id_client, "admin")
    listing = id_client.get("/admin/accounts")
    assert listing.status_code == 200
    assert "账户管理" in listing.text
    assert "市税务局" in listing.text
    assert "市市场监管局（market）" in listing.text  # the department choices of the create form

    failed = id_client.post(
        "/admin/accounts",
        data={
            "username": "zhang.wei",
            "display_name": "张伟",
            "role": "department_staff",
            "csrf_token": csrf_of(listing.text),
        },
    )
    assert failed.status_code == 422
    assert "部门工作人员必须指定所属部门" in failed.text
    assert 'value="zhang.wei"' in failed.text  # the form keeps what was typed

    created = id_client.post(
        "/admin/accounts",
        data={
            "username": "zhang.wei",
            "display_name": "张伟",
            "password": PASSWORD,
            "role": "department_staff",
            "extra_roles": ["leader"],
            "department_code": "market",
            "district_code": "510107",
            "csrf_token": csrf_of(listing.text),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/accounts/zhang.wei"
    detail = id_client.get("/admin/accounts/zhang.wei")
    assert "已创建账户 zhang.wei" in detail.text
    assert "市市场监管局 · 武侯区" in detail.text
    assert "创建账户" in detail.text  # the history
    token = csrf_of(detail.text)

    saved = id_client.post(
        "/admin/accounts/zhang.wei",
        data={"display_name": "张伟", "role": "dispatcher", "department_code": "cityops", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert services.get_account(id_session, actor=SYSTEM_ACTOR, username="zhang.wei").role == "dispatcher"

    issued = id_client.post("/admin/accounts/zhang.wei/tokens", data={"name": "导入脚本", "csrf_token": token})
    assert "只显示这一次" in issued.text
    secret = issued.text.split('id="issued-token">', 1)[1].split("<", 1)[0]
    assert (
        id_client.get("/api/identity/me", headers={"Authorization": f"Bearer {secret}"}).json()["username"]
        == "zhang.wei"
    )
    token_id = services.list_api_tokens(id_session, actor=SYSTEM_ACTOR, username="zhang.wei")[0].id
    id_client.post(f"/admin/accounts/zhang.wei/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert id_client.get("/api/identity/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    bad_days = id_client.post(
        "/admin/accounts/zhang.wei/tokens", data={"name": "x", "expires_in_days": "abc", "csrf_token": token}
    )
    assert bad_days.status_code == 422
    assert "有效天数应为1到3650之间的整数" in bad_days.text

    weak = id_client.post("/admin/accounts/zhang.wei/password", data={"new_password": "123", "csrf_token": token})
    assert weak.status_code == 422
    assert "密码至少需要8个字符" in weak.text
    id_client.post("/admin/accounts/zhang.wei/password", data={"new_password": NEW_PASSWORD, "csrf_token": token})
    assert services.authenticate(id_session, username="zhang.wei", password=NEW_PASSWORD)

    id_client.post("/admin/accounts/zhang.wei/status", data={"active": "0", "csrf_token": token})
    assert not services.get_account(id_session, actor=SYSTEM_ACTOR, username="zhang.wei").active
    assert "已停用" in id_client.get("/admin/accounts?active=0").text
    refused = id_client.post("/admin/accounts/admin/status", data={"active": "0", "csrf_token": token})
    assert refused.status_code == 422
    assert "不能停用自己正在使用的账户" in refused.text
    id_client.post("/admin/accounts/zhang.wei/status", data={"active": "1", "csrf_token": token})
    assert services.get_account(id_session, actor=SYSTEM_ACTOR, username="zhang.wei").active


def test_admin_pages_are_forbidden_to_others(id_session: Session, id_client: TestClient) -> None:
    make_account(id_session, "staff.tax", Role.DEPARTMENT_STAFF, department_code="tax")
    login(id_client, "staff.tax")
    page = id_client.get("/admin/accounts")
    assert page.status_code == 403
    assert "此页面仅限平台管理员使用" in page.text
    token = csrf_of(id_client.get("/me").text)
    for url in ("/admin/accounts/staff.tax", "/admin/accounts"):
        assert id_client.get(url).status_code == 403
    posted = id_client.post("/admin/accounts", data={"username": "x", "role": "leader", "csrf_token": token})
    assert posted.status_code == 403
    assert id_client.get("/api/identity/accounts").json()["detail"][0]["message"] == "此功能仅限平台管理员使用"


def test_account_api(id_session: Session, id_client: TestClient) -> None:
    headers = _admin_headers(id_session)
    roles = id_client.get("/api/identity/roles").json()
    assert {"value": "grid_worker", "label": "网格员"} in roles
    created = id_client.post(
        "/api/identity/accounts",
        headers=headers,
        json={
            "username": "li.lei",
            "display_name": "李雷",
            "password": PASSWORD,
            "role": "leader",
            "district_code": "510104",
        },
    )
    assert created.status_code == 201
    assert created.json()["scope_label"] == "锦江区"
    invalid = id_client.post(
        "/api/identity/accounts", headers=headers, json={"username": "x", "display_name": "x", "role": "citizen"}
    )
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0] == {
        "code": "invalid",
        "message": "市民账户必须绑定公民身份号码",
        "field": "person_id_number",
    }
    assert id_client.get("/api/identity/accounts?role=leader", headers=headers).json()["total"] == 1
    patched = id_client.patch("/api/identity/accounts/li.lei", headers=headers, json={"district_code": None})
    assert patched.json()["scope_label"] == "全市"
    assert (
        id_client.post(
            "/api/identity/accounts/li.lei/password", headers=headers, json={"new_password": NEW_PASSWORD}
        ).json()["username"]
        == "li.lei"
    )
    assert id_client.delete("/api/identity/accounts/li.lei", headers=headers).json()["active"] is False
    assert id_client.post("/api/identity/accounts/li.lei/activate", headers=headers).json()["active"] is True
    actions = [
        event["action"] for event in id_client.get("/api/identity/accounts/li.lei/events", headers=headers).json()
    ]
    assert actions == ["activated", "deactivated", "password_reset", "updated", "created"]

    issued = id_client.post(
        "/api/identity/accounts/li.lei/tokens", headers=headers, json={"name": "大屏", "expires_in_days": 30}
    )
    assert issued.status_code == 201
    body = issued.json()
    assert body["expires_in"] == 30 * 86400
    leader_headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert id_client.get("/api/identity/accounts/li.lei", headers=leader_headers).json()["username"] == "li.lei"
    assert id_client.get("/api/identity/accounts/admin", headers=leader_headers).status_code == 404
    assert id_client.get("/api/identity/accounts", headers=leader_headers).status_code == 403
    listed = id_client.get("/api/identity/accounts/li.lei/tokens", headers=leader_headers).json()
    assert [token["status"] for token in listed] == ["active"]
    revoked = id_client.delete(f"/api/identity/tokens/{body['token']['id']}", headers=leader_headers)
    assert revoked.json()["status"] == "revoked"
    assert id_client.get("/api/identity/me", headers=leader_headers).status_code == 401
    assert id_client.delete("/api/identity/tokens/99999", headers=headers).status_code == 404


def test_openapi_documents_the_bearer_scheme(id_client: TestClient) -> None:
    schema = id_client.get("/openapi.json").json()
    assert "/api/identity/token" in schema["paths"]
    assert schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == (
        "/api/identity/token"
    )
    assert "/login" not in schema["paths"]  # pages stay out of the API documentation
