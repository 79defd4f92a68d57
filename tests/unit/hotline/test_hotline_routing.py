"""The responsibility catalogue (category × jurisdiction → 主办/协办), its validation and versions, and the
time-limit configuration (type × urgency)."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.hotline import routing
from yiwang.hotline.routing import RouteQuery
from yiwang.kernel.errors import ValidationError
from yiwang.workflow.calendar import TimeLimit, TimeUnit

WUHOU, YULIN = "510107", "510107012"


def _route(department: str | None, **query: Any) -> routing.Route:
    return routing.route(RouteQuery(department=department, **query))


def test_city_appearance_is_led_by_the_street_office_with_the_department_assisting() -> None:
    found = _route("urban", category="010201", district_code=WUHOU, street_code=YULIN)
    assert (found.lead_unit, found.assist_units, found.rule) == (YULIN, ("urban",), "city-appearance-local")
    assert found.catalogue_version == routing.load_catalogue().version


def test_without_a_place_the_department_leads() -> None:
    found = _route("urban", category="010201")
    assert (found.lead_unit, found.assist_units, found.rule) == ("urban", (), "default")


def test_a_district_without_a_street_falls_back_to_the_district() -> None:
    found = _route("urban", category="010201", district_code=WUHOU)
    assert found.lead_unit == WUHOU


def test_rules_look_at_the_appeal_type() -> None:
    complaint = _route("police", appeal_type="投诉", street_code=YULIN)
    assert (complaint.lead_unit, complaint.assist_units, complaint.rule) == ("police", (YULIN,), "noise-police")
    question = _route("police", appeal_type="咨询", street_code=YULIN)
    assert (question.lead_unit, question.assist_units, question.rule) == ("police", (), "default")


def test_property_disputes_keep_every_assisting_department_once() -> None:
    found = _route("housing", also=("urban", "housing"), appeal_type="投诉", street_code=YULIN)
    assert found.lead_unit == YULIN
    assert found.assist_units == ("housing", "urban")


def test_environment_complaints_bring_in_the_district_government() -> None:
    found = _route("ecoenv", street_code=YULIN)  # the district follows from the street code
    assert (found.lead_unit, found.assist_units) == ("ecoenv", (WUHOU,))


def test_utilities_are_handled_by_the_company_wherever_they_are() -> None:
    found = _route("power", also=("urban",), street_code=YULIN)
    assert (found.lead_unit, found.assist_units, found.rule) == ("power", ("urban",), "utilities")


def test_nothing_known_routes_nowhere_but_says_which_rule() -> None:
    found = _route(None)
    assert (found.lead_unit, found.rule) == (None, "default")


CUSTOM = {
    "version": "2027.1",
    "name": "试点",
    "rules": [
        {
            "id": "wuhou-lights",
            "when": {"category": ["0102*"], "district": [WUHOU]},
            "lead": WUHOU,
            "assist": ["street"],
        },
        {"id": "lights", "when": {"category": ["010201"]}, "lead": "urban"},
        {"id": "default", "when": {}, "lead": "department"},
    ],
}


def test_categories_match_exactly_or_by_prefix_and_districts_by_code() -> None:
    catalogue = routing.parse_catalogue(CUSTOM)
    assert catalogue.version == "2027.1"
    in_wuhou = routing.route(RouteQuery(department="x", category="010299", street_code=YULIN), catalogue)
    assert (in_wuhou.lead_unit, in_wuhou.assist_units, in_wuhou.catalogue_version) == (WUHOU, (YULIN,), "2027.1")
    elsewhere = routing.route(RouteQuery(department="x", category="010201", district_code="510104"), catalogue)
    assert (elsewhere.lead_unit, elsewhere.rule) == ("urban", "lights")
    other = routing.route(RouteQuery(department="x", category="020101"), catalogue)
    assert other.lead_unit == "x"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rules": [{"id": "a", "when": {}}]}, "rules[0]"),
        ({"rules": [{"id": "a", "lead": "x", "when": {"colour": ["red"]}}, {"id": "b", "lead": "x"}]}, "rules[0]"),
        ({"rules": [{"id": "a", "lead": "x"}, {"id": "a", "lead": "y"}]}, "rules[1]"),
        ({"rules": [{"id": "a", "lead": "x", "when": {"type": ["投诉"]}}]}, "rules"),
        ({"rules": []}, "rules"),
    ],
)
def test_bad_catalogues_are_refused_with_the_place_of_the_error(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        routing.parse_catalogue(body)
    assert caught.value.field == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


def test_the_shipped_catalogue_and_time_limits_are_valid_and_versioned() -> None:
    catalogue = routing.load_catalogue()
    assert catalogue.version
    assert catalogue.rules[-1].when == {}
    limits = routing.load_time_limits()
    assert limits.version
    assert set(limits.by_type) == {"咨询", "求助", "投诉", "举报", "建议", "表扬"}


def test_time_limits_follow_the_type_and_urgency_only_shortens_them() -> None:
    limits = routing.load_time_limits()
    assert limits.for_appeal("投诉", "一般") == TimeLimit(13, TimeUnit.WORKING_DAYS)
    assert limits.for_appeal("咨询", "一般") == TimeLimit(3, TimeUnit.WORKING_DAYS)
    assert limits.for_appeal("投诉", "紧急") == TimeLimit(24, TimeUnit.URGENT_HOURS)
    assert limits.for_appeal("求助", "特急") == TimeLimit(2, TimeUnit.URGENT_HOURS)
    assert limits.for_appeal("不存在的类型", "一般") == limits.by_type["投诉"]
    slow_urgent = routing.parse_time_limits(
        {
            "by_type": {"咨询": {"amount": 1, "unit": "working_hours"}},
            "by_urgency": {"紧急": {"amount": 2, "unit": "working_days"}},
            "return_within": {"amount": 2, "unit": "working_days"},
            "max_extension": {"amount": 10, "unit": "working_days"},
            "supervise_after": {"amount": 2, "unit": "working_days"},
        }
    )
    assert slow_urgent.for_appeal("咨询", "紧急") == TimeLimit(1, TimeUnit.WORKING_HOURS)  # never lengthened
    assert slow_urgent.duplicates.window_hours == 72


def test_bad_time_limits_name_the_key() -> None:
    with pytest.raises(ValidationError) as caught:
        routing.parse_time_limits({"by_type": {"投诉": {"amount": 13, "unit": "fortnights"}}})
    assert caught.value.field == "by_type.投诉"
    with pytest.raises(ValidationError) as caught:
        routing.parse_time_limits({"by_type": {}})
    assert caught.value.field == "return_within"


def test_unit_codes_are_departments_or_divisions() -> None:
    departments = frozenset({"urban", "police"})
    assert routing.is_unit_code("urban", departments)
    assert routing.is_unit_code(WUHOU, departments)
    assert routing.is_unit_code(YULIN, departments)
    assert not routing.is_unit_code("nowhere", departments)
    assert not routing.is_unit_code("5101", departments)
