"""秒批: the ride-hailing driver check approves and issues at submit, or falls back to manual review with its trace."""

from __future__ import annotations

from onestop_helpers import ADMIN, DRIVER_ID, NOVICE_ID, PDF, citizen, staff
from sqlalchemy.orm import Session

from yiwang.certs import services as certs_services
from yiwang.onestop import services
from yiwang.sharing import services as sharing_services

RIDE_HAILING = "510100-01-transport-002"


def test_instant_approval_issues_the_certificate_in_the_same_request(session: Session) -> None:
    driver = citizen(DRIVER_ID)
    draft = services.start_application(session, actor=driver, item_code=RIDE_HAILING)
    assert draft.status == "draft"
    assert {p.field for p in draft.prefilled} >= {"applicant_name", "applicant_id_number"}
    assert all(m.status == "waived" for m in draft.materials if m.source != "upload")
    assert any("免提交" in m.waived_reason for m in draft.materials)

    done = services.submit_application(
        session,
        actor=driver,
        application_id=draft.id,
        form_data={"applicant_phone": "13900001111", "platform_company": "蓉城出行", "exam_passed": True},
    )
    assert (done.status, done.outcome) == ("completed", "approved")
    item = done.item_rows[0]
    assert item.instant
    assert item.status == "approved"
    assert all(r.passed for r in item.rule_trace)
    years = next(r for r in item.rule_trace if r.rule_id == "licence_years")
    assert years.actual > 10
    assert years.required == 3
    # The trace is shown to staff and returned by the API: identifiers in it are masked.
    shown = [str(r.actual) for r in item.rule_trace] + [str(r.required) for r in item.rule_trace]
    assert not [value for value in shown if len(value) == 18 and value[:17].isdigit()]
    assert len(done.certificates) == 1
    assert certs_services.verify(session, done.certificates[0]).status == "valid"


def test_a_failed_rule_falls_back_to_manual_review_with_the_trace(session: Session) -> None:
    novice = citizen(NOVICE_ID, username="citizen.novice")
    draft = services.start_application(session, actor=novice, item_code=RIDE_HAILING)
    read = services.submit_application(
        session,
        actor=novice,
        application_id=draft.id,
        form_data={"applicant_phone": "13900002222", "platform_company": "蓉城出行", "exam_passed": True},
    )
    assert read.status == "submitted"
    item = read.item_rows[0]
    assert (item.instant, item.status) == (False, "pending")
    failed = [r for r in item.rule_trace if not r.passed]
    assert [r.rule_id for r in failed] == ["licence_years"]
    assert failed[0].actual < 3
    assert "驾驶经历不满 3 年" in item.decision_reason
    # The transport department decides by hand, seeing the trace.
    transport = staff("transport")
    services.accept_item(session, actor=transport, application_id=read.id, item_code=RIDE_HAILING)
    rejected = services.reject_item(
        session, actor=transport, application_id=read.id, item_code=RIDE_HAILING, reason="驾驶经历不满3年"
    )
    assert (rejected.application.status, rejected.application.outcome) == ("completed", "rejected")


def test_missing_data_is_never_an_automatic_rejection(session: Session) -> None:
    sharing_services.set_source_status(
        session, actor=ADMIN, department_code="police", available=False, reason="系统升级"
    )
    driver = citizen(DRIVER_ID)
    draft = services.start_application(session, actor=driver, item_code=RIDE_HAILING)
    id_card = next(m for m in draft.materials if m.code == "id_card")
    assert id_card.status == "needed"
    assert "暂不可用" in id_card.notice
    assert draft.notices
    # The applicant uploads what the police could not provide; 秒批 cannot decide without the licence data.
    needed = [m.code for m in draft.materials if m.status == "needed" and m.required]
    assert "id_card" in needed
    for code in needed:
        services.upload_material(
            session,
            actor=driver,
            application_id=draft.id,
            material_code=code,
            file_name=f"../../{code}.pdf" if code != "id_card" else "../../身份证.pdf",
            content_type="application/pdf",
            content=PDF,
        )
    read = services.submit_application(
        session,
        actor=driver,
        application_id=draft.id,
        form_data={"applicant_phone": "13900001111", "platform_company": "蓉城出行", "exam_passed": True},
    )
    assert (read.status, read.outcome) == ("submitted", None)
    item = read.item_rows[0]
    assert item.status == "pending"
    missing = {r.rule_id for r in item.rule_trace if r.missing}
    assert {"licence_years", "licence_valid", "no_serious_traffic"} <= missing
    assert not [r for r in item.rule_trace if not r.passed and not r.missing]
    uploaded = next(m for m in read.materials if m.code == "id_card")
    assert (uploaded.status, uploaded.file_name) == ("uploaded", "身份证.pdf")
