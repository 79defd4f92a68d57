"""grants: the 惠企资金 pages — the grants board, payment batches, public disclosure and per-policy performance.

Funding-department staff, leaders and platform administrators see the pipeline (count and amount per state), the
ledger with filters and CSV export, approve grants within the policy's budget, build payment batches, download
their instructions (CSV/XML) for the finance system and import the bank's result file. The disclosure list (资金
公示) is public. Every handler calls the ``grants`` services, which decide access (out of scope → 404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from yiwang.grants import files, services
from yiwang.grants.ledger import GrantState
from yiwang.grants.schemas import InstructionFile, PaymentResult, PolicyPerformance
from yiwang.identity import deps as identity_deps
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ValidationError, YiwangError
from yiwang.kernel.identifiers import validate_citizen_id
from yiwang.kernel.masking import mask_id_number, mask_name
from yiwang.web.deps import ActorDep, SessionDep, TemplatesDep

router = APIRouter(tags=["grants-pages"], include_in_schema=False)

Csrf = Annotated[str, Form(max_length=200)]
BOARD_ROLES = (Role.DEPARTMENT_STAFF, Role.LEADER, Role.PLATFORM_ADMIN)
MAX_RESULT_FILE = 5 * 1024 * 1024
"""The bank's result file is read into memory; 5 MB holds well over 50,000 lines."""


def _department_names(session: Session) -> dict[str, str]:
    from yiwang.registry import services as registry  # noqa: PLC0415 - the registry is only needed for labels

    return {d.code: d.name for d in registry.list_departments(session, with_counts=False)}


def _district_names(session: Session) -> dict[str, str]:
    from yiwang.geo import services as geo  # noqa: PLC0415 - names only

    return geo.division_names(session)


def _require_board(actor: Actor) -> None:
    if not actor.has_role(*BOARD_ROLES):
        raise PermissionDeniedError("资金台账仅对资金主管部门工作人员、领导和平台管理员开放", field="actor")


def _acts(actor: Actor) -> bool:
    """Whether the actor approves and pays (department staff of a department, platform administrators)."""
    return actor.has_role(Role.PLATFORM_ADMIN) or (actor.has_role(Role.DEPARTMENT_STAFF) and bool(actor.department))


def _nav(actor: Actor | None) -> dict[str, bool]:
    if actor is None:
        return {"nav_mine": False, "nav_board": False, "nav_author": False}
    subject = (actor.has_role(Role.ENTERPRISE_AGENT) and bool(actor.enterprise_uscc)) or (
        actor.has_role(Role.CITIZEN) and bool(actor.person_id_number)
    )
    return {
        "nav_mine": subject,
        "nav_board": actor.has_role(*BOARD_ROLES),
        "nav_author": actor.has_role(Role.PLATFORM_ADMIN) or actor.has_role(Role.DEPARTMENT_STAFF),
    }


def _filters(q: str | None, state: str | None, policy_id: str | None) -> dict[str, str]:
    return {"q": (q or "").strip(), "state": state or "", "policy_id": (policy_id or "").strip()}


