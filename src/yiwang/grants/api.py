"""HTTP JSON API of the grants ledger (惠企资金).

Ledger queries, confirmation, approval, batches, instructions, payment results, disclosure and performance.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from yiwang.grants import files, services
from yiwang.grants.schemas import (
    AccountConfirmation,
    ApprovalReport,
    ApprovalRequest,
    BatchRead,
    BatchRequest,
    BatchRunReport,
    CancelRequest,
    CreateReport,
    DisclosurePage,
    GrantDetail,
    GrantPage,
    GrantRead,
    InstructionFile,
    PaymentResults,
    PolicyPerformance,
    ResultReport,
    RetryRequest,
    StateCount,
)
from yiwang.kernel.errors import ValidationError
from yiwang.web import listing
from yiwang.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/grants", tags=["grants"])

LedgerPaging = Annotated[listing.PageArgs, Depends(listing.paging(default_size=20, max_size=services.MAX_PAGE_SIZE))]
DisclosurePaging = Annotated[
    listing.PageArgs, Depends(listing.paging(default_size=50, max_size=services.MAX_PAGE_SIZE))
]


@router.get("", summary="资金台账")
def list_grants(
    *,
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=12)] = None,
    policy_id: Annotated[str | None, Query(max_length=64)] = None,
    subject_code: Annotated[str | None, Query(max_length=18)] = None,
    batch_id: int | None = None,
    paging: LedgerPaging,
) -> GrantPage:
    """Grants the caller may see (department: its policies; enterprise/person: their own), newest first."""
    return services.list_grants(
        session,
        actor=actor,
        q=q,
        state=state,
        policy_id=policy_id,
        subject_code=subject_code,
        batch_id=batch_id,
        **paging,
    )


@router.get("/pipeline", summary="各状态笔数与金额")
def pipeline(session: SessionDep, actor: ActorDep, policy_id: str | None = None) -> list[StateCount]:
    """Count and amount per state of the grants the caller may see."""
    return services.pipeline(session, actor=actor, policy_id=policy_id)


@router.post("/from-policy/{policy_id}", status_code=201, summary="由匹配结果生成资金记录")
def from_policy(policy_id: str, session: SessionDep, actor: ActorDep) -> CreateReport:
    """Create the grants of a published policy's payable matches (idempotent; funding department or platform)."""
    return services.create_grants_for_policy(session, actor=actor, policy_id=policy_id)


@router.post("/approve", summary="审核")
def approve(body: ApprovalRequest, session: SessionDep, actor: ActorDep) -> ApprovalReport:
    """Approve grants (the ids, or all approvable ones of a policy), each within the policy's budget."""
    return services.approve_grants(
        session, actor=actor, grant_ids=body.grant_ids, policy_id=body.policy_id, note=body.note
    )


@router.get("/batches", summary="付款批次")
def list_batches(session: SessionDep, actor: ActorDep, page: Annotated[int, Query(ge=1)] = 1) -> list[BatchRead]:
    """Payment batches of the caller's department, newest first."""
    return services.list_batches(session, actor=actor, page=page)


@router.post("/batches", status_code=201, summary="生成付款批次")
def create_batch(body: BatchRequest, request: Request, actor: ActorDep) -> BatchRunReport:
    """Claim the department's approved grants into a sealed batch (safe to repeat; never claims a grant twice)."""
    department = body.funding_department or actor.department
    if not department:
        raise ValidationError("请指定资金主管部门", field="funding_department")
    factory = request.app.state.session_factory
    return services.run_batch_job(factory, actor=actor, funding_department=department, policy_id=body.policy_id)


@router.get("/batches/{batch_id}/instructions", summary="支付指令")
def batch_instructions(
    batch_id: int,
    session: SessionDep,
    actor: ActorDep,
    format: Annotated[str, Query(pattern="^(json|csv|xml)$")] = "json",  # noqa: A002 - the query parameter's name
) -> Response:
    """The batch's payment instructions (JSON, or the finance system's CSV/XML file) with control totals."""
    data: InstructionFile = services.instructions(session, actor=actor, batch_id=batch_id)
    if format == "csv":
        return listing.csv_download(files.instructions_csv(data), filename=f"{data.batch.batch_no}.csv")
    if format == "xml":
        return PlainTextResponse(files.instructions_xml(data), media_type="application/xml")
    return Response(data.model_dump_json(), media_type="application/json")


@router.post("/payments", summary="登记支付结果（财政回调）")
def record_payments(body: PaymentResults, session: SessionDep, actor: ActorDep) -> ResultReport:
    """Record results keyed by idempotency key (+ attempt); repeats are no-ops, contradictions are refused."""
    return services.record_payment_results(session, actor=actor, results=body.results)


@router.get("/disclosure", summary="资金公示")
def disclosure(
    *,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    policy_id: Annotated[str | None, Query(max_length=64)] = None,
    paging: DisclosurePaging,
) -> DisclosurePage:
    """Paid grants for public disclosure (public; persons masked)."""
    return services.disclosure(session, q=q, policy_id=policy_id, **paging)


@router.get("/disclosure.csv", summary="资金公示 CSV")
def disclosure_csv(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    policy_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The disclosure list as CSV (UTF-8 with BOM)."""
    rows = services.export_disclosure_csv(session, q=q, policy_id=policy_id)
    return listing.csv_download(rows, filename="grants-disclosure.csv")


@router.get("/performance", summary="各政策绩效")
def performance_all(session: SessionDep, actor: ActorDep) -> list[PolicyPerformance]:
    """Paid against budget per policy the caller may see."""
    return services.list_budgets(session, actor=actor)


@router.get("/performance/{policy_id}", summary="政策绩效")
def performance(policy_id: str, session: SessionDep, actor: ActorDep) -> PolicyPerformance:
    """Paid against budget, beneficiaries, by district and industry, for one policy."""
    return services.performance(session, actor=actor, policy_id=policy_id)


@router.get("/{grant_id}", summary="资金记录详情")
def get_grant(grant_id: int, session: SessionDep, actor: ActorDep) -> GrantDetail:
    """One grant with its history."""
    return services.get_grant(session, actor=actor, grant_id=grant_id)


@router.post("/{grant_id}/confirm", summary="确认收款账户")
def confirm(grant_id: int, body: AccountConfirmation, session: SessionDep, actor: ActorDep) -> GrantRead:
    """The subject confirms the bank account (即申即享) or applies (快申快享)."""
    return services.confirm_account(
        session,
        actor=actor,
        grant_id=grant_id,
        payee_account=body.payee_account,
        payee_bank=body.payee_bank,
        row_version=body.row_version,
    )


@router.post("/{grant_id}/cancel", summary="撤销")
def cancel(grant_id: int, body: CancelRequest, session: SessionDep, actor: ActorDep) -> GrantRead:
    """Cancel a grant not yet sent for payment (its budget reservation is released)."""
    return services.cancel_grant(
        session, actor=actor, grant_id=grant_id, reason=body.reason, row_version=body.row_version
    )


@router.post("/{grant_id}/retry", summary="重新支付")
def retry(grant_id: int, body: RetryRequest, session: SessionDep, actor: ActorDep) -> GrantRead:
    """Send a failed payment again (same idempotency key, next attempt), optionally to a corrected account."""
    return services.retry_grant(
        session,
        actor=actor,
        grant_id=grant_id,
        payee_account=body.payee_account,
        payee_bank=body.payee_bank,
        row_version=body.row_version,
    )
