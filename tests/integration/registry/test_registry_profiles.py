"""一企一档 / 一人一档: records grouped by department, every read audited, unavailable sources shown as such."""

import pytest
from registry_testdata import PERSON_ID, RICH_USCC
from sqlalchemy import func, select

from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import NotFoundError, SourceUnavailableError, ValidationError
from yiwang.registry import services
from yiwang.sharing import services as sharing_services
from yiwang.sharing.models import AuditEntry

OFFICER = Actor(
    id="officer-1",
    department="market",
    role="department_staff",
    display_name="市场监管专员",
    roles=frozenset({"department_staff"}),
)
REGISTRAR = Actor(
    id="registrar-1",
    department="cityops",
    role="department_staff",
    display_name="城运办数据专员",
    roles=frozenset({"department_staff"}),
)


def audit(session, subject_code):
    return sharing_services.list_entries(session, subject_code=subject_code, page_size=500).items


def test_enterprise_profile_groups_records_by_department(session):
    profile = services.get_enterprise_profile(session, actor=OFFICER, uscc=RICH_USCC.lower())
    assert profile.enterprise.name == "成都蓉城示例餐饮管理有限公司"
    assert profile.enterprise.legal_representative_id == "510107********0314"
    layout = [(s.department_code, s.record_kind, len(s.records)) for s in profile.sections]
    assert layout == [
        ("hrss", "social_insurance", 6),
        ("health", "licence", 1),
        ("market", "licence", 2),
        ("market", "penalty", 1),
        ("market", "abnormal_operation", 1),
        ("hfund", "housing_fund", 6),
        ("tax", "tax", 3),
    ]
    sections = {(s.department_code, s.record_kind): s for s in profile.sections}
    market_licences = sections[("market", "licence")]
    assert market_licences.department_name == "市市场监管局"
    assert market_licences.source_systems == ["市场监管综合业务系统", "文件导入：licences_valid.xlsx"]
    issued = [r.issued_on for r in market_licences.records]
    assert issued == sorted(issued, reverse=True)  # newest first
    assert {r.validity for r in market_licences.records} == {"即将到期", "有效"}
    assert sections[("health", "licence")].records[0].validity == "已过期"
    tax_years = [r.year for r in sections[("tax", "tax")].records]
    assert tax_years == sorted(tax_years, reverse=True)
    assert [p.label for p in profile.tax_by_year] == sorted(p.label for p in profile.tax_by_year)
    assert len(profile.insured_by_month) == 6
    assert set(profile.insured_by_month[0].values) == {"insured_employees", "depositing_employees"}
    assert profile.unavailable_departments == []


def test_enterprise_profile_writes_one_audit_row_per_department_and_kind(session):
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    profile = services.get_enterprise_profile(
        session, actor=OFFICER, uscc=RICH_USCC, purpose="食品安全监管", legal_basis="《食品安全法》第一百一十条"
    )
    entries = audit(session, RICH_USCC)
    assert len(entries) == profile.audit_entries == 8  # base data + 7 (department, kind) sections
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before + 8
    read = {(e.source_department, e.record_kind): e for e in entries}
    assert set(read) == {
        ("cityops", "enterprise"),
        ("hrss", "social_insurance"),
        ("health", "licence"),
        ("market", "licence"),
        ("market", "penalty"),
        ("market", "abnormal_operation"),
        ("hfund", "housing_fund"),
        ("tax", "tax"),
    }
    tax = read[("tax", "tax")]
    assert tax.actor_id == "officer-1"
    assert tax.purpose == "食品安全监管"
    assert tax.legal_basis == "《食品安全法》第一百一十条"
    assert tax.cross_department is True
    assert tax.outcome == "granted"
    assert "revenue" in tax.fields
    assert read[("market", "penalty")].cross_department is False
    assert sharing_services.verify_chain(session).ok


