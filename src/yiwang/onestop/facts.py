"""Facts of an application: the registry profile and valid certificates flattened to the catalogue's fact paths.

Pure: takes what the registry and certs services returned and builds ``{"applicant.age": 34, …}`` plus, for
each fact, the department that provided it (the pre-fill shows "由市公安局共享"). Masked values (containing
``*``) are not facts: the government does hold them, but the applicant sees them masked, so the form asks for them.
Paths follow ``catalogue.codes.FACT_PATHS``; ``form.<field>`` reads the applicant's own answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from yiwang.kernel.identifiers import validate_citizen_id

BASE_REGISTER = "cityops"
DRIVING_LICENCE_NAMES = ("机动车驾驶证", "驾驶证", "driving_licence")
SERIOUS_TRAFFIC_MARKERS = ("醉酒", "毒驾", "记满12分", "肇事逃逸", "饮酒驾驶")
CRIMINAL_CASE = "刑事"
CRIMINAL_PARTY_ROLES = ("被告", "被上诉人", "上诉人")


@dataclass(slots=True)
class Facts:
    """Fact path → value, and fact path → providing department (None: the applicant's own answer)."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str | None] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)  # department → reason

    def put(self, path: str, value: Any, source: str | None) -> None:
        """Record a fact unless its value is unknown or masked."""
        if value is None or (isinstance(value, str) and (not value.strip() or "*" in value)):
            return
        self.values[path] = value
        self.sources[path] = source

    def get(self, path: str) -> tuple[bool, Any]:
        """(known, value) of a fact path."""
        if path in self.values:
            return True, self.values[path]
        return False, None


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _field(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def person_facts(facts: Facts, *, id_number: str, person: Any, sections: Iterable[Any], today: dt.date) -> None:
    """Facts about a natural person from the 一人一档 profile (``registry.schemas.PersonProfile``)."""
    parsed = validate_citizen_id(id_number)
    facts.put("applicant.id_number", parsed.number, BASE_REGISTER)
    facts.put("applicant.birth_date", parsed.birth_date.isoformat(), BASE_REGISTER)
    facts.put("applicant.age", _age(parsed.birth_date, today), BASE_REGISTER)
    facts.put("applicant.sex", parsed.sex, BASE_REGISTER)
    if person is not None:
        facts.put("applicant.name", _field(person, "name"), BASE_REGISTER)
        facts.put("applicant.phone", _field(person, "phone"), BASE_REGISTER)
        facts.put("applicant.household_address", _field(person, "household_address"), BASE_REGISTER)
        facts.put("applicant.household_district_code", _field(person, "household_district_code"), BASE_REGISTER)
    _record_facts(facts, sections, today=today)


def enterprise_facts(facts: Facts, *, enterprise: Any, sections: Iterable[Any], today: dt.date) -> None:
    """Facts about an enterprise from the 一企一档 profile (``registry.schemas.EnterpriseProfile``)."""
    pairs = {
        "enterprise.uscc": "uscc",
        "enterprise.name": "name",
        "enterprise.type": "entity_type",
        "enterprise.status": "status",
        "enterprise.legal_representative": "legal_representative",
        "enterprise.address": "address",
        "enterprise.district_code": "district_code",
        "enterprise.industry_section": "industry_section",
        "enterprise.employees": "employees",
    }
    for path, name in pairs.items():
        facts.put(path, _field(enterprise, name), BASE_REGISTER)
    capital = _field(enterprise, "registered_capital")
    facts.put("enterprise.registered_capital", float(capital) if capital is not None else None, BASE_REGISTER)
    founded = _field(enterprise, "founded_on")
    facts.put("enterprise.founded_on", founded.isoformat() if isinstance(founded, dt.date) else founded, BASE_REGISTER)
    _record_facts(facts, sections, today=today)


def _record_facts(facts: Facts, sections: Iterable[Any], *, today: dt.date) -> None:  # noqa: C901 - one kind a branch
    """Counts and derived values of the department records the profile returned."""
    by_kind: dict[str, list[tuple[str, Any]]] = {}
    for section in sections:
        department = str(_field(section, "department_code"))
        if not _field(section, "available"):
            facts.unavailable[department] = str(_field(section, "reason") or "")
            continue
        kind = _field(section, "record_kind")
        for record in _field(section, "records") or []:
            by_kind.setdefault(str(kind), []).append((department, record))
    # A count is a fact only when its holding department answered: "no records" from a department that is down
    # would wrongly pass a 秒批 rule such as "no criminal records".
    down = set(facts.unavailable)
    one_year_ago = today - dt.timedelta(days=365)
    criminal = [
        (d, r)
        for d, r in by_kind.get("court_judgment", [])
        if _field(r, "case_type") == CRIMINAL_CASE and _field(r, "party_role") in CRIMINAL_PARTY_ROLES
    ]
    if "ndrc" not in down:
        facts.put("records.criminal.count", len(criminal), _first_department(by_kind.get("court_judgment"), "ndrc"))
    serious = [
        (d, r)
        for d, r in by_kind.get("penalty", [])
        if any(m in f"{_field(r, 'violation_type')}{_field(r, 'facts')}" for m in SERIOUS_TRAFFIC_MARKERS)
        and _date(_field(r, "decided_on")) >= one_year_ago
    ]
    if "police" not in down:
        facts.put("records.traffic_violation.serious_count", len(serious), _first_department(serious, "police"))
    for kind, holder in (("serious_dishonesty", "ndrc"), ("abnormal_operation", "market")):
        current = [(d, r) for d, r in by_kind.get(kind, []) if not _field(r, "removed_on")]
        if holder not in down:
            facts.put(f"records.{kind}.count", len(current), _first_department(by_kind.get(kind), holder))
    licences = [(d, r) for d, r in by_kind.get("licence", []) if _valid(r, today)]
    if "market" not in down:
        facts.put("records.licence.count", len(licences), _first_department(by_kind.get("licence"), "market"))
    insurance = by_kind.get("social_insurance", [])
    if insurance:
        facts.put("records.social_insurance.months", len(insurance), insurance[0][0])
        latest = max(insurance, key=lambda pair: _date(_field(pair[1], "period")))
        facts.put("records.social_insurance.employees", _field(latest[1], "insured_employees"), latest[0])
    fund = by_kind.get("housing_fund", [])
    if fund:
        latest = max(fund, key=lambda pair: _date(_field(pair[1], "period")))
        facts.put("records.housing_fund.employees", _field(latest[1], "depositing_employees"), latest[0])
    licences_held = [
        (d, r) for d, r in by_kind.get("certificate", []) if str(_field(r, "cert_type")) in DRIVING_LICENCE_NAMES
    ]
    if licences_held:
        department, record = min(licences_held, key=lambda pair: _date(_field(pair[1], "issued_on")))
        issued = _date(_field(record, "issued_on"))
        facts.put("records.driving_licence.years_held", round((today - issued).days / 365.25, 2), department)
        facts.put("records.driving_licence.valid", _valid(record, today), department)


def _first_department(pairs: list[tuple[str, Any]] | None, default: str) -> str:
    return pairs[0][0] if pairs else default


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        text = value[:10]
        # A month period ("2026-09") is its first day.
        return dt.date.fromisoformat(text if len(text) == 10 else f"{text[:7]}-01")  # noqa: PLR2004 - YYYY-MM-DD
    return dt.date.min


def _valid(record: Any, today: dt.date) -> bool:
    valid_to = _field(record, "valid_to")
    status = str(_field(record, "status") or "")
    if status and any(word in status for word in ("注销", "撤销", "吊销", "失效")):
        return False
    return valid_to is None or _date(valid_to) >= today


def certificate_facts(facts: Facts, certificates: Iterable[tuple[str, str, str]]) -> None:
    """Facts from valid e-certificates: ``(cert_type, number, issuing department)``."""
    for cert_type, number, department in certificates:
        facts.put(f"certificates.{cert_type}.number", number, department)


def form_facts(facts: Facts, form_data: Mapping[str, Any]) -> None:
    """The applicant's own answers as ``form.<field>`` facts (no providing department)."""
    for name, value in form_data.items():
        facts.put(f"form.{name}", value, None)
