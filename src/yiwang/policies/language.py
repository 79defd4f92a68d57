"""The policy expression language: tokenizer and recursive-descent parser producing a small, immutable AST.

The language is deliberately tiny and safe: literals, identifiers (profile variables and policy parameters),
``and or not``, comparisons ``== != < <= > >= in`` (and ``not in``), arithmetic ``+ - * /``, parentheses, list
literals and calls of whitelisted functions. There is no attribute access, indexing or evaluation of Python:
the AST is only ever compiled (``policies.compiler``) or interpreted (``policies.interpreter``). Every node
carries the offset of its first character so errors can point at the column in the YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yiwang.kernel.errors import ValidationError


class ExpressionError(ValidationError):
    """A syntax or type error in one expression; ``offset`` is 0-based inside the expression text."""

    def __init__(self, message: str, *, offset: int, variable: str | None = None) -> None:
        super().__init__(message, field="expression")
        self.offset = offset
        self.variable = variable


@dataclass(frozen=True, slots=True)
class Num:
    """A number literal."""

    value: float
    pos: int


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal."""

    value: str
    pos: int


@dataclass(frozen=True, slots=True)
class Bool:
    """``true`` / ``false``."""

    value: bool
    pos: int


@dataclass(frozen=True, slots=True)
class ListLit:
    """A list literal, the right side of ``in``."""

    items: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Name:
    """A profile variable or a policy parameter."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Unary:
    """``not x`` or ``-x``."""

    op: str
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Binary:
    """Arithmetic, comparison, ``in``/``not in`` and the boolean connectives."""

    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a whitelisted function."""

    func: str
    args: tuple[Node, ...]
    pos: int


Node = Num | Str | Bool | ListLit | Name | Unary | Binary | Call

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
ARITHMETIC = frozenset({"+", "-", "*", "/"})
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>"[^"\\\n]*"|'[^'\\\n]*'|“[^”\n]*”)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,|≥|≤)
    """,
    re.VERBOSE,
)
_ALIASES = {"≥": ">=", "≤": "<="}


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token."""

    kind: str  # number / string / name / op / end
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; unknown characters are errors with their position."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(f"无法识别的字符“{text[pos]}”", offset=pos)
        kind = match.lastgroup or ""
        if kind != "ws":
            value = match.group()
            tokens.append(Token(kind, _ALIASES.get(value, value), pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str, message: str) -> Token:
        if not self.at(kind, text):
            raise ExpressionError(message, offset=self.current.pos)
        return self.advance()

    def parse(self) -> Node:
        if self.at("end"):
            raise ExpressionError("表达式为空", offset=0)
        node = self.or_expr()
        if not self.at("end"):
            raise ExpressionError(f"多余的内容“{self.current.text}”", offset=self.current.pos)
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.at("name", "or"):
            token = self.advance()
            node = Binary("or", node, self.and_expr(), token.pos)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at("name", "and"):
            token = self.advance()
            node = Binary("and", node, self.not_expr(), token.pos)
        return node

    def not_expr(self) -> Node:
        if self.at("name", "not"):
            token = self.advance()
            return Unary("not", self.not_expr(), token.pos)
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        if self.current.kind == "op" and self.current.text in COMPARISONS:
            token = self.advance()
            node = Binary(token.text, node, self.additive(), token.pos)
        elif self.at("name", "in"):
            token = self.advance()
            node = Binary("in", node, self.additive(), token.pos)
        elif self.at("name", "not") and self.tokens[self.index + 1].text == "in":
            token = self.advance()
            self.advance()
            node = Binary("not in", node, self.additive(), token.pos)
        if self.current.kind == "op" and self.current.text in COMPARISONS:
            raise ExpressionError("比较不能连写，请用 and 连接", offset=self.current.pos)
        return node

    def additive(self) -> Node:
        node = self.term()
        while self.current.kind == "op" and self.current.text in {"+", "-"}:
            token = self.advance()
            node = Binary(token.text, node, self.term(), token.pos)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.current.kind == "op" and self.current.text in {"*", "/"}:
            token = self.advance()
            node = Binary(token.text, node, self.unary(), token.pos)
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            token = self.advance()
            return Unary("-", self.unary(), token.pos)
        return self.primary()

    def primary(self) -> Node:  # noqa: PLR0911 - one branch per kind of primary
        token = self.current
        if token.kind == "number":
            self.advance()
            return Num(float(token.text.replace("_", "")), token.pos)
        if token.kind == "string":
            self.advance()
            return Str(token.text[1:-1], token.pos)
        if token.kind == "op" and token.text == "(":
            self.advance()
            node = self.or_expr()
            self.expect("op", ")", "缺少右括号“)”")
            return node
        if token.kind == "op" and token.text == "[":
            return self.list_literal()
        if token.kind == "name":
            if token.text in {"true", "false"}:
                self.advance()
                return Bool(token.text == "true", token.pos)
            if token.text in KEYWORDS:
                raise ExpressionError(f"此处不能使用关键字“{token.text}”", offset=token.pos)
            self.advance()
            if self.at("op", "("):
                return self.call(token)
            return Name(token.text, token.pos)
        if token.kind == "end":
            raise ExpressionError("表达式不完整", offset=token.pos)
        raise ExpressionError(f"此处不应出现“{token.text}”", offset=token.pos)

    def list_literal(self) -> Node:
        start = self.advance()
        items: list[Node] = []
        while not self.at("op", "]"):
            items.append(self.additive())
            if not self.at("op", ","):
                break
            self.advance()
        self.expect("op", "]", "列表缺少右括号“]”")
        return ListLit(tuple(items), start.pos)

    def call(self, name: Token) -> Node:
        self.advance()
        args: list[Node] = []
        while not self.at("op", ")"):
            args.append(self.or_expr())
            if not self.at("op", ","):
                break
            self.advance()
        self.expect("op", ")", f"函数 {name.text} 的参数缺少右括号“)”")
        return Call(name.text, tuple(args), name.pos)


def parse(text: str) -> Node:
    """Parse one expression; raises :class:`ExpressionError` with the offending offset."""
    return _Parser(text).parse()


def names(node: Node) -> set[str]:
    """Every identifier the expression mentions (variables and parameters)."""
    match node:
        case Name(name=name):
            return {name}
        case Unary(operand=operand):
            return names(operand)
        case Binary(left=left, right=right):
            return names(left) | names(right)
        case Call(args=args) | ListLit(items=args):
            found: set[str] = set()
            for arg in args:
                found |= names(arg)
            return found
        case _:
            return set()


def render(node: Node) -> str:  # noqa: PLR0911 - one branch per node kind
    """The expression back as text (normalised spacing), for traces."""
    match node:
        case Num(value=value):
            return format_number(value)
        case Str(value=value):
            return f'"{value}"'
        case Bool(value=value):
            return "true" if value else "false"
        case ListLit(items=items):
            return "[" + ", ".join(render(item) for item in items) + "]"
        case Name(name=name):
            return name
        case Unary(op=op, operand=operand):
            return f"not {render(operand)}" if op == "not" else f"-{render(operand)}"
        case Binary(op=op, left=left, right=right):
            return f"{render(left)} {op} {render(right)}"
        case Call(func=func, args=args):
            return f"{func}(" + ", ".join(render(arg) for arg in args) + ")"
    raise AssertionError(node)  # pragma: no cover - exhaustive


def format_number(value: float) -> str:
    """A number without a spurious ``.0``."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
