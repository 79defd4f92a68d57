"""Inputs of the policies benchmark: city Parquet cache, enterprise profiles, 100 policies, OpenFisca columns.

Everything goes through the product's public pieces: the seed writes the city (``seed.services``), the registry
reads it back as a snapshot (``registry.snapshots.parquet_frames``), the policy engine computes profiles
(``policies.profiles.compute``) and validates every policy document (``policies.document``). The only additions
here are the cache, the capped subject set and the deterministic parameter variants of the shipped policies.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from yiwang.policies import document, matching, profiles
from yiwang.policies.services import shipped_policy_files
from yiwang.registry import snapshots

DEFAULT_AS_OF = dt.date(2026, 11, 28)
"""The benchmark city's reference date: fixed, so the cached Parquet and the results are reproducible."""
SCALES: dict[str, tuple[int, int]] = {"city": (21_000_000, 4_000_000), "demo": (50_000, 10_000)}
"""(persons, enterprises) per scale; the city is the seed's city scale."""
VARIANT_FACTORS = (0.8, 1.2, 0.9, 1.1, 0.7, 1.3, 0.6, 1.5, 0.75, 1.25, 0.85, 1.15, 0.5, 2.0, 0.95, 1.05)
"""Multipliers of a variant's parameters (all of a variant's parameters move together, so ordered tiers stay
ordered); variant *k* of a policy uses ``VARIANT_FACTORS[(k - 1) % len]``, scaled again per full cycle."""
RETENTION_POLICY = "hrss-retention-training-subsidy"
"""The shipped policy modelled in OpenFisca (``bench/openfisca/run.py``)."""
SIZE_CODES = ("大", "中", "小", "微")
"""Size classes exported as integer codes, in the OpenFisca model's order."""


class PolicyVariantError(ValueError):
    """A generated policy document did not pass the engine's validator."""


def cache_root() -> Path:
    """Where benchmark data and the OpenFisca virtual environment are cached (``$XDG_CACHE_HOME/yiwang``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "yiwang"


def city_directory(*, scale: str, seed: int, as_of: dt.date, root: Path | None = None) -> Path:
    """The cache directory of one generated city (one per scale, seed and reference date)."""
    name = f"city-{seed}-{as_of.isoformat()}" if scale == "city" else f"{scale}-{seed}-{as_of.isoformat()}"
    return (root or cache_root()) / name


def _manifest_matches(directory: Path, *, seed: int, as_of: dt.date, persons: int, enterprises: int) -> bool:
    manifest = directory / "manifest.json"
    if not manifest.exists():
        return False
    data = json.loads(manifest.read_text(encoding="utf-8"))
    wanted = {"seed": str(seed), "as_of": as_of.isoformat(), "persons": str(persons), "enterprises": str(enterprises)}
    return all(data.get(key) == value for key, value in wanted.items())


def ensure_city(
    directory: Path, *, seed: int, as_of: dt.date, persons: int, enterprises: int, progress: bool = True
) -> float | None:
    """Generate the city's Parquet files into ``directory`` unless the same city is there; seconds or None."""
    if _manifest_matches(directory, seed=seed, as_of=as_of, persons=persons, enterprises=enterprises):
        return None
    from yiwang.seed import services as seed_services  # noqa: PLC0415 - the generator only when data is missing

    report = seed_services.write_city_parquet(
        out_dir=directory, seed=seed, persons=persons, enterprises=enterprises, progress=progress, as_of=as_of
    )
    return report.seconds


def enterprise_profiles(directory: Path, *, as_of: dt.date, limit: int | None = None) -> pl.DataFrame:
    """The enterprise profile frame (``policies.profiles.compute``) of the city, the first ``limit`` if given."""
    frames: dict[str, pl.DataFrame | pl.LazyFrame] = dict(snapshots.parquet_frames(directory, kind="enterprise"))
    if limit is not None:
        subjects = frames["subjects"].lazy().head(limit)
        codes = subjects.select("subject_code")
        frames = {
            name: subjects if name == "subjects" else frame.lazy().join(codes, on="subject_code", how="semi")
            for name, frame in frames.items()
        }
    return profiles.compute(frames, kind="enterprise", as_of=as_of)


