"""Use cases of the identity context: accounts, password and identity-provider logins, API tokens, demo accounts.

Every function takes keyword-only arguments after the session and commits its own unit of work. Account
administration is for platform administrators (and the ``system`` identity of CLI commands); everyone may read
and change what is theirs. Failed password logins take the same time whether or not the account exists, and
five failures in a row lock the account's password login for fifteen minutes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.orm import Session

from yiwang.db import as_utc, utcnow
from yiwang.geo import services as geo_services
from yiwang.identity import passwords, tokens
from yiwang.identity.errors import LOGIN_FAILED_MESSAGE, AccountLockedError, AuthenticationError, PermissionDeniedError
from yiwang.identity.models import Account, AccountEvent, ApiToken
from yiwang.identity.schemas import (
    AccountCreate,
    AccountEventRead,
    AccountRead,
    AccountUpdate,
    ExternalIdentity,
    IssuedToken,
    RoleRead,
    SessionGrant,
    TokenRead,
)
from yiwang.identity.scopes import DEPARTMENT_ROLES, Role, process_roles
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.kernel.identifiers import validate_citizen_id, validate_uscc
from yiwang.kernel.masking import mask_id_number, mask_phone
from yiwang.kernel.pages import Page
from yiwang.logs import get_logger

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)  # last_used_at is refreshed at most this often (one write)
MAX_PAGE_SIZE = 200
RESERVED_USERNAMES = frozenset({"system", "console", "platform", "admin.system", "root"})
USERNAME_PATTERN = re.compile(r"^[\w.@-]{1,64}$")  # \w includes Chinese characters
PHONE_PATTERN = re.compile(r"^[0-9+\- ]{5,20}$")

EVENT_LABELS = {
    "created": "创建账户",
    "updated": "修改账户",
    "deactivated": "停用账户",
    "activated": "启用账户",
    "password_reset": "重置密码",
    "password_changed": "修改密码",
    "locked": "连续登录失败，已锁定",
    "token_created": "创建访问令牌",
    "token_revoked": "吊销访问令牌",
    "linked": "绑定统一身份认证",
    "synced": "同步统一身份认证信息",
}
TOKEN_STATUS_LABELS = {"active": "有效", "expired": "已过期", "revoked": "已吊销"}

log = get_logger("yiwang.identity")


# --- reading -------------------------------------------------------------------------------------------------


def to_actor(account: Account) -> Actor:
    """The acting identity of an account: its username, roles and data scope."""
    roles = {account.role, *account.extra_roles}
    # Accounts also play the roles the process definitions name (承办单位 handler, 话务员 operator…).
    roles |= process_roles(account.role, account.extra_roles, account.department_code)
    return Actor(
        id=account.username,
        department=account.department_code,
        role=account.role,
        display_name=account.display_name,
        roles=frozenset(roles),
        district_code=account.district_code,
        street_code=account.street_code,
        grid_code=account.grid_code,
        person_id_number=account.person_id_number,
        enterprise_uscc=account.enterprise_uscc,
    )


def get_account(session: Session, *, actor: Actor, username: str) -> AccountRead:
    """One account, for a platform administrator or the account holder (anyone else: not found)."""
    account = _visible_account(session, actor=actor, username=username)
    return _read(session, account)


def subject_accounts(
    session: Session, *, enterprise_uscc: str | None = None, person_id_number: str | None = None
) -> list[str]:
    """Usernames of the active accounts acting for an enterprise (its agents) or belonging to a person.

    For notices to the subject of a case (a grant, an application): internal callers only, so it takes no actor;
    it returns usernames, never personal data.
    """
    if (enterprise_uscc is None) == (person_id_number is None):
        raise ValidationError("请指定企业统一社会信用代码或公民身份号码之一", field="subject")
    condition = (
        Account.enterprise_uscc == enterprise_uscc
        if enterprise_uscc is not None
        else Account.person_id_number == person_id_number
    )
    query = select(Account.username).where(condition, Account.active.is_(True)).order_by(Account.username)
    return list(session.scalars(query))


def list_accounts(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
    department_code: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[AccountRead]:
    """Accounts matching a text (username or name), a role, a status or a department — platform admins only."""
    _require_admin(actor)
    page, page_size = max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)
    stmt = select(Account)
    if q and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            or_(func.lower(Account.username).contains(needle), func.lower(Account.display_name).contains(needle))
        )
    if role is not None:
        # Extra roles are a JSON list; its text form holds each role as a quoted string on both databases.
        stmt = stmt.where(
            or_(Account.role == role.value, cast(Account.extra_roles, String).contains(f'"{role.value}"'))
        )
    if active is not None:
        stmt = stmt.where(Account.active.is_(active))
    if department_code:
        stmt = stmt.where(Account.department_code == department_code.strip())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Account.username).offset((page - 1) * page_size).limit(page_size)).all()
    names = _Names.load(session)
    return Page(items=[_read_with(account, names) for account in rows], total=total, page=page, page_size=page_size)


def list_account_events(session: Session, *, actor: Actor, username: str, limit: int = 50) -> list[AccountEventRead]:
    """The latest changes to an account, newest first — platform admins only."""
    _require_admin(actor)
    account = _account_by_username(session, username)
    events = session.scalars(
        select(AccountEvent)
        .where(AccountEvent.account_id == account.id)
        .order_by(AccountEvent.at.desc(), AccountEvent.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    return [
        AccountEventRead(
            at=as_utc(event.at),
            actor_id=event.actor_id,
            action=event.action,
            action_label=EVENT_LABELS.get(event.action, event.action),
            detail=event.detail,
        )
        for event in events
    ]


def department_choices(session: Session) -> list[tuple[str, str]]:
    """(code, short name) of every department in directory order, for account forms."""
    return list(_Names.load(session).departments.items())


def district_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every district of the city, for account forms."""
    return [(item.code, item.name) for item in geo_services.list_districts(session)]


