"""The chunked batch matcher: chunked = unchunked, compact (:func:`match`) = wide (:func:`evaluate`) = interpreter.

The frame is synthetic (``policies.synthetic``) with a slice of enterprises made to qualify for mutually exclusive
policies at once, and the plans are the shipped enterprise policies plus parameter variants with their own ids
(variants exclude the shipped policies their original excludes), so exclusions are settled across chunks.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from yiwang.policies import document, matching, services, synthetic

AS_OF = dt.date(2026, 11, 28)
ROWS = 3_000
CHUNK = 701  # not a divisor of ROWS: the last chunk is short


def _plans() -> list[matching.Plan]:
    plans = []
    for path in services.shipped_policy_files():
        source = path.read_text(encoding="utf-8")
        if "subject: enterprise" not in source:
            continue
        for number, factor in enumerate((1.0, 0.8, 1.3)):
            text = source if number == 0 else re.sub(r"^id: (\S+)", rf"id: \1-v{number}", source, flags=re.MULTILINE)
            policy, issues = document.load(text)
            assert policy is not None, issues
            plans.append(matching.plan(policy, {k: v * factor for k, v in policy.parameters.items()}))
    return plans


@pytest.fixture(scope="module")
def plans() -> list[matching.Plan]:
    return _plans()


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    base = synthetic.enterprise_frame(ROWS, as_of=AS_OF)
    # Every 7th enterprise: manufacturing, first time above 600 M yuan — eligible for 首次升规 and 产值跃升 at once.
    clash = pl.int_range(pl.len()) % 7 == 0
    upscaled = {"revenue__0": 6e8, **{f"revenue__{i}": 1.5e7 for i in range(1, 5)}}
    return base.with_columns(
        *[pl.when(clash).then(pl.lit(v)).otherwise(pl.col(c)).alias(c) for c, v in upscaled.items()],
        pl.when(clash).then(pl.lit("C")).otherwise(pl.col("industry_section")).alias("industry_section"),
        pl.when(clash).then(pl.lit("存续")).otherwise(pl.col("status")).alias("status"),
        pl.when(clash).then(pl.lit("A")).otherwise(pl.col("credit_grade")).alias("credit_grade"),
        pl.when(clash).then(pl.lit(value=False)).otherwise(pl.col("serious_dishonesty")).alias("serious_dishonesty"),
    )


def test_chunked_and_unchunked_evaluation_agree(frame, plans):
    whole = matching.evaluate(frame, plans, as_of=AS_OF, chunk_rows=None)
    chunked = matching.evaluate(frame, plans, as_of=AS_OF, chunk_rows=CHUNK)
    assert whole.equals(chunked)
    assert whole.columns[0] == "subject_code"
    assert whole.height == frame.height
    compact = matching.match(frame, plans, as_of=AS_OF, chunk_rows=None)
    assert compact.sort("row", "policy_id").equals(
        matching.match(frame, plans, as_of=AS_OF, chunk_rows=CHUNK).sort("row", "policy_id")
    )


def test_the_frame_has_exclusions_to_settle(frame, plans):
    compact = matching.match(frame, plans, as_of=AS_OF, chunk_rows=CHUNK)
    assert len(matching.exclusion_pairs(plans)) > 3
    assert compact["excluded_by"].is_not_null().sum() > 100
    assert compact.filter(pl.col("excluded_by").is_not_null())["eligible"].not_().all()


def test_compact_result_is_the_wide_frame(frame, plans):
    wide = matching.evaluate(frame, plans, as_of=AS_OF, chunk_rows=CHUNK)
    compact = matching.match(frame, plans, as_of=AS_OF, chunk_rows=CHUNK)
    assert compact.schema["row"] == pl.UInt32
    assert compact["eligible"].sum() == sum(wide[f"{p.id}:eligible"].sum() for p in plans)
    assert compact["award"].sum() == sum(wide[f"{p.id}:award"].sum() for p in plans)
    for row in compact.head(2_000).iter_rows(named=True):
        batch = wide.row(row["row"], named=True)
        pid = row["policy_id"]
        assert tuple(batch[f"{pid}:{f}"] for f in matching.FIELDS) == tuple(row[f] for f in matching.FIELDS)
    # Pairs absent from the compact result are ineligible and not excluded in the wide frame.
    listed = set(zip(compact["row"].to_list(), compact["policy_id"].cast(pl.String).to_list(), strict=True))
    for p in plans:
        flagged = wide.with_row_index("row").filter(
            pl.col(f"{p.id}:eligible") | pl.col(f"{p.id}:excluded_by").is_not_null()
        )
        assert {(r, p.id) for r in flagged["row"].to_list()} <= listed


def test_fewer_values_and_fields_on_request(frame, plans):
    awards = matching.match(frame, plans, as_of=AS_OF, values=("award",))
    assert awards.columns == ["row", "policy_id", "eligible", "award", "excluded_by"]
    narrow = matching.evaluate(frame, plans, as_of=AS_OF, fields=("eligible", "award"))
    assert narrow.width == 1 + 2 * len(plans)
    with pytest.raises(ValueError, match="unknown"):
        matching.evaluate(frame, plans, as_of=AS_OF, fields=("eligible", "colour"))


def test_batch_agrees_with_the_interpreter_on_conflicting_subjects(frame, plans):
    sample = frame.filter((pl.int_range(pl.len()) % 7 == 0) | (pl.int_range(pl.len()) % 97 == 1)).head(160)
    wide = matching.evaluate(sample, plans, as_of=AS_OF, chunk_rows=50)
    disagreements = []
    for index, profile in enumerate(sample.iter_rows(named=True)):
        judged = {p.id: matching.judge(p, profile, as_of=AS_OF, with_trace=False) for p in plans}
        matching.apply_exclusions(judged, plans)
        batch = wide.row(index, named=True)
        for p in plans:
            j = judged[p.id]
            mine = (j.eligible, j.award, j.total, j.due, j.fail, j.excluded_by)
            theirs = tuple(batch[f"{p.id}:{f}"] for f in matching.FIELDS)
            if mine != theirs:
                disagreements.append((profile["subject_code"], p.id, mine, theirs))
    assert disagreements == []


def test_empty_frames_and_no_plans(frame, plans):
    empty = matching.match(frame.head(0), plans, as_of=AS_OF)
    assert empty.height == 0
    assert matching.evaluate(frame.head(0), plans, as_of=AS_OF).height == 0
    assert matching.match(frame.head(10), [], as_of=AS_OF).height == 0
    assert matching.evaluate(frame.head(10), [], as_of=AS_OF).columns == ["subject_code"]
