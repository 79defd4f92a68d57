"""Type checker of policy expressions against the profile variable catalogue and the policy's parameters.

Types: ``number``, ``bool``, ``string``, ``date``, ``strings`` (a set of labels), ``yearly`` / ``monthly``
(series), ``events``, and ``list`` (a literal list, only on the right of ``in``). Unknown names and wrong types
raise :class:`~yiwang.policies.language.ExpressionError` naming the variable and pointing at its offset.
"""

from __future__ import annotations

from collections.abc import Collection

from yiwang.policies import catalogue
from yiwang.policies.language import (
    ARITHMETIC,
    COMPARISONS,
    Binary,
    Bool,
    Call,
    ExpressionError,
    ListLit,
    Name,
    Node,
    Num,
    Str,
    Unary,
)
from yiwang.policies.schemas import SubjectKind

TYPE_LABELS = {
    "number": "数值",
    "bool": "是/否",
    "string": "文本",
    "date": "日期",
    "strings": "标签集合",
    "yearly": "年度序列",
    "monthly": "月度序列",
    "events": "事件列表",
    "list": "列表",
}


def _label(type_: str) -> str:
    return TYPE_LABELS.get(type_, type_)


class Checker:
    """Checks expressions for one subject kind and one set of parameter names."""

    def __init__(self, subject: SubjectKind, parameters: Collection[str]) -> None:
        self.subject = subject
        self.parameters = set(parameters)

    def check(self, node: Node, expected: str | None = None) -> str:
        """The type of ``node``; with ``expected``, also require that type."""
        found = self._type(node)
        if expected is not None and found != expected:
            raise ExpressionError(
                f"表达式应为{_label(expected)}，实际为{_label(found)}",
                offset=node.pos,
                variable=node.name if isinstance(node, Name) else None,
            )
        return found

    def _type(self, node: Node) -> str:  # noqa: C901, PLR0911 - one branch per node kind
        match node:
            case Num():
                return "number"
            case Str():
                return "string"
            case Bool():
                return "bool"
            case ListLit(items=items):
                kinds = {self._type(item) for item in items}
                if len(kinds) > 1 or kinds - {"number", "string"}:
                    raise ExpressionError("列表中只能是同一类型的数值或文本", offset=node.pos)
                return "list"
            case Name(name=name):
                return self._name(name, node.pos)
            case Unary(op="not", operand=operand):
                self.check(operand, "bool")
                return "bool"
            case Unary(operand=operand):
                self.check(operand, "number")
                return "number"
            case Binary():
                return self._binary(node)
            case Call():
                return self._call(node)
        raise AssertionError(node)  # pragma: no cover - exhaustive

    def _name(self, name: str, pos: int) -> str:
        if name in self.parameters:
            return "number"
        info = catalogue.variable(self.subject, name)
        if info is None:
            subject = "企业" if self.subject == "enterprise" else "个人"
            raise ExpressionError(
                f"未知变量“{name}”：{subject}画像中没有这个变量，也不是本政策的参数", offset=pos, variable=name
            )
        return info.type

    def _binary(self, node: Binary) -> str:
        op = node.op
        if op in {"and", "or"}:
            self.check(node.left, "bool")
            self.check(node.right, "bool")
            return "bool"
        if op in ARITHMETIC:
            self.check(node.left, "number")
            self.check(node.right, "number")
            return "number"
        if op in {"in", "not in"}:
            left = self._type(node.left)
            right = self._type(node.right)
            if right == "list" and isinstance(node.right, ListLit):
                item = self._type(node.right.items[0]) if node.right.items else left
                if left != item:
                    raise ExpressionError(
                        f"“{op}”两侧类型不一致：左侧为{_label(left)}，列表为{_label(item)}", offset=node.pos
                    )
                return "bool"
            if right == "strings" and left == "string":
                return "bool"
            raise ExpressionError(f"“{op}”的右侧应为列表或标签集合，实际为{_label(right)}", offset=node.right.pos)
        if op in COMPARISONS:
            left = self._type(node.left)
            right = self._type(node.right)
            if left != right or left not in {"number", "string", "date", "bool"}:
                variable = next((n.name for n in (node.left, node.right) if isinstance(n, Name)), None)
                raise ExpressionError(f"不能比较{_label(left)}与{_label(right)}", offset=node.pos, variable=variable)
            if op not in {"==", "!="} and left in {"string", "bool"}:
                raise ExpressionError(f"{_label(left)}只能用 == 或 != 比较", offset=node.pos)
            return "bool"
        raise ExpressionError(f"未知运算符“{op}”", offset=node.pos)  # pragma: no cover - parser emits known ops

    def _call(self, node: Call) -> str:
        if node.func == "date":
            if len(node.args) != 1 or not isinstance(node.args[0], Str):
                raise ExpressionError('date() 需要一个 "YYYY-MM-DD" 文本参数', offset=node.pos)
            return "date"
        spec = catalogue.FUNCTIONS.get(node.func)
        if spec is None:
            allowed = "、".join(sorted([*catalogue.FUNCTIONS, "date"]))
            raise ExpressionError(f"未知函数“{node.func}”，可用函数：{allowed}", offset=node.pos)
        if len(node.args) != len(spec.args):
            raise ExpressionError(
                f"函数 {node.func} 需要 {len(spec.args)} 个参数，实际 {len(node.args)} 个", offset=node.pos
            )
        for index, (arg, allowed_types) in enumerate(zip(node.args, spec.args, strict=True)):
            found = self._type(arg)
            if found not in allowed_types:
                wanted = "或".join(_label(t) for t in sorted(allowed_types))
                raise ExpressionError(
                    f"函数 {node.func} 的第 {index + 1} 个参数应为{wanted}，实际为{_label(found)}",
                    offset=arg.pos,
                    variable=arg.name if isinstance(arg, Name) else None,
                )
            if index in spec.constant_args and not (
                isinstance(arg, Num) or (isinstance(arg, Name) and arg.name in self.parameters)
            ):
                raise ExpressionError(f"函数 {node.func} 的第 {index + 1} 个参数必须是数字或参数", offset=arg.pos)
        return spec.result
