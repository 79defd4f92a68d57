"""Grants ledger use cases: from a policy match to a paid grant, idempotent end to end.

* **Matches → grants**: one row per (policy, subject, instalment), inserted with ``ON CONFLICT DO NOTHING`` so
  repeated or concurrent runs create each grant once. Subjects who must act (即申即享, 快申快享, or 免申即享
  without a known account) are notified in the same transaction (transactional outbox).
* **Transitions** are conditional updates on ``row_version``: a concurrent change answers 409, never a lost update.
* **Budget**: approving reserves the amount with ``UPDATE … SET committed = committed + x WHERE committed + x <=
  budget`` — concurrent approvals together can never exceed the budget, whatever the rule.
* **Batches** (:func:`run_batch_job`): a run claims approved grants one at a time (``state = 'approved'`` in the
  ``WHERE``), writing the instruction in the same short transaction, so a run killed at any point leaves every
  grant either claimed with its instruction or still approved. A rerun adopts the dead run's batch once its lease
  has expired and seals it. Every instruction carries the grant's idempotency key.
* **Results** are keyed by idempotency key and attempt: a repeated callback is a no-op, a contradicting one is a
  conflict, and a grant is marked paid only once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from yiwang.db import as_utc, utcnow
from yiwang.grants import access, ledger, notices
from yiwang.grants.ledger import BudgetRule, GrantState, InstructionLine, Mode
from yiwang.grants.models import Grant, GrantEvent, PaymentBatch, PaymentInstruction, PolicyBudget
from yiwang.grants.schemas import (
    ApprovalReport,
    BatchRead,
    BatchRunReport,
    Bucket,
    CreateReport,
    DisclosurePage,
    DisclosureRow,
    GrantDetail,
    GrantEventRead,
    GrantMatch,
    GrantPage,
    GrantRead,
    InstructionFile,
    InstructionRead,
    PaymentResult,
    PolicyPerformance,
    PolicyTerms,
    ResultReport,
    StateCount,
)
from yiwang.identity import access as identity_access
from yiwang.identity import scopes
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.kernel.masking import mask_id_number, mask_name
from yiwang.logs import get_logger

__all__ = [
    "approve_grants",
    "cancel_grant",
    "confirm_account",
    "disclosure",
    "get_grant",
    "instructions",
    "list_batches",
    "list_grants",
    "performance",
    "pipeline",
    "record_matches",
    "record_payment_results",
    "retry_grant",
    "run_batch_job",
]

MAX_PAGE_SIZE = 200
BATCH_LEASE = dt.timedelta(minutes=5)
"""How long a batch run holds its batch without progress before a rerun may adopt it."""

BATCH_STATUS_LABELS = {"building": "生成中", "sealed": "已封包待支付", "settled": "已全部回单"}
INDUSTRY_LABELS = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

_RESULT_LABELS = {"paid": "已到账", "failed": "失败"}

log = get_logger("yiwang.grants")


# --- helpers -------------------------------------------------------------------------------------------------


def _conflict() -> ConflictError:
    return ConflictError("该资金记录已被他人处理，请刷新后重试", field="row_version")


def _page_bounds(page: int, page_size: int) -> tuple[int, int]:
    return max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)


def _check_account(value: str) -> str:
    text = "".join((value or "").split())
    if not text.isdigit() or not 8 <= len(text) <= 30:  # noqa: PLR2004 - bank account numbers: 8–30 digits
        raise ValidationError("收款银行账号应为 8 至 30 位数字", field="payee_account")
    return text


def _check_bank(value: str) -> str:
    text = (value or "").strip()
    if not 2 <= len(text) <= 64:  # noqa: PLR2004 - a bank's name
        raise ValidationError("请填写开户银行（2 至 64 个字）", field="payee_bank")
    return text


def _mask_account(value: str | None) -> str:
    if not value:
        return ""
    return "*" * max(0, len(value) - 4) + value[-4:]


def _event(  # noqa: PLR0917 - one history row, fields in call order
    session: Session, grant_id: int, actor: Actor, from_state: str | None, to_state: str, note: str = ""
) -> None:
    session.add(GrantEvent(grant_id=grant_id, actor_id=actor.id, from_state=from_state, to_state=to_state, note=note))


def _read(grant: Grant, actor: Actor) -> GrantRead:
    clear = access.sees_personal_data(actor, grant)
    state = GrantState(grant.state)
    mode = Mode(grant.mode)
    has_account = bool(grant.payee_account)
    return GrantRead(
        id=grant.id,
        idempotency_key=grant.idempotency_key
        if clear
        else grant.idempotency_key.replace(grant.subject_code, mask_id_number(grant.subject_code)),
        policy_id=grant.policy_id,
        policy_version=grant.policy_version,
        policy_name=grant.policy_name,
        mode=mode.value,
        mode_label=mode.label,
        funding_department=grant.funding_department,
        subject_kind=grant.subject_kind,
        subject_code=grant.subject_code if clear else mask_id_number(grant.subject_code),
        subject_name=grant.subject_name if clear else mask_name(grant.subject_name),
        district_code=grant.district_code,
        industry=grant.industry,
        size_class=grant.size_class,
        instalment=grant.instalment,
        award_year=grant.award_year,
        matched_amount=grant.matched_amount,
        amount=grant.amount,
        state=state.value,
        state_label=state.label,
        state_tone=state.tone,
        payee_account_masked=_mask_account(grant.payee_account),
        payee_bank=grant.payee_bank,
        batch_id=grant.batch_id,
        attempts=grant.attempts,
        paid_reference=grant.paid_reference,
        paid_on=grant.paid_on,
        failure_reason=grant.failure_reason,
        note=grant.note,
        matched_at=as_utc(grant.matched_at),
        approved_at=as_utc(grant.approved_at) if grant.approved_at else None,
        row_version=grant.row_version,
        needs_account=state in {GrantState.NOTIFIED, GrantState.MATCHED} and not has_account,
        can_approve=ledger.can_approve(state, mode, has_account=has_account),
    )


def _load(session: Session, *, actor: Actor, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id, populate_existing=True)
    if grant is None:
        raise NotFoundError("未找到该资金记录", field="grant_id")
    identity_access.authorize(actor, access.grant_ref(grant), "read", not_found="未找到该资金记录")
    return grant


def _require_write(actor: Actor, grant: Grant) -> None:
    identity_access.authorize(actor, access.grant_ref(grant), "write", not_found="未找到该资金记录")


def _require_department(actor: Actor, department: str) -> None:
    identity_access.authorize(actor, access.department_ref(department), "write", not_found="未找到该部门的资金")


def _transition(
    session: Session,
    grant: Grant,
    *,
    actor: Actor,
    to_state: GrantState,
    from_states: Iterable[GrantState],
    seen_version: int | None = None,
    event_note: str = "",
    **values: Any,
) -> None:
    """Move a grant conditionally (state and row version as seen); a concurrent change answers 409."""
    version = grant.row_version if seen_version is None else seen_version
    allowed = [state.value for state in from_states]
    result = session.execute(
        update(Grant)
        .where(Grant.id == grant.id, Grant.row_version == version, Grant.state.in_(allowed))
        .values(state=to_state.value, row_version=Grant.row_version + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise _conflict()
    _event(session, grant.id, actor, grant.state, to_state.value, event_note)


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise _conflict() from exc


# --- matches → grants ----------------------------------------------------------------------------------------


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert grant rows, skipping those whose (policy, subject, instalment) exists; return the new ids."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    ids: list[int] = []
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        stmt = module.insert(Grant).values(chunk).on_conflict_do_nothing().returning(Grant.id)
        ids.extend(session.scalars(stmt))
    return ids


def _known_accounts(session: Session, subject_codes: Sequence[str]) -> dict[str, tuple[str, str]]:
    """The last confirmed payee account of each subject in the ledger (reused for 免申即享)."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(subject_codes), 500):
        chunk = subject_codes[start : start + 500]
        rows = session.execute(
            select(Grant.subject_code, Grant.payee_account, Grant.payee_bank)
            .where(Grant.subject_code.in_(chunk), Grant.payee_account.is_not(None))
            .order_by(Grant.updated_at)
        )
        for code, account, bank in rows:
            found[code] = (account or "", bank or "")
    return found


