"""The expression language and policy validation: line/column, unknown variables, wrong types, no eval."""

from __future__ import annotations

import pytest

from yiwang.policies import document, language, services
from yiwang.policies.checker import Checker

SOURCE = (services.DATA_DIR / "cd-first-upscale-construction.yaml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_parser_builds_the_tree_with_precedence():
    node = language.parse('latest(revenue) >= 2e7 and not industry_section in ["A", "B"] or 1 + 2 * 3 > 6')
    assert isinstance(node, language.Binary)
    assert node.op == "or"
    assert language.render(node.left) == 'latest(revenue) >= 20000000 and not industry_section in ["A", "B"]'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("os.system", "无法识别"),
        ("revenue.__class__", "无法识别"),
        ("a >= ", "不完整"),
        ("(a >= 1", "右括号"),
        ("1 < 2 < 3", "不能连写"),
        ("", "为空"),
    ],
)
def test_unsafe_or_broken_text_is_rejected(text, message):
    with pytest.raises(language.ExpressionError, match=message):
        language.parse(text)


def test_unknown_variable_is_reported_with_line_column_and_name():
    bad = SOURCE.replace("first_time_reaching(revenue, threshold)", "first_time_reaching(revenu, threshold)")
    report = document.validate(bad)
    assert not report.ok
    issue = report.issues[0]
    assert issue.variable == "revenu"
    assert issue.line == _line_of(bad, "revenu,")
    line = bad.splitlines()[issue.line - 1]
    assert line[issue.column - 1 :].startswith("revenu")
    assert "未知变量" in issue.message


def test_wrong_type_is_reported():
    bad = SOURCE.replace('industry_section == "E"', "industry_section >= 5")
    report = document.validate(bad)
    assert not report.ok
    assert report.issues[0].line == _line_of(bad, "industry_section >= 5")
    assert "不能比较文本与数值" in report.issues[0].message


def test_function_argument_types_and_constants_are_checked():
    checker = Checker("enterprise", {"threshold"})
    with pytest.raises(language.ExpressionError, match="第 1 个参数应为"):
        checker.check(language.parse("latest(industry_section) > 1"), "bool")
    with pytest.raises(language.ExpressionError, match="必须是数字或参数"):
        checker.check(language.parse("sum_last(revenue, employees) > 1"), "bool")
    with pytest.raises(language.ExpressionError, match="未知函数"):
        checker.check(language.parse("open(revenue)"), "bool")
    with pytest.raises(language.ExpressionError, match="未知函数"):
        checker.check(language.parse("__import__('os')"), "bool")
    assert checker.check(language.parse('contains(qualifications, "高新技术企业")')) == "bool"


def test_structure_errors_point_at_their_line():
    bad = SOURCE.replace("mode: automatic", "mode: sometimes").replace(
        "funding_department: housing", "funding_department: nowhere"
    )
    report = document.validate(bad)
    assert not report.ok
    assert report.issues[0].path == "mode"
    assert report.issues[0].line == _line_of(bad, "mode: sometimes")
    extra = SOURCE.replace("priority: 30", "priority: 30\nbogus: 1")
    issue = document.validate(extra).issues[0]
    assert "bogus" in issue.message
    assert issue.line == _line_of(extra, "bogus")
    unknown_department = document.validate(SOURCE.replace("funding_department: housing", "funding_department: nowhere"))
    assert "未知部门代码" in unknown_department.issues[0].message


def test_yaml_syntax_errors_have_a_line():
    report = document.validate("id: x\ntitle: [unclosed\n")
    assert not report.ok
    assert report.issues[0].line is not None


def test_every_shipped_policy_validates():
    for path in services.shipped_policy_files():
        report = document.validate(path.read_text(encoding="utf-8"))
        assert report.ok, (path.name, report.issues)
