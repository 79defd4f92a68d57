"""Helpers of the identity tests: test data, form login, the app with identity wired in, a fake OIDC provider.

The fake city identity provider serves discovery, an authorize endpoint that approves at once, a token endpoint
issuing RS256-signed ID tokens (optionally tampered with) and its JWKS.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy.orm import Session

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.identity import services
from yiwang.identity.config import IdentityConfig
from yiwang.identity.schemas import AccountCreate
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR

PERSON_ID = "510107199003071236"
PERSON_STREET = "510107001"
USCC = "91510107MA6CAB1262"
PASSWORD = "Chengdu2026"  # noqa: S105 - the test accounts' password
SECRET_KEY = "test-secret-key-for-identity-sessions-0123456789"  # noqa: S105


def make_account(session: Session, username: str, role: Role, **scope: Any) -> None:
    """Create an account with the test password."""
    services.create_account(
        session,
        actor=SYSTEM_ACTOR,
        data=AccountCreate(username=username, display_name=username, password=PASSWORD, role=role, **scope),
    )


def build_app(settings: Settings, config: IdentityConfig) -> FastAPI:
    """The application with the identity context wired in (as the composition root will do)."""
    app = create_app(settings)
    # The composition root installed the identity layer from settings: use the test's config instead.
    app.state.identity_config = config
    app.state.identity_oidc_client = None
    return app


# --- a fake city identity provider -----------------------------------------------------------------------------


def login(client: TestClient, username: str, password: str = PASSWORD, next_path: str = "/me") -> httpx.Response:
    """Log in through the login form (fetching its CSRF token first)."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": next_path, "csrf_token": token},
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@dataclass
class FakeProvider:
    """A minimal OpenID provider: discovery, an authorize endpoint that approves at once, token and JWKS."""

    client_id: str = "yiwang-test"
    client_secret: str = "provider-secret"  # noqa: S105
    base_url: str = ""
    claims: dict[str, Any] = field(default_factory=dict)  # the person who "logs in" next
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tamper: str | None = None  # "signature" / "audience" / "nonce" make the next ID token invalid

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.base_url,
                "authorization_endpoint": f"{self.base_url}/authorize",
                "token_endpoint": f"{self.base_url}/token",
                "jwks_uri": f"{self.base_url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }

        @app.get("/authorize")
        def authorize(request: Request) -> RedirectResponse:
            params = request.query_params
            assert params["client_id"] == self.client_id
            assert params["response_type"] == "code"
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": params.get("nonce"), "redirect_uri": params["redirect_uri"]}
            return RedirectResponse(f"{params['redirect_uri']}?code={code}&state={params['state']}", status_code=302)

        @app.post("/token")
        def token(
            request: Request,
            grant_type: Annotated[str, Form()],
            code: Annotated[str, Form()],
            redirect_uri: Annotated[str, Form()],
            client_secret: Annotated[str | None, Form()] = None,
        ) -> JSONResponse:
            issued = self.codes.pop(code, None)
            authorized = request.headers.get("authorization", "").startswith("Basic ") or (
                client_secret == self.client_secret
            )
            if grant_type != "authorization_code" or issued is None or not authorized:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            assert issued["redirect_uri"] == redirect_uri
            now = int(time.time())
            claims = {
                "iss": self.base_url,
                "aud": "someone-else" if self.tamper == "audience" else self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": "wrong-nonce" if self.tamper == "nonce" else issued["nonce"],
                **self.claims,
            }
            signing_key = (
                RSAKey.generate_key(2048, parameters={"kid": "test-key"}) if self.tamper == "signature" else self.key
            )
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, signing_key)
            return JSONResponse(
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": id_token,
                }
            )

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        return app
