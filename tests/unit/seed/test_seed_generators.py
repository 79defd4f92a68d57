"""The pure generators: valid identifiers, consistent attributes, plausible shares, determinism, schemas."""

import collections
import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pytest
import yaml

from yiwang.geo.divisions import load_divisions
from yiwang.kernel.identifiers import USCC_CHARSET, validate_citizen_id, validate_uscc
from yiwang.models import metadata
from yiwang.registry import rules
from yiwang.registry.industry import validate_industry
from yiwang.registry.services import DEPARTMENTS_FILE
from yiwang.registry.vocab import LicenceCategory, LicenceStatus, PenaltyCategory, TaxCreditGrade
from yiwang.seed import industry, pipeline, tables

AS_OF = dt.date(2025, 6, 30)


def _generate(seed: int, *, persons: int, enterprises: int, chunk_size: int) -> dict[str, pa.Table]:
    plan = pipeline.Plan(
        seed=seed,
        as_of=AS_OF,
        persons=persons,
        enterprises=enterprises,
        chunk_size=chunk_size,
        person_certificates=True,
    )
    parts: dict[str, list[pa.Table]] = collections.defaultdict(list)
    for name, data in pipeline.generate(plan):
        parts[name].append(data)
    return {name: pa.concat_tables(parts[name]) if parts[name] else tables.empty(name) for name in tables.SCHEMAS}


@pytest.fixture(scope="module")
def city() -> dict[str, pa.Table]:
    return _generate(11, persons=12_000, enterprises=5_000, chunk_size=5_000)


def _rows(data: pa.Table) -> list[dict[str, object]]:
    return data.to_pylist()


def _plus_years(day: dt.date, years: int) -> dt.date:
    """Anniversaries as the registry counts them: 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def test_every_table_has_exactly_the_database_columns(city):
    for name, data in city.items():
        assert data.schema.equals(tables.SCHEMAS[name])
        assert set(data.column_names) == {c.name for c in metadata.tables[name].columns}, name


def test_person_ids_validate_and_agree_with_sex_birth_and_district(city):
    persons = _rows(city[tables.PERSONS])
    assert len({p["id_number"] for p in persons}) == len(persons)
    assert [p["id"] for p in persons] == list(range(1, len(persons) + 1))
    for p in persons:
        citizen = validate_citizen_id(p["id_number"], today=AS_OF)
        assert citizen.sex == p["sex"]
        assert citizen.birth_date == p["birth_date"]
        assert citizen.area_code == p["household_district_code"]
        assert p["household_street_code"].startswith(p["household_district_code"])
        assert dt.date(1940, 1, 1) <= p["birth_date"] <= dt.date(AS_OF.year - 1, 12, 31)
        assert p["household_address"].startswith("成都市")
        assert p["household_address"].endswith("号")
        assert p["phone"] is None or re.fullmatch(r"1[3-9]\d{9}", p["phone"])
        assert p["synthetic"] is True


def test_persons_pass_the_registry_rules(city):
    known = load_divisions().codes()
    for p in _rows(city[tables.PERSONS])[:2000]:
        checked = rules.check_person(p, known_codes=known, today=AS_OF)
        assert checked.problems == [], (p, checked.problems)


def test_population_shape_is_plausible(city):
    persons = city[tables.PERSONS]
    birth = np.array(persons.column("birth_date").to_pylist(), dtype="datetime64[D]")
    age = (np.datetime64(AS_OF) - birth).astype(int) / 365.25
    assert 0.10 < (age < 15).mean() < 0.16
    assert 0.62 < ((age >= 15) & (age < 60)).mean() < 0.71
    assert 0.16 < (age >= 60).mean() < 0.25
    male = np.array(persons.column("sex").to_pylist()) == "男"
    assert 0.48 < male.mean() < 0.53
    surnames = collections.Counter(name[0] for name in persons.column("name").to_pylist())
    assert {s for s, _ in surnames.most_common(6)} <= {"李", "王", "张", "刘", "陈", "杨", "黄", "罗", "周"}
    districts = collections.Counter(persons.column("household_district_code").to_pylist())
    assert districts["510116"] > districts["510104"] > districts["510131"]  # 双流 > 锦江 > 蒲江


def test_enterprises_validate_and_are_consistent(city):
    persons = {p["id_number"]: p for p in _rows(city[tables.PERSONS])}
    entities = _rows(city[tables.ENTERPRISES])
    known = load_divisions().codes()
    assert len({e["uscc"] for e in entities}) == len(entities)
    for e in entities:
        validate_uscc(e["uscc"])
        assert e["uscc"][2:8] == e["district_code"]
        assert validate_industry(e["industry_section"], e["industry_division"])
        representative = persons[e["legal_representative_id"]]
        assert representative["name"] == e["legal_representative"]
        assert e["founded_on"] >= _plus_years(representative["birth_date"], 18)
        assert e["founded_on"] <= AS_OF
        checked = rules.check_enterprise(e, known_codes=known, today=AS_OF)
        assert checked.problems == [], (e, checked.problems)


def test_enterprise_mix_is_plausible(city):
    entities = city[tables.ENTERPRISES]
    types = collections.Counter(t.split("（")[0] for t in entities.column("entity_type").to_pylist())
    assert 0.50 < types["个体工商户"] / entities.num_rows < 0.60
    sections = collections.Counter(entities.column("industry_section").to_pylist())
    assert sections.most_common(1)[0][0] == "F"
    assert {"C", "E", "H", "I", "L", "M"} <= set(sections)
    statuses = collections.Counter(entities.column("status").to_pylist())
    assert (statuses["存续"] + statuses["在业"]) / entities.num_rows > 0.85
    assert statuses["注销"] > 0
    assert statuses["吊销"] > 0
    capital = [float(c) for c in entities.column("registered_capital").to_pylist()]
    assert any(c >= 1000 for c in capital)  # 注册资本 ≥ 1,000 万 exists (street cockpit visit prompts)
    names = entities.column("name").to_pylist()
    assert any(n.startswith("成都") and n.endswith("有限公司") for n in names)


def test_records_are_non_empty_owned_by_real_departments_and_name_real_subjects(city):
    departments = {d["code"] for d in yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))["departments"]}
    usccs = set(city[tables.ENTERPRISES].column("uscc").to_pylist())
    id_numbers = set(city[tables.PERSONS].column("id_number").to_pylist())
    for name in tables.SCHEMAS:
        if name in (tables.PERSONS, tables.ENTERPRISES):
            continue
        data = city[name]
        assert data.num_rows > 0, name
        assert set(data.column("owner_department").to_pylist()) <= departments, name
        assert all(data.column("synthetic").to_pylist()), name
        for kind, code in zip(
            data.column("subject_kind").to_pylist(), data.column("subject_code").to_pylist(), strict=True
        ):
            assert code in (usccs if kind == "enterprise" else id_numbers), (name, code)


def test_record_numbers_are_unique_and_vocabularies_match_the_registry(city):
    for name, column in (
        (tables.LICENCES, "licence_number"),
        (tables.PENALTIES, "decision_number"),
        (tables.COURT, "case_number"),
    ):
        values = city[name].column(column).to_pylist()
        assert len(set(values)) == len(values), (name, collections.Counter(values).most_common(3))
    penalties = _rows(city[tables.PENALTIES])
    allowed = {c.value for c in PenaltyCategory}
    for p in penalties:
        assert set(p["penalty_category"].split("、")) <= allowed
        assert re.fullmatch(r"成.+〔\d{4}〕\d+号", p["decision_number"])
        validate_uscc(p["authority_uscc"])
        years = (
            3
            if p["fine_amount"] >= 100_000 or "停产" in p["penalty_category"] or "吊销" in p["penalty_category"]
            else 1
        )
        assert p["publicity_until"] == _plus_years(p["decided_on"], years)
    departments = collections.Counter(p["owner_department"] for p in penalties)
    assert {"market", "ecoenv", "emergency", "urban", "fire", "tax"} <= set(departments)
    licences = _rows(city[tables.LICENCES])
    assert {lic["status"] for lic in licences} <= {s.value for s in LicenceStatus}
    assert {lic["licence_category"] for lic in licences} <= {c.value for c in LicenceCategory}
    assert {lic["owner_department"] for lic in licences} == {"market", "ecoenv", "housing", "transport", "health"}
    grades = {t["credit_grade"] for t in _rows(city[tables.TAX])}
    assert grades - {None} <= {g.value for g in TaxCreditGrade}


def test_licences_include_expired_and_soon_expiring_ones(city):
    licences = [lic for lic in _rows(city[tables.LICENCES]) if lic["status"] in ("有效", "过期")]
    left = [(lic["valid_to"] - AS_OF).days for lic in licences]
    assert any(d < 0 for d in left)
    assert any(0 <= d <= 30 for d in left)
    assert any(30 < d <= 90 for d in left)
    assert all((d < 0) == (lic["status"] == "过期") for d, lic in zip(left, licences, strict=True))


def test_monthly_and_yearly_records_cover_the_expected_periods(city):
    periods = set(city[tables.SOCIAL_INSURANCE].column("period").to_pylist())
    assert periods == {dt.date(2024, m, 1) for m in range(6, 13)} | {dt.date(2025, m, 1) for m in range(1, 6)}
    assert set(city[tables.TAX].column("year").to_pylist()) == {2022, 2023, 2024}
    keys = list(
        zip(
            city[tables.TAX].column("subject_code").to_pylist(),
            city[tables.TAX].column("year").to_pylist(),
            strict=True,
        )
    )
    assert len(set(keys)) == len(keys)
    arrears = [float(a) for a in city[tables.SOCIAL_INSURANCE].column("arrears").to_pylist()]
    assert any(a > 0 for a in arrears)


def test_person_certificates_cover_everyone_and_some_drivers(city):
    certificates = city[tables.CERTIFICATES]
    kinds = collections.Counter(certificates.column("cert_type").to_pylist())
    persons = city[tables.PERSONS].num_rows
    assert kinds["居民身份证"] == persons
    assert kinds["户口簿"] == persons
    adults = sum(1 for b in city[tables.PERSONS].column("birth_date").to_pylist() if (AS_OF - b).days >= 18 * 365.25)
    assert 0.3 < kinds["机动车驾驶证"] / adults < 0.5
    assert 0.15 < kinds["机动车行驶证"] / adults < 0.25
    assert kinds["高新技术企业证书"] > 0
    ids = certificates.column("id").to_pylist()
    assert ids == list(range(1, len(ids) + 1))


def test_same_seed_gives_identical_tables_and_another_seed_differs():
    first = _generate(5, persons=1_500, enterprises=400, chunk_size=600)
    again = _generate(5, persons=1_500, enterprises=400, chunk_size=600)
    other = _generate(6, persons=1_500, enterprises=400, chunk_size=600)
    for name in tables.SCHEMAS:
        assert first[name].equals(again[name]), name
    assert not first[tables.PERSONS].equals(other[tables.PERSONS])
    assert not first[tables.ENTERPRISES].equals(other[tables.ENTERPRISES])


def test_industry_table_uses_registry_codes_and_positive_weights():
    codes = [d.code for d in industry.DIVISIONS]
    assert codes == sorted(set(codes))
    for division in industry.DIVISIONS:
        assert validate_industry(division.section, division.code)
        assert division.company_weight > 0 or division.shop_weight > 0
        assert division.company_words
    assert all(c in USCC_CHARSET for c in "MA0123456789")
