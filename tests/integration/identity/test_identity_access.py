"""The access choke point on real registry data, and audited unmasking of personal data."""

from __future__ import annotations

import pytest
from id_helpers import PERSON_ID, USCC
from sqlalchemy.orm import Session

from yiwang.identity import access
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import ResourceKind, Role
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import NotFoundError, ValidationError
from yiwang.sharing import services as sharing_services

MISSING_PERSON = "510107198512120011"


def _actor(account_id: str, role: Role, **scope: str) -> Actor:
    return Actor(id=account_id, department=scope.pop("department", None), role=role, roles=frozenset({role}), **scope)


ADMIN = _actor("admin", Role.PLATFORM_ADMIN)
DATA_STAFF = _actor("staff.cityops", Role.DEPARTMENT_STAFF, department="cityops")
TAX_STAFF = _actor("staff.tax", Role.DEPARTMENT_STAFF, department="tax")
OPERATOR = _actor("operator.12345", Role.HOTLINE_OPERATOR, department="cityops")
SELF = _actor("citizen.demo", Role.CITIZEN, person_id_number=PERSON_ID)
OTHER = _actor("citizen.other", Role.CITIZEN, person_id_number="51010419850101234X")
AGENT = _actor("agent.demo", Role.ENTERPRISE_AGENT, enterprise_uscc=USCC)
JINJIANG_LEADER = _actor("leader.jinjiang", Role.LEADER, district_code="510104")


def test_access_person(id_session: Session) -> None:
    ref = access.access_person(id_session, actor=SELF, id_number=PERSON_ID)
    assert ref.kind == ResourceKind.PERSON
    assert ref.district_code == "510107"
    assert ref.street_code == "510107001"
    assert ref.owner_department == "cityops"
    access.access_person(id_session, actor=TAX_STAFF, id_number=PERSON_ID)  # the shared register
    access.access_person(id_session, actor=DATA_STAFF, id_number=PERSON_ID, action="write")
    with pytest.raises(PermissionDeniedError):
        access.access_person(id_session, actor=TAX_STAFF, id_number=PERSON_ID, action="write")
    with pytest.raises(NotFoundError) as hidden:
        access.access_person(id_session, actor=OTHER, id_number=PERSON_ID)
    with pytest.raises(NotFoundError) as missing:
        access.access_person(id_session, actor=ADMIN, id_number=MISSING_PERSON)
    assert hidden.value.message == "公民身份号码 510107********1236 对应的自然人不存在"
    assert missing.value.message == "公民身份号码 510107********0011 对应的自然人不存在"
    with pytest.raises(NotFoundError):
        access.access_person(id_session, actor=JINJIANG_LEADER, id_number=PERSON_ID)
    with pytest.raises(ValidationError, match="校验码错误"):
        access.access_person(id_session, actor=ADMIN, id_number="510107199003071235")


def test_access_enterprise(id_session: Session) -> None:
    ref = access.access_enterprise(id_session, actor=AGENT, uscc=USCC)
    assert ref.enterprise_uscc == USCC
    assert ref.district_code == "510107"
    access.access_enterprise(id_session, actor=OPERATOR, uscc=USCC)
    with pytest.raises(PermissionDeniedError):
        access.access_enterprise(id_session, actor=AGENT, uscc=USCC, action="write")
    with pytest.raises(NotFoundError, match=f"统一社会信用代码 {USCC} 对应的市场主体不存在"):
        access.access_enterprise(id_session, actor=SELF, uscc=USCC)
    with pytest.raises(NotFoundError, match="对应的市场主体不存在"):
        access.access_enterprise(id_session, actor=ADMIN, uscc="91510104MA61XY124G")


def _unmask_entries(session: Session) -> list[sharing_services.AuditEntryRead]:
    page = sharing_services.list_entries(session, subject_code=PERSON_ID)
    return [entry for entry in page.items if entry.record_kind == "unmask"]


def test_unmask_is_allowed_to_the_holding_department_and_audited(id_session: Session) -> None:
    grant = access.unmask(
        id_session,
        actor=DATA_STAFF,
        subject_kind="person",
        subject_code=PERSON_ID,
        fields=["id_number", "phone", "phone"],
        purpose="核实低保申请人身份",
    )
    assert grant.fields == ("id_number", "phone")
    assert grant.source_department == "cityops"
    entries = _unmask_entries(id_session)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.seq == grant.audit_seq[0]
    assert entry.actor_id == "staff.cityops"
    assert entry.purpose == "核实低保申请人身份"
    assert entry.outcome == "granted"
    assert entry.fields == ["id_number", "phone"]
    access.unmask(
        id_session,
        actor=ADMIN,
        subject_kind="enterprise",
        subject_code=USCC,
        fields=["legal_representative_id"],
        purpose="稽查",
    )
    tax = access.unmask(
        id_session,
        actor=TAX_STAFF,
        subject_kind="person",
        subject_code=PERSON_ID,
        fields=["phone"],
        purpose="催缴通知",
        source_department="tax",
    )
    assert tax.source_department == "tax"
    assert sharing_services.verify_chain(id_session).ok


def test_unmask_refused_is_audited_too(id_session: Session) -> None:
    for actor in (TAX_STAFF, OPERATOR, SELF):
        with pytest.raises(PermissionDeniedError, match="只有数据所属部门的工作人员或平台管理员"):
            access.unmask(
                id_session,
                actor=actor,
                subject_kind="person",
                subject_code=PERSON_ID,
                fields=["phone"],
                purpose="想看看",
            )
    entries = _unmask_entries(id_session)
    assert [entry.outcome for entry in entries] == ["denied", "denied", "denied"]
    assert {entry.actor_id for entry in entries} == {"staff.tax", "operator.12345", "citizen.demo"}


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"purpose": "  "}, "purpose", "查看完整个人信息必须填写用途"),
        ({"fields": []}, "fields", "请列出需要查看完整内容的字段"),
        ({"fields": ["salary"]}, "fields", "字段 salary 不能解除脱敏"),
        ({"subject_kind": "vehicle"}, "subject_kind", "主体类型 'vehicle' 无效"),
    ],
)
def test_unmask_needs_a_purpose_and_known_fields(
    id_session: Session, kwargs: dict[str, object], field: str, message: str
) -> None:
    arguments: dict[str, object] = {
        "subject_kind": "person",
        "subject_code": PERSON_ID,
        "fields": ["phone"],
        "purpose": "核实身份",
        **kwargs,
    }
    with pytest.raises(ValidationError) as raised:
        access.unmask(id_session, actor=ADMIN, **arguments)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert message in raised.value.message
    assert _unmask_entries(id_session) == []
