"""Publishing, batch matching on a seeded city, batch vs interpreted agreement, incremental re-matching."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import func, select

from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import ValidationError
from yiwang.policies import matching, profiles, services
from yiwang.policies.models import PolicyMatch
from yiwang.policies.schemas import BudgetRule
from yiwang.registry import snapshots
from yiwang.registry.models import TaxRecord


def _publish_all(session):
    return services.publish_shipped(session, actor=SYSTEM_ACTOR)


def test_shipped_policies_publish_and_match(session, as_of):
    published = _publish_all(session)
    assert len(published) == len(services.shipped_policy_files())
    report = services.run_matching(session, as_of=as_of)
    assert report.policies == len(published)
    assert report.eligible > 0
    assert report.written == session.scalar(select(func.count()).select_from(PolicyMatch))
    again = services.publish_shipped(session, actor=SYSTEM_ACTOR)
    assert again == []  # idempotent


def test_batch_and_interpreted_agree_on_every_subject(session, as_of):
    _publish_all(session)
    rows = services._in_force_rows(session, on=as_of, kind="enterprise")
    plans = [matching.plan(services._parse(r.source)) for r in rows]
    frame = profiles.compute(snapshots.database_frames(session, kind="enterprise"), kind="enterprise", as_of=as_of)
    wide = matching.evaluate(frame, plans, as_of=as_of)
    disagreements = []
    for index, profile in enumerate(frame.iter_rows(named=True)):
        judgements = {p.id: matching.judge(p, profile, as_of=as_of, with_trace=False) for p in plans}
        matching.apply_exclusions(judgements, plans)
        batch = wide.row(index, named=True)
        for p in plans:
            j = judgements[p.id]
            mine = (j.eligible, j.award, j.total, j.due, j.fail, j.excluded_by)
            theirs = tuple(batch[f"{p.id}:{c}"] for c in ("eligible", "award", "total", "due", "fail", "excluded_by"))
            if mine != theirs:
                disagreements.append((profile["subject_code"], p.id, mine, theirs))
    assert disagreements == []
    assert wide.select(pl.sum_horizontal([pl.col(f"{p.id}:eligible") for p in plans]).sum()).item() > 0


def test_incremental_matching_re_evaluates_only_changed_subjects(session, as_of):
    _publish_all(session)
    first = services.run_matching(session, as_of=as_of)
    assert first.reused == 0
    second = services.run_matching(session, as_of=as_of)
    assert second.evaluated == 0
    assert second.reused == first.evaluated
    # One enterprise's revenue changes: only that subject is judged again, for every enterprise policy.
    record = session.scalars(select(TaxRecord).order_by(TaxRecord.id).limit(1)).one()
    record.revenue = Decimal(record.revenue) + Decimal(1)
    session.commit()
    third = services.run_matching(session, as_of=as_of)
    enterprise_policies = len(services._in_force_rows(session, on=as_of, kind="enterprise"))
    assert third.evaluated == enterprise_policies
    # A new version of one policy re-evaluates everything of its subject kind.
    source = services.shipped_policy_files()[0].read_text(encoding="utf-8").replace("priority: 30", "priority: 31")
    draft = services.save_policy(session, actor=SYSTEM_ACTOR, source=source)
    services.publish(session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, version=draft.version)
    fourth = services.run_matching(session, as_of=as_of)
    assert fourth.reused < third.reused


def test_publishing_over_budget_is_refused_unless_a_rule_is_chosen(session, as_of):
    source = (services.DATA_DIR / "hrss-retention-training-subsidy.yaml").read_text(encoding="utf-8")
    tiny = source.replace("budget: 80000000", "budget: 1000")
    draft = services.save_policy(session, actor=SYSTEM_ACTOR, source=tiny)
    report = services.simulate(session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, as_of=as_of)
    assert report.over_budget
    assert report.cost > 1000
    with pytest.raises(ValidationError, match="超出预算"):
        services.publish(session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, version=draft.version)
    session.rollback()
    scaled = services.publish(
        session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, version=draft.version, budget_rule=BudgetRule.PRO_RATA
    )
    assert scaled.scale_factor is not None
    assert scaled.scale_factor < 1
    services.run_matching(session, as_of=as_of)
    payable = services.payable_matches(session, policy_id=draft.policy_id)
    assert sum(m.final_award for m in payable) <= 1000
    assert all(m.final_award <= m.award for m in payable)


@pytest.mark.parametrize("rule", [BudgetRule.FIRST_COME, BudgetRule.RAISE_BUDGET])
def test_first_come_and_raise_budget_rules_are_recorded(session, as_of, rule):
    source = (services.DATA_DIR / "hrss-retention-training-subsidy.yaml").read_text(encoding="utf-8")
    draft = services.save_policy(session, actor=SYSTEM_ACTOR, source=source.replace("budget: 80000000", "budget: 5000"))
    version = services.publish(
        session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, version=draft.version, budget_rule=rule
    )
    allocation = services.budget_allocation(session, policy_id=draft.policy_id, on=as_of)
    assert allocation.budget_rule is rule
    if rule is BudgetRule.RAISE_BUDGET:
        assert version.effective_budget == version.simulated_cost
    else:
        assert allocation.effective_budget == 5000
        services.run_matching(session, as_of=as_of)
        payable = services.payable_matches(session, policy_id=draft.policy_id)
        keys = [m.order_key for m in payable]
        assert keys == sorted(keys)


def test_what_if_lower_threshold_reaches_more_subjects(session, as_of):
    source = (services.DATA_DIR / "cd-first-upscale-construction.yaml").read_text(encoding="utf-8")
    draft = services.save_policy(session, actor=SYSTEM_ACTOR, source=source)
    base = services.simulate(session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, as_of=as_of)
    lower = services.simulate(
        session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, as_of=as_of, overrides={"threshold": 1_000_000}
    )
    assert lower.beneficiaries >= base.beneficiaries
    assert [y.year for y in lower.by_year] == [1, 2, 3]
    assert sum(b.count for b in lower.by_district) == lower.beneficiaries
    with pytest.raises(ValidationError, match="未知参数"):
        services.simulate(session, actor=SYSTEM_ACTOR, policy_id=draft.policy_id, overrides={"nope": 1})


def test_explain_names_the_failing_condition_with_actual_and_required_values(session, as_of):
    _publish_all(session)
    frame = profiles.compute(snapshots.database_frames(session, kind="enterprise"), kind="enterprise", as_of=as_of)
    small = frame.filter((pl.col("industry_section") == "C") & (pl.col("revenue__0") < 2e7)).row(0, named=True)
    explanation = services.explain(
        session,
        actor=SYSTEM_ACTOR,
        policy_id="cd-first-upscale-industry",
        subject_code=small["subject_code"],
        as_of=as_of,
    )
    assert not explanation.result.eligible
    text = "\n".join(explanation.lines)
    assert "不符合：营业收入" in text
    assert "要求 最近一年首次达到 2,000 万元" in text
    assert any("首次升规" in f for f in explanation.result.failing)


def test_versions_in_force_follow_their_dates(session):
    source = (services.DATA_DIR / "cd-first-upscale-construction.yaml").read_text(encoding="utf-8")
    first = services.save_policy(session, actor=SYSTEM_ACTOR, source=source)
    services.publish(session, actor=SYSTEM_ACTOR, policy_id=first.policy_id, version=first.version)
    later = source.replace("valid_from: 2024-01-01", "valid_from: 2026-06-01").replace(
        "upscale_award: {value: 50000", "upscale_award: {value: 60000"
    )
    second = services.save_policy(session, actor=SYSTEM_ACTOR, source=later)
    services.publish(session, actor=SYSTEM_ACTOR, policy_id=second.policy_id, version=second.version)
    assert services.version_in_force(session, policy_id=first.policy_id, on=dt.date(2026, 1, 1)).version == 1
    assert services.version_in_force(session, policy_id=first.policy_id, on=dt.date(2026, 7, 1)).version == 2
    assert services.version_in_force(session, policy_id=first.policy_id, on=dt.date(2027, 1, 1)) is None
