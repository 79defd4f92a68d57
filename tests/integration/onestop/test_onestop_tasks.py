"""Background jobs: the checking department is reminded once of a 告知承诺 post-check falling due, and a submission
interrupted between starting its case and recording it is re-linked, distributed and decided by the repair job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from onestop_helpers import ADMIN, DRIVER_ID, PDF, agent, citizen, staff
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.notify import services as notify_services
from yiwang.onestop import services, tasks
from yiwang.onestop.models import Application, Commitment
from yiwang.workflow import jobs
from yiwang.workflow import services as workflow_services
from yiwang.workflow.models import WorkflowInstance

FREIGHT = "510100-01-transport-001"
RIDE_HAILING = "510100-01-transport-002"
RIDE_FORM = {"applicant_phone": "13900001111", "platform_company": "蓉城出行", "exam_passed": True}


def _approved_by_commitment(session: Session) -> Commitment:
    company = agent()
    draft = services.start_application(session, actor=company, item_code=FREIGHT)
    services.sign_commitment(session, actor=company, application_id=draft.id, item_code=FREIGHT)
    read = services.get_application(session, actor=company, application_id=draft.id)
    for m in read.materials:
        if m.required and m.status == "needed":
            services.upload_material(
                session,
                actor=company,
                application_id=draft.id,
                material_code=m.code,
                file_name="m.pdf",
                content_type="application/pdf",
                content=PDF,
            )
    form = dict(read.form_data)
    for name in read.form_schema.get("required", []):
        spec: dict[str, Any] = read.form_schema["properties"][name]
        if name in form:
            continue
        if "enum" in spec:
            form[name] = spec["enum"][0]
        elif spec.get("type") == "array":
            form[name] = [spec["items"]["enum"][0]] if "enum" in spec["items"] else ["一"]
        elif spec.get("type") in {"number", "integer"}:
            form[name] = 3
        elif spec.get("type") == "boolean":
            form[name] = True
        elif "1[0-9]{10}" in spec.get("pattern", ""):
            form[name] = "13900004444"
        else:
            form[name] = "测试填写"
    services.submit_application(session, actor=company, application_id=draft.id, form_data=form)
    transport = staff("transport")
    services.accept_item(session, actor=transport, application_id=draft.id, item_code=FREIGHT)
    services.approve_item(session, actor=transport, application_id=draft.id, item_code=FREIGHT)
    commitment = session.scalars(select(Commitment).where(Commitment.application_id == draft.id)).one()
    assert commitment.post_check_due_at is not None
    return commitment


def test_due_post_checks_are_reminded_once(session: Session, session_factory: sessionmaker[Session]) -> None:
    commitment = _approved_by_commitment(session)
    due = commitment.post_check_due_at
    assert due is not None
    assert services.remind_due_post_checks(session, now=due - dt.timedelta(days=5)) == 0
    assert tasks.remind_post_checks(session_factory, now=due - dt.timedelta(days=2)) == 1
    assert tasks.remind_post_checks(session_factory, now=due + dt.timedelta(days=1)) == 0  # once per commitment
    outbox = notify_services.list_outbox(session, actor=ADMIN, template_key="post_check_due").items
    assert len(outbox) == 1
    assert outbox[0].idempotency_key == f"onestop:post-check:{commitment.id}:due"
    assert "应于" in outbox[0].body
    session.expire_all()
    reminded = session.get(Commitment, commitment.id)
    assert reminded is not None
    assert reminded.reminded_at is not None
    # A checked commitment is never reminded.
    services.record_commitment_check(
        session, actor=staff("transport"), commitment_id=commitment.id, truthful=True, finding="现场核查属实"
    )
    assert services.remind_due_post_checks(session, now=due + dt.timedelta(days=30)) == 0


def test_an_interrupted_submission_is_relinked_distributed_and_decided(
    session: Session, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = citizen(DRIVER_ID)
    draft = services.start_application(session, actor=driver, item_code=RIDE_HAILING)
    real_start = workflow_services.start_instance

    def start_then_crash(*args: Any, **kwargs: Any) -> Any:
        real_start(*args, **kwargs)  # the claim, the items and the case are committed …
        raise RuntimeError("进程在记录流程编号前中断")  # … and the process dies before linking them

    monkeypatch.setattr(workflow_services, "start_instance", start_then_crash)
    with pytest.raises(RuntimeError):
        services.submit_application(session, actor=driver, application_id=draft.id, form_data=RIDE_FORM)
    monkeypatch.undo()
    session.rollback()
    broken = session.get(Application, draft.id)
    assert broken is not None
    assert (broken.status, broken.workflow_instance_id) == ("submitted", None)
    submitted_at = broken.submitted_at
    assert submitted_at is not None

    early = services.repair_unlinked_cases(session, now=submitted_at + dt.timedelta(minutes=1))
    assert early == services.RepairReport()  # still inside the grace period: maybe a live request
    report = tasks.repair_submissions(session_factory, now=submitted_at + dt.timedelta(minutes=10))
    assert (report.relinked, report.distributed, report.unresolved) == (1, 1, ())
    session.expire_all()
    repaired = services.get_application(session, actor=driver, application_id=draft.id)
    assert repaired.workflow_instance_id is not None
    assert (repaired.status, repaired.outcome) == ("completed", "approved")  # 秒批 ran as at submit
    assert repaired.item_rows[0].instant
    assert len(repaired.certificates) == 1
    assert "repair" in [e.action for e in repaired.timeline]
    assert session.scalar(select(func.count()).select_from(WorkflowInstance)) == 1
    again = services.repair_unlinked_cases(session, now=submitted_at + dt.timedelta(minutes=20))
    assert again == services.RepairReport()


def test_the_worker_runs_both_jobs() -> None:
    registered = jobs.platform_periodic_tasks()
    assert registered["onestop.remind_post_checks"][1] is tasks.remind_post_checks
    assert registered["onestop.repair_submissions"][1] is tasks.repair_submissions
