"""Domain events of the one-stop applications, published through ``yiwang.workflow.events`` after commit.

``CommitmentFoundFalse`` carries the whole record of a false 告知承诺 (who committed what for which item, what the
check found, which department, when) so the credit context on the roadmap can list the applicant without reading
this context's tables. ``ApplicationCompleted`` tells subscribers an application was closed with its outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiwang.workflow.events import DomainEvent


@dataclass(frozen=True, slots=True)
class CommitmentFoundFalse(DomainEvent):
    """The post-check found a signed commitment false; the certificate was revoked."""

    application_id: int
    application_number: str
    applicant_kind: str
    applicant_id: str  # 公民身份号码 or 统一社会信用代码 (the credit subject)
    applicant_name: str
    applicant_account_id: str
    item_code: str
    item_name: str
    commitment_text: str
    commitment_sha256: str
    signed_at: dt.datetime
    finding: str
    check_department: str
    checked_by: str
    checked_at: dt.datetime
    revoked_certificate: str | None


@dataclass(frozen=True, slots=True)
class ApplicationCompleted(DomainEvent):
    """Every item of an application was decided; the case is closed (办结)."""

    application_id: int
    application_number: str
    code: str
    outcome: str
    applicant_account_id: str
    certificates: tuple[str, ...] = ()
