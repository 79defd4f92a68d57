"""Columnar snapshots of registry data for computing profiles (画像) in bulk, from the database or Parquet.

Polars frames from the database or from the seed's city-scale Parquet files.

This is the registry's own bulk export: read-only SQL over the registry tables, one query per table, returning
exactly the columns profile computation needs, with money as ``Float64`` (yuan, or 万元 for registered capital).
The same frame names and columns come from :func:`database_frames` and :func:`parquet_frames`, so a profile
computed from the demo database and one computed from the benchmark's Parquet files go through the same code.
Bulk snapshots serve batch jobs acting for the platform (``SYSTEM_ACTOR``); they are not per-person reads and are
not shown to users, so they are not audited row by row — user-facing reads still go through the profile services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from yiwang.registry.models import (
    AbnormalOperation,
    Certificate,
    Enterprise,
    Penalty,
    Person,
    SeriousDishonesty,
    SocialInsuranceRecord,
    TaxRecord,
)

SubjectKind = Literal["enterprise", "person"]

FRAMES: dict[SubjectKind, tuple[str, ...]] = {
    "enterprise": (
        "subjects",
        "tax",
        "social_insurance",
        "certificates",
        "penalties",
        "abnormal",
        "dishonesty",
    ),
    "person": ("subjects", "social_insurance", "certificates"),
}
"""The frames of a snapshot per subject kind."""

SCHEMAS: dict[str, dict[str, Any]] = {
    "enterprise_subjects": {
        "subject_code": pl.String,
        "name": pl.String,
        "industry_section": pl.String,
        "industry_division": pl.String,
        "district_code": pl.String,
        "entity_type": pl.String,
        "status": pl.String,
        "registered_capital": pl.Float64,
        "founded_on": pl.Date,
        "employees": pl.Int64,
    },
    "person_subjects": {
        "subject_code": pl.String,
        "name": pl.String,
        "sex": pl.String,
        "birth_date": pl.Date,
        "district_code": pl.String,
    },
    "tax": {
        "subject_code": pl.String,
        "year": pl.Int64,
        "revenue": pl.Float64,
        "tax_paid": pl.Float64,
        "arrears": pl.Float64,
        "credit_grade": pl.String,
    },
    "social_insurance": {
        "subject_code": pl.String,
        "period": pl.Date,
        "insured_employees": pl.Int64,
        "arrears": pl.Float64,
    },
    "certificates": {
        "subject_code": pl.String,
        "cert_type": pl.String,
        "issued_on": pl.Date,
        "valid_to": pl.Date,
        "details": pl.String,
    },
    "penalties": {"subject_code": pl.String, "decided_on": pl.Date, "fine_amount": pl.Float64},
    "abnormal": {"subject_code": pl.String, "listed_on": pl.Date, "removed_on": pl.Date},
    "dishonesty": {"subject_code": pl.String, "listed_on": pl.Date, "removed_on": pl.Date},
}
"""Columns and types of each frame (``subjects`` is ``enterprise_subjects`` or ``person_subjects``)."""


def schema(kind: SubjectKind, frame: str) -> dict[str, Any]:
    """The Polars schema of one frame of a snapshot."""
    return SCHEMAS[f"{kind}_subjects"] if frame == "subjects" else SCHEMAS[frame]


def _queries(kind: SubjectKind) -> dict[str, Select[Any]]:
    queries: dict[str, Any] = {}
    if kind == "enterprise":
        queries["subjects"] = select(
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.industry_section,
            Enterprise.industry_division,
            Enterprise.district_code,
            Enterprise.entity_type,
            Enterprise.status,
            Enterprise.registered_capital,
            Enterprise.founded_on,
            Enterprise.employees,
        )
        queries["tax"] = select(
            TaxRecord.subject_code,
            TaxRecord.year,
            TaxRecord.revenue,
            TaxRecord.tax_paid,
            TaxRecord.arrears,
            TaxRecord.credit_grade,
        ).where(TaxRecord.subject_kind == kind)
        queries["penalties"] = select(Penalty.subject_code, Penalty.decided_on, Penalty.fine_amount).where(
            Penalty.subject_kind == kind
        )
        queries["abnormal"] = select(
            AbnormalOperation.subject_code, AbnormalOperation.listed_on, AbnormalOperation.removed_on
        ).where(AbnormalOperation.subject_kind == kind)
        queries["dishonesty"] = select(
            SeriousDishonesty.subject_code, SeriousDishonesty.listed_on, SeriousDishonesty.removed_on
        ).where(SeriousDishonesty.subject_kind == kind)
    else:
        queries["subjects"] = select(
            Person.id_number, Person.name, Person.sex, Person.birth_date, Person.household_district_code
        )
    queries["social_insurance"] = select(
        SocialInsuranceRecord.subject_code,
        SocialInsuranceRecord.period,
        SocialInsuranceRecord.insured_employees,
        SocialInsuranceRecord.arrears,
    ).where(SocialInsuranceRecord.subject_kind == kind)
    queries["certificates"] = select(
        Certificate.subject_code,
        Certificate.cert_type,
        Certificate.issued_on,
        Certificate.valid_to,
        Certificate.details,
    ).where(Certificate.subject_kind == kind)
    return queries


def _subject_column(kind: SubjectKind, frame: str) -> Any:
    if frame == "subjects":
        return Enterprise.uscc if kind == "enterprise" else Person.id_number
    return None


def database_frames(
    session: Session, *, kind: SubjectKind, codes: Sequence[str] | None = None, batch_size: int = 50_000
) -> dict[str, pl.DataFrame]:
    """A snapshot of the registry for one subject kind (optionally only some subjects) as Polars frames."""
    frames: dict[str, pl.DataFrame] = {}
    for name, query in _queries(kind).items():
        statement = query
        if codes is not None:
            column = _subject_column(kind, name)
            if column is None:
                column = statement.selected_columns[0]
            statement = statement.where(column.in_(list(codes)))
        target = schema(kind, name)
        columns = list(target)
        parts: list[pl.DataFrame] = []
        result = session.execute(statement.execution_options(yield_per=batch_size))
        for chunk in result.partitions(batch_size):
            # Column by column: converting only the columns that need it is several times faster than a tuple per row.
            values = list(zip(*chunk, strict=True)) if chunk else [() for _ in columns]
            data = {
                column: _plain_column(list(column_values))
                for column, column_values in zip(columns, values, strict=True)
            }
            parts.append(pl.DataFrame(data, schema=target))
        frames[name] = pl.concat(parts) if parts else pl.DataFrame(schema=target)
        frames[name] = frames[name].select(columns)
    return frames


def _plain_column(values: list[Any]) -> list[Any]:
    """One column of a chunk in frame form: only Decimal and JSON columns are converted, value by value."""
    sample = next((value for value in values if value is not None), None)
    if sample is None or isinstance(sample, (str, int, float, dt.date)):
        return values
    return [_plain(value) for value in values]


def _plain(value: Any) -> Any:
    """Decimals as floats and JSON details as text, so rows fit the frame schema."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict):
        import json  # noqa: PLC0415 - only certificates carry JSON

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value