def list_roles() -> list[RoleRead]:
    """Every role with its Chinese label, in the order people expect them."""
    return [RoleRead(value=role.value, label=role.label) for role in Role]


# --- administration ------------------------------------------------------------------------------------------


def create_account(session: Session, *, actor: Actor, data: AccountCreate) -> AccountRead:
    """Open an account with its roles and scope — platform admins only."""
    _require_admin(actor)
    username = _check_username(data.username)
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise ConflictError(f"用户名 {username} 已被使用", field="username")
    scope = _check_scope(
        session,
        role=data.role,
        extra_roles=data.extra_roles,
        department_code=data.department_code,
        district_code=data.district_code,
        street_code=data.street_code,
        grid_code=data.grid_code,
        person_id_number=data.person_id_number,
        enterprise_uscc=data.enterprise_uscc,
    )
    _check_person_free(session, scope.person_id_number, account_id=None)
    password_hash = None
    if data.password:
        password_hash = passwords.hash_password(passwords.check_password_rules(data.password, username=username))
    account = Account(
        username=username,
        display_name=data.display_name,
        password_hash=password_hash,
        phone=_check_phone(data.phone),
        active=True,
        failed_logins=0,
        credentials_version=1,
        extra_roles=[],
    )
    scope.apply(account)
    session.add(account)
    session.flush()
    _event(session, account, actor=actor, action="created", detail=scope.summary())
    session.commit()
    log.info("account_created", username=username, role=account.role, actor=actor.id)
    return _read(session, account)


def update_account(session: Session, *, actor: Actor, username: str, data: AccountUpdate) -> AccountRead:
    """Change an account's name, roles, scope or phone — platform admins only; every change is re-validated."""
    _require_admin(actor)
    account = _account_by_username(session, username)
    given = data.model_fields_set
    merged: dict[str, Any] = {
        "role": Role(account.role),
        "extra_roles": [Role(name) for name in account.extra_roles],
        "department_code": account.department_code,
        "district_code": account.district_code,
        "street_code": account.street_code,
        "grid_code": account.grid_code,
        "person_id_number": account.person_id_number,
        "enterprise_uscc": account.enterprise_uscc,
    }
    for name in given & merged.keys():
        merged[name] = getattr(data, name)
    if merged["role"] is None:
        raise ValidationError("主要角色不能为空", field="role")
    merged["extra_roles"] = merged["extra_roles"] or []
    scope = _check_scope(session, **merged)
    _check_person_free(session, scope.person_id_number, account_id=account.id)
    before = _Scope.of(account).summary()
    scope.apply(account)
    if "display_name" in given and data.display_name:
        account.display_name = data.display_name
    if "phone" in given:
        account.phone = _check_phone(data.phone)
    _event(session, account, actor=actor, action="updated", detail={"before": before, "after": scope.summary()})
    session.commit()
    return _read(session, account)


def deactivate_account(session: Session, *, actor: Actor, username: str) -> AccountRead:
    """Stop an account from logging in (sessions and tokens stop working at once) — platform admins only.

    Accounts are never deleted: audit entries and case histories keep pointing at them.
    """
    _require_admin(actor)
    account = _account_by_username(session, username)
    if account.username == actor.id:
        raise ValidationError("不能停用自己正在使用的账户", field="username")
    if account.active and Role.PLATFORM_ADMIN.value in (account.role, *account.extra_roles):
        admins = session.scalar(
            select(func.count()).where(
                Account.active.is_(True),
                or_(
                    Account.role == Role.PLATFORM_ADMIN.value,
                    cast(Account.extra_roles, String).contains(f'"{Role.PLATFORM_ADMIN.value}"'),
                ),
            )
        )
        if (admins or 0) <= 1:
            raise ValidationError("不能停用最后一个平台管理员账户", field="username")
    if account.active:
        account.active = False
        account.credentials_version += 1
        _event(session, account, actor=actor, action="deactivated")
    session.commit()
    log.info("account_deactivated", username=account.username, actor=actor.id)
    return _read(session, account)


def activate_account(session: Session, *, actor: Actor, username: str) -> AccountRead:
    """Let a deactivated account log in again — platform admins only."""
    _require_admin(actor)
    account = _account_by_username(session, username)
    if not account.active:
        account.active = True
        account.failed_logins = 0
        account.locked_until = None
        _event(session, account, actor=actor, action="activated")
    session.commit()
    return _read(session, account)


