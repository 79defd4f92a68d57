"""Batch matching: every policy over every subject in one Polars pass, plus the per-subject judgement it mirrors.

For each policy the compiled expressions produce, per subject:

* ``eligible`` — some instalment is due now (without a schedule: the eligibility holds today);
* ``award`` — the sum of the instalments due now, whole yuan; ``total`` — the whole schedule for a subject
  qualifying today; ``due`` — bit mask of the instalments due (bit 0 = year 1);
* ``fail`` — bit mask of the top-level conditions not met today (for "why not" lists without a full trace).

Instalment *y* of a schedule is due when the eligibility held *y − 1* years ago (``shift``) and the instalment's
own ``when`` holds today. Exclusions (不重复享受) are then applied pairwise in a fixed order: of two mutually
exclusive policies a subject keeps the larger award, then the lower ``priority``, then the smaller id.

How the batch is computed (city scale: millions of subjects × a hundred policies):

1. every top-level condition of every policy, at every year shift a schedule needs, becomes one boolean column;
   identical conditions (same expression once parameters are substituted, same shift) are computed once for all
   policies — the shipped policies' parameter variants share most of them;
2. from those columns, one boolean ``eligible`` column per policy;
3. award, schedule total, due and fail masks are computed only on each policy's eligible rows (a few percent),
   never over the whole frame;
4. exclusions are settled only on the subjects eligible for two or more mutually exclusive policies.

Subjects are processed in chunks (``chunk_rows``), so memory stays bounded by a chunk's columns plus the compact
result (one row per eligible or excluded pair, :func:`match`). :func:`evaluate` spreads the same result into the
wide frame (five columns per policy for every subject), for callers that need every subject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from yiwang.policies.compiler import Compiler, money
from yiwang.policies.document import CondNode, Policy
from yiwang.policies.interpreter import Interpreter
from yiwang.policies.schemas import InstalmentResult, TraceItem

FIELDS = ("eligible", "award", "total", "due", "fail", "excluded_by")
"""The per-policy result fields of the wide frame (:func:`evaluate`), in column order."""
DEFAULT_CHUNK_ROWS = 500_000
"""Subjects per chunk: large enough for Polars to use every core, small enough to cap memory (≈ 1 GB a chunk
at 100 policies)."""
ROW = "row"
POLICY = "policy_id"


@dataclass(frozen=True, slots=True)
class Plan:
    """One policy to evaluate with its parameter values (overrides applied)."""

    policy: Policy
    params: dict[str, float]

    @property
    def id(self) -> str:
        """The policy id."""
        return self.policy.id


def plan(policy: Policy, overrides: dict[str, float] | None = None) -> Plan:
    """A plan with the policy's parameters, some overridden (what-if)."""
    params = dict(policy.parameters)
    for name, value in (overrides or {}).items():
        params[name] = float(value)
    return Plan(policy, params)


def top_conditions(cond: CondNode) -> list[CondNode]:
    """The conditions listed in "why not": the children of a top-level ``all``, else the root."""
    return cond.children if cond.kind == "all" else [cond]


def _shifts(policy: Policy) -> list[int]:
    if policy.award.kind != "schedule":
        return [0]
    return sorted({0, *(i.year - 1 for i in policy.award.instalments)})


class _Pool:
    """Stage-1 columns shared by every policy of a run: an expression met twice is computed once.

    Expressions are keyed by their serialised form, so two policies (or two parameter variants of one) whose
    condition is the same once parameters are substituted share one column.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.columns: list[pl.Expr] = []
        self._names: dict[bytes, str] = {}

    def column(self, expr: pl.Expr) -> pl.Expr:
        """A reference to the shared column computing ``expr`` (added on first sight)."""
        key = expr.meta.serialize(format="binary")
        name = self._names.get(key)
        if name is None:
            name = f"{self.prefix}{len(self.columns)}"
            self._names[key] = name
            self.columns.append(expr.alias(name))
        return pl.col(name)


@dataclass(slots=True)
class _Compiled:
    """One plan's result expressions; ``eligible`` and ``fail`` read pooled columns only."""

    eligible: pl.Expr
    fail: pl.Expr
    award: pl.Expr
    total: pl.Expr
    due: pl.Expr


