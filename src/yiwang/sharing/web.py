"""Server-rendered pages of the sharing context: the audit log (filters, CSV, chain check) and source status."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from yiwang.db import utcnow
from yiwang.kernel.errors import ValidationError
from yiwang.sharing import services
from yiwang.sharing.schemas import SourceStatusRead
from yiwang.web.deps import ActorDep, SessionDep, TemplatesDep

router = APIRouter(tags=["pages"])


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters as typed by people (blank means "any")."""

    actor_id: str | None
    subject_code: str | None
    source_department: str | None
    cross_department: bool | None


def _filters(
    actor: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=18)] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    cross: Annotated[str | None, Query(max_length=1)] = None,
) -> AuditFilters:
    """Short query names (actor/subject/source/cross) because people read, bookmark and share these URLs."""
    return AuditFilters(
        actor_id=(actor or "").strip() or None,
        subject_code=(subject or "").strip() or None,
        source_department=(source or "").strip() or None,
        cross_department=True if cross == "1" else None,
    )


FiltersDep = Annotated[AuditFilters, Depends(_filters)]


def _filter_query(filters: AuditFilters) -> str:
    """The filters as a query string in the page's own parameter names (for the CSV link)."""
    pairs = {
        "actor": filters.actor_id,
        "subject": filters.subject_code,
        "source": filters.source_department,
        "cross": "1" if filters.cross_department else None,
    }
    return urlencode({name: value for name, value in pairs.items() if value})


@router.get("/audit", response_class=HTMLResponse, summary="共享审计日志页面")
def audit_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    filters: FiltersDep,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The audit log table (the caller's scope) with filters, pagination, CSV export and the chain check button."""
    visible = services.ensure_audit_readable(actor)
    result = services.list_entries(session, page=page, page_size=50, visible_departments=visible, **asdict(filters))
    return templates.TemplateResponse(
        request,
        "sharing/audit.html",
        {
            "result": result,
            "filters": filters,
            "csv_query": _filter_query(filters),
            "subject_kinds": services.SUBJECT_KINDS,
            "outcomes": services.OUTCOMES,
        },
    )


@router.get("/audit/verify", response_class=HTMLResponse, summary="校验审计哈希链（页面）")
def audit_verify_page(request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep) -> Response:
    """Run the chain check; htmx requests get the result fragment, plain requests a whole page."""
    services.ensure_audit_readable(actor)
    result = services.verify_chain(session)
    fragment = request.headers.get("HX-Request") == "true"
    template = "sharing/_verify_result.html" if fragment else "sharing/verify.html"
    return templates.TemplateResponse(request, template, {"verify": result})


@router.get("/audit.csv", summary="导出审计日志 CSV")
def audit_csv(request: Request, actor: ActorDep, filters: FiltersDep) -> StreamingResponse:
    """Every matching audit row in the caller's scope as CSV (UTF-8 with BOM), streamed however large the log."""
    visible = services.ensure_audit_readable(actor)
    factory: sessionmaker[Session] = request.app.state.session_factory

    def body() -> Iterator[str]:
        # The stream outlives the request's own session, so it reads through a session of its own.
        with factory() as session:
            yield from services.export_entries_csv(session, visible_departments=visible, **asdict(filters))

    filename = f"audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/sources", response_class=HTMLResponse, summary="部门数据源状态页面")
def sources_page(request: Request, session: SessionDep, templates: TemplatesDep) -> Response:
    """Every department's source with its status and a form to switch it."""
    return _render_sources(request, templates, sources=services.list_sources(session))


@router.post("/sources/{department_code}", response_class=HTMLResponse, summary="切换部门数据源状态")
def sources_toggle(
    *,
    request: Request,
    department_code: str,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    available: Annotated[str, Form(pattern="^[01]$")],
    reason: Annotated[str, Form(max_length=services.MAX_REASON_LENGTH)] = "",
) -> Response:
    """Apply the toggle form, then show the list again (Post/Redirect/Get)."""
    try:
        services.set_source_status(
            session, actor=actor, department_code=department_code, available=available == "1", reason=reason
        )
    except ValidationError as error:
        session.rollback()
        return _render_sources(
            request, templates, sources=services.list_sources(session), error=error.message, status_code=422
        )
    return RedirectResponse(f"/sources?changed={department_code}", status_code=303)


def _render_sources(
    request: Request,
    templates: TemplatesDep,
    *,
    sources: list[SourceStatusRead],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        "sharing/sources.html",
        {"sources": sources, "error": error, "changed": request.query_params.get("changed")},
        status_code=status_code,
    )
