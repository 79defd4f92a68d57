"""Turns counts from services into the ``[{code, name, value}]`` rows the chart and map macros embed in pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any


def _field(item: Any, *names: str) -> Any:
    for name in names:
        if isinstance(item, Mapping) and name in item:
            return item[name]
        if not isinstance(item, Mapping) and hasattr(item, name):
            return getattr(item, name)
    return None


def chart_rows(items: Iterable[Any], *, with_code: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows for ``ui.chart``/``ui.district_map`` from objects or mappings with ``code``, ``name``, ``count``/``value``.

    ``with_code`` prefixes the name with the code (``C 制造业``); ``limit`` keeps the largest rows and sums the
    rest into ``其他`` so a long tail stays readable.
    """
    rows: list[dict[str, Any]] = []
    for item in items:
        code = _field(item, "code")
        name = _field(item, "name", "label") or code or ""
        value = _field(item, "count", "value") or 0
        if isinstance(value, Decimal):  # JSON numbers for the chart, not strings
            value = float(value)
        label = f"{code} {name}" if with_code and code and code != name else str(name)
        rows.append({"code": "" if code is None else str(code), "name": label, "value": value})
    if limit is not None and len(rows) > limit:
        ranked = sorted(rows, key=lambda row: row["value"], reverse=True)
        rest = sum(row["value"] for row in ranked[limit - 1 :])
        rows = [*ranked[: limit - 1], {"code": "", "name": "其他", "value": rest}]
    return rows
