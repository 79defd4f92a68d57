"""Synthetic enterprise profile frames for benchmarking the matcher at city scale without a database.

Columns and types are exactly those of ``policies.profiles.enterprise_profiles``; values are drawn with numpy
from a fixed seed (revenue log-normal, a few percent with penalties, certificates and listings), so a
4-million-row frame is built in seconds and the same seed gives the same frame.
"""

# ruff: noqa: PLR2004 - the shares below are the synthetic distribution itself
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from yiwang.policies import catalogue, profiles

SECTIONS = np.array(list("ABCDEFGHIJKLMNOPQRS"))
SECTION_WEIGHTS = np.array([2, 0.3, 12, 0.5, 6, 35, 3, 8, 5, 1, 2, 10, 4, 2, 1, 0.5, 0.5, 1, 6.2])


def enterprise_frame(rows: int, *, seed: int = 20261128, as_of: dt.date | None = None) -> pl.DataFrame:
    """A profile frame of ``rows`` synthetic enterprises (with ``profile_hash``)."""
    rng = np.random.default_rng(seed)
    day = as_of or dt.date(2026, 11, 28)
    section = rng.choice(SECTIONS, size=rows, p=SECTION_WEIGHTS / SECTION_WEIGHTS.sum())
    base = np.exp(rng.normal(14.0, 2.0, size=rows))
    data: dict[str, object] = {
        "subject_code": np.char.add("9151", np.char.zfill(np.arange(rows).astype(str), 14)),
        "name": np.full(rows, "企业"),
        "industry_section": section,
        "industry_division": np.full(rows, "30"),
        "district_code": rng.choice(np.array(["510104", "510105", "510106", "510107", "510108", "510112"]), rows),
        "entity_type": np.full(rows, "有限责任公司"),
        "status": np.where(rng.random(rows) < 0.9, "存续", "注销"),
        "registered_capital": rng.integers(10, 10_000, rows).astype(float),
        "employees": rng.integers(0, 500, rows).astype(float),
    }
    frame = pl.DataFrame(data).with_columns(
        founded_on=pl.lit(day) - pl.duration(days=pl.lit(pl.Series(rng.integers(30, 9000, rows)))),
    )
    growth = rng.normal(1.05, 0.2, size=(rows, catalogue.YEARLY_DEPTH))
    series = {}
    for i in range(catalogue.YEARLY_DEPTH):
        values = base / np.prod(growth[:, :i], axis=1) if i else base
        present = rng.random(rows) < 0.95 - 0.1 * i
        series[f"revenue__{i}"] = pl.Series(np.where(present, values, np.nan)).fill_nan(None)
        series[f"tax_paid__{i}"] = pl.Series(np.where(present, values * 0.03, np.nan)).fill_nan(None)
    staff = rng.poisson(8, rows).astype(float)
    for i in range(catalogue.MONTHLY_DEPTH):
        series[f"insured_employees__{i}"] = pl.Series(np.maximum(0, staff + rng.integers(-1, 2, rows)))
    frame = frame.with_columns(**series)
    penalised = rng.random(rows) < 0.03
    days = rng.integers(0, 1800, rows)
    fines = rng.integers(100, 200_000, rows).astype(float)
    event = pl.struct(days=pl.Series(days.astype(np.int64)), amount=pl.Series(fines))
    penalties = (
        pl.when(pl.Series(penalised))
        .then(pl.concat_list(event))
        .otherwise(pl.lit([], dtype=pl.List(profiles.EVENT)))
        .alias("penalties")
    )
    high_tech = rng.random(rows) < 0.02
    frame = frame.with_columns(
        penalties,
        tax_arrears=pl.Series(np.where(rng.random(rows) < 0.02, 5000.0, 0.0)),
        tax_credit_grade=pl.Series(rng.choice(np.array(["A", "B", "M", "C"]), rows, p=[0.1, 0.8, 0.08, 0.02])),
        social_insurance_arrears=pl.Series(np.where(rng.random(rows) < 0.02, 1200.0, 0.0)),
        qualifications=pl.when(pl.Series(high_tech))
        .then(pl.lit(["高新技术企业"], dtype=pl.List(pl.String)))
        .otherwise(pl.lit([], dtype=pl.List(pl.String))),
        high_tech_since=pl.when(pl.Series(high_tech))
        .then(pl.lit(day) - pl.duration(days=pl.lit(pl.Series(rng.integers(0, 1000, rows)))))
        .otherwise(None),
        abnormal_listed=pl.Series(rng.random(rows) < 0.03),
        serious_dishonesty=pl.Series(rng.random(rows) < 0.003),
        credit_grade=pl.Series(rng.choice(np.array(["A", "B", "C", "D"]), rows, p=[0.9, 0.07, 0.025, 0.005])),
        scale_threshold=pl.Series(np.where(np.isin(section, ["B", "C", "D"]), 2e7, 1e7)),
    )
    frame = frame.with_columns(
        enterprise_age=((pl.lit(day) - pl.col("founded_on")).dt.total_days() // 365).cast(pl.Float64),
        above_scale=(pl.col("revenue__0") >= pl.col("scale_threshold")).fill_null(value=False),
        size_class=pl.when(pl.col("revenue__0") >= 2e7).then(pl.lit("中")).otherwise(pl.lit("微")),
    )
    columns = ["subject_code", "name", *profiles.variable_columns("enterprise")]
    frame = frame.select(columns)
    return frame.with_columns(
        profile_hash=frame.select(profiles.variable_columns("enterprise")).hash_rows(seed=1).cast(pl.String)
    )
