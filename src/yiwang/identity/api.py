"""JSON API of the identity context (``/api/identity``): tokens for scripts, the current account, administration."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.security import OAuth2PasswordRequestForm

from yiwang.identity import services
from yiwang.identity.config import IdentityConfig
from yiwang.identity.deps import AdminDep, RequiredActorDep, get_identity_config
from yiwang.identity.schemas import (
    AccountCreate,
    AccountEventRead,
    AccountRead,
    AccountUpdate,
    IssuedToken,
    PasswordReset,
    RoleRead,
    TokenCreate,
    TokenRead,
)
from yiwang.identity.scopes import Role
from yiwang.kernel.pages import Page
from yiwang.web.deps import SessionDep

router = APIRouter(prefix="/api/identity", tags=["identity"])

ConfigDep = Annotated[IdentityConfig, Depends(get_identity_config)]


@router.post("/token", summary="用户名密码换取访问令牌（OAuth 2.0 password grant，供脚本使用）")
def password_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, config: ConfigDep
) -> IssuedToken:
    """Check username and password (lockout applies) and issue a short-lived bearer token."""
    return services.issue_password_token(
        session, username=form.username, password=form.password, hours=config.password_token_hours
    )


@router.get("/me", summary="当前登录账户")
def me(session: SessionDep, actor: RequiredActorDep) -> AccountRead:
    """The account the request acts as (roles, scope; personal data masked)."""
    return services.get_account(session, actor=actor, username=actor.id)


@router.get("/me/tokens", summary="我的访问令牌")
def my_tokens(session: SessionDep, actor: RequiredActorDep) -> list[TokenRead]:
    """The caller's own tokens (never the secrets)."""
    return services.list_api_tokens(session, actor=actor, username=actor.id)


@router.get("/roles", summary="角色列表")
def roles() -> list[RoleRead]:
    """Every role with its Chinese label."""
    return services.list_roles()


@router.get("/accounts", summary="账户列表（平台管理员）")
def list_accounts(
    *,
    session: SessionDep,
    actor: AdminDep,
    q: Annotated[str | None, Query(description="用户名或姓名包含的文字")] = None,
    role: Annotated[Role | None, Query(description="角色")] = None,
    active: Annotated[bool | None, Query(description="是否启用")] = None,
    department: Annotated[str | None, Query(description="部门代码")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 20,
) -> Page[AccountRead]:
    """Search accounts."""
    return services.list_accounts(
        session, actor=actor, q=q, role=role, active=active, department_code=department, page=page, page_size=page_size
    )


@router.post("/accounts", status_code=status.HTTP_201_CREATED, summary="创建账户（平台管理员）")
def create_account(data: AccountCreate, session: SessionDep, actor: AdminDep) -> AccountRead:
    """Open an account with roles and scope."""
    return services.create_account(session, actor=actor, data=data)


@router.get("/accounts/{username}", summary="查看账户")
def get_account(username: str, session: SessionDep, actor: RequiredActorDep) -> AccountRead:
    """One account (platform admins, or the holder)."""
    return services.get_account(session, actor=actor, username=username)


@router.patch("/accounts/{username}", summary="修改账户（平台管理员）")
def update_account(username: str, data: AccountUpdate, session: SessionDep, actor: AdminDep) -> AccountRead:
    """Change name, roles, scope or phone; fields left out stay."""
    return services.update_account(session, actor=actor, username=username, data=data)


@router.delete("/accounts/{username}", summary="停用账户（平台管理员；账户不会被物理删除）")
def deactivate_account(username: str, session: SessionDep, actor: AdminDep) -> AccountRead:
    """Deactivate: logins, sessions and tokens stop working; the account stays for the audit trail."""
    return services.deactivate_account(session, actor=actor, username=username)


@router.post("/accounts/{username}/activate", summary="启用账户（平台管理员）")
def activate_account(username: str, session: SessionDep, actor: AdminDep) -> AccountRead:
    """Let a deactivated account log in again."""
    return services.activate_account(session, actor=actor, username=username)


@router.post("/accounts/{username}/password", summary="重置密码（平台管理员）")
def reset_password(username: str, data: PasswordReset, session: SessionDep, actor: AdminDep) -> AccountRead:
    """Set a new password and lift a lockout; the account's sessions end."""
    return services.reset_password(session, actor=actor, username=username, new_password=data.new_password)


@router.get("/accounts/{username}/events", summary="账户变更记录（平台管理员）")
def account_events(username: str, session: SessionDep, actor: AdminDep) -> list[AccountEventRead]:
    """Who changed the account, and how, newest first."""
    return services.list_account_events(session, actor=actor, username=username)


@router.get("/accounts/{username}/tokens", summary="账户的访问令牌")
def account_tokens(username: str, session: SessionDep, actor: RequiredActorDep) -> list[TokenRead]:
    """An account's tokens (platform admins, or the holder)."""
    return services.list_api_tokens(session, actor=actor, username=username)


@router.post("/accounts/{username}/tokens", status_code=status.HTTP_201_CREATED, summary="创建访问令牌")
def create_token(username: str, data: TokenCreate, session: SessionDep, actor: RequiredActorDep) -> IssuedToken:
    """Issue a token (platform admins for anyone, holders for themselves); the secret is shown only here."""
    expires_in = dt.timedelta(days=data.expires_in_days) if data.expires_in_days is not None else None
    return services.create_api_token(session, actor=actor, username=username, name=data.name, expires_in=expires_in)


@router.delete("/tokens/{token_id}", summary="吊销访问令牌")
def revoke_token(token_id: int, session: SessionDep, actor: RequiredActorDep) -> TokenRead:
    """Revoke a token at once (platform admins, or the holder)."""
    return services.revoke_api_token(session, actor=actor, token_id=token_id)
