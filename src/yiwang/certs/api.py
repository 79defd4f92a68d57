"""HTTP JSON API of the e-certificate context: issue, read, download, QR, revoke, verify, published keys.

Verification and the key set are public (no login); everything else goes through the access rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from yiwang.certs import services
from yiwang.certs.schemas import (
    CertificateIssue,
    CertificatePage,
    CertificateRead,
    RevokeRequest,
    SigningKeyRead,
    VerificationResult,
    VerifyRequest,
)
from yiwang.kernel.errors import ValidationError
from yiwang.web.deps import ActorDep, SessionDep, SettingsDep
from yiwang.web.listing import content_disposition

router = APIRouter(prefix="/api/certs", tags=["certs"])

TextQuery = Annotated[str | None, Query(max_length=64)]
MAX_VERIFY_BODY = 256_000
"""Largest document accepted for verification (bytes); certificates are a few kilobytes."""


def jwks_response(session: Session, settings: Any) -> JSONResponse:
    """The JWKS with caching headers: verifiers may keep it for five minutes."""
    return JSONResponse(
        services.jwks(session, settings=settings),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/keys", summary="签名公钥集（JWKS）")
def keys(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Published Ed25519 verification keys (active and retired), as at ``/.well-known/jwks.json``."""
    return jwks_response(session, settings)


@router.get("/keys/all", summary="签名密钥列表（管理）")
def key_list(session: SessionDep, actor: ActorDep) -> list[SigningKeyRead]:
    """Every signing key with its status (platform administrators; public facts only)."""
    services.require_key_admin(actor)
    return services.list_keys(session)


@router.post("/keys/rotate", status_code=201, summary="轮换签名密钥")
def rotate(session: SessionDep, actor: ActorDep, settings: SettingsDep) -> SigningKeyRead:
    """A new active key; the previous one stays published so its certificates keep verifying."""
    return services.rotate_key(session, actor=actor, settings=settings)


@router.post("/verify", summary="核验电子证照")
async def verify(request: Request, session: SessionDep, settings: SettingsDep) -> VerificationResult:
    """Verify a signed document (the body itself, or ``{"document": …}``) or ``{"number": …, "h": …}``."""
    raw = await request.body()
    if len(raw) > MAX_VERIFY_BODY:
        raise ValidationError(f"文件过大（上限 {MAX_VERIFY_BODY // 1000} KB）", field="document")
    body = services.parse_document(raw)
    if "payload" in body or "proof" in body:
        return services.verify(session, body, settings=settings)
    try:
        wanted = VerifyRequest.model_validate(body)
    except ValueError as error:
        raise ValidationError("请提交电子证照文件（document）或证照编号（number）", field="document") from error
    if wanted.document is not None:
        return services.verify(session, wanted.document, settings=settings)
    if wanted.number:
        return services.verify(session, wanted.number, h=wanted.h, settings=settings)
    raise ValidationError("请提交电子证照文件（document）或证照编号（number）", field="document")


@router.get("/verify/{number}", summary="按编号核验电子证照")
def verify_number(
    number: str, session: SessionDep, settings: SettingsDep, h: Annotated[str | None, Query(max_length=64)] = None
) -> VerificationResult:
    """Verify by number (and the QR code's short hash ``h``, which detects a forged or altered QR)."""
    return services.verify(session, number, h=h, settings=settings)


@router.post("", status_code=201, summary="签发电子证照")
def issue(
    body: CertificateIssue,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(min_length=8, max_length=128)] = None,
) -> CertificateRead:
    """Issue a certificate; the ``Idempotency-Key`` header (or body field) makes retries return the first one."""
    if idempotency_key and not body.idempotency_key:
        body = body.model_copy(update={"idempotency_key": idempotency_key})
    return services.issue_certificate(session, actor=actor, data=body, settings=settings)


@router.get("", summary="电子证照列表")
def list_certificates(
    *,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    q: TextQuery = None,
    cert_type: TextQuery = None,
    status: TextQuery = None,
    department: TextQuery = None,
    holder_id: Annotated[str | None, Query(max_length=18)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> CertificatePage:
    """Certificates the caller may see, newest first (status: issued / expired / revoked)."""
    return services.list_certificates(
        session,
        actor=actor,
        q=q,
        cert_type=cert_type or None,
        status=status or None,
        department=department or None,
        holder_id=holder_id or None,
        page=page,
        page_size=page_size,
        settings=settings,
    )


@router.get("/mine", summary="我的电子证照")
def mine(
    session: SessionDep, actor: ActorDep, settings: SettingsDep, cert_type: TextQuery = None
) -> list[CertificateRead]:
    """The caller's own certificates (as a person, or as their enterprise's agent)."""
    holder = actor.person_id_number or actor.enterprise_uscc
    if holder is None:
        return []
    return services.list_for_holder(session, actor=actor, holder_id=holder, cert_type=cert_type, settings=settings)


@router.get("/export.csv", summary="导出电子证照列表（CSV）")
def export(
    *,
    request: Request,
    actor: ActorDep,
    settings: SettingsDep,
    q: TextQuery = None,
    cert_type: TextQuery = None,
    status: TextQuery = None,
    department: TextQuery = None,
) -> StreamingResponse:
    """The filtered list as a CSV download (UTF-8 with BOM, ID numbers masked)."""
    return csv_response(
        request,
        actor=actor,
        settings=settings,
        filters={"q": q, "cert_type": cert_type, "status": status, "department": department},
    )


def csv_response(request: Request, *, actor: Any, settings: Any, filters: dict[str, str | None]) -> StreamingResponse:
    """Stream the certificate list as CSV with its own session (it outlives the request handler)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        chunks = services.export_csv(
            session, actor=actor, settings=settings, **{key: value or None for key, value in filters.items()}
        )
    except BaseException:
        session.close()
        raise

    def stream() -> Iterator[str]:
        try:
            yield from chunks
        finally:
            session.close()

    return StreamingResponse(
        stream(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition("电子证照.csv", fallback="certificates.csv")},
    )


@router.get("/{number}", summary="电子证照详情")
def get_certificate(number: str, session: SessionDep, actor: ActorDep, settings: SettingsDep) -> CertificateRead:
    """One certificate (the holder's own, or within the caller's department or area)."""
    return services.get_certificate(session, actor=actor, certificate_id=number, settings=settings)


@router.get("/{number}/document", summary="下载签名文件")
def document(number: str, session: SessionDep, actor: ActorDep) -> Response:
    """The signed JSON document as issued: verifiable offline with the published keys."""
    signed = services.signed_document(session, actor=actor, certificate_id=number)
    name = services.normalize_number(number)
    return Response(
        json.dumps(signed, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )


@router.get("/{number}/qr.svg", summary="核验二维码")
def qr(number: str, session: SessionDep, actor: ActorDep, settings: SettingsDep) -> Response:
    """SVG QR code of the verification address (number + short hash of the signed document)."""
    svg = services.qr_svg(session, actor=actor, certificate_id=number, settings=settings)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})


@router.post("/{number}/revoke", summary="撤销电子证照")
def revoke(
    number: str, body: RevokeRequest, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> CertificateRead:
    """Revoke with a reason (issuing department or platform administrators); revoking again changes nothing."""
    return services.revoke(session, actor=actor, certificate_id=number, reason=body.reason, settings=settings)
