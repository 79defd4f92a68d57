"""HTTP JSON API of 一网通办.

Start, save, upload, sign, submit, my applications, the department queue and decisions, 告知承诺 post-checks,
好差评 and 四个减. Every route parses, calls one service, and returns its schema.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from yiwang.onestop import forms, services
from yiwang.onestop.schemas import (
    ApplicationPage,
    ApplicationRead,
    CommitmentCheck,
    CommitmentPage,
    CommitmentRead,
    CommitmentSign,
    CorrectionRequest,
    DecisionRequest,
    DecisionResult,
    DraftSave,
    MaterialRead,
    RatingRequest,
    Savings,
    StartRequest,
    SubmitRequest,
)
from yiwang.ratings.schemas import RatingRead
from yiwang.web import listing
from yiwang.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/onestop", tags=["onestop"])

Paging = Annotated[listing.PageArgs, Depends(listing.paging(default_size=20, max_size=100, max_page=100_000))]


@router.post("/applications", status_code=201, summary="发起申请（预填表单、免提交材料）")
def start(body: StartRequest, session: SessionDep, actor: ActorDep) -> ApplicationRead:
    """Start a pre-filled draft for an item or a 一件事 bundle."""
    return services.start_application(session, actor=actor, item_code=body.item_code, bundle_code=body.bundle_code)


@router.get("/applications", summary="我的申请")
def mine(
    session: SessionDep,
    actor: ActorDep,
    paging: Paging,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> ApplicationPage:
    """The caller's own applications, newest first."""
    return services.list_my_applications(session, actor=actor, status=status, **paging)


@router.get("/applications/{application_id}", summary="申请详情（含办理进度）")
def get(application_id: int, session: SessionDep, actor: ActorDep) -> ApplicationRead:
    """One application with its materials, items, 补正 and timeline."""
    return services.get_application(session, actor=actor, application_id=application_id)


@router.put("/applications/{application_id}/draft", summary="保存草稿（自动保存）")
def save(application_id: int, body: DraftSave, session: SessionDep, actor: ActorDep) -> ApplicationRead:
    """Autosave the form; 409 when another tab saved first."""
    return services.save_draft(
        session,
        actor=actor,
        application_id=application_id,
        form_data=body.form_data,
        expected_version=body.expected_version,
    )


@router.post("/applications/{application_id}/materials/{material_code}", summary="上传材料")
async def upload(
    application_id: int, material_code: str, session: SessionDep, actor: ActorDep, file: Annotated[UploadFile, File()]
) -> MaterialRead:
    """Upload one material (PDF/JPG/PNG/OFD, ≤ 10 MB, checked by content)."""
    content = await file.read(services.MAX_UPLOAD_BYTES + 1)
    return services.upload_material(
        session,
        actor=actor,
        application_id=application_id,
        material_code=material_code,
        file_name=file.filename or "upload",
        content_type=(file.content_type or "").split(";")[0].strip(),
        content=content,
    )


@router.post("/applications/{application_id}/commitments", summary="签署告知承诺")
def sign(application_id: int, body: CommitmentSign, session: SessionDep, actor: ActorDep) -> CommitmentRead:
    """Sign the item's commitment (must agree)."""
    if not body.agree:
        return JSONResponse(  # type: ignore[return-value]
            status_code=422,
            content={"detail": [{"code": "invalid", "field": "agree", "message": "请阅读并勾选同意告知承诺内容"}]},
        )
    return services.sign_commitment(session, actor=actor, application_id=application_id, item_code=body.item_code)


@router.post("/applications/{application_id}/submit", summary="提交申请（幂等；秒批事项即时办结）")
def submit(application_id: int, body: SubmitRequest, session: SessionDep, actor: ActorDep) -> ApplicationRead:
    """Submit or resubmit; form errors come back field by field (422)."""
    try:
        return services.submit_application(
            session,
            actor=actor,
            application_id=application_id,
            form_data=body.form_data,
            expected_version=body.expected_version,
            commitments=body.commitments,
        )
    except forms.FormErrors as exc:
        return JSONResponse(status_code=422, content={"detail": exc.details()})  # type: ignore[return-value]