def _upsert_budget(session: Session, terms: PolicyTerms) -> None:
    budget = session.scalars(select(PolicyBudget).where(PolicyBudget.policy_id == terms.policy_id)).one_or_none()
    if budget is None:
        session.add(
            PolicyBudget(
                policy_id=terms.policy_id,
                policy_version=terms.policy_version,
                policy_name=terms.policy_name,
                funding_department=terms.funding_department,
                budget=ledger.money(terms.budget),
                rule=BudgetRule(terms.rule).value,
                committed=Decimal(0),
                paid=Decimal(0),
            )
        )
        try:
            session.flush()
        except IntegrityError:  # a concurrent run registered it first: update below
            session.rollback()
            return _upsert_budget(session, terms)
        return None
    budget.policy_version = terms.policy_version
    budget.policy_name = terms.policy_name
    budget.funding_department = terms.funding_department
    budget.budget = ledger.money(terms.budget)
    budget.rule = BudgetRule(terms.rule).value
    budget.updated_at = utcnow()
    return None


def record_matches(
    session: Session, *, actor: Actor, terms: PolicyTerms, matches: Sequence[GrantMatch]
) -> CreateReport:
    """Turn payable matches into grants (idempotent: existing (policy, subject, instalment) rows are kept).

    With the first-come rule, matches are taken in ``order_key`` order and those beyond the budget are recorded
    as cancelled with the reason, so the subject is told. Subjects who must act are notified in this transaction.
    """
    _require_department(actor, terms.funding_department)
    rule = BudgetRule(terms.rule)
    notices.ensure_templates(session)
    _upsert_budget(session, terms)
    ordered = sorted(matches, key=lambda m: (m.order_key, m.subject_code, m.instalment))
    for match in ordered:
        if match.amount <= 0:
            raise ValidationError(f"{match.subject_name} 的奖补金额应大于 0", field="amount")
        if match.subject_kind not in {"enterprise", "person"}:
            raise ValidationError("受益对象类型应为 enterprise 或 person", field="subject_kind")
    existing_total = session.scalar(
        select(func.coalesce(func.sum(Grant.amount), 0)).where(
            Grant.policy_id == terms.policy_id, Grant.state != GrantState.CANCELLED.value
        )
    )
    running = Decimal(existing_total or 0)
    known = _known_accounts(session, [m.subject_code for m in ordered])
    now = utcnow()
    rows: list[dict[str, Any]] = []
    over_budget = 0
    for match in ordered:
        amount = ledger.money(match.amount)
        account: str | None = match.payee_account
        bank = match.payee_bank or ""
        if not account and match.subject_code in known:
            account, bank = known[match.subject_code]
        mode = ledger.parse_mode(match.mode)
        state = (
            GrantState.NOTIFIED if ledger.needs_confirmation(mode, has_account=bool(account)) else GrantState.MATCHED
        )
        note = ""
        if rule is BudgetRule.FIRST_COME and running + amount > terms.budget:
            state, note = GrantState.CANCELLED, "预算已用完（先到先得），未能安排"
            over_budget += 1
        else:
            running += amount
        rows.append(
            {
                "idempotency_key": ledger.grant_key(
                    terms.policy_id, terms.policy_version, match.subject_code, match.instalment
                ),
                "policy_id": terms.policy_id,
                "policy_version": terms.policy_version,
                "policy_name": terms.policy_name,
                "mode": mode.value,
                "funding_department": terms.funding_department,
                "subject_kind": match.subject_kind,
                "subject_code": match.subject_code,
                "subject_name": match.subject_name,
                "district_code": match.district_code,
                "industry": match.industry,
                "size_class": match.size_class,
                "instalment": match.instalment,
                "award_year": match.award_year,
                "matched_amount": amount,
                "amount": amount,
                "state": state.value,
                "payee_account": account or None,
                "payee_bank": bank or None,
                "payee_name": match.subject_name,
                "attempts": 0,
                "note": note,
                "order_key": match.order_key[:64],
                "matched_at": now,
                "updated_at": now,
                "row_version": 1,
            }
        )
    new_ids = _insert_ignoring_duplicates(session, rows)
    notified = ready = 0
    created_over_budget = 0
    for grant in session.scalars(select(Grant).where(Grant.id.in_(new_ids))) if new_ids else []:
        _event(session, grant.id, actor, None, GrantState.MATCHED.value, "由政策匹配结果生成")
        if grant.state == GrantState.NOTIFIED.value:
            _event(session, grant.id, actor, GrantState.MATCHED.value, grant.state, "已通知受益对象确认")
            notices.grant_matched(session, grant=grant)
            notified += 1
        elif grant.state == GrantState.CANCELLED.value:
            _event(session, grant.id, actor, GrantState.MATCHED.value, grant.state, grant.note)
            created_over_budget += 1
        else:
            ready += 1
    session.commit()
    log.info("grants_recorded", policy=terms.policy_id, created=len(new_ids), matches=len(rows))
    return CreateReport(
        policy_id=terms.policy_id,
        created=len(new_ids),
        existing=len(rows) - len(new_ids),
        notified=notified,
        ready=ready,
        over_budget=created_over_budget,
    )


