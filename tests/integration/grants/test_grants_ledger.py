"""The grants ledger from match to paid: idempotent creation, confirmation, approval within budget, batches,
instructions with control totals, keyed payment results, retries, disclosure and scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from grants_support import TAX_STAFF, agent_of, matches, terms, uscc
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.grants import files, services
from yiwang.grants.models import Grant, PaymentInstruction
from yiwang.grants.schemas import PaymentResult
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError


def _pay_all(session: Session, staff: Actor, batch_id: int) -> None:
    data = services.instructions(session, actor=staff, batch_id=batch_id)
    results = [
        PaymentResult(
            idempotency_key=i.idempotency_key, attempt=i.attempt, status="paid", amount=i.amount, reference=f"R{n}"
        )
        for n, i in enumerate(data.instructions)
    ]
    services.record_payment_results(session, actor=staff, results=results)


def test_matches_become_grants_once(session: Session, econ_staff: Actor) -> None:
    first = services.record_matches(session, actor=econ_staff, terms=terms(), matches=matches(3))
    again = services.record_matches(session, actor=econ_staff, terms=terms(), matches=matches(3))
    assert (first.created, first.ready, again.created, again.existing) == (3, 3, 0, 3)
    assert session.scalar(select(func.count()).select_from(Grant)) == 3


def test_confirm_modes_notify_and_wait_for_the_account(session: Session, econ_staff: Actor) -> None:
    report = services.record_matches(
        session, actor=econ_staff, terms=terms(), matches=matches(2, mode="confirm", with_account=False)
    )
    assert report.notified == 2
    grant = services.list_grants(session, actor=econ_staff).items[0]
    assert grant.state == "notified"
    assert grant.needs_account
    assert not grant.can_approve
    agent = agent_of(grant.subject_code)
    with pytest.raises(ValidationError) as bad:
        services.confirm_account(session, actor=agent, grant_id=grant.id, payee_account="abc", payee_bank="工行")
    assert "银行账号" in bad.value.message
    with pytest.raises(PermissionDeniedError):
        services.confirm_account(
            session, actor=econ_staff, grant_id=grant.id, payee_account="6222000000001234", payee_bank="工商银行"
        )
    confirmed = services.confirm_account(
        session, actor=agent, grant_id=grant.id, payee_account="6222 0000 0000 1234", payee_bank="工商银行"
    )
    assert confirmed.state == "confirmed"
    assert confirmed.payee_account_masked.endswith("1234")
    with pytest.raises(ConflictError):
        services.confirm_account(
            session, actor=agent, grant_id=grant.id, payee_account="6222000000001234", payee_bank="工商银行"
        )


def test_stale_row_version_is_a_conflict(session: Session, econ_staff: Actor) -> None:
    services.record_matches(session, actor=econ_staff, terms=terms(), matches=matches(1, mode="confirm"))
    grant = services.list_grants(session, actor=econ_staff).items[0]
    agent = agent_of(grant.subject_code)
    with pytest.raises(ConflictError):
        services.confirm_account(
            session,
            actor=agent,
            grant_id=grant.id,
            payee_account="6222000000001234",
            payee_bank="工商银行",
            row_version=grant.row_version + 5,
        )


def test_full_path_to_paid_with_keyed_results(
    session: Session, session_factory: sessionmaker[Session], econ_staff: Actor
) -> None:
    services.record_matches(session, actor=econ_staff, terms=terms(), matches=matches(3))
    approval = services.approve_grants(session, actor=econ_staff, policy_id="cd-first-scale-up")
    assert approval.approved == 3
    assert approval.amount == Decimal(600_000)
    run = services.run_batch_job(session_factory, actor=econ_staff, funding_department="econ")
    assert run.claimed == 3
    assert len(run.batches) == 1
    batch = run.batches[0]
    data = services.instructions(session, actor=econ_staff, batch_id=batch.id)
    text = files.instructions_csv(data)
    rows, count, total, checksum = files.parse_instructions_csv(text)
    assert (count, total, len(rows)) == (3, Decimal("600000.00"), 3)
    assert checksum == batch.checksum
    assert len({r["idempotency_key"] for r in rows}) == 3
    assert "<PaymentBatch" in files.instructions_xml(data)
    first = data.instructions[0]
    paid = PaymentResult(idempotency_key=first.idempotency_key, status="paid", amount=first.amount, reference="B001")
    assert services.record_payment_results(session, actor=econ_staff, results=[paid]).paid == 1
    again = services.record_payment_results(session, actor=econ_staff, results=[paid])
    assert (again.paid, again.duplicates) == (0, 1)
    contradicting = paid.model_copy(update={"status": "failed", "reference": ""})
    assert services.record_payment_results(session, actor=econ_staff, results=[contradicting]).errors
    wrong_amount = PaymentResult(
        idempotency_key=data.instructions[1].idempotency_key, status="paid", amount=Decimal(1), reference="B002"
    )
    assert "不一致" in services.record_payment_results(session, actor=econ_staff, results=[wrong_amount]).errors[0]
    perf = services.performance(session, actor=econ_staff, policy_id="cd-first-scale-up")
    assert perf.paid == Decimal(200_000)
    assert perf.beneficiaries == 1
    assert perf.committed == Decimal(600_000)


def test_failed_payment_retries_with_the_same_key(
    session: Session, session_factory: sessionmaker[Session], econ_staff: Actor
) -> None:
    services.record_matches(session, actor=econ_staff, terms=terms(), matches=matches(1))
    services.approve_grants(session, actor=econ_staff, policy_id="cd-first-scale-up")
    batch = services.run_batch_job(session_factory, actor=econ_staff, funding_department="econ").batches[0]
    line = services.instructions(session, actor=econ_staff, batch_id=batch.id).instructions[0]
    failed = PaymentResult(idempotency_key=line.idempotency_key, status="failed", reason="账户已销户")
    assert services.record_payment_results(session, actor=econ_staff, results=[failed]).failed == 1
    grant = services.list_grants(session, actor=econ_staff).items[0]
    assert grant.state == "failed"
    services.retry_grant(
        session, actor=econ_staff, grant_id=grant.id, payee_account="6222999900001111", payee_bank="建设银行"
    )
    second = services.run_batch_job(session_factory, actor=econ_staff, funding_department="econ").batches[0]
    retry_line = services.instructions(session, actor=econ_staff, batch_id=second.id).instructions[0]
    assert retry_line.idempotency_key == line.idempotency_key
    assert retry_line.attempt == 2
    assert retry_line.payee_account == "6222999900001111"
    _pay_all(session, econ_staff, second.id)
    assert services.list_grants(session, actor=econ_staff).items[0].state == "paid"
    # A late result for the first attempt cannot pay again.
    late = PaymentResult(idempotency_key=line.idempotency_key, attempt=1, status="paid", reference="LATE")
    assert services.record_payment_results(session, actor=econ_staff, results=[late]).errors


def test_budget_is_never_exceeded_on_approval(session: Session, econ_staff: Actor) -> None:
    services.record_matches(session, actor=econ_staff, terms=terms(budget=500_000), matches=matches(3))
    report = services.approve_grants(session, actor=econ_staff, policy_id="cd-first-scale-up")
    assert report.approved == 2
    assert "超出政策预算" in report.skipped[0]
    perf = services.performance(session, actor=econ_staff, policy_id="cd-first-scale-up")
    assert perf.committed == Decimal(400_000) <= perf.budget


def test_first_come_cancels_beyond_the_budget_in_order(session: Session, econ_staff: Actor) -> None:
    report = services.record_matches(
        session, actor=econ_staff, terms=terms(budget=450_000, rule="first_come"), matches=matches(3)
    )
    assert report.over_budget == 1
    states = {g.subject_code: g.state for g in services.list_grants(session, actor=econ_staff).items}
    assert states[uscc(3)] == "cancelled"
    assert states[uscc(1)] == states[uscc(2)] == "matched"


def test_cancel_releases_the_reservation(session: Session, econ_staff: Actor) -> None:
    services.record_matches(session, actor=econ_staff, terms=terms(budget=200_000), matches=matches(2))
    services.approve_grants(session, actor=econ_staff, policy_id="cd-first-scale-up")
    approved = services.list_grants(session, actor=econ_staff, state="approved").items[0]
    services.cancel_grant(session, actor=econ_staff, grant_id=approved.id, reason="企业已注销")
    second = services.approve_grants(session, actor=econ_staff, policy_id="cd-first-scale-up")
    assert second.approved == 1


def test_scope_enterprise_sees_own_other_department_sees_nothing(session: Session, econ_staff: Actor) -> None:
    services.record_matches(session, actor=econ_staff, terms=terms(), matches=matches(2))
    mine = services.list_grants(session, actor=agent_of(uscc(1)))
    assert [g.subject_code for g in mine.items] == [uscc(1)]
    assert services.list_grants(session, actor=TAX_STAFF).total == 0
    other = services.list_grants(session, actor=econ_staff).items[0].id
    with pytest.raises(NotFoundError):
        services.get_grant(session, actor=TAX_STAFF, grant_id=other)
    with pytest.raises(NotFoundError):
        services.record_matches(session, actor=TAX_STAFF, terms=terms(), matches=matches(1))


def test_disclosure_masks_persons(session: Session, session_factory: sessionmaker[Session], econ_staff: Actor) -> None:
    person = matches(1)[0]
    from dataclasses import replace

    person = replace(person, subject_kind="person", subject_code="510107199003071236", subject_name="张三丰")
    services.record_matches(session, actor=econ_staff, terms=terms(), matches=[*matches(1), person])
    services.approve_grants(session, actor=econ_staff, policy_id="cd-first-scale-up")
    batch = services.run_batch_job(session_factory, actor=econ_staff, funding_department="econ").batches[0]
    _pay_all(session, econ_staff, batch.id)
    page = services.disclosure(session)
    names = {row.subject_name for row in page.items}
    assert "成都测试企业1有限公司" in names
    assert "张**" in names
    text = "".join(services.export_disclosure_csv(session))
    assert "510107199003071236" not in text
    assert "510107********1236" in text
    assert session.scalar(select(func.count()).select_from(PaymentInstruction)) == 2
