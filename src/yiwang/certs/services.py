"""Use cases of the e-certificate context: issue, read, list, revoke, verify, reuse as evidence, manage keys.

Public functions other contexts call (all keyword-only after ``session``):

* :func:`issue_certificate` — sign and register a certificate; idempotent on ``idempotency_key``.
* :func:`revoke` — revoke with a reason; emits :class:`CertificateRevoked`; revoking twice is a no-op.
* :func:`get_certificate`, :func:`list_for_holder`, :func:`list_certificates` — reads through the access rules.
* :func:`find_valid` — the holder's newest valid certificate of a type (evidence instead of an upload).
* :func:`verify` — verdict on a signed document or a number: valid, tampered, expired, revoked, unknown_key,
  not_found.
* :func:`jwks`, :func:`ensure_signing_key`, :func:`rotate_key`, :func:`withdraw_key`, :func:`list_keys`.

Services own their transaction (``commit=False`` lets the 一网通办 approval issue or revoke inside its own).
Settings (issuer, public address, key file) come from ``settings=``; without it the environment's are used.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import segno
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import ColumnElement, and_, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.certs import signing, types
from yiwang.certs.models import Certificate, SigningKey
from yiwang.certs.schemas import (
    CertificateIssue,
    CertificatePage,
    CertificateRead,
    CertificateStatus,
    HolderKind,
    SigningKeyRead,
    VerificationCheck,
    VerificationResult,
    VerificationStatus,
)
from yiwang.config import Settings
from yiwang.db import as_utc, utcnow
from yiwang.identity import access, scopes
from yiwang.identity.scopes import Decision, ResourceKind, ResourceRef
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.kernel.identifiers import validate_citizen_id, validate_uscc
from yiwang.kernel.masking import mask_id_number, mask_name
from yiwang.logs import get_logger
from yiwang.workflow import events

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")
"""Validity dates are Beijing-time calendar days."""
DOC_TYPE = "certificate"
PAYLOAD_SCHEMA = "yiwang.certificate/1"
NUMBER_PREFIX = "DZZZ"
MAX_DATA_BYTES = 32_000
KEYSET_TTL_S = 60.0
"""How long a process trusts its cached copy of the published keys before reading them again."""

_log = get_logger("yiwang.certs")


# --------------------------------------------------------------------------------------------------------------
# Configuration and events
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertsConfig:
    """The settings this context reads."""

    issuer: str
    city_code: str
    public_base_url: str
    key_file: Path | None
    trusted_jwks: tuple[Path, ...]


@cache
def _environment_settings() -> Settings:
    return Settings()


def config(settings: Settings | None = None) -> CertsConfig:
    """This context's configuration from the settings (the environment's when none are given)."""
    s = settings or _environment_settings()
    return CertsConfig(
        issuer=s.certs_issuer or f"yiwang:{s.city_code}",
        city_code=s.city_code,
        public_base_url=s.public_base_url.rstrip("/"),
        key_file=s.certs_signing_key_file,
        trusted_jwks=tuple(s.certs_trusted_jwks),
    )


@dataclass(frozen=True, slots=True)
class CertificateRevoked(events.DomainEvent):
    """A certificate was revoked (e.g. a 告知承诺 found false); carries the record for later consumers (credit).

    ``instance_id`` is the certificate id, ``subject_ref`` its source reference (the application) or
    ``certs:<number>``.
    """

    number: str
    cert_type: str
    cert_name: str
    holder_kind: str
    holder_id: str
    holder_name: str
    issuing_department: str
    reason: str
    actor_id: str
    source_ref: str | None


# --------------------------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_private_keys: dict[str, Ed25519PrivateKey] = {}
_keysets: dict[tuple[str, str], tuple[float, signing.KeySet, dict[str, Any]]] = {}
_file_keys: dict[tuple[str, float], Ed25519PrivateKey] = {}
_trusted: dict[tuple[str, float], signing.KeySet] = {}


def _bind_key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def _forget_keysets(session: Session) -> None:
    with _cache_lock:
        for key in [k for k in _keysets if k[0] == _bind_key(session)]:
            del _keysets[key]


def _load_key_file(path: Path) -> Ed25519PrivateKey:
    try:
        stamp = path.stat().st_mtime
    except OSError as error:
        raise ValidationError(f"签名私钥文件 {path} 不存在或无法读取", field="certs_signing_key_file") from error
    with _cache_lock:
        found = _file_keys.get((str(path), stamp))
    if found is None:
        try:
            found = signing.load_private_key_pem(path.read_bytes())
        except ValueError as error:
            raise ValidationError(str(error), field="certs_signing_key_file") from error
        with _cache_lock:
            _file_keys[(str(path), stamp)] = found
    return found


def _begin(session: Session) -> None:
    """Make sure the database transaction has really begun before a savepoint is taken.

    The sqlite3 driver opens a transaction only before its first data-changing statement, so a SAVEPOINT taken
    earlier starts (and its release commits) a transaction of its own, escaping the caller's rollback. An UPDATE
    touching no row opens the transaction without changing anything. PostgreSQL needs nothing.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(SigningKey).where(false()).values(status=SigningKey.status))


def _active_key_row(session: Session) -> SigningKey | None:
    return session.scalars(select(SigningKey).where(SigningKey.active_slot == 1)).first()


