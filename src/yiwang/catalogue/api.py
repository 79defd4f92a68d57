"""catalogue: REST API — public reads of items, bundles, life events and search; admin writes with versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from yiwang.catalogue import services
from yiwang.catalogue.schemas import (
    BundleOut,
    BundleSummary,
    ItemOut,
    ItemSave,
    ItemSummary,
    LifeEvent,
    RetireRequest,
    SearchResult,
    VersionRead,
)
from yiwang.kernel.pages import Page
from yiwang.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/catalogue", tags=["catalogue"])

PageQuery = Annotated[int, Query(ge=1, description="页码")]
PageSizeQuery = Annotated[int, Query(ge=1, le=200, description="每页条数")]
INVALID_RESPONSE: dict[int | str, dict[str, Any]] = {422: {"description": "校验失败：detail 逐条列出字段与中文说明"}}


def _invalid(error: services.CatalogueValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": error.details()})


@router.get("/items", summary="事项列表")
def list_items(
    *,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=64, description="关键词")] = None,
    department: Annotated[str | None, Query(max_length=32, description="部门代码")] = None,
    life_event: Annotated[str | None, Query(max_length=32, description="人生事件代码")] = None,
    subject: Annotated[str | None, Query(description="person 个人 / enterprise 企业")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> Page[ItemSummary]:
    """Offered items, current versions, with filters and pagination (public)."""
    return services.list_items(
        session, q=q, department=department, life_event=life_event, subject=subject, page=page, page_size=page_size
    )


@router.get("/items/{code}", summary="事项详情（办事指南）")
def get_item(
    code: str, session: SessionDep, version: Annotated[int | None, Query(ge=1, description="版本号")] = None
) -> ItemOut:
    """One item, current or a given version, with each material's waiver reason (public)."""
    return services.get_item(session, code, version=version)


@router.get("/items/{code}/history", summary="事项版本历史")
def item_history(code: str, session: SessionDep) -> list[VersionRead]:
    """Every version of an item or bundle, newest first (public)."""
    return services.item_history(session, code)


@router.post("/items", status_code=201, summary="新建事项", response_model=ItemOut, responses=INVALID_RESPONSE)
def create_item(body: ItemSave, session: SessionDep, actor: ActorDep) -> ItemOut | JSONResponse:
    """Create an item (``expected_version`` 0); platform administrators or the item department's staff."""
    try:
        return services.save_item(
            session, actor=actor, body=body.body, expected_version=body.expected_version, note=body.note
        )
    except services.CatalogueValidationError as error:
        return _invalid(error)


@router.put("/items/{code}", summary="修改事项（发布新版本）", response_model=ItemOut, responses=INVALID_RESPONSE)
def save_item(code: str, body: ItemSave, session: SessionDep, actor: ActorDep) -> ItemOut | JSONResponse:
    """Publish an edit as a new version; 409 when ``expected_version`` is not the current one."""
    if body.body.get("code") != code:
        return JSONResponse(
            status_code=422,
            content={"detail": [{"code": "invalid", "field": "code", "message": f"编码：应与地址中的 {code} 一致"}]},
        )
    try:
        return services.save_item(
            session, actor=actor, body=body.body, expected_version=body.expected_version, note=body.note
        )
    except services.CatalogueValidationError as error:
        return _invalid(error)


@router.post("/items/{code}/retire", summary="停用事项")
def retire_item(code: str, body: RetireRequest, session: SessionDep, actor: ActorDep) -> ItemOut:
    """Stop offering an item (a ``retired`` version); 409 on a stale version."""
    return services.retire_item(
        session, actor=actor, code=code, expected_version=body.expected_version, reason=body.reason
    )


@router.get("/bundles", summary="一件事列表")
def list_bundles(
    *,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    life_event: Annotated[str | None, Query(max_length=32)] = None,
    subject: Annotated[str | None, Query()] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> Page[BundleSummary]:
    """Offered 一件事 bundles (public)."""
    return services.list_bundles(session, q=q, life_event=life_event, subject=subject, page=page, page_size=page_size)


@router.get("/bundles/{code}", summary="一件事详情")
def get_bundle(
    code: str, session: SessionDep, version: Annotated[int | None, Query(ge=1, description="版本号")] = None
) -> BundleOut:
    """A bundle with its merged form, one set of materials, member items and summed baseline (public)."""
    return services.get_bundle(session, code, version=version)


@router.get("/life-events", summary="人生事件")
def life_events(session: SessionDep) -> list[LifeEvent]:
    """Life events with their item and bundle counts (public)."""
    return services.life_events(session)


@router.get("/search", summary="搜索事项与一件事")
def search(
    session: SessionDep, q: Annotated[str, Query(min_length=1, max_length=64, description="关键词")]
) -> SearchResult:
    """Chinese keyword search over items and bundles, best first (public)."""
    return services.search(session, q)
