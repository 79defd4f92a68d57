"""Approval issues the item's ``result_type`` through certs, so every result and e-certificate material type the
shipped catalogue names must be a certificate type certs knows (same code, same name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from yiwang.catalogue import codes
from yiwang.catalogue.services import DATA_DIR
from yiwang.certs.types import CERT_TYPES


def _items() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(Path(DATA_DIR, "items").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.extend(data["items"] if isinstance(data, dict) else data)
    return found


def test_catalogue_and_certs_name_the_same_certificate_types() -> None:
    assert set(codes.CERT_TYPES) == set(CERT_TYPES)
    assert {k: v for k, v in codes.CERT_TYPES.items() if CERT_TYPES[k].name != v} == {}


def test_every_result_and_certificate_material_is_a_known_type_of_the_issuing_department() -> None:
    items = _items()
    assert items
    unknown = sorted({i["result_type"] for i in items if i.get("result_type") and i["result_type"] not in CERT_TYPES})
    assert unknown == []
    materials = {m["cert_type"] for i in items for m in i.get("materials", []) if m.get("cert_type")}
    assert sorted(materials - set(CERT_TYPES)) == []
    wrong_issuer = [
        (i["code"], i["result_type"])
        for i in items
        if i.get("result_type")
        and (CERT_TYPES[i["result_type"]].department, CERT_TYPES[i["result_type"]].holder_kind)
        != (i["department"], i["subject"])
    ]
    assert wrong_issuer == []