def _held(policy: Policy, columns: list[pl.Expr]) -> pl.Expr:
    if policy.eligibility.kind != "all":
        return columns[0]
    return pl.all_horizontal(columns) if columns else pl.lit(value=True)


def _compile(item: Plan, pool: _Pool, helpers: _Pool, *, as_of: dt.date) -> _Compiled:
    policy = item.policy
    tops = top_conditions(policy.eligibility)
    held: dict[int, pl.Expr] = {}
    now_columns: list[pl.Expr] = []
    for shift in _shifts(policy):
        compiler = Compiler(policy, as_of=as_of, params=item.params, shift=shift, shared=helpers.column)
        columns = [pool.column(compiler.condition(cond)) for cond in tops]
        if shift == 0:
            now_columns = columns
        held[shift] = _held(policy, columns)
    fail = pl.sum_horizontal([(~c).cast(pl.Int64) * (1 << i) for i, c in enumerate(now_columns)] or [pl.lit(0)])
    now = Compiler(policy, as_of=as_of, params=item.params)
    # award, total and due are only ever evaluated on the policy's eligible rows (_Batch.found).
    if policy.award.kind != "schedule":
        amount = now.award(policy.award)
        return _Compiled(held[0], fail.cast(pl.Int64), amount, amount, pl.lit(1, dtype=pl.Int64))
    dues: list[pl.Expr] = []
    awards: list[pl.Expr] = []
    bits: list[pl.Expr] = []
    amounts: list[pl.Expr] = []
    for number, instalment in enumerate(policy.award.instalments):
        due = held[instalment.year - 1]
        if instalment.when is not None:
            due = due & pool.column(now.expr(instalment.when).fill_null(value=False))
        amount = now.award(instalment.award)
        dues.append(due)
        awards.append(pl.when(due).then(amount).otherwise(0))
        bits.append(pl.when(due).then(1 << number).otherwise(0))
        amounts.append(amount)
    total = pl.when(held[0]).then(pl.sum_horizontal(amounts)).otherwise(0)
    return _Compiled(
        pl.any_horizontal(dues),
        fail.cast(pl.Int64),
        pl.sum_horizontal(awards),
        total,
        pl.sum_horizontal(bits).cast(pl.Int64),
    )


def exclusion_pairs(plans: Sequence[Plan]) -> list[tuple[str, str]]:
    """Mutually exclusive pairs among the plans (either side listing the other), in a fixed order."""
    ids = {p.id for p in plans}
    pairs = {
        tuple(sorted((p.id, other)))
        for p in plans
        for other in p.policy.document.excludes
        if other in ids and other != p.id
    }
    return sorted((a, b) for a, b in pairs)


def _first_wins(a: Plan, b: Plan) -> bool:
    """Tie-break when awards are equal: lower priority number, then smaller id."""
    return (a.policy.document.priority, a.id) < (b.policy.document.priority, b.id)