_PARQUET_FILES = {
    ("enterprise", "subjects"): "registry_enterprise",
    ("person", "subjects"): "registry_person",
    ("enterprise", "tax"): "rec_tax",
    ("enterprise", "social_insurance"): "rec_social_insurance",
    ("person", "social_insurance"): "rec_social_insurance",
    ("enterprise", "certificates"): "rec_certificate",
    ("person", "certificates"): "rec_certificate",
    ("enterprise", "penalties"): "rec_penalty",
    ("enterprise", "abnormal"): "rec_abnormal_operation",
    ("enterprise", "dishonesty"): "rec_serious_dishonesty",
}


def parquet_frames(directory: Path, *, kind: SubjectKind) -> dict[str, pl.LazyFrame]:
    """The same snapshot, lazily, from the seed's city-scale Parquet files (``yiwang seed --scale city``)."""
    frames: dict[str, pl.LazyFrame] = {}
    for name in FRAMES[kind]:
        target = schema(kind, name)
        path = directory / f"{_PARQUET_FILES[kind, name]}.parquet"
        if not path.exists():
            frames[name] = pl.LazyFrame(schema=target)
            continue
        lazy = pl.scan_parquet(path)
        if name == "subjects":
            code = "uscc" if kind == "enterprise" else "id_number"
            renames = {code: "subject_code"}
            if kind == "person":
                renames["household_district_code"] = "district_code"
            lazy = lazy.rename(renames)
        else:
            lazy = lazy.filter(pl.col("subject_kind") == kind)
        frames[name] = lazy.select([pl.col(column).cast(dtype) for column, dtype in target.items()])
    return frames
