"""Interpret policy syntax trees for one subject's profile, with a trace of every condition in Chinese.

Same semantics as ``policies.compiler`` (see its docstring): null propagation, Kleene logic, null leaves not
met, division by zero null, skipping nulls in ``sum_last``/``avg_last``/``min_last``/``min``/``max``, and the
year ``shift`` of multi-year schedules. ``profile`` is one row of the profile frame as a dict (``revenue__0`` …).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from yiwang.policies import catalogue
from yiwang.policies.compiler import shifted_date
from yiwang.policies.document import AwardNode, CondNode, Policy
from yiwang.policies.language import Binary, Bool, Call, ListLit, Name, Node, Num, Str, Unary, render
from yiwang.policies.schemas import TraceItem

Value = Any

OP_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠", "in": "属于", "not in": "不属于"}


def _and(a: Value, b: Value) -> Value:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Value, b: Value) -> Value:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _not(a: Value) -> Value:
    return None if a is None else not a


def _float(value: Value) -> Value:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


class Interpreter:
    """Evaluates one policy's expressions against one profile row."""

    def __init__(
        self, policy: Policy, profile: Mapping[str, Value], *, as_of: dt.date, params: dict[str, float], shift: int = 0
    ) -> None:
        self.policy = policy
        self.subject = policy.document.subject
        self.profile = profile
        self.as_of = as_of
        self.params = params
        self.shift = shift

    def with_shift(self, shift: int) -> Interpreter:
        """The same interpreter judging ``shift`` years ago."""
        return Interpreter(self.policy, self.profile, as_of=self.as_of, params=self.params, shift=shift)

    def _series(self, name: str, index: int) -> Value:
        info = catalogue.variable(self.subject, name)
        assert info is not None  # noqa: S101 - checked
        depth = catalogue.YEARLY_DEPTH if info.type == "yearly" else catalogue.MONTHLY_DEPTH
        position = index + self.shift * (1 if info.type == "yearly" else 12)
        if position >= depth:
            return None
        return _float(self.profile.get(f"{name}__{position}"))

    def _depth(self, name: str) -> int:
        info = catalogue.variable(self.subject, name)
        assert info is not None  # noqa: S101 - checked
        return catalogue.YEARLY_DEPTH if info.type == "yearly" else catalogue.MONTHLY_DEPTH

    def const(self, node: Node) -> float:
        """A constant argument's value."""
        if isinstance(node, Num):
            return node.value
        assert isinstance(node, Name)  # noqa: S101 - checked
        return self.params[node.name]

    def value(self, node: Node) -> Value:  # noqa: PLR0911 - one branch per node kind
        """The value of an expression for this subject (None = missing)."""
        match node:
            case Num(value=value):
                return value
            case Str(value=value) | Bool(value=value):
                return value
            case Name(name=name):
                if name in self.params:
                    return self.params[name]
                info = catalogue.variable(self.subject, name)
                assert info is not None  # noqa: S101 - checked
                raw = self.profile.get(name)
                return _float(raw) if info.type == "number" else raw
            case Unary(op="not", operand=operand):
                return _not(self.value(operand))
            case Unary(operand=operand):
                value = self.value(operand)
                return None if value is None else -value
            case Binary():
                return self._binary(node)
            case Call():
                return self._call(node)
            case ListLit(items=items):
                return [self.value(item) for item in items]
        raise AssertionError(node)  # pragma: no cover - exhaustive

    def _binary(self, node: Binary) -> Value:  # noqa: C901, PLR0911, PLR0912 - one branch per operator
        op = node.op
        if op in {"in", "not in"}:
            left = self.value(node.left)
            right = self.value(node.right)
            if isinstance(node.right, ListLit):
                found = None if left is None else left in right
            else:
                found = None if right is None else left in right
            return _not(found) if op == "not in" else found
        left, right = self.value(node.left), self.value(node.right)
        if op == "and":
            return _and(left, right)
        if op == "or":
            return _or(left, right)
        if left is None or right is None:
            return None
        match op:
            case "+":
                return left + right
            case "-":
                return left - right
            case "*":
                return left * right
            case "/":
                return None if right == 0 else left / right
            case "==":
                return left == right
            case "!=":
                return left != right
            case "<":
                return left < right
            case "<=":
                return left <= right
            case ">":
                return left > right
            case ">=":
                return left >= right
        raise AssertionError(op)  # pragma: no cover - parser

    def _call(self, node: Call) -> Value:  # noqa: C901, PLR0911, PLR0912 - one branch per function
        func, args = node.func, node.args
        if func == "date":
            assert isinstance(args[0], Str)  # noqa: S101 - checked
            return dt.date.fromisoformat(args[0].value)
        if func in {"latest", "years_ago", "sum_last", "avg_last", "min_last", "growth", "first_time_reaching"}:
            assert isinstance(args[0], Name)  # noqa: S101 - checked
            name = args[0].name
            if func == "latest":
                return self._series(name, 0)
            if func == "years_ago":
                return self._series(name, int(self.const(args[1])))
            if func == "growth":
                now, before = self._series(name, 0), self._series(name, 1)
                if now is None or before is None or before <= 0:
                    return None
                return (now - before) / before
            if func == "first_time_reaching":
                threshold = self.value(args[1])
                now = self._series(name, 0)
                reached = None if now is None or threshold is None else now >= threshold
                earlier, recorded = True, False
                for i in range(1, self._depth(name)):
                    before = self._series(name, i)
                    recorded = recorded or before is not None
                    ok = True if before is None or threshold is None else before < threshold
                    earlier = earlier and ok
                return _and(reached, earlier and recorded)
            count = max(1, int(self.const(args[1])))
            values = [v for v in (self._series(name, i) for i in range(count)) if v is not None]
            if not values:
                return None
            if func == "sum_last":
                return sum(values)
            if func == "avg_last":
                return sum(values) / len(values)
            return min(values)
        if func in {"count_in_window", "sum_last_days"}:
            assert isinstance(args[0], Name)  # noqa: S101 - checked
            start = self.shift * 365
            end = start + int(self.const(args[1]))
            events = self.profile.get(args[0].name) or []
            inside = [e for e in events if start <= int(e["days"]) < end]
            if func == "count_in_window":
                return float(len(inside))
            return float(sum(float(e["amount"] or 0) for e in inside))
        if func == "years_since":
            ref = shifted_date(self.as_of, self.shift)
            value = self.value(args[0])
            if value is None:
                return None
            later = (value.month, value.day) > (ref.month, ref.day)
            return float(ref.year - value.year - int(later))
        if func in {"min", "max"}:
            values = [v for v in (self.value(args[0]), self.value(args[1])) if v is not None]
            if not values:
                return None
            return min(values) if func == "min" else max(values)
        if func == "contains":
            labels, label = self.value(args[0]), self.value(args[1])
            return None if labels is None or label is None else label in labels
        raise AssertionError(func)  # pragma: no cover - checker

    # --- conditions with trace ---

    def condition(self, cond: CondNode) -> bool:
        """Whether the subject meets the condition (null leaves count as not met)."""
        if cond.kind == "leaf":
            assert cond.expr is not None  # noqa: S101 - checked
            return self.value(cond.expr) is True
        if cond.kind == "not":
            return not self.condition(cond.children[0])
        results = [self.condition(child) for child in cond.children]
        return all(results) if cond.kind == "all" else any(results)

    def trace(self, cond: CondNode, depth: int = 0, *, negated: bool = False) -> list[TraceItem]:
        """One trace item per node (depth-first), each with its verdict, actual and required values."""
        passed = self.condition(cond)
        if cond.kind != "leaf":
            names = {"all": "以下条件全部满足", "any": "以下条件满足其一", "not": "不得符合以下情形"}
            verdict = "符合" if passed else "不符合"
            item = TraceItem(
                path=cond.path,
                label=cond.label or names[cond.kind],
                expression=cond.kind,
                passed=passed,
                text=f"{verdict}：{cond.label or names[cond.kind]}",
                depth=depth,
            )
            items = [item]
            for child in cond.children:
                items.extend(self.trace(child, depth + 1, negated=negated != (cond.kind == "not")))
            return items
        assert cond.expr is not None  # noqa: S101 - checked
        raw = self.value(cond.expr)
        actual, required = self.describe(cond.expr)
        if raw is None:
            verdict = "无法判断（缺少数据）"
        elif negated:
            verdict = "存在该情形" if raw else "无该情形"
        else:
            verdict = "符合" if raw else "不符合"
        text = f"{verdict}：{actual}，要求 {required}" if required else f"{verdict}：{cond.label}（{actual}）"
        if required and cond.label:
            text += f"（{cond.label}）"
        return [
            TraceItem(
                path=cond.path,
                label=cond.label,
                expression=render(cond.expr),
                passed=None if raw is None else bool(raw),
                actual=actual,
                required=required,
                text=text,
                depth=depth,
            )
        ]

    def describe(self, node: Node) -> tuple[str, str]:
        """(actual, required) for a leaf: comparisons give both sides; other leaves describe their inputs."""
        if isinstance(node, Binary) and node.op in OP_SYMBOLS:
            left = f"{self.label(node.left)} {self.show(node.left)}"
            if isinstance(node.right, ListLit):
                right = "、".join(self.show(item) for item in node.right.items)
            else:
                right = self.show(node.right, unit_of=node.left)
            return left, f"{OP_SYMBOLS[node.op]} {right}"
        if isinstance(node, Call) and node.func == "first_time_reaching":
            assert isinstance(node.args[0], Name)  # noqa: S101 - checked
            series = node.args[0].name
            info = catalogue.variable(self.subject, series)
            unit = info.unit if info else ""
            label = info.label if info else series
            first = self.as_of.year - 1 - self.shift
            shown = "；".join(f"{first - i} 年 {format_value(self._series(series, i), unit)}" for i in range(3))
            threshold = format_value(self.value(node.args[1]), unit)
            return f"{label}：{shown}", f"最近一年首次达到 {threshold}（此前有记录的年度均未达到）"
        if isinstance(node, Binary) and node.op in {"and", "or"}:
            return f"{render(node)} → {format_value(self.value(node), '')}", ""
        return f"{self.label(node)} {self.show(node)}", ""

    def label(self, node: Node) -> str:  # noqa: C901, PLR0911, PLR0912 - one branch per shape
        """Chinese name of an operand (``2025 年营业收入`` for ``latest(revenue)``)."""
        if isinstance(node, Name):
            info = catalogue.variable(self.subject, node.name)
            if info is not None:
                return info.label
            parameter = self.policy.document.parameters.get(node.name)
            return parameter.label if parameter and parameter.label else node.name
        if isinstance(node, Call) and node.args and isinstance(node.args[0], Name):
            info = catalogue.variable(self.subject, node.args[0].name)
            base = info.label if info else node.args[0].name
            yearly = info is not None and info.type == "yearly"
            unit = "年" if yearly else "个月"
            last_year = self.as_of.year - 1 - self.shift
            match node.func:
                case "latest":
                    return f"{last_year} 年{base}" if yearly else f"最近一个月{base}"
                case "years_ago":
                    return f"{last_year - int(self.const(node.args[1]))} 年{base}"
                case "sum_last":
                    return f"近 {int(self.const(node.args[1]))} {unit}{base}合计"
                case "avg_last":
                    return f"近 {int(self.const(node.args[1]))} {unit}{base}平均"
                case "min_last":
                    return f"近 {int(self.const(node.args[1]))} {unit}{base}最低"
                case "growth":
                    return f"{base}同比增长率"
                case "count_in_window":
                    return f"近 {int(self.const(node.args[1]))} 天{base}次数"
                case "sum_last_days":
                    return f"近 {int(self.const(node.args[1]))} 天{base}金额"
                case "years_since":
                    return f"{base}至今"
                case "contains":
                    return base
        return render(node)

    def unit(self, node: Node) -> str:  # noqa: PLR0911 - one branch per shape
        """The unit of an operand's value."""
        if isinstance(node, Name):
            info = catalogue.variable(self.subject, node.name)
            if info is not None:
                return info.unit
            parameter = self.policy.document.parameters.get(node.name)
            return parameter.unit if parameter else ""
        if isinstance(node, Call):
            if node.func == "growth":
                return "%"
            if node.func == "count_in_window":
                return "次"
            if node.func == "years_since":
                return "年"
            if node.args and isinstance(node.args[0], Name):
                return self.unit(node.args[0])
            if node.args:
                return self.unit(node.args[0])
        if isinstance(node, Binary) and node.op in {"+", "-", "*", "/"}:
            return self.unit(node.left) or self.unit(node.right)
        return ""

    def show(self, node: Node, *, unit_of: Node | None = None) -> str:
        """An operand's value with its unit (money in 万元)."""
        unit = self.unit(node) or (self.unit(unit_of) if unit_of is not None else "")
        return format_value(self.value(node), unit)

    # --- awards ---

    def award(self, award: AwardNode) -> int:
        """Whole yuan (schedules: the first instalment)."""
        if award.kind == "schedule":
            return self.award(award.instalments[0].award)
        return money(self._amount(award))

    def _amount(self, award: AwardNode) -> Value:
        if award.kind == "fixed":
            assert award.amount is not None  # noqa: S101 - checked
            return self.value(award.amount)
        if award.kind == "tiered":
            assert award.by is not None  # noqa: S101 - checked
            by = self.value(award.by)
            for low, high, amount in award.tiers:
                inside: Value = True
                if low is not None:
                    inside = _and(inside, None if by is None else by >= self.value(low))
                if high is not None:
                    inside = _and(inside, None if by is None else by < self.value(high))
                if inside is True:
                    return self.value(amount)
            return 0.0
        if award.kind == "per_head":
            assert award.count is not None  # noqa: S101 - checked
            assert award.amount is not None  # noqa: S101 - checked
            count, each = self.value(award.count), self.value(award.amount)
            total = None if count is None or each is None else count * each
        else:
            assert award.base is not None  # noqa: S101 - checked
            assert award.rate is not None  # noqa: S101 - checked
            base, rate = self.value(award.base), self.value(award.rate)
            total = None if base is None or rate is None else base * rate
        if award.cap is not None and total is not None:
            cap = self.value(award.cap)
            if cap is not None and total > cap:
                total = cap
        return total


def money(value: Value) -> int:
    """Whole yuan, rounded down; missing and negative amounts are 0."""
    if value is None:
        return 0
    number = float(value)
    if math.isnan(number) or number <= 0:
        return 0
    return math.floor(number)


def format_value(value: Value, unit: str) -> str:  # noqa: PLR0911 - one branch per kind of value
    """A value for people: money ≥ 1 万 in 万元, thousands separators, percentages, dates, labels."""
    if value is None:
        return "（无数据）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) if value else "（无）"
    if isinstance(value, str):
        return value
    number = float(value)
    if unit == "%":
        return f"{number * 100:.1f}%"
    if unit == "元" and abs(number) >= 100_000_000:  # noqa: PLR2004 - 1 亿
        return f"{_trim(number / 100_000_000)} 亿元"
    if unit == "元" and abs(number) >= 10_000:  # noqa: PLR2004 - 1 万
        return f"{_trim(number / 10_000)} 万元"
    text = _trim(number)
    return f"{text} {unit}" if unit else text


def _trim(number: float) -> str:
    if float(number).is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")
