"""onestop: the 一网通办 pages — applying, my applications and certificates, rating, the department queue, 四个减.

Applicants (citizens, enterprise agents) start a pre-filled application from the catalogue guide, see which
materials were waived and why, autosave the form (htmx), sign 告知承诺, upload what is still needed, submit (秒批
decisions come back at once with their rule trace and certificate), follow the timeline, answer 补正 and rate the
service. Department staff work their queue: accept, ask for 补正, approve or reject, and record the post-checks of
commitments. The 四个减 pages compare real completed applications with the separate-item baseline.

Every handler parses the request, calls the ``onestop`` (or ``catalogue`` / ``certs``) services, and renders;
access is decided by the services (out of scope → 404, read-only → 403).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yiwang.catalogue import services as catalogue_services
from yiwang.certs import services as certs_services
from yiwang.identity import deps as identity_deps
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import NotFoundError, ValidationError, YiwangError
from yiwang.onestop import forms, services
from yiwang.onestop.schemas import APPLICATION_STATUS_LABELS, ITEM_STATUS_LABELS, ApplicationRead, Savings
from yiwang.ratings.scale import INDICATORS, LEVEL_LABELS, RatingChannel
from yiwang.web.deps import ActorDep, OptionalActorDep, SessionDep, SettingsDep, TemplatesDep
from yiwang.web.listing import content_disposition
from yiwang.workflow.subjects import SubjectKind

router = APIRouter(tags=["onestop-pages"], include_in_schema=False)

KINDS = ("item", "bundle")
FIELD_PREFIX = "f."
"""Form inputs of the application are named ``f.<field>`` so they never collide with the page's own inputs."""
Text = Annotated[str, Form(max_length=2000)]
Csrf = Annotated[str, Form(max_length=200)]
PageQuery = Annotated[int, Query(ge=1, le=100000)]
DECISIONS = {"accept": "受理", "approve": "准予", "reject": "不予", "correction": "要求补正"}
STAFF_ROLES = (Role.DEPARTMENT_STAFF, Role.LEADER, Role.PLATFORM_ADMIN)


# --- helpers ---------------------------------------------------------------------------------------------------


def _department_names(session: Session) -> dict[str, str]:
    from yiwang.registry import services as registry  # noqa: PLC0415 - the registry is only needed for labels

    return {d.code: d.name for d in registry.list_departments(session, with_counts=False)}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise NotFoundError(f"未知的办理类型 {kind}（应为 item 或 bundle）", field="kind")


def _guide(session: Session, kind: str, code: str) -> Any:
    _check_kind(kind)
    if kind == "bundle":
        return catalogue_services.get_bundle(session, code)
    return catalogue_services.get_item(session, code)


def _require_staff(actor: Actor) -> None:
    if not actor.has_role(*STAFF_ROLES) or (actor.has_role(Role.DEPARTMENT_STAFF) and not actor.department):
        raise PermissionDeniedError("办件队列仅对部门工作人员、领导和平台管理员开放", field="actor")


def _staff_nav(actor: Actor | None) -> bool:
    """Whether the sub-navigation shows the department links."""
    return actor is not None and actor.has_role(*STAFF_ROLES)


def _holder(actor: Actor) -> str | None:
    return actor.person_id_number or actor.enterprise_uscc


