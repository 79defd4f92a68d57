"""Registry services against the database: departments, registration, search, overview, export."""

import datetime as dt
from decimal import Decimal

import pytest
from registry_testdata import OTHER_USCC, RICH_USCC
from sqlalchemy import func, select

from yiwang.kernel.errors import ConflictError, ValidationError
from yiwang.registry import services
from yiwang.registry.models import Department, Enterprise, Licence, Person
from yiwang.registry.schemas import EnterpriseCreate, PersonCreate


def test_load_departments_is_idempotent(session):
    assert services.load_departments(session) == 34
    assert services.load_departments(session) == 34
    assert session.scalar(select(func.count()).select_from(Department)) == 34
    tax = session.get(Department, "tax")
    assert tax.short_name == "市税务局"
    assert "纳税" in tax.duties


def test_list_departments_counts_records_per_kind(session):
    departments = {d.code: d for d in services.list_departments(session)}
    assert list(departments)[:2] == ["cityops", "ndrc"]  # directory order
    assert departments["market"].record_counts == {"licence": 3, "penalty": 1, "abnormal_operation": 1}
    assert departments["tax"].record_counts == {"tax": 3}
    assert departments["market"].total_records == 5
    assert departments["veterans"].total_records == 0
    plain = services.list_departments(session, with_counts=False)
    assert plain[0].record_counts == {}


def person_data(**overrides):
    data = {
        "name": "赵示例",
        "id_number": "510107199003071236",
        "household_address": "成都市武侯区玉林街道示例路9号",
        "household_district_code": "510107",
        "household_street_code": "510107005",
        "phone": "13900000009",
    }
    data.update(overrides)
    return PersonCreate(**data)


def enterprise_data(**overrides):
    data = {
        "uscc": "91510107MA6CAB1262",
        "name": "成都测试示例商贸有限公司",
        "entity_type": "有限责任公司",
        "legal_representative": "赵示例",
        "industry_section": "F",
        "industry_division": "52",
        "registered_capital": Decimal("50.5"),
        "founded_on": dt.date(2019, 7, 1),
        "district_code": "510107",
        "street_code": "510107001",
        "address": "成都市武侯区浆洗街街道示例路2号",
    }
    data.update(overrides)
    return EnterpriseCreate(**data)


def test_create_person_masks_the_answer_and_refuses_duplicates(session):
    read = services.create_person(session, data=person_data())
    assert read.id_number == "510107********1236"
    assert read.sex == "男"
    assert read.birth_date is None
    assert read.household_address == "成都市武侯区玉林街道****"
    assert read.phone == "139****0009"
    assert read.household_street_name == "玉林街道"
    stored = session.scalar(select(Person).where(Person.id_number == "510107199003071236"))
    assert stored.birth_date == dt.date(1990, 3, 7)
    with pytest.raises(ConflictError) as caught:
        services.create_person(session, data=person_data())
    assert caught.value.message == "公民身份号码 510107********1236 已登记，不能重复登记"


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"id_number": "510107199003071237"}, "id_number", "公民身份号码校验码错误"),
        ({"sex": "女"}, "sex", "与公民身份号码不一致"),
        ({"household_street_code": "510104022"}, "household_street_code", "不属于户籍区县代码 510107"),
        ({"household_district_code": "510199"}, "household_district_code", "不在本市行政区划代码表中"),
    ],
)
def test_create_person_errors(session, overrides, field, fragment):
    with pytest.raises(ValidationError) as caught:
        services.create_person(session, data=person_data(**overrides))
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_create_enterprise_and_conflict(session):
    read = services.create_enterprise(session, data=enterprise_data())
    assert read.industry_section_name == "批发和零售业"
    assert read.industry_division_name == "零售业"
    assert read.district_name == "武侯区"
    assert read.street_name == "浆洗街街道"
    assert read.registered_capital == Decimal("50.50")
    with pytest.raises(ConflictError, match="已登记"):
        services.create_enterprise(session, data=enterprise_data())


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"industry_division": "62"}, "industry_division", "属于门类 H"),
        ({"registered_capital": Decimal(-5)}, "registered_capital", "注册资本不能为负数"),
        ({"founded_on": dt.date.today() + dt.timedelta(days=2)}, "founded_on", "晚于今天"),  # noqa: DTZ011
        ({"street_code": "510104022"}, "street_code", "不属于所在区县代码"),
        ({"uscc": "91510107MA6CAB1263"}, "uscc", "校验码错误"),
    ],
)
def test_create_enterprise_errors(session, overrides, field, fragment):
    with pytest.raises(ValidationError) as caught:
        services.create_enterprise(session, data=enterprise_data(**overrides))
    assert caught.value.field == field
    assert fragment in caught.value.message
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 4


