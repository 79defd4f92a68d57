"""Policy officers' scenarios (``scenarios/*.yaml``): given profile values → eligible, award, failing condition.

Each scenario is judged twice — by the interpreter (explanations) and by the compiled Polars expressions (batch
matching) — and both must give the expected result.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from yiwang.policies import document, matching, services

SCENARIOS = Path(__file__).parent / "scenarios"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases.extend(pytest.param(spec, s, id=f"{spec['policy']}: {s['name']}") for s in spec["scenarios"])
    return cases


def test_every_shipped_policy_has_scenarios():
    covered = {yaml.safe_load(p.read_text(encoding="utf-8"))["policy"] for p in SCENARIOS.glob("*.yaml")}
    shipped = {p.stem for p in services.shipped_policy_files()}
    assert shipped <= covered


@pytest.mark.parametrize(("spec", "scenario"), _cases())
def test_scenario(spec: dict[str, Any], scenario: dict[str, Any], make_profile) -> None:
    source = (services.DATA_DIR / f"{spec['policy']}.yaml").read_text(encoding="utf-8")
    policy, issues = document.load(source)
    assert policy is not None, issues
    as_of = spec["as_of"] if isinstance(spec["as_of"], dt.date) else dt.date.fromisoformat(spec["as_of"])
    values = {**spec.get("defaults", {}), **scenario.get("given", {})}
    row, schema = make_profile(policy.document.subject, values)
    plan = matching.plan(policy)
    judged = matching.judge(plan, row, as_of=as_of)
    batch = matching.evaluate(pl.DataFrame([row], schema=schema, orient="row"), [plan], as_of=as_of).row(0, named=True)
    expect = scenario["expect"]
    pid = policy.id
    assert judged.eligible is expect["eligible"], judged.failing
    assert batch[f"{pid}:eligible"] is expect["eligible"]
    assert (batch[f"{pid}:award"], batch[f"{pid}:total"], batch[f"{pid}:due"]) == (
        judged.award,
        judged.total,
        judged.due,
    )
    if "award" in expect:
        assert judged.award == expect["award"]
    if "schedule_total" in expect:
        assert judged.total == expect["schedule_total"]
    if "instalments_due" in expect:
        assert [i.year for i in judged.instalments if i.due] == expect["instalments_due"]
    if "failing" in expect:
        assert any(expect["failing"] in text for text in judged.failing), judged.failing
