"""Compile checked policy syntax trees to Polars expressions, evaluated column-wise over the profile frame.

Semantics shared with ``policies.interpreter`` (a test holds them together on the whole demo city):

* Missing data is null; comparisons and arithmetic with null give null; ``and``/``or``/``not`` follow Kleene
  logic; a leaf condition that ends up null counts as *not met*. Division by zero gives null.
* ``sum_last``/``avg_last``/``min_last`` and ``min``/``max`` skip nulls (null only when every input is null).
* ``shift`` judges the expression "k years ago" for multi-year schedules: yearly series move by k, monthly by
  12·k, event windows end k·365 days earlier and ``years_since`` counts from k years before the date. Variables
  without history keep their current value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from yiwang.policies import catalogue
from yiwang.policies.document import AwardNode, CondNode, Policy
from yiwang.policies.language import Binary, Bool, Call, ListLit, Name, Node, Num, Str, Unary

NULL_F = pl.lit(None, dtype=pl.Float64)
NULL_B = pl.lit(None, dtype=pl.Boolean)


def shifted_date(as_of: dt.date, years: int) -> dt.date:
    """The same day ``years`` years earlier (29 February falls back to the 28th)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return as_of.replace(year=as_of.year - years, day=28)


class Compiler:
    """Compiles expressions of one policy for one evaluation date, parameter set and year shift."""

    def __init__(
        self,
        policy: Policy,
        *,
        as_of: dt.date,
        params: dict[str, float],
        shift: int = 0,
        shared: Callable[[pl.Expr], pl.Expr] | None = None,
    ) -> None:
        self.policy = policy
        self.subject = policy.document.subject
        self.as_of = as_of
        self.params = params
        self.shift = shift
        # Batch matching passes a hook that turns a parameter-free helper (the highest earlier year of a series)
        # into a column computed once before every policy's conditions; alone, the helper stays inline.
        self.shared = shared or (lambda expr: expr)

    def _series(self, name: str, index: int) -> pl.Expr:
        info = catalogue.variable(self.subject, name)
        assert info is not None  # noqa: S101 - checked
        depth = catalogue.YEARLY_DEPTH if info.type == "yearly" else catalogue.MONTHLY_DEPTH
        step = 1 if info.type == "yearly" else 12
        position = index + self.shift * step
        if position >= depth:
            return NULL_F
        return pl.col(f"{name}__{position}").cast(pl.Float64)

    def _depth(self, name: str) -> int:
        info = catalogue.variable(self.subject, name)
        assert info is not None  # noqa: S101 - checked
        return catalogue.YEARLY_DEPTH if info.type == "yearly" else catalogue.MONTHLY_DEPTH

    def const(self, node: Node) -> float:
        """The value of a constant argument (number literal or parameter)."""
        if isinstance(node, Num):
            return node.value
        assert isinstance(node, Name)  # noqa: S101 - checked
        return self.params[node.name]

    def expr(self, node: Node) -> pl.Expr:  # noqa: C901, PLR0911 - one branch per node kind
        """A Polars expression computing ``node`` for every row."""
        match node:
            case Num(value=value):
                return pl.lit(value, dtype=pl.Float64)
            case Str(value=value):
                return pl.lit(value, dtype=pl.String)
            case Bool(value=value):
                return pl.lit(value, dtype=pl.Boolean)
            case Name(name=name):
                if name in self.params:
                    return pl.lit(self.params[name], dtype=pl.Float64)
                info = catalogue.variable(self.subject, name)
                assert info is not None  # noqa: S101 - checked
                if info.type == "number":
                    return pl.col(name).cast(pl.Float64)
                return pl.col(name)
            case Unary(op="not", operand=operand):
                return ~self.expr(operand)
            case Unary(operand=operand):
                return -self.expr(operand)
            case Binary():
                return self._binary(node)
            case Call():
                return self._call(node)
            case ListLit():
                raise AssertionError("list literal outside in")  # pragma: no cover - checker
        raise AssertionError(node)  # pragma: no cover - exhaustive

    def _binary(self, node: Binary) -> pl.Expr:
        op = node.op
        if op in {"in", "not in"}:
            left = self.expr(node.left)
            if isinstance(node.right, ListLit):
                values = [item.value for item in node.right.items if isinstance(item, (Num, Str))]
                found = pl.when(left.is_null()).then(NULL_B).otherwise(left.is_in(values))
            else:
                found = self.expr(node.right).list.contains(left)
            return ~found if op == "not in" else found
        left, right = self.expr(node.left), self.expr(node.right)
        if op == "and":
            return left & right
        if op == "or":
            return left | right
        if op == "/":
            return pl.when(right == 0).then(NULL_F).otherwise(left / right)
        operators = {
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }
        result: pl.Expr = operators[op](left, right)
        return result

    def _call(self, node: Call) -> pl.Expr:  # noqa: C901, PLR0911, PLR0912 - one branch per function
        func, args = node.func, node.args
        if func == "date":
            assert isinstance(args[0], Str)  # noqa: S101 - checked
            return pl.lit(dt.date.fromisoformat(args[0].value), dtype=pl.Date)
        if func in {"latest", "years_ago", "sum_last", "avg_last", "min_last", "growth", "first_time_reaching"}:
            assert isinstance(args[0], Name)  # noqa: S101 - checked: series are variables
            name = args[0].name
            if func == "latest":
                return self._series(name, 0)
            if func == "years_ago":
                return self._series(name, int(self.const(args[1])))
            if func == "growth":
                now, before = self._series(name, 0), self._series(name, 1)
                return pl.when(before > 0).then((now - before) / before).otherwise(NULL_F)
            if func == "first_time_reaching":
                return self._first_time_reaching(name, args[1])
            count = max(1, int(self.const(args[1])))
            cols = [self._series(name, i) for i in range(count)]
            if func == "sum_last":
                return (
                    pl.when(pl.all_horizontal([c.is_null() for c in cols]))
                    .then(NULL_F)
                    .otherwise(pl.sum_horizontal(cols))
                )
            if func == "avg_last":
                return pl.mean_horizontal(cols)
            return pl.min_horizontal(cols)
        if func in {"count_in_window", "sum_last_days"}:
            assert isinstance(args[0], Name)  # noqa: S101 - checked
            start = self.shift * 365
            end = start + int(self.const(args[1]))
            days = pl.element().struct.field("days")
            inside = (days >= start) & (days < end)
            events = pl.col(args[0].name)
            if func == "count_in_window":
                return events.list.eval(inside.cast(pl.Float64)).list.sum().cast(pl.Float64)
            amount = pl.element().struct.field("amount")
            return events.list.eval(pl.when(inside).then(amount).otherwise(0.0)).list.sum().cast(pl.Float64)
        if func == "years_since":
            ref = shifted_date(self.as_of, self.shift)
            value = self.expr(args[0])
            later = (value.dt.month() > ref.month) | ((value.dt.month() == ref.month) & (value.dt.day() > ref.day))
            return (pl.lit(ref.year) - value.dt.year() - later.cast(pl.Int32)).cast(pl.Float64)
        if func == "min":
            return pl.min_horizontal(self.expr(args[0]), self.expr(args[1]))
        if func == "max":
            return pl.max_horizontal(self.expr(args[0]), self.expr(args[1]))
        if func == "contains":
            return self.expr(args[0]).list.contains(self.expr(args[1]))
        raise AssertionError(func)  # pragma: no cover - checker

    def _first_time_reaching(self, name: str, threshold_node: Node) -> pl.Expr:
        """Reached now, and at least one earlier year on record with every recorded year below the threshold.

        "Every recorded earlier year below" is "the highest earlier year below": one ``max_horizontal`` per
        series and shift, which Polars computes once for all policies (instead of one comparison per year and
        policy). ``max_horizontal`` skips nulls (and NaN, which the interpreter treats as missing too); it is null
        only when no earlier year is on record.
        """
        threshold = self.expr(threshold_node)
        earlier = [self._series(name, i) for i in range(1, self._depth(name))]
        highest = self.shared(pl.max_horizontal(earlier))
        below = (highest < threshold).fill_null(value=False)
        if not isinstance(threshold_node, Num) and not (
            isinstance(threshold_node, Name) and threshold_node.name in self.params
        ):  # a variable threshold may be null: then only "on record" counts, as in the interpreter
            below = below | (threshold.is_null() & highest.is_not_null())
        return (self._series(name, 0) >= threshold) & below

    def condition(self, cond: CondNode) -> pl.Expr:
        """A non-null boolean: whether the subject meets the condition (null leaves count as not met)."""
        if cond.kind == "leaf":
            assert cond.expr is not None  # noqa: S101 - checked
            return self.expr(cond.expr).fill_null(value=False)
        if cond.kind == "not":
            return ~self.condition(cond.children[0])
        parts = [self.condition(child) for child in cond.children]
        if not parts:
            return pl.lit(value=True)
        return pl.all_horizontal(parts) if cond.kind == "all" else pl.any_horizontal(parts)

    def award(self, award: AwardNode) -> pl.Expr:
        """The award in whole yuan (nulls and negatives give 0); schedules give their first instalment."""
        if award.kind == "schedule":
            return self.award(award.instalments[0].award)
        return money(self._amount(award))

    def _amount(self, award: AwardNode) -> pl.Expr:
        if award.kind == "fixed":
            assert award.amount is not None  # noqa: S101 - checked
            return self.expr(award.amount)
        if award.kind == "tiered":
            assert award.by is not None  # noqa: S101 - checked
            by = self.expr(award.by)
            result: pl.Expr = pl.lit(0.0)
            for low, high, amount in reversed(award.tiers):
                inside = pl.lit(value=True)
                if low is not None:
                    inside &= by >= self.expr(low)
                if high is not None:
                    inside &= by < self.expr(high)
                result = pl.when(inside.fill_null(value=False)).then(self.expr(amount)).otherwise(result)
            return result
        if award.kind == "per_head":
            assert award.count is not None  # noqa: S101 - checked
            assert award.amount is not None  # noqa: S101 - checked
            total = self.expr(award.count) * self.expr(award.amount)
        else:
            assert award.base is not None  # noqa: S101 - checked
            assert award.rate is not None  # noqa: S101 - checked
            total = self.expr(award.base) * self.expr(award.rate)
        if award.cap is not None:
            cap = self.expr(award.cap)
            total = pl.when(total > cap).then(cap).otherwise(total)
        return total


def money(value: pl.Expr) -> pl.Expr:
    """Whole yuan, rounded down; null and negative amounts are 0."""
    return value.fill_null(0.0).fill_nan(0.0).clip(lower_bound=0.0).floor().cast(pl.Int64)
