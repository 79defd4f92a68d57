"""Use cases of the registry (数据底座): departments, base data, search, overview, profiles, imports.

Profiles read every department's records through the audited access layer of :mod:`yiwang.sharing`: one query
per record kind (never one per department or record), sources marked unavailable are left out of the queries
and shown as such, and the audit rows are appended right before the commit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy import ColumnElement, false, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from yiwang.db import utcnow
from yiwang.geo import services as geo_services
from yiwang.identity import scopes
from yiwang.identity.scopes import ResourceKind, ResourceRef
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, SourceUnavailableError, ValidationError
from yiwang.kernel.identifiers import validate_citizen_id, validate_uscc
from yiwang.kernel.masking import mask_id_number
from yiwang.kernel.pages import Page
from yiwang.logs import get_logger
from yiwang.registry import import_checks, importers, profiles, reads, rules
from yiwang.registry.industry import SECTIONS_BY_CODE, section_name
from yiwang.registry.kinds import (
    BASE_FIELDS,
    BASE_REGISTER_DEPARTMENT,
    KINDS,
    RECORD_KINDS,
    KindSpec,
    kinds_for_subject,
)
from yiwang.registry.models import RECORD_MODELS, AbnormalOperation, Department, Enterprise, Licence, Person
from yiwang.registry.schemas import (
    CountItem,
    DepartmentRead,
    DepartmentSection,
    EnterpriseCreate,
    EnterpriseProfile,
    EnterpriseRead,
    ExampleSubjects,
    ImportReport,
    Option,
    Overview,
    PersonCreate,
    PersonProfile,
    PersonRead,
    RecordBase,
    SearchOptions,
)
from yiwang.registry.vocab import EnterpriseStatus, LicenceStatus, SubjectKind
from yiwang.sharing import services as sharing_services

DEPARTMENTS_FILE = reads.DEPARTMENTS_FILE
SAMPLES_DIR = reads.DEPARTMENTS_FILE.parent / "samples"
ENTERPRISE_PURPOSE = "一企一档查询"
PERSON_PURPOSE = "一人一档查询"
DEFAULT_LEGAL_BASIS = "《政务数据共享管理办法》"
MAX_PAGE_SIZE = 200
MAX_REPORTED_ERRORS = 1000
EXPIRING_DAYS = 30

log = get_logger("yiwang.registry")


# --- access --------------------------------------------------------------------------------------------------


def _authorize_write(actor: Actor, ref: ResourceRef) -> None:
    """Registering a new subject or importing rows: refused with 403 (never "not found": nothing is hidden)."""
    from yiwang.identity import access  # noqa: PLC0415 - identity.access reads this module's searches

    try:
        access.authorize(actor, ref, "write")
    except NotFoundError:
        raise access.PermissionDeniedError(
            f"您没有登记或导入{scopes.kind_label(ref.kind)}的权限", field=ref.kind
        ) from None


def _scope_condition(
    actor: Actor,
    *,
    kind: ResourceKind,
    district: InstrumentedAttribute[str],
    street: InstrumentedAttribute[str | None],
    subject: InstrumentedAttribute[str],
) -> ColumnElement[bool] | None:
    """SQL limiting a base-register search to what the actor may read (None: the whole register).

    The access rules decide: each area or subject the actor is tied to is offered to them as a resource and
    kept as a filter when they may read it, so the rules live in one place and the query never over-fetches.
    """
    base = ResourceRef(kind=kind, owner_department=BASE_REGISTER_DEPARTMENT)
    if scopes.can_read(actor, base):
        return None
    clauses: list[ColumnElement[bool]] = []
    if actor.district_code and scopes.can_read(actor, replace(base, district_code=actor.district_code)):
        clauses.append(district == actor.district_code)
    area_street = actor.street_code or (actor.grid_code[:9] if actor.grid_code else None)
    if area_street and scopes.can_read(actor, replace(base, street_code=area_street)):
        clauses.append(street == area_street)
    own = actor.person_id_number if kind == ResourceKind.PERSON else actor.enterprise_uscc
    probe = replace(base, person_id_number=own) if kind == ResourceKind.PERSON else replace(base, enterprise_uscc=own)
    if own and scopes.can_read(actor, probe):
        clauses.append(subject == own)
    return or_(*clauses) if clauses else false()


# --- departments ---------------------------------------------------------------------------------------------


def load_departments(session: Session, *, path: Path = DEPARTMENTS_FILE) -> int:
    """Upsert the canonical department directory from ``departments.yaml``; return how many it holds."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = document.get("departments") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValidationError(f"部门目录文件 {path.name} 中没有 departments 列表", field="departments")
    existing = {department.code: department for department in session.scalars(select(Department))}
    for entry in entries:
        code = str(entry["code"])
        department = existing.get(code)
        if department is None:
            department = Department(code=code)
            session.add(department)
        department.name = str(entry["name"])
        department.short_name = str(entry.get("short") or entry["name"])
        department.kind = str(entry.get("kind") or "government")
        department.duties = [str(duty) for duty in entry.get("duties") or []]
    session.commit()
    log.info("departments_loaded", count=len(entries))
    return len(entries)


def _record_counts(session: Session) -> list[tuple[str, str, int]]:
    """(kind, department, count) for every record table: one UNION ALL of grouped counts."""
    parts = [
        select(
            literal(kind).label("kind"),
            model.owner_department.label("department"),
            func.count().label("n"),
        ).group_by(model.owner_department)
        for kind, model in RECORD_MODELS.items()
    ]
    return [(str(kind), str(department), int(n)) for kind, department, n in session.execute(union_all(*parts))]


def department_names(session: Session) -> dict[str, str]:
    """Department code → short name (市税务局 …), for pages that show units by name."""
    return reads.department_names(session)


def list_departments(session: Session, *, with_counts: bool = True) -> list[DepartmentRead]:
    """Departments in directory order, with their record counts per kind (one grouped query for all kinds)."""
    departments = session.scalars(select(Department).order_by(Department.name)).all()
    order = reads.directory_order()
    departments = sorted(departments, key=lambda d: (order.get(d.code, len(order)), d.code))
    counts: dict[str, dict[str, int]] = {}
    if with_counts and departments:
        for kind, department, n in _record_counts(session):
            counts.setdefault(department, {})[kind] = n
    return [
        DepartmentRead(
            code=d.code,
            name=d.name,
            short_name=d.short_name,
            kind=d.kind,
            duties=list(d.duties or []),
            record_counts=counts.get(d.code, {}),
            total_records=sum(counts.get(d.code, {}).values()),
        )
        for d in departments
    ]


def _add_once(session: Session, row: Person | Enterprise, duplicate: ConflictError) -> None:
    """Insert and commit; the unique key decides a duplicate (also between concurrent registrations)."""
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise duplicate from None


def create_person(session: Session, *, data: PersonCreate, actor: Actor = SYSTEM_ACTOR) -> PersonRead:
    """Register a natural person after checking the ID number, its agreement with sex/birth date, and places.

    Only those who may write the population register (its department's staff, platform administrators) may.
    """
    _authorize_write(
        actor,
        ResourceRef(
            kind=ResourceKind.PERSON,
            owner_department=BASE_REGISTER_DEPARTMENT,
            district_code=data.household_district_code,
            street_code=data.household_street_code,
        ),
    )
    checked = rules.check_person(
        data.model_dump(), known_codes=geo_services.known_division_codes(session), today=rules.city_today()
    )
    checked.raise_first()
    number = str(checked.values["id_number"])
    person = Person(**checked.values)
    _add_once(
        session, person, ConflictError(f"公民身份号码 {mask_id_number(number)} 已登记，不能重复登记", field="id_number")
    )
    log.info("person_created", person_id=person.id)
    return reads.person_read(person, reads.division_names(session), masked=True)


def create_enterprise(session: Session, *, data: EnterpriseCreate, actor: Actor = SYSTEM_ACTOR) -> EnterpriseRead:
    """Register a market entity after checking its code, type, industry, capital, dates and places.

    Only those who may write the legal-entity register (its department's staff, platform administrators) may.
    """
    _authorize_write(
        actor,
        ResourceRef(
            kind=ResourceKind.ENTERPRISE,
            owner_department=BASE_REGISTER_DEPARTMENT,
            district_code=data.district_code,
            street_code=data.street_code,
        ),
    )
    checked = rules.check_enterprise(
        data.model_dump(), known_codes=geo_services.known_division_codes(session), today=rules.city_today()
    )
    checked.raise_first()
    uscc = str(checked.values["uscc"])
    enterprise = Enterprise(**checked.values)
    _add_once(session, enterprise, ConflictError(f"统一社会信用代码 {uscc} 已登记，不能重复登记", field="uscc"))
    log.info("enterprise_created", uscc=uscc)
    return reads.enterprise_read(enterprise, reads.division_names(session))


# --- search --------------------------------------------------------------------------------------------------


def _page_bounds(page: int, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise ValidationError(f"页码应从1开始：{page}", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"每页条数应在1到{MAX_PAGE_SIZE}之间：{page_size}", field="page_size")
    return page, page_size


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _enterprise_filters(
    *, q: str | None, district_code: str | None, industry_section: str | None, status: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    text = (q or "").strip()
    if text:
        if len(text) > 128:  # noqa: PLR2004 - longer than any name or code
            raise ValidationError("搜索词过长：最多128个字符", field="q")
        conditions.append(
            or_(Enterprise.name.ilike(_like(text), escape="\\"), Enterprise.uscc.like(_like(text.upper()), escape="\\"))
        )
    if district_code:
        if not (district_code.isdigit() and len(district_code) == 6):  # noqa: PLR2004
            raise ValidationError(f"区县代码应为6位数字：{district_code}", field="district_code")
        conditions.append(Enterprise.district_code == district_code)
    if industry_section:
        section = industry_section.strip().upper()
        if section not in SECTIONS_BY_CODE:
            raise ValidationError(f"行业门类 {industry_section} 无效：应为 A–T", field="industry_section")
        conditions.append(Enterprise.industry_section == section)
    if status:
        if status not in {s.value for s in EnterpriseStatus}:
            choices = "、".join(s.value for s in EnterpriseStatus)
            raise ValidationError(f"登记状态 {status} 无效：应为 {choices} 之一", field="status")
        conditions.append(Enterprise.status == status)
    return conditions


def search_enterprises(
    session: Session,
    *,
    q: str | None = None,
    district_code: str | None = None,
    industry_section: str | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = 20,
    actor: Actor = SYSTEM_ACTOR,
) -> Page[EnterpriseRead]:
    """Enterprises whose name or 统一社会信用代码 contains ``q``, filtered, in name order, with the total.

    Only the enterprises ``actor`` may read are searched (an enterprise agent finds only their own).
    """
    page, page_size = _page_bounds(page, page_size)
    conditions = _enterprise_filters(q=q, district_code=district_code, industry_section=industry_section, status=status)
    scope = _scope_condition(
        actor,
        kind=ResourceKind.ENTERPRISE,
        district=Enterprise.district_code,
        street=Enterprise.street_code,
        subject=Enterprise.uscc,
    )
    if scope is not None:
        conditions.append(scope)
    total = session.scalar(select(func.count()).select_from(Enterprise).where(*conditions)) or 0
    rows = session.scalars(
        select(Enterprise)
        .where(*conditions)
        .order_by(Enterprise.name, Enterprise.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    names = reads.division_names(session) if rows else {}
    return Page[EnterpriseRead](
        items=[reads.enterprise_read(row, names) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


def search_persons(
    session: Session,
    *,
    q: str | None,
    district_code: str | None = None,
    page: int = 1,
    page_size: int = 20,
    actor: Actor = SYSTEM_ACTOR,
) -> Page[PersonRead]:
    """Persons by exact 公民身份号码 or exact name (masked); an empty query finds nobody (no population listing).

    Only the persons ``actor`` may read are searched (a citizen finds only themselves).
    """
    page, page_size = _page_bounds(page, page_size)
    text = (q or "").strip()
    if not text:
        return Page[PersonRead](items=[], total=0, page=page, page_size=page_size)
    candidate = text.upper()
    looks_like_id = len(candidate) == 18 and candidate[:17].isdigit()  # noqa: PLR2004
    condition = Person.id_number == candidate if looks_like_id else Person.name == text
    conditions = [condition]
    if district_code:
        conditions.append(Person.household_district_code == district_code)
    scope = _scope_condition(
        actor,
        kind=ResourceKind.PERSON,
        district=Person.household_district_code,
        street=Person.household_street_code,
        subject=Person.id_number,
    )
    if scope is not None:
        conditions.append(scope)
    total = session.scalar(select(func.count()).select_from(Person).where(*conditions)) or 0
    rows = session.scalars(
        select(Person).where(*conditions).order_by(Person.id).offset((page - 1) * page_size).limit(page_size)
    ).all()
    names = reads.division_names(session) if rows else {}
    return Page[PersonRead](
        items=[reads.person_read(row, names, masked=True) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


def search(
    session: Session,
    *,
    q: str | None,
    kind: Literal["enterprise", "person"] = "enterprise",
    district_code: str | None = None,
    industry_section: str | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = 20,
    actor: Actor = SYSTEM_ACTOR,
) -> Page[EnterpriseRead] | Page[PersonRead]:
    """Search enterprises (name/USCC substring, filters) or persons (exact ID number or name, masked), in scope."""
    if kind == "enterprise":
        return search_enterprises(
            session,
            q=q,
            district_code=district_code,
            industry_section=industry_section,
            status=status,
            page=page,
            page_size=page_size,
            actor=actor,
        )
    if kind == "person":
        return search_persons(session, q=q, district_code=district_code, page=page, page_size=page_size, actor=actor)
    raise ValidationError(f"搜索类别 {kind!r} 无效：应为 enterprise（企业）或 person（自然人）", field="kind")


EXPORT_COLUMNS = (
    ("统一社会信用代码", "uscc"),
    ("企业名称", "name"),
    ("市场主体类型", "entity_type"),
    ("法定代表人", "legal_representative"),
    ("行业门类", "industry_section"),
    ("行业门类名称", "industry_section_name"),
    ("行业大类", "industry_division"),
    ("行业大类名称", "industry_division_name"),
    ("注册资本（万元）", "registered_capital"),
    ("成立日期", "founded_on"),
    ("所在区县", "district_name"),
    ("所在街道", "street_name"),
    ("住所", "address"),
    ("登记状态", "status"),
    ("从业人数", "employees"),
    ("合成数据", "synthetic"),
)


def export_enterprises_csv(
    session: Session,
    *,
    q: str | None = None,
    district_code: str | None = None,
    industry_section: str | None = None,
    status: str | None = None,
    batch_size: int = 2000,
    actor: Actor = SYSTEM_ACTOR,
) -> Iterator[str]:
    """The search result as CSV text chunks: UTF-8 with a BOM (so Excel opens it), Chinese headers.

    Filters are checked before this returns (a bad filter raises here, not halfway through a download); the
    rows are then streamed in batches while the caller iterates, so the session must stay open until the end.
    """
    conditions = _enterprise_filters(q=q, district_code=district_code, industry_section=industry_section, status=status)
    scope = _scope_condition(
        actor,
        kind=ResourceKind.ENTERPRISE,
        district=Enterprise.district_code,
        street=Enterprise.street_code,
        subject=Enterprise.uscc,
    )
    if scope is not None:
        conditions.append(scope)
    names = reads.division_names(session)
    return _csv_chunks(session, conditions, names, batch_size=batch_size)


def _csv_chunks(
    session: Session, conditions: list[ColumnElement[bool]], names: dict[str, str], *, batch_size: int
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in EXPORT_COLUMNS])
    yield "\ufeff" + buffer.getvalue()
    stmt = select(Enterprise).where(*conditions).order_by(Enterprise.name, Enterprise.id)
    for chunk in session.scalars(stmt.execution_options(yield_per=batch_size)).partitions():
        buffer.seek(0)
        buffer.truncate()
        for enterprise in chunk:
            row = reads.enterprise_read(enterprise, names).model_dump()
            writer.writerow([_csv_value(row[name]) for _, name in EXPORT_COLUMNS])
        yield buffer.getvalue()


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def search_options(session: Session) -> SearchOptions:
    """Choices for the search filters: districts (from geo), industry sections, registration statuses."""
    return SearchOptions(
        districts=[Option(code=d.code, name=d.name) for d in geo_services.list_districts(session)],
        industry_sections=[Option(code=code, name=section.name) for code, section in SECTIONS_BY_CODE.items()],
        statuses=[Option(code=s.value, name=s.value) for s in EnterpriseStatus],
    )


# --- overview ------------------------------------------------------------------------------------------------


def overview(session: Session) -> Overview:
    """Counts for the home page in a handful of queries (totals, by industry, by district, records, names)."""
    today = rules.city_today()
    horizon = today + dt.timedelta(days=EXPIRING_DAYS)
    totals = session.execute(
        select(
            select(func.count()).select_from(Person).scalar_subquery(),
            select(func.count()).select_from(Enterprise).scalar_subquery(),
            select(func.count())
            .select_from(Licence)
            .where(
                Licence.valid_to >= today,
                Licence.valid_to <= horizon,
                Licence.status == LicenceStatus.VALID.value,
            )
            .scalar_subquery(),
            select(func.count(func.distinct(AbnormalOperation.subject_code)))
            .where(
                AbnormalOperation.subject_kind == SubjectKind.ENTERPRISE.value,
                AbnormalOperation.removed_on.is_(None),
            )
            .scalar_subquery(),
        )
    ).one()
    by_section = session.execute(
        select(Enterprise.industry_section, func.count()).group_by(Enterprise.industry_section)
    ).all()
    by_district = session.execute(
        select(Enterprise.district_code, func.count()).group_by(Enterprise.district_code)
    ).all()
    by_kind: dict[str, int] = {}
    by_department: dict[str, int] = {}
    for kind, department, n in _record_counts(session):
        by_kind[kind] = by_kind.get(kind, 0) + n
        by_department[department] = by_department.get(department, 0) + n
    names = reads.division_names(session) if by_district else {}
    department_names = reads.department_names(session) if by_department else {}
    return Overview(
        persons=totals[0] or 0,
        enterprises=totals[1] or 0,
        enterprises_by_industry=sorted(
            (CountItem(code=code, name=section_name(code), count=n) for code, n in by_section),
            key=lambda item: item.code,
        ),
        enterprises_by_district=sorted(
            (CountItem(code=code, name=names.get(code, code), count=n) for code, n in by_district),
            key=lambda item: item.code,
        ),
        records_by_kind=[
            CountItem(code=kind, name=spec.name, count=by_kind.get(kind, 0)) for kind, spec in RECORD_KINDS.items()
        ],
        records_by_department=sorted(
            (CountItem(code=code, name=department_names.get(code, code), count=n) for code, n in by_department.items()),
            key=lambda item: -item.count,
        ),
        licences_expiring_30d=totals[2] or 0,
        abnormal_enterprises=totals[3] or 0,
        as_of=today,
    )


def example_subjects(session: Session) -> ExampleSubjects:
    """An enterprise and a person worth opening in a demo: ones that have licences (else the first registered)."""
    licensed = (
        select(Licence.subject_code)
        .where(Licence.subject_kind == SubjectKind.ENTERPRISE.value)
        .limit(1)
        .scalar_subquery()
    )
    columns = (Enterprise.uscc, Enterprise.name)
    enterprise = session.execute(select(*columns).where(Enterprise.uscc == licensed)).one_or_none()
    if enterprise is None:
        enterprise = session.execute(select(*columns).order_by(Enterprise.id).limit(1)).one_or_none()
    person = session.scalar(select(Person.id_number).order_by(Person.id).limit(1))
    return ExampleSubjects(
        enterprise_uscc=enterprise.uscc if enterprise else None,
        enterprise_name=enterprise.name if enterprise else None,
        person_id_number=person,
    )


# --- profiles ------------------------------------------------------------------------------------------------


def _load_records(
    session: Session,
    *,
    subject_kind: SubjectKind,
    subject_code: str,
    unavailable: dict[str, str],
    masked: bool,
) -> dict[str, list[RecordBase]]:
    """Every record kind about the subject, one query per kind, leaving out departments whose source is down."""
    today = rules.city_today()
    loaded: dict[str, list[RecordBase]] = {}
    for spec in kinds_for_subject(subject_kind):
        model: Any = RECORD_MODELS[spec.kind]
        stmt = select(model).where(model.subject_kind == subject_kind.value, model.subject_code == subject_code)
        if unavailable:
            stmt = stmt.where(model.owner_department.not_in(list(unavailable)))
        loaded[spec.kind] = [
            profiles.to_read(row, spec.kind, today=today, masked=masked) for row in session.scalars(stmt)
        ]
    return loaded


def _access_requests(
    *,
    subject_kind: SubjectKind,
    subject_code: str,
    sections: Sequence[DepartmentSection],
) -> tuple[list[sharing_services.AccessRequest], list[sharing_services.AccessRequest]]:
    """Audit requests: one per (department, kind) that disclosed records, one per kind of each unavailable source."""
    granted: list[sharing_services.AccessRequest] = []
    unavailable: list[sharing_services.AccessRequest] = []
    for section in sections:
        if section.available and section.record_kind:
            granted.append(
                sharing_services.AccessRequest(
                    source_department=section.department_code,
                    subject_kind=subject_kind.value,
                    subject_code=subject_code,
                    record_kind=section.record_kind,
                    fields=profiles.disclosed_fields(section.record_kind),
                )
            )
        elif not section.available:
            unavailable.extend(
                sharing_services.AccessRequest(
                    source_department=section.department_code,
                    subject_kind=subject_kind.value,
                    subject_code=subject_code,
                    record_kind=spec.kind,
                    fields=profiles.disclosed_fields(spec.kind),
                )
                for spec in kinds_for_subject(subject_kind)
            )
    return granted, unavailable


def _audit(
    session: Session,
    *,
    actor: Actor,
    purpose: str,
    legal_basis: str,
    granted: Sequence[sharing_services.AccessRequest],
    unavailable: Sequence[sharing_services.AccessRequest],
) -> int:
    """Append the audit rows (granted reads, then attempts on unavailable sources); the caller commits next."""
    entries = sharing_services.record_access(
        session, actor=actor, requests=granted, purpose=purpose, legal_basis=legal_basis
    )
    if unavailable:
        entries += sharing_services.record_access(
            session, actor=actor, requests=unavailable, purpose=purpose, legal_basis=legal_basis, outcome="unavailable"
        )
    return len(entries)


def _base_register_available(
    session: Session,
    *,
    actor: Actor,
    unavailable: dict[str, str],
    request: sharing_services.AccessRequest,
    purpose: str,
    legal_basis: str,
) -> None:
    """Refuse (after auditing the attempt) when the base register itself is marked unavailable."""
    if BASE_REGISTER_DEPARTMENT in unavailable:
        _audit(session, actor=actor, purpose=purpose, legal_basis=legal_basis, granted=[], unavailable=[request])
        session.commit()
        raise SourceUnavailableError(BASE_REGISTER_DEPARTMENT, unavailable[BASE_REGISTER_DEPARTMENT])


def parse_uscc(value: str) -> str:
    """A 统一社会信用代码 from a path or form, normalised; ValidationError (422) with the Chinese reason."""
    return validate_uscc(value, field="统一社会信用代码")


def parse_id_number(value: str) -> str:
    """A 公民身份号码 from a path or form, normalised; ValidationError (422) with the Chinese reason."""
    return validate_citizen_id(value, field="公民身份号码", today=rules.city_today()).number


def get_enterprise_profile(
    session: Session,
    *,
    actor: Actor,
    uscc: str,
    purpose: str = ENTERPRISE_PURPOSE,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
) -> EnterpriseProfile:
    """一企一档: base data and every department's records about the enterprise, each read audited.

    An enterprise outside the actor's scope is "not found", like a missing one.
    """
    from yiwang.identity import access  # noqa: PLC0415 - identity.access reads this module's searches

    code = parse_uscc(uscc)
    access.access_enterprise(session, actor=actor, uscc=code)
    unavailable = sharing_services.unavailable_departments(session)
    base_request = sharing_services.AccessRequest(
        source_department=BASE_REGISTER_DEPARTMENT,
        subject_kind=SubjectKind.ENTERPRISE.value,
        subject_code=code,
        record_kind="enterprise",
        fields=BASE_FIELDS["enterprise"],
    )
    _base_register_available(
        session, actor=actor, unavailable=unavailable, request=base_request, purpose=purpose, legal_basis=legal_basis
    )
    enterprise = session.scalars(select(Enterprise).where(Enterprise.uscc == code)).one_or_none()
    if enterprise is None:
        raise NotFoundError(f"统一社会信用代码 {code} 对应的市场主体不存在", field="uscc")
    loaded = _load_records(
        session, subject_kind=SubjectKind.ENTERPRISE, subject_code=code, unavailable=unavailable, masked=False
    )
    sections = profiles.build_sections(
        loaded,
        department_order=list(reads.directory_order()),
        department_names=reads.department_names(session),
        unavailable=unavailable,
    )
    read = reads.enterprise_read(enterprise, reads.division_names(session))
    granted, denied = _access_requests(subject_kind=SubjectKind.ENTERPRISE, subject_code=code, sections=sections)
    audited = _audit(
        session,
        actor=actor,
        purpose=purpose,
        legal_basis=legal_basis,
        granted=[base_request, *granted],
        unavailable=denied,
    )
    session.commit()
    return EnterpriseProfile(
        enterprise=read,
        sections=sections,
        unavailable_departments=sorted(unavailable),
        tax_by_year=profiles.tax_series(loaded.get("tax", [])),
        insured_by_month=profiles.employee_series(loaded.get("social_insurance", []), loaded.get("housing_fund", [])),
        purpose=purpose,
        legal_basis=legal_basis,
        audit_entries=audited,
        generated_at=utcnow(),
    )


def get_person_profile(
    session: Session,
    *,
    actor: Actor,
    id_number: str,
    purpose: str = PERSON_PURPOSE,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
    unmask: bool = False,
    unmask_purpose: str | None = None,
) -> PersonProfile:
    """一人一档: a person's base data (ID number, phone, address masked unless ``unmask``) and records, audited.

    A person outside the actor's scope is "not found". Unmasking needs a role allowed to see clear text and a
    purpose (``unmask_purpose``); it is recorded in the audit log, refusals (403) included.
    """
    from yiwang.identity import access  # noqa: PLC0415 - identity.access reads this module's searches

    number = parse_id_number(id_number)
    access.access_person(session, actor=actor, id_number=number)
    if unmask:
        # A purpose of the read's own (not the default one) also states why clear text is needed.
        reason = unmask_purpose or (purpose if purpose != PERSON_PURPOSE else "")
        _unmask_person(session, actor=actor, number=number, purpose=reason)
    masked = not unmask
    unavailable = sharing_services.unavailable_departments(session)
    disclosed = (
        ("id_number:masked", "name", "sex", "household_district_code", "household_street_code",
         "household_address:masked", "phone:masked")
        if masked
        else ("id_number", "name", "sex", "birth_date", "household_district_code", "household_street_code",
              "household_address", "phone")
    )  # fmt: skip
    base_request = sharing_services.AccessRequest(
        source_department=BASE_REGISTER_DEPARTMENT,
        subject_kind=SubjectKind.PERSON.value,
        subject_code=number,
        record_kind="person",
        fields=disclosed,
    )
    _base_register_available(
        session, actor=actor, unavailable=unavailable, request=base_request, purpose=purpose, legal_basis=legal_basis
    )
    person = session.scalars(select(Person).where(Person.id_number == number)).one_or_none()
    if person is None:
        raise NotFoundError(f"公民身份号码 {mask_id_number(number)} 对应的自然人不存在", field="id_number")
    loaded = _load_records(
        session, subject_kind=SubjectKind.PERSON, subject_code=number, unavailable=unavailable, masked=masked
    )
    sections = profiles.build_sections(
        loaded,
        department_order=list(reads.directory_order()),
        department_names=reads.department_names(session),
        unavailable=unavailable,
    )
    read = reads.person_read(person, reads.division_names(session), masked=masked)
    granted, denied = _access_requests(subject_kind=SubjectKind.PERSON, subject_code=number, sections=sections)
    audited = _audit(
        session,
        actor=actor,
        purpose=purpose,
        legal_basis=legal_basis,
        granted=[base_request, *granted],
        unavailable=denied,
    )
    session.commit()
    return PersonProfile(
        person=read,
        sections=sections,
        unavailable_departments=sorted(unavailable),
        masked=masked,
        purpose=purpose,
        legal_basis=legal_basis,
        audit_entries=audited,
        generated_at=utcnow(),
    )


def _unmask_person(session: Session, *, actor: Actor, number: str, purpose: str) -> None:
    """Clear text of a person's data: allowed (or refused, 403) and audited by ``identity.access.unmask``.

    Code-constructed internal identities (jobs, seeding: no account can hold them) are trusted code paths that
    the identity rules do not grant clear text to; their reads are still recorded as ``unmask`` entries.
    """
    from yiwang.identity import access  # noqa: PLC0415 - identity.access reads this module's searches

    fields = access.UNMASKABLE_FIELDS["person"]
    if not actor.has_role(*scopes.INTERNAL_ROLES):
        access.unmask(
            session,
            actor=actor,
            subject_kind="person",
            subject_code=number,
            fields=fields,
            purpose=purpose,
            legal_basis=access.UNMASK_LEGAL_BASIS,
        )
        return
    if not purpose.strip():
        raise ValidationError("查看完整个人信息必须填写用途", field="purpose")
    request = sharing_services.AccessRequest(
        source_department=BASE_REGISTER_DEPARTMENT,
        subject_kind=SubjectKind.PERSON.value,
        subject_code=number,
        record_kind="unmask",
        fields=fields,
    )
    sharing_services.record_access(
        session, actor=actor, requests=[request], purpose=purpose, legal_basis=access.UNMASK_LEGAL_BASIS
    )
    session.commit()


def get_person_profile_by_ref(
    session: Session,
    *,
    actor: Actor,
    ref: str,
    purpose: str = PERSON_PURPOSE,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
    unmask: bool = False,
    unmask_purpose: str | None = None,
) -> PersonProfile:
    """The person profile reached from a masked search result, whose link carries the opaque ``ref``."""
    number = session.scalar(select(Person.id_number).where(Person.id == int(ref))) if ref.isdigit() else None
    if number is None:
        raise NotFoundError(f"人员引用 {ref[:20]} 不存在", field="ref")
    return get_person_profile(
        session,
        actor=actor,
        id_number=number,
        purpose=purpose,
        legal_basis=legal_basis,
        unmask=unmask,
        unmask_purpose=unmask_purpose,
    )


# --- imports -------------------------------------------------------------------------------------------------


def import_kinds() -> dict[str, KindSpec]:
    """Every importable kind with its columns (for forms, templates and documentation)."""
    return dict(KINDS)


def sample_file(name: str) -> Path:
    """A shipped synthetic sample import file by name; NotFoundError for anything else."""
    samples = {path.name: path for path in SAMPLES_DIR.iterdir() if path.suffix in {".csv", ".xlsx"}}
    if name not in samples:
        raise NotFoundError(f"示例文件 {name[:60]} 不存在；可用：{'、'.join(sorted(samples))}", field="name")
    return samples[name]


def import_records(
    session: Session,
    *,
    kind: str,
    data: bytes | Path,
    filename: str | None = None,
    owner_department: str | None = None,
    dry_run: bool = False,
    actor: Actor = SYSTEM_ACTOR,
) -> ImportReport:
    """Check every row of a CSV/.xlsx file and, only if all rows pass, insert them all in one transaction.

    File-level problems (unknown type, encoding, missing required columns, no rows) raise ValidationError;
    row-level problems are listed in the report (row, column, value, Chinese message) and nothing is written.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError(f"未知的数据类别 {kind!r}：可导入 {'、'.join(KINDS)}", field="kind")
    if isinstance(data, Path):
        filename = filename or data.name
        data = data.read_bytes()
    filename = filename or "upload"
    departments = session.execute(select(Department.code, Department.name, Department.short_name)).all()
    owner = import_checks.check_owner(spec, owner_department, {row.code for row in departments})
    # Base kinds fill the population/legal-entity registers; the others are the owning department's records.
    base_kind = ResourceKind.PERSON if spec.kind == "person" else ResourceKind.ENTERPRISE
    _authorize_write(
        actor,
        ResourceRef(kind=base_kind, owner_department=BASE_REGISTER_DEPARTMENT)
        if spec.is_base
        else ResourceRef(kind=ResourceKind.DEPARTMENT_RECORD, owner_department=owner or spec.default_department),
    )
    table = importers.read_table(data, filename, spec)
    header_map = importers.map_headers(spec, table.headers)
    today = rules.city_today()
    rows, errors = importers.parse_rows(spec, table, header_map, today=today)
    if spec.is_base:
        prepared = import_checks.check_base_rows(session, spec, rows, errors, today=today)
    else:
        prepared = import_checks.check_record_rows(
            session, spec, rows, errors, owner=owner, departments=departments, filename=filename
        )
    import_checks.check_duplicates(session, spec, rows, prepared, errors)
    errors.sort(key=lambda error: error.row)
    valid = not errors
    inserted = 0
    if valid and not dry_run:
        try:
            inserted = import_checks.insert_rows(session, spec, [prepared[row.row] for row in rows])
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise ConflictError(
                f"导入{spec.name}时与同时进行的写入冲突，本次未写入任何数据，请重新导入（{type(exc.orig).__name__}）"
            ) from None
    log.info(
        "registry_import",
        kind=kind,
        filename=filename,
        rows=len(rows),
        errors=len(errors),
        inserted=inserted,
        dry_run=dry_run,
    )
    bad_rows = {error.row for error in errors}
    return ImportReport(
        kind=kind,
        kind_name=spec.name,
        filename=filename,
        file_type=table.file_type,
        encoding=table.encoding,
        owner_department=owner,
        dry_run=dry_run,
        total_rows=len(rows),
        valid_rows=len(rows) - len(bad_rows),
        inserted=inserted,
        valid=valid,
        error_count=len(errors),
        errors=errors[:MAX_REPORTED_ERRORS],
        errors_truncated=len(errors) > MAX_REPORTED_ERRORS,
        columns=[column.header for column in header_map.columns],
        ignored_columns=header_map.ignored,
    )
