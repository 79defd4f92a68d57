"""HTTP JSON API of the registry context (数据底座): departments, search, profiles, registration, imports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import JSONResponse

from yiwang.kernel.pages import Page
from yiwang.registry import services
from yiwang.registry.schemas import (
    DepartmentRead,
    EnterpriseCreate,
    EnterpriseProfile,
    EnterpriseRead,
    ImportReport,
    Overview,
    PersonCreate,
    PersonProfile,
    PersonRead,
)
from yiwang.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/registry", tags=["registry"])

PageQuery = Annotated[int, Query(ge=1, description="页码，从1开始")]
PageSizeQuery = Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE, description="每页条数")]


@router.get("/departments", summary="部门目录（含各类记录数）")
def list_departments(session: SessionDep) -> list[DepartmentRead]:
    """Departments with their duties and record counts per kind."""
    return services.list_departments(session)


@router.get("/overview", summary="数据底座概览")
def get_overview(session: SessionDep) -> Overview:
    """Counts of persons, enterprises, records; enterprises by industry and district."""
    return services.overview(session)


@router.get("/enterprises", summary="查询市场主体")
def search_enterprises(
    *,
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(description="企业名称或统一社会信用代码（部分匹配）")] = None,
    district: Annotated[str | None, Query(description="所在区县代码（6位）")] = None,
    industry: Annotated[str | None, Query(description="行业门类 A–T")] = None,
    status_: Annotated[str | None, Query(alias="status", description="登记状态，如 存续")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> Page[EnterpriseRead]:
    """Enterprises by name or code substring, filtered by district, industry section and status."""
    return services.search_enterprises(
        session,
        q=q,
        district_code=district,
        industry_section=industry,
        status=status_,
        page=page,
        page_size=page_size,
        actor=actor,
    )


@router.post("/enterprises", status_code=status.HTTP_201_CREATED, summary="登记市场主体")
def create_enterprise(session: SessionDep, actor: ActorDep, data: EnterpriseCreate) -> EnterpriseRead:
    """Register a market entity (422 with the Chinese reason when a field is invalid, 409 when it exists)."""
    return services.create_enterprise(session, data=data, actor=actor)


@router.get("/enterprises/{uscc}", summary="一企一档")
def get_enterprise_profile(
    session: SessionDep,
    actor: ActorDep,
    uscc: str,
    purpose: Annotated[str, Query(description="查询用途（记入审计日志）")] = services.ENTERPRISE_PURPOSE,
    legal_basis: Annotated[str, Query(description="法律依据（记入审计日志）")] = services.DEFAULT_LEGAL_BASIS,
) -> EnterpriseProfile:
    """Base data and every department's records about one enterprise; each department read is audited."""
    return services.get_enterprise_profile(session, actor=actor, uscc=uscc, purpose=purpose, legal_basis=legal_basis)


@router.get("/persons", summary="查询自然人（脱敏）")
def search_persons(
    *,
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(description="公民身份号码或姓名（精确匹配）")] = None,
    district: Annotated[str | None, Query(description="户籍区县代码（6位）")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> Page[PersonRead]:
    """Persons by exact ID number or exact name; ID numbers, phones and addresses masked."""
    return services.search_persons(session, q=q, district_code=district, page=page, page_size=page_size, actor=actor)


@router.post("/persons", status_code=status.HTTP_201_CREATED, summary="登记自然人")
def create_person(session: SessionDep, actor: ActorDep, data: PersonCreate) -> PersonRead:
    """Register a natural person; the answer is masked like every other read."""
    return services.create_person(session, data=data, actor=actor)


@router.get("/persons/{id_number}", summary="一人一档（默认脱敏）")
def get_person_profile(
    *,
    session: SessionDep,
    actor: ActorDep,
    id_number: str,
    unmask: Annotated[
        bool, Query(description="显示未脱敏信息（须有权限并填写用途 unmask_purpose，记入审计日志）")
    ] = False,
    unmask_purpose: Annotated[str | None, Query(max_length=200, description="查看完整信息的用途（必填）")] = None,
    purpose: Annotated[str, Query(description="查询用途（记入审计日志）")] = services.PERSON_PURPOSE,
    legal_basis: Annotated[str, Query(description="法律依据（记入审计日志）")] = services.DEFAULT_LEGAL_BASIS,
) -> PersonProfile:
    """A person's base data and records; masked unless ``unmask=true``; every read audited."""
    return services.get_person_profile(
        session,
        actor=actor,
        id_number=id_number,
        purpose=purpose,
        legal_basis=legal_basis,
        unmask=unmask,
        unmask_purpose=unmask_purpose,
    )


@router.get("/imports", summary="可导入的数据类别及表头")
def list_import_kinds() -> list[dict[str, object]]:
    """Every importable kind with its Chinese name and columns (required first), for building export files."""
    return [
        {
            "kind": spec.kind,
            "name": spec.name,
            "default_department": spec.default_department,
            "columns": [
                {"header": column.label, "aliases": list(column.aliases), "required": column.required}
                for column in sorted(spec.columns, key=lambda column: not column.required)
            ],
        }
        for spec in services.import_kinds().values()
    ]


@router.post(
    "/imports/{kind}",
    summary="导入部门数据文件（CSV / Excel）",
    response_model=ImportReport,
    responses={422: {"model": ImportReport, "description": "有不合格的行：逐行错误清单，未写入任何数据"}},
)
def import_records(
    *,
    session: SessionDep,
    actor: ActorDep,
    kind: str,
    file: Annotated[UploadFile, File(description="CSV（UTF-8/GB18030）或 .xlsx 文件")],
    dry_run: Annotated[bool, Query(description="只校验，不写入")] = False,
    department: Annotated[str | None, Query(description="数据来源部门代码，如 market")] = None,
) -> ImportReport | JSONResponse:
    """Check every row; write all rows in one transaction only if all pass (422 with the row report otherwise)."""
    report = services.import_records(
        session,
        kind=kind,
        data=file.file.read(),
        filename=file.filename or "upload",
        owner_department=department,
        dry_run=dry_run,
        actor=actor,
    )
    if not report.valid:
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content=report.model_dump(mode="json"))
    return report
