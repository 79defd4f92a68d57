"""From a policy's YAML text to a checked :class:`Policy`: structure, expressions, types, with YAML positions.

Validation collects every problem it can (not just the first) and reports each with the line and column in the
YAML, the path (``eligibility.all[1].when``) and, for unknown or mistyped names, the variable. The YAML is parsed
twice: ``yaml.compose`` keeps the positions of every scalar, ``yaml.safe_load`` gives the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pydantic
import yaml

from yiwang.policies import catalogue
from yiwang.policies.checker import Checker
from yiwang.policies.language import ExpressionError, Node, Num, names, parse
from yiwang.policies.schemas import Award, Condition, PolicyDocument, PolicyIssue, ValidationReport

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Place:
    """Where a YAML node starts (0-based, as PyYAML marks) and how its text relates to the expression."""

    line: int
    column: int
    quoted: bool
    block: bool


@dataclass(slots=True)
class CondNode:
    """One checked node of the eligibility tree."""

    kind: str  # leaf / all / any / not
    path: str
    label: str
    text: str = ""
    expr: Node | None = None
    children: list[CondNode] = field(default_factory=list)


@dataclass(slots=True)
class AwardNode:
    """A checked award: the expressions of its formula, parsed."""

    kind: str
    label: str
    amount: Node | None = None
    by: Node | None = None
    tiers: list[tuple[Node | None, Node | None, Node]] = field(default_factory=list)
    count: Node | None = None
    base: Node | None = None
    rate: Node | None = None
    cap: Node | None = None
    instalments: list[InstalmentNode] = field(default_factory=list)


@dataclass(slots=True)
class InstalmentNode:
    """One checked instalment of a schedule."""

    year: int
    award: AwardNode
    when: Node | None
    when_text: str
    label: str


@dataclass(slots=True)
class Policy:
    """A validated policy: the document plus the parsed syntax trees compiled and interpreted by the engine."""

    document: PolicyDocument
    eligibility: CondNode
    award: AwardNode
    variables: set[str]
    source: str

    @property
    def id(self) -> str:
        """The policy id."""
        return self.document.id

    @property
    def parameters(self) -> dict[str, float]:
        """Parameter values as written."""
        return {name: p.value for name, p in self.document.parameters.items()}

    @property
    def years(self) -> int:
        """How many years the award schedule spans (1 without a schedule)."""
        if self.award.kind == "schedule":
            return max(i.year for i in self.award.instalments)
        return 1


def _positions(source: str) -> dict[PathKey, Place]:
    places: dict[PathKey, Place] = {}

    def walk(node: yaml.Node, path: PathKey) -> None:
        style = getattr(node, "style", None)
        places[path] = Place(
            node.start_mark.line,
            node.start_mark.column,
            quoted=style in {"'", '"'},
            block=style in {"|", ">"},
        )
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value
                places.setdefault(
                    (*path, f"{name}!key"), Place(key.start_mark.line, key.start_mark.column, False, False)
                )
                walk(value, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    try:
        root = yaml.compose(source)
    except yaml.YAMLError:
        return places
    if root is not None:
        walk(root, ())
    return places


def _path_text(path: PathKey) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class _Collector:
    def __init__(self, source: str) -> None:
        self.source = source
        self.places = _positions(source)
        self.issues: list[PolicyIssue] = []

    def add(self, path: PathKey, message: str, *, offset: int | None = None, variable: str | None = None) -> None:
        exact = self.places.get(path)
        place, probe = exact, path
        while place is None and probe:
            probe = probe[:-1]
            place = self.places.get(probe)
        line = column = None
        if place is not None:
            line, column = place.line + 1, place.column + 1
        if exact is not None and offset is not None:
            if exact.block:
                # Block scalars (| or >): the text starts on the next line; report the line, not the column.
                line = exact.line + 2 + offset
                column = None
            else:
                column = exact.column + 1 + offset + (1 if exact.quoted else 0)
        self.issues.append(
            PolicyIssue(line=line, column=column, path=_path_text(path), message=message, variable=variable)
        )

    def expression(
        self, text: object, path: PathKey, checker: Checker, expected: str, variables: set[str]
    ) -> Node | None:
        if isinstance(text, bool):
            self.add(path, "此处应为数值或表达式")
            return None
        if isinstance(text, (int, float)):
            return Num(float(text), 0)
        if not isinstance(text, str):
            self.add(path, "此处应为表达式文本")
            return None
        try:
            node = parse(text)
            checker.check(node, expected)
        except ExpressionError as error:
            offset = error.offset
            place = self.places.get(path)
            if place is not None and place.block:
                offset = text.count("\n", 0, error.offset)  # a line offset for block scalars
            self.add(path, error.message, offset=offset, variable=error.variable)
            return None
        variables.update(n for n in names(node) if n not in checker.parameters)
        return node


@cache
def department_codes() -> frozenset[str]:
    """Codes of the canonical department directory (``registry/data/departments.yaml``)."""
    from yiwang.registry.services import DEPARTMENTS_FILE  # noqa: PLC0415 - read once, lazily

    document = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    return frozenset(str(entry["code"]) for entry in document["departments"])


def _pydantic_issues(collector: _Collector, error: pydantic.ValidationError) -> None:
    for item in error.errors():
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind == "missing":
            message = f"缺少必填项“{loc[-1]}”"
            collector.add(loc[:-1], message)
            continue
        if kind == "extra_forbidden":
            collector.add((*loc[:-1], f"{loc[-1]}!key"), f"不认识的字段“{loc[-1]}”")
            continue
        messages = {
            "literal_error": "取值不在允许范围内：" + str(item.get("ctx", {}).get("expected", "")),
            "enum": "取值不在允许范围内：" + str(item.get("ctx", {}).get("expected", "")),
            "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
            "date_parsing": "应为日期 YYYY-MM-DD",
            "date_type": "应为日期 YYYY-MM-DD",
            "int_parsing": "应为整数",
            "int_type": "应为整数",
            "float_parsing": "应为数值",
            "string_pattern_mismatch": "格式不正确（小写字母、数字和连字符，3–64 位）",
            "greater_than_equal": "数值过小",
            "less_than_equal": "数值过大",
            "string_too_short": "内容过短",
            "string_too_long": "内容过长",
        }
        collector.add(loc, messages.get(kind, f"取值无效（{item['msg']}）"))


def load(source: str) -> tuple[Policy | None, list[PolicyIssue]]:
    """Parse and check a policy text; returns the policy (None when there are issues) and the issues."""
    collector = _Collector(source)
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or "格式错误"
        return None, [PolicyIssue(line=line, column=column, message=f"YAML 格式错误：{problem}")]
    if not isinstance(data, dict):
        return None, [PolicyIssue(line=1, column=1, message="政策文件应为 YAML 映射（键: 值）")]
    try:
        document = PolicyDocument.model_validate(data)
    except pydantic.ValidationError as error:
        _pydantic_issues(collector, error)
        return None, collector.issues
    _document_rules(collector, document)
    checker = Checker(document.subject, document.parameters)
    variables: set[str] = set()
    eligibility = _condition(collector, checker, document.eligibility, ("eligibility",), variables)
    award = _award(collector, checker, document.award, ("award",), variables)
    if collector.issues:
        return None, collector.issues
    return Policy(document, eligibility, award, variables, source), []


def _document_rules(collector: _Collector, document: PolicyDocument) -> None:
    if document.valid_until is not None and document.valid_until < document.valid_from:
        collector.add(("valid_until",), "失效日期不能早于生效日期")
    if document.funding_department not in department_codes():
        collector.add(("funding_department",), f"未知部门代码“{document.funding_department}”（见部门目录）")
    if document.id in document.excludes:
        collector.add(("excludes",), "政策不能排斥自身")
    for name in document.parameters:
        if catalogue.variable(document.subject, name) is not None:
            collector.add(("parameters", name), f"参数名“{name}”与画像变量重名", variable=name)


def _condition(
    collector: _Collector, checker: Checker, cond: Condition, path: PathKey, variables: set[str]
) -> CondNode:
    given = [k for k in ("when", "all", "any", "not_") if getattr(cond, k) is not None]
    text_path = _path_text(path)
    if len(given) != 1:
        collector.add(path, "每个条件须且只能写 when、all、any、not 之一")
        return CondNode("all", text_path, cond.label)
    kind = given[0]
    if kind == "when":
        when = cond.when or ""
        expr = collector.expression(when, (*path, "when"), checker, "bool", variables)
        if not cond.label:
            collector.add(path, "条件缺少中文说明 label（用于向企业解释）")
        return CondNode("leaf", text_path, cond.label, text=when, expr=expr)
    if kind == "not_":
        assert cond.not_ is not None  # noqa: S101 - given above
        child = _condition(collector, checker, cond.not_, (*path, "not"), variables)
        return CondNode("not", text_path, cond.label, children=[child])
    items = cond.all if kind == "all" else cond.any
    assert items is not None  # noqa: S101 - given above
    if not items:
        collector.add(path, f"{kind} 下至少需要一个条件")
    children = [_condition(collector, checker, c, (*path, kind, i), variables) for i, c in enumerate(items)]
    return CondNode(kind, text_path, cond.label, children=children)


def _award(  # noqa: C901 - one branch per award kind
    collector: _Collector, checker: Checker, award: Award, path: PathKey, variables: set[str]
) -> AwardNode:
    node = AwardNode(award.kind, award.label)

    def num(value: object, name: str, *, required: bool = True) -> Node | None:
        if value is None:
            if required:
                collector.add(path, f"{award.kind} 类奖励缺少“{name}”")
            return None
        return collector.expression(value, (*path, name), checker, "number", variables)

    match award.kind:
        case "fixed":
            node.amount = num(award.amount, "amount")
        case "tiered":
            node.by = num(award.by, "by")
            if not award.tiers:
                collector.add(path, "tiered 类奖励至少需要一档 tiers")
            for index, tier in enumerate(award.tiers or []):
                tier_path = (*path, "tiers", index)
                low = (
                    None
                    if tier.min is None
                    else collector.expression(tier.min, (*tier_path, "min"), checker, "number", variables)
                )
                high = (
                    None
                    if tier.max is None
                    else collector.expression(tier.max, (*tier_path, "max"), checker, "number", variables)
                )
                amount = collector.expression(tier.amount, (*tier_path, "amount"), checker, "number", variables)
                if amount is not None:
                    node.tiers.append((low, high, amount))
        case "per_head":
            node.count = num(award.count, "count")
            node.amount = num(award.amount, "amount")
            node.cap = num(award.cap, "cap", required=False)
        case "ratio":
            node.base = num(award.base, "base")
            node.rate = num(award.rate, "rate")
            node.cap = num(award.cap, "cap", required=False)
        case "schedule":
            _schedule(collector, checker, award, path, variables, node)
    return node


def _schedule(  # noqa: PLR0917 - internal helper of _award
    collector: _Collector, checker: Checker, award: Award, path: PathKey, variables: set[str], node: AwardNode
) -> None:
    instalments = award.instalments or []
    if not instalments:
        collector.add(path, "schedule 类奖励至少需要一期 instalments")
    years = [i.year for i in instalments]
    if years and (sorted(years) != years or len(set(years)) != len(years) or years[0] != 1):
        collector.add((*path, "instalments"), "各期 year 须从 1 开始、递增且不重复")
    for index, instalment in enumerate(instalments):
        item_path = (*path, "instalments", index)
        if instalment.award.kind == "schedule":
            collector.add((*item_path, "award"), "分期内不能再嵌套分期")
            continue
        inner = _award(collector, checker, instalment.award, (*item_path, "award"), variables)
        when = None
        if instalment.when is not None:
            when = collector.expression(instalment.when, (*item_path, "when"), checker, "bool", variables)
        node.instalments.append(
            InstalmentNode(
                instalment.year, inner, when, instalment.when or "", instalment.label or f"第{instalment.year}年"
            )
        )


def validate(source: str) -> ValidationReport:
    """Validation report of a policy text (for the API's validate endpoint and ``yiwang policies validate``)."""
    policy, issues = load(source)
    if policy is None:
        policy_id = title = None
        try:
            data = yaml.safe_load(source)
            if isinstance(data, dict):
                policy_id, title = data.get("id"), data.get("title")
        except yaml.YAMLError:
            pass
        return ValidationReport(
            ok=False,
            policy_id=str(policy_id) if policy_id else None,
            title=str(title) if title else None,
            issues=issues,
        )
    return ValidationReport(
        ok=True, policy_id=policy.id, title=policy.document.title, variables=sorted(policy.variables)
    )
