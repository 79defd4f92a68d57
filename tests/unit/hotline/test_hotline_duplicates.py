"""Duplicate detection (并单建议): bigram similarity, distance, the time window and the combined score; and the
appeal number."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.hotline import duplicates as dup
from yiwang.hotline.services import appeal_number

SETTINGS = {"window_hours": 72.0, "max_distance_m": 500.0, "min_similarity": 0.35, "min_score": 0.5}
LIGHT = "玉林北路12号门口的路灯不亮已经一个星期了，晚上很黑"


def _report(text: str = LIGHT, **changes: object) -> dup.Report:
    base: dict[str, object] = {
        "text": text,
        "category": "010201",
        "lon": 104.05,
        "lat": 30.63,
        "street_code": "510107012",
        "hours": 0.0,
    }
    base.update(changes)
    return dup.Report(**base)  # type: ignore[arg-type]


def test_similarity_is_symmetric_bounded_and_ignores_punctuation() -> None:
    assert dup.similarity(LIGHT, LIGHT) == pytest.approx(1.0)
    assert dup.similarity("路灯，不亮！", "路灯不亮") == pytest.approx(1.0)
    a, b = "玉林路路灯不亮", "玉林路的路灯坏了不亮"
    assert dup.similarity(a, b) == pytest.approx(dup.similarity(b, a))
    assert 0.5 < dup.similarity(a, b) < 1.0
    assert dup.similarity("路灯不亮", "噪音扰民") == 0.0
    assert dup.similarity("", "路灯") == 0.0
    assert dup.similarity("灯", "灯") == pytest.approx(1.0)  # a single character still compares


def test_distance_is_the_great_circle_in_metres() -> None:
    assert dup.distance_m(104.05, 30.63, 104.05, 30.63) == 0.0
    one_km_north = dup.distance_m(104.05, 30.63, 104.05, 30.63 + 1 / 111.195)
    assert one_km_north == pytest.approx(1000, rel=0.01)


def test_same_problem_nearby_and_recent_is_a_match_with_its_reasons() -> None:
    match = dup.compare(
        _report(), _report("玉林北路12号附近路灯坏了不亮，晚上太黑了", lon=104.0502, hours=-2.0), **SETTINGS
    )
    assert match is not None
    assert match.distance_m is not None
    assert match.distance_m < 50
    assert match.hours_apart == 2.0
    assert 0.5 <= match.score <= 1.0


def test_the_closer_and_more_recent_the_higher_the_score() -> None:
    near = dup.compare(_report(), _report(lon=104.0501, hours=-1.0), **SETTINGS)
    far = dup.compare(_report(), _report(lon=104.054, hours=-1.0), **SETTINGS)
    old = dup.compare(_report(), _report(lon=104.0501, hours=-60.0), **SETTINGS)
    assert near is not None
    assert far is not None
    assert old is not None
    assert near.score > far.score
    assert near.score > old.score


@pytest.mark.parametrize(
    "other",
    [
        _report(category="010202"),  # another category
        _report(category=None),
        _report(lon=104.07),  # ~1.9 km away
        _report(hours=-100.0),  # outside the 72-hour window
        _report("楼上邻居深夜装修噪音扰民"),  # a different problem
        _report(lon=None, lat=None, street_code="510107001"),  # no pin and another street
    ],
)
def test_no_match_when_any_condition_fails(other: dup.Report) -> None:
    assert dup.compare(_report(), other, **SETTINGS) is None


def test_without_pins_the_same_street_counts_as_near() -> None:
    match = dup.compare(_report(lon=None, lat=None), _report(lon=None, lat=None, hours=-1.0), **SETTINGS)
    assert match is not None
    assert match.distance_m is None


def test_a_high_minimum_score_filters_weak_matches() -> None:
    weak = _report(lon=104.053, hours=-50.0)  # same words, ~290 m and two days apart: score ≈ 0.75
    assert dup.compare(_report(), weak, **SETTINGS) is not None
    assert dup.compare(_report(), weak, **{**SETTINGS, "min_score": 0.9}) is None


def test_appeal_numbers_use_the_day_in_chengdu_and_six_digits() -> None:
    assert appeal_number(7, dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)) == "12345-20261130-000007"
    # 16:30 UTC is 00:30 the next day in Chengdu (UTC+8).
    assert appeal_number(123456, dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)) == "12345-20261201-123456"
    assert appeal_number(1234567, dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)) == "12345-20261231-1234567"
