"""The identity context's view of the settings: session secret, cookie policy and the city's OIDC provider.

The values come from :class:`yiwang.config.Settings` fields of the same names (``YIWANG_SECRET_KEY``,
``YIWANG_ENVIRONMENT``, ``YIWANG_OIDC_ISSUER`` …); a field Settings does not define keeps the default below.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from yiwang.config import Settings

DEFAULT_SECRET_KEY = "yiwang-development-secret-do-not-use-in-production"  # noqa: S105 - the refused default
MIN_SECRET_LENGTH = 32


class OidcConfig(BaseModel):
    """A city's unified identity provider (统一身份认证) and how its ID-token claims map onto accounts."""

    model_config = ConfigDict(frozen=True)

    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid profile"
    username_claim: str = "preferred_username"
    id_number_claim: str = "id_number"
    name_claim: str = "name"
    roles_claim: str = ""  # empty: roles are managed on the platform only
    department_claim: str = ""
    auto_create: bool = False  # create a citizen account on first login when nothing links
    display_name: str = "统一身份认证"
    redirect_uri: str = ""  # empty: derived from the request (set it behind a reverse proxy)

    @property
    def metadata_url(self) -> str:
        """The provider's discovery document."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class IdentityConfig(BaseModel):
    """Everything the login machinery needs to know."""

    model_config = ConfigDict(frozen=True)

    secret_key: str = DEFAULT_SECRET_KEY
    environment: str = "development"
    session_cookie: str = "yiwang_session"
    session_max_age_s: int = 8 * 3600  # idle timeout: every response renews the signed cookie
    session_https_only: bool = False
    password_token_hours: int = 12  # lifetime of tokens issued by POST /api/identity/token
    oidc: OidcConfig | None = None

    def checked(self) -> IdentityConfig:
        """This config, or a ``ValueError`` when production would run with a guessable session secret."""
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET_KEY:
                raise ValueError("生产环境必须设置 YIWANG_SECRET_KEY，不能使用默认会话密钥")
            if len(self.secret_key) < MIN_SECRET_LENGTH:
                raise ValueError(f"YIWANG_SECRET_KEY 至少需要{MIN_SECRET_LENGTH}个字符")
        return self


_SETTINGS_FIELDS = {
    "secret_key": "secret_key",
    "environment": "environment",
    "session_https_only": "session_https_only",
    "session_max_age_s": "session_max_age_s",
}
_OIDC_FIELDS = {
    "client_id": "oidc_client_id",
    "client_secret": "oidc_client_secret",
    "scopes": "oidc_scopes",
    "username_claim": "oidc_username_claim",
    "id_number_claim": "oidc_id_number_claim",
    "name_claim": "oidc_name_claim",
    "roles_claim": "oidc_roles_claim",
    "department_claim": "oidc_department_claim",
    "auto_create": "oidc_auto_create",
    "display_name": "oidc_display_name",
    "redirect_uri": "oidc_redirect_uri",
}


def identity_config(settings: Settings) -> IdentityConfig:
    """Build (and check) the identity config from the settings; OIDC is on when ``oidc_issuer`` is set.

    Empty values count as not set (an empty ``secret_key`` means the development default, which production
    refuses).
    """
    values = _given(settings, _SETTINGS_FIELDS)
    issuer = getattr(settings, "oidc_issuer", "")
    if issuer:
        values["oidc"] = OidcConfig(issuer=issuer, **_given(settings, _OIDC_FIELDS))
    return IdentityConfig.model_validate(values).checked()


def _given(settings: Settings, fields: dict[str, str]) -> dict[str, Any]:
    values = {name: getattr(settings, field, None) for name, field in fields.items()}
    return {name: value for name, value in values.items() if value is not None and value != ""}