# --- subject acts --------------------------------------------------------------------------------------------


def confirm_account(
    session: Session,
    *,
    actor: Actor,
    grant_id: int,
    payee_account: str,
    payee_bank: str,
    row_version: int | None = None,
) -> GrantRead:
    """The subject confirms the bank account (即申即享) or applies (快申快享); the grant awaits approval."""
    grant = _load(session, actor=actor, grant_id=grant_id)
    if not (access.is_subject(actor, grant) or access.sees_everything(actor)):
        raise PermissionDeniedError("只有受益企业（个人）本人可以确认收款账户", field="grant_id")
    account, bank = _check_account(payee_account), _check_bank(payee_bank)
    state = GrantState(grant.state)
    if state not in {GrantState.MATCHED, GrantState.NOTIFIED}:
        raise ConflictError(f"该资金当前状态为“{state.label}”，不能再确认收款账户", field="state")
    _transition(
        session,
        grant,
        actor=actor,
        to_state=GrantState.CONFIRMED,
        from_states=(GrantState.MATCHED, GrantState.NOTIFIED),
        seen_version=row_version,
        event_note="受益对象确认收款账户" if grant.mode != Mode.APPLY.value else "受益对象提交申请并确认收款账户",
        payee_account=account,
        payee_bank=bank,
    )
    _commit(session)
    session.refresh(grant)
    return _read(grant, actor)


# --- department acts -----------------------------------------------------------------------------------------