class _Batch:
    """Plans compiled once for a run, applied chunk by chunk."""

    def __init__(self, plans: Sequence[Plan], *, as_of: dt.date, fields: Sequence[str] = FIELDS) -> None:
        self.plans = list(plans)
        self.helpers = _Pool("__h")
        self.pool = _Pool("__c")
        self.compiled = [_compile(item, self.pool, self.helpers, as_of=as_of) for item in self.plans]
        index = {p.id: i for i, p in enumerate(self.plans)}
        self.pairs = [
            (index[a], index[b], _first_wins(self.plans[index[a]], self.plans[index[b]]))
            for a, b in exclusion_pairs(self.plans)
        ]
        self.involved = sorted({a for a, _, _ in self.pairs} | {b for _, b, _ in self.pairs})
        self.values = [name for name in VALUES if name in fields or name == "award"]

    def conditions(self, chunk: pl.DataFrame, offset: int) -> pl.DataFrame:
        """Stages 1–2: the chunk with row numbers, shared helper and condition columns, one eligibility per plan.

        ``__x`` marks the subjects eligible for both policies of some exclusion pair (the only ones stage 4 needs).
        """
        clash = [pl.col(f"__e{a}") & pl.col(f"__e{b}") for a, b, _ in self.pairs]
        return (
            chunk.lazy()
            .with_row_index(ROW, offset=offset)
            .with_columns(self.helpers.columns)
            .with_columns(self.pool.columns)
            .with_columns([c.eligible.alias(f"__e{i}") for i, c in enumerate(self.compiled)])
            .with_columns((pl.any_horizontal(clash) if clash else pl.lit(value=False)).alias("__x"))
            .collect()
        )

    def found(self, stage: pl.DataFrame) -> list[pl.DataFrame]:
        """Stage 3, per plan: its eligible rows (before exclusions), values computed on those rows only.

        Plans in an exclusion pair keep the ``__x`` mark for stage 4; the others are final already.
        """
        queries = []
        for i, compiled in enumerate(self.compiled):
            values = {"award": compiled.award, "total": compiled.total, "due": compiled.due, "fail": compiled.fail}
            columns = [
                pl.col(ROW),
                pl.lit(i, dtype=pl.UInt16).alias("plan"),
                pl.lit(value=True).alias("eligible"),
                *(values[name].cast(pl.Int64).alias(name) for name in self.values),
                pl.lit(None, dtype=pl.UInt16).alias("excluded_by"),
            ]
            if i in self.involved:
                columns.append(pl.col("__x"))
            queries.append(stage.lazy().filter(pl.col(f"__e{i}")).select(columns))
        return pl.collect_all(queries) if queries else []

    def fail(self, stage: pl.DataFrame) -> pl.DataFrame:
        """The fail mask of every plan for every row of the chunk (the wide frame's ``fail`` columns)."""
        return stage.select([c.fail.cast(pl.Int64).alias(str(i)) for i, c in enumerate(self.compiled)])

    def settle(self, parts: list[pl.DataFrame]) -> list[pl.DataFrame]:
        """Stage 4: 不重复享受 on the subjects eligible for two or more mutually exclusive plans (per plan)."""
        conflicting = [parts[i].filter(pl.col("__x")).select(ROW, "plan", "award") for i in self.involved]
        lost = _losers(pl.concat(conflicting), self.pairs) if conflicting else {}
        settled = list(parts)
        for i in self.involved:
            part = parts[i].drop("__x")
            if i in lost:
                # Rows within a plan's part are in row order: the losers are found by binary search.
                rows, winners = lost[i]
                where = np.searchsorted(part[ROW].to_numpy(), rows)
                codes = part["excluded_by"].clone().scatter(where, winners)
                part = part.with_columns(codes).with_columns(
                    eligible=pl.col("excluded_by").is_null(),
                    award=pl.when(pl.col("excluded_by").is_null()).then(pl.col("award")).otherwise(0),
                )
            settled[i] = part
        return settled

    def schema(self) -> dict[str, pl.DataType]:
        """Columns of a settled chunk."""
        return {
            ROW: pl.UInt32(),
            "plan": pl.UInt16(),
            "eligible": pl.Boolean(),
            **{name: pl.Int64() for name in self.values},
            "excluded_by": pl.UInt16(),
        }


VALUES = ("award", "total", "due", "fail")
"""The integer result fields computed on eligible rows (``award`` always)."""


