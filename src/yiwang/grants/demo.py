"""grants: demo data for ``yiwang demo`` and the browser tests — grants from the demo matches, one paid batch.

Runs after ``policies.demo`` (which publishes the shipped policies and matches them). For every policy in force
with payable matches it creates the grants (idempotent); then, to show every stage of the pipeline, it confirms
bank accounts for some subjects who must confirm (the demo enterprise agent's and citizen's always, so their "my
policies" show money that arrived), approves them within budget, builds one payment batch per department and
records the bank's results: every instruction paid except one failed. Later runs find the batch and only add
grants for new matches.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.config import Settings
from yiwang.grants import services
from yiwang.grants.models import Grant
from yiwang.grants.schemas import PaymentResult
from yiwang.identity import services as identity_services
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import YiwangError

DEMO_BANKS = ("中国工商银行成都分行", "中国建设银行四川省分行", "成都银行营业部", "中国农业银行成都分行")
CONFIRMED_AT_MOST = 12
"""Subjects confirming their account in the demo (the demo accounts' always): the rest stay 待确认 on the board,
and the demo stays fast (every confirmation, approval, claim and result is its own transaction)."""


def _account(code: str) -> tuple[str, str]:
    """A stable, synthetic bank account for a subject (demo data only)."""
    digest = hashlib.sha256(code.encode()).hexdigest()
    number = "6222" + "".join(str(int(c, 16) % 10) for c in digest[:15])
    return number, DEMO_BANKS[int(digest[15], 16) % len(DEMO_BANKS)]


def _demo_subjects(session: Session) -> set[str]:
    """The subjects of the grants that have an account on the platform (the demo agent's and citizen's)."""
    agents = identity_services.list_accounts(session, actor=SYSTEM_ACTOR, role=Role.ENTERPRISE_AGENT, page_size=100)
    codes = {a.enterprise_uscc for a in agents.items if a.enterprise_uscc}
    people = session.scalars(select(Grant.subject_code).where(Grant.subject_kind == "person").distinct())
    codes.update(code for code in people if identity_services.subject_accounts(session, person_id_number=code))
    return codes


def _is_demo_subject(idempotency_key: str, codes: set[str]) -> bool:
    return any(f":{code}:" in idempotency_key for code in codes)


def _policies_with_matches(session: Session) -> list[str]:
    from yiwang.policies import services as policy_services  # noqa: PLC0415 - the demo runs after policies
    from yiwang.policies.schemas import VersionStatus  # noqa: PLC0415

    today = policy_services.city_today()
    published = policy_services.list_policies(
        session, actor=SYSTEM_ACTOR, status=VersionStatus.PUBLISHED, page_size=200
    ).items
    # A policy whose every beneficiary already has a grant has nothing new: skip the (per-match) conversion.
    covered = dict(
        session.execute(
            select(Grant.policy_id, func.count(func.distinct(Grant.subject_code))).group_by(Grant.policy_id)
        ).all()
    )
    return [
        p.policy_id
        for p in published
        if p.committed > 0
        and covered.get(p.policy_id, 0) < p.beneficiaries
        and policy_services.version_in_force(session, policy_id=p.policy_id, on=today) is not None
    ]


def prepare(session: Session, *, settings: Settings) -> str | None:
    """Create grants from the demo matches, confirm and approve most, pay one batch per department; idempotent."""
    del settings
    created = 0
    for policy_id in _policies_with_matches(session):
        created += services.create_grants_for_policy(session, actor=SYSTEM_ACTOR, policy_id=policy_id).created
    if session.scalar(select(Grant.id).where(Grant.batch_id.is_not(None)).limit(1)) is not None:
        return f"惠企资金：新生成资金记录 {created} 笔 / grants: {created} new"
    keep = _demo_subjects(session)
    pending = session.execute(
        select(Grant.id, Grant.subject_code, Grant.row_version).where(Grant.state == "notified").order_by(Grant.id)
    ).all()
    confirmed = 0
    ordered = sorted(pending, key=lambda row: (row[1] not in keep, hashlib.sha256(row[1].encode()).hexdigest()))
    for grant_id, code, row_version in ordered[:CONFIRMED_AT_MOST]:
        account, bank = _account(code)
        try:
            services.confirm_account(
                session,
                actor=SYSTEM_ACTOR,
                grant_id=grant_id,
                payee_account=account,
                payee_bank=bank,
                row_version=row_version,
            )
        except YiwangError:
            session.rollback()
            continue
        confirmed += 1
    approved = 0
    for policy_id in sorted(set(session.scalars(select(Grant.policy_id)))):
        approved += services.approve_grants(session, actor=SYSTEM_ACTOR, policy_id=policy_id).approved
    session.commit()
    departments = sorted(set(session.scalars(select(Grant.funding_department).where(Grant.state == "approved"))))
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    paid = failed = 0
    for department in departments:
        report = services.run_batch_job(factory, actor=SYSTEM_ACTOR, funding_department=department)
        for batch in report.batches:
            data = services.instructions(session, actor=SYSTEM_ACTOR, batch_id=batch.id)
            results = [
                PaymentResult(
                    idempotency_key=line.idempotency_key,
                    attempt=line.attempt,
                    status="failed" if index == 1 and not _is_demo_subject(line.idempotency_key, keep) else "paid",
                    amount=Decimal(line.amount),
                    reference=f"DEMO{batch.id:04d}{index:05d}",
                    reason="户名与账号不符（演示）",
                )
                for index, line in enumerate(data.instructions)
            ]
            result = services.record_payment_results(session, actor=SYSTEM_ACTOR, results=results)
            paid += result.paid
            failed += result.failed
    return (
        f"惠企资金：资金记录 {created} 笔，确认收款账户 {confirmed} 笔，审核 {approved} 笔，"
        f"到账 {paid} 笔、失败 {failed} 笔 / grants: {created} created, {paid} paid"
    )
