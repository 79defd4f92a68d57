"""Password hashing with Argon2id and the password rules people are told about in Chinese.

Hashes use argon2-cffi's default parameters (RFC 9106 low-memory profile). :func:`verify_password` never raises
for a wrong or malformed hash, and :func:`burn_verification` spends the same work when there is no account, so a
failed login takes as long whether or not the username exists.
"""

from __future__ import annotations

import contextlib
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from yiwang.kernel.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 128  # Argon2 accepts more, but nobody types it and it bounds the work per attempt

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2id hash (salt and parameters included) of a password that passed :func:`check_password_rules`."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash; an absent or malformed hash matches nothing."""
    if not password_hash:
        burn_verification(password)
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (rehash it after a successful login)."""
    return _HASHER.check_needs_rehash(password_hash)


def burn_verification(password: str) -> None:
    """Do the work of one verification against a throw-away hash (constant-time failure path)."""
    with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        _HASHER.verify(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("yiwang-no-such-account")


def check_password_rules(password: str, *, username: str = "", field: str = "password") -> str:
    """Refuse weak passwords with a Chinese reason naming the field; return the password unchanged."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"密码至少需要{MIN_LENGTH}个字符，实际为{len(password)}个", field=field)
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"密码不能超过{MAX_LENGTH}个字符", field=field)
    if password.strip() != password:
        raise ValidationError("密码首尾不能有空格", field=field)
    if not any(char.isalpha() for char in password) or not any(char.isdigit() for char in password):
        raise ValidationError("密码必须同时包含字母和数字", field=field)
    if username and username.lower() in password.lower():
        raise ValidationError("密码不能包含用户名", field=field)
    return password
