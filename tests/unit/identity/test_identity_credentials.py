"""Passwords (Argon2id, rules in Chinese), bearer-token format, config checks and OIDC claim mapping."""

from __future__ import annotations

import pytest

from yiwang.config import Settings
from yiwang.identity import oidc, passwords, tokens
from yiwang.identity.config import DEFAULT_SECRET_KEY, IdentityConfig, OidcConfig, identity_config
from yiwang.identity.deps import safe_next
from yiwang.identity.errors import AuthenticationError
from yiwang.kernel.errors import ValidationError


def test_password_hash_round_trip() -> None:
    hashed = passwords.hash_password("Chengdu2026")
    assert hashed.startswith("$argon2id$")
    assert "Chengdu2026" not in hashed
    assert passwords.verify_password(hashed, "Chengdu2026")
    assert not passwords.verify_password(hashed, "chengdu2026")
    assert not passwords.verify_password("not-a-hash", "Chengdu2026")
    assert not passwords.verify_password(None, "Chengdu2026")
    assert not passwords.needs_rehash(hashed)
    assert passwords.hash_password("Chengdu2026") != hashed  # salted


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abc123", "密码至少需要8个字符，实际为6个"),
        ("abcdefgh", "密码必须同时包含字母和数字"),
        ("12345678", "密码必须同时包含字母和数字"),
        (" abcd1234", "密码首尾不能有空格"),
        ("x" * 129 + "1", "密码不能超过128个字符"),
        ("wang.li2026", "密码不能包含用户名"),
    ],
)
def test_password_rules(password: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        passwords.check_password_rules(password, username="wang.li")
    assert raised.value.message == message
    assert raised.value.field == "password"


def test_tokens_are_random_and_stored_as_digests() -> None:
    first, second = tokens.generate_token(), tokens.generate_token()
    assert first != second
    assert first.startswith("yw_")
    assert tokens.looks_like_token(first)
    assert not tokens.looks_like_token("Bearer abc")
    assert len(tokens.hash_token(first)) == 64
    assert tokens.hash_token(first) == tokens.hash_token(first)
    assert tokens.display_prefix(first) == first[:10]


def test_production_refuses_the_default_secret() -> None:
    IdentityConfig(environment="development").checked()
    with pytest.raises(ValueError, match="YIWANG_SECRET_KEY"):
        IdentityConfig(environment="production").checked()
    with pytest.raises(ValueError, match="至少需要32个字符"):
        IdentityConfig(environment="production", secret_key="short").checked()  # noqa: S106
    IdentityConfig(environment="production", secret_key="s" * 40).checked()


def test_config_reads_settings_fields_when_present() -> None:
    class Unset(Settings):
        secret_key: str = ""
        environment: str = "development"

    assert identity_config(Unset()).secret_key == DEFAULT_SECRET_KEY
    assert identity_config(Unset()).oidc is None
    with pytest.raises(ValueError, match="YIWANG_SECRET_KEY"):
        identity_config(Unset(environment="production"))

    class WithIdentity(Settings):
        secret_key: str = "k" * 40
        environment: str = "production"
        oidc_issuer: str = "https://id.example.gov.cn"
        oidc_client_id: str = "yiwang"
        oidc_client_secret: str = "secret"  # noqa: S105
        oidc_roles_claim: str = "realm_access.roles"

    config = identity_config(WithIdentity())
    assert config.environment == "production"
    assert config.oidc is not None
    assert config.oidc.metadata_url == "https://id.example.gov.cn/.well-known/openid-configuration"
    assert config.oidc.roles_claim == "realm_access.roles"


OIDC = OidcConfig(
    issuer="https://id.example.gov.cn",
    client_id="yiwang",
    client_secret="s",  # noqa: S106
    roles_claim="realm_access.roles",
    department_claim="dept",
)


def test_claims_map_onto_an_identity() -> None:
    identity = oidc.map_claims(
        OIDC,
        {
            "iss": "https://id.example.gov.cn",
            "sub": "u-1",
            "preferred_username": "zhang.san",
            "name": "张三",
            "id_number": "510107199003071236",
            "realm_access": {"roles": ["department_staff", "unknown"]},
            "dept": "market",
        },
    )
    assert identity.username == "zhang.san"
    assert identity.display_name == "张三"
    assert identity.id_number == "510107199003071236"
    assert identity.roles == ["department_staff", "unknown"]
    assert identity.department_code == "market"


def test_roles_claim_as_text_and_absent() -> None:
    claims = {"sub": "u-2", "realm_access": {"roles": "citizen, leader"}}
    assert oidc.map_claims(OIDC, claims).roles == ["citizen", "leader"]
    assert oidc.map_claims(OIDC, {"sub": "u-3"}).roles is None
    no_roles = OIDC.model_copy(update={"roles_claim": ""})
    assert oidc.map_claims(no_roles, claims).roles is None
    assert oidc.map_claims(OIDC, {"sub": "u-4", "realm_access": {"roles": 7}}).roles == ["7"]


def test_claims_without_subject_are_refused() -> None:
    with pytest.raises(AuthenticationError, match="sub"):
        oidc.map_claims(OIDC, {"preferred_username": "x"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/registry?q=1", "/registry?q=1"),
        ("", "/"),
        (None, "/"),
        ("https://evil.example", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
    ],
)
def test_only_same_site_paths_are_followed_after_login(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected
