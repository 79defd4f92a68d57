"""Read models of base data and the lookups they need (department directory order, names of divisions)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.geo import services as geo_services
from yiwang.kernel.masking import mask_address, mask_id_number, mask_phone
from yiwang.registry import rules
from yiwang.registry.industry import division_name, section_name
from yiwang.registry.models import Department, Enterprise, Person
from yiwang.registry.schemas import EnterpriseRead, PersonRead

DEPARTMENTS_FILE = Path(__file__).resolve().parent / "data" / "departments.yaml"
"""The canonical department directory (master data shipped with the code)."""


@cache
def directory_order() -> dict[str, int]:
    """Department code → position in the canonical directory (the order people know them in); do not mutate."""
    document = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    return {str(entry["code"]): index for index, entry in enumerate(document["departments"])}


def department_names(session: Session) -> dict[str, str]:
    """Department code → short name (市税务局 …)."""
    return {row.code: row.short_name for row in session.execute(select(Department.code, Department.short_name))}


def division_names(session: Session) -> dict[str, str]:
    """District and street code → name (the geo context caches the table)."""
    return geo_services.division_names(session)


def person_read(person: Person, names: dict[str, str], *, masked: bool) -> PersonRead:
    """A person as shown to users: ID number, phone and address masked unless ``masked`` is false."""
    today = rules.city_today()
    born = person.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    street = person.household_street_code
    return PersonRead(
        ref=str(person.id),
        id_number=mask_id_number(person.id_number) if masked else person.id_number,
        name=person.name,
        sex=person.sex,
        birth_date=None if masked else born,
        age=age,
        household_address=mask_address(person.household_address) if masked else person.household_address,
        household_district_code=person.household_district_code,
        household_district_name=names.get(person.household_district_code, person.household_district_code),
        household_street_code=street,
        household_street_name=names.get(street) if street else None,
        phone=(mask_phone(person.phone) if masked else person.phone) if person.phone else None,
        synthetic=person.synthetic,
        masked=masked,
    )


def enterprise_read(enterprise: Enterprise, names: dict[str, str]) -> EnterpriseRead:
    """An enterprise with the Chinese names of its codes; the legal representative's ID number masked."""
    street = enterprise.street_code
    rep_id = enterprise.legal_representative_id
    return EnterpriseRead(
        uscc=enterprise.uscc,
        name=enterprise.name,
        entity_type=enterprise.entity_type,
        legal_representative=enterprise.legal_representative,
        legal_representative_id=mask_id_number(rep_id) if rep_id else None,
        industry_section=enterprise.industry_section,
        industry_section_name=section_name(enterprise.industry_section),
        industry_division=enterprise.industry_division,
        industry_division_name=division_name(enterprise.industry_division),
        registered_capital=enterprise.registered_capital,
        founded_on=enterprise.founded_on,
        district_code=enterprise.district_code,
        district_name=names.get(enterprise.district_code, enterprise.district_code),
        street_code=street,
        street_name=names.get(street) if street else None,
        address=enterprise.address,
        status=enterprise.status,
        employees=enterprise.employees,
        synthetic=enterprise.synthetic,
    )
