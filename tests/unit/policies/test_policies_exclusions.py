"""不重复享受: of two mutually exclusive policies the larger award wins, then priority; batch and interpreter agree."""

from __future__ import annotations

import datetime as dt

import polars as pl

from yiwang.policies import document, matching, services

AS_OF = dt.date(2026, 11, 28)


def _plans():
    industry, _ = document.load((services.DATA_DIR / "cd-first-upscale-industry.yaml").read_text(encoding="utf-8"))
    scale_up, _ = document.load((services.DATA_DIR / "hz-manufacturing-scale-up.yaml").read_text(encoding="utf-8"))
    assert industry is not None
    assert scale_up is not None
    return [matching.plan(industry), matching.plan(scale_up)]


def _both(make_profile, values):
    plans = _plans()
    row, schema = make_profile("enterprise", values)
    wide = matching.evaluate(pl.DataFrame([row], schema=schema, orient="row"), plans, as_of=AS_OF).row(0, named=True)
    judged = {p.id: matching.judge(p, row, as_of=AS_OF) for p in plans}
    matching.apply_exclusions(judged, plans)
    for p in plans:
        assert (judged[p.id].eligible, judged[p.id].award, judged[p.id].excluded_by) == (
            wide[f"{p.id}:eligible"],
            wide[f"{p.id}:award"],
            wide[f"{p.id}:excluded_by"],
        )
    return judged


BASE = {"industry_section": "C", "status": "存续", "credit_grade": "A", "serious_dishonesty": False}


def test_larger_award_wins_and_the_other_is_marked_excluded(make_profile):
    # First time above 20 M and above 500 M in the same year: 500 k (scale-up) beats 200 k (升规).
    judged = _both(make_profile, {**BASE, "revenue": [600_000_000, 10_000_000]})
    assert judged["hz-manufacturing-scale-up"].eligible
    assert judged["hz-manufacturing-scale-up"].award == 500_000
    assert not judged["cd-first-upscale-industry"].eligible
    assert judged["cd-first-upscale-industry"].excluded_by == "hz-manufacturing-scale-up"


def test_only_one_policy_applies_without_conflict(make_profile):
    judged = _both(make_profile, {**BASE, "revenue": [25_000_000, 10_000_000]})
    assert judged["cd-first-upscale-industry"].eligible
    assert judged["cd-first-upscale-industry"].excluded_by is None
    assert not judged["hz-manufacturing-scale-up"].eligible