def _losers(candidates: pl.DataFrame, pairs: list[tuple[int, int, bool]]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per plan, the rows it lost to an exclusion and the winning plans.

    Same fixed pairwise order as :func:`apply_exclusions`; numpy on the few conflicting subjects only.
    """
    if not pairs or candidates.height == 0:
        return {}
    involved = sorted(set(candidates["plan"].to_list()))
    rows, position = np.unique(candidates[ROW].to_numpy(), return_inverse=True)
    slot = np.full(max(max(a, b) for a, b, _ in pairs) + 1, -1, dtype=np.int64)
    slot[involved] = np.arange(len(involved))
    plan_slot = slot[candidates["plan"].to_numpy().astype(np.int64)]
    present = np.zeros((len(involved), len(rows)), dtype=bool)
    award = np.zeros((len(involved), len(rows)), dtype=np.int64)
    lost_to = np.full((len(involved), len(rows)), -1, dtype=np.int64)
    present[plan_slot, position] = True
    award[plan_slot, position] = candidates["award"].to_numpy()
    for a, b, a_wins_tie in pairs:
        sa, sb = slot[a], slot[b]
        if sa < 0 or sb < 0:
            continue
        both = present[sa] & present[sb]
        if not both.any():
            continue
        a_wins = (award[sa] > award[sb]) | ((award[sa] == award[sb]) & a_wins_tie)
        for loser, winner, mask in ((sa, b, both & ~a_wins), (sb, a, both & a_wins)):
            present[loser, mask] = False
            award[loser, mask] = 0
            lost_to[loser, mask] = winner
    result = {}
    for k, plan_index in enumerate(involved):
        mask = lost_to[k] >= 0
        if mask.any():
            result[plan_index] = (rows[mask], lost_to[k][mask])
    return result


def _chunks(frame: pl.DataFrame, rows: int | None) -> Iterator[tuple[int, pl.DataFrame]]:
    size = max(1, rows or frame.height or 1)
    for start in range(0, max(frame.height, 1), size):
        yield start, frame.slice(start, size)


def _collected(profiles: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return profiles.collect() if isinstance(profiles, pl.LazyFrame) else profiles


def match(
    profiles: pl.DataFrame | pl.LazyFrame,
    plans: Sequence[Plan],
    *,
    as_of: dt.date,
    values: Sequence[str] = VALUES,
    chunk_rows: int | None = DEFAULT_CHUNK_ROWS,
) -> pl.DataFrame:
    """The compact batch result: one row per (subject, policy) that is eligible or lost to an exclusion.

    Columns: ``row`` (position of the subject in ``profiles``, UInt32), ``policy_id`` (Enum of the plans' ids),
    ``eligible``, the Int64 ``values`` asked for (``award`` always; ``total``, ``due``, ``fail`` by default) and
    ``excluded_by`` (Enum, null unless excluded), ordered by chunk, then policy, then row. Pairs absent from it
    are ineligible with award 0. ``chunk_rows`` bounds memory; ``None`` evaluates all subjects at once.
    """
    unknown = sorted(set(values) - set(VALUES))
    if unknown:
        raise ValueError(f"unknown result values: {', '.join(unknown)}")
    frame = _collected(profiles)
    batch = _Batch(plans, as_of=as_of, fields=values)
    parts = [
        part
        for start, chunk in _chunks(frame, chunk_rows)
        for part in batch.settle(batch.found(batch.conditions(chunk, start)))
    ]
    return _named(pl.concat(parts) if parts else pl.DataFrame(schema=batch.schema()), batch)


def _named(result: pl.DataFrame, batch: _Batch) -> pl.DataFrame:
    ids = [p.id for p in batch.plans]
    names = pl.Series(ids, dtype=pl.Enum(ids))
    return result.select(
        pl.col(ROW),
        pl.lit(names).gather(pl.col("plan")).alias(POLICY),
        pl.col("eligible"),
        *batch.values,
        pl.lit(names).gather(pl.col("excluded_by")).alias("excluded_by"),
    )


def evaluate(
    profiles: pl.DataFrame | pl.LazyFrame,
    plans: Sequence[Plan],
    *,
    as_of: dt.date,
    fields: Sequence[str] = FIELDS,
    chunk_rows: int | None = DEFAULT_CHUNK_ROWS,
) -> pl.DataFrame:
    """The wide result frame: ``subject_code`` plus one column per policy and field, exclusions applied.

    Columns are ``{id}:eligible`` (bool), ``:award``, ``:total``, ``:due``, ``:fail`` (Int64) and
    ``:excluded_by`` (the winning policy's id, Enum of the plans' ids, null unless excluded); ``fields`` picks
    which (all by default). Ineligible pairs have award, total and due 0. For millions of subjects prefer
    :func:`match`, whose size follows the eligible pairs rather than subjects × policies.
    """
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown result fields: {', '.join(unknown)}")
    frame = _collected(profiles)
    batch = _Batch(plans, as_of=as_of, fields=[name for name in fields if name != "fail"])
    per_plan: list[list[pl.DataFrame]] = [[] for _ in batch.plans]
    fails: list[pl.DataFrame] = []
    for start, chunk in _chunks(frame, chunk_rows):
        stage = batch.conditions(chunk, start)
        for index, part in enumerate(batch.settle(batch.found(stage))):
            per_plan[index].append(part)
        if "fail" in fields:
            fails.append(batch.fail(stage))
    fail = pl.concat(fails) if fails else None
    columns: list[pl.Series] = [frame["subject_code"]]
    excluded: list[pl.Series] = []  # after every other column, as the wide frame always had them
    enum = pl.Enum([p.id for p in batch.plans])
    for index, item in enumerate(batch.plans):
        part = pl.concat(per_plan[index])
        for name in FIELDS:
            if name not in fields:
                continue
            label = f"{item.id}:{name}"
            if name == "fail":
                assert fail is not None  # noqa: S101 - computed when asked for
                columns.append(fail[str(index)].alias(label))
            elif name == "excluded_by":
                excluded.append(_spread_excluded(part, frame.height, enum).alias(label))
            else:
                columns.append(_spread(part, name, frame.height).alias(label))
    return pl.DataFrame(columns + excluded)


def _spread(part: pl.DataFrame, name: str, height: int) -> pl.Series:
    """A dense column from one plan's compact rows (absent rows: not eligible, 0)."""
    if name == "eligible":
        dense = pl.repeat(value=False, n=height, dtype=pl.Boolean, eager=True)
    else:
        dense = pl.zeros(height, dtype=pl.Int64, eager=True)
    return dense.scatter(part[ROW], part[name]) if part.height else dense


def _spread_excluded(part: pl.DataFrame, height: int, enum: pl.Enum) -> pl.Series:
    """The dense ``excluded_by`` column (the winning policy's id, else null)."""
    losers = part.filter(pl.col("excluded_by").is_not_null())
    if losers.height == 0:
        return pl.repeat(None, n=height, dtype=enum, eager=True)
    codes = pl.repeat(None, n=height, dtype=pl.UInt32, eager=True).scatter(
        losers[ROW], losers["excluded_by"].cast(pl.UInt32)
    )
    return pl.Series(enum.categories, dtype=enum).gather(codes)


def to_long(wide: pl.DataFrame, plans: Sequence[Plan]) -> pl.DataFrame:
    """One row per (subject, policy) from the wide frame."""
    parts = [
        wide.select(
            pl.col("subject_code"),
            pl.lit(p.id).alias("policy_id"),
            pl.col(f"{p.id}:eligible").alias("eligible"),
            pl.col(f"{p.id}:award").alias("award"),
            pl.col(f"{p.id}:total").alias("total"),
            pl.col(f"{p.id}:due").alias("due"),
            pl.col(f"{p.id}:fail").alias("fail"),
            pl.col(f"{p.id}:excluded_by").cast(pl.String).alias("excluded_by"),
        )
        for p in plans
    ]
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts)


# --- the same judgement, interpreted for one subject -------------------------------------------------------


@dataclass(slots=True)
class Judgement:
    """One subject judged against one policy by the interpreter."""

    eligible: bool
    award: int
    total: int
    due: int
    fail: int
    instalments: list[InstalmentResult] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    trace: list[TraceItem] = field(default_factory=list)
    excluded_by: str | None = None


def judge(item: Plan, profile: dict[str, object], *, as_of: dt.date, with_trace: bool = True) -> Judgement:
    """Interpret one policy for one profile row (without exclusions; see :func:`apply_exclusions`)."""
    policy = item.policy
    now = Interpreter(policy, profile, as_of=as_of, params=item.params)
    eligible_now = now.condition(policy.eligibility)
    fail = 0
    failing: list[str] = []
    tops = top_conditions(policy.eligibility)
    for index, cond in enumerate(tops):
        if not now.condition(cond):
            fail |= 1 << index
    trace = now.trace(policy.eligibility) if with_trace else []
    if with_trace:
        failing = _failing_texts(now, policy.eligibility)
    instalments: list[InstalmentResult] = []
    if policy.award.kind != "schedule":
        amount = now.award(policy.award)
        award = amount if eligible_now else 0
        return Judgement(
            eligible_now,
            award,
            award,
            int(eligible_now),
            fail,
            [InstalmentResult(number=1, year=1, amount=amount, due=eligible_now, label=policy.award.label)],
            failing,
            trace,
        )
    award = total = due = 0
    for number, instalment in enumerate(policy.award.instalments):
        shifted = now.with_shift(instalment.year - 1)
        held_then = shifted.condition(policy.eligibility)
        still = True if instalment.when is None else now.value(instalment.when) is True
        amount = now.award(instalment.award)
        total += amount
        is_due = held_then and still
        reason = ""
        if not held_then:
            reason = "本年度不符合申报条件" if instalment.year == 1 else f"{instalment.year - 1} 年前未符合申报条件"
        elif not still:
            reason = f"不符合本期条件：{instalment.label}"
        if is_due:
            award += amount
            due |= 1 << number
        instalments.append(
            InstalmentResult(
                number=number + 1,
                year=instalment.year,
                amount=amount,
                due=is_due,
                label=instalment.label,
                reason=reason,
            )
        )
    return Judgement(due > 0, award, total if eligible_now else 0, due, fail, instalments, failing, trace)


def _failing_texts(now: Interpreter, cond: CondNode, *, negated: bool = False) -> list[str]:
    """Texts of the leaves that make the condition fail (met leaves under ``not`` included)."""
    met = now.condition(cond)
    if met != negated:
        return []
    if cond.kind == "leaf":
        return [item.text for item in now.trace(cond, negated=negated)]
    if cond.kind == "not":
        return _failing_texts(now, cond.children[0], negated=not negated)
    texts: list[str] = []
    for child in cond.children:
        texts.extend(_failing_texts(now, child, negated=negated))
    return texts


def apply_exclusions(judgements: dict[str, Judgement], plans: Sequence[Plan]) -> None:
    """The batch's pairwise exclusion rule applied to one subject's judgements (in place)."""
    by_id = {p.id: p for p in plans}
    for a_id, b_id in exclusion_pairs(plans):
        a, b = judgements.get(a_id), judgements.get(b_id)
        if a is None or b is None or not (a.eligible and b.eligible):
            continue
        a_wins = a.award > b.award or (a.award == b.award and _first_wins(by_id[a_id], by_id[b_id]))
        loser, winner = (b, a_id) if a_wins else (a, b_id)
        loser.eligible = False
        loser.award = 0
        loser.excluded_by = winner


def money_expr(value: pl.Expr) -> pl.Expr:
    """Re-export of the compiler's rounding, for callers building their own columns."""
    return money(value)
