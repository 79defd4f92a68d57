"""Database-side checks of an import (departments, subjects, duplicates) and the bulk insert; no commits here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from yiwang.geo import services as geo_services
from yiwang.kernel.errors import ValidationError
from yiwang.kernel.masking import mask_id_number, mask_name
from yiwang.registry import importers, rules
from yiwang.registry.kinds import SOURCE_DEPARTMENT, SUBJECT_NAME, KindSpec
from yiwang.registry.models import Enterprise, Person
from yiwang.registry.schemas import ImportRowError
from yiwang.registry.vocab import SubjectKind

IN_CHUNK = 900  # stays under SQLite's bound-parameter limit in IN (…) lists
INSERT_CHUNK = 1000

Item = TypeVar("Item")


def batched(items: Iterable[Item], size: int) -> Iterator[tuple[Item, ...]]:
    """Consecutive tuples of at most ``size`` items (``itertools.batched`` arrives in Python 3.12)."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def check_owner(spec: KindSpec, owner_department: str | None, codes: set[str]) -> str | None:
    """The department the file's records belong to (None: named per row or the kind's default); checked."""
    code = (owner_department or "").strip() or None
    if spec.is_base:
        if code:
            raise ValidationError(f"{spec.name}基础数据不属于某个部门，导入时不要指定部门", field="owner_department")
        return None
    if not codes:
        raise ValidationError("部门目录为空：请先运行 yiwang registry load-departments", field="owner_department")
    if code is not None and code not in codes:
        raise ValidationError(f"部门代码 {code} 不在部门目录中", field="owner_department")
    return code


def check_base_rows(
    session: Session,
    spec: KindSpec,
    rows: Sequence[importers.ParsedRow],
    errors: list[ImportRowError],
    *,
    today: Any,
) -> dict[int, dict[str, object]]:
    """Check persons/enterprises with the base-data rules; return the values to insert by row number."""
    known = geo_services.known_division_codes(session)
    check = rules.check_person if spec.kind == "person" else rules.check_enterprise
    prepared: dict[int, dict[str, object]] = {}
    for row in rows:
        checked = check(row.values, known_codes=known, today=today)
        for attribute, message in checked.problems:
            errors.append(importers.row_error(row, attribute, message, spec=spec))
        prepared[row.row] = {**checked.values, "synthetic": False}
    return prepared


def _resolve_department(value: str, lookup: dict[str, str]) -> str | None:
    return lookup.get(value.strip()) or lookup.get(value.strip().lower())


def check_record_rows(
    session: Session,
    spec: KindSpec,
    rows: Sequence[importers.ParsedRow],
    errors: list[ImportRowError],
    *,
    owner: str | None,
    departments: Sequence[Any],
    filename: str,
) -> dict[int, dict[str, object]]:
    """Resolve each row's department and check its subject exists under that name; return values by row."""
    lookup: dict[str, str] = {}
    for department in departments:
        for key in (department.code, department.name, department.short_name):
            lookup[key] = department.code
            lookup[key.lower()] = department.code
    registered = _registered_names(session, rows)
    source_system = f"文件导入：{filename}"[:64]
    prepared: dict[int, dict[str, object]] = {}
    for row in rows:
        department = _row_department(spec, row, errors, owner=owner, lookup=lookup)
        _check_subject(spec, row, errors, registered)
        prepared[row.row] = {
            **importers.model_values(row),
            "owner_department": department,
            "subject_kind": row.subject_kind.value if row.subject_kind else None,
            "subject_code": row.subject_code,
            "source_system": source_system,
            "synthetic": False,
        }
    return prepared


def _row_department(
    spec: KindSpec,
    row: importers.ParsedRow,
    errors: list[ImportRowError],
    *,
    owner: str | None,
    lookup: dict[str, str],
) -> str | None:
    named = str(row.values.get(SOURCE_DEPARTMENT) or "").strip()
    resolved = _resolve_department(named, lookup) if named else None
    if named and resolved is None:
        errors.append(importers.row_error(row, SOURCE_DEPARTMENT, f"数据来源单位“{named}”不在部门目录中", spec=spec))
        return None
    if owner is not None:
        if resolved is not None and resolved != owner:
            errors.append(
                importers.row_error(
                    row, SOURCE_DEPARTMENT, f"数据来源单位“{named}”与导入时指定的部门 {owner} 不一致", spec=spec
                )
            )
        return owner
    if resolved is not None:
        return resolved
    if spec.default_department is not None:
        return spec.default_department
    errors.append(
        ImportRowError(
            row=row.row,
            column=row.headers.get(SOURCE_DEPARTMENT, "数据来源单位"),
            value="",
            message="未指定数据来源单位：请在导入时选择部门，或在文件中填写“数据来源单位”列",
        )
    )
    return None


