"""Exactly-once payment under a crash: the batch run is killed (SIGKILL) midway, then rerun twice concurrently.

Every approved grant must end in exactly one sealed batch with exactly one instruction, nobody twice, nobody
left out; importing the bank's result file twice pays each grant once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from grants_support import ECON_STAFF, matches, terms
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yiwang.grants import files, services
from yiwang.grants.cli import LEASE_ENV, ROW_DELAY_ENV
from yiwang.grants.models import Grant, PaymentBatch, PaymentInstruction

GRANTS = 12


def _batch_process(db_url: str, *, delay: float, lease: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "YIWANG_DATABASE_URL": db_url, ROW_DELAY_ENV: str(delay), LEASE_ENV: str(lease)}
    env["YIWANG_LOG_LEVEL"] = "WARNING"
    return subprocess.Popen(
        [sys.executable, "-m", "yiwang", "grants", "batch", "--department", "econ"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _count(session: Session, model: type[PaymentInstruction | PaymentBatch]) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.slow
def test_killed_batch_run_then_two_concurrent_reruns_pay_everyone_exactly_once(
    session: Session, db_url: str, tmp_path: Path
) -> None:
    services.record_matches(session, actor=ECON_STAFF, terms=terms(budget=10_000_000), matches=matches(GRANTS))
    assert services.approve_grants(session, actor=ECON_STAFF, policy_id="cd-first-scale-up").approved == GRANTS

    victim = _batch_process(db_url, delay=0.4, lease=1)
    deadline = time.monotonic() + 60
    while _count(session, PaymentInstruction) < 3:
        assert victim.poll() is None, victim.stderr.read() if victim.stderr else ""
        assert time.monotonic() < deadline, "the batch run never claimed anything"
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    claimed_before = _count(session, PaymentInstruction)
    assert 3 <= claimed_before < GRANTS
    assert session.scalar(select(PaymentBatch.status)) == "building"
    time.sleep(1.2)  # the dead run's lease runs out

    reruns = [_batch_process(db_url, delay=0, lease=60) for _ in range(2)]
    for process in reruns:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, (out + err).decode()

    session.rollback()
    instructions = session.scalars(select(PaymentInstruction)).all()
    assert len(instructions) == GRANTS
    assert len({i.grant_id for i in instructions}) == GRANTS
    assert {g.state for g in session.scalars(select(Grant))} == {"in_batch"}
    batches = session.scalars(select(PaymentBatch)).all()
    assert {b.status for b in batches} == {"sealed"}
    assert sum(b.item_count for b in batches) == GRANTS

    # The bank's result file, imported twice: each grant paid once.
    lines = ["idempotency_key,attempt,status,amount,reference,paid_on,reason"]
    for batch in batches:
        data = services.instructions(session, actor=ECON_STAFF, batch_id=batch.id)
        rows, count, total, checksum = files.parse_instructions_csv(files.instructions_csv(data))
        assert (count, checksum) == (len(rows), batch.checksum)
        assert total == batch.total_amount
        lines += [
            f"{r['idempotency_key']},{r['attempt']},成功,{r['amount']},BK{n},2026-11-28," for n, r in enumerate(rows)
        ]
    result_file = "\n".join(lines) + "\n"
    first = services.record_payment_results(session, actor=ECON_STAFF, results=files.parse_results_csv(result_file))
    second = services.record_payment_results(session, actor=ECON_STAFF, results=files.parse_results_csv(result_file))
    assert (first.paid, first.errors) == (GRANTS, [])
    assert (second.paid, second.duplicates, second.errors) == (0, GRANTS, [])
    perf = services.performance(session, actor=ECON_STAFF, policy_id="cd-first-scale-up")
    assert perf.paid == 200_000 * GRANTS
    session.expire_all()
    assert {b.status for b in session.scalars(select(PaymentBatch))} == {"settled"}