def _render_board(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    actor: Actor,
    *,
    q: str | None = None,
    state: str | None = None,
    policy_id: str | None = None,
    page: int = 1,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    filters = _filters(q, state, policy_id)
    context: dict[str, Any] = {
        "filters": filters,
        "states": list(GrantState),
        "error": error,
        "flash": identity_deps.pop_flash(request),
        "csrf_token": identity_deps.csrf_token(request),
        "acts": _acts(actor),
        "me_department": actor.department if not actor.has_role(Role.PLATFORM_ADMIN) else None,
        "departments": _department_names(session),
        "districts": _district_names(session),
        **_nav(actor),
    }
    try:
        context["result"] = services.list_grants(
            session,
            actor=actor,
            q=filters["q"] or None,
            state=filters["state"] or None,
            policy_id=filters["policy_id"] or None,
            page=page,
            page_size=20,
        )
    except ValidationError as exc:
        context["error"], status_code = exc.message, 422
        context["result"] = services.list_grants(session, actor=actor, page=1, page_size=20)
    context["pipeline"] = services.pipeline(session, actor=actor, policy_id=filters["policy_id"] or None)
    context["budgets"] = services.list_budgets(session, actor=actor)
    context["batches"] = services.list_batches(session, actor=actor, page=1, page_size=10)
    context["export_query"] = request.url.query
    return templates.TemplateResponse(request, "grants/board.html", context, status_code=status_code)


# --- the board -------------------------------------------------------------------------------------------------


@router.get("/grants", response_class=HTMLResponse, summary="资金台账")
def board(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=12)] = None,
    policy_id: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Pipeline per state, the ledger with filters and pagination, approval, batches and budgets."""
    _require_board(actor)
    return _render_board(request, session, templates, actor, q=q, state=state, policy_id=policy_id, page=page)


@router.get("/grants.csv", summary="资金台账 CSV")
def board_csv(
    *,
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=12)] = None,
    policy_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The filtered ledger as CSV (persons masked, as on the page)."""
    _require_board(actor)
    filters = _filters(q, state, policy_id)
    chunks = list(
        services.export_grants_csv(
            session,
            actor=actor,
            q=filters["q"] or None,
            state=filters["state"] or None,
            policy_id=filters["policy_id"] or None,
            subject_code=None,
            batch_id=None,
        )
    )
    return StreamingResponse(
        iter(chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="grants.csv"'},
    )


@router.post("/grants/from-policy", response_class=HTMLResponse, summary="生成资金记录")
def from_policy(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    policy_id: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """Turn the payable matches of a published policy into grants (idempotent), notifying who must confirm."""
    identity_deps.verify_csrf(request, csrf_token)
    _require_board(actor)
    try:
        if not policy_id.strip():
            raise ValidationError("请选择政策", field="policy_id")
        report = services.create_grants_for_policy(session, actor=actor, policy_id=policy_id.strip())
    except YiwangError as exc:
        if exc.status_code in {403, 404}:
            raise
        session.rollback()
        return _render_board(
            request, session, templates, actor, policy_id=policy_id, error=exc.message, status_code=exc.status_code
        )
    message = f"新生成资金记录 {report.created} 笔（已存在 {report.existing} 笔），通知待确认 {report.notified} 笔"
    if report.over_budget:
        message += f"，{report.over_budget} 笔因预算用完（先到先得）未能安排"
    identity_deps.flash(request, message)
    return RedirectResponse(f"/grants?policy_id={policy_id.strip()}", status_code=303)


@router.post("/grants/approve", response_class=HTMLResponse, summary="审核")
async def approve(request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """Approve the ticked grants, or every approvable grant of a policy, each within the policy's budget."""
    form = await request.form()
    identity_deps.verify_csrf(request, str(form.get("csrf_token") or ""))
    _require_board(actor)
    raw_ids = [str(v) for v in form.getlist("grant_id")]
    policy_id = str(form.get("policy_id") or "").strip() or None
    try:
        if any(not v.isdigit() for v in raw_ids):
            raise ValidationError("资金记录编号应为数字", field="grant_id")
        report = services.approve_grants(
            session, actor=actor, grant_ids=[int(v) for v in raw_ids], policy_id=None if raw_ids else policy_id
        )
    except YiwangError as exc:
        session.rollback()
        return _render_board(
            request, session, templates, actor, policy_id=policy_id, error=exc.message, status_code=exc.status_code
        )
    message = f"审核通过 {report.approved} 笔，金额 {report.amount:,.2f} 元"
    if report.skipped:
        shown = "；".join(report.skipped[:5])
        message += f"；未审核 {len(report.skipped)} 笔：{shown}" + ("……" if len(report.skipped) > 5 else "")  # noqa: PLR2004
    identity_deps.flash(request, message)
    target = f"/grants?policy_id={policy_id}" if policy_id else "/grants"
    return RedirectResponse(target, status_code=303)


@router.post("/grants/batches", response_class=HTMLResponse, summary="生成付款批次")
def create_batch(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    funding_department: Annotated[str, Form(max_length=32)] = "",
    policy_id: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """Claim the department's approved grants into a sealed batch (safe to repeat; never claims a grant twice)."""
    identity_deps.verify_csrf(request, csrf_token)
    _require_board(actor)
    department = funding_department.strip() or actor.department or ""
    try:
        if not department:
            raise ValidationError("请选择资金主管部门", field="funding_department")
        report = services.run_batch_job(
            request.app.state.session_factory,
            actor=actor,
            funding_department=department,
            policy_id=policy_id.strip() or None,
        )
    except YiwangError as exc:
        session.rollback()
        return _render_board(request, session, templates, actor, error=exc.message, status_code=exc.status_code)
    if not report.batches:
        identity_deps.flash(request, "没有已审核待拨付的资金记录，未生成付款批次")
        return RedirectResponse("/grants", status_code=303)
    batch = report.batches[-1]
    identity_deps.flash(
        request, f"付款批次 {batch.batch_no} 已封包：{batch.item_count} 笔，合计 {batch.total_amount:,.2f} 元"
    )
    return RedirectResponse(f"/grants/batches/{batch.id}", status_code=303)


# --- batches -----------------------------------------------------------------------------------------------------


def _render_batch(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    actor: Actor,
    *,
    batch_id: int,
    result: Any = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    _require_board(actor)
    data = services.instructions(session, actor=actor, batch_id=batch_id)
    context = {
        "data": data,
        "rows": _instruction_rows(data),
        "result": result,
        "error": error,
        "flash": identity_deps.pop_flash(request),
        "csrf_token": identity_deps.csrf_token(request),
        "departments": _department_names(session),
        **_nav(actor),
    }
    return templates.TemplateResponse(request, "grants/batch.html", context, status_code=status_code)


def _instruction_rows(data: InstructionFile) -> list[dict[str, Any]]:
    """Instructions as the page shows them: accounts masked; a person's name and ID number masked too."""
    rows = []
    for item in data.instructions:
        parts = item.idempotency_key.split(":")
        subject = parts[2] if len(parts) > 3 else ""  # noqa: PLR2004 - policy:vN:SUBJECT:INSTALMENT
        person = False
        try:
            validate_citizen_id(subject, field="subject")
            person = True
        except ValidationError:
            person = False
        rows.append(
            {
                "key": item.idempotency_key.replace(subject, mask_id_number(subject))
                if person
                else item.idempotency_key,
                "attempt": item.attempt,
                "payee_name": mask_name(item.payee_name) if person else item.payee_name,
                "payee_account": item.payee_account,
                "payee_bank": item.payee_bank,
                "amount": item.amount,
                "result": item.result,
                "result_reference": item.result_reference,
            }
        )
    return rows


@router.get("/grants/batches/{batch_id}", response_class=HTMLResponse, summary="付款批次")
def batch_page(
    batch_id: int, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """A sealed batch: control totals, instructions (accounts masked), downloads and the result import."""
    return _render_batch(request, session, templates, actor, batch_id=batch_id)


@router.get("/grants/batches/{batch_id}/instructions.{fmt}", summary="下载支付指令")
def batch_file(batch_id: int, fmt: str, session: SessionDep, actor: ActorDep) -> Response:
    """The finance system's instruction file (CSV or XML) with batch header and control totals."""
    _require_board(actor)
    if fmt not in {"csv", "xml"}:
        raise ValidationError("支付指令文件格式应为 csv 或 xml", field="format")
    data = services.instructions(session, actor=actor, batch_id=batch_id)
    name = f"{data.batch.batch_no}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return PlainTextResponse(
            files.instructions_csv(data), media_type="text/csv; charset=utf-8", headers=disposition
        )
    return PlainTextResponse(files.instructions_xml(data), media_type="application/xml", headers=disposition)


async def _read_results(file: UploadFile | None) -> list[PaymentResult]:
    if file is None or not file.filename:
        raise ValidationError("请选择回单文件（CSV）", field="file")
    raw = await file.read(MAX_RESULT_FILE + 1)
    if len(raw) > MAX_RESULT_FILE:
        raise ValidationError("回单文件超过 5 MB，请分批导入", field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("回单文件应为 UTF-8 编码的 CSV", field="file") from None
    return files.parse_results_csv(text)


@router.post("/grants/batches/{batch_id}/results", response_class=HTMLResponse, summary="导入回单")
async def import_results(
    *,
    batch_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Csrf = "",
) -> Response:
    """Import the bank's result file (CSV: idempotency_key, attempt, status, amount, reference, paid_on, reason)."""
    identity_deps.verify_csrf(request, csrf_token)
    _require_board(actor)
    try:
        results = await _read_results(file)
        report = services.record_payment_results(session, actor=actor, results=results)
    except ValidationError as exc:
        session.rollback()
        return _render_batch(request, session, templates, actor, batch_id=batch_id, error=exc.message, status_code=422)
    return _render_batch(request, session, templates, actor, batch_id=batch_id, result=report)


# --- disclosure and performance ------------------------------------------------------------------------------


@router.get("/grants/disclosure", response_class=HTMLResponse, summary="资金公示")
def disclosure(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    policy_id: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The public list of paid grants: enterprises by name and code, persons masked (no login needed)."""
    result = services.disclosure(session, q=q, policy_id=policy_id or None, page=page, page_size=50)
    actor = _public_actor(request, session)
    context = {
        "result": result,
        "filters": {"q": q or "", "policy_id": policy_id or ""},
        "departments": _department_names(session),
        "districts": _district_names(session),
        "export_query": request.url.query,
        **_nav(actor),
    }
    return templates.TemplateResponse(request, "grants/disclosure.html", context)


def _public_actor(request: Request, session: Session) -> Actor | None:
    return identity_deps.current_actor(request, session)


@router.get("/grants/disclosure.csv", summary="资金公示 CSV")
def disclosure_csv(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    policy_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The disclosure list as CSV (UTF-8 with BOM; persons masked)."""
    chunks = list(services.export_disclosure_csv(session, q=q, policy_id=policy_id or None))
    return StreamingResponse(
        iter(chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="grants-disclosure.csv"'},
    )


def _performance_rows(items: list[PolicyPerformance]) -> dict[str, Any]:
    return {
        "paid_rows": [{"name": p.policy_name, "value": p.paid} for p in items],
        "budget_rows": [{"name": p.policy_name, "value": p.budget} for p in items],
    }


@router.get("/grants/performance", response_class=HTMLResponse, summary="政策绩效")
def performance_all(request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """Paid against budget for every policy the viewer may see."""
    _require_board(actor)
    items = services.list_budgets(session, actor=actor)
    context = {"items": items, "departments": _department_names(session), **_performance_rows(items), **_nav(actor)}
    return templates.TemplateResponse(request, "grants/performance.html", context)


@router.get("/grants/performance/{policy_id}", response_class=HTMLResponse, summary="单项政策绩效")
def performance_one(
    policy_id: str, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """One policy: paid vs budget, beneficiaries, by district and industry (charts and tables)."""
    _require_board(actor)
    item = services.performance(session, actor=actor, policy_id=policy_id, district_names=_district_names(session))
    context = {
        "item": item,
        "departments": _department_names(session),
        "district_rows": [{"name": b.label, "value": b.amount} for b in item.by_district],
        "industry_rows": [{"name": f"{b.key} {b.label}", "value": b.amount} for b in item.by_industry],
        "state_rows": [{"name": s.label, "value": s.count} for s in item.by_state if s.count],
        **_nav(actor),
    }
    return templates.TemplateResponse(request, "grants/performance_policy.html", context)


@router.get("/grants/{grant_id}", response_class=HTMLResponse, summary="资金记录")
def grant_page(
    grant_id: int, request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep
) -> Response:
    """One grant with its history (the subject, the funding department, leaders and admins)."""
    detail = services.get_grant(session, actor=actor, grant_id=grant_id)
    context = {"detail": detail, "departments": _department_names(session), **_nav(actor)}
    return templates.TemplateResponse(request, "grants/grant.html", context)
