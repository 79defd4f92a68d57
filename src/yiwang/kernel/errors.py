"""Error hierarchy shared by all contexts; every message is Chinese first and names the field.

* YiwangError — base; ``code`` (machine), ``message`` (中文), optional ``field``
  * ValidationError — bad input (HTTP 422)
  * NotFoundError — absent *or* not visible to the caller (HTTP 404)
  * ConflictError — a concurrent change won (HTTP 409)
  * SourceUnavailableError — a department data source is marked unavailable (HTTP 503)
"""

from __future__ import annotations


class YiwangError(Exception):
    """Base of every domain error; carries a Chinese message meant for people."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str | None]:
        """JSON body for API errors."""
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationError(YiwangError):
    """Input that breaks a rule (identifier checksum, date, enumeration…)."""

    status_code = 422
    code = "invalid"


class NotFoundError(YiwangError):
    """The thing does not exist, or the caller may not know it exists."""

    status_code = 404
    code = "not_found"


class ConflictError(YiwangError):
    """Someone else changed the thing first; reload and retry."""

    status_code = 409
    code = "conflict"


class SourceUnavailableError(YiwangError):
    """A department's data source is down; callers degrade (e.g. ask for an upload)."""

    status_code = 503
    code = "source_unavailable"

    def __init__(self, department_code: str, reason: str = "") -> None:
        detail = f"（{reason}）" if reason else ""
        super().__init__(f"部门数据源 {department_code} 暂不可用{detail}，请稍后再试或改为上传材料", code=None)
        self.department_code = department_code
        self.reason = reason
