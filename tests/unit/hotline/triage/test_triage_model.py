"""The seed model and the database-free triage: categories, departments, jurisdiction, review, held-out appeals."""

from __future__ import annotations

import json

import pytest

from yiwang.geo.boundaries import district_outlines
from yiwang.hotline.triage import model, services, taxonomy
from yiwang.kernel.errors import ValidationError

HOLDOUT_DEPARTMENT_FLOOR = 0.75
"""The seed model routes at least this share of the unseen Chengdu appeals to the right lead department
(measured 0.85 on 53 appeals when written; the floor leaves room for corpus edits, not for regressions)."""


@pytest.fixture(scope="module")
def triager() -> model.Triager:
    return services.seed_triager()


@pytest.mark.parametrize(
    ("text", "department", "category"),
    [
        ("武侯区玉林街道芳华街的路灯坏了三天了，晚上很黑", "urban", "010201"),
        ("楼上邻居天天开派对到凌晨三点，吵得睡不着", "police", "100201"),
        ("双流区华阳街道停水了一整天，也没有通知", "watersupply", "010501"),
        ("请问租房可以提取公积金吗", "hfund", "030401"),
        ("公司拖欠了我们三个月工资，老板电话也不接", "hrss", "030101"),
    ],
)
def test_typical_appeals(triager: model.Triager, text: str, department: str, category: str) -> None:
    result = triager.classify(text)
    assert (result.department, result.category) == (department, category)
    assert result.redirect is None
    assert "依据词" in result.explanations["category"]


def test_triage_without_database_reads_jurisdiction_from_the_text() -> None:
    result = services.triage(None, "武侯区玉林街道芳华街的路灯坏了三天了，晚上很黑")
    assert (result.district_code, result.street_code) == ("510107", "510107005")
    assert result.category_path == ("城乡建设与管理", "市政设施", "路灯照明")
    assert result.limit_class == "fast"
    assert result.model_version.startswith("seed-")
    assert "玉林街道" in result.explanations["jurisdiction"]


def test_triage_without_database_reads_the_district_from_a_pin() -> None:
    point = district_outlines()["510108"].representative_point()  # 成华区
    result = services.triage(None, "小区门口的垃圾好几天没人清运了", lon=point.x, lat=point.y)
    assert result.district_code == "510108"
    assert "定位点" in result.explanations["jurisdiction"]


def test_the_pin_wins_over_a_district_named_in_the_text() -> None:
    point = district_outlines()["510108"].representative_point()
    result = services.triage(None, "我住在武侯区，这里的路灯坏了", lon=point.x, lat=point.y)
    assert result.district_code == "510108"
    assert "以定位点为准" in result.explanations["jurisdiction"]


def test_a_pin_outside_the_city_is_said_so() -> None:
    result = services.triage(None, "路灯坏了", lon=116.4, lat=39.9)
    assert result.district_code is None
    assert "不在本市" in result.explanations["jurisdiction"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"lon": 200.0, "lat": 30.0}, "lon"), ({"lon": 104.0}, "lat"), ({"lon": 104.0, "lat": -91.0}, "lat")],
)
def test_bad_pins_are_chinese_validation_errors(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.triage(None, "路灯坏了", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("text", ["", "   ", "字" * 2001])
def test_empty_or_overlong_text_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.triage(None, text)
    assert caught.value.field == "text"


@pytest.mark.parametrize("text", ["今天天气真好", "啊啊啊啊", "hello world 123"])
def test_text_unlike_any_appeal_goes_to_a_person(text: str) -> None:
    result = services.triage(None, text)
    assert result.needs_review
    assert result.confidence < services.TriageSettings().review_threshold
    assert "人工" in result.explanations["review"]


def test_the_review_threshold_is_configurable() -> None:
    text = "武侯区玉林街道芳华街的路灯坏了三天了"
    assert not services.triage(None, text).needs_review
    strict = services.TriageSettings(review_threshold=1.0)
    assert services.triage(None, text, settings=strict).needs_review


def test_emergencies_are_redirected_and_reviewed() -> None:
    result = services.triage(None, "锦江区春熙路一家商场着火了，里面还有人")
    assert result.redirect == "119"
    assert result.urgency == "特急"
    assert result.needs_review
    assert result.redirect_reason
    assert "着火" in result.explanations["redirect"]


def test_held_out_chengdu_appeals_are_routed_well(triager: model.Triager) -> None:
    rows = [json.loads(line) for line in taxonomy.HOLDOUT_FILE.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) >= 50
    metrics = services.holdout_metrics(triager)
    assert metrics["holdout_department_top1"] >= HOLDOUT_DEPARTMENT_FLOOR


def test_text_classifier_learns_two_classes_and_weights() -> None:
    classifier = model.TextClassifier().fit(["路灯坏了", "停水了", "路灯不亮"], ["灯", "水", "灯"], [1.0, 1.0, 1.0])
    assert classifier.predict(["路灯又坏了"]) == ["灯"]
    ranked = classifier.ranked("停水", top=2)
    assert ranked[0][0] == "水"
    assert 0 < sum(p for _, p in ranked) <= 1  # the rest is "none of these"


def test_text_classifier_refuses_empty_training_data() -> None:
    with pytest.raises(ValueError, match="训练数据"):
        model.TextClassifier().fit([], [])