def _activate(session: Session, row: SigningKey) -> None:
    """Make ``row`` the one active key, retiring the previous one (the unique slot guards concurrent writers)."""
    now = utcnow()
    session.execute(
        update(SigningKey)
        .where(SigningKey.active_slot == 1, SigningKey.id != row.id)
        .values(active_slot=None, status="retired", retired_at=now)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    row.active_slot = 1
    row.status = "active"
    row.retired_at = None
    session.flush()


def _new_key_row(private_key: Ed25519PrivateKey, *, cfg: CertsConfig, source: str) -> SigningKey:
    public = private_key.public_key()
    return SigningKey(
        kid=signing.key_id(public),
        issuer=cfg.issuer,
        algorithm=signing.ALG,
        public_key=signing.b64url_encode(signing.raw_public_key(public)),
        private_key_pem=signing.private_key_to_pem(private_key) if source == "database" else None,
        source=source,
        status="active",
        active_slot=None,
    )


def _signer(session: Session, cfg: CertsConfig) -> tuple[SigningKey, Ed25519PrivateKey]:
    """The active key row and its private key, creating or switching keys when needed (inside a savepoint)."""
    if cfg.key_file is not None:
        private_key = _load_key_file(cfg.key_file)
        kid = signing.key_id(private_key.public_key())
        row = session.scalars(select(SigningKey).where(SigningKey.kid == kid)).first()
        if row is not None and row.status == "withdrawn":
            raise ValidationError("配置的签名私钥已被撤回，请更换密钥文件", field="certs_signing_key_file")
        if row is None or row.active_slot != 1:
            with session.begin_nested():
                if row is None:
                    row = _new_key_row(private_key, cfg=cfg, source="file")
                    session.add(row)
                    session.flush()
                _activate(session, row)
            _forget_keysets(session)
        return row, private_key
    row = _active_key_row(session)
    if row is None or row.private_key_pem is None:
        # First use (or the key file was removed from the settings): generate a key kept in the database.
        try:
            with session.begin_nested():
                row = _new_key_row(signing.generate_private_key(), cfg=cfg, source="database")
                session.add(row)
                session.flush()
                _activate(session, row)
        except IntegrityError:
            row = _active_key_row(session)
            if row is None or row.private_key_pem is None:
                raise
        _forget_keysets(session)
        _log.info("certs_signing_key_created", kid=row.kid, source=row.source)
    with _cache_lock:
        cached = _private_keys.get(row.kid)
    if cached is None:
        cached = signing.load_private_key_pem(row.private_key_pem or "")
        with _cache_lock:
            _private_keys[row.kid] = cached
    return row, cached


def ensure_signing_key(session: Session, *, settings: Settings | None = None) -> SigningKeyRead:
    """Make sure an active signing key exists (from the key file, else generated once); commits."""
    row, _ = _signer(session, config(settings))
    session.commit()
    return _key_read(row)


def rotate_key(session: Session, *, actor: Actor, settings: Settings | None = None) -> SigningKeyRead:
    """Generate a new active key; the old one is retired but stays published so its documents still verify.

    Platform administrators only. With a key file configured, rotate by replacing the file instead.
    """
    require_key_admin(actor)
    cfg = config(settings)
    if cfg.key_file is not None:
        raise ValidationError(
            "已配置签名私钥文件：请生成新的密钥文件并更新配置，旧密钥会自动转为历史密钥继续公布", field="key_file"
        )
    with session.begin_nested():
        row = _new_key_row(signing.generate_private_key(), cfg=cfg, source="database")
        session.add(row)
        session.flush()
        _activate(session, row)
    session.commit()
    _forget_keysets(session)
    _log.info("certs_signing_key_rotated", kid=row.kid, actor=actor.id)
    return _key_read(row)


def withdraw_key(session: Session, *, actor: Actor, kid: str) -> SigningKeyRead:
    """Stop publishing a retired key (it leaked): documents it signed then verify as ``unknown_key``."""
    require_key_admin(actor)
    row = session.scalars(select(SigningKey).where(SigningKey.kid == kid)).first()
    if row is None:
        raise NotFoundError(f"签名密钥 {kid} 不存在", field="kid")
    if row.active_slot == 1:
        raise ValidationError("不能撤回正在使用的签名密钥，请先轮换密钥", field="kid")
    row.status = "withdrawn"
    row.private_key_pem = None
    row.retired_at = row.retired_at or utcnow()
    session.commit()
    _forget_keysets(session)
    with _cache_lock:
        _private_keys.pop(kid, None)
    _log.warning("certs_signing_key_withdrawn", kid=kid, actor=actor.id)
    return _key_read(row)


def list_keys(session: Session) -> list[SigningKeyRead]:
    """Every key of this instance, newest first (public facts only)."""
    rows = session.scalars(select(SigningKey).order_by(SigningKey.id.desc())).all()
    return [_key_read(row) for row in rows]


def require_key_admin(actor: Actor) -> None:
    """Only platform administrators (and internal jobs) manage signing keys (403 otherwise)."""
    ref = ResourceRef(kind="signing_key")
    if scopes.decide(actor, ref, "write") is not Decision.ALLOWED:
        raise access.PermissionDeniedError("只有平台管理员可以管理签名密钥", field="kid")


def _key_read(row: SigningKey) -> SigningKeyRead:
    return SigningKeyRead(
        kid=row.kid,
        issuer=row.issuer,
        algorithm=row.algorithm,
        status=row.status,
        source=row.source,
        created_at=as_utc(row.created_at),
        retired_at=as_utc(row.retired_at) if row.retired_at else None,
    )


def _published(session: Session, cfg: CertsConfig, *, refresh: bool = False) -> tuple[signing.KeySet, dict[str, Any]]:
    """This instance's published keys as a key set and a JWKS document (cached for ``KEYSET_TTL_S``)."""
    cache_key = (_bind_key(session), cfg.issuer)
    with _cache_lock:
        cached = _keysets.get(cache_key)
    if cached is not None and not refresh and time.monotonic() - cached[0] < KEYSET_TTL_S:
        return cached[1], cached[2]
    rows = session.scalars(
        select(SigningKey).where(SigningKey.status != "withdrawn").order_by(SigningKey.id.desc())
    ).all()
    keys = []
    for row in rows:
        jwk = signing.public_jwk(signing.public_key_from_x(row.public_key), status=row.status)
        jwk["iss"] = row.issuer
        keys.append(jwk)
    document = {"issuer": cfg.issuer, "keys": keys}
    keyset = signing.KeySet.from_jwks(document)
    with _cache_lock:
        _keysets[cache_key] = (time.monotonic(), keyset, document)
    return keyset, document


def _trusted_keys(cfg: CertsConfig) -> signing.KeySet:
    """Keys of other issuers this instance trusts (their JWKS files), re-read when a file changes."""
    merged = signing.KeySet()
    for path in cfg.trusted_jwks:
        try:
            stamp = path.stat().st_mtime
        except OSError:
            _log.warning("certs_trusted_jwks_missing", path=str(path))
            continue
        with _cache_lock:
            found = _trusted.get((str(path), stamp))
        if found is None:
            try:
                found = signing.KeySet.from_jwks(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, OSError):
                _log.warning("certs_trusted_jwks_invalid", path=str(path))
                continue
            with _cache_lock:
                _trusted[(str(path), stamp)] = found
        merged = merged.merged(found)
    return merged


def jwks(session: Session, *, settings: Settings | None = None) -> dict[str, Any]:
    """The published key set (JWKS): the active key and every retired one, never a private key."""
    _, document = _published(session, config(settings))
    return document


# --------------------------------------------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------------------------------------------


@cache
def _directory() -> dict[str, str]:
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - registry is heavy to import

    document = yaml.safe_load(registry_services.DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    return {str(entry["code"]): str(entry["name"]) for entry in document["departments"]}


def department_name(session: Session, code: str) -> str | None:
    """Full name of a department from the directory (or the registry for departments added later)."""
    name = _directory().get(code)
    if name is None:
        from yiwang.registry import services as registry_services  # noqa: PLC0415

        for item in registry_services.list_departments(session, with_counts=False):
            if item.code == code:
                return item.name
    return name


def _holder_id(kind: HolderKind, value: str) -> str:
    if kind is HolderKind.PERSON:
        return validate_citizen_id(value, field="holder_id").number
    return validate_uscc(value, field="holder_id")


def certificate_ref(
    *, holder_kind: str, holder_id: str, department: str, district_code: str | None = None
) -> ResourceRef:
    """How the access rules see a certificate: its issuing department, district and holder."""
    return ResourceRef(
        kind=ResourceKind.CERTIFICATE,
        owner_department=department,
        district_code=district_code,
        person_id_number=holder_id if holder_kind == HolderKind.PERSON else None,
        enterprise_uscc=holder_id if holder_kind == HolderKind.ENTERPRISE else None,
    )


def _ref(row: Certificate) -> ResourceRef:
    return certificate_ref(
        holder_kind=row.holder_kind,
        holder_id=row.holder_id,
        department=row.issuing_department,
        district_code=row.district_code,
    )


def _checked_issue(
    session: Session, data: CertificateIssue, today: dt.date
) -> tuple[str, str, dt.date, dt.date | None]:
    """Validate an issue request; returns (holder id, type name, valid from, valid until)."""
    types.check_type_code(data.cert_type)
    name = types.type_name(data.cert_type, data.cert_name)
    holder = _holder_id(data.holder_kind, data.holder_id)
    if department_name(session, data.issuing_department) is None:
        raise ValidationError(f"签发部门代码 {data.issuing_department} 不存在", field="issuing_department")
    if data.district_code is not None and not data.district_code.isdigit():
        raise ValidationError("签发地区县代码应为 6 位数字", field="district_code")
    known = types.CERT_TYPES.get(data.cert_type)
    if known is not None and known.holder_kind != data.holder_kind:
        raise ValidationError(f"{known.name}的持证主体应为{HolderKind(known.holder_kind).label}", field="holder_kind")
    valid_from = data.valid_from or today
    valid_until = (
        data.valid_until if data.valid_until is not None else types.default_valid_until(data.cert_type, valid_from)
    )
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError("有效期截止日期不能早于起始日期", field="valid_until")
    try:
        size = len(signing.canonicalize(data.data))
    except signing.CanonicalizationError as error:
        raise ValidationError(f"证照登记事项无法签名：{error}", field="data") from error
    if size > MAX_DATA_BYTES:
        raise ValidationError(f"证照登记事项过大（{size} 字节，上限 {MAX_DATA_BYTES}）", field="data")
    return holder, name, valid_from, valid_until


def _expires_at(valid_until: dt.date | None) -> dt.datetime | None:
    """The end of the last valid day, Beijing time."""
    if valid_until is None:
        return None
    return dt.datetime.combine(valid_until + dt.timedelta(days=1), dt.time(), tzinfo=CHINA_TZ)


def _verify_url(cfg: CertsConfig, number: str, document: Mapping[str, Any] | None = None) -> str:
    url = f"{cfg.public_base_url}/certs/verify/{number}"
    return f"{url}?h={signing.short_hash(document)}" if document else url


def issue_certificate(
    session: Session,
    *,
    actor: Actor,
    data: CertificateIssue,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    commit: bool = True,
) -> CertificateRead:
    """Sign and register a certificate; the same ``idempotency_key`` always returns the first one issued.

    Only the issuing department's staff, platform administrators and internal jobs may issue (403 otherwise).
    Bad input raises a Chinese :class:`ValidationError` naming the field (holder ID checksum, unknown type
    without a name, unknown department, validity ending before it starts, data that cannot be signed). Reusing
    an idempotency key for a different holder or type raises :class:`ConflictError`. ``commit=False`` only
    flushes, so the caller's transaction (an approval) decides.
    """
    cfg = config(settings)
    moment = now or utcnow()
    holder, name, valid_from, valid_until = _checked_issue(session, data, moment.astimezone(CHINA_TZ).date())
    ref = certificate_ref(
        holder_kind=data.holder_kind,
        holder_id=holder,
        department=data.issuing_department,
        district_code=data.district_code,
    )
    if scopes.decide(actor, ref, "write") is not Decision.ALLOWED:
        raise access.PermissionDeniedError(
            f"您无权以 {data.issuing_department} 部门的名义签发电子证照", field="issuing_department"
        )
    if data.idempotency_key:
        existing = _by_idempotency_key(session, data.idempotency_key)
        if existing is not None:
            return _same_request(session, existing, data, holder, cfg)
    _begin(session)
    key_row, private_key = _signer(session, cfg)
    try:
        with session.begin_nested():
            row = Certificate(
                number=f"PENDING-{uuid.uuid4().hex}",
                cert_type=data.cert_type,
                cert_name=name,
                holder_kind=data.holder_kind.value,
                holder_id=holder,
                holder_name=data.holder_name.strip(),
                issuing_department=data.issuing_department,
                district_code=data.district_code,
                issuer=cfg.issuer,
                data=dict(data.data),
                valid_from=valid_from,
                valid_until=valid_until,
                source_ref=data.source_ref,
                idempotency_key=data.idempotency_key,
                status=CertificateStatus.ISSUED.value,
                kid=key_row.kid,
                document={},
                document_hash="",
                issued_at=moment,
                issued_by=actor.id,
            )
            session.add(row)
            session.flush()  # the row id numbers the certificate: unique without a counter to contend on
            row.number = f"{NUMBER_PREFIX}-{cfg.city_code}-{moment.astimezone(CHINA_TZ).year}-{row.id:08d}"
            document = signing.sign_document(
                _payload(session, row, cfg),
                private_key,
                issuer=cfg.issuer,
                doc_type=DOC_TYPE,
                created=moment,
                expires=_expires_at(valid_until),
            )
            row.document = document
            row.document_hash = signing.digest(document)
            session.flush()
    except IntegrityError:
        # A concurrent retry with the same idempotency key won the race: answer with its certificate.
        existing = _by_idempotency_key(session, data.idempotency_key) if data.idempotency_key else None
        if existing is None:
            raise
        return _same_request(session, existing, data, holder, cfg)
    if commit:
        session.commit()
    _log.info("certs_issued", number=row.number, cert_type=row.cert_type, department=row.issuing_department)
    return _read(session, row, cfg)


def _by_idempotency_key(session: Session, key: str) -> Certificate | None:
    return session.scalars(select(Certificate).where(Certificate.idempotency_key == key)).first()


def _same_request(
    session: Session, existing: Certificate, data: CertificateIssue, holder: str, cfg: CertsConfig
) -> CertificateRead:
    if existing.holder_id != holder or existing.cert_type != data.cert_type:
        raise ConflictError("该幂等键已用于签发另一份电子证照", field="idempotency_key")
    return _read(session, existing, cfg)


def _payload(session: Session, row: Certificate, cfg: CertsConfig) -> dict[str, Any]:
    """What the signature covers: everything printed on the certificate, nothing internal."""
    return {
        "schema": PAYLOAD_SCHEMA,
        "id": row.number,
        "cert_type": row.cert_type,
        "cert_name": row.cert_name,
        "holder": {"kind": row.holder_kind, "id": row.holder_id, "name": row.holder_name},
        "issuing_department": {
            "code": row.issuing_department,
            "name": department_name(session, row.issuing_department) or row.issuing_department,
        },
        "district_code": row.district_code,
        "data": row.data,
        "valid_from": row.valid_from.isoformat(),
        "valid_until": row.valid_until.isoformat() if row.valid_until else None,
        "issued_at": signing.iso_utc(as_utc(row.issued_at)),
        "verify_url": _verify_url(cfg, row.number),
    }


def _expired(row: Certificate, today: dt.date) -> bool:
    return row.valid_until is not None and row.valid_until < today


def _today() -> dt.date:
    return utcnow().astimezone(CHINA_TZ).date()


def _read(session: Session, row: Certificate, cfg: CertsConfig) -> CertificateRead:
    status = CertificateStatus(row.status)
    return CertificateRead(
        id=row.id,
        number=row.number,
        cert_type=row.cert_type,
        cert_name=row.cert_name,
        holder_kind=HolderKind(row.holder_kind),
        holder_id_masked=mask_id_number(row.holder_id) if row.holder_kind == HolderKind.PERSON else row.holder_id,
        holder_name=row.holder_name,
        issuing_department=row.issuing_department,
        issuing_department_name=department_name(session, row.issuing_department) or row.issuing_department,
        district_code=row.district_code,
        issuer=row.issuer,
        data=dict(row.data or {}),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        status=status,
        status_label=status.label,
        expired=_expired(row, _today()),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
        revoked_reason=row.revoked_reason,
        source_ref=row.source_ref,
        kid=row.kid,
        issued_at=as_utc(row.issued_at),
        issued_by=row.issued_by,
        verify_url=_verify_url(cfg, row.number, row.document),
    )


# --------------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------------


def normalize_number(value: str) -> str:
    """Certificate numbers are upper case without spaces."""
    return (value or "").strip().upper()


def _load(session: Session, certificate_id: int | str) -> Certificate | None:
    if isinstance(certificate_id, int):
        return session.get(Certificate, certificate_id)
    return session.scalars(select(Certificate).where(Certificate.number == normalize_number(certificate_id))).first()


def _visible(session: Session, actor: Actor, certificate_id: int | str) -> Certificate:
    row = _load(session, certificate_id)
    message = f"未找到电子证照 {certificate_id}"
    if row is None:
        raise NotFoundError(message, field="certificate")
    access.authorize(actor, _ref(row), "read", not_found=message)
    return row


def get_certificate(
    session: Session, *, actor: Actor, certificate_id: int | str, settings: Settings | None = None
) -> CertificateRead:
    """One certificate by id or number; out of the actor's scope is the same 404 as absent."""
    return _read(session, _visible(session, actor, certificate_id), config(settings))


def may_change(session: Session, *, actor: Actor, certificate_id: int | str) -> bool:
    """Whether the actor may revoke the certificate (pages show the action only then)."""
    return scopes.can_write(actor, _ref(_visible(session, actor, certificate_id)))


def signed_document(session: Session, *, actor: Actor, certificate_id: int | str) -> dict[str, Any]:
    """The signed JSON document as issued (for download and offline verification)."""
    return dict(_visible(session, actor, certificate_id).document)


def list_for_holder(
    session: Session,
    *,
    actor: Actor,
    holder_id: str,
    cert_type: str | None = None,
    settings: Settings | None = None,
) -> list[CertificateRead]:
    """A holder's certificates the actor may see, newest first ("my certificates", evidence pickers)."""
    holder = holder_id.strip().upper()
    query = select(Certificate).where(Certificate.holder_id == holder)
    if cert_type:
        query = query.where(Certificate.cert_type == cert_type)
    rows = session.scalars(query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()
    cfg = config(settings)
    return [_read(session, row, cfg) for row in rows if scopes.can_read(actor, _ref(row))]


def find_valid(
    session: Session,
    *,
    holder_id: str,
    cert_type: str,
    as_of: dt.date | None = None,
    settings: Settings | None = None,
) -> CertificateRead | None:
    """The holder's newest certificate of ``cert_type`` that is issued, in force on ``as_of`` and authentic.

    No actor: the calling service (一网通办) has already authorised the applicant; this only answers whether
    the government already holds the evidence, so the applicant need not upload it.
    """
    day = as_of or _today()
    holder = holder_id.strip().upper()
    rows = session.scalars(
        select(Certificate)
        .where(
            Certificate.holder_id == holder,
            Certificate.cert_type == cert_type,
            Certificate.status == CertificateStatus.ISSUED.value,
            Certificate.valid_from <= day,
            or_(Certificate.valid_until.is_(None), Certificate.valid_until >= day),
        )
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(5)
    ).all()
    cfg = config(settings)
    keyset, _ = _published(session, cfg)
    for row in rows:
        # The query already checked the validity window on ``as_of``; here only authenticity matters.
        authentic = signing.verify_document(row.document, keyset).status in {"valid", "expired"}
        if authentic and row.document_hash == signing.digest(row.document):
            return _read(session, row, cfg)
        _log.warning("certs_stored_document_invalid", number=row.number)
    return None


def _scope_condition(actor: Actor) -> ColumnElement[bool] | None:
    """SQL limiting a certificate list to what the actor may read (None: all), asking the access rules.

    Each department, district or holder the actor is tied to is offered to the rules as a probe resource and
    kept as a filter when readable, so the rules stay in ``identity.scopes`` and the query never over-fetches.
    """
    base = ResourceRef(kind=ResourceKind.CERTIFICATE)
    if scopes.can_read(actor, base):
        return None
    clauses: list[ColumnElement[bool]] = []
    if actor.department:
        probe = replace(base, owner_department=actor.department, district_code=actor.district_code)
        if scopes.can_read(actor, probe):
            condition = Certificate.issuing_department == actor.department
            if actor.district_code:
                condition = and_(condition, Certificate.district_code == actor.district_code)
            clauses.append(condition)
    if actor.district_code and scopes.can_read(actor, replace(base, district_code=actor.district_code)):
        clauses.append(Certificate.district_code == actor.district_code)
    if actor.person_id_number and scopes.can_read(actor, replace(base, person_id_number=actor.person_id_number)):
        clauses.append(
            and_(Certificate.holder_kind == HolderKind.PERSON.value, Certificate.holder_id == actor.person_id_number)
        )
    if actor.enterprise_uscc and scopes.can_read(actor, replace(base, enterprise_uscc=actor.enterprise_uscc)):
        clauses.append(
            and_(Certificate.holder_kind == HolderKind.ENTERPRISE.value, Certificate.holder_id == actor.enterprise_uscc)
        )
    return or_(*clauses) if clauses else false()


def _list_query(
    actor: Actor,
    *,
    q: str | None,
    cert_type: str | None,
    status: str | None,
    department: str | None,
    holder_id: str | None,
) -> Any:
    query = select(Certificate)
    scope = _scope_condition(actor)
    if scope is not None:
        query = query.where(scope)
    if q and q.strip():
        text = f"%{q.strip().replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                Certificate.number.ilike(text),
                Certificate.holder_name.ilike(text),
                Certificate.cert_name.ilike(text),
                Certificate.holder_id == q.strip().upper(),
            )
        )
    if cert_type:
        query = query.where(Certificate.cert_type == cert_type)
    if status == "expired":
        query = query.where(Certificate.status == CertificateStatus.ISSUED.value, Certificate.valid_until < _today())
    elif status == CertificateStatus.ISSUED.value:
        query = query.where(
            Certificate.status == status,
            or_(Certificate.valid_until.is_(None), Certificate.valid_until >= _today()),
        )
    elif status == CertificateStatus.REVOKED.value:
        query = query.where(Certificate.status == status)
    elif status:
        raise ValidationError("状态应为 issued（有效）、expired（已过期）或 revoked（已撤销）", field="status")
    if department:
        query = query.where(Certificate.issuing_department == department)
    if holder_id:
        query = query.where(Certificate.holder_id == holder_id.strip().upper())
    return query


def list_certificates(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    cert_type: str | None = None,
    status: str | None = None,
    department: str | None = None,
    holder_id: str | None = None,
    page: int = 1,
    page_size: int = 20,
    settings: Settings | None = None,
) -> CertificatePage:
    """Certificates the actor may see, newest first, filtered and paged (status: issued / expired / revoked)."""
    if page < 1:
        raise ValidationError("页码必须大于 0", field="page")
    if not 1 <= page_size <= 200:  # noqa: PLR2004
        raise ValidationError("每页条数应在 1 到 200 之间", field="page_size")
    query = _list_query(actor, q=q, cert_type=cert_type, status=status, department=department, holder_id=holder_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    cfg = config(settings)
    return CertificatePage(
        items=[_read(session, row, cfg) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        pages=max(1, math.ceil(total / page_size)),
    )


CSV_COLUMNS = (
    ("number", "证照编号"),
    ("cert_name", "证照名称"),
    ("holder_name", "持证主体"),
    ("holder_id_masked", "证件号码（脱敏）"),
    ("issuing_department_name", "签发部门"),
    ("valid_from", "有效期起"),
    ("valid_until", "有效期止"),
    ("status_label", "状态"),
    ("revoked_reason", "撤销原因"),
    ("issued_at", "签发时间"),
)


def export_csv(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    cert_type: str | None = None,
    status: str | None = None,
    department: str | None = None,
    settings: Settings | None = None,
) -> Iterator[str]:
    """The filtered list as CSV (UTF-8 with BOM for spreadsheet programs), streamed in chunks; IDs masked.

    Filters are checked at once (a bad one raises before anything streams); rows are read while streaming.
    """
    query = _list_query(actor, q=q, cert_type=cert_type, status=status, department=department, holder_id=None)
    return _csv_rows(session, query, config(settings))


def _csv_rows(session: Session, query: Any, cfg: CertsConfig) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([label for _, label in CSV_COLUMNS])
    rows = session.scalars(query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())).yield_per(500)
    for index, row in enumerate(rows, start=1):
        item = _read(session, row, cfg).model_dump()
        if item["expired"] and item["status"] == CertificateStatus.ISSUED:
            item["status_label"] = "已过期"
        writer.writerow(["" if item[name] is None else str(item[name]) for name, _ in CSV_COLUMNS])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --------------------------------------------------------------------------------------------------------------
# Revoking
# --------------------------------------------------------------------------------------------------------------


def revoke(
    session: Session,
    *,
    actor: Actor,
    certificate_id: int | str,
    reason: str,
    settings: Settings | None = None,
    commit: bool = True,
) -> CertificateRead:
    """Revoke a certificate (id or number) with a reason; verification answers ``revoked`` from then on.

    The issuing department's staff, platform administrators and internal jobs may (holders get 403, others 404).
    Revoking an already revoked certificate returns it unchanged and emits nothing; two concurrent revocations
    record exactly one. Emits :class:`CertificateRevoked` (delivered after commit).
    """
    text = (reason or "").strip()
    if len(text) < 2:  # noqa: PLR2004
        raise ValidationError("请填写撤销原因（至少 2 个字）", field="reason")
    if len(text) > 500:  # noqa: PLR2004
        raise ValidationError("撤销原因不能超过 500 字", field="reason")
    row = _visible(session, actor, certificate_id)
    access.authorize(actor, _ref(row), "write")
    cfg = config(settings)
    if row.status == CertificateStatus.REVOKED.value:
        return _read(session, row, cfg)
    moment = utcnow()
    changed = session.execute(
        update(Certificate)
        .where(Certificate.id == row.id, Certificate.status == CertificateStatus.ISSUED.value)
        .values(status=CertificateStatus.REVOKED.value, revoked_reason=text, revoked_at=moment, revoked_by=actor.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    if getattr(changed, "rowcount", 0) == 1:
        events.record(
            session,
            CertificateRevoked(
                instance_id=row.id,
                definition_key="certs.certificate",
                subject_ref=row.source_ref or f"certs:{row.number}",
                at=moment,
                number=row.number,
                cert_type=row.cert_type,
                cert_name=row.cert_name,
                holder_kind=row.holder_kind,
                holder_id=row.holder_id,
                holder_name=row.holder_name,
                issuing_department=row.issuing_department,
                reason=text,
                actor_id=actor.id,
                source_ref=row.source_ref,
            ),
        )
        _log.info("certs_revoked", number=row.number, actor=actor.id)
    if commit:
        session.commit()
    else:
        session.flush()
    return _read(session, row, cfg)


# --------------------------------------------------------------------------------------------------------------
# Verifying
# --------------------------------------------------------------------------------------------------------------

_MESSAGES: dict[VerificationStatus, tuple[str, str]] = {
    VerificationStatus.VALID: ("电子证照真实有效：签名有效、内容未被篡改、在有效期内且未被撤销", "Valid certificate."),
    VerificationStatus.REVOKED: ("电子证照签名真实，但已被签发部门撤销", "Authentic, but revoked by the issuer."),
    VerificationStatus.EXPIRED: ("电子证照签名真实，但已超过有效期", "Authentic, but expired."),
    VerificationStatus.NOT_FOUND: ("未找到该编号的电子证照，请核对编号", "No certificate with this number."),
}


def verify(  # noqa: PLR0911 - one answer per verdict
    session: Session,
    document_or_number: Mapping[str, Any] | str,
    *,
    h: str | None = None,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
) -> VerificationResult:
    """Verify a signed document (pasted, uploaded) or a certificate number (typed, or scanned with its ``h``).

    Public: no actor; the result shows only masked personal data. Statuses, in order of precedence: the
    document's structure or signature does not hold (``tampered``), its key is not published (``unknown_key``),
    the register does not know it (``not_found``), it was revoked (``revoked``), it is past its validity
    (``expired``), else ``valid``. Documents of other issuers whose JWKS is trusted verify without a revocation
    check (``revocation_checked`` false).
    """
    cfg = config(settings)
    moment = now or utcnow()
    if isinstance(document_or_number, str):
        number = normalize_number(document_or_number)
        row = session.scalars(select(Certificate).where(Certificate.number == number)).first()
        if row is None:
            return _result(VerificationStatus.NOT_FOUND, moment, number=number or None)
        outcome = _check_signature(session, cfg, row.document, moment)
        extra: list[VerificationCheck] = []
        if h is not None:
            matches = h.strip() == signing.short_hash(row.document)
            extra.append(
                VerificationCheck(
                    name="qr",
                    label="二维码",
                    passed=matches,
                    message="二维码与登记的证照一致" if matches else "二维码与登记的证照不一致",
                )
            )
            if not matches:
                return _result(
                    VerificationStatus.TAMPERED,
                    moment,
                    outcome=outcome,
                    row=row,
                    extra=extra,
                    message=("二维码与签发部门登记的证照不一致，证照可能被伪造或篡改", "QR code does not match."),
                )
        return _with_register(outcome, row, moment, extra=extra)
    outcome = _check_signature(session, cfg, document_or_number, moment)
    if outcome.status in {"tampered", "unknown_key"} or outcome.proof is None:
        return _result(VerificationStatus(outcome.status), moment, outcome=outcome)
    if outcome.proof.get("issuer") != cfg.issuer and (outcome.key is None or outcome.key.issuer != cfg.issuer):
        # Another issuer's document (a trusted JWKS): its register is elsewhere, so revocation is not known here.
        return _result(VerificationStatus(outcome.status), moment, outcome=outcome, revocation_checked=False)
    row = session.scalars(select(Certificate).where(Certificate.number == (outcome.doc_id or ""))).first()
    if row is None:
        return _result(
            VerificationStatus.NOT_FOUND,
            moment,
            outcome=outcome,
            message=("签名真实，但签发部门的登记簿中没有这份文件", "Authentic signature, but not in the register."),
        )
    if row.document_hash != signing.digest(document_or_number):
        return _result(
            VerificationStatus.TAMPERED,
            moment,
            outcome=outcome,
            message=("文件与签发部门登记的证照不一致", "The document differs from the registered one."),
        )
    return _with_register(outcome, row, moment)


def _check_signature(
    session: Session, cfg: CertsConfig, document: Any, moment: dt.datetime
) -> signing.DocumentVerification:
    keyset, _ = _published(session, cfg)
    keys = keyset.merged(_trusted_keys(cfg)) if cfg.trusted_jwks else keyset
    outcome = signing.verify_document(document, keys, now=moment)
    if outcome.status == "unknown_key":
        # A key rotated in by another process since this one cached the set: read the keys once more.
        keyset, _ = _published(session, cfg, refresh=True)
        keys = keyset.merged(_trusted_keys(cfg)) if cfg.trusted_jwks else keyset
        outcome = signing.verify_document(document, keys, now=moment)
    return outcome


def _with_register(
    outcome: signing.DocumentVerification,
    row: Certificate,
    moment: dt.datetime,
    *,
    extra: Sequence[VerificationCheck] = (),
) -> VerificationResult:
    checks = list(extra)
    if outcome.status in {"tampered", "unknown_key"}:
        return _result(VerificationStatus(outcome.status), moment, outcome=outcome, row=row, extra=checks)
    revoked = row.status == CertificateStatus.REVOKED.value
    checks.append(
        VerificationCheck(
            name="revocation",
            label="撤销状态",
            passed=not revoked,
            message=f"已于 {as_utc(row.revoked_at).astimezone(CHINA_TZ):%Y-%m-%d} 撤销"
            if revoked and row.revoked_at
            else "未被撤销",
        )
    )
    status = VerificationStatus.REVOKED if revoked else VerificationStatus(outcome.status)
    return _result(status, moment, outcome=outcome, row=row, extra=checks)


_CHECK_LABELS = {"structure": "文件结构", "key": "签名密钥", "signature": "数字签名", "validity": "有效期"}


def _result(
    status: VerificationStatus,
    moment: dt.datetime,
    *,
    outcome: signing.DocumentVerification | None = None,
    row: Certificate | None = None,
    number: str | None = None,
    extra: Sequence[VerificationCheck] = (),
    message: tuple[str, str] | None = None,
    revocation_checked: bool = True,
) -> VerificationResult:
    if message is None:
        message = _MESSAGES.get(status) or ((outcome.message, outcome.message_en) if outcome else ("", ""))
    checks = [
        VerificationCheck(name=c.name, label=_CHECK_LABELS.get(c.name, c.name), passed=c.passed, message=c.message)
        for c in (outcome.checks if outcome else ())
    ]
    checks.extend(extra)
    payload: Mapping[str, Any] = outcome.payload if outcome and outcome.payload is not None else {}
    if row is not None:
        payload = row.document.get("payload", {})
    raw_holder, raw_department = payload.get("holder"), payload.get("issuing_department")
    holder: Mapping[str, Any] = raw_holder if isinstance(raw_holder, Mapping) else {}
    department: Mapping[str, Any] = raw_department if isinstance(raw_department, Mapping) else {}
    holder_id = holder.get("id") if isinstance(holder.get("id"), str) else None
    return VerificationResult(
        status=status,
        valid=status is VerificationStatus.VALID,
        label=status.label,
        message=message[0],
        message_en=message[1],
        number=(row.number if row else None) or _text(payload.get("id")) or number,
        doc_type=_text(outcome.proof.get("doc_type")) if outcome and outcome.proof else None,
        cert_type=_text(payload.get("cert_type")),
        cert_name=_text(payload.get("cert_name")),
        holder_kind=_text(holder.get("kind")),
        holder_name_masked=(
            mask_name(_text(holder.get("name")))
            if holder.get("kind") == HolderKind.PERSON
            else _text(holder.get("name"))
        )
        or None,
        holder_id_masked=(
            (mask_id_number(holder_id) if holder.get("kind") == HolderKind.PERSON else holder_id) if holder_id else None
        ),
        issuing_department=_text(department.get("code")),
        issuing_department_name=_text(department.get("name")),
        issuer=_text(outcome.proof.get("issuer")) if outcome and outcome.proof else None,
        kid=_text(outcome.proof.get("kid")) if outcome and outcome.proof else None,
        created=outcome.created if outcome else None,
        valid_from=_date(payload.get("valid_from")),
        valid_until=_date(payload.get("valid_until")),
        revoked_at=as_utc(row.revoked_at) if row is not None and row.revoked_at else None,
        revoked_reason=row.revoked_reason if row is not None else None,
        revocation_checked=revocation_checked,
        checked_at=moment,
        checks=checks,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def parse_document(text: str | bytes) -> dict[str, Any]:
    """Parse an uploaded or pasted document; not JSON or not an object → 422 with a Chinese message."""
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError("无法解析：请粘贴或上传电子证照的 JSON 文件", field="document") from error
    if not isinstance(value, dict):
        raise ValidationError("电子证照文件应为 JSON 对象", field="document")
    return value


# --------------------------------------------------------------------------------------------------------------
# QR codes
# --------------------------------------------------------------------------------------------------------------


def qr_svg(
    session: Session, *, actor: Actor, certificate_id: int | str, settings: Settings | None = None, scale: int = 4
) -> str:
    """The certificate's QR code as an SVG document; it encodes the verification URL with the short hash."""
    row = _visible(session, actor, certificate_id)
    return render_qr(_verify_url(config(settings), row.number, row.document), scale=scale)


def render_qr(url: str, *, scale: int = 4, inline: bool = False) -> str:
    """An SVG QR code of ``url`` (error correction M), as a document or as inline markup for a page."""
    code = segno.make(url, error="m")
    if inline:
        return str(code.svg_inline(scale=scale, title="扫码核验电子证照"))
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, title="扫码核验电子证照")
    return out.getvalue().decode("utf-8")
