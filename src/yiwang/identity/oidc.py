"""Login through the city's unified identity provider (统一身份认证) with OpenID Connect and Authlib.

The authorization-code flow: :func:`start_login` redirects to the provider (state and nonce kept in the signed
session cookie), :func:`finish_login` exchanges the code, and Authlib validates the ID token (signature against
the provider's JWKS, issuer, audience, expiry, nonce). :func:`map_claims` then turns the claims into an
:class:`ExternalIdentity` following the configured claim names.
"""

from __future__ import annotations

from typing import Any, cast

from authlib.integrations.starlette_client import OAuth, OAuthError  # type: ignore[import-untyped]
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import Response

from yiwang.identity.config import OidcConfig
from yiwang.identity.errors import AuthenticationError
from yiwang.identity.schemas import ExternalIdentity

CLIENT_NAME = "city"


def make_client(config: OidcConfig) -> Any:
    """An Authlib client for the provider; discovery is fetched on first use (and cached by the client)."""
    oauth = OAuth()
    oauth.register(
        name=CLIENT_NAME,
        server_metadata_url=config.metadata_url,
        client_id=config.client_id,
        client_secret=config.client_secret,
        client_kwargs={"scope": config.scopes},
    )
    return oauth.create_client(CLIENT_NAME)


async def start_login(request: Request, *, client: Any, redirect_uri: str) -> Response:
    """Redirect the browser to the provider's authorization endpoint."""
    try:
        response = await client.authorize_redirect(request, redirect_uri)
    except (OAuthError, OSError, ValueError) as exc:
        raise AuthenticationError(f"统一身份认证服务暂不可用：{_reason(exc)}", code="idp_unavailable") from exc
    return cast("Response", response)


async def finish_login(request: Request, *, client: Any) -> dict[str, Any]:
    """Exchange the authorization code and return the validated ID-token claims."""
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:
        raise AuthenticationError(f"统一身份认证失败：{_reason(exc)}", code="idp_refused") from exc
    except (JoseError, OSError, ValueError) as exc:
        # A bad signature, issuer, audience, nonce or expiry of the ID token (joserfc validates it for Authlib).
        raise AuthenticationError(f"统一身份认证的身份令牌无效：{_reason(exc)}", code="idp_invalid_token") from exc
    claims = token.get("userinfo")
    if not claims:
        raise AuthenticationError("统一身份认证没有返回身份令牌（ID Token）", code="idp_invalid_token")
    return dict(claims)


def map_claims(config: OidcConfig, claims: dict[str, Any]) -> ExternalIdentity:
    """Read username, name, ID number, roles and department from the claims named in the config.

    Claim names may be dotted paths into nested objects (``realm_access.roles``); a roles claim may be a list or
    a space- or comma-separated string.
    """
    subject = claims.get("sub")
    issuer = claims.get("iss") or config.issuer
    if not subject:
        raise AuthenticationError("统一身份认证的身份令牌缺少 sub 声明", code="idp_invalid_token")
    roles = None
    if config.roles_claim:
        raw = _claim(claims, config.roles_claim)
        roles = _as_list(raw) if raw is not None else None
    return ExternalIdentity(
        issuer=str(issuer),
        subject=str(subject),
        username=_text(_claim(claims, config.username_claim)),
        display_name=_text(_claim(claims, config.name_claim)),
        id_number=_text(_claim(claims, config.id_number_claim)),
        roles=roles,
        department_code=_text(_claim(claims, config.department_claim)) if config.department_claim else None,
    )


def _claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    return [str(value)]


def _reason(exc: Exception) -> str:
    description = getattr(exc, "description", None) or getattr(exc, "error", None)
    if description:
        return str(description)
    return str(exc) or type(exc).__name__
