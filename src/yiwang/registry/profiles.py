"""Building profile sections from loaded records: read models, validity, masking, grouping, chart series (pure)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from yiwang.kernel.masking import mask_id_number, mask_name
from yiwang.registry.kinds import RECORD_KINDS, KindSpec
from yiwang.registry.schemas import (
    RECORD_READ_SCHEMAS,
    CertificateRead,
    DepartmentSection,
    LicenceRead,
    RecordBase,
    SeriesPoint,
    SocialInsuranceRead,
    TaxRecordRead,
)
from yiwang.registry.vocab import LicenceStatus, SubjectKind, Validity

EXPIRY_WARNING_DAYS = 30
"""Licences and certificates ending within this many days are flagged 即将到期."""

_BASE_FIELDS = frozenset(RecordBase.model_fields) | {"kind", "validity", "days_left"}


def disclosed_fields(kind: str) -> tuple[str, ...]:
    """The kind-specific fields a read of this record kind discloses (what the audit row lists)."""
    schema = RECORD_READ_SCHEMAS[kind]
    return tuple(name for name in schema.model_fields if name not in _BASE_FIELDS)


def validity(valid_to: dt.date | None, *, today: dt.date, status: str | None = None) -> tuple[Validity, int | None]:
    """How a licence or certificate stands today, and the days left until it ends (negative once ended).

    Examples:
        >>> validity(dt.date(2025, 1, 10), today=dt.date(2025, 1, 1))
        (<Validity.EXPIRING: '即将到期'>, 9)
    """
    days = (valid_to - today).days if valid_to is not None else None
    if status is not None and status != LicenceStatus.VALID:
        return (Validity.EXPIRED if status == LicenceStatus.EXPIRED else Validity.INACTIVE), days
    if days is None:
        return Validity.PERMANENT, None
    if days < 0:
        return Validity.EXPIRED, days
    if days <= EXPIRY_WARNING_DAYS:
        return Validity.EXPIRING, days
    return Validity.VALID, days


def _mask_number(value: str) -> str:
    if len(value) == 18:  # noqa: PLR2004 - certificate numbers that are 公民身份号码 (驾驶证, 身份证)
        return mask_id_number(value)
    keep = min(4, max(len(value) - 4, 1))
    return "*" * (len(value) - keep) + value[-keep:]


def to_read(record: object, kind: str, *, today: dt.date, masked: bool) -> RecordBase:
    """A record as its read model; validity computed, personal identifiers masked when ``masked``."""
    read = RECORD_READ_SCHEMAS[kind].model_validate(record)
    if isinstance(read, LicenceRead):
        state, days = validity(read.valid_to, today=today, status=read.status)
        read.validity, read.days_left = state.value, days
    elif isinstance(read, CertificateRead):
        state, days = validity(read.valid_to, today=today)
        read.validity, read.days_left = state.value, days
        if masked and read.subject_kind == SubjectKind.PERSON:
            read.cert_number = _mask_number(read.cert_number)
            read.holder_name = mask_name(read.holder_name)
    if masked and read.subject_kind == SubjectKind.PERSON:
        read.subject_code = mask_id_number(read.subject_code)
    return read


def _sort_key(spec: KindSpec, record: RecordBase) -> tuple[object, int]:
    value = getattr(record, spec.date_field) if spec.date_field else None
    if isinstance(value, int):  # a year
        value = dt.date(value, 1, 1)
    return (value or dt.date.min, record.id)


def _latest(spec: KindSpec, records: Sequence[RecordBase]) -> dt.date | None:
    if not records or not spec.date_field:
        return None
    value = getattr(records[0], spec.date_field)
    return dt.date(value, 12, 31) if isinstance(value, int) else value


def build_sections(
    loaded: Mapping[str, Sequence[RecordBase]],
    *,
    department_order: Sequence[str],
    department_names: Mapping[str, str],
    unavailable: Mapping[str, str],
) -> list[DepartmentSection]:
    """One section per (department, kind) with records newest first, then one per unavailable department.

    Sections follow the department directory's order, then the catalogue's kind order.
    """
    grouped: dict[str, dict[str, list[RecordBase]]] = defaultdict(lambda: defaultdict(list))
    for kind, records in loaded.items():
        for record in records:
            grouped[record.owner_department][kind].append(record)
    rank = {code: index for index, code in enumerate(department_order)}
    kind_rank = {kind: index for index, kind in enumerate(RECORD_KINDS)}
    sections: list[DepartmentSection] = []
    for department in sorted(grouped, key=lambda code: (rank.get(code, len(rank)), code)):
        for kind in sorted(grouped[department], key=kind_rank.__getitem__):
            spec = RECORD_KINDS[kind]
            records = sorted(grouped[department][kind], key=partial(_sort_key, spec), reverse=True)
            sections.append(
                DepartmentSection(
                    department_code=department,
                    department_name=department_names.get(department, department),
                    available=True,
                    record_kind=kind,
                    record_kind_name=spec.name,
                    source_systems=sorted({r.source_system for r in records if r.source_system}),
                    latest_on=_latest(spec, records),
                    records=list(records),
                )
            )
    sections.extend(
        DepartmentSection(
            department_code=department,
            department_name=department_names.get(department, department),
            available=False,
            reason=unavailable[department] or "数据源暂不可用",
            record_kind=None,
            record_kind_name="全部数据",
        )
        for department in sorted(unavailable, key=lambda code: (rank.get(code, len(rank)), code))
    )
    return sections


@dataclass
class DepartmentPanel:
    """The sections of one department, for pages that show one panel per department."""

    code: str
    name: str
    available: bool
    reason: str
    sections: list[DepartmentSection] = field(default_factory=list)
    source_systems: list[str] = field(default_factory=list)
    latest_on: dt.date | None = None


def panels(sections: Sequence[DepartmentSection]) -> list[DepartmentPanel]:
    """Group consecutive sections by department, keeping their order."""
    by_code: dict[str, DepartmentPanel] = {}
    for section in sections:
        panel = by_code.get(section.department_code)
        if panel is None:
            panel = by_code[section.department_code] = DepartmentPanel(
                code=section.department_code,
                name=section.department_name,
                available=section.available,
                reason=section.reason,
            )
        panel.sections.append(section)
        panel.source_systems = sorted({*panel.source_systems, *section.source_systems})
        if section.latest_on and (panel.latest_on is None or section.latest_on > panel.latest_on):
            panel.latest_on = section.latest_on
    return list(by_code.values())


def _wan(amount: Decimal) -> float:
    return float((amount / Decimal(10_000)).quantize(Decimal("0.01")))


def tax_series(records: Iterable[RecordBase]) -> list[SeriesPoint]:
    """Revenue and tax paid per year in 万元, oldest first (summed if several departments report a year)."""
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"revenue": Decimal(0), "tax_paid": Decimal(0)})
    for record in records:
        if isinstance(record, TaxRecordRead):
            totals[record.year]["revenue"] += record.revenue
            totals[record.year]["tax_paid"] += record.tax_paid
    return [
        SeriesPoint(label=str(year), values={name: _wan(amount) for name, amount in totals[year].items()})
        for year in sorted(totals)
    ]


def employee_series(insured: Iterable[RecordBase], housing: Iterable[RecordBase]) -> list[SeriesPoint]:
    """Insured employees (社保) and fund depositors (公积金) per month, oldest first."""
    months: dict[dt.date, dict[str, float]] = defaultdict(dict)
    for record in insured:
        if isinstance(record, SocialInsuranceRead):
            months[record.period]["insured_employees"] = record.insured_employees
    for record in housing:
        depositors = getattr(record, "depositing_employees", None)
        period = getattr(record, "period", None)
        if isinstance(depositors, int) and isinstance(period, dt.date):
            months[period]["depositing_employees"] = depositors
    return [SeriesPoint(label=f"{month:%Y-%m}", values=months[month]) for month in sorted(months)]