def _registered_names(session: Session, rows: Sequence[importers.ParsedRow]) -> dict[tuple[str, str], str]:
    """(subject kind, code) → registered name of every subject the rows refer to (chunked IN queries)."""
    wanted: dict[SubjectKind, set[str]] = {SubjectKind.ENTERPRISE: set(), SubjectKind.PERSON: set()}
    for row in rows:
        if row.subject_kind is not None and row.subject_code is not None:
            wanted[row.subject_kind].add(row.subject_code)
    found: dict[tuple[str, str], str] = {}
    for codes in batched(sorted(wanted[SubjectKind.ENTERPRISE]), IN_CHUNK):
        stmt = select(Enterprise.uscc, Enterprise.name).where(Enterprise.uscc.in_(codes))
        found.update({(SubjectKind.ENTERPRISE.value, code): name for code, name in session.execute(stmt)})
    for codes in batched(sorted(wanted[SubjectKind.PERSON]), IN_CHUNK):
        stmt_p = select(Person.id_number, Person.name).where(Person.id_number.in_(codes))
        found.update({(SubjectKind.PERSON.value, code): name for code, name in session.execute(stmt_p)})
    return found


def _comparable_name(name: str) -> str:
    return importers.normalize_header(name)


def _check_subject(
    spec: KindSpec,
    row: importers.ParsedRow,
    errors: list[ImportRowError],
    registered: dict[tuple[str, str], str],
) -> None:
    if row.subject_kind is None or row.subject_code is None:
        return
    name = registered.get((row.subject_kind.value, row.subject_code))
    is_person = row.subject_kind is SubjectKind.PERSON
    field_name = "_subject_id" if is_person else "_subject_uscc"
    if name is None:
        what = "自然人" if is_person else "市场主体"
        code = mask_id_number(row.subject_code) if is_person else row.subject_code
        errors.append(
            importers.row_error(row, field_name, f"{code} 对应的{what}不存在（请先登记或导入{what}）", spec=spec)
        )
        return
    given = row.values.get(spec.name_field or SUBJECT_NAME)
    if not isinstance(given, str) or not given:
        return
    # 双公示 publications mask natural persons' names (张*), so a masked name is compared in masked form.
    expected = mask_name(name) if is_person and "*" in given else name
    if _comparable_name(given) != _comparable_name(expected):
        shown = mask_name(name) if is_person else name
        errors.append(
            importers.row_error(
                row,
                spec.name_field or SUBJECT_NAME,
                f"名称“{given}”与该代码登记的名称“{shown}”不一致",
                spec=spec,
            )
        )


def _key_of(spec: KindSpec, values: dict[str, object]) -> tuple[object, ...] | None:
    key = tuple(values.get(name) for name in spec.unique_keys)
    return None if any(part is None for part in key) else key


def check_duplicates(
    session: Session,
    spec: KindSpec,
    rows: Sequence[importers.ParsedRow],
    prepared: dict[int, dict[str, object]],
    errors: list[ImportRowError],
) -> None:
    """Duplicates within the file and against stored rows, by the kind's natural key."""
    label = "、".join(spec.label(name) for name in spec.unique_keys if name != "subject_code")
    report_field = next(name for name in spec.unique_keys if name != "subject_code")
    first_row: dict[tuple[object, ...], int] = {}
    for row in rows:
        key = _key_of(spec, prepared[row.row])
        if key is None:
            continue
        if key in first_row:
            errors.append(
                importers.row_error(row, report_field, f"与第 {first_row[key]} 行重复（{label}相同）", spec=spec)
            )
        else:
            first_row[key] = row.row
    existing = _existing_keys(session, spec, list(first_row))
    for key, number in first_row.items():
        if key in existing:
            row = next(r for r in rows if r.row == number)
            what = "该主体的" if "subject_code" in spec.unique_keys else ""
            errors.append(
                importers.row_error(row, report_field, f"{what}{label}已存在于数据库中，不能重复导入", spec=spec)
            )


def _existing_keys(session: Session, spec: KindSpec, keys: list[tuple[object, ...]]) -> set[tuple[object, ...]]:
    if not keys:
        return set()
    model: Any = spec.model
    columns = [getattr(model, name) for name in spec.unique_keys]
    # Filter on the most selective indexed column (the subject, or the single key), compare whole keys in Python.
    lead = spec.unique_keys.index("subject_code") if "subject_code" in spec.unique_keys else 0
    found: set[tuple[object, ...]] = set()
    for chunk in batched(sorted({key[lead] for key in keys}, key=str), IN_CHUNK):
        stmt: Select[Any] = select(*columns).where(columns[lead].in_(chunk))
        found.update(tuple(row) for row in session.execute(stmt))
    return found & set(keys)


def _complete(table_columns: Sequence[Any], values: dict[str, object]) -> dict[str, object]:
    """Every column of the table: executemany needs the same keys in each row, so defaults are filled in here."""
    row: dict[str, object] = {}
    for column in table_columns:
        if column.primary_key:
            continue
        if column.key in values and values[column.key] is not None:
            row[column.key] = values[column.key]
        elif column.default is not None and column.default.is_scalar:
            row[column.key] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            row[column.key] = column.default.arg(None)
        else:
            row[column.key] = values.get(column.key)
    return row


def insert_rows(session: Session, spec: KindSpec, rows: Sequence[dict[str, object]]) -> int:
    """Insert every row with executemany in chunks, in the caller's transaction (the caller commits)."""
    model: Any = spec.model
    table = model.__table__
    complete = [_complete(list(table.columns), values) for values in rows]
    for chunk in batched(complete, INSERT_CHUNK):
        session.execute(table.insert(), list(chunk))
    return len(complete)
