"""补正, a false 告知承诺 revoked and recorded, and a concurrent double submit that creates exactly one case."""

from __future__ import annotations

import threading

import pytest
from onestop_helpers import ADMIN, DRIVER_ID, PDF, USCC, agent, citizen, staff
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.certs import services as certs_services
from yiwang.kernel.errors import ConflictError, ValidationError
from yiwang.onestop import services
from yiwang.onestop.events import CommitmentFoundFalse
from yiwang.onestop.models import Application
from yiwang.workflow import events as workflow_events
from yiwang.workflow.models import WorkflowInstance

RIDE_HAILING = "510100-01-transport-002"
FREIGHT = "510100-01-transport-001"
RIDE_FORM = {"applicant_phone": "13900001111", "platform_company": "蓉城出行", "exam_passed": False}


def test_correction_returns_named_fields_and_materials_to_the_applicant(session: Session) -> None:
    driver = citizen(DRIVER_ID)
    draft = services.start_application(session, actor=driver, item_code=RIDE_HAILING)
    read = services.submit_application(session, actor=driver, application_id=draft.id, form_data=RIDE_FORM)
    assert read.item_rows[0].status == "pending"  # exam not passed: manual review
    transport = staff("transport")
    services.accept_item(session, actor=transport, application_id=draft.id, item_code=RIDE_HAILING)
    with pytest.raises(ValidationError):
        services.request_correction(
            session, actor=transport, application_id=draft.id, item_code=RIDE_HAILING, reason="x", fields=["nope"]
        )
    asked = services.request_correction(
        session,
        actor=transport,
        application_id=draft.id,
        item_code=RIDE_HAILING,
        reason="请补充考试合格信息并重新上传身份证",
        fields=["exam_passed"],
        materials=["id_card"],
    ).application
    assert asked.status == "correction"
    assert asked.corrections[0].fields == ["exam_passed"]
    # Only the named field may change; the named material must be uploaded again.
    with pytest.raises(ValidationError, match="只能修改"):
        services.save_draft(
            session,
            actor=driver,
            application_id=draft.id,
            form_data={"platform_company": "别的平台"},
            expected_version=asked.version,
        )
    with pytest.raises(ValidationError, match="重新上传"):
        services.submit_application(session, actor=driver, application_id=draft.id, form_data={"exam_passed": True})
    services.upload_material(
        session,
        actor=driver,
        application_id=draft.id,
        material_code="id_card",
        file_name="身份证.pdf",
        content_type="application/pdf",
        content=PDF,
    )
    back = services.submit_application(session, actor=driver, application_id=draft.id, form_data={"exam_passed": True})
    assert back.status == "submitted"
    assert back.item_rows[0].status == "accepted"
    assert back.corrections[0].resolved_at is not None
    approved = services.approve_item(session, actor=transport, application_id=draft.id, item_code=RIDE_HAILING)
    assert approved.application.outcome == "approved"
    assert [e.action for e in approved.application.timeline if e.actor_kind != "system"] == [
        "start",
        "submit",
        "accept",
        "request_correction",
        "upload",
        "resubmit",
        "approve",
    ]


def test_false_commitment_revokes_notifies_and_emits_the_record(
    session: Session, collector: workflow_events.EventCollector
) -> None:
    company = agent()
    draft = services.start_application(session, actor=company, item_code=FREIGHT)
    signed = services.sign_commitment(session, actor=company, application_id=draft.id, item_code=FREIGHT)
    assert len(signed.sha256) == 64
    read = services.get_application(session, actor=company, application_id=draft.id)
    for m in read.materials:
        if m.required and m.status == "needed":
            services.upload_material(
                session,
                actor=company,
                application_id=draft.id,
                material_code=m.code,
                file_name=f"{m.code}.pdf",
                content_type="application/pdf",
                content=PDF,
            )
    schema = read.form_schema
    form = dict(read.form_data)
    form.update(_fill(schema, form))
    services.submit_application(session, actor=company, application_id=draft.id, form_data=form)
    transport = staff("transport")
    services.accept_item(session, actor=transport, application_id=draft.id, item_code=FREIGHT)
    approved = services.approve_item(session, actor=transport, application_id=draft.id, item_code=FREIGHT)
    number = approved.certificate_number
    assert number is not None
    checks = services.list_post_checks(session, actor=transport)
    assert [c.application_id for c in checks.items] == [draft.id]
    assert checks.items[0].post_check_due_at is not None
    with pytest.raises(Exception, match=r"无权|不存在|权限"):
        services.record_commitment_check(
            session, actor=staff("market"), commitment_id=checks.items[0].id, truthful=False, finding="不实"
        )
    result = services.record_commitment_check(
        session, actor=transport, commitment_id=checks.items[0].id, truthful=False, finding="现场核查无营运车辆"
    )
    assert result.status == "false"
    assert certs_services.verify(session, number).status == "revoked"
    events = collector.of(CommitmentFoundFalse)
    assert len(events) == 1
    event = events[0]
    assert (event.applicant_id, event.item_code, event.check_department) == (USCC, FREIGHT, "transport")
    assert event.finding == "现场核查无营运车辆"
    assert event.revoked_certificate == number
    with pytest.raises(ConflictError):
        services.record_commitment_check(
            session, actor=transport, commitment_id=checks.items[0].id, truthful=True, finding="再次核查"
        )
    assert ADMIN.has_role("platform_admin")


def _fill(schema: dict[str, object], have: dict[str, object]) -> dict[str, object]:
    """Answers for the required fields the pre-fill left empty (first enum value, a number, a phone…)."""
    answers: dict[str, object] = {}
    properties = schema.get("properties", {})
    assert isinstance(properties, dict)
    for name in schema.get("required", []):  # type: ignore[attr-defined]
        if name in have:
            continue
        spec = properties[name]
        if "enum" in spec:
            answers[name] = spec["enum"][0]
        elif spec.get("type") == "array":
            answers[name] = [spec["items"]["enum"][0]] if "enum" in spec["items"] else ["一"]
        elif spec.get("type") in {"number", "integer"}:
            answers[name] = 3
        elif spec.get("type") == "boolean":
            answers[name] = True
        elif "pattern" in spec and "1[0-9]{10}" in spec["pattern"]:
            answers[name] = "13900004444"
        elif "pattern" in spec and "[0-9]{17}" in spec["pattern"]:
            answers[name] = DRIVER_ID
        elif "pattern" in spec:
            answers[name] = "6228480402564890018"
        else:
            answers[name] = "测试填写"
    return answers


def test_concurrent_double_submit_creates_exactly_one_case(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    driver = citizen(DRIVER_ID)
    draft = services.start_application(session, actor=driver, item_code=RIDE_HAILING)
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        with session_factory() as own:
            try:
                barrier.wait()
                read = services.submit_application(own, actor=driver, application_id=draft.id, form_data=RIDE_FORM)
                results.append(read.status)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == ["submitted", "submitted"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(WorkflowInstance)) == 1
    app = session.get(Application, draft.id)
    assert app is not None
    assert app.workflow_instance_id is not None