@router.post("/applications/{application_id}/rating", status_code=201, summary="评价服务（好差评）")
def rate(application_id: int, body: RatingRequest, session: SessionDep, actor: ActorDep) -> RatingRead:
    """Rate a completed application once."""
    return services.rate_application(
        session,
        actor=actor,
        application_id=application_id,
        level=body.level,
        comment=body.comment,
        indicators=body.indicators,
    )


@router.get("/queue", summary="部门办件队列")
def queue(
    *,
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool = False,
    paging: Paging,
) -> ApplicationPage:
    """Applications the caller's department handles, filtered, searched and paged."""
    return services.department_queue(session, actor=actor, status=status, q=q, code=code, overdue=overdue, **paging)


@router.get("/queue.csv", summary="导出办件队列（CSV）")
def queue_csv(
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The queue as CSV, applicant names masked."""
    rows = list(services.export_queue_csv(session, actor=actor, status=status, q=q, code=code))
    return listing.csv_download(rows, filename="onestop-queue.csv")


@router.post("/applications/{application_id}/accept", summary="受理")
def accept(application_id: int, body: DecisionRequest, session: SessionDep, actor: ActorDep) -> DecisionResult:
    """The department accepts its item (409 when someone acted first)."""
    return services.accept_item(
        session, actor=actor, application_id=application_id, item_code=body.item_code, comment=body.comment
    )


@router.post("/applications/{application_id}/approve", summary="准予")
def approve(application_id: int, body: DecisionRequest, session: SessionDep, actor: ActorDep) -> DecisionResult:
    """Approve the department's item; its certificate is issued."""
    return services.approve_item(
        session, actor=actor, application_id=application_id, item_code=body.item_code, comment=body.comment
    )


@router.post("/applications/{application_id}/reject", summary="不予（须填写原因）")
def reject(application_id: int, body: DecisionRequest, session: SessionDep, actor: ActorDep) -> DecisionResult:
    """Reject the department's item with a reason."""
    return services.reject_item(
        session, actor=actor, application_id=application_id, item_code=body.item_code, reason=body.reason
    )


@router.post("/applications/{application_id}/correction", summary="要求补正")
def correction(application_id: int, body: CorrectionRequest, session: SessionDep, actor: ActorDep) -> DecisionResult:
    """Ask the applicant to fix the named fields and materials."""
    return services.request_correction(
        session,
        actor=actor,
        application_id=application_id,
        item_code=body.item_code,
        reason=body.reason,
        fields=body.fields,
        materials=body.materials,
    )


@router.get("/post-checks", summary="告知承诺事后核查任务")
def post_checks(
    *,
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=16)] = "pending_check",
    due_only: bool = False,
    paging: Paging,
) -> CommitmentPage:
    """Commitments the caller's department must check, earliest due first."""
    return services.list_post_checks(session, actor=actor, status=status, due_only=due_only, **paging)


@router.post("/post-checks/{commitment_id}", summary="记录核查结果（不实则撤销证照）")
def check(commitment_id: int, body: CommitmentCheck, session: SessionDep, actor: ActorDep) -> CommitmentRead:
    """Record the finding; a false commitment revokes the certificate and notifies the applicant."""
    return services.record_commitment_check(
        session, actor=actor, commitment_id=commitment_id, truthful=body.truthful, finding=body.finding
    )


@router.get("/savings/{code}", summary="四个减（减环节、减时间、减材料、减跑动）")
def savings(code: str, session: SessionDep, actor: ActorDep) -> Savings:
    """四个减 of an item or bundle from its completed applications."""
    del actor  # any logged-in user may see the aggregate figures
    return services.savings(session, item_or_bundle_code=code)
