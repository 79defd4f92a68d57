"""Profile building blocks: validity of licences, grouping of sections, chart series."""

import datetime as dt
from decimal import Decimal

from yiwang.registry import profiles
from yiwang.registry.schemas import LicenceRead, PenaltyRead, SocialInsuranceRead, TaxRecordRead

TODAY = dt.date(2025, 6, 1)
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def base(i, department, kind="enterprise", code="91510107MA6CAB1262"):
    return {
        "id": i,
        "owner_department": department,
        "subject_kind": kind,
        "subject_code": code,
        "source_system": f"{department}-system",
        "recorded_at": NOW,
        "synthetic": True,
    }


def licence(i, department, issued, valid_to, status="有效"):
    return LicenceRead(
        **base(i, department),
        licence_type="食品经营许可证",
        licence_number=f"JY{i}",
        decision_number=None,
        licence_category=None,
        issuing_authority="局",
        authority_uscc=None,
        issued_on=issued,
        valid_from=issued,
        valid_to=valid_to,
        status=status,
        content="",
    )


def penalty(i, department, decided):
    return PenaltyRead(
        **base(i, department),
        decision_number=f"罚{i}",
        violation_type="违法",
        facts="",
        penalty_category="罚款",
        fine_amount=Decimal(100),
        confiscated_amount=Decimal(0),
        revoked_licence="",
        decided_on=decided,
        deciding_authority="局",
        authority_uscc=None,
        publicity_until=None,
        basis="",
        content="",
    )


def test_validity_states():
    assert profiles.validity(None, today=TODAY) == (profiles.Validity.PERMANENT, None)
    assert profiles.validity(dt.date(2025, 5, 31), today=TODAY) == (profiles.Validity.EXPIRED, -1)
    assert profiles.validity(dt.date(2025, 7, 1), today=TODAY) == (profiles.Validity.EXPIRING, 30)
    assert profiles.validity(dt.date(2025, 7, 2), today=TODAY)[0] == profiles.Validity.VALID
    assert profiles.validity(dt.date(2030, 1, 1), today=TODAY, status="吊销")[0] == profiles.Validity.INACTIVE


def test_sections_follow_directory_order_newest_first_and_unavailable_last():
    loaded = {
        "licence": [licence(1, "market", dt.date(2020, 1, 1), None), licence(2, "health", dt.date(2023, 1, 1), None)],
        "penalty": [penalty(3, "market", dt.date(2021, 1, 1)), penalty(4, "market", dt.date(2024, 1, 1))],
    }
    sections = profiles.build_sections(
        loaded,
        department_order=["market", "health", "tax"],
        department_names={"market": "市市场监管局", "health": "市卫健委", "tax": "市税务局"},
        unavailable={"tax": "系统升级"},
    )
    assert [(s.department_code, s.record_kind, s.available) for s in sections] == [
        ("market", "licence", True),
        ("market", "penalty", True),
        ("health", "licence", True),
        ("tax", None, False),
    ]
    assert [r.id for r in sections[1].records] == [4, 3]
    assert sections[1].latest_on == dt.date(2024, 1, 1)
    assert sections[0].source_systems == ["market-system"]
    assert sections[3].reason == "系统升级"
    assert sections[3].records == []
    panels = profiles.panels(sections)
    assert [(p.code, len(p.sections)) for p in panels] == [("market", 2), ("health", 1), ("tax", 1)]
    assert panels[0].latest_on == dt.date(2024, 1, 1)


def test_to_read_masks_person_subjects_and_marks_validity():
    class Row:
        def __init__(self, **values):
            self.__dict__.update(values)

    row = Row(
        **base(1, "police", kind="person", code="510107199003071236"),
        cert_type="机动车驾驶证",
        cert_number="510107199003071236",
        holder_name="张三",
        issuing_authority="成都市公安局交通管理局",
        issued_on=dt.date(2020, 1, 1),
        valid_to=dt.date(2025, 6, 10),
        details={},
    )
    read = profiles.to_read(row, "certificate", today=TODAY, masked=True)
    assert read.subject_code == "510107********1236"
    assert read.cert_number == "510107********1236"
    assert read.holder_name == "张*"
    assert read.validity == "即将到期"
    assert read.days_left == 9
    plain = profiles.to_read(row, "certificate", today=TODAY, masked=False)
    assert plain.holder_name == "张三"


def test_series():
    tax = [
        TaxRecordRead(
            **base(1, "tax"),
            year=2024,
            revenue=Decimal(2_000_000),
            tax_paid=Decimal(100_000),
            arrears=Decimal(0),
            credit_grade="A",
        ),
        TaxRecordRead(
            **base(2, "tax"),
            year=2023,
            revenue=Decimal(1_000_000),
            tax_paid=Decimal(50_000),
            arrears=Decimal(0),
            credit_grade="B",
        ),
    ]
    assert [(p.label, p.values) for p in profiles.tax_series(tax)] == [
        ("2023", {"revenue": 100.0, "tax_paid": 5.0}),
        ("2024", {"revenue": 200.0, "tax_paid": 10.0}),
    ]
    insured = [
        SocialInsuranceRead(**base(3, "hrss"), period=dt.date(2025, 1, 1), insured_employees=12, arrears=Decimal(0))
    ]
    series = profiles.employee_series(insured, [])
    assert [(p.label, p.values) for p in series] == [("2025-01", {"insured_employees": 12})]
    assert profiles.disclosed_fields("tax") == ("year", "revenue", "tax_paid", "arrears", "credit_grade")
