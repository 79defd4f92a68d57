"""秒批 rule evaluation: every rule traced in order, numbers compared as numbers, a missing fact is undecided (manual
review), never a failure, and the summary names what failed and what was missing."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.catalogue.schemas import RuleSpec
from yiwang.onestop import rules
from yiwang.onestop.facts import Facts


def rule(rule_id: str, fact: str, op: str, value: Any = None, message: str = "不符合") -> RuleSpec:
    return RuleSpec.model_validate(
        {"id": rule_id, "description": f"规则{rule_id}", "fact": fact, "op": op, "value": value, "message": message}
    )


DRIVER_RULES = [
    rule("identity", "applicant.id_number", "exists"),
    rule("age_min", "applicant.age", ">=", 21, "未满 21 周岁"),
    rule("age_max", "applicant.age", "<=", 60, "超过 60 周岁"),
    rule("licence_years", "records.driving_licence.years_held", ">=", 3, "驾驶经历不满 3 年"),
    rule("no_criminal", "records.criminal.count", "==", 0, "存在刑事判决记录"),
    rule("exam", "form.exam_passed", "==", True, "尚未通过考试"),
]


def facts(**values: Any) -> Facts:
    result = Facts()
    for path, value in values.items():
        result.put(path.replace("__", "."), value, "police")
    return result


def test_all_rules_pass_and_the_trace_lists_every_rule_in_order() -> None:
    known = facts(
        applicant__id_number="510107199003071236",
        applicant__age=36,
        records__driving_licence__years_held=11.7,
        records__criminal__count=0,
        form__exam_passed=True,
    )
    verdict = rules.evaluate(DRIVER_RULES, known)
    assert verdict.approved
    assert [r.rule_id for r in verdict.trace] == [r.id for r in DRIVER_RULES]
    assert all(r.passed and not r.missing and r.message == "" for r in verdict.trace)
    years = verdict.trace[3]
    assert (years.required, years.actual, years.op) == (3, 11.7, ">=")
    assert verdict.summary() == ""


def test_a_failed_rule_keeps_evaluating_the_rest_and_explains_itself() -> None:
    known = facts(
        applicant__id_number="510107199003071236",
        applicant__age=19,
        records__driving_licence__years_held=0.8,
        records__criminal__count=0,
        form__exam_passed=True,
    )
    verdict = rules.evaluate(DRIVER_RULES, known)
    assert not verdict.approved
    assert [r.rule_id for r in verdict.failed] == ["age_min", "licence_years"]
    assert verdict.missing == []
    assert verdict.trace[1].message == "未满 21 周岁"
    assert verdict.summary().startswith("秒批未通过，转人工审核。")
    assert "规则licence_years：驾驶经历不满 3 年" in verdict.summary()


def test_a_missing_fact_is_undecided_not_failed() -> None:
    known = facts(applicant__id_number="510107199003071236", applicant__age=36, form__exam_passed=True)
    verdict = rules.evaluate(DRIVER_RULES, known)
    assert not verdict.approved
    assert verdict.failed == []
    assert {r.rule_id for r in verdict.missing} == {"licence_years", "no_criminal"}
    missing = verdict.missing[0]
    assert (missing.passed, missing.actual, missing.message) == (False, None, "数据暂不可得，转人工审核")
    assert "数据暂不可得（records.driving_licence.years_held）" in verdict.summary()


def test_no_rules_never_approve() -> None:
    assert not rules.evaluate([], Facts()).approved


def test_exists_and_not_exists_decide_on_presence_alone() -> None:
    checks = [rule("has", "certificates.business_licence.number", "exists"), rule("none", "records.x", "not_exists")]
    verdict = rules.evaluate(checks, facts(certificates__business_licence__number="SC-1"))
    assert verdict.approved
    verdict = rules.evaluate(checks, Facts())
    assert [r.rule_id for r in verdict.failed] == ["has"]
    assert verdict.missing == []


@pytest.mark.parametrize(
    ("op", "actual", "required", "expected"),
    [
        (">=", 3, 3, True),
        (">=", "2.5", 3, False),  # numeric text is compared as a number
        ("<", 10, "9", False),
        ("<=", 60, 60, True),
        (">", "2026-01-02", "2026-01-01", True),  # ISO dates compare as text
        ("==", 1, "1", True),
        ("!=", "有限责任公司", "个体工商户", True),
        ("in", "H", ["H", "I"], True),
        ("in", 2, ["1", "2"], True),
        ("not_in", "C", ["H", "I"], True),
        ("in", "H", "H", True),
        (">=", "abc", 3, False),  # text against a number compares as text
        ("exists", None, None, False),
        ("not_exists", None, None, True),
    ],
)
def test_compare(op: str, actual: Any, required: Any, *, expected: bool) -> None:
    assert rules.compare(op, actual, required) is expected


def test_an_unknown_operator_is_an_error() -> None:
    with pytest.raises(ValueError, match="未知的规则运算符"):
        rules.compare("~=", 1, 1)


def test_masked_and_blank_values_are_not_facts() -> None:
    known = Facts()
    known.put("applicant.name", "王*国", "cityops")
    known.put("applicant.phone", "  ", "cityops")
    known.put("applicant.age", None, "cityops")
    known.put("records.criminal.count", 0, "ndrc")
    assert known.get("applicant.name") == (False, None)
    assert known.get("applicant.phone") == (False, None)
    assert known.get("records.criminal.count") == (True, 0)  # zero is a fact
    verdict = rules.evaluate([rule("name", "applicant.name", "==", "王建国")], known)
    assert [r.rule_id for r in verdict.missing] == ["name"]
