"""``yiwang bench policies``: the whole benchmark code path on a tiny generated city, the policy variants, the
explanation groups and the CLI's JSON line. The OpenFisca comparison runs only where its virtual environment
already exists (the test never installs it)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from yiwang.bench import policies as bench
from yiwang.bench import policies_data as data
from yiwang.cli import app
from yiwang.config import Settings
from yiwang.policies import matching

PERSONS, ENTERPRISES = 2_000, 1_000

runner = CliRunner()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    directory = tmp_path_factory.mktemp("policies-city")
    data.ensure_city(
        directory, seed=7, as_of=data.DEFAULT_AS_OF, persons=PERSONS, enterprises=ENTERPRISES, progress=False
    )
    return directory


@pytest.fixture(scope="module")
def frame(city):
    return data.enterprise_profiles(city, as_of=data.DEFAULT_AS_OF)


def test_policy_variants_are_valid_unique_and_deterministic():
    assert data.policy_sources(14) == data.policy_sources(100)[:14]
    plans = data.load_plans(100)  # every document goes through the engine's validator (raises otherwise)
    ids = [p.id for p in plans]
    assert len(ids) == len(set(ids)) == 100
    assert data.RETENTION_POLICY in ids
    shipped = {p.id: p for p in plans if "-v" not in p.id}
    variant = next(p for p in plans if p.id == "hz-manufacturing-scale-up-v01")
    base = shipped["hz-manufacturing-scale-up"]
    factor = variant.params["tier1"] / base.params["tier1"]
    assert factor != 1
    assert all(variant.params[k] == round(v * factor) for k, v in base.params.items())
    assert variant.params["tier1"] < variant.params["tier2"] < variant.params["tier3"]  # tiers stay ordered
    assert "参数变体 1" in variant.policy.document.title


def test_invalid_variant_is_refused_in_chinese(monkeypatch):
    monkeypatch.setattr(data, "policy_sources", lambda count: ["id: X\n"] * count)
    with pytest.raises(data.PolicyVariantError, match="政策变体未通过校验"):
        data.load_plans(1)


def test_profiles_cover_the_generated_city_and_cap(city, frame):
    assert frame.height == ENTERPRISES
    assert frame["subject_code"].is_unique().all()
    capped = data.enterprise_profiles(city, as_of=data.DEFAULT_AS_OF, limit=100)
    assert capped.height == 100
    same = frame.filter(pl.col("subject_code").is_in(capped["subject_code"].implode()))
    assert same.drop("profile_hash").equals(capped.drop("profile_hash"))


def test_explanations_agree_with_the_batch_for_every_subject_and_policy(frame):
    plans = data.load_plans(12)
    groups = bench.exclusion_groups(plans)
    assert groups["cd-first-upscale-industry"] == groups["hz-manufacturing-scale-up"]
    assert groups[data.RETENTION_POLICY] == [next(p for p in plans if p.id == data.RETENTION_POLICY)]
    sample = frame.head(150)
    wide = matching.evaluate(sample, plans, as_of=data.DEFAULT_AS_OF)
    found = matching.match(sample, plans, as_of=data.DEFAULT_AS_OF, chunk_rows=64)
    compact = bench.batch_outcomes(found, [(i, p.id) for i in range(sample.height) for p in plans])
    assert any(eligible for eligible, _ in compact.values())
    for index in range(sample.height):
        row = wide.row(index, named=True)
        for item in plans:
            judgement = bench.explain_one(sample, index, item, groups[item.id], as_of=data.DEFAULT_AS_OF)
            outcome = (judgement.eligible, judgement.award)
            assert outcome == (row[f"{item.id}:eligible"], row[f"{item.id}:award"]) == compact[index, item.id]
            assert judgement.excluded_by == row[f"{item.id}:excluded_by"]


def test_openfisca_inputs_and_period(frame, tmp_path):
    path = tmp_path / "inputs.npz"
    data.export_openfisca_inputs(frame, path)
    with np.load(path) as arrays:
        assert set(arrays.files) == {c.name for c in data.OPENFISCA_COLUMNS}
        assert all(len(arrays[name]) == frame.height for name in arrays.files)
        assert set(np.unique(arrays["size_code"])) <= {0, 1, 2, 3}
    assert data.openfisca_period(data.DEFAULT_AS_OF) == "2026-10"
    assert data.openfisca_period(data.DEFAULT_AS_OF.replace(month=1, day=5)) == "2025-12"


def test_run_reports_every_figure(city):
    options = bench.Options(
        scale="demo",
        policies=12,
        openfisca_subjects=500,
        explain_samples=40,
        seed=7,
        data_dir=city,
        persons=PERSONS,
        enterprises=ENTERPRISES,
        install_openfisca=False,
        progress=False,
    )
    openfisca_ready = bench._has_openfisca(bench._venv_python(data.cache_root() / "openfisca-venv"))
    result = bench.run(Settings(), options)
    json.dumps(result)
    assert result["subjects"] == ENTERPRISES
    assert result["policies"] == 12
    assert result["data_generate_s"] is None  # the cached city was reused
    assert isinstance(result["match_all_s"], float)
    assert isinstance(result["explain_p95_ms"], float)
    assert result["explain_mismatches"] == 0
    assert 0 < result["eligible_pairs"] < ENTERPRISES * 12
    if openfisca_ready:
        assert result["openfisca_awards_identical"] is True
        assert result["vs_openfisca"] > 0
        assert result["openfisca_subjects"] == 500
        assert result["openfisca_version"]
    else:
        assert result["vs_openfisca"] is None
        assert "OpenFisca" in result["vs_openfisca_error"]


def test_cli_last_line_is_the_json_result(city, monkeypatch):
    monkeypatch.setitem(data.SCALES, "demo", (PERSONS, ENTERPRISES))
    args = ["bench", "policies", "--json", "--scale", "demo", "--seed", "7", "--data-dir", str(city)]
    args += ["--policies", "6", "--subjects", "200", "--openfisca-subjects", "0", "--explain-samples", "10"]
    result = runner.invoke(app, [*args, "--no-install-openfisca", "--no-progress"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["subjects"] == 200
    assert figures["policies"] == 6
    assert {"match_all_s", "explain_p95_ms", "vs_openfisca"} <= figures.keys()
    assert figures["vs_openfisca"] is None


def test_cli_refuses_bad_options():
    bad_scale = runner.invoke(app, ["bench", "policies", "--scale", "country"])
    assert bad_scale.exit_code == 2
    assert "数据规模" in bad_scale.output
    bad_date = runner.invoke(app, ["bench", "policies", "--as-of", "2026-13-01"])
    assert bad_date.exit_code == 2
    assert "画像日期" in bad_date.output