def _reserve(session: Session, grant: Grant) -> bool:
    """Reserve the grant's amount against its policy's budget; False when it does not fit."""
    result = session.execute(
        update(PolicyBudget)
        .where(
            PolicyBudget.policy_id == grant.policy_id,
            PolicyBudget.committed + grant.amount <= PolicyBudget.budget,
        )
        .values(committed=PolicyBudget.committed + grant.amount, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _release(session: Session, grant: Grant) -> None:
    session.execute(
        update(PolicyBudget)
        .where(PolicyBudget.policy_id == grant.policy_id)
        .values(committed=PolicyBudget.committed - grant.amount, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def approve_grants(
    session: Session,
    *,
    actor: Actor,
    grant_ids: Sequence[int] = (),
    policy_id: str | None = None,
    note: str = "",
) -> ApprovalReport:
    """Approve grants of the actor's department (the ids given, or every approvable grant of a policy).

    Grants are approved in first-come order, each reserving its amount against the policy's budget: one that
    would exceed the budget is skipped with the reason, never approved. Each grant is its own transaction, so a
    concurrent approval of the same grant shows up as "already handled", not as a double reservation.
    """
    if not grant_ids and not policy_id:
        raise ValidationError("请选择要审核的资金记录或政策", field="grant_ids")
    query = select(Grant).where(access.scope_condition(actor))
    if grant_ids:
        query = query.where(Grant.id.in_(list(grant_ids)))
    if policy_id:
        query = query.where(Grant.policy_id == policy_id)
    ordered = query.order_by(Grant.order_key, Grant.id).execution_options(populate_existing=True)
    candidates = list(session.scalars(ordered))
    if grant_ids and len(candidates) < len(set(grant_ids)):
        raise NotFoundError("部分资金记录不存在或不在您的权限范围内", field="grant_ids")
    approved, amount, skipped = 0, Decimal(0), []
    for grant in candidates:
        _require_write(actor, grant)
        state, mode = GrantState(grant.state), Mode(grant.mode)
        who = mask_name(grant.subject_name) if grant.subject_kind == "person" else grant.subject_name
        label = f"{grant.policy_name}·{who}"
        if not ledger.can_approve(state, mode, has_account=bool(grant.payee_account)):
            if grant_ids:
                skipped.append(f"{label}：当前状态“{state.label}”不能审核")
            continue
        if not _reserve(session, grant):
            session.rollback()
            skipped.append(f"{label}：超出政策预算，未审核")
            continue
        try:
            _transition(
                session,
                grant,
                actor=actor,
                to_state=GrantState.APPROVED,
                from_states=(GrantState.CONFIRMED, GrantState.MATCHED),
                event_note=note or "审核通过",
                approved_at=utcnow(),
                approved_by=actor.id,
            )
        except ConflictError:
            skipped.append(f"{label}：已被他人处理")
            continue
        session.commit()
        approved += 1
        amount += grant.amount
    return ApprovalReport(approved=approved, amount=ledger.money(amount), skipped=skipped)


def cancel_grant(
    session: Session, *, actor: Actor, grant_id: int, reason: str, row_version: int | None = None
) -> GrantRead:
    """Cancel a grant that has not been sent for payment (its reservation, if any, is released)."""
    grant = _load(session, actor=actor, grant_id=grant_id)
    _require_write(actor, grant)
    text = (reason or "").strip()
    if len(text) < 2:  # noqa: PLR2004
        raise ValidationError("请填写撤销原因", field="reason")
    state = GrantState(grant.state)
    if state not in ledger.CANCELLABLE and state is not GrantState.FAILED:
        raise ConflictError(f"该资金当前状态为“{state.label}”，不能撤销", field="state")
    if state in {GrantState.APPROVED, GrantState.FAILED}:
        _release(session, grant)
    _transition(
        session,
        grant,
        actor=actor,
        to_state=GrantState.CANCELLED,
        from_states=(state,),
        seen_version=row_version,
        event_note=text,
        note=text[:200],
    )
    _commit(session)
    session.refresh(grant)
    return _read(grant, actor)


def retry_grant(
    session: Session,
    *,
    actor: Actor,
    grant_id: int,
    payee_account: str | None = None,
    payee_bank: str | None = None,
    row_version: int | None = None,
) -> GrantRead:
    """Send a failed payment again (next batch, next attempt, same idempotency key), optionally to a new account."""
    grant = _load(session, actor=actor, grant_id=grant_id)
    _require_write(actor, grant)
    if grant.state != GrantState.FAILED.value:
        raise ConflictError(f"只有拨付失败的资金可以重新支付（当前：{GrantState(grant.state).label}）", field="state")
    values: dict[str, Any] = {"batch_id": None, "failure_reason": None}
    if payee_account:
        values["payee_account"] = _check_account(payee_account)
        values["payee_bank"] = _check_bank(payee_bank or grant.payee_bank or "")
    _transition(
        session,
        grant,
        actor=actor,
        to_state=GrantState.APPROVED,
        from_states=(GrantState.FAILED,),
        seen_version=row_version,
        event_note="重新支付" + ("（更正收款账户）" if payee_account else ""),
        **values,
    )
    _commit(session)
    session.refresh(grant)
    return _read(grant, actor)


# --- payment batches -----------------------------------------------------------------------------------------


def _batch_read(batch: PaymentBatch, counts: dict[str, int] | None = None) -> BatchRead:
    counts = counts or {}
    return BatchRead(
        id=batch.id,
        batch_no=batch.batch_no,
        funding_department=batch.funding_department,
        policy_id=batch.policy_id,
        status=batch.status,
        status_label=BATCH_STATUS_LABELS.get(batch.status, batch.status),
        item_count=batch.item_count,
        total_amount=batch.total_amount,
        checksum=batch.checksum,
        created_by=batch.created_by,
        created_at=as_utc(batch.created_at),
        sealed_at=as_utc(batch.sealed_at) if batch.sealed_at else None,
        paid_count=counts.get("paid", 0),
        failed_count=counts.get("failed", 0),
    )


def _adopt_or_open(
    factory: sessionmaker[Session],
    *,
    actor: Actor,
    department: str,
    policy_id: str | None,
    owner: str,
    lease: dt.timedelta,
) -> tuple[int, bool]:
    """A batch this run holds: a dead run's building batch (lease expired) or a new one. Returns (id, adopted)."""
    now = utcnow()
    with factory() as session:
        stale = session.scalars(
            select(PaymentBatch.id)
            .where(
                PaymentBatch.status == "building",
                PaymentBatch.funding_department == department,
                or_(PaymentBatch.lease_until.is_(None), PaymentBatch.lease_until < now),
            )
            .order_by(PaymentBatch.id)
        ).all()
        for batch_id in stale:
            taken = session.execute(
                update(PaymentBatch)
                .where(
                    PaymentBatch.id == batch_id,
                    PaymentBatch.status == "building",
                    or_(PaymentBatch.lease_until.is_(None), PaymentBatch.lease_until < now),
                )
                .values(lease_owner=owner, lease_until=now + lease)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                log.info("grants_batch_adopted", batch=batch_id, owner=owner)
                return batch_id, True
        batch = PaymentBatch(
            batch_no=f"GB{now:%Y%m%d}-{department}-{uuid.uuid4().hex[:8]}",
            funding_department=department,
            policy_id=policy_id,
            status="building",
            item_count=0,
            total_amount=Decimal(0),
            created_by=actor.id,
            created_at=now,
            lease_owner=owner,
            lease_until=now + lease,
        )
        session.add(batch)
        session.commit()
        return batch.id, False


def _claim(session: Session, *, grant_id: int, batch_id: int, owner: str, actor: Actor, lease: dt.timedelta) -> bool:
    """Claim one approved grant into the batch with its instruction, in one short transaction."""
    now = utcnow()
    still_ours = session.execute(
        update(PaymentBatch)
        .where(PaymentBatch.id == batch_id, PaymentBatch.lease_owner == owner, PaymentBatch.status == "building")
        .values(lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    if still_ours.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise ConflictError("付款批次已被其他任务接管", field="batch_id")
    claimed = session.execute(
        update(Grant)
        .where(Grant.id == grant_id, Grant.state == GrantState.APPROVED.value)
        .values(
            state=GrantState.IN_BATCH.value,
            batch_id=batch_id,
            attempts=Grant.attempts + 1,
            row_version=Grant.row_version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return False
    grant = session.execute(select(Grant).where(Grant.id == grant_id).execution_options(populate_existing=True))
    row = grant.scalar_one()
    session.add(
        PaymentInstruction(
            batch_id=batch_id,
            grant_id=row.id,
            attempt=row.attempts,
            idempotency_key=row.idempotency_key,
            payee_name=row.payee_name or row.subject_name,
            payee_account=row.payee_account or "",
            payee_bank=row.payee_bank or "",
            amount=row.amount,
            policy_id=row.policy_id,
            purpose=f"{row.policy_name} 第{row.instalment}期",
            created_at=now,
        )
    )
    _event(session, row.id, actor, GrantState.APPROVED.value, GrantState.IN_BATCH.value, f"纳入付款批次 #{batch_id}")
    try:
        session.commit()
    except IntegrityError:
        # The same (grant, attempt) instruction exists: another run claimed it first; nothing changed.
        session.rollback()
        return False
    return True


def _seal(session: Session, *, batch_id: int, owner: str) -> PaymentBatch | None:
    """Compute control totals and checksum and seal the batch; an empty batch is removed."""
    lines = _instruction_lines(session, batch_id)
    if not lines:
        session.execute(delete(PaymentBatch).where(PaymentBatch.id == batch_id, PaymentBatch.lease_owner == owner))
        session.commit()
        return None
    count, total = ledger.control_total(lines)
    session.execute(
        update(PaymentBatch)
        .where(PaymentBatch.id == batch_id, PaymentBatch.status == "building", PaymentBatch.lease_owner == owner)
        .values(
            status="sealed",
            item_count=count,
            total_amount=total,
            checksum=ledger.checksum(lines),
            sealed_at=utcnow(),
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return session.get(PaymentBatch, batch_id, populate_existing=True)


def _instruction_lines(session: Session, batch_id: int) -> list[InstructionLine]:
    rows = session.scalars(
        select(PaymentInstruction).where(PaymentInstruction.batch_id == batch_id).order_by(PaymentInstruction.id)
    )
    return [
        InstructionLine(
            idempotency_key=row.idempotency_key,
            attempt=row.attempt,
            payee_name=row.payee_name,
            payee_account=row.payee_account,
            payee_bank=row.payee_bank,
            amount=ledger.money(row.amount),
            policy_id=row.policy_id,
            purpose=row.purpose,
        )
        for row in rows
    ]


def run_batch_job(
    factory: sessionmaker[Session],
    *,
    actor: Actor = SYSTEM_ACTOR,
    funding_department: str,
    policy_id: str | None = None,
    row_delay_s: float = 0.0,
    lease: dt.timedelta = BATCH_LEASE,
    on_claim: Callable[[int], None] | None = None,
) -> BatchRunReport:
    """Build payment batches of the department's approved grants; safe to kill at any point and to run twice.

    Dead runs' batches are adopted and finished first; then one new batch takes every remaining approved grant.
    ``row_delay_s`` (a test hook) sleeps between claims so a test can kill the process mid-batch.
    """
    _require_department(actor, funding_department)
    owner = f"{actor.id}:{uuid.uuid4().hex[:12]}"
    batches: list[BatchRead] = []
    claimed = adopted = 0
    while True:
        batch_id, was_adopted = _adopt_or_open(
            factory, actor=actor, department=funding_department, policy_id=policy_id, owner=owner, lease=lease
        )
        adopted += int(was_adopted)
        with factory() as session:
            for grant_id in _approved_ids(session, funding_department, policy_id):
                if _claim(session, grant_id=grant_id, batch_id=batch_id, owner=owner, actor=actor, lease=lease):
                    claimed += 1
                    if on_claim is not None:
                        on_claim(grant_id)
                    if row_delay_s:
                        time.sleep(row_delay_s)
            sealed = _seal(session, batch_id=batch_id, owner=owner)
        if sealed is not None:
            batches.append(_batch_read(sealed))
        if not was_adopted:
            break
    log.info("grants_batch_run", department=funding_department, claimed=claimed, adopted=adopted)
    return BatchRunReport(batches=batches, claimed=claimed, adopted=adopted)


def _approved_ids(session: Session, department: str, policy_id: str | None) -> Iterator[int]:
    query = select(Grant.id).where(Grant.state == GrantState.APPROVED.value, Grant.funding_department == department)
    if policy_id:
        query = query.where(Grant.policy_id == policy_id)
    ids = list(session.scalars(query.order_by(Grant.order_key, Grant.id)))
    session.rollback()  # end the read transaction: each claim is its own short transaction
    yield from ids


def _batch_for(session: Session, *, actor: Actor, batch_id: int) -> PaymentBatch:
    batch = session.get(PaymentBatch, batch_id, populate_existing=True)
    if batch is None:
        raise NotFoundError("未找到该付款批次", field="batch_id")
    identity_access.authorize(
        actor, access.department_ref(batch.funding_department), "write", not_found="未找到该付款批次"
    )
    return batch


def list_batches(session: Session, *, actor: Actor, page: int = 1, page_size: int = 20) -> list[BatchRead]:
    """Payment batches of the actor's department (all for platform staff), newest first."""
    page, page_size = _page_bounds(page, page_size)
    query = select(PaymentBatch)
    if not access.sees_everything(actor):
        if not actor.department:
            return []
        query = query.where(PaymentBatch.funding_department == actor.department)
    ordered = query.order_by(PaymentBatch.id.desc()).offset((page - 1) * page_size).limit(page_size)
    batches = list(session.scalars(ordered.execution_options(populate_existing=True)))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if batches:
        rows = session.execute(
            select(PaymentInstruction.batch_id, PaymentInstruction.result, func.count())
            .where(PaymentInstruction.batch_id.in_([b.id for b in batches]), PaymentInstruction.result.is_not(None))
            .group_by(PaymentInstruction.batch_id, PaymentInstruction.result)
        )
        for batch_id, result, count in rows:
            counts[batch_id][str(result)] = count
    return [_batch_read(batch, counts.get(batch.id)) for batch in batches]


def instructions(session: Session, *, actor: Actor, batch_id: int) -> InstructionFile:
    """A sealed batch's payment instructions with count, total and checksum (funding department or platform)."""
    batch = _batch_for(session, actor=actor, batch_id=batch_id)
    if batch.status == "building":
        raise ConflictError("付款批次仍在生成中，请稍后再取指令", field="batch_id")
    rows = list(
        session.scalars(
            select(PaymentInstruction)
            .where(PaymentInstruction.batch_id == batch.id)
            .order_by(PaymentInstruction.id)
            .execution_options(populate_existing=True)
        )
    )
    return InstructionFile(
        batch=_batch_read(batch),
        count=batch.item_count,
        total_amount=batch.total_amount,
        checksum=batch.checksum or "",
        instructions=[
            InstructionRead(
                idempotency_key=row.idempotency_key,
                attempt=row.attempt,
                payee_name=row.payee_name,
                payee_account=row.payee_account,
                payee_bank=row.payee_bank,
                amount=ledger.money(row.amount),
                policy_id=row.policy_id,
                purpose=row.purpose,
                result=row.result,
                result_reference=row.result_reference,
            )
            for row in rows
        ],
    )


# --- payment results -----------------------------------------------------------------------------------------


def _apply_result(  # noqa: C901, PLR0911, PLR0912 - one guard a line, each with its own Chinese reason
    session: Session, *, actor: Actor, result: PaymentResult, report: ResultReport
) -> None:
    query = select(PaymentInstruction).where(PaymentInstruction.idempotency_key == result.idempotency_key)
    if result.attempt is not None:
        query = query.where(PaymentInstruction.attempt == result.attempt)
    fresh = query.order_by(PaymentInstruction.attempt.desc()).limit(1).execution_options(populate_existing=True)
    instruction = session.scalars(fresh).first()
    if instruction is None:
        report.errors.append(f"{result.idempotency_key}：没有对应的付款指令")
        return
    batch = session.get(PaymentBatch, instruction.batch_id)
    if batch is None or not scopes.can_write(actor, access.department_ref(batch.funding_department)):
        report.errors.append(f"{result.idempotency_key}：没有对应的付款指令")
        return
    reference = result.reference.strip()
    if instruction.result is not None:
        if instruction.result == result.status and (instruction.result_reference or "") == reference:
            report.duplicates += 1
            return
        report.errors.append(
            f"{result.idempotency_key}（第{instruction.attempt}次）已登记为“{_RESULT_LABELS[instruction.result]}”，"
            "与本次回单不一致，未更改"
        )
        return
    if result.amount is not None and ledger.money(result.amount) != ledger.money(instruction.amount):
        report.errors.append(
            f"{result.idempotency_key}：回单金额 {ledger.money(result.amount)} 元与指令金额 "
            f"{ledger.money(instruction.amount)} 元不一致"
        )
        return
    if result.status == "paid" and not reference:
        report.errors.append(f"{result.idempotency_key}：到账回单缺少银行流水号")
        return
    now = utcnow()
    marked = session.execute(
        update(PaymentInstruction)
        .where(PaymentInstruction.id == instruction.id, PaymentInstruction.result.is_(None))
        .values(result=result.status, result_reference=reference or None, result_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        report.errors.append(f"{result.idempotency_key}：回单正被同时登记，请稍后重试")
        return
    grant = session.get(Grant, instruction.grant_id, populate_existing=True)
    assert grant is not None  # noqa: S101 - foreign key
    if result.status == "paid":
        values: dict[str, Any] = {"paid_reference": reference, "paid_on": result.paid_on or now.date()}
        to_state, note = GrantState.PAID, f"已到账，流水号 {reference}"
    else:
        values = {"failure_reason": (result.reason or "银行退回")[:200]}
        to_state, note = GrantState.FAILED, f"拨付失败：{result.reason or '银行退回'}"
    moved = session.execute(
        update(Grant)
        .where(Grant.id == grant.id, Grant.state == GrantState.IN_BATCH.value, Grant.batch_id == instruction.batch_id)
        .values(state=to_state.value, row_version=Grant.row_version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        report.errors.append(f"{result.idempotency_key}：资金记录状态已变化，未登记")
        return
    _event(session, grant.id, actor, GrantState.IN_BATCH.value, to_state.value, note)
    if to_state is GrantState.PAID:
        session.execute(
            update(PolicyBudget)
            .where(PolicyBudget.policy_id == grant.policy_id)
            .values(paid=PolicyBudget.paid + instruction.amount)
            .execution_options(synchronize_session=False)
        )
        notices.grant_paid(session, grant=grant, paid_on=values["paid_on"])
        report.paid += 1
    else:
        report.failed += 1
    _settle_if_done(session, instruction.batch_id)
    session.commit()


def _settle_if_done(session: Session, batch_id: int) -> None:
    pending = session.scalar(
        select(func.count())
        .select_from(PaymentInstruction)
        .where(PaymentInstruction.batch_id == batch_id, PaymentInstruction.result.is_(None))
    )
    if not pending:
        session.execute(
            update(PaymentBatch)
            .where(PaymentBatch.id == batch_id, PaymentBatch.status == "sealed")
            .values(status="settled")
            .execution_options(synchronize_session=False)
        )


def record_payment_results(session: Session, *, actor: Actor, results: Sequence[PaymentResult]) -> ResultReport:
    """Record the finance system's results, each in its own transaction, keyed by idempotency key and attempt.

    A repeated result (same status and reference) is counted as a duplicate and changes nothing; a contradicting
    or mismatched one is refused with the reason; nothing is ever paid twice.
    """
    if not results:
        raise ValidationError("回单中没有任何记录", field="results")
    notices.ensure_templates(session)
    report = ResultReport()
    for result in results:
        _apply_result(session, actor=actor, result=result, report=report)
    log.info("grants_results", paid=report.paid, failed=report.failed, duplicates=report.duplicates)
    return report


# --- queries -------------------------------------------------------------------------------------------------


def _grant_filters(
    query: Select[Any],
    *,
    q: str | None,
    state: str | None,
    policy_id: str | None,
    subject_code: str | None,
    batch_id: int | None,
) -> Select[Any]:
    if state:
        if state not in {s.value for s in GrantState}:
            raise ValidationError("状态取值不正确", field="state")
        query = query.where(Grant.state == state)
    if policy_id:
        query = query.where(Grant.policy_id == policy_id)
    if subject_code:
        query = query.where(Grant.subject_code == subject_code.strip().upper())
    if batch_id is not None:
        query = query.where(Grant.batch_id == batch_id)
    if q and q.strip():
        needle = f"%{q.strip()}%"
        query = query.where(
            or_(Grant.policy_name.like(needle), Grant.subject_name.like(needle), Grant.subject_code == q.strip())
        )
    return query


def list_grants(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    state: str | None = None,
    policy_id: str | None = None,
    subject_code: str | None = None,
    batch_id: int | None = None,
    page: int = 1,
    page_size: int = 20,
) -> GrantPage:
    """Grants the actor may see, newest first, with filters and pagination."""
    page, page_size = _page_bounds(page, page_size)
    query = _grant_filters(
        select(Grant).where(access.scope_condition(actor)),
        q=q,
        state=state,
        policy_id=policy_id,
        subject_code=subject_code,
        batch_id=batch_id,
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Grant.id.desc()).offset((page - 1) * page_size).limit(page_size)
    rows = session.scalars(ordered.execution_options(populate_existing=True))
    return GrantPage(items=[_read(row, actor) for row in rows], total=total, page=page, page_size=page_size)


def export_grants_csv(session: Session, *, actor: Actor, **filters: Any) -> Iterator[str]:
    """The grants the actor may see as CSV (UTF-8 with BOM for spreadsheet programs), in chunks."""
    query = _grant_filters(select(Grant).where(access.scope_condition(actor)), **filters).order_by(Grant.id)
    header = [
        "编号",
        "政策",
        "版本",
        "兑现方式",
        "受益对象",
        "代码",
        "区县",
        "期次",
        "年度",
        "金额（元）",
        "状态",
        "到账日期",
    ]
    yield "\ufeff" + _csv_line(header)
    for grant in session.scalars(query.execution_options(yield_per=500)):
        row = _read(grant, actor)
        yield _csv_line(
            [
                row.id,
                row.policy_name,
                row.policy_version,
                row.mode_label,
                row.subject_name,
                row.subject_code,
                row.district_code or "",
                row.instalment,
                row.award_year,
                f"{row.amount:.2f}",
                row.state_label,
                row.paid_on.isoformat() if row.paid_on else "",
            ]
        )


def _csv_line(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        ["'" + v if isinstance(v, str) and v[:1] in {"=", "+", "-", "@"} else v for v in values]
    )
    return buffer.getvalue()


def get_grant(session: Session, *, actor: Actor, grant_id: int) -> GrantDetail:
    """One grant with its history."""
    grant = _load(session, actor=actor, grant_id=grant_id)
    events = session.scalars(select(GrantEvent).where(GrantEvent.grant_id == grant.id).order_by(GrantEvent.id))
    return GrantDetail(
        grant=_read(grant, actor),
        events=[
            GrantEventRead(
                at=as_utc(event.at),
                actor_id=event.actor_id,
                from_state=event.from_state,
                to_state=event.to_state,
                to_state_label=GrantState(event.to_state).label,
                note=event.note,
            )
            for event in events
        ],
    )


def subject_grants(session: Session, *, actor: Actor, subject_code: str) -> list[GrantRead]:
    """Every grant of one subject the actor may see ("my policies": received and pending)."""
    query = select(Grant).where(access.scope_condition(actor), Grant.subject_code == subject_code.strip().upper())
    ordered = query.order_by(Grant.award_year.desc(), Grant.id.desc()).execution_options(populate_existing=True)
    return [_read(row, actor) for row in session.scalars(ordered)]


def pipeline(session: Session, *, actor: Actor, policy_id: str | None = None) -> list[StateCount]:
    """Count and amount of the visible grants per state, in pipeline order."""
    query = select(Grant.state, func.count(), func.coalesce(func.sum(Grant.amount), 0)).where(
        access.scope_condition(actor)
    )
    if policy_id:
        query = query.where(Grant.policy_id == policy_id)
    found = {state: (count, amount) for state, count, amount in session.execute(query.group_by(Grant.state))}
    return [
        StateCount(
            state=state.value,
            label=state.label,
            tone=state.tone,
            count=found.get(state.value, (0, 0))[0],
            amount=ledger.money(found.get(state.value, (0, 0))[1]),
        )
        for state in ledger.PIPELINE
    ]


def _disclosure_query(q: str | None, policy_id: str | None) -> Select[Any]:
    query = select(Grant).where(Grant.state == GrantState.PAID.value)
    if policy_id:
        query = query.where(Grant.policy_id == policy_id)
    if q and q.strip():
        needle = f"%{q.strip()}%"
        # Persons are searchable by policy only: their names are not published.
        query = query.where(
            or_(
                Grant.policy_name.like(needle),
                and_(
                    Grant.subject_kind == "enterprise",
                    or_(Grant.subject_name.like(needle), Grant.subject_code == q.strip()),
                ),
            )
        )
    return query


def _disclosure_row(grant: Grant) -> DisclosureRow:
    person = grant.subject_kind == "person"
    return DisclosureRow(
        policy_id=grant.policy_id,
        policy_name=grant.policy_name,
        subject_kind=grant.subject_kind,
        subject_name=mask_name(grant.subject_name) if person else grant.subject_name,
        subject_code=mask_id_number(grant.subject_code) if person else grant.subject_code,
        district_code=grant.district_code,
        amount=ledger.money(grant.amount),
        paid_on=grant.paid_on,
        funding_department=grant.funding_department,
    )


def disclosure(
    session: Session, *, q: str | None = None, policy_id: str | None = None, page: int = 1, page_size: int = 50
) -> DisclosurePage:
    """The public disclosure list (资金公示) of paid grants: enterprises by name and USCC, persons masked."""
    page, page_size = _page_bounds(page, page_size)
    query = _disclosure_query(q, policy_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Grant.paid_on.desc(), Grant.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return DisclosurePage(items=[_disclosure_row(row) for row in rows], total=total, page=page, page_size=page_size)


def export_disclosure_csv(session: Session, *, q: str | None = None, policy_id: str | None = None) -> Iterator[str]:
    """The disclosure list as CSV (UTF-8 with BOM)."""
    yield "\ufeff" + _csv_line(
        ["政策", "受益对象", "统一社会信用代码/身份证号", "区县", "金额（元）", "拨付日期", "资金主管部门"]
    )
    query = _disclosure_query(q, policy_id).order_by(Grant.paid_on.desc(), Grant.id.desc())
    for grant in session.scalars(query.execution_options(yield_per=500)):
        row = _disclosure_row(grant)
        yield _csv_line(
            [
                row.policy_name,
                row.subject_name,
                row.subject_code,
                row.district_code or "",
                f"{row.amount:.2f}",
                row.paid_on.isoformat() if row.paid_on else "",
                row.funding_department,
            ]
        )


def _buckets(session: Session, column: Any, where: ColumnElement[bool], labels: dict[str, str]) -> list[Bucket]:
    rows = session.execute(
        select(column, func.count(func.distinct(Grant.subject_code)), func.coalesce(func.sum(Grant.amount), 0))
        .where(where)
        .group_by(column)
        .order_by(func.sum(Grant.amount).desc())
    )
    return [
        Bucket(key=key or "", label=labels.get(key or "", key or "未知"), count=count, amount=ledger.money(amount))
        for key, count, amount in rows
    ]


def performance(
    session: Session, *, actor: Actor, policy_id: str, district_names: dict[str, str] | None = None
) -> PolicyPerformance:
    """Paid against budget, beneficiaries and their distribution by district and industry for one policy."""
    budget = session.scalars(
        select(PolicyBudget).where(PolicyBudget.policy_id == policy_id).execution_options(populate_existing=True)
    ).one_or_none()
    if budget is None:
        raise NotFoundError("该政策尚无资金记录", field="policy_id")
    if not access.sees_everything(actor):
        identity_access.authorize(
            actor, access.department_ref(budget.funding_department), "read", not_found="该政策尚无资金记录"
        )
    paid_where = and_(Grant.policy_id == policy_id, Grant.state == GrantState.PAID.value)
    beneficiaries = session.scalar(select(func.count(func.distinct(Grant.subject_code))).where(paid_where)) or 0
    grants = session.scalar(select(func.count()).select_from(Grant).where(Grant.policy_id == policy_id)) or 0
    rule = BudgetRule(budget.rule)
    return PolicyPerformance(
        policy_id=budget.policy_id,
        policy_name=budget.policy_name,
        policy_version=budget.policy_version,
        funding_department=budget.funding_department,
        budget=ledger.money(budget.budget),
        rule=rule.value,
        rule_label=rule.label,
        committed=ledger.money(budget.committed),
        paid=ledger.money(budget.paid),
        paid_ratio=float(budget.paid / budget.budget) if budget.budget else None,
        beneficiaries=beneficiaries,
        grants=grants,
        by_state=pipeline(session, actor=SYSTEM_ACTOR, policy_id=policy_id),
        by_district=_buckets(session, Grant.district_code, paid_where, district_names or {}),
        by_industry=_buckets(session, Grant.industry, paid_where, INDUSTRY_LABELS),
    )


def list_budgets(session: Session, *, actor: Actor) -> list[PolicyPerformance]:
    """Performance of every policy with grants the actor may see (department staff: their department's)."""
    query = select(PolicyBudget.policy_id).order_by(PolicyBudget.policy_id)
    if not access.sees_everything(actor):
        if not actor.department:
            return []
        query = query.where(PolicyBudget.funding_department == actor.department)
    return [performance(session, actor=actor, policy_id=policy_id) for policy_id in session.scalars(query)]


# --- from the policy engine ----------------------------------------------------------------------------------


def _subject_name(session: Session, kind: str, code: str) -> str:
    """The registry name of a subject (the enterprise's name; a person's name as the registry gives it)."""
    from yiwang.registry import services as registry_services  # noqa: PLC0415 - only this adapter needs it

    if kind == "enterprise":
        found = registry_services.search_enterprises(session, q=code, page_size=1).items
        return found[0].name if found else code
    people = registry_services.search_persons(session, q=code, page_size=1).items
    return people[0].name if people else mask_id_number(code)


def create_grants_for_policy(session: Session, *, actor: Actor, policy_id: str) -> CreateReport:
    """Create the grants of the payable matches of a policy's version in force (idempotent).

    Each due instalment of a match becomes one grant; the award is the policy engine's final award (pro rata
    already applied), first-come order is the engine's ``order_key``.
    """
    from yiwang.policies import services as policy_services  # noqa: PLC0415 - policies is optional for the ledger

    allocation = policy_services.budget_allocation(session, policy_id=policy_id)
    version = policy_services.version_in_force(session, policy_id=policy_id, on=policy_services.city_today())
    title = version.title if version is not None else policy_id
    terms = PolicyTerms(
        policy_id=policy_id,
        policy_version=allocation.policy_version,
        policy_name=title,
        funding_department=allocation.funding_department,
        budget=Decimal(allocation.effective_budget),
        rule=allocation.budget_rule.value,
    )
    found: list[GrantMatch] = []
    for result in policy_services.payable_matches(session, policy_id=policy_id):
        scale = Decimal(result.final_award) / Decimal(result.award) if result.award else Decimal(1)
        name = _subject_name(session, result.subject_kind, result.subject_code)
        due = [(item.number, ledger.money(Decimal(item.amount) * scale)) for item in result.instalments if item.due]
        for number, amount in due or [(1, ledger.money(result.final_award))]:
            if amount <= 0:
                continue
            found.append(
                GrantMatch(
                    subject_kind=result.subject_kind,
                    subject_code=result.subject_code,
                    subject_name=name,
                    instalment=number,
                    award_year=result.as_of.year,
                    amount=amount,
                    mode=result.mode.value,
                    district_code=result.district_code,
                    industry=result.industry_section,
                    size_class=result.size_class,
                    order_key=result.order_key,
                )
            )
    return record_matches(session, actor=actor, terms=terms, matches=found)
