"""Pydantic shapes of the e-certificate context: issuing, reading, verifying and the published key set."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from pydantic import BaseModel, Field


class HolderKind(enum.StrEnum):
    """Whom a certificate is about: a natural person (公民身份号码) or an enterprise (统一社会信用代码)."""

    PERSON = "person"
    ENTERPRISE = "enterprise"

    @property
    def label(self) -> str:
        """Chinese name."""
        return "自然人" if self is HolderKind.PERSON else "法人和其他组织"


class CertificateStatus(enum.StrEnum):
    """Lifecycle of an issued certificate; expiry is computed from ``valid_until``, not stored."""

    ISSUED = "issued"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        """Chinese name."""
        return "已签发" if self is CertificateStatus.ISSUED else "已撤销"


class VerificationStatus(enum.StrEnum):
    """Outcome of verifying a signed document or a certificate number."""

    VALID = "valid"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN_KEY = "unknown_key"
    NOT_FOUND = "not_found"

    @property
    def label(self) -> str:
        """Chinese name."""
        return VERIFICATION_LABELS[self]


VERIFICATION_LABELS: dict[VerificationStatus, str] = {
    VerificationStatus.VALID: "有效",
    VerificationStatus.TAMPERED: "已被篡改",
    VerificationStatus.EXPIRED: "已过期",
    VerificationStatus.REVOKED: "已撤销",
    VerificationStatus.UNKNOWN_KEY: "签名密钥不可信",
    VerificationStatus.NOT_FOUND: "未找到",
}


class CertificateIssue(BaseModel):
    """What a department (or the 一网通办 approval) issues: the certificate's content and where it came from.

    ``idempotency_key`` makes retries safe: issuing twice with the same key returns the first certificate.
    ``cert_name`` may be left empty for the known types of ``yiwang.certs.types``.
    """

    cert_type: str = Field(min_length=2, max_length=64, examples=["business_licence"])
    cert_name: str = Field(default="", max_length=64, examples=["营业执照"])
    holder_kind: HolderKind
    holder_id: str = Field(min_length=15, max_length=18, description="公民身份号码或统一社会信用代码")
    holder_name: str = Field(min_length=1, max_length=128)
    issuing_department: str = Field(min_length=2, max_length=32, examples=["market"])
    district_code: str | None = Field(default=None, min_length=6, max_length=6, description="签发地区县代码")
    data: dict[str, Any] = Field(default_factory=dict, description="证照登记事项（键为中文或英文字段名）")
    valid_from: dt.date | None = Field(default=None, description="默认签发当日")
    valid_until: dt.date | None = Field(default=None, description="None = 长期有效（已知类型按其有效期计算）")
    source_ref: str | None = Field(default=None, max_length=128, examples=["onestop:application:42"])
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=128)


class CertificateRead(BaseModel):
    """An issued certificate as an authorised reader sees it (the holder's ID number masked)."""

    id: int
    number: str
    cert_type: str
    cert_name: str
    holder_kind: HolderKind
    holder_id_masked: str
    holder_name: str
    issuing_department: str
    issuing_department_name: str
    district_code: str | None
    issuer: str
    data: dict[str, Any]
    valid_from: dt.date
    valid_until: dt.date | None
    status: CertificateStatus
    status_label: str
    expired: bool
    revoked_at: dt.datetime | None
    revoked_reason: str | None
    source_ref: str | None
    kid: str
    issued_at: dt.datetime
    issued_by: str
    verify_url: str


class CertificatePage(BaseModel):
    """One page of a certificate list."""

    items: list[CertificateRead]
    total: int
    page: int
    page_size: int
    pages: int


class RevokeRequest(BaseModel):
    """Why a certificate is revoked (shown on the verification page)."""

    reason: str = Field(min_length=2, max_length=500)


class VerifyRequest(BaseModel):
    """Either a whole signed document, or a certificate number (optionally with the QR's short hash)."""

    document: dict[str, Any] | None = None
    number: str | None = Field(default=None, max_length=64)
    h: str | None = Field(default=None, max_length=64, description="二维码中的文件摘要")


class VerificationCheck(BaseModel):
    """One step of a verification: what was checked and whether it passed."""

    name: str
    label: str
    passed: bool
    message: str


class VerificationResult(BaseModel):
    """The verdict on a document or a number; personal data masked, messages Chinese first.

    ``valid`` is true only for ``status == "valid"``. ``revocation_checked`` is false when verified offline
    without the issuer's register (only the signature and the validity period are then known).
    """

    status: VerificationStatus
    valid: bool
    label: str
    message: str
    message_en: str
    number: str | None = None
    doc_type: str | None = None
    cert_type: str | None = None
    cert_name: str | None = None
    holder_kind: str | None = None
    holder_name_masked: str | None = None
    holder_id_masked: str | None = None
    issuing_department: str | None = None
    issuing_department_name: str | None = None
    issuer: str | None = None
    kid: str | None = None
    created: dt.datetime | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    revoked_at: dt.datetime | None = None
    revoked_reason: str | None = None
    revocation_checked: bool = True
    checked_at: dt.datetime
    checks: list[VerificationCheck] = Field(default_factory=list)


class SigningKeyRead(BaseModel):
    """A signing key's public facts (the private half is never shown anywhere)."""

    kid: str
    issuer: str
    algorithm: str
    status: str
    source: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