def test_unavailable_source_is_shown_and_audited_without_reading(session):
    sharing_services.set_source_status(
        session, actor=SYSTEM_ACTOR, department_code="tax", available=False, reason="金税系统升级维护"
    )
    profile = services.get_enterprise_profile(session, actor=OFFICER, uscc=RICH_USCC)
    tax_sections = [s for s in profile.sections if s.department_code == "tax"]
    assert len(tax_sections) == 1
    section = tax_sections[0]
    assert (section.available, section.reason, section.records, section.record_kind) == (
        False,
        "金税系统升级维护",
        [],
        None,
    )
    assert profile.tax_by_year == []
    assert profile.unavailable_departments == ["tax"]
    assert any(s.department_code == "market" and s.available for s in profile.sections)
    entries = [e for e in audit(session, RICH_USCC) if e.source_department == "tax"]
    assert entries
    assert {e.outcome for e in entries} == {"unavailable"}


def test_base_register_unavailable_refuses_after_auditing(session):
    sharing_services.set_source_status(
        session, actor=SYSTEM_ACTOR, department_code="cityops", available=False, reason="停机"
    )
    with pytest.raises(SourceUnavailableError):
        services.get_enterprise_profile(session, actor=OFFICER, uscc=RICH_USCC)
    entries = audit(session, RICH_USCC)
    assert [(e.source_department, e.outcome) for e in entries] == [("cityops", "unavailable")]


def test_profile_errors(session):
    with pytest.raises(ValidationError) as caught:
        services.get_enterprise_profile(session, actor=OFFICER, uscc="91510107MA6DEMA185")
    assert "统一社会信用代码校验码错误" in caught.value.message
    with pytest.raises(NotFoundError, match="对应的市场主体不存在"):
        services.get_enterprise_profile(session, actor=OFFICER, uscc="91510107MA6CAB1262")
    with pytest.raises(ValidationError, match="公民身份号码"):
        services.get_person_profile(session, actor=OFFICER, id_number="510107198506120315")
    with pytest.raises(NotFoundError, match=r"510107\*+1236"):
        services.get_person_profile(session, actor=OFFICER, id_number="510107199003071236")
    assert audit(session, "91510107MA6CAB1262") == []


def test_person_profile_is_masked_by_default_and_unmasking_is_audited(session):
    profile = services.get_person_profile(session, actor=OFFICER, id_number=PERSON_ID)
    assert profile.masked
    assert profile.person.id_number == "510107********0314"
    assert profile.person.household_address == "成都市武侯区玉林街道****"
    assert profile.person.phone == "138****0001"
    assert profile.person.birth_date is None
    [section] = profile.sections
    assert (section.department_code, section.record_kind) == ("police", "certificate")
    certificate = section.records[0]
    assert certificate.cert_number == "510107********0314"
    assert certificate.holder_name == "张**"
    assert certificate.subject_code == "510107********0314"

    # Clear text is for the register's own staff only, with a purpose; a refusal is audited too.
    with pytest.raises(PermissionDeniedError):
        services.get_person_profile(session, actor=OFFICER, id_number=PERSON_ID, unmask=True, unmask_purpose="核实")
    with pytest.raises(ValidationError):
        services.get_person_profile(session, actor=REGISTRAR, id_number=PERSON_ID, unmask=True)
    unmasked = services.get_person_profile(
        session, actor=REGISTRAR, id_number=PERSON_ID, unmask=True, unmask_purpose="核实户籍信息"
    )
    unmasks = [(e.outcome, e.actor_id) for e in audit(session, PERSON_ID) if e.record_kind == "unmask"]
    assert sorted(unmasks) == [("denied", "officer-1"), ("granted", "registrar-1")]
    assert unmasked.person.id_number == PERSON_ID
    assert unmasked.person.phone == "13800000001"
    assert unmasked.sections[0].records[0].holder_name == "张示例"
    base_reads = sorted((e for e in audit(session, PERSON_ID) if e.record_kind == "person"), key=lambda e: e.seq)
    assert [("phone:masked" in e.fields, "phone" in e.fields) for e in base_reads] == [(True, False), (False, True)]


def test_person_profile_by_ref(session):
    ref = services.search(session, q="张示例", kind="person").items[0].ref
    profile = services.get_person_profile_by_ref(session, actor=OFFICER, ref=ref)
    assert profile.person.name == "张示例"
    with pytest.raises(NotFoundError):
        services.get_person_profile_by_ref(session, actor=OFFICER, ref="999999")