def _relative(url: str) -> str:
    """The path and query of an absolute URL: the verification link works on whatever host serves the page."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _field_kind(spec: Mapping[str, Any]) -> str:
    """How a JSON Schema property is shown: select, checks, lines, bool, number, date or text."""
    kind = spec.get("type")
    if kind == "array":
        items = spec.get("items") if isinstance(spec.get("items"), Mapping) else {}
        return "checks" if items and "enum" in items else "lines"
    if kind == "boolean":
        return "bool"
    if kind in {"number", "integer"}:
        return "number"
    if "enum" in spec:
        return "select"
    if spec.get("format") == "date":
        return "date"
    return "text"


ID_NUMBER = re.compile(r"^[0-9]{17}[0-9Xx]$")
MOBILE = re.compile(r"^1[0-9]{10}$")


def _mask_kind(name: str, spec: Mapping[str, Any], value: Any) -> str | None:
    """Which personal-data mask a form field needs on read-only pages (None: shown as is).

    By field and by value: a driving licence number is an ID number whatever the field is called.
    """
    pattern = str(spec.get("pattern", ""))
    text = str(value) if isinstance(value, str | int) else ""
    if "id_number" in name or "[0-9X]" in pattern or ID_NUMBER.match(text):
        return "id_number"
    if "phone" in name or pattern.startswith("^1[0-9]") or MOBILE.match(text):
        return "phone"
    if "account" in name:
        return "text"
    return None


def _number(text: str, integer: bool) -> Any:
    try:
        return int(text) if integer else (int(text) if text.lstrip("-").isdigit() else float(text))
    except ValueError:
        return text  # the schema check names the field: 「…」应为数字


def coerce_form(schema: Mapping[str, Any], form: FormData) -> dict[str, Any]:
    """Typed values of the application form's inputs (only fields present on the page; empty inputs left out)."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return {}
    values: dict[str, Any] = {}
    for name, spec in properties.items():
        key = FIELD_PREFIX + name
        kind = _field_kind(spec)
        if kind == "checks":
            if f"{key}.present" in form:
                values[name] = [str(v) for v in form.getlist(key) if str(v).strip()]
            continue
        raw = form.get(key)
        if raw is None or not isinstance(raw, str):
            continue
        text = raw.strip()
        if not text:
            continue
        if kind == "lines":
            values[name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif kind == "bool":
            values[name] = text == "true"
        elif kind == "number":
            values[name] = _number(text, spec.get("type") == "integer")
        else:
            values[name] = text
    return values


def _form_fields(
    app: ApplicationRead, names: Mapping[str, str], *, editable: set[str] | None, values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """What the template needs per field: label, input kind, value, pre-fill source, editability."""
    properties = app.form_schema.get("properties") or {}
    required = set(app.form_schema.get("required") or [])
    prefilled = {p.field: p for p in app.prefilled}
    rows = []
    for name, spec in properties.items():
        source = prefilled.get(name)
        source_name = ""
        if source is not None:
            source_name = names.get(source.source_department or "", "") or source.source_label.removeprefix("由")
            source_name = source_name.removesuffix("共享")
        items = spec.get("items") if isinstance(spec.get("items"), Mapping) else {}
        rows.append(
            {
                "name": name,
                "input": FIELD_PREFIX + name,
                "title": spec.get("title") or name,
                "kind": _field_kind(spec),
                "spec": spec,
                "options": list(spec.get("enum") or items.get("enum") or []),
                "required": name in required,
                "value": values.get(name),
                "prefilled": source is not None,
                "source_name": source_name,
                "editable": editable is None or name in editable,
                "mask": _mask_kind(name, spec, values.get(name)),
            }
        )
    return rows


def _editable(app: ApplicationRead, actor: Actor) -> set[str] | Literal[False] | None:
    """None: every field; a set: only the 补正 fields; False: read-only."""
    if app.status == "draft" and _is_owner(app, actor):
        return None
    if app.status == "correction" and _is_owner(app, actor):
        return {f for c in app.corrections if c.resolved_at is None for f in c.fields}
    return False


def _is_owner(app: ApplicationRead, actor: Actor) -> bool:
    # The services mask the applicant's name for everyone else; the timeline names the owner by account id.
    return any(e.actor_kind == "applicant" and e.actor_id == actor.id for e in app.timeline)


def _render_application(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    *,
    actor: Actor,
    app: ApplicationRead,
    errors: Mapping[str, str] | None = None,
    error: str | None = None,
    values: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    names = _department_names(session)
    editable = _editable(app, actor)
    open_corrections = [c for c in app.corrections if c.resolved_at is None]
    correction_materials = {m for c in open_corrections for m in c.materials}
    context = {
        "app": app,
        "names": names,
        "fields": _form_fields(
            app,
            names,
            editable=editable if editable is not False else set(),
            values=values if values is not None else app.form_data,
        ),
        "editing": editable is not False,
        "errors": dict(errors or {}),
        "error": error,
        "open_corrections": open_corrections,
        "correction_materials": correction_materials,
        "waived": [m for m in app.materials if m.status == "waived"],
        "csrf_token": identity_deps.csrf_token(request),
        "flash": identity_deps.pop_flash(request),
        "levels": sorted(((int(level), label) for level, label in LEVEL_LABELS.items()), reverse=True),
        "indicators": INDICATORS[RatingChannel.ONLINE],
        "status_labels": ITEM_STATUS_LABELS,
        "signed": {c.item_code for c in app.commitments},
        "staff_nav": _staff_nav(actor),
    }
    return templates.TemplateResponse(request, "onestop/application.html", context, status_code=status_code)


# --- applying --------------------------------------------------------------------------------------------------


@router.get("/services/apply/{kind}/{code}", response_class=HTMLResponse, summary="在线办理")
def apply_page(
    *, kind: str, code: str, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """What will be pre-filled and from where, the drafts to resume, and the button that starts a new application."""
    guide = _guide(session, kind, code)
    drafts = [
        row
        for row in services.list_my_applications(session, actor=actor, status="draft", page_size=100).items
        if row.code == code
    ]
    context = {
        "kind": kind,
        "guide": guide,
        "materials": guide.material_views if kind == "item" else guide.materials,
        "drafts": drafts,
        "csrf_token": identity_deps.csrf_token(request),
        "error": identity_deps.pop_flash(request),
        "purpose": services.PREFILL_PURPOSE,
        "legal_basis": services.PREFILL_LEGAL_BASIS,
        "is_applicant": actor.has_role(Role.CITIZEN, Role.ENTERPRISE_AGENT),
        "staff_nav": _staff_nav(actor),
    }
    return templates.TemplateResponse(request, "onestop/apply.html", context)


@router.post("/services/apply/{kind}/{code}", summary="开始办理（预填）")
def apply_start(
    *, kind: str, code: str, request: Request, session: SessionDep, actor: ActorDep, csrf_token: Csrf = ""
) -> Response:
    """Start a pre-filled draft and open it; a refusal (role, subject) comes back on the start page."""
    identity_deps.verify_csrf(request, csrf_token)
    _check_kind(kind)
    try:
        started = services.start_application(
            session,
            actor=actor,
            item_code=code if kind == "item" else None,
            bundle_code=code if kind == "bundle" else None,
        )
    except (ValidationError, PermissionDeniedError) as exc:
        identity_deps.flash(request, exc.message)
        return RedirectResponse(f"/services/apply/{kind}/{quote(code)}", status_code=303)
    return RedirectResponse(f"/me/applications/{started.id}", status_code=303)


@router.get("/me/applications", response_class=HTMLResponse, summary="我的申请")
def my_applications(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    page: PageQuery = 1,
) -> Response:
    """The caller's applications (drafts included), newest first, with a status filter and pagination."""
    status = status if status in APPLICATION_STATUS_LABELS else None
    result = services.list_my_applications(session, actor=actor, status=status, page=page, page_size=20)
    context = {
        "result": result,
        "status": status or "",
        "statuses": APPLICATION_STATUS_LABELS,
        "staff_nav": _staff_nav(actor),
    }
    return templates.TemplateResponse(request, "onestop/my_applications.html", context)


@router.get("/me/applications/{application_id}", response_class=HTMLResponse, summary="申请详情")
def my_application(
    application_id: int, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """The application: the form while a draft (or the 补正 fields), materials, items, result package, timeline."""
    app = services.get_application(session, actor=actor, application_id=application_id)
    if not _is_owner(app, actor):
        return RedirectResponse(f"/onestop/applications/{application_id}", status_code=303)
    return _render_application(request, session, templates, actor=actor, app=app)


def _schema_of(session: Session, actor: Actor, application_id: int) -> tuple[ApplicationRead, dict[str, Any]]:
    app = services.get_application(session, actor=actor, application_id=application_id)
    return app, app.form_schema


@router.post("/me/applications/{application_id}/draft", summary="保存草稿")
async def save_draft(application_id: int, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    """Autosave (htmx: a status fragment and the new version) or the 保存草稿 button (back to the page)."""
    form = await request.form()
    identity_deps.verify_csrf(request, str(form.get("csrf_token") or ""))
    htmx = bool(request.headers.get("hx-request"))
    app, schema = _schema_of(session, actor, application_id)
    try:
        version = int(str(form.get("expected_version") or app.version))
        saved = services.save_draft(
            session,
            actor=actor,
            application_id=application_id,
            form_data=coerce_form(schema, form),
            expected_version=version,
        )
    except YiwangError as exc:
        if exc.status_code in {403, 404}:
            raise
        if htmx:
            return HTMLResponse(
                f'<span class="os-autosave os-autosave-error" role="alert">未保存：{_escape(exc.message)}</span>'
            )
        identity_deps.flash(request, f"未保存：{exc.message}")
        return RedirectResponse(f"/me/applications/{application_id}", status_code=303)
    if htmx:
        at = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
        return HTMLResponse(
            f'<span class="os-autosave" role="status">已自动保存（{at:%H:%M:%S}）</span>'
            f'<input type="hidden" name="expected_version" id="os-version" value="{saved.version}" hx-swap-oob="true">'
        )
    identity_deps.flash(request, "草稿已保存，可稍后在「我的申请」中继续填写")
    return RedirectResponse(f"/me/applications/{application_id}", status_code=303)


def _escape(text: str) -> str:
    return str(Markup.escape(text))


@router.post("/me/applications/{application_id}/submit", response_class=HTMLResponse, summary="提交申请")
async def submit(
    application_id: int, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """Submit (or resubmit after 补正); form errors come back field by field on the same page (422)."""
    form = await request.form()
    identity_deps.verify_csrf(request, str(form.get("csrf_token") or ""))
    _app, schema = _schema_of(session, actor, application_id)
    values = coerce_form(schema, form)
    version_text = str(form.get("expected_version") or "")
    try:
        done = services.submit_application(
            session,
            actor=actor,
            application_id=application_id,
            form_data=values,
            expected_version=int(version_text) if version_text.isdigit() else None,
        )
    except forms.FormErrors as exc:
        current = services.get_application(session, actor=actor, application_id=application_id)
        errors = {e["field"].split(".")[0]: e["message"] for e in exc.errors}
        merged = {**current.form_data, **values}
        return _render_application(
            request, session, templates, actor=actor, app=current, errors=errors, error=exc.message,
            values=merged, status_code=422,
        )  # fmt: skip
    except YiwangError as exc:
        if exc.status_code in {403, 404}:
            raise
        session.rollback()
        current = services.get_application(session, actor=actor, application_id=application_id)
        field = (exc.field or "").removeprefix("form_data.")
        errors = {field: exc.message} if field in (schema.get("properties") or {}) else {}
        return _render_application(
            request, session, templates, actor=actor, app=current, errors=errors, error=exc.message,
            values={**current.form_data, **values}, status_code=exc.status_code,
        )  # fmt: skip
    message = {"completed": "申请已办结", "submitted": "申请已提交，各部门将并联办理"}.get(done.status, "申请已提交")
    identity_deps.flash(request, message)
    return RedirectResponse(f"/me/applications/{application_id}", status_code=303)


@router.post("/me/applications/{application_id}/materials/{material_code}", summary="上传材料")
async def upload(
    *,
    application_id: int,
    material_code: str,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File()],
    csrf_token: Csrf = "",
) -> Response:
    """Upload one material (PDF/JPG/PNG/OFD ≤ 10 MB, checked by content); the result is a notice on the page."""
    identity_deps.verify_csrf(request, csrf_token)
    content = await file.read(services.MAX_UPLOAD_BYTES + 1)
    try:
        stored = services.upload_material(
            session,
            actor=actor,
            application_id=application_id,
            material_code=material_code,
            file_name=file.filename or "upload",
            content_type=(file.content_type or "").split(";")[0].strip(),
            content=content,
        )
    except YiwangError as exc:
        if exc.status_code in {403, 404}:
            raise
        identity_deps.flash(request, f"上传失败：{exc.message}")
    else:
        identity_deps.flash(request, f"已上传「{stored.name}」：{stored.file_name}")
    return RedirectResponse(f"/me/applications/{application_id}#materials", status_code=303)


@router.post("/me/applications/{application_id}/commitments/{item_code}", summary="签署告知承诺")
def sign(
    *,
    application_id: int,
    item_code: str,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    agree: Annotated[str, Form(max_length=8)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """Sign the item's 告知承诺 (the box must be ticked); its upload materials are then waived."""
    identity_deps.verify_csrf(request, csrf_token)
    if agree != "yes":
        identity_deps.flash(request, "请阅读并勾选“本人已阅读并承诺”后再签署")
    else:
        try:
            services.sign_commitment(session, actor=actor, application_id=application_id, item_code=item_code)
        except YiwangError as exc:
            if exc.status_code in {403, 404}:
                raise
            identity_deps.flash(request, f"未能签署：{exc.message}")
        else:
            identity_deps.flash(request, "已签署告知承诺，相关材料免提交，部门将在办结后进行核查")
    return RedirectResponse(f"/me/applications/{application_id}#commitments", status_code=303)


@router.post("/me/applications/{application_id}/rating", summary="评价服务")
async def rate(application_id: int, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    """好差评: five levels, the online indicators and a comment, once per completed application."""
    form = await request.form()
    identity_deps.verify_csrf(request, str(form.get("csrf_token") or ""))
    level_text = str(form.get("level") or "")
    indicators = {
        key: int(str(form.get(f"indicator_{key}")))
        for key in INDICATORS[RatingChannel.ONLINE]
        if str(form.get(f"indicator_{key}") or "") in {"1", "2", "3", "4", "5"}
    }
    comment = str(form.get("comment") or "").strip()[:500]
    if level_text not in {"1", "2", "3", "4", "5"}:
        identity_deps.flash(request, "请选择整体满意度（非常满意 … 非常不满意）")
    else:
        try:
            services.rate_application(
                session,
                actor=actor,
                application_id=application_id,
                level=int(level_text),
                comment=comment,
                indicators=indicators or None,
            )
        except YiwangError as exc:
            if exc.status_code in {403, 404}:
                raise
            identity_deps.flash(request, f"未能评价：{exc.message}")
        else:
            identity_deps.flash(request, "感谢您的评价！")
    return RedirectResponse(f"/me/applications/{application_id}#rating", status_code=303)


@router.get("/me/certificates", response_class=HTMLResponse, summary="我的证照")
def my_certificates(
    request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep, settings: SettingsDep
) -> Response:
    """The holder's e-certificates with their QR codes, links to the printable page, JSON and verification."""
    holder = _holder(actor)
    certificates = (
        certs_services.list_for_holder(session, actor=actor, holder_id=holder, settings=settings) if holder else []
    )
    rows = [
        {
            "cert": cert,
            "qr": Markup(certs_services.render_qr(cert.verify_url, scale=2, inline=True)),  # noqa: S704 - segno's SVG
            "verify_path": _relative(cert.verify_url),
        }
        for cert in certificates
    ]
    context = {"rows": rows, "holder": holder, "staff_nav": _staff_nav(actor)}
    return templates.TemplateResponse(request, "onestop/my_certificates.html", context)


# --- department work ---------------------------------------------------------------------------------------------


@router.get("/onestop/queue", response_class=HTMLResponse, summary="部门办件队列")
def queue(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    overdue: Annotated[str | None, Query(max_length=4)] = None,
    page: PageQuery = 1,
) -> Response:
    """Applications with an item of the caller's department: filter by status, item code, overdue; search; page."""
    _require_staff(actor)
    filters = {"status": status or "", "q": (q or "").strip(), "code": (code or "").strip(), "overdue": overdue or ""}
    context: dict[str, Any] = {"filters": filters, "result": None, "error": None, "staff_nav": True}
    status_code = 200
    try:
        context["result"] = services.department_queue(
            session,
            actor=actor,
            status=status or None,
            q=filters["q"] or None,
            code=filters["code"] or None,
            overdue=bool(overdue),
            page=page,
            page_size=20,
        )
    except ValidationError as exc:
        context["error"], status_code = exc.message, exc.status_code
    context["statuses"] = ITEM_STATUS_LABELS if actor.department else APPLICATION_STATUS_LABELS
    context["csv_query"] = "&".join(f"{k}={quote(v)}" for k, v in filters.items() if v and k != "overdue")
    context["department"] = _department_names(session).get(actor.department or "", actor.department or "")
    return templates.TemplateResponse(request, "onestop/queue.html", context, status_code=status_code)


@router.get("/onestop/applications/{application_id}", response_class=HTMLResponse, summary="办件详情（部门）")
def department_application(
    application_id: int, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """Applicant data (masked), materials (waived and uploaded), items with the actions of the caller's department."""
    _require_staff(actor)
    app = services.get_application(session, actor=actor, application_id=application_id)
    names = _department_names(session)
    mine = [
        row for row in app.item_rows if row.department_code == actor.department or actor.has_role(Role.PLATFORM_ADMIN)
    ]
    context = {
        "app": app,
        "names": names,
        "fields": _form_fields(app, names, editable=set(), values=app.form_data),
        "mine": {row.item_code for row in mine},
        "csrf_token": identity_deps.csrf_token(request),
        "flash": identity_deps.pop_flash(request),
        "can_write": actor.has_role(Role.DEPARTMENT_STAFF, Role.PLATFORM_ADMIN),
        "staff_nav": True,
    }
    return templates.TemplateResponse(request, "onestop/department_application.html", context)


def _application_path(_session: Session, key: str) -> str | None:
    """The department's page of the application a work-queue case (``onestop:<id>``) is about."""
    return f"/onestop/applications/{int(key)}" if key.isascii() and key.isdigit() else None


SUBJECT_KINDS = (SubjectKind(prefix="onestop", label="查看申请", resolve=_application_path),)
"""The work queue's link from an application case to its department page (registered by ``create_app``)."""


@router.get("/onestop/applications/{application_id}/materials/{material_code}", summary="查看上传材料")
def material_file(application_id: int, material_code: str, session: SessionDep, actor: ActorDep) -> Response:
    """The uploaded file, for those who may read the application (served as an attachment, never rendered inline)."""
    content_type, content = services.upload_content(
        session, actor=actor, application_id=application_id, material_code=material_code
    )
    return Response(
        content,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(material_code),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/onestop/applications/{application_id}/decide", summary="办理（受理、补正、准予、不予）")
async def decide(application_id: int, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    """One decision of the caller's department on its item; the outcome comes back as a notice."""
    form = await request.form()
    identity_deps.verify_csrf(request, str(form.get("csrf_token") or ""))
    action = str(form.get("action") or "")
    item_code = str(form.get("item_code") or "")[:64]
    reason = str(form.get("reason") or "").strip()[:1000]
    if action not in DECISIONS:
        raise ValidationError("未知的办理动作", field="action")
    try:
        if action == "accept":
            result = services.accept_item(session, actor=actor, application_id=application_id, item_code=item_code)
        elif action == "approve":
            result = services.approve_item(
                session, actor=actor, application_id=application_id, item_code=item_code, comment=reason
            )
        elif action == "reject":
            result = services.reject_item(
                session, actor=actor, application_id=application_id, item_code=item_code, reason=reason
            )
        else:
            result = services.request_correction(
                session,
                actor=actor,
                application_id=application_id,
                item_code=item_code,
                reason=reason,
                fields=[str(v) for v in form.getlist("fields")][:50],
                materials=[str(v) for v in form.getlist("materials")][:50],
            )
    except YiwangError as exc:
        if exc.status_code == 404:  # noqa: PLR2004 - out of scope stays "not found"
            raise
        session.rollback()
        identity_deps.flash(request, f"未能{DECISIONS[action]}：{exc.message}")
    else:
        extra = f"，已签发电子证照 {result.certificate_number}" if result.certificate_number else ""
        identity_deps.flash(request, f"已{DECISIONS[action]}{extra}")
    return RedirectResponse(f"/onestop/applications/{application_id}", status_code=303)


@router.get("/onestop/post-checks", response_class=HTMLResponse, summary="告知承诺事后核查")
def post_checks(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=16)] = "pending_check",
    page: PageQuery = 1,
) -> Response:
    """Commitments the caller's department must check, earliest due first, with the finding form."""
    _require_staff(actor)
    chosen = status if status in {"pending_check", "confirmed", "false"} else None
    result = services.list_post_checks(session, actor=actor, status=chosen, page=page, page_size=20)
    context = {
        "result": result,
        "status": chosen or "",
        "csrf_token": identity_deps.csrf_token(request),
        "flash": identity_deps.pop_flash(request),
        "names": _department_names(session),
        "staff_nav": True,
    }
    return templates.TemplateResponse(request, "onestop/post_checks.html", context)


@router.post("/onestop/post-checks/{commitment_id}", summary="记录核查结果")
def record_check(
    *,
    commitment_id: int,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    truthful: Annotated[str, Form(max_length=8)] = "",
    finding: Text = "",
    csrf_token: Csrf = "",
) -> Response:
    """Record whether the commitment was true; a false one revokes the certificate (the service does it all)."""
    identity_deps.verify_csrf(request, csrf_token)
    if truthful not in {"true", "false"}:
        identity_deps.flash(request, "请选择核查结论（属实 / 不实）")
    else:
        try:
            services.record_commitment_check(
                session, actor=actor, commitment_id=commitment_id, truthful=truthful == "true", finding=finding
            )
        except YiwangError as exc:
            if exc.status_code == 404:  # noqa: PLR2004 - out of scope stays "not found"
                raise
            identity_deps.flash(request, f"未能记录：{exc.message}")
        else:
            verdict = "属实" if truthful == "true" else "不实，已撤销电子证照并通知申请人"
            identity_deps.flash(request, f"已记录核查结果：{verdict}")
    return RedirectResponse("/onestop/post-checks", status_code=303)


# --- 四个减 -----------------------------------------------------------------------------------------------------

FIGURES = (
    ("steps", "减环节", "个"),
    ("time_days", "减时间", "工作日"),
    ("materials", "减材料", "份"),
    ("trips", "减跑动", "次"),
)


def _figure_rows(figures: Savings) -> list[dict[str, Any]]:
    rows = []
    for key, label, unit in FIGURES:
        figure = getattr(figures, key)
        rows.append({"key": key, "label": label, "unit": unit, "figure": figure})
    return rows


@router.get("/services/savings", response_class=HTMLResponse, summary="四个减总览")
def savings_overview(
    request: Request, session: SessionDep, templates: TemplatesDep, actor: OptionalActorDep
) -> Response:
    """四个减 of every 一件事 bundle from its completed applications, with a chart of the four reductions."""
    bundles = catalogue_services.list_bundles(session, page_size=100).items
    figures = [services.savings(session, item_or_bundle_code=b.code) for b in bundles]
    rows = [{"bundle": b, "savings": f} for b, f in zip(bundles, figures, strict=True)]
    chart = {
        "categories": [b.name for b in bundles],
        "series": [
            {"name": label, "values": [getattr(f, key).reduction_percent for f in figures]}
            for key, label, _unit in FIGURES
        ],
    }
    context = {"rows": rows, "chart": chart, "figures": FIGURES, "staff_nav": _staff_nav(actor)}
    return templates.TemplateResponse(request, "onestop/savings_overview.html", context)


@router.get("/services/savings/{kind}/{code}", response_class=HTMLResponse, summary="四个减")
def savings_page(
    *, kind: str, code: str, request: Request, session: SessionDep, templates: TemplatesDep, actor: OptionalActorDep
) -> Response:
    """Steps, time, materials and trips of real applications against the separate-item baseline."""
    _check_kind(kind)
    if (kind == "bundle") != code.startswith("yjs-"):
        raise NotFoundError(f"未找到{'一件事' if kind == 'bundle' else '事项'} {code}", field="code")
    figures = services.savings(session, item_or_bundle_code=code)
    rows = _figure_rows(figures)
    chart = {
        "categories": [f"{r['label'][1:]}（{r['unit']}）" for r in rows],
        "series": [
            {"name": "分别办理（基准）", "values": [r["figure"].baseline for r in rows]},
            {"name": "一网通办（实际）", "values": [r["figure"].actual for r in rows]},
        ],
    }
    context = {"kind": kind, "figures": figures, "rows": rows, "chart": chart, "staff_nav": _staff_nav(actor)}
    return templates.TemplateResponse(request, "onestop/savings.html", context)
