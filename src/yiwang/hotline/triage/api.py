"""JSON API of triage and the knowledge base: triage a text, record corrections, retrain, search and edit articles.

Two routers for the composition root: ``router`` (``/api/hotline/kb``, the knowledge base) and ``triage_router``
(``/api/hotline/triage``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from yiwang.hotline.triage import services
from yiwang.hotline.triage.schemas import (
    ArticleCreate,
    ArticleRead,
    ArticleUpdate,
    CorrectionCreate,
    CorrectionRead,
    KnowledgeAnswer,
    ModelVersionRead,
    TriageRead,
    TriageRequest,
)
from yiwang.kernel.pages import Page
from yiwang.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/hotline/kb", tags=["hotline-kb"])
triage_router = APIRouter(prefix="/api/hotline/triage", tags=["hotline-triage"])

PageQuery = Annotated[int, Query(ge=1, description="页码")]
PageSizeQuery = Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE, description="每页条数")]


class TriageResponse(BaseModel):
    """A triage result plus the knowledge-base answer when the appeal is a consultation one article answers."""

    result: TriageRead
    answer: KnowledgeAnswer | None


@triage_router.post("", summary="智能分拨：类型、分类、部门、属地、紧急程度、转警")
def triage_text(body: TriageRequest, session: SessionDep, actor: ActorDep) -> TriageResponse:
    """Triage one appeal text (and pin/address) with the current model version."""
    del actor  # any signed-in account may ask; triage reveals no stored data
    result = services.triage(session, body.text, lon=body.lon, lat=body.lat, address=body.address)
    answer = services.answer_for(session, body.text) if result.type == "咨询" and result.redirect is None else None
    return TriageResponse(result=services.to_read(result), answer=answer)


@triage_router.post("/corrections", status_code=status.HTTP_201_CREATED, summary="记录话务员纠错")
def create_correction(body: CorrectionCreate, session: SessionDep, actor: ActorDep) -> CorrectionRead:
    """Record what the operator decided instead of the current model's result for this text."""
    predicted = services.triage(session, body.text)
    return services.record_correction(
        session,
        text=body.text,
        predicted=predicted,
        actor=actor,
        type=body.type,
        category=body.category,
        department=body.department,
        urgency=body.urgency,
        appeal_ref=body.appeal_ref,
        note=body.note,
    )


@triage_router.get("/corrections", summary="纠错记录")
def list_corrections(
    session: SessionDep, actor: ActorDep, page: PageQuery = 1, page_size: PageSizeQuery = 50
) -> Page[CorrectionRead]:
    """Corrections, newest first."""
    return services.list_corrections(session, actor=actor, page=page, page_size=page_size)


@triage_router.get("/models", summary="模型版本")
def list_models(session: SessionDep, actor: ActorDep) -> list[ModelVersionRead]:
    """The newest trained model versions with their metrics."""
    del actor
    return services.list_model_versions(session)


@triage_router.post("/models", status_code=status.HTTP_201_CREATED, summary="重新训练模型")
def retrain(session: SessionDep, actor: ActorDep) -> ModelVersionRead:
    """Train a new version on the seed corpus and every correction (city centre staff and administrators)."""
    return services.retrain(session, actor=actor)


@router.get("/answer", summary="直接答复：为咨询匹配知识库文章")
def answer(
    session: SessionDep, actor: ActorDep, q: Annotated[str, Query(min_length=1, max_length=2000)]
) -> KnowledgeAnswer | None:
    """The article that answers this question, or null when none fits."""
    del actor
    return services.answer_for(session, q)


@router.get("/articles", summary="知识库文章（搜索、分页）")
def search_articles(
    *,
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=200, description="关键词")] = None,
    department: Annotated[str | None, Query(max_length=32, description="部门编码")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> Page[ArticleRead]:
    """Published articles whose title, answer or key contains every word of ``q``."""
    del actor
    return services.search_articles(session, q=q, department=department, page=page, page_size=page_size)


@router.get("/articles.csv", summary="导出知识库文章 CSV")
def export_articles(
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    department: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """The matching articles as a CSV download."""
    del actor
    return Response(
        content=services.articles_csv(session, q=q, department=department),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="hotline-kb.csv"'},
    )


@router.get("/articles/{article_id}", summary="知识库文章")
def get_article(article_id: int, session: SessionDep, actor: ActorDep) -> ArticleRead:
    """One article."""
    del actor
    return services.get_article(session, article_id=article_id)


@router.post("/articles", status_code=status.HTTP_201_CREATED, summary="新增知识库文章")
def create_article(body: ArticleCreate, session: SessionDep, actor: ActorDep) -> ArticleRead:
    """Add an article (its department's staff or an administrator)."""
    return services.create_article(session, data=body, actor=actor)


@router.put("/articles/{article_id}", summary="修改知识库文章")
def update_article(article_id: int, body: ArticleUpdate, session: SessionDep, actor: ActorDep) -> ArticleRead:
    """Change an article; ``version`` must be the version the edit started from (else 409)."""
    return services.update_article(session, article_id=article_id, data=body, actor=actor)


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT, summary="删除知识库文章")
def delete_article(
    article_id: int, session: SessionDep, actor: ActorDep, version: Annotated[int, Query(ge=1)]
) -> Response:
    """Remove an article at the given version."""
    services.delete_article(session, article_id=article_id, version=version, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
