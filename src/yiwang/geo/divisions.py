"""The shipped division tables of Chengdu (districts, streets/townships, communities), read without a database."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class DistrictInfo:
    """A county-level division: 6-digit GB/T 2260 code, name, kind (区/县/县级市)."""

    code: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class StreetInfo:
    """A street office or township: 9-digit statistical code, name, kind (街道/镇/乡), district."""

    code: str
    name: str
    kind: str
    district_code: str


@dataclass(frozen=True, slots=True)
class CommunityInfo:
    """A community (社区, urban) or village (村, rural): 12-digit statistical code, name, street."""

    code: str
    name: str
    street_code: str
    urban: bool


@dataclass(frozen=True, slots=True)
class Divisions:
    """All divisions of the city, in code order."""

    districts: tuple[DistrictInfo, ...]
    streets: tuple[StreetInfo, ...]
    communities: tuple[CommunityInfo, ...]

    def codes(self) -> frozenset[str]:
        """Every known code (6, 9 and 12 digits)."""
        return frozenset(
            [d.code for d in self.districts] + [s.code for s in self.streets] + [c.code for c in self.communities]
        )


def _district_kind(name: str) -> str:
    if name.endswith("区"):
        return "区"
    if name.endswith("县"):
        return "县"
    return "县级市"


def _street_kind(name: str) -> str:
    for kind in ("街道", "镇", "乡"):
        if name.endswith(kind):
            return kind
    return "街道"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def load_divisions() -> Divisions:
    """Read the shipped CSV tables (国家统计局 2023 statistical division codes, see ``data/SOURCE.md``)."""
    districts = tuple(
        DistrictInfo(r["code"], r["name"], _district_kind(r["name"])) for r in _rows("chengdu_districts.csv")
    )
    streets = tuple(
        StreetInfo(r["code"], r["name"], _street_kind(r["name"]), r["district_code"])
        for r in _rows("chengdu_streets.csv")
    )
    communities = tuple(
        CommunityInfo(r["code"], r["name"], r["street_code"], urban=not r["name"].endswith(("村民委员会", "村委会")))
        for r in _rows("chengdu_communities.csv")
    )
    return Divisions(districts=districts, streets=streets, communities=communities)
