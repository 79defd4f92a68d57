"""The shipped 12345 hotline taxonomy (three levels) and the department directory it routes to.

Pure and cached: loads ``hotline/data/taxonomy.yaml`` and the registry's ``departments.yaml`` once per process, so
triage works without a database. A leaf names its lead department, optional assisting departments and a
time-limit class that the routing side turns into working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from yiwang.kernel.errors import ValidationError
from yiwang.registry.services import DEPARTMENTS_FILE

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TAXONOMY_FILE = DATA_DIR / "taxonomy.yaml"
SEED_FILE = DATA_DIR / "seed_appeals.jsonl"
HOLDOUT_FILE = DATA_DIR / "holdout_appeals.jsonl"
KB_FILE = DATA_DIR / "kb_articles.yaml"
LEXICON_FILE = DATA_DIR / "category_lexicon.yaml"


@dataclass(frozen=True, slots=True)
class Department:
    """One department of ``departments.yaml``: code, full and short name, duty keywords."""

    code: str
    name: str
    short: str
    duties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Category:
    """One leaf (小类) of the taxonomy with its parents' names, departments and time-limit class."""

    code: str
    name: str
    path: tuple[str, str, str]
    department: str
    also: tuple[str, ...]
    limit: str
    keywords: tuple[str, ...] = ()
    """Words callers use for this leaf (``category_lexicon.yaml``), extra training signal."""


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The whole taxonomy: leaves by code, first-level classes with their alignments, time-limit classes."""

    leaves: dict[str, Category]
    top_levels: dict[str, str]
    """First-level code → name."""
    aligns: dict[str, tuple[str, ...]]
    """First-level code → first-level names of published taxonomies it covers."""
    limit_classes: dict[str, str]
    departments: dict[str, Department]

    def leaf(self, code: str) -> Category:
        """The leaf with this code, or a Chinese ValidationError naming the field."""
        try:
            return self.leaves[code]
        except KeyError:
            raise ValidationError(f"诉求分类编码 {code} 不是分类表中的小类", field="category") from None

    def department(self, code: str) -> Department:
        """The department with this code, or a Chinese ValidationError naming the field."""
        try:
            return self.departments[code]
        except KeyError:
            raise ValidationError(f"部门编码 {code} 不在部门目录中", field="department") from None


def _leaf(node: dict[str, Any], top: dict[str, Any], mid: dict[str, Any], keywords: list[str]) -> Category:
    return Category(
        code=str(node["code"]),
        name=str(node["name"]),
        path=(str(top["name"]), str(mid["name"]), str(node["name"])),
        department=str(node["department"]),
        also=tuple(str(code) for code in node.get("also", ())),
        limit=str(node["limit"]),
        keywords=tuple(str(word) for word in keywords),
    )


def load_departments(path: Path = DEPARTMENTS_FILE) -> dict[str, Department]:
    """The department directory as shipped (the registry's canonical ``departments.yaml``)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        str(row["code"]): Department(
            code=str(row["code"]),
            name=str(row["name"]),
            short=str(row.get("short", row["name"])),
            duties=tuple(str(duty) for duty in row.get("duties", ())),
        )
        for row in document["departments"]
    }


@cache
def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    """Parse and check the shipped taxonomy: codes nest, departments exist, limits are known classes."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    departments = load_departments()
    lexicon = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8")) or {}
    limits = {str(key): str(value) for key, value in document["time_limit_classes"].items()}
    leaves: dict[str, Category] = {}
    tops: dict[str, str] = {}
    aligns: dict[str, tuple[str, ...]] = {}
    for top in document["categories"]:
        tops[str(top["code"])] = str(top["name"])
        aligns[str(top["code"])] = tuple(str(name) for name in top.get("aligns", ()))
        for mid in top["children"]:
            for node in mid["children"]:
                leaf = _leaf(node, top, mid, lexicon.get(str(node["code"]), []))
                if not (leaf.code.startswith(str(mid["code"])) and str(mid["code"]).startswith(str(top["code"]))):
                    msg = f"分类编码 {leaf.code} 与上级编码不一致"
                    raise ValueError(msg)
                unknown = {leaf.department, *leaf.also} - departments.keys()
                if unknown or leaf.limit not in limits or leaf.code in leaves:
                    msg = f"分类 {leaf.code} 的部门 {sorted(unknown)}、时限类别 {leaf.limit} 或编码有误"
                    raise ValueError(msg)
                leaves[leaf.code] = leaf
    return Taxonomy(leaves=leaves, top_levels=tops, aligns=aligns, limit_classes=limits, departments=departments)
