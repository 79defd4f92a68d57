"""秒批: evaluate an item's declared rules against the application's facts and keep a trace of every rule.

Pure. Each rule (``catalogue.schemas.RuleSpec``) names a fact path, an operator and a required value. The trace
records, per rule, the description, the fact, the required and the actual value and whether it passed. A fact that
is missing (a source department down, no record) makes the rule *undecided*, never failed: the application falls
back to manual review, it is never rejected automatically for lack of data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from yiwang.onestop.facts import Facts
from yiwang.onestop.schemas import RuleResult


class Rule(Protocol):
    """What a declared 秒批 rule provides (``catalogue.schemas.RuleSpec``)."""

    @property
    def id(self) -> str: ...  # noqa: D102 - the rule's stable identifier
    @property
    def description(self) -> str: ...  # noqa: D102 - shown in the trace
    @property
    def fact(self) -> str: ...  # noqa: D102 - the fact path
    @property
    def op(self) -> str: ...  # noqa: D102 - the operator
    @property
    def value(self) -> Any: ...  # noqa: D102 - the required value
    @property
    def message(self) -> str: ...  # noqa: D102 - why it failed


@dataclass(frozen=True, slots=True)
class Verdict:
    """All rules passed (``approved``), or why not; the trace lists every rule in declared order."""

    approved: bool
    trace: list[RuleResult]

    @property
    def failed(self) -> list[RuleResult]:
        """Rules whose fact was known and did not satisfy the requirement."""
        return [r for r in self.trace if not r.passed and not r.missing]

    @property
    def missing(self) -> list[RuleResult]:
        """Rules that could not be decided because a fact was missing."""
        return [r for r in self.trace if r.missing]

    def summary(self) -> str:
        """One Chinese line saying why the application went to manual review (empty when approved)."""
        if self.approved:
            return ""
        parts = [f"{r.description}：{r.message}" for r in self.failed]
        parts += [f"{r.description}：数据暂不可得（{r.fact}）" for r in self.missing]
        return "秒批未通过，转人工审核。" + "；".join(parts)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _comparable(actual: Any, required: Any) -> tuple[Any, Any]:
    left, right = _number(actual), _number(required)
    if left is not None and right is not None:
        return left, right
    if isinstance(actual, dt.date | dt.datetime):
        actual = actual.isoformat()
    return str(actual), str(required)


def compare(op: str, actual: Any, required: Any) -> bool:  # noqa: C901, PLR0911 - one operator a line
    """Whether ``actual`` satisfies ``op required`` (numbers compared as numbers, everything else as text)."""
    if op == "exists":
        return actual is not None
    if op == "not_exists":
        return actual is None
    if op in {"in", "not_in"}:
        choices = required if isinstance(required, list | tuple | set) else [required]
        found = any(actual == c or str(actual) == str(c) for c in choices)
        return found if op == "in" else not found
    if op in {"==", "!="}:
        left, right = _comparable(actual, required)
        return bool(left == right) if op == "==" else bool(left != right)
    if op not in {">=", "<=", ">", "<"}:
        msg = f"未知的规则运算符 {op}"
        raise ValueError(msg)
    if (_number(actual) is None) != (_number(required) is None):
        # A number against text (an ordering rule on "abc") is not satisfied; comparing the two as text would
        # let "abc" >= 3 pass.
        return False
    left, right = _comparable(actual, required)
    try:
        if op == ">=":
            return bool(left >= right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left < right)
    except TypeError:
        return False


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def evaluate(rules: Iterable[Rule], facts: Facts) -> Verdict:
    """Evaluate every rule (no short-circuit: the trace is complete) and decide."""
    trace: list[RuleResult] = []
    for rule in rules:
        known, actual = facts.get(rule.fact)
        if rule.op == "not_exists":
            passed, missing = not known, False
        elif rule.op == "exists":
            passed, missing = known, False
        elif not known:
            passed, missing = False, True
        else:
            passed, missing = compare(rule.op, actual, rule.value), False
        trace.append(
            RuleResult(
                rule_id=rule.id,
                description=rule.description,
                fact=rule.fact,
                op=rule.op,
                required=_jsonable(rule.value),
                actual=_jsonable(actual),
                passed=passed,
                missing=missing,
                message="" if passed else ("数据暂不可得，转人工审核" if missing else rule.message),
            )
        )
    return Verdict(approved=bool(trace) and all(r.passed for r in trace), trace=trace)
