"""Errors specific to the sharing context (the shared kernel's errors cover everything else)."""

from __future__ import annotations

from yiwang.kernel.errors import YiwangError

APPEND_ONLY_MESSAGE = "审计日志只能追加，禁止修改或删除"
"""The one wording used by the ORM guard and by the database triggers of migration 0002."""


class AuditAppendOnlyError(YiwangError):
    """Someone tried to change or remove an audit row; the log only ever grows."""

    status_code = 409
    code = "audit_append_only"

    def __init__(self, detail: str = "") -> None:
        suffix = f"（{detail}）" if detail else ""
        super().__init__(f"{APPEND_ONLY_MESSAGE}{suffix}", field="sharing_audit_entry")
