"""Fixtures for policy tests: ``make_profile`` builds a full profile row (and schema) from a few given values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from yiwang.policies import catalogue, profiles

TYPES = {"number": pl.Float64, "bool": pl.Boolean, "string": pl.String, "date": pl.Date}


def profile_row(kind: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A full profile row (every catalogue column) and its Polars schema, from the scenario's values."""
    row: dict[str, Any] = {"subject_code": "X"}
    schema: dict[str, Any] = {"subject_code": pl.String}
    for info in catalogue.variables(kind):  # type: ignore[arg-type]
        given = values.get(info.name)
        if info.type in {"yearly", "monthly"}:
            series = list(given or [])
            for i, column in enumerate(catalogue.columns(info)):
                row[column] = float(series[i]) if i < len(series) and series[i] is not None else None
                schema[column] = pl.Float64
        elif info.type == "strings":
            row[info.name] = list(given or [])
            schema[info.name] = pl.List(pl.String)
        elif info.type == "events":
            row[info.name] = [{"days": int(e["days"]), "amount": float(e["amount"])} for e in (given or [])]
            schema[info.name] = pl.List(profiles.EVENT)
        else:
            value = given
            if info.type == "number" and value is not None:
                value = float(value)
            if info.type == "string" and value is not None:
                value = str(value)
            row[info.name] = value
            schema[info.name] = TYPES[info.type]
    return row, schema


@pytest.fixture
def make_profile() -> Callable[[str, dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]:
    return profile_row
