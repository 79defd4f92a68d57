"""FastAPI integration: the session cookie, the acting identity of a request, login and role requirements, CSRF.

A request acts as the account of its bearer token (``Authorization: Bearer yw_…``) or of its login session (a
signed cookie holding the account id and its credentials version, so a password reset or a deactivation ends
every session at once). :func:`install` adds the session middleware; the composition root calls it once.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.middleware.sessions import SessionMiddleware

from yiwang.config import Settings
from yiwang.identity import oidc, services
from yiwang.identity.config import IdentityConfig, identity_config
from yiwang.identity.errors import AuthenticationError, PermissionDeniedError
from yiwang.identity.schemas import SessionGrant
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import Actor
from yiwang.web.deps import SessionDep

SESSION_ACCOUNT = "uid"
SESSION_VERSION = "cv"
SESSION_CSRF = "csrf"
SESSION_FLASH = "flash"
LOGIN_PATH = "/login"

bearer_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/identity/token",
    auto_error=False,
    description="访问令牌：`yiwang identity token create 用户名` 或 POST /api/identity/token 获取",
)


def install(app: FastAPI, settings: Settings, *, config: IdentityConfig | None = None) -> None:
    """Add the signed session cookie and the identity provider client to the app (call once, at start-up).

    Refuses (``ValueError``) to start in production with the default session secret.
    """
    config = (config or identity_config(settings)).checked()
    app.state.identity_config = config
    app.state.identity_oidc_client = oidc.make_client(config.oidc) if config.oidc is not None else None
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.secret_key,
        session_cookie=config.session_cookie,
        max_age=config.session_max_age_s,
        same_site="lax",  # the cookie is not sent on cross-site POSTs: a second line of defence after CSRF tokens
        https_only=config.session_https_only,
    )


def get_identity_config(request: Request) -> IdentityConfig:
    """The identity config installed on the app (or built from its settings)."""
    config: IdentityConfig | None = getattr(request.app.state, "identity_config", None)
    if config is None:
        config = identity_config(request.app.state.settings)
    return config


def current_actor(
    request: Request,
    session: SessionDep,
    _token: Annotated[str | None, Depends(bearer_scheme)] = None,
) -> Actor | None:
    """The logged-in actor of this request (bearer token first, then the session cookie), or None."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        try:
            return services.actor_for_token(session, token=credentials.strip())
        except AuthenticationError as exc:
            request.state.identity_error = exc
            return None
    if not _has_session(request):
        return None
    account_id = request.session.get(SESSION_ACCOUNT)
    version = request.session.get(SESSION_VERSION)
    if not isinstance(account_id, int) or not isinstance(version, int):
        return None
    actor = services.actor_for_session(session, account_id=account_id, credentials_version=version)
    if actor is None:
        # The password changed or the account was deactivated since this cookie was issued: log it out.
        request.session.pop(SESSION_ACCOUNT, None)
        request.session.pop(SESSION_VERSION, None)
    return actor


CurrentActorDep = Annotated[Actor | None, Depends(current_actor)]


def require_actor(request: Request, actor: CurrentActorDep) -> Actor:
    """The logged-in actor; otherwise pages redirect to ``/login?next=…`` and the API answers 401 in Chinese."""
    if actor is not None:
        return actor
    error: AuthenticationError | None = getattr(request.state, "identity_error", None)
    if error is None and not request.url.path.startswith("/api/"):
        target = login_url(_path_with_query(request))
        if request.headers.get("hx-request"):
            raise HTTPException(status_code=401, detail=_detail("请先登录"), headers={"HX-Redirect": target})
        raise HTTPException(status_code=303, headers={"Location": target})
    message = error.message if error is not None else "请先登录：在请求头中提供 Authorization: Bearer <访问令牌>"
    challenge = 'Bearer realm="yiwang", error="invalid_token"' if error is not None else 'Bearer realm="yiwang"'
    code = error.code if error is not None else "unauthenticated"
    raise HTTPException(status_code=401, detail=_detail(message, code=code), headers={"WWW-Authenticate": challenge})


RequiredActorDep = Annotated[Actor, Depends(require_actor)]


def require_roles(*roles: Role | str) -> Callable[[Actor], Actor]:
    """A dependency: the logged-in actor if they hold one of ``roles``, else 403 naming the roles needed."""
    wanted = tuple(str(role) for role in roles)

    def dependency(actor: RequiredActorDep) -> Actor:
        if not actor.has_role(*wanted):
            labels = "、".join(Role(role).label if role in Role._value2member_map_ else role for role in wanted)
            raise PermissionDeniedError(f"此功能仅限{labels}使用", field="role")
        return actor

    return dependency


AdminDep = Annotated[Actor, Depends(require_roles(Role.PLATFORM_ADMIN))]


# --- login sessions ------------------------------------------------------------------------------------------


def start_session(request: Request, grant: SessionGrant) -> None:
    """Log the browser in: a fresh session (new CSRF token) holding the account and its credentials version."""
    request.session.clear()
    request.session[SESSION_ACCOUNT] = grant.account_id
    request.session[SESSION_VERSION] = grant.credentials_version
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    """Log the browser out."""
    if _has_session(request):
        request.session.clear()


def csrf_token(request: Request) -> str:
    """This session's CSRF token (created on first use) for the hidden ``csrf_token`` field of every form."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


def verify_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post whose CSRF token does not match the session's (HTTP 403, Chinese message)."""
    expected = request.session.get(SESSION_CSRF) if _has_session(request) else None
    if not isinstance(expected, str) or not submitted or not hmac.compare_digest(expected, submitted):
        raise PermissionDeniedError(
            "页面已过期或来源无法确认，请刷新页面后重试", field="csrf_token", code="csrf_failed"
        )


def flash(request: Request, message: str) -> None:
    """Remember a one-time notice for the next page."""
    request.session[SESSION_FLASH] = message


def pop_flash(request: Request) -> str | None:
    """The pending one-time notice, removed."""
    if not _has_session(request):
        return None
    message = request.session.pop(SESSION_FLASH, None)
    return message if isinstance(message, str) else None


def login_url(next_path: str) -> str:
    """The login page, coming back to ``next_path`` afterwards."""
    return f"{LOGIN_PATH}?next={quote(safe_next(next_path), safe='/')}"


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after login (no ``//host`` or ``https://`` open redirects)."""
    text = (value or "").strip()
    if not text.startswith("/") or text.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 for char in text):  # noqa: PLR2004 - control characters (header injection)
        return default
    return text


def _path_with_query(request: Request) -> str:
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def _has_session(request: Request) -> bool:
    return "session" in request.scope


def _detail(message: str, *, code: str = "unauthenticated") -> list[dict[str, str | None]]:
    return [{"code": code, "message": message, "field": None}]
