"""Profiles (画像, 一企一档 / 一人一档) as Polars frames: one row per subject, one column per catalogue variable.

Input is a registry snapshot (``registry.snapshots``: from the database or the seed's Parquet files); output is
deterministic for the same data and date. Only facts dated on or before the profile date count: tax years
before its year, social-insurance months before its month, penalties decided by then, certificates valid on it,
listings not yet removed. ``profile_hash`` is a hash of every variable's value (Polars' row hash with a fixed
seed), used to re-evaluate only subjects whose profile changed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import polars as pl

from yiwang.policies import catalogue
from yiwang.policies.schemas import SubjectKind

Frames = Mapping[str, pl.DataFrame | pl.LazyFrame]

SCALE_THRESHOLDS = {"B": 2e7, "C": 2e7, "D": 2e7, "E": 1e7, "H": 1e7}
"""规上入统 revenue thresholds by industry section (wholesale 51 → 2000 万, retail 52 → 500 万 handled apart)."""
SERVICES_THRESHOLD = 1e7
SIZE_RULES = (("大", 1000, 4e8), ("中", 300, 2e7), ("小", 20, 3e6))
"""Simplified from 统计上大中小微型企业划分办法（2017）, industrial thresholds: (class, employees, revenue)."""
QUALIFICATION_NAMES = {
    "高新技术企业证书": "高新技术企业",
    "专精特新中小企业证书": "专精特新",
    "专精特新“小巨人”企业证书": "专精特新小巨人",
}
EDUCATION_ORDER = {"专科": 1, "本科": 2, "硕士": 3, "博士": 4}
FINE_SERIOUS = 100_000
"""Fines within three years at or above this (yuan) lower the derived credit grade to C."""
YEAR_DAYS = 365
EVENT = pl.Struct({"days": pl.Int64, "amount": pl.Float64})


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _month_index(as_of: dt.date, column: str) -> pl.Expr:
    """0 for the last complete month before the profile date, 1 for the month before, and so on."""
    current = as_of.year * 12 + as_of.month
    return pl.lit(current) - (pl.col(column).dt.year().cast(pl.Int64) * 12 + pl.col(column).dt.month()) - 1


def _years_between(born: pl.Expr, as_of: dt.date) -> pl.Expr:
    later = (born.dt.month() > as_of.month) | ((born.dt.month() == as_of.month) & (born.dt.day() > as_of.day))
    return (pl.lit(as_of.year) - born.dt.year() - later.cast(pl.Int32)).cast(pl.Float64)


def _listed(frame: pl.LazyFrame, as_of: dt.date, name: str) -> pl.LazyFrame:
    current = (pl.col("listed_on") <= as_of) & (pl.col("removed_on").is_null() | (pl.col("removed_on") > as_of))
    return frame.filter(current).group_by("subject_code").agg(pl.lit(value=True).first().alias(name))


def _qualifications(certificates: pl.LazyFrame, as_of: dt.date) -> pl.LazyFrame:
    valid = certificates.filter(
        (pl.col("issued_on") <= as_of) & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= as_of))
    )
    label = pl.col("cert_type").replace(QUALIFICATION_NAMES).str.strip_suffix("证书")
    return valid.group_by("subject_code").agg(label.unique().sort().alias("qualifications"))


def enterprise_profiles(frames: Frames, *, as_of: dt.date) -> pl.LazyFrame:
    """Enterprise profiles as of ``as_of`` (lazy; ``collect()`` it)."""
    subjects = _lazy(frames["subjects"])
    last_year = as_of.year - 1
    tax = _lazy(frames["tax"]).filter(pl.col("year") <= last_year).with_columns(idx=pl.lit(last_year) - pl.col("year"))
    tax_wide = (
        tax.filter(pl.col("idx") < catalogue.YEARLY_DEPTH)
        .group_by("subject_code")
        .agg(
            *[
                pl.col("revenue").filter(pl.col("idx") == i).first().alias(f"revenue__{i}")
                for i in range(catalogue.YEARLY_DEPTH)
            ],
            *[
                pl.col("tax_paid").filter(pl.col("idx") == i).first().alias(f"tax_paid__{i}")
                for i in range(catalogue.YEARLY_DEPTH)
            ],
            pl.col("arrears").filter(pl.col("idx") <= 1).sum().alias("tax_arrears"),
            pl.col("credit_grade").filter(pl.col("idx") == 0).first().alias("tax_credit_grade"),
        )
    )
    si = _lazy(frames["social_insurance"]).with_columns(idx=_month_index(as_of, "period"))
    si = si.filter((pl.col("idx") >= 0) & (pl.col("idx") < catalogue.MONTHLY_DEPTH))
    si_wide = si.group_by("subject_code").agg(
        *[
            pl.col("insured_employees")
            .filter(pl.col("idx") == i)
            .first()
            .cast(pl.Float64)
            .alias(f"insured_employees__{i}")
            for i in range(catalogue.MONTHLY_DEPTH)
        ],
        pl.col("arrears").sum().alias("social_insurance_arrears"),
    )
    certificates = _lazy(frames["certificates"])
    high_tech = (
        certificates.filter((pl.col("cert_type") == "高新技术企业证书") & (pl.col("issued_on") <= as_of))
        .group_by("subject_code")
        .agg(pl.col("issued_on").min().alias("high_tech_since"))
    )
    penalties = (
        _lazy(frames["penalties"])
        .filter(pl.col("decided_on") <= as_of)
        .with_columns(days=(pl.lit(as_of) - pl.col("decided_on")).dt.total_days().cast(pl.Int64))
        .filter(pl.col("days") < 365 * 5)
        .sort("subject_code", "days", "fine_amount")
        .group_by("subject_code")
        .agg(pl.struct(pl.col("days"), pl.col("fine_amount").alias("amount")).alias("penalties"))
    )
    frame = (
        subjects.join(tax_wide, on="subject_code", how="left")
        .join(si_wide, on="subject_code", how="left")
        .join(_qualifications(certificates, as_of), on="subject_code", how="left")
        .join(high_tech, on="subject_code", how="left")
        .join(penalties, on="subject_code", how="left")
        .join(_listed(_lazy(frames["abnormal"]), as_of, "abnormal_listed"), on="subject_code", how="left")
        .join(_listed(_lazy(frames["dishonesty"]), as_of, "serious_dishonesty"), on="subject_code", how="left")
    )
    section, division = pl.col("industry_section"), pl.col("industry_division")
    threshold = (
        pl.when(division == "51")
        .then(2e7)
        .when(division == "52")
        .then(5e6)
        .when(section == "A")
        .then(None)
        .otherwise(section.replace_strict(SCALE_THRESHOLDS, default=SERVICES_THRESHOLD, return_dtype=pl.Float64))
    )
    empty_events = pl.lit([], dtype=pl.List(EVENT))
    frame = frame.with_columns(
        pl.col("registered_capital").cast(pl.Float64),
        pl.col("employees").cast(pl.Float64),
        pl.col("tax_arrears").fill_null(0.0),
        pl.col("social_insurance_arrears").fill_null(0.0),
        pl.col("qualifications").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("penalties").fill_null(empty_events),
        pl.col("abnormal_listed").fill_null(value=False),
        pl.col("serious_dishonesty").fill_null(value=False),
        enterprise_age=_years_between(pl.col("founded_on"), as_of),
        scale_threshold=threshold,
    )
    fines_3y = (
        pl.col("penalties")
        .list.eval(
            pl.when(pl.element().struct.field("days") < 365 * 3)
            .then(pl.element().struct.field("amount"))
            .otherwise(0.0)
        )
        .list.sum()
    )
    recent = pl.col("penalties").list.eval((pl.element().struct.field("days") < YEAR_DAYS).cast(pl.Int64)).list.sum()
    headcount = pl.coalesce(pl.col("insured_employees__0"), pl.col("employees"))
    revenue = pl.col("revenue__0").fill_null(0.0)
    size = pl.lit("微")
    for label, staff, money in reversed(SIZE_RULES):
        size = pl.when((headcount >= staff) & (revenue >= money)).then(pl.lit(label)).otherwise(size)
    frame = frame.with_columns(
        above_scale=(pl.col("revenue__0") >= pl.col("scale_threshold")).fill_null(value=False),
        size_class=size,
        credit_grade=pl.when(pl.col("serious_dishonesty"))
        .then(pl.lit("D"))
        .when(
            pl.col("abnormal_listed")
            | pl.col("tax_credit_grade").is_in(["C", "D"]).fill_null(value=False)
            | (fines_3y >= FINE_SERIOUS)
        )
        .then(pl.lit("C"))
        .when((recent > 0) | (pl.col("tax_arrears") > 0) | (pl.col("social_insurance_arrears") > 0))
        .then(pl.lit("B"))
        .otherwise(pl.lit("A")),
    )
    return frame.select(_ordered_columns("enterprise", extra=("name",)))


def person_profiles(frames: Frames, *, as_of: dt.date) -> pl.LazyFrame:
    """Person profiles as of ``as_of`` (lazy)."""
    subjects = _lazy(frames["subjects"])
    si = _lazy(frames["social_insurance"]).with_columns(idx=_month_index(as_of, "period"))
    months = (
        si.filter((pl.col("idx") >= 0) & (pl.col("idx") < 12) & (pl.col("insured_employees") > 0))  # noqa: PLR2004
        .group_by("subject_code")
        .agg(pl.col("period").n_unique().cast(pl.Float64).alias("social_insurance_months"))
    )
    certificates = _lazy(frames["certificates"])
    diplomas = (
        certificates.filter(pl.col("cert_type").is_in(["毕业证书", "学历证书"]) & (pl.col("issued_on") <= as_of))
        .with_columns(
            education=pl.col("details").map_elements(_education, return_dtype=pl.String),
            graduation_year=pl.col("issued_on").dt.year().cast(pl.Float64),
        )
        .with_columns(rank=pl.col("education").replace_strict(EDUCATION_ORDER, default=0, return_dtype=pl.Int64))
        .sort("subject_code", "rank", "graduation_year")
        .group_by("subject_code")
        .agg(
            pl.col("education").last(),
            pl.col("rank").last().cast(pl.Float64).alias("education_level"),
            pl.col("graduation_year").last(),
        )
    )
    frame = (
        subjects.join(months, on="subject_code", how="left")
        .join(diplomas, on="subject_code", how="left")
        .join(_qualifications(certificates, as_of), on="subject_code", how="left")
        .with_columns(
            age=_years_between(pl.col("birth_date"), as_of),
            household_in_city=pl.col("district_code").str.starts_with("5101"),
            social_insurance_months=pl.col("social_insurance_months").fill_null(0.0),
            qualifications=pl.col("qualifications").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
    )
    return frame.select(_ordered_columns("person", extra=("name",)))


def _education(details: str | None) -> str | None:
    if not details:
        return None
    try:
        data: Any = json.loads(details)
    except ValueError:
        return None
    value = data.get("学历") or data.get("education") if isinstance(data, dict) else None
    return str(value) if value else None


def _ordered_columns(kind: SubjectKind, *, extra: tuple[str, ...] = ()) -> list[str]:
    columns = ["subject_code", *extra]
    for info in catalogue.variables(kind):
        columns.extend(catalogue.columns(info))
    return columns


def variable_columns(kind: SubjectKind) -> list[str]:
    """The profile columns the hash covers (every catalogue variable)."""
    columns: list[str] = []
    for info in catalogue.variables(kind):
        columns.extend(catalogue.columns(info))
    return columns


def compute(frames: Frames, *, kind: SubjectKind, as_of: dt.date) -> pl.DataFrame:
    """Collected profiles with a ``profile_hash`` column (hex), sorted by subject code."""
    lazy = enterprise_profiles(frames, as_of=as_of) if kind == "enterprise" else person_profiles(frames, as_of=as_of)
    frame = lazy.sort("subject_code").collect()
    hashes = frame.select(variable_columns(kind)).hash_rows(seed=20261128)
    return frame.with_columns(profile_hash=hashes.cast(pl.String))


def row_dict(frame: pl.DataFrame, index: int = 0) -> dict[str, Any]:
    """One profile row as a plain dict (lists of event structs as lists of dicts)."""
    return frame.row(index, named=True)
