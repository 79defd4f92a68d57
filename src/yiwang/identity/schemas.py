"""Pydantic contracts of the identity context: accounts, tokens, unmask grants, pages."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from yiwang.identity.scopes import Role

T = TypeVar("T")


class AccountCreate(BaseModel):
    """A new account: who, which roles, and the scope those roles work in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(min_length=1, max_length=64, description="登录名（字母、数字、汉字及 . _ - @）")
    display_name: str = Field(min_length=1, max_length=64, description="姓名或显示名")
    password: str | None = Field(default=None, description="初始密码；留空则只能通过统一身份认证登录")
    role: Role = Field(description="主要角色")
    extra_roles: list[Role] = Field(default_factory=list, description="其他角色")
    department_code: str | None = Field(default=None, description="所属部门代码（部门工作人员、话务员、派单员）")
    district_code: str | None = Field(default=None, description="区（市）县代码，6位")
    street_code: str | None = Field(default=None, description="街道（乡镇）代码，9位")
    grid_code: str | None = Field(default=None, description="网格编码，15位（网格员）")
    person_id_number: str | None = Field(default=None, description="公民身份号码（市民）")
    enterprise_uscc: str | None = Field(default=None, description="统一社会信用代码（企业经办人）")
    phone: str | None = Field(default=None, max_length=20, description="手机号码")


class AccountUpdate(BaseModel):
    """Changes to an account; fields left out stay as they are (send ``null`` to clear a scope code)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str | None = Field(default=None, min_length=1, max_length=64)
    role: Role | None = None
    extra_roles: list[Role] | None = None
    department_code: str | None = None
    district_code: str | None = None
    street_code: str | None = None
    grid_code: str | None = None
    person_id_number: str | None = None
    enterprise_uscc: str | None = None
    phone: str | None = Field(default=None, max_length=20)


class RoleRead(BaseModel):
    """A role with its Chinese label."""

    value: str
    label: str


class AccountRead(BaseModel):
    """An account as people see it: personal data (ID number, phone) masked."""

    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    roles: list[RoleRead]
    department_code: str | None
    district_code: str | None
    street_code: str | None
    grid_code: str | None
    person_id_number_masked: str
    enterprise_uscc: str | None
    phone_masked: str
    scope_label: str
    active: bool
    locked_until: dt.datetime | None
    has_password: bool
    linked_to_identity_provider: bool
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AccountEventRead(BaseModel):
    """One entry of an account's change history."""

    at: dt.datetime
    actor_id: str
    action: str
    action_label: str
    detail: dict[str, object]


class PasswordReset(BaseModel):
    """A new password set by an administrator."""

    model_config = ConfigDict(extra="forbid")

    new_password: str = Field(description="新密码：至少8位，包含字母和数字")


class PasswordChange(BaseModel):
    """A password change by the account holder."""

    model_config = ConfigDict(extra="forbid")

    current_password: str
    new_password: str


class TokenCreate(BaseModel):
    """A request for a new API token."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64, description="用途说明，例如“数据导入脚本”")
    expires_in_days: int | None = Field(default=90, ge=1, le=3650, description="有效天数；null 表示长期有效")


class TokenRead(BaseModel):
    """An API token as listed (never the token itself)."""

    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    name: str
    token_prefix: str
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    status: str  # active / expired / revoked
    status_label: str


class IssuedToken(BaseModel):
    """A freshly created token: the only time its secret is shown."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth 2.0 token type name, not a secret
    expires_at: dt.datetime | None
    expires_in: int | None = Field(description="剩余有效秒数")
    token: TokenRead


class UnmaskGrant(BaseModel):
    """Permission to show one subject's personal fields in clear text, recorded in the audit log."""

    model_config = ConfigDict(frozen=True)

    subject_kind: str
    subject_code: str
    source_department: str
    fields: tuple[str, ...]
    purpose: str
    audit_seq: list[int]


class SessionGrant(BaseModel):
    """A successful login: what the session cookie must carry, and the account."""

    model_config = ConfigDict(frozen=True)

    account_id: int
    credentials_version: int
    account: AccountRead


class ExternalIdentity(BaseModel):
    """A person as the city's identity provider vouched for them (claims already mapped)."""

    model_config = ConfigDict(frozen=True)

    issuer: str
    subject: str
    username: str | None = None
    display_name: str | None = None
    id_number: str | None = None
    roles: list[str] | None = None  # None: the provider does not manage roles
    department_code: str | None = None
