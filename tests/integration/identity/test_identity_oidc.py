"""Login through the city's identity provider: a real OpenID Connect round trip against a fake provider."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from id_helpers import PERSON_ID, FakeProvider, make_account
from sqlalchemy.orm import Session

from yiwang.identity import services
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR


@pytest.fixture
def oidc_client(oidc_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(oidc_app) as client:
        yield client


def _round_trip(client: TestClient, next_path: str = "/me") -> httpx.Response:
    """Browser steps: our /login/oidc → the provider's authorize endpoint → back to our callback."""
    start = client.get(f"/login/oidc?next={next_path}", follow_redirects=False)
    assert start.status_code == 302
    authorize_url = start.headers["location"]
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["scope"] == ["openid profile"]
    assert query["nonce"]
    approved = httpx.get(authorize_url, follow_redirects=False)  # the real provider, over loopback HTTP
    assert approved.status_code == 302
    callback = approved.headers["location"]
    assert callback.startswith("http://testserver/login/oidc/callback?code=")
    return client.get(callback, follow_redirects=False)


def test_first_login_creates_a_citizen_account(
    oidc_client: TestClient, fake_provider: FakeProvider, id_session: Session
) -> None:
    assert "使用天府通办统一身份认证登录" in oidc_client.get("/login").text
    fake_provider.claims = {
        "sub": "tf-0001",
        "preferred_username": "wang.jianguo",
        "name": "王建国",
        "id_number": PERSON_ID,
    }
    done = _round_trip(oidc_client, next_path="/me")
    assert done.status_code == 303
    assert done.headers["location"] == "/me"
    me = oidc_client.get("/api/identity/me").json()
    assert me["username"] == "wang.jianguo"
    assert me["role"] == "citizen"
    assert me["person_id_number_masked"] == "510107********1236"
    assert me["linked_to_identity_provider"] is True
    assert me["has_password"] is False
    events = services.list_account_events(id_session, actor=SYSTEM_ACTOR, username="wang.jianguo")
    assert [event.action for event in events] == ["linked", "created"]

    # a second login finds the same account through the linked subject, even if the username changed upstream
    oidc_client.cookies.clear()
    fake_provider.claims = {"sub": "tf-0001", "preferred_username": "renamed", "name": "王建国", "id_number": PERSON_ID}
    assert _round_trip(oidc_client).status_code == 303
    assert oidc_client.get("/api/identity/me").json()["username"] == "wang.jianguo"


def test_existing_staff_account_is_linked_and_roles_follow_the_provider(
    oidc_client: TestClient, fake_provider: FakeProvider, id_session: Session
) -> None:
    make_account(
        id_session, "li.na", Role.DEPARTMENT_STAFF, department_code="market", extra_roles=[Role.PLATFORM_ADMIN]
    )
    fake_provider.claims = {
        "sub": "tf-0002",
        "preferred_username": "li.na",
        "name": "李娜",
        "roles": ["dispatcher", "platform_admin", "unknown-role"],
        "department": "urban",
    }
    assert _round_trip(oidc_client).status_code == 303
    me = oidc_client.get("/api/identity/me").json()
    assert me["display_name"] == "李娜"
    # platform_admin stays because it was granted here; the provider can neither grant nor remove it
    assert [role["value"] for role in me["roles"]] == ["platform_admin", "dispatcher"]
    assert me["department_code"] == "urban"

    oidc_client.cookies.clear()
    make_account(id_session, "zhou.min", Role.LEADER)
    fake_provider.claims = {"sub": "tf-0003", "preferred_username": "zhou.min", "roles": ["platform_admin"]}
    refused = _round_trip(oidc_client)
    assert refused.status_code == 401
    assert "统一身份认证未授予本平台的任何角色" in refused.text


def test_incomplete_roles_from_the_provider_are_refused(oidc_client: TestClient, fake_provider: FakeProvider) -> None:
    fake_provider.claims = {
        "sub": "tf-0004",
        "preferred_username": "x.y",
        "id_number": PERSON_ID,
        "roles": ["grid_worker"],
    }
    refused = _round_trip(oidc_client)
    assert refused.status_code == 401
    assert "角色信息不完整：网格员必须指定负责的网格编码" in refused.text


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [("signature", "身份令牌无效"), ("audience", "身份令牌无效"), ("nonce", "身份令牌无效")],
)
def test_forged_id_tokens_are_refused(
    oidc_client: TestClient, fake_provider: FakeProvider, tamper: str, reason: str
) -> None:
    fake_provider.claims = {"sub": "tf-0005", "preferred_username": "mallory", "id_number": PERSON_ID}
    fake_provider.tamper = tamper
    refused = _round_trip(oidc_client)
    assert refused.status_code == 401
    assert reason in refused.text
    assert oidc_client.get("/api/identity/me").status_code == 401


def test_unknown_people_need_an_account_when_auto_create_is_off(oidc_app: FastAPI, fake_provider: FakeProvider) -> None:
    config = oidc_app.state.identity_config
    oidc_app.state.identity_config = config.model_copy(
        update={"oidc": config.oidc.model_copy(update={"auto_create": False})}
    )
    fake_provider.claims = {"sub": "tf-0006", "preferred_username": "stranger", "id_number": PERSON_ID}
    with TestClient(oidc_app) as client:
        refused = _round_trip(client)
    assert refused.status_code == 401
    assert "尚未开通本平台账户" in refused.text


def test_callback_without_a_started_login_is_refused(oidc_client: TestClient) -> None:
    response = oidc_client.get("/login/oidc/callback?code=abc&state=forged", follow_redirects=False)
    assert response.status_code == 401
    assert "统一身份认证失败" in response.text


def test_oidc_routes_without_a_provider(id_client: TestClient) -> None:
    response = id_client.get("/login/oidc")
    assert response.status_code == 404
    assert response.json()["detail"][0]["message"] == "本平台未配置统一身份认证"