def test_search_enterprises_by_name_code_and_filters(session):
    assert services.search(session, q="示例", kind="enterprise").total == 4
    page = services.search(session, q="锦江示例", kind="enterprise")
    assert [e.uscc for e in page.items] == [OTHER_USCC]
    assert services.search(session, q="ma6dema", kind="enterprise").items[0].uscc == RICH_USCC
    assert services.search(session, q=None, kind="enterprise", industry_section="h").total == 2
    assert services.search(session, q=None, kind="enterprise", district_code="510107").total == 2
    assert services.search(session, q=None, kind="enterprise", status="在业").total == 1
    assert services.search(session, q="100%_", kind="enterprise").total == 0  # wildcards are literal
    paged = services.search(session, q=None, kind="enterprise", page=2, page_size=3)
    assert (paged.total, paged.pages, len(paged.items)) == (4, 2, 1)


def test_search_filter_errors(session):
    with pytest.raises(ValidationError, match="行业门类 Z 无效"):
        services.search(session, q=None, kind="enterprise", industry_section="Z")
    with pytest.raises(ValidationError, match="登记状态 倒闭 无效"):
        services.search(session, q=None, kind="enterprise", status="倒闭")
    with pytest.raises(ValidationError, match="每页条数"):
        services.search(session, q=None, kind="enterprise", page_size=1000)


def test_search_persons_exact_and_masked(session):
    by_id = services.search(session, q="510107198506120314", kind="person")
    assert by_id.total == 1
    person = by_id.items[0]
    assert person.name == "张示例"
    assert person.id_number == "510107********0314"
    assert person.phone == "138****0001"
    assert services.search(session, q="张示例", kind="person").total == 1
    assert services.search(session, q="张", kind="person").total == 0  # exact match only
    assert services.search(session, q="", kind="person").total == 0  # no population listing


def test_overview(session):
    overview = services.overview(session)
    assert (overview.persons, overview.enterprises) == (3, 4)
    assert {i.code: (i.name, i.count) for i in overview.enterprises_by_industry}["H"] == ("住宿和餐饮业", 2)
    assert {i.code: (i.name, i.count) for i in overview.enterprises_by_district}["510107"] == ("武侯区", 2)
    by_kind = {i.code: i.count for i in overview.records_by_kind}
    assert by_kind["licence"] == 5
    assert by_kind["penalty"] == 3
    assert by_kind["tax"] == 3
    # The shipped sample licences have fixed dates, so count what is due from the stored rows.
    due = [
        licence
        for licence in session.scalars(select(Licence))
        if licence.valid_to and overview.as_of <= licence.valid_to <= overview.as_of + dt.timedelta(days=30)
    ]
    assert overview.licences_expiring_30d == len(due) >= 1
    assert overview.abnormal_enterprises == 1
    assert {i.code for i in overview.records_by_department} >= {"market", "tax", "hrss"}


def test_overview_on_empty_database(empty_db_url):
    from yiwang.db import make_engine, make_session_factory

    engine = make_engine(empty_db_url)
    try:
        with make_session_factory(engine)() as session:
            overview = services.overview(session)
            assert overview.persons == 0
            assert overview.enterprises_by_district == []
            assert services.list_departments(session) == []
    finally:
        engine.dispose()


def test_export_csv_has_bom_and_chinese_headers(session):
    text = "".join(services.export_enterprises_csv(session, q="示例", batch_size=2))
    assert text.startswith("\ufeff统一社会信用代码,企业名称")
    lines = text.strip().splitlines()
    assert len(lines) == 5
    assert any("成都蓉城示例餐饮管理有限公司" in line and "住宿和餐饮业" in line for line in lines)
    with pytest.raises(ValidationError):
        services.export_enterprises_csv(session, industry_section="Z")


def test_example_subjects(session):
    example = services.example_subjects(session)
    assert example.enterprise_uscc is not None
    assert example.enterprise_name
    assert example.person_id_number is not None
