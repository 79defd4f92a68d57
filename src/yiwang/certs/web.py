"""Server-rendered pages of 电子证照.

My / department certificates, the printable certificate with its QR code, the public verification page (number,
pasted or uploaded document, scanned QR) and the published key set.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from yiwang.certs import services, types
from yiwang.certs.api import jwks_response
from yiwang.certs.schemas import CertificateStatus, VerificationResult
from yiwang.identity import deps as identity_deps
from yiwang.kernel.errors import ValidationError, YiwangError
from yiwang.web.deps import ActorDep, SessionDep, SettingsDep, TemplatesDep

router = APIRouter(tags=["certs-pages"], include_in_schema=False)

TextQuery = Annotated[str | None, Query(max_length=64)]
FormText = Annotated[str, Form()]
MAX_UPLOAD = 256_000


@router.get("/.well-known/jwks.json")
def well_known_jwks(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """The published signing keys at the conventional address."""
    return jwks_response(session, settings)


@router.get("/certs", response_class=HTMLResponse)
def list_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    settings: SettingsDep,
    q: TextQuery = None,
    cert_type: TextQuery = None,
    status: TextQuery = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Holders see their own certificates; department staff and administrators search theirs, page and export."""
    filters = {"q": q or "", "cert_type": cert_type or "", "status": status or ""}
    context: dict[str, Any] = {"filters": filters, "result": None, "error": None, "mine": None}
    status_code = 200
    holder = actor.person_id_number or actor.enterprise_uscc
    try:
        if holder:
            context["mine"] = services.list_for_holder(
                session, actor=actor, holder_id=holder, cert_type=cert_type or None, settings=settings
            )
        context["result"] = services.list_certificates(
            session,
            actor=actor,
            q=q,
            cert_type=cert_type or None,
            status=status or None,
            page=page,
            settings=settings,
        )
    except YiwangError as error:
        context["error"], status_code = error.message, error.status_code
    context["types"] = sorted(types.CERT_TYPES.values(), key=lambda t: t.name)
    context["statuses"] = [("issued", "有效"), ("expired", "已过期"), ("revoked", "已撤销")]
    context["csv_query"] = "&".join(f"{key}={value}" for key, value in filters.items() if value)
    return templates.TemplateResponse(request, "certs/list.html", context, status_code=status_code)


@router.get("/certs/verify", response_class=HTMLResponse)
def verify_form(request: Request, templates: TemplatesDep, number: TextQuery = None) -> Response:
    """The public verification form: a number, a pasted document or an uploaded file."""
    return templates.TemplateResponse(
        request, "certs/verify.html", {"result": None, "error": None, "number": number or "", "text": ""}
    )


@router.post("/certs/verify", response_class=HTMLResponse)
async def verify_submit(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    number: Annotated[str, Form(max_length=64)] = "",
    text: Annotated[str, Form(max_length=MAX_UPLOAD)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Verify what was given (an uploaded file first, then pasted text, then a number)."""
    context: dict[str, Any] = {"result": None, "error": None, "number": number, "text": text}
    status_code = 200
    try:
        raw = await file.read(MAX_UPLOAD + 1) if file is not None and file.filename else b""
        if len(raw) > MAX_UPLOAD:
            raise ValidationError("上传的文件过大", field="file")
        if raw or text.strip():
            context["result"] = services.verify(
                session, services.parse_document(raw or text.strip()), settings=settings
            )
        elif number.strip():
            context["result"] = services.verify(session, number, settings=settings)
        else:
            raise ValidationError("请输入证照编号、粘贴证照文件内容或上传证照文件", field="number")
    except YiwangError as error:
        context["error"], status_code = error.message, error.status_code
    return templates.TemplateResponse(request, "certs/verify.html", context, status_code=status_code)


@router.get("/certs/verify/{number}", response_class=HTMLResponse)
def verify_page(
    *,
    request: Request,
    number: str,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    h: TextQuery = None,
) -> Response:
    """Where the printed QR code leads: the verdict on the registered certificate (personal data masked)."""
    result: VerificationResult = services.verify(session, number, h=h, settings=settings)
    context = {"result": result, "error": None, "number": number, "text": "", "scanned": h is not None}
    return templates.TemplateResponse(request, "certs/verify.html", context)


@router.get("/certs/{number}", response_class=HTMLResponse)
def certificate_page(
    *,
    request: Request,
    number: str,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> Response:
    """The printable certificate with its QR code; the holder's ID number stays masked."""
    item = services.get_certificate(session, actor=actor, certificate_id=number, settings=settings)
    context = {
        "item": item,
        "qr": Markup(services.render_qr(item.verify_url, scale=3, inline=True)),  # noqa: S704 - segno's own SVG
        "can_revoke": item.status == CertificateStatus.ISSUED
        and services.may_change(session, actor=actor, certificate_id=item.id),
        "csrf_token": identity_deps.csrf_token(request),
        "notice": identity_deps.pop_flash(request),
    }
    return templates.TemplateResponse(request, "certs/certificate.html", context)


@router.post("/certs/{number}/revoke")
def revoke_submit(
    *,
    request: Request,
    number: str,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    reason: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Revoke from the certificate page (CSRF-checked); errors come back as a notice on the page."""
    identity_deps.verify_csrf(request, csrf_token)
    try:
        services.revoke(session, actor=actor, certificate_id=number, reason=reason, settings=settings)
        identity_deps.flash(request, "电子证照已撤销，核验时将显示“已撤销”。")
    except ValidationError as error:
        identity_deps.flash(request, f"未能撤销：{error.message}")
    return RedirectResponse(f"/certs/{services.normalize_number(number)}", status_code=303)
