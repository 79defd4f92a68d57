"""Facts of an application: the registry profile flattened to fact paths with their providing department; counts
are facts only when the holding department answered; masked values are not facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yiwang.onestop import facts

TODAY = dt.date(2026, 11, 28)
DRIVER_ID = "510107199003071236"


def section(kind: str, department: str, records: list[dict[str, Any]], *, available: bool = True) -> dict[str, Any]:
    return {
        "record_kind": kind,
        "department_code": department,
        "available": available,
        "reason": "" if available else "系统升级",
        "records": records,
    }


PERSON = {
    "name": "王建国",
    "phone": "138****5678",
    "household_address": "成都市武侯区洗面桥街8号",
    "household_district_code": "510107",
}


def person(sections: list[dict[str, Any]]) -> facts.Facts:
    found = facts.Facts()
    facts.person_facts(found, id_number=DRIVER_ID, person=PERSON, sections=sections, today=TODAY)
    return found


def test_person_facts_from_the_id_number_and_the_register() -> None:
    found = person([])
    assert found.get("applicant.age") == (True, 36)
    assert found.get("applicant.birth_date") == (True, "1990-03-07")
    assert found.get("applicant.sex")[0]
    assert found.get("applicant.name") == (True, "王建国")
    assert found.sources["applicant.name"] == facts.BASE_REGISTER
    assert found.get("applicant.phone") == (False, None)  # masked: the form asks for it
    assert found.get("applicant.household_district_code") == (True, "510107")


def test_counts_are_zero_only_when_the_holding_department_answered() -> None:
    answered = person([section("court_judgment", "ndrc", []), section("penalty", "police", [])])
    assert answered.get("records.criminal.count") == (True, 0)
    assert answered.get("records.traffic_violation.serious_count") == (True, 0)
    down = person(
        [section("court_judgment", "ndrc", [], available=False), section("penalty", "police", [], available=False)]
    )
    assert down.get("records.criminal.count") == (False, None)
    assert down.get("records.traffic_violation.serious_count") == (False, None)
    assert down.unavailable == {"ndrc": "系统升级", "police": "系统升级"}


def test_criminal_and_serious_traffic_records() -> None:
    judgments = [
        {"case_type": "刑事", "party_role": "被告"},
        {"case_type": "民事", "party_role": "被告"},  # a civil case is no criminal record
        {"case_type": "刑事", "party_role": "证人"},
    ]
    penalties = [
        {"violation_type": "醉酒驾驶", "facts": "", "decided_on": "2026-05-01"},
        {"violation_type": "超速", "facts": "超速 20%", "decided_on": "2026-06-01"},
        {"violation_type": "饮酒驾驶", "facts": "", "decided_on": "2024-01-01"},  # older than a year
    ]
    found = person([section("court_judgment", "ndrc", judgments), section("penalty", "police", penalties)])
    assert found.get("records.criminal.count") == (True, 1)
    assert found.get("records.traffic_violation.serious_count") == (True, 1)


def test_driving_licence_years_and_validity() -> None:
    licence = {"cert_type": "机动车驾驶证", "issued_on": dt.date(2015, 3, 1), "valid_to": dt.date(2031, 3, 1)}
    found = person([section("certificate", "police", [licence])])
    assert found.get("records.driving_licence.years_held") == (True, 11.75)
    assert found.get("records.driving_licence.valid") == (True, True)
    assert found.sources["records.driving_licence.years_held"] == "police"
    expired = {**licence, "valid_to": dt.date(2026, 1, 1)}
    assert person([section("certificate", "police", [expired])]).get("records.driving_licence.valid") == (True, False)
    revoked = {**licence, "status": "已吊销"}
    assert person([section("certificate", "police", [revoked])]).get("records.driving_licence.valid") == (True, False)
    assert person([]).get("records.driving_licence.years_held") == (False, None)


def test_enterprise_facts_and_records() -> None:
    enterprise = {
        "uscc": "91510107MA6CAB1262",
        "name": "成都锦程餐饮管理有限公司",
        "entity_type": "有限责任公司",
        "status": "存续",
        "registered_capital": 100,
        "founded_on": dt.date(2015, 6, 1),
        "employees": None,
    }
    insurance = [
        {"period": "2026-09", "insured_employees": 5},
        {"period": "2026-10", "insured_employees": 7},
    ]
    found = facts.Facts()
    facts.enterprise_facts(
        found,
        enterprise=enterprise,
        sections=[
            section("social_insurance", "hrss", insurance),
            section("serious_dishonesty", "ndrc", [{"removed_on": "2025-01-01"}]),
            section("abnormal_operation", "market", [{"removed_on": None}]),
        ],
        today=TODAY,
    )
    assert found.get("enterprise.registered_capital") == (True, 100.0)
    assert found.get("enterprise.founded_on") == (True, "2015-06-01")
    assert found.get("enterprise.employees") == (False, None)
    assert found.get("records.social_insurance.months") == (True, 2)
    assert found.get("records.social_insurance.employees") == (True, 7)
    assert found.get("records.serious_dishonesty.count") == (True, 0)  # removed from the list
    assert found.get("records.abnormal_operation.count") == (True, 1)
    assert found.sources["records.social_insurance.employees"] == "hrss"


def test_certificates_and_form_answers() -> None:
    found = facts.Facts()
    facts.certificate_facts(found, [("business_licence", "SC-2026-1", "market")])
    facts.form_facts(found, {"exam_passed": True, "note": ""})
    assert found.get("certificates.business_licence.number") == (True, "SC-2026-1")
    assert found.sources["certificates.business_licence.number"] == "market"
    assert found.get("form.exam_passed") == (True, True)
    assert found.sources["form.exam_passed"] is None
    assert found.get("form.note") == (False, None)
