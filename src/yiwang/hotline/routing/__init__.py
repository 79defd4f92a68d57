"""The responsibility catalogue (责任清单) and the time-limit configuration of the 12345 hotline (pure, no I/O).

``catalogue.yaml`` says which unit leads (主办) and which assist (协办) for a category in a jurisdiction;
``time_limits.yaml`` gives each appeal type and urgency its time limit, the 退单 window, the 签收 limit that 响应率
is measured against, the duplicate-detection window and the overdue-supervision threshold. Both are versioned
files: an appeal records the versions used.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from yiwang.kernel.errors import ValidationError
from yiwang.workflow.calendar import TimeLimit, TimeUnit

ROUTING_DIR = Path(__file__).resolve().parent
CATALOGUE_FILE = ROUTING_DIR / "catalogue.yaml"
TIME_LIMITS_FILE = ROUTING_DIR / "time_limits.yaml"

DEFAULT_SIGN_WITHIN = TimeLimit(1, TimeUnit.WORKING_DAYS)
"""签收时限 when a time-limit file names none: the 签收 state limit of the workflow's ``appeal`` definition."""

_TOKENS = frozenset({"department", "also", "street", "district"})
_WHEN_KEYS = frozenset({"department", "category", "type", "district", "located"})


@dataclass(frozen=True, slots=True)
class Rule:
    """One line of the catalogue."""

    id: str
    label: str
    when: Mapping[str, Any]
    lead: str
    assist: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A published version of the responsibility catalogue."""

    version: str
    name: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """The units the catalogue charges with an appeal."""

    lead_unit: str | None
    assist_units: tuple[str, ...]
    rule: str
    label: str
    catalogue_version: str


@dataclass(frozen=True, slots=True)
class DuplicateSettings:
    """How close two appeals must be to be suggested as the same problem."""

    window_hours: float
    distance_m: float
    min_similarity: float
    min_score: float


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """The city's time-limit configuration."""

    version: str
    by_type: Mapping[str, TimeLimit]
    by_urgency: Mapping[str, TimeLimit]
    return_within: TimeLimit
    max_extension: TimeLimit
    supervise_after: TimeLimit
    duplicates: DuplicateSettings = field(default_factory=lambda: DuplicateSettings(72, 500, 0.35, 0.5))
    sign_within: TimeLimit = DEFAULT_SIGN_WITHIN

    def for_appeal(self, appeal_type: str, urgency: str) -> TimeLimit:
        """The limit of an appeal: its type's, shortened by its urgency (never lengthened)."""
        base = self.by_type.get(appeal_type) or self.by_type.get("投诉") or TimeLimit(13, TimeUnit.WORKING_DAYS)
        urgent = self.by_urgency.get(urgency)
        if urgent is None:
            return base
        return urgent if _approx_hours(urgent) < _approx_hours(base) else base


def _approx_hours(limit: TimeLimit) -> float:
    # Only to compare limits of different units; deadlines themselves use the working-day calendar.
    factor = {
        TimeUnit.WORKING_DAYS: 24.0,
        TimeUnit.NATURAL_DAYS: 24.0,
        TimeUnit.WORKING_HOURS: 1.0,
        TimeUnit.URGENT_HOURS: 1.0,
    }
    return limit.amount * factor[limit.unit]


def _limit(raw: Any, where: str) -> TimeLimit:
    if not isinstance(raw, Mapping) or "amount" not in raw or "unit" not in raw:
        raise ValidationError(f"{where} 应为 {{amount, unit}}", field=where)
    try:
        return TimeLimit(int(raw["amount"]), TimeUnit(str(raw["unit"])))
    except ValueError as exc:
        raise ValidationError(f"{where} 的时限单位或数量无效：{raw}", field=where) from exc


def parse_time_limits(body: Mapping[str, Any]) -> TimeLimits:
    """Validate a time-limit configuration (Chinese errors naming the key)."""
    dup = body.get("duplicates") or {}
    return TimeLimits(
        version=str(body.get("version") or "1"),
        by_type={str(k): _limit(v, f"by_type.{k}") for k, v in (body.get("by_type") or {}).items()},
        by_urgency={str(k): _limit(v, f"by_urgency.{k}") for k, v in (body.get("by_urgency") or {}).items()},
        return_within=_limit(body.get("return_within"), "return_within"),
        max_extension=_limit(body.get("max_extension"), "max_extension"),
        supervise_after=_limit(body.get("supervise_after"), "supervise_after"),
        sign_within=_limit(body["sign_within"], "sign_within") if "sign_within" in body else DEFAULT_SIGN_WITHIN,
        duplicates=DuplicateSettings(
            window_hours=float(dup.get("window_hours", 72)),
            distance_m=float(dup.get("distance_m", 500)),
            min_similarity=float(dup.get("min_similarity", 0.35)),
            min_score=float(dup.get("min_score", 0.5)),
        ),
    )


