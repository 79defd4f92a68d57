"""Password logins with lockout, login sessions and logout, bearer tokens (valid, expired, revoked)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from id_helpers import PASSWORD, csrf_of, login, make_account
from sqlalchemy.orm import Session

from yiwang.db import utcnow
from yiwang.identity import services
from yiwang.identity.errors import AccountLockedError, AuthenticationError
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR

NEW_PASSWORD = "Tianfu2027x"  # noqa: S105 - test data
WRONG = "wrong-pass1"
OTHER_CITIZEN = "51010419850101234X"


# --- the service -------------------------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_fail_alike(id_session: Session) -> None:
    make_account(id_session, "staff.tax", Role.DEPARTMENT_STAFF, department_code="tax")
    with pytest.raises(AuthenticationError) as wrong:
        services.authenticate(id_session, username="staff.tax", password=WRONG)
    with pytest.raises(AuthenticationError) as unknown:
        services.authenticate(id_session, username="nobody", password=WRONG)
    assert wrong.value.message == unknown.value.message == "用户名或密码错误"
    assert wrong.value.status_code == unknown.value.status_code == 401
    grant = services.authenticate(id_session, username="staff.tax", password=PASSWORD)
    assert grant.account.username == "staff.tax"
    assert grant.account.last_login_at is not None


def test_five_failures_lock_for_fifteen_minutes(id_session: Session) -> None:
    make_account(id_session, "operator.a", Role.HOTLINE_OPERATOR, department_code="cityops")
    start = utcnow()
    for attempt in range(4):
        with pytest.raises(AuthenticationError) as raised:
            services.authenticate(id_session, username="operator.a", password=f"wrong{attempt}", now=start)
        assert not isinstance(raised.value, AccountLockedError)
    with pytest.raises(AccountLockedError, match="连续5次登录失败，账户已锁定15分钟"):
        services.authenticate(id_session, username="operator.a", password=WRONG, now=start)
    # while locked even the right password is refused, and says so
    with pytest.raises(AccountLockedError, match="请14分钟后再试"):
        services.authenticate(
            id_session, username="operator.a", password=PASSWORD, now=start + dt.timedelta(minutes=1, seconds=30)
        )
    account = services.get_account(id_session, actor=SYSTEM_ACTOR, username="operator.a")
    assert account.locked_until is not None
    events = services.list_account_events(id_session, actor=SYSTEM_ACTOR, username="operator.a")
    assert events[0].action == "locked"
    # after the lock expires the right password works and the count starts again
    later = start + dt.timedelta(minutes=15, seconds=1)
    assert (
        services.authenticate(id_session, username="operator.a", password=PASSWORD, now=later).account.locked_until
        is None
    )
    for attempt in range(4):
        with pytest.raises(AuthenticationError):
            services.authenticate(id_session, username="operator.a", password=f"again{attempt}", now=later)
    assert services.authenticate(id_session, username="operator.a", password=PASSWORD, now=later)


def test_an_expired_lock_restarts_the_count(id_session: Session) -> None:
    make_account(id_session, "grid.lock", Role.LEADER)
    start = utcnow()
    for attempt in range(5):
        with pytest.raises(AuthenticationError):
            services.authenticate(id_session, username="grid.lock", password=f"bad{attempt}", now=start)
    later = start + dt.timedelta(minutes=16)
    with pytest.raises(AuthenticationError) as raised:  # one failure after the lock: not locked again
        services.authenticate(id_session, username="grid.lock", password=WRONG, now=later)
    assert not isinstance(raised.value, AccountLockedError)


def test_deactivated_account_is_told_only_with_the_right_password(id_session: Session) -> None:
    make_account(id_session, "leader.a", Role.LEADER)
    services.deactivate_account(id_session, actor=SYSTEM_ACTOR, username="leader.a")
    with pytest.raises(AuthenticationError, match="用户名或密码错误"):
        services.authenticate(id_session, username="leader.a", password=WRONG)
    with pytest.raises(AuthenticationError, match="账户已停用"):
        services.authenticate(id_session, username="leader.a", password=PASSWORD)


# --- pages -------------------------------------------------------------------------------------------------


def test_login_page_session_and_logout(id_session: Session, id_client: TestClient) -> None:
    make_account(id_session, "staff.market", Role.DEPARTMENT_STAFF, department_code="market")
    page = id_client.get("/login?next=/me")
    assert page.status_code == 200
    assert "登录一网" in page.text
    assert "统一身份认证" not in page.text  # no identity provider configured

    anonymous = id_client.get("/me", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/me"

    failed = login(id_client, "staff.market", WRONG)
    assert failed.status_code == 401
    assert "用户名或密码错误" in failed.text

    response = login(id_client, "staff.market", next_path="/me")
    assert response.status_code == 303
    assert response.headers["location"] == "/me"
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=lax" in response.headers["set-cookie"].lower()
    me = id_client.get("/me")
    assert me.status_code == 200
    assert "staff.market" in me.text
    assert "部门工作人员" in me.text
    assert "市市场监管局" in me.text
    api_me = id_client.get("/api/identity/me").json()
    assert api_me["username"] == "staff.market"
    assert api_me["department_code"] == "market"

    assert "确认退出" in id_client.get("/logout").text
    out = id_client.post("/logout", data={"csrf_token": csrf_of(me.text)}, follow_redirects=False)
    assert out.headers["location"] == "/login?logged_out=1"
    assert "您已安全退出" in id_client.get("/login?logged_out=1").text
    assert id_client.get("/me", follow_redirects=False).status_code == 303
    assert id_client.get("/logout", follow_redirects=False).headers["location"] == "/login"


def test_login_refuses_forms_without_the_session_csrf_token(id_session: Session, id_client: TestClient) -> None:
    make_account(id_session, "staff.market", Role.DEPARTMENT_STAFF, department_code="market")
    id_client.get("/login")
    forged = id_client.post(
        "/login",
        data={"username": "staff.market", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "页面已过期" in forged.text
    login(id_client, "staff.market")
    refused = id_client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["code"] == "csrf_failed"


def test_next_is_kept_and_open_redirects_are_not_followed(id_session: Session, id_client: TestClient) -> None:
    make_account(id_session, "leader.a", Role.LEADER)
    assert id_client.get("/admin/accounts?q=wang", follow_redirects=False).headers["location"] == (
        "/login?next=/admin/accounts%3Fq%3Dwang"
    )
    assert login(id_client, "leader.a", next_path="https://evil.example/").headers["location"] == "/"
    assert id_client.get("/login?next=/me", follow_redirects=False).headers["location"] == "/me"  # already logged in


def test_password_reset_ends_other_sessions_and_own_change_keeps_this_one(
    id_session: Session, id_client: TestClient
) -> None:
    make_account(id_session, "citizen.x", Role.CITIZEN, person_id_number=OTHER_CITIZEN)
    login(id_client, "citizen.x")
    me = id_client.get("/me")
    assert "510104********234X" in me.text
    assert OTHER_CITIZEN not in me.text  # masked by default

    changed = id_client.post(
        "/me/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": csrf_of(me.text),
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    me = id_client.get("/me")
    assert "密码已修改" in me.text  # this session survives its own change (with a fresh CSRF token)

    mismatch = id_client.post(
        "/me/password",
        data={
            "current_password": NEW_PASSWORD,
            "new_password": "x",
            "confirm_password": "y",
            "csrf_token": csrf_of(me.text),
        },
    )
    assert mismatch.status_code == 422
    assert "两次输入的新密码不一致" in mismatch.text

    services.reset_password(id_session, actor=SYSTEM_ACTOR, username="citizen.x", new_password=PASSWORD)
    assert id_client.get("/me", follow_redirects=False).status_code == 303  # the reset ended the session
    assert login(id_client, "citizen.x").status_code == 303


def test_deactivation_ends_the_session(id_session: Session, id_client: TestClient) -> None:
    make_account(id_session, "dispatcher.a", Role.DISPATCHER, department_code="cityops")
    login(id_client, "dispatcher.a")
    assert id_client.get("/me").status_code == 200
    services.deactivate_account(id_session, actor=SYSTEM_ACTOR, username="dispatcher.a")
    assert id_client.get("/me", follow_redirects=False).status_code == 303


# --- bearer tokens -----------------------------------------------------------------------------------------


def test_bearer_tokens_valid_expired_revoked(id_session: Session, id_client: TestClient) -> None:
    make_account(id_session, "script.user", Role.DEPARTMENT_STAFF, department_code="tax")
    issued = services.create_api_token(id_session, actor=SYSTEM_ACTOR, username="script.user", name="数据导入脚本")
    assert issued.token.status == "active"
    headers = {"Authorization": f"Bearer {issued.access_token}"}
    me = id_client.get("/api/identity/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["username"] == "script.user"
    listed = services.list_api_tokens(id_session, actor=SYSTEM_ACTOR, username="script.user")
    assert listed[0].last_used_at is not None
    assert issued.access_token not in str(listed)

    expired = services.create_api_token(
        id_session,
        actor=SYSTEM_ACTOR,
        username="script.user",
        name="过期令牌",
        expires_in=dt.timedelta(days=1),
        now=utcnow() - dt.timedelta(days=2),
    )
    response = id_client.get("/api/identity/me", headers={"Authorization": f"Bearer {expired.access_token}"})
    assert response.status_code == 401
    assert response.json()["detail"][0]["message"] == "访问令牌已过期"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]

    services.revoke_api_token(id_session, actor=SYSTEM_ACTOR, token_id=issued.token.id)
    revoked = id_client.get("/api/identity/me", headers=headers)
    assert revoked.status_code == 401
    assert revoked.json()["detail"][0]["message"] == "访问令牌已吊销"

    for bogus in ("yw_" + "x" * 43, "not-a-token"):
        refused = id_client.get("/api/identity/me", headers={"Authorization": f"Bearer {bogus}"})
        assert refused.status_code == 401
        assert refused.json()["detail"][0]["message"] == "访问令牌无效"

    fresh = services.create_api_token(id_session, actor=SYSTEM_ACTOR, username="script.user", name="另一个")
    services.deactivate_account(id_session, actor=SYSTEM_ACTOR, username="script.user")
    gone = id_client.get("/api/identity/me", headers={"Authorization": f"Bearer {fresh.access_token}"})
    assert gone.json()["detail"][0]["message"] == "账户已停用，请联系平台管理员"


def test_api_without_credentials_answers_401_in_chinese(id_client: TestClient) -> None:
    response = id_client.get("/api/identity/me")
    assert response.status_code == 401
    assert response.json()["detail"][0]["message"].startswith("请先登录")
    assert response.headers["www-authenticate"] == 'Bearer realm="yiwang"'
    assert id_client.get("/me", headers={"HX-Request": "true"}).headers["hx-redirect"] == "/login?next=/me"


def test_password_grant_for_scripts(id_session: Session, id_client: TestClient) -> None:
    make_account(id_session, "etl", Role.DEPARTMENT_STAFF, department_code="hrss")
    bad = id_client.post("/api/identity/token", data={"username": "etl", "password": WRONG})
    assert bad.status_code == 401
    assert bad.json()["detail"][0]["message"] == "用户名或密码错误"
    granted = id_client.post("/api/identity/token", data={"username": "etl", "password": PASSWORD})
    assert granted.status_code == 200
    body = granted.json()
    assert body["token_type"] == "Bearer"  # noqa: S105
    assert body["expires_in"] == 12 * 3600
    me = id_client.get("/api/identity/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["scope_label"] == "市人社局"
    tokens = id_client.get("/api/identity/me/tokens", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert [token["name"] for token in tokens.json()] == ["密码授权令牌"]