def reset_password(session: Session, *, actor: Actor, username: str, new_password: str) -> AccountRead:
    """Set a new password (and lift a lockout); the account's other login sessions end — platform admins only."""
    _require_admin(actor)
    account = _account_by_username(session, username)
    passwords.check_password_rules(new_password, username=account.username, field="new_password")
    account.password_hash = passwords.hash_password(new_password)
    account.credentials_version += 1
    account.failed_logins = 0
    account.locked_until = None
    _event(session, account, actor=actor, action="password_reset")
    session.commit()
    log.info("password_reset", username=account.username, actor=actor.id)
    return _read(session, account)


def change_password(session: Session, *, actor: Actor, current_password: str, new_password: str) -> SessionGrant:
    """The account holder changes their own password; other sessions end, the returned grant keeps this one."""
    account = session.scalars(select(Account).where(Account.username == actor.id)).one_or_none()
    if account is None or not account.active:
        raise NotFoundError("未找到当前登录的账户", field="username")
    if not passwords.verify_password(account.password_hash, current_password):
        raise ValidationError("当前密码不正确", field="current_password")
    passwords.check_password_rules(new_password, username=account.username, field="new_password")
    if new_password == current_password:
        raise ValidationError("新密码不能与当前密码相同", field="new_password")
    account.password_hash = passwords.hash_password(new_password)
    account.credentials_version += 1
    _event(session, account, actor=actor, action="password_changed")
    session.commit()
    return _grant(session, account)


# --- logging in ----------------------------------------------------------------------------------------------


def authenticate(session: Session, *, username: str, password: str, now: dt.datetime | None = None) -> SessionGrant:
    """Check a username and password; count failures and lock after five in a row (fifteen minutes).

    Every failure answers "用户名或密码错误" (unknown user, wrong password) after the same amount of hashing
    work; only a locked account says so, and only a correct password reveals that an account is deactivated.
    """
    now = now or utcnow()
    account = session.scalars(
        select(Account)
        .where(Account.username == _normal(username))
        .execution_options(populate_existing=True)  # failure counts are written with Core updates
    ).one_or_none()
    if account is None:
        passwords.burn_verification(password)
        raise AuthenticationError(LOGIN_FAILED_MESSAGE, field="username")
    if account.locked_until is not None and as_utc(account.locked_until) > now:
        passwords.burn_verification(password)
        raise AccountLockedError(_locked_message(as_utc(account.locked_until), now), field="username")
    if not passwords.verify_password(account.password_hash, password):
        _record_failure(session, account, now=now)
    if not account.active:
        raise AuthenticationError("账户已停用，请联系平台管理员", field="username", code="account_inactive")
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if account.password_hash and passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    session.commit()
    log.info("login", username=account.username, method="password")
    return _grant(session, account)


