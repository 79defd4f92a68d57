"""catalogue: server-rendered pages — the public service portal (办事指南) and the catalogue administration."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from yiwang.catalogue import services
from yiwang.catalogue.codes import CERT_TYPES, ITEM_TYPES, LIFE_EVENTS, SHARED_REFS
from yiwang.catalogue.schemas import FieldError, ItemIn
from yiwang.identity import deps as identity_deps
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import YiwangError
from yiwang.web.deps import ActorDep, SessionDep, TemplatesDep

router = APIRouter(tags=["catalogue-pages"], include_in_schema=False)

FormText = Annotated[str, Form(max_length=200_000)]
APPLY_PATH = "/services/apply/{kind}/{code}"
"""The applying page of the one-stop context: the guide's "在线办理" button links there."""


def _dump_yaml(body: dict[str, Any]) -> str:
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=110)


# --- portal --------------------------------------------------------------------------------------------------


@router.get("/services", response_class=HTMLResponse, summary="办事服务")
def portal(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    life_event: Annotated[str | None, Query(max_length=32)] = None,
    subject: Annotated[str | None, Query(max_length=12)] = None,
    department: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Search box, life events for persons and enterprises, bundles first, then items with pagination."""
    context: dict[str, Any] = {
        "q": (q or "").strip(),
        "life_event": life_event or "",
        "subject": subject or "",
        "department": department or "",
        "error": None,
        "search": None,
        "bundles": None,
        "items": None,
    }
    status_code = 200
    try:
        context["events"] = services.life_events(session)
        if context["q"] and not life_event and not department:
            context["search"] = services.search(session, context["q"])
        else:
            context["bundles"] = services.list_bundles(
                session, life_event=life_event or None, subject=subject or None, page_size=50
            )
            context["items"] = services.list_items(
                session,
                q=context["q"] or None,
                life_event=life_event or None,
                subject=subject or None,
                department=department or None,
                page=page,
                page_size=20,
            )
    except YiwangError as error:
        context["error"], status_code = error.message, error.status_code
        context.setdefault("events", [])
    context["life_event_name"] = LIFE_EVENTS.get(life_event or "", ("", ""))[0]
    context["counts"] = services.catalogue_counts(session)
    return templates.TemplateResponse(request, "catalogue/portal.html", context, status_code=status_code)


@router.get("/services/items/{code}", response_class=HTMLResponse, summary="事项办事指南")
def item_guide(
    code: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The guide of one item: conditions, materials (waived and why), time limits, fee, basis, 四个减 baseline."""
    item = services.get_item(session, code, version=version)
    bundles = [services.get_bundle(session, bundle) for bundle in item.bundles]
    context = {
        "item": item,
        "bundles": bundles,
        "apply_url": APPLY_PATH.format(kind="item", code=item.code),
        "cert_types": CERT_TYPES,
        "life_events": LIFE_EVENTS,
        "history": services.item_history(session, code),
    }
    return templates.TemplateResponse(request, "catalogue/item.html", context)


@router.get("/services/bundles/{code}", response_class=HTMLResponse, summary="一件事办事指南")
def bundle_guide(
    code: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The guide of a bundle: member items and departments, one form, one set of materials, summed baseline."""
    bundle = services.get_bundle(session, code, version=version)
    waived = sum(1 for material in bundle.materials if material.waived)
    context = {
        "bundle": bundle,
        "waived": waived,
        "apply_url": APPLY_PATH.format(kind="bundle", code=bundle.code),
        "life_events": LIFE_EVENTS,
    }
    return templates.TemplateResponse(request, "catalogue/bundle.html", context)


# --- administration ------------------------------------------------------------------------------------------


def _admin_scope(session: SessionDep, actor: Actor) -> set[str] | None:
    """Departments the actor administers (None = all); refuses with 403 when none."""
    scope = services.editable_departments(session, actor=actor)
    if scope is not None and not scope:
        raise PermissionDeniedError("事项目录管理仅对平台管理员和各部门工作人员开放", field="catalogue")
    return scope


@router.get("/admin/catalogue", response_class=HTMLResponse, summary="事项目录管理")
def admin_list(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Items the actor may edit (every item for platform administrators), retired ones included."""
    scope = _admin_scope(session, actor)
    department = next(iter(scope)) if scope is not None and len(scope) == 1 else None
    result = services.list_items(
        session, q=q or None, department=department, include_retired=True, page=page, page_size=30
    )
    context = {
        "result": result,
        "q": q or "",
        "scope": scope,
        "bundles": services.list_bundles(session, page_size=50, include_retired=True),
        "flash": identity_deps.pop_flash(request),
    }
    return templates.TemplateResponse(request, "catalogue/admin_list.html", context)


def _editor(
    request: Request,
    templates: TemplatesDep,
    *,
    code: str | None,
    text: str,
    expected_version: int,
    errors: list[FieldError] | None = None,
    item: Any = None,
    history: Any = None,
    status_code: int = 200,
    message: str | None = None,
) -> Response:
    context = {
        "code": code,
        "text": text,
        "expected_version": expected_version,
        "errors": errors or [],
        "message": message,
        "item": item,
        "history": history or [],
        "csrf_token": identity_deps.csrf_token(request),
        "item_types": ITEM_TYPES,
        "cert_types": CERT_TYPES,
        "shared_refs": SHARED_REFS,
        "life_events": LIFE_EVENTS,
        "flash": identity_deps.pop_flash(request),
    }
    return templates.TemplateResponse(request, "catalogue/admin_edit.html", context, status_code=status_code)


@router.get("/admin/catalogue/items/{code}", response_class=HTMLResponse, summary="编辑事项")
def admin_edit(code: str, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """The item's current body as YAML, with its version history and the retire form."""
    _admin_scope(session, actor)
    item = services.get_item(session, code)
    body = ItemIn.model_validate(item.model_dump(include=set(ItemIn.model_fields))).model_dump(mode="json")
    return _editor(
        request,
        templates,
        code=code,
        text=_dump_yaml(body),
        expected_version=item.version,
        item=item,
        history=services.item_history(session, code),
    )


@router.get("/admin/catalogue/new", response_class=HTMLResponse, summary="新建事项")
def admin_new(request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """An empty editor with a template body."""
    _admin_scope(session, actor)
    template = (services.DATA_DIR / "item-template.yaml").read_text(encoding="utf-8")
    return _editor(request, templates, code=None, text=template, expected_version=0)


def _parse_text(text: str) -> tuple[dict[str, Any] | None, list[FieldError]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else ""
        return None, [FieldError(field="body", message=f"YAML 格式错误{where}：{getattr(error, 'problem', '')}")]
    if not isinstance(data, dict):
        return None, [FieldError(field="body", message="内容应为键值结构（code: …、name: …）")]
    return data, []


def _save(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: Actor,
    code: str | None,
    text: str,
    expected_version: int,
    note: str,
    csrf_token: str,
) -> Response:
    identity_deps.verify_csrf(request, csrf_token)
    _admin_scope(session, actor)
    data, errors = _parse_text(text)
    history = services.item_history(session, code) if code else []
    if data is not None and code is not None and data.get("code") != code:
        errors = [FieldError(field="code", message=f"编码：应保持为 {code}（如需新事项请使用“新建事项”）")]
    if data is not None and not errors:
        try:
            saved = services.save_item(session, actor=actor, body=data, expected_version=expected_version, note=note)
        except services.CatalogueValidationError as error:
            errors = error.errors
        except YiwangError as error:
            return _editor(
                request,
                templates,
                code=code,
                text=text,
                expected_version=expected_version,
                history=history,
                status_code=error.status_code,
                message=error.message,
            )
        else:
            identity_deps.flash(request, f"已发布「{saved.name}」第 {saved.version} 版")
            return RedirectResponse(f"/admin/catalogue/items/{saved.code}", status_code=303)
    return _editor(
        request,
        templates,
        code=code,
        text=text,
        expected_version=expected_version,
        errors=errors,
        history=history,
        status_code=422,
    )


@router.post("/admin/catalogue/items/{code}", response_class=HTMLResponse, summary="保存事项")
def admin_save(
    *,
    code: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    text: FormText,
    expected_version: Annotated[int, Form(ge=0)],
    note: Annotated[str, Form(max_length=300)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Publish the edited YAML as a new version; errors shown field by field in Chinese."""
    return _save(
        request=request,
        session=session,
        templates=templates,
        actor=actor,
        code=code,
        text=text,
        expected_version=expected_version,
        note=note,
        csrf_token=csrf_token,
    )


@router.post("/admin/catalogue/new", response_class=HTMLResponse, summary="创建事项")
def admin_create(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    text: FormText,
    note: Annotated[str, Form(max_length=300)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create an item from the YAML."""
    return _save(
        request=request,
        session=session,
        templates=templates,
        actor=actor,
        code=None,
        text=text,
        expected_version=0,
        note=note,
        csrf_token=csrf_token,
    )


@router.post("/admin/catalogue/items/{code}/retire", response_class=HTMLResponse, summary="停用事项")
def admin_retire(
    *,
    code: str,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    expected_version: Annotated[int, Form(ge=1)],
    reason: Annotated[str, Form(max_length=300)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Retire the item; back to the editor with a notice."""
    identity_deps.verify_csrf(request, csrf_token)
    try:
        item = services.retire_item(session, actor=actor, code=code, expected_version=expected_version, reason=reason)
    except (services.CatalogueValidationError, YiwangError) as error:
        if error.status_code in {403, 404}:
            raise
        identity_deps.flash(request, f"未能停用：{error.message}")
    else:
        identity_deps.flash(request, f"已停用「{item.name}」（第 {item.version} 版）")
    return RedirectResponse(f"/admin/catalogue/items/{code}", status_code=303)
