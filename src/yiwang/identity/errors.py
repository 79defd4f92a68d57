"""Errors of the identity context: failed logins (401) and refused access (403)."""

from __future__ import annotations

from yiwang.kernel.errors import YiwangError

LOGIN_FAILED_MESSAGE = "用户名或密码错误"
"""The one wording for every failed password login, so a caller cannot tell which part was wrong."""


class AuthenticationError(YiwangError):
    """The caller is not logged in, or the credentials (password, token, identity provider) were refused."""

    status_code = 401
    code = "unauthenticated"


class AccountLockedError(AuthenticationError):
    """Too many failed logins in a row: the account refuses password logins until the lock expires."""

    code = "account_locked"


class PermissionDeniedError(YiwangError):
    """The caller may see the resource but not perform this action on it (HTTP 403)."""

    status_code = 403
    code = "permission_denied"
