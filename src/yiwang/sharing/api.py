"""HTTP JSON API of the sharing context: the audit log, its verification, department source status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from yiwang.kernel.pages import Page
from yiwang.sharing import services
from yiwang.sharing.schemas import AuditEntryOut, SourceStatusRead, SourceStatusUpdate, VerifyResult
from yiwang.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/sharing", tags=["sharing"])


@router.get("/audit", summary="审计日志（分页、筛选）")
def audit_log(
    *,
    session: SessionDep,
    actor: ActorDep,
    page: Annotated[int, Query(ge=1, description="页码")] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE, description="每页条数")] = 50,
    actor_id: Annotated[str | None, Query(max_length=64, description="访问者")] = None,
    subject_code: Annotated[str | None, Query(max_length=18, description="主体代码（身份证号或信用代码）")] = None,
    source_department: Annotated[str | None, Query(max_length=32, description="数据来源部门代码")] = None,
    cross_department: Annotated[bool | None, Query(description="只看跨部门访问（true）或本部门访问（false）")] = None,
) -> Page[AuditEntryOut]:
    """Audit rows in the caller's scope, newest first; personal ID numbers are masked."""
    visible = services.ensure_audit_readable(actor)
    result = services.list_entries(
        session,
        page=page,
        page_size=page_size,
        actor_id=actor_id,
        subject_code=subject_code,
        source_department=source_department,
        cross_department=cross_department,
        visible_departments=visible,
    )
    return Page[AuditEntryOut](
        items=[AuditEntryOut.from_read(entry) for entry in result.items],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


@router.get("/audit/verify", summary="校验审计日志哈希链")
def audit_verify(session: SessionDep, actor: ActorDep) -> VerifyResult:
    """Walk the whole hash chain; ``ok`` is false and ``reason`` names the first bad row if it was tampered with."""
    services.ensure_audit_readable(actor)
    return services.verify_chain(session)


@router.get("/sources", summary="部门数据源状态")
def sources(session: SessionDep) -> list[SourceStatusRead]:
    """Availability of every department's data source."""
    return services.list_sources(session)


@router.put("/sources/{department_code}", summary="设置部门数据源状态")
def set_source(
    *, department_code: str, body: SourceStatusUpdate, session: SessionDep, actor: ActorDep
) -> SourceStatusRead:
    """Mark a department's source available or unavailable (platform administrators only, 403 otherwise)."""
    return services.set_source_status(
        session, actor=actor, department_code=department_code, available=body.available, reason=body.reason
    )