def parse_catalogue(body: Mapping[str, Any]) -> Catalogue:
    """Validate a catalogue body: every rule has an id, a lead, known tokens and known ``when`` keys."""
    rules = []
    seen: set[str] = set()
    for index, raw in enumerate(body.get("rules") or []):
        where = f"rules[{index}]"
        if not isinstance(raw, Mapping) or not raw.get("id") or not raw.get("lead"):
            raise ValidationError(f"{where} 须有 id 和 lead", field=where)
        rule_id = str(raw["id"])
        if rule_id in seen:
            raise ValidationError(f"{where} 的 id {rule_id} 重复", field=where)
        seen.add(rule_id)
        when = dict(raw.get("when") or {})
        unknown = set(when) - _WHEN_KEYS
        if unknown:
            raise ValidationError(f"{where}.when 含未知条件：{'、'.join(sorted(unknown))}", field=where)
        rules.append(
            Rule(
                id=rule_id,
                label=str(raw.get("label") or rule_id),
                when=when,
                lead=str(raw["lead"]),
                assist=tuple(str(a) for a in raw.get("assist") or ()),
            )
        )
    if not rules or rules[-1].when:
        raise ValidationError("责任清单最后一条须为无条件的兜底规则（when: {}）", field="rules")
    return Catalogue(version=str(body.get("version") or "1"), name=str(body.get("name") or ""), rules=tuple(rules))


@functools.cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    """The shipped (or configured) catalogue, parsed once per process."""
    return parse_catalogue(yaml.safe_load(path.read_text(encoding="utf-8")))


@functools.cache
def load_time_limits(path: Path = TIME_LIMITS_FILE) -> TimeLimits:
    """The shipped (or configured) time limits, parsed once per process."""
    return parse_time_limits(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class RouteQuery:
    """What routing knows about an appeal."""

    department: str | None
    also: Sequence[str] = ()
    category: str | None = None
    appeal_type: str | None = None
    district_code: str | None = None
    street_code: str | None = None


def _matches(when: Mapping[str, Any], q: RouteQuery) -> bool:
    if "department" in when and q.department not in when["department"]:
        return False
    if "type" in when and q.appeal_type not in when["type"]:
        return False
    if "district" in when and (q.district_code or (q.street_code or "")[:6] or None) not in when["district"]:
        return False
    if "located" in when and bool(q.street_code or q.district_code) != bool(when["located"]):
        return False
    if "category" in when:
        patterns = [str(p) for p in when["category"]]
        code = q.category or ""
        if not any(code.startswith(p[:-1]) if p.endswith("*") else code == p for p in patterns):
            return False
    return True


def _expand(token: str, q: RouteQuery) -> list[str]:
    district = q.district_code or ((q.street_code or "")[:6] or None)
    if token == "department":  # noqa: S105 - a catalogue token, not a secret
        return [q.department] if q.department else []
    if token == "also":  # noqa: S105
        return [a for a in q.also if a]
    if token == "street":  # noqa: S105
        return [u for u in (q.street_code or district or q.department,) if u]
    if token == "district":  # noqa: S105
        return [u for u in (district or q.department,) if u]
    return [token]


def route(query: RouteQuery, catalogue: Catalogue | None = None) -> Route:
    """The lead and assisting units for an appeal, by the first matching rule of the catalogue."""
    cat = catalogue or load_catalogue()
    for rule in cat.rules:
        if not _matches(rule.when, query):
            continue
        leads = _expand(rule.lead, query)
        lead = leads[0] if leads else None
        assists: list[str] = []
        for token in rule.assist:
            assists.extend(u for u in _expand(token, query) if u != lead and u not in assists)
        return Route(
            lead_unit=lead, assist_units=tuple(assists), rule=rule.id, label=rule.label, catalogue_version=cat.version
        )
    # parse_catalogue guarantees an unconditional last rule
    raise AssertionError  # pragma: no cover


def is_unit_code(code: str, departments: frozenset[str]) -> bool:
    """A handling unit: a department code, a 6-digit district code or a 9-digit street code."""
    return code in departments or (code.isdigit() and len(code) in {6, 9})


def catalogue_problems(catalogue: Catalogue, *, departments: frozenset[str], categories: frozenset[str]) -> list[str]:
    """What is wrong with a well-formed catalogue against the directory and taxonomy (Chinese, one line each).

    Checks that literal units are department codes or division codes, that ``when.department`` names known
    departments, that ``when.category`` codes (or prefixes) exist in the taxonomy, and that no rule follows one
    that already matches everything it would.
    """
    problems: list[str] = []
    for rule in catalogue.rules:
        where = f"规则 {rule.id}"
        problems.extend(
            f"{where}：承办单位 {unit} 不是部门代码或区县/街道代码"
            for unit in (rule.lead, *rule.assist)
            if unit not in _TOKENS and not is_unit_code(unit, departments)
        )
        problems.extend(
            f"{where}：条件中的部门 {department} 不在部门目录中"
            for department in rule.when.get("department", ())
            if department not in departments
        )
        for pattern in rule.when.get("category", ()):
            text = str(pattern)
            known = any(c.startswith(text[:-1]) for c in categories) if text.endswith("*") else text in categories
            if not known:
                problems.append(f"{where}：分类 {text} 不在诉求分类目录中")
    for index, rule in enumerate(catalogue.rules[:-1]):
        if not rule.when:
            later = "、".join(r.id for r in catalogue.rules[index + 1 :])
            problems.append(f"规则 {rule.id} 无条件匹配一切，其后的规则（{later}）永远不会生效")
    return problems