def _record_failure(session: Session, account: Account, *, now: dt.datetime) -> NoReturn:
    """Count one failed login atomically (parallel attempts cannot lose a count), maybe lock; always raises."""
    restart = account.locked_until is not None  # an expired lock: this failure starts a new count
    session.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(failed_logins=1 if restart else Account.failed_logins + 1, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    failures = session.scalar(select(Account.failed_logins).where(Account.id == account.id)) or 0
    locked = failures >= MAX_FAILED_LOGINS
    if locked:
        locked_until = now + LOCKOUT
        session.execute(
            update(Account)
            .where(Account.id == account.id)
            .values(locked_until=locked_until)
            .execution_options(synchronize_session=False)
        )
        _event(session, account, actor=None, action="locked", detail={"failures": failures})
    session.commit()
    log.info("login_failed", username=account.username, failures=failures, locked=locked)
    if locked:
        raise AccountLockedError(
            f"连续{MAX_FAILED_LOGINS}次登录失败，账户已锁定{int(LOCKOUT.total_seconds() // 60)}分钟", field="username"
        )
    raise AuthenticationError(LOGIN_FAILED_MESSAGE, field="username")


def _locked_message(locked_until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, int((locked_until - now).total_seconds() + 59) // 60)
    return f"登录失败次数过多，账户已临时锁定，请{minutes}分钟后再试"


def actor_for_session(session: Session, *, account_id: int, credentials_version: int) -> Actor | None:
    """The actor of a login session, or None when the account is gone, deactivated or its password changed."""
    account = session.get(Account, account_id)
    if account is None or not account.active or account.credentials_version != credentials_version:
        return None
    return to_actor(account)


def actor_for_token(session: Session, *, token: str, now: dt.datetime | None = None) -> Actor:
    """The actor of a bearer token; a Chinese :class:`AuthenticationError` says why a token is refused."""
    now = now or utcnow()
    if not tokens.looks_like_token(token):
        raise AuthenticationError("访问令牌无效", field="Authorization")
    row = session.execute(
        select(ApiToken, Account)
        .join(Account, Account.id == ApiToken.account_id)
        .where(ApiToken.token_hash == tokens.hash_token(token))
    ).one_or_none()
    if row is None:
        raise AuthenticationError("访问令牌无效", field="Authorization")
    api_token, account = row
    if api_token.revoked_at is not None:
        raise AuthenticationError("访问令牌已吊销", field="Authorization", code="token_revoked")
    if api_token.expires_at is not None and as_utc(api_token.expires_at) <= now:
        raise AuthenticationError("访问令牌已过期", field="Authorization", code="token_expired")
    if not account.active:
        raise AuthenticationError("账户已停用，请联系平台管理员", field="Authorization", code="account_inactive")
    if api_token.last_used_at is None or as_utc(api_token.last_used_at) + TOKEN_TOUCH_INTERVAL <= now:
        api_token.last_used_at = now
        session.commit()
    return to_actor(account)


def login_with_identity_provider(
    session: Session, *, identity: ExternalIdentity, auto_create: bool, now: dt.datetime | None = None
) -> SessionGrant:
    """Log in someone the city's identity provider vouched for, linking or (if allowed) creating the account.

    Linking order: an account already linked to this provider subject; else the account with the same username;
    else the account of the same 公民身份号码. Without a match, a citizen account is created when ``auto_create``
    is on and the provider sent an ID number. Roles and department from the provider (when it manages them)
    replace the account's, except 平台管理员, which is only ever granted on the platform itself.
    """
    now = now or utcnow()
    system = Actor(id=f"oidc:{identity.issuer}"[:64], department=None, role="system")
    subject = f"{identity.issuer}|{identity.subject}"[:255]
    id_number = _clean_id_number(identity.id_number)
    account = session.scalars(select(Account).where(Account.external_subject == subject)).one_or_none()
    if account is None and identity.username:
        account = session.scalars(select(Account).where(Account.username == _normal(identity.username))).one_or_none()
    if account is None and id_number:
        account = session.scalars(select(Account).where(Account.person_id_number == id_number)).one_or_none()
    if account is None:
        account = _provision(session, identity=identity, id_number=id_number, auto_create=auto_create, actor=system)
    if account.external_subject is None:
        account.external_subject = subject
        _event(session, account, actor=system, action="linked", detail={"issuer": identity.issuer})
    elif account.external_subject != subject:
        raise AuthenticationError("该平台账户已绑定其他统一身份认证账号，请联系平台管理员", code="identity_conflict")
    if not account.active:
        raise AuthenticationError("账户已停用，请联系平台管理员", code="account_inactive")
    _sync_from_provider(session, account, identity=identity, actor=system)
    account.last_login_at = now
    account.failed_logins = 0
    account.locked_until = None
    session.commit()
    log.info("login", username=account.username, method="oidc")
    return _grant(session, account)


def _provision(
    session: Session, *, identity: ExternalIdentity, id_number: str | None, auto_create: bool, actor: Actor
) -> Account:
    if not auto_create:
        raise AuthenticationError(
            "该统一身份认证账号尚未开通本平台账户，请联系平台管理员", code="account_not_provisioned"
        )
    if not id_number:
        raise AuthenticationError(
            "统一身份认证未提供公民身份号码，无法自动开通市民账户", code="account_not_provisioned"
        )
    username = _check_username(identity.username or f"citizen.{identity.subject}"[:64])
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise AuthenticationError(f"用户名 {username} 已被其他账户使用，请联系平台管理员", code="identity_conflict")
    account = Account(
        username=username,
        display_name=(identity.display_name or username)[:64],
        password_hash=None,
        role=Role.CITIZEN.value,
        extra_roles=[],
        person_id_number=id_number,
        active=True,
        failed_logins=0,
        credentials_version=1,
    )
    session.add(account)
    session.flush()
    _event(session, account, actor=actor, action="created", detail={"source": "oidc", "role": Role.CITIZEN.value})
    return account


def _sync_from_provider(session: Session, account: Account, *, identity: ExternalIdentity, actor: Actor) -> None:
    if identity.display_name and identity.display_name != account.display_name:
        account.display_name = identity.display_name[:64]
    if identity.roles is None:
        return
    known = {role.value for role in Role}
    granted = [Role(name) for name in dict.fromkeys(identity.roles) if name in known]
    granted = [role for role in granted if role is not Role.PLATFORM_ADMIN]
    held_admin = Role.PLATFORM_ADMIN.value in (account.role, *account.extra_roles)
    roles = [Role.PLATFORM_ADMIN, *granted] if held_admin else granted
    if not roles:
        raise AuthenticationError("统一身份认证未授予本平台的任何角色", code="no_role")
    try:
        scope = _check_scope(
            session,
            role=roles[0],
            extra_roles=roles[1:],
            department_code=identity.department_code or account.department_code,
            district_code=account.district_code,
            street_code=account.street_code,
            grid_code=account.grid_code,
            person_id_number=_clean_id_number(identity.id_number) or account.person_id_number,
            enterprise_uscc=account.enterprise_uscc,
        )
    except ValidationError as exc:
        raise AuthenticationError(
            f"统一身份认证提供的角色信息不完整：{exc.message}", code="incomplete_identity"
        ) from exc
    before = _Scope.of(account).summary()
    after = scope.summary()
    if before != after:
        _check_person_free(session, scope.person_id_number, account_id=account.id)
        scope.apply(account)
        _event(session, account, actor=actor, action="synced", detail={"before": before, "after": after})


# --- API tokens ----------------------------------------------------------------------------------------------


def create_api_token(
    session: Session,
    *,
    actor: Actor,
    username: str,
    name: str,
    expires_in: dt.timedelta | None = dt.timedelta(days=90),
    now: dt.datetime | None = None,
) -> IssuedToken:
    """Issue a bearer token for an account (a platform admin for anyone, or the holder for themselves).

    The token is in the result and nowhere else: only its SHA-256 digest is stored.
    """
    now = now or utcnow()
    account = _visible_account(session, actor=actor, username=username)
    name = (name or "").strip()
    if not name or len(name) > 64:  # noqa: PLR2004 - column width
        raise ValidationError("令牌名称不能为空且不能超过64个字", field="name")
    if not account.active:
        raise ValidationError("账户已停用，不能创建访问令牌", field="username")
    if expires_in is not None and expires_in <= dt.timedelta(0):
        raise ValidationError("有效期必须大于0", field="expires_in_days")
    secret = tokens.generate_token()
    api_token = ApiToken(
        account_id=account.id,
        name=name,
        token_hash=tokens.hash_token(secret),
        token_prefix=tokens.display_prefix(secret),
        created_at=now,
        created_by=actor.id,
        expires_at=now + expires_in if expires_in is not None else None,
    )
    session.add(api_token)
    session.flush()
    _event(session, account, actor=actor, action="token_created", detail={"token_id": api_token.id, "name": name})
    session.commit()
    return IssuedToken(
        access_token=secret,
        expires_at=api_token.expires_at,
        expires_in=int(expires_in.total_seconds()) if expires_in is not None else None,
        token=_token_read(api_token, account.username, now=now),
    )


def issue_password_token(
    session: Session, *, username: str, password: str, hours: int, now: dt.datetime | None = None
) -> IssuedToken:
    """The OAuth 2.0 password grant for scripts: check the password (lockout applies), issue a short-lived token."""
    now = now or utcnow()
    grant = authenticate(session, username=username, password=password, now=now)
    actor = Actor(id=grant.account.username, department=None, role=grant.account.role)
    return create_api_token(
        session,
        actor=actor,
        username=grant.account.username,
        name="密码授权令牌",
        expires_in=dt.timedelta(hours=hours),
        now=now,
    )


def revoke_api_token(session: Session, *, actor: Actor, token_id: int, now: dt.datetime | None = None) -> TokenRead:
    """Revoke a token at once (a platform admin for anyone's, the holder for their own; others: not found)."""
    now = now or utcnow()
    row = session.execute(
        select(ApiToken, Account).join(Account, Account.id == ApiToken.account_id).where(ApiToken.id == token_id)
    ).one_or_none()
    if row is None or not (_is_admin(actor) or row[1].username == actor.id):
        raise NotFoundError(f"未找到编号为 {token_id} 的访问令牌", field="token_id")
    api_token, account = row
    if api_token.revoked_at is None:
        api_token.revoked_at = now
        _event(session, account, actor=actor, action="token_revoked", detail={"token_id": api_token.id})
    session.commit()
    return _token_read(api_token, account.username, now=now)


def list_api_tokens(
    session: Session, *, actor: Actor, username: str, now: dt.datetime | None = None
) -> list[TokenRead]:
    """An account's tokens, newest first (a platform admin or the holder)."""
    now = now or utcnow()
    account = _visible_account(session, actor=actor, username=username)
    rows = session.scalars(
        select(ApiToken)
        .where(ApiToken.account_id == account.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [_token_read(row, account.username, now=now) for row in rows]


def _token_read(api_token: ApiToken, username: str, *, now: dt.datetime) -> TokenRead:
    if api_token.revoked_at is not None:
        status = "revoked"
    elif api_token.expires_at is not None and as_utc(api_token.expires_at) <= now:
        status = "expired"
    else:
        status = "active"
    return TokenRead(
        id=api_token.id,
        username=username,
        name=api_token.name,
        token_prefix=api_token.token_prefix,
        created_at=as_utc(api_token.created_at),
        created_by=api_token.created_by,
        expires_at=as_utc(api_token.expires_at) if api_token.expires_at else None,
        revoked_at=as_utc(api_token.revoked_at) if api_token.revoked_at else None,
        last_used_at=as_utc(api_token.last_used_at) if api_token.last_used_at else None,
        status=status,
        status_label=TOKEN_STATUS_LABELS[status],
    )


# --- demo ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DemoAccount:
    username: str
    display_name: str
    role: Role
    department_code: str | None = None
    district_code: str | None = None


_DEMO_ACCOUNTS = (
    _DemoAccount("admin", "平台管理员", Role.PLATFORM_ADMIN, department_code="cityops"),
    _DemoAccount("leader.city", "市领导（演示）", Role.LEADER),
    _DemoAccount("leader.wuhou", "武侯区领导（演示）", Role.LEADER, district_code="510107"),
    _DemoAccount("staff.market", "市场监管局工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="market"),
    _DemoAccount("staff.tax", "税务局工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="tax"),
    _DemoAccount("staff.cityops", "数据底座管理员（演示）", Role.DEPARTMENT_STAFF, department_code="cityops"),
    # The departments of the 一件事 bundles and the 12345 demo cases, so each can be walked through in the demo.
    _DemoAccount("staff.police", "公安局工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="police"),
    _DemoAccount("staff.hrss", "人社局工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="hrss"),
    _DemoAccount("staff.medins", "医保局工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="medins"),
    _DemoAccount("staff.health", "卫健委工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="health"),
    _DemoAccount("staff.transport", "交通运输局工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="transport"),
    _DemoAccount("staff.urban", "城管委工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="urban"),
    _DemoAccount("staff.finance", "财政局工作人员（演示）", Role.DEPARTMENT_STAFF, department_code="finance"),
    _DemoAccount("operator.12345", "12345热线话务员（演示）", Role.HOTLINE_OPERATOR, department_code="cityops"),
    _DemoAccount("dispatcher.12345", "12345派单员（演示）", Role.DISPATCHER, department_code="cityops"),
)


def seed_demo_accounts(
    session: Session,
    *,
    password: str,
    person_id_number: str | None = None,
    enterprise_uscc: str | None = None,
    grid_code: str | None = None,
) -> list[AccountRead]:
    """One demo account per role, all with ``password``; idempotent (existing ones get the password again).

    ``citizen.demo`` is bound to ``person_id_number``, ``agent.demo`` to ``enterprise_uscc`` and the grid worker
    ``grid.<code>`` to ``grid_code``. Bindings not given are taken from the loaded data: the first enterprise of
    the registry, its legal representative (read unmasked through the registry, so the audit log records it) and
    the first grid of 武侯区; an account whose binding cannot be found is skipped. Geo master data and
    departments must be loaded first.
    """
    passwords.check_password_rules(password, field="password")
    actor = Actor(id="system", department="cityops", role="system", display_name="演示数据")
    if enterprise_uscc is None or person_id_number is None or grid_code is None:
        found = _demo_bindings(session, actor=actor, need_person=person_id_number is None)
        enterprise_uscc = enterprise_uscc or found.get("enterprise_uscc")
        person_id_number = person_id_number or found.get("person_id_number")
        grid_code = grid_code or found.get("grid_code")
    specs: list[AccountCreate] = [
        AccountCreate(
            username=spec.username,
            display_name=spec.display_name,
            role=spec.role,
            department_code=spec.department_code,
            district_code=spec.district_code,
        )
        for spec in _DEMO_ACCOUNTS
    ]
    if grid_code:
        specs.append(
            AccountCreate(
                username=f"grid.{grid_code}", display_name="网格员（演示）", role=Role.GRID_WORKER, grid_code=grid_code
            )
        )
    if person_id_number:
        specs.append(
            AccountCreate(
                username="citizen.demo",
                display_name="市民（演示）",
                role=Role.CITIZEN,
                person_id_number=person_id_number,
            )
        )
    if enterprise_uscc:
        specs.append(
            AccountCreate(
                username="agent.demo",
                display_name="企业经办人（演示）",
                role=Role.ENTERPRISE_AGENT,
                enterprise_uscc=enterprise_uscc,
            )
        )
    result: list[AccountRead] = []
    for spec in specs:
        existing = session.scalars(select(Account).where(Account.username == spec.username)).one_or_none()
        if existing is None:
            result.append(create_account(session, actor=actor, data=spec.model_copy(update={"password": password})))
        else:
            result.append(reset_password(session, actor=actor, username=spec.username, new_password=password))
    return result


def _demo_bindings(session: Session, *, actor: Actor, need_person: bool) -> dict[str, str]:
    """A real enterprise, its legal representative and a real grid for the demo accounts (what exists)."""
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - the registry imports identity

    found: dict[str, str] = {}
    grids = geo_services.list_grids(session, district_code="510107", page_size=1).items
    grids = grids or geo_services.list_grids(session, page_size=1).items
    if grids:
        found["grid_code"] = grids[0].code
    enterprises = registry_services.search_enterprises(session, page_size=1).items
    if not enterprises:
        return found
    found["enterprise_uscc"] = enterprises[0].uscc
    if not need_person:
        return found
    persons = registry_services.search_persons(session, q=enterprises[0].legal_representative, page_size=1).items
    if persons:
        # Binding an account to a person needs the clear ID number: read it as an administrator, audited, with
        # the acting identity kept as the audit row's actor.
        admin = Actor(
            id=actor.id,
            department="cityops",
            role=Role.PLATFORM_ADMIN,
            display_name=actor.display_name,
            roles=frozenset({Role.PLATFORM_ADMIN}),
        )
        profile = registry_services.get_person_profile_by_ref(
            session,
            actor=admin,
            ref=persons[0].ref,
            purpose="开通演示市民账户",
            unmask=True,
            unmask_purpose="开通演示市民账户：绑定身份号码",
        )
        found["person_id_number"] = profile.person.id_number
    return found


# --- helpers -------------------------------------------------------------------------------------------------


def _is_admin(actor: Actor) -> bool:
    return actor.has_role(Role.PLATFORM_ADMIN) or actor.role == "system"


def _require_admin(actor: Actor) -> None:
    if not _is_admin(actor):
        raise PermissionDeniedError("只有平台管理员可以管理账户", field="actor")


def _account_by_username(session: Session, username: str) -> Account:
    account = session.scalars(select(Account).where(Account.username == _normal(username))).one_or_none()
    if account is None:
        raise NotFoundError(f"未找到用户名为 {username} 的账户", field="username")
    return account


def _visible_account(session: Session, *, actor: Actor, username: str) -> Account:
    """The account for an admin or its holder; to anyone else it does not exist."""
    if not _is_admin(actor) and _normal(username) != actor.id:
        raise NotFoundError(f"未找到用户名为 {username} 的账户", field="username")
    return _account_by_username(session, username)


def _grant(session: Session, account: Account) -> SessionGrant:
    return SessionGrant(
        account_id=account.id, credentials_version=account.credentials_version, account=_read(session, account)
    )


def _event(
    session: Session, account: Account, *, actor: Actor | None, action: str, detail: dict[str, Any] | None = None
) -> None:
    session.add(
        AccountEvent(
            account_id=account.id,
            at=utcnow(),
            actor_id=actor.id if actor is not None else "system",
            action=action,
            detail=detail or {},
        )
    )


def _normal(username: str | None) -> str:
    """Usernames are case-insensitive: ``Admin`` and ``admin`` are one account (no look-alike accounts)."""
    return (username or "").strip().lower()


def _check_username(value: str) -> str:
    username = _normal(value)
    if not USERNAME_PATTERN.fullmatch(username):
        raise ValidationError("用户名只能包含字母、数字、汉字和 . _ - @，长度1到64个字符", field="username")
    if username.lower() in RESERVED_USERNAMES:
        raise ValidationError(f"用户名 {username} 为系统保留，请换一个", field="username")
    return username


def _check_phone(value: str | None) -> str | None:
    phone = (value or "").strip()
    if not phone:
        return None
    if not PHONE_PATTERN.fullmatch(phone):
        raise ValidationError("手机号码格式不正确", field="phone")
    return phone


def _clean_id_number(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    return validate_citizen_id(value, field="person_id_number").number


def _check_person_free(session: Session, id_number: str | None, *, account_id: int | None) -> None:
    if id_number is None:
        return
    other = session.scalar(
        select(Account.username).where(Account.person_id_number == id_number, Account.id != account_id)
    )
    if other is not None:
        raise ConflictError("该公民身份号码已绑定其他账户", field="person_id_number")


@dataclass
class _Scope:
    """Roles and scope codes of an account after validation."""

    roles: list[Role]
    department_code: str | None
    district_code: str | None
    street_code: str | None
    grid_code: str | None
    person_id_number: str | None
    enterprise_uscc: str | None

    @classmethod
    def of(cls, account: Account) -> _Scope:
        return cls(
            roles=[Role(account.role), *(Role(name) for name in account.extra_roles)],
            department_code=account.department_code,
            district_code=account.district_code,
            street_code=account.street_code,
            grid_code=account.grid_code,
            person_id_number=account.person_id_number,
            enterprise_uscc=account.enterprise_uscc,
        )

    def apply(self, account: Account) -> None:
        account.role = self.roles[0].value
        account.extra_roles = [role.value for role in self.roles[1:]]
        account.department_code = self.department_code
        account.district_code = self.district_code
        account.street_code = self.street_code
        account.grid_code = self.grid_code
        account.person_id_number = self.person_id_number
        account.enterprise_uscc = self.enterprise_uscc

    def summary(self) -> dict[str, Any]:
        """What the change history records (the ID number masked)."""
        return {
            "roles": [role.value for role in self.roles],
            "department_code": self.department_code,
            "district_code": self.district_code,
            "street_code": self.street_code,
            "grid_code": self.grid_code,
            "person_id_number": mask_id_number(self.person_id_number) or None,
            "enterprise_uscc": self.enterprise_uscc,
        }


def _check_scope(
    session: Session,
    *,
    role: Role,
    extra_roles: Sequence[Role],
    department_code: str | None,
    district_code: str | None,
    street_code: str | None,
    grid_code: str | None,
    person_id_number: str | None,
    enterprise_uscc: str | None,
) -> _Scope:
    """Validate roles against the scope they need; derive street and district from a grid code."""
    roles = list(dict.fromkeys([role, *extra_roles]))
    department = (department_code or "").strip() or None
    grid, street, district = _check_area(
        session, grid_code=grid_code, street_code=street_code, district_code=district_code
    )
    if department is not None and department not in _Names.load(session).departments:
        raise ValidationError(f"部门代码 {department} 不在部门目录中", field="department_code")
    person = _clean_id_number(person_id_number)
    uscc_text = (enterprise_uscc or "").strip()
    uscc = validate_uscc(uscc_text, field="enterprise_uscc") if uscc_text else None
    _check_role_needs(roles, department=department, grid=grid, person=person, uscc=uscc)
    return _Scope(
        roles=roles,
        department_code=department,
        district_code=district,
        street_code=street,
        grid_code=grid,
        person_id_number=person,
        enterprise_uscc=uscc,
    )


def _check_area(
    session: Session, *, grid_code: str | None, street_code: str | None, district_code: str | None
) -> tuple[str | None, str | None, str | None]:
    """Grid, street and district codes checked against the geo master data; coarser codes follow finer ones."""
    district = (district_code or "").strip() or None
    street = (street_code or "").strip() or None
    grid = (grid_code or "").strip() or None
    if grid is not None:
        try:
            found = geo_services.get_grid(session, code=grid)
        except NotFoundError as exc:
            raise ValidationError(f"网格编码 {grid} 不在本市网格中", field="grid_code") from exc
        if street is not None and street != found.street_code:
            raise ValidationError(f"网格 {grid} 不属于街道（乡镇）{street}", field="grid_code")
        street = found.street_code
    known = geo_services.known_division_codes(session)
    if street is not None:
        if len(street) != 9 or street not in known:  # noqa: PLR2004 - 9-digit statistical street code
            raise ValidationError(f"街道（乡镇）代码 {street} 不在本市行政区划代码表中", field="street_code")
        if district is not None and district != street[:6]:
            raise ValidationError(f"街道（乡镇）{street} 不属于区（市）县 {district}", field="street_code")
        district = street[:6]
    if district is not None and (len(district) != 6 or district not in known):  # noqa: PLR2004 - GB/T 2260
        raise ValidationError(f"区（市）县代码 {district} 不在本市行政区划代码表中", field="district_code")
    return grid, street, district


def _check_role_needs(
    roles: Sequence[Role], *, department: str | None, grid: str | None, person: str | None, uscc: str | None
) -> None:
    """Every role held gets the scope it works in."""
    if any(item in DEPARTMENT_ROLES for item in roles) and department is None:
        labels = "、".join(item.label for item in roles if item in DEPARTMENT_ROLES)
        raise ValidationError(f"{labels}必须指定所属部门", field="department_code")
    if Role.GRID_WORKER in roles and grid is None:
        raise ValidationError("网格员必须指定负责的网格编码", field="grid_code")
    if Role.CITIZEN in roles and person is None:
        raise ValidationError("市民账户必须绑定公民身份号码", field="person_id_number")
    if Role.ENTERPRISE_AGENT in roles and uscc is None:
        raise ValidationError("企业经办人账户必须绑定统一社会信用代码", field="enterprise_uscc")


@dataclass(frozen=True)
class _Names:
    """Names for the codes an account shows: departments (from the registry) and divisions."""

    departments: dict[str, str]
    divisions: dict[str, str]

    @classmethod
    def load(cls, session: Session) -> _Names:
        from yiwang.registry import services as registry_services  # noqa: PLC0415 - the registry imports identity

        return cls(
            departments=registry_services.department_names(session),
            divisions=geo_services.division_names(session),
        )

    def scope_label(self, account: Account) -> str:
        """The account's data scope in words, e.g. "市市场监管局 · 武侯区" or "本人（510107********1236）"."""
        parts: list[str] = []
        if account.department_code:
            parts.append(self.departments.get(account.department_code, account.department_code))
        if account.street_code:
            district = self.divisions.get(account.street_code[:6], "")
            parts.append(district + self.divisions.get(account.street_code, account.street_code))
        elif account.district_code:
            parts.append(self.divisions.get(account.district_code, account.district_code))
        if account.grid_code:
            parts.append(f"网格 {account.grid_code}")
        if account.enterprise_uscc:
            parts.append(f"企业 {account.enterprise_uscc}")
        if account.person_id_number and account.role == Role.CITIZEN.value:
            parts.append(f"本人（{mask_id_number(account.person_id_number)}）")
        if account.role in (Role.PLATFORM_ADMIN.value, Role.LEADER.value) and not (
            account.district_code or account.street_code
        ):
            parts.append("全市")
        return " · ".join(parts) or "—"


def _read(session: Session, account: Account) -> AccountRead:
    return _read_with(account, _Names.load(session))


def _read_with(account: Account, names: _Names) -> AccountRead:
    roles = [Role(account.role), *(Role(name) for name in account.extra_roles)]
    return AccountRead(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        role_label=Role(account.role).label,
        roles=[RoleRead(value=role.value, label=role.label) for role in roles],
        department_code=account.department_code,
        district_code=account.district_code,
        street_code=account.street_code,
        grid_code=account.grid_code,
        person_id_number_masked=mask_id_number(account.person_id_number),
        enterprise_uscc=account.enterprise_uscc,
        phone_masked=mask_phone(account.phone),
        scope_label=names.scope_label(account),
        active=account.active,
        locked_until=as_utc(account.locked_until) if account.locked_until else None,
        has_password=account.password_hash is not None,
        linked_to_identity_provider=account.external_subject is not None,
        last_login_at=as_utc(account.last_login_at) if account.last_login_at else None,
        created_at=as_utc(account.created_at),
        updated_at=as_utc(account.updated_at),
    )