# --- policies ------------------------------------------------------------------------------------------------


def _shipped_enterprise_sources() -> list[str]:
    sources = []
    for path in shipped_policy_files():
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if isinstance(data, dict) and data.get("subject") == "enterprise":
            sources.append(text)
    return sources


def _scaled(value: float, factor: float) -> float:
    scaled = value * factor
    # Whole numbers stay whole (yuan, people, years); fractions (rates) keep four decimals.
    return float(round(scaled)) if float(value).is_integer() else round(scaled, 4)


def variant_source(source: str, number: int) -> str:
    """Variant ``number`` (≥ 1) of a policy: its own id and title, every parameter multiplied by one factor."""
    data: dict[str, Any] = yaml.safe_load(source)
    cycle, index = divmod(number - 1, len(VARIANT_FACTORS))
    factor = VARIANT_FACTORS[index] * (1 + 0.05 * cycle)
    data["id"] = f"{data['id']}-v{number:02d}"[:64]
    data["title"] = f"{data['title']}（参数变体 {number}）"
    for parameter in data.get("parameters", {}).values():
        parameter["value"] = _scaled(float(parameter["value"]), factor)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)


def policy_sources(count: int) -> list[str]:
    """``count`` enterprise policy texts: the shipped ones first, then their variants in turn."""
    shipped = _shipped_enterprise_sources()
    if not shipped:
        raise PolicyVariantError("没有可用的企业类政策文件")
    sources = shipped[:count]
    number = 1
    while len(sources) < count:
        for base in shipped:
            if len(sources) >= count:
                break
            sources.append(variant_source(base, number))
        number += 1
    return sources


def load_plans(count: int) -> list[matching.Plan]:
    """The benchmark's policies as matching plans, each validated by the engine's document validator."""
    plans = []
    for source in policy_sources(count):
        policy, issues = document.load(source)
        if policy is None:
            detail = "；".join(f"{issue.path}：{issue.message}" for issue in issues)
            raise PolicyVariantError(f"政策变体未通过校验：{detail}")
        plans.append(matching.plan(policy))
    return plans


# --- OpenFisca inputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenFiscaColumn:
    """One input of the OpenFisca model: its name there and how to derive it from the profile frame."""

    name: str
    expr: Callable[[], pl.Expr]


OPENFISCA_COLUMNS = (
    OpenFiscaColumn(
        "size_code",
        lambda: pl.col("size_class").replace_strict(
            {label: code for code, label in enumerate(SIZE_CODES)}, default=len(SIZE_CODES) - 1, return_dtype=pl.Int8
        ),
    ),
    # OpenFisca has no nulls: a month without a record is NaN, which fails ">= 1" exactly as null does here.
    OpenFiscaColumn("insured_employees", lambda: pl.col("insured_employees__0").cast(pl.Float64).fill_null(np.nan)),
    OpenFiscaColumn("social_insurance_arrears", lambda: pl.col("social_insurance_arrears").cast(pl.Float64)),
    OpenFiscaColumn("serious_dishonesty", lambda: pl.col("serious_dishonesty").fill_null(value=False)),
    OpenFiscaColumn("abnormal_listed", lambda: pl.col("abnormal_listed").fill_null(value=False)),
)


def export_openfisca_inputs(frame: pl.DataFrame, path: Path) -> None:
    """Write the profile columns the retention-training policy reads as one ``.npz`` of numpy arrays."""
    columns = frame.select([column.expr().alias(column.name) for column in OPENFISCA_COLUMNS])
    arrays = {name: columns[name].to_numpy() for name in columns.columns}
    with path.open("wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds loosely


def openfisca_period(as_of: dt.date) -> str:
    """The OpenFisca month matching ``latest(insured_employees)``: the last complete month before the date."""
    first = as_of.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"
