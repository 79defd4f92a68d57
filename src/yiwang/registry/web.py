"""Server-rendered pages of the registry context: search, 一企一档, person page, departments, file import."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from yiwang.kernel.errors import ValidationError, YiwangError
from yiwang.registry import profiles, services
from yiwang.registry.kinds import RECORD_KINDS
from yiwang.registry.schemas import EnterpriseProfile, ImportReport, PersonProfile
from yiwang.web.deps import ActorDep, SessionDep, TemplatesDep
from yiwang.web.listing import content_disposition

router = APIRouter(tags=["pages"])

TextQuery = Annotated[str | None, Query()]


def _panels(profile: EnterpriseProfile | PersonProfile) -> list[profiles.DepartmentPanel]:
    return profiles.panels(profile.sections)


def _error_page(templates: TemplatesDep, request: Request, error: YiwangError, *, title: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "registry/error.html",
        {"title": title, "error": error},
        status_code=error.status_code,
    )


@router.get("/registry", response_class=HTMLResponse, summary="数据底座查询")
def search_page(
    *,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    templates: TemplatesDep,
    kind: str = "enterprise",
    q: TextQuery = None,
    district: TextQuery = None,
    industry: TextQuery = None,
    status: TextQuery = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Search enterprises (name/code, filters) or persons (exact ID number or name, masked)."""
    kind = "person" if kind == "person" else "enterprise"
    error: str | None = None
    result: object = None
    try:
        result = services.search(
            session,
            q=q,
            kind="person" if kind == "person" else "enterprise",
            district_code=district or None,
            industry_section=industry or None,
            status=status or None,
            page=page,
            actor=actor,
        )
    except ValidationError as exc:
        error = exc.message
    return templates.TemplateResponse(
        request,
        "registry/search.html",
        {
            "kind": kind,
            "q": q or "",
            "district": district or "",
            "industry": industry or "",
            "status": status or "",
            "result": result,
            "error": error,
            "options": services.search_options(session),
            "export_query": request.url.query,
        },
    )


@router.get("/registry/persons", include_in_schema=False)
def persons_page() -> RedirectResponse:
    """The person search is a tab of the registry search page."""
    return RedirectResponse("/registry?kind=person", status_code=307)


@router.get("/registry/enterprises.csv", summary="导出企业查询结果（CSV）")
def export_enterprises(
    *,
    request: Request,
    actor: ActorDep,
    q: TextQuery = None,
    district: TextQuery = None,
    industry: TextQuery = None,
    status: TextQuery = None,
) -> StreamingResponse:
    """The enterprise search result as a CSV download (UTF-8 with BOM for Excel)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    # The session outlives this function: rows are read while the response streams, then it is closed.
    session = factory()
    try:
        chunks = services.export_enterprises_csv(
            session,
            q=q,
            district_code=district or None,
            industry_section=industry or None,
            status=status or None,
            actor=actor,
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
        headers={"Content-Disposition": content_disposition("企业名录.csv", fallback="enterprises.csv")},
    )


@router.get("/registry/enterprises/{uscc}", response_class=HTMLResponse, summary="一企一档")
def enterprise_page(
    request: Request, session: SessionDep, templates: TemplatesDep, actor: ActorDep, uscc: str
) -> HTMLResponse:
    """Base data, then one panel per department with its records; every department read is audited."""
    try:
        profile = services.get_enterprise_profile(session, actor=actor, uscc=uscc)
    except YiwangError as exc:
        return _error_page(templates, request, exc, title="一企一档")
    return templates.TemplateResponse(
        request,
        "registry/enterprise.html",
        {
            "profile": profile,
            "kinds": RECORD_KINDS,
            "panels": _panels(profile),
            "tax_series": [point.model_dump() for point in profile.tax_by_year],
            "employee_series": [point.model_dump() for point in profile.insured_by_month],
        },
    )


@router.get("/registry/persons/ref/{ref}", response_class=HTMLResponse, summary="一人一档（由查询结果进入）")
def person_page_by_ref(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    ref: str,
    unmask: bool = False,
    purpose: TextQuery = None,
) -> HTMLResponse:
    """The person page linked from masked search results (the link carries no personal data)."""
    try:
        profile = services.get_person_profile_by_ref(
            session, actor=actor, ref=ref, unmask=unmask, unmask_purpose=purpose
        )
    except YiwangError as exc:
        return _error_page(templates, request, exc, title="一人一档")
    return templates.TemplateResponse(
        request, "registry/person.html", {"profile": profile, "kinds": RECORD_KINDS, "panels": _panels(profile)}
    )


@router.get("/registry/persons/{id_number}", response_class=HTMLResponse, summary="一人一档")
def person_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    id_number: str,
    unmask: bool = False,
    purpose: TextQuery = None,
) -> HTMLResponse:
    """A person's base data and records, masked unless the viewer asks (and the audit log records it)."""
    try:
        profile = services.get_person_profile(
            session, actor=actor, id_number=id_number, unmask=unmask, unmask_purpose=purpose
        )
    except YiwangError as exc:
        return _error_page(templates, request, exc, title="一人一档")
    return templates.TemplateResponse(
        request, "registry/person.html", {"profile": profile, "kinds": RECORD_KINDS, "panels": _panels(profile)}
    )


@router.get("/departments", response_class=HTMLResponse, summary="部门目录")
def departments_page(request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    """Departments with their duties and how many records of each kind they hold."""
    return templates.TemplateResponse(
        request,
        "registry/departments.html",
        {"departments": services.list_departments(session), "kinds": RECORD_KINDS},
    )


def _import_context(session: Session) -> dict[str, object]:
    return {
        "import_kinds": services.import_kinds(),
        "departments": services.list_departments(session, with_counts=False),
    }


@router.get("/registry/import", response_class=HTMLResponse, summary="导入部门数据")
def import_form(request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    """The upload form with the accepted columns of each kind."""
    return templates.TemplateResponse(
        request,
        "registry/import.html",
        {**_import_context(session), "report": None, "error": None, "selected_kind": "penalty", "department": ""},
    )


@router.get("/registry/import/samples/{name}", summary="导入示例文件（合成数据）")
def import_sample(name: str) -> FileResponse:
    """A shipped synthetic sample file, for trying the importer."""
    path = services.sample_file(name)
    return FileResponse(path, filename=path.name)


@router.post("/registry/import", response_class=HTMLResponse, summary="导入部门数据（提交）")
def import_submit(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    department: Annotated[str, Form()] = "",
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    """Check the file and, when every row passes (and this is not a dry run), write all rows at once."""
    report: ImportReport | None = None
    error: str | None = None
    try:
        report = services.import_records(
            session,
            kind=kind,
            data=file.file.read(),
            filename=file.filename or "upload",
            owner_department=department or None,
            dry_run=dry_run,
            actor=actor,
        )
    except YiwangError as exc:
        error = exc.message
    return templates.TemplateResponse(
        request,
        "registry/import.html",
        {
            **_import_context(session),
            "report": report,
            "error": error,
            "selected_kind": kind,
            "department": department,
        },
        status_code=422 if error or (report is not None and not report.valid) else 200,
    )
