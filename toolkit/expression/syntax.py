"""CEL's grammar (https://github.com/google/cel-spec/blob/master/doc/langdef.md#syntax), read into a
small tree: a tokenizer and a recursive-descent parser, one function per level of the grammar's
precedence (ternary, ||, &&, relations, + -, * / %, unary, member). A literal keeps its text, so
`0.5` becomes the decimal 0.5 and never a binary double.

What CEL can write but a pack may not (bytes, unsigned ints, message construction, `.name`
references) is refused here with a Chinese message; pack-check reports it naming the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


class SyntaxProblem(ValueError):
    """An expression we cannot read (malformed, or outside the supported part of CEL)."""


@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class Literal(Node):
    value: Any  # None, bool, int, Decimal, str


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Select(Node):
    operand: Node
    field: str


@dataclass(frozen=True)
class Index(Node):
    operand: Node
    index: Node


@dataclass(frozen=True)
class Call(Node):
    function: str
    target: Node | None  # `x.f(a)` has target x; `f(a)` has none
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "!" | "-"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # || && == != < <= > >= in + - * / %
    left: Node
    right: Node


@dataclass(frozen=True)
class Conditional(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class ListOf(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class MapOf(Node):
    entries: tuple[tuple[Node, Node], ...]


_RESERVED = frozenset("""as break const continue else for function if import let loop package namespace
return var void while""".split())

_TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>[rR]?(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))
  | (?P<bytes>[bB][rR]?["'])
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+[uU]?)
  | (?P<name>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!+\-*/%?:.,\[\](){}])
""", re.VERBOSE)

_ESCAPE = re.compile(r"\\(?:([abfnrtv\\'\"`?])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-3][0-7]{2})|(.))",
                     re.DOTALL)
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
                   "'": "'", '"': '"', "`": "`", "?": "?"}


def _unescape(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        simple, hex2, hex4, hex8, octal, bad = m.groups()
        if bad is not None:
            raise SyntaxProblem(f"文字中的转义“\\{bad}”无效")
        if simple is not None:
            return _SIMPLE_ESCAPES[simple]
        code = int(hex2 or hex4 or hex8, 16) if octal is None else int(octal, 8)
        return chr(code)

    return _ESCAPE.sub(one, body)


def _string_value(text: str) -> str:
    raw = text[0] in "rR"
    if raw:
        text = text[1:]
    quote = 3 if text[:3] in ('"""', "'''") else 1
    body = text[quote:-quote]
    return body if raw else _unescape(body)


def _number_value(text: str) -> int | Decimal:
    if text[-1] in "uU":
        raise SyntaxProblem(f"不支持无符号整数“{text}”，请去掉 u")
    if text[:2] in ("0x", "0X"):
        return int(text, 16)
    if any(c in text for c in ".eE"):
        return Decimal(text)  # the literal as written: 0.3 is three tenths
    return int(text)


def tokenize(source: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) of each token, then ("end", "", len)."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise SyntaxProblem(f"第 {pos + 1} 个字符“{source[pos]}”无法识别")
        kind = m.lastgroup or ""
        if kind == "bytes":
            raise SyntaxProblem("不支持字节串（b'…'）")
        if kind != "space":
            out.append((kind, m.group(), pos))
        pos = m.end()
    out.append(("end", "", len(source)))
    return out


_RELATIONS = ("==", "!=", "<", "<=", ">", ">=", "in")


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.at = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.at]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        kind, value, _ = self.peek()
        if kind in ("op", "name") and value == text:
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            self.fail(f"这里应为“{text}”")

    def fail(self, why: str) -> Any:
        kind, text, pos = self.peek()
        where = f"第 {pos + 1} 个字符“{text}”处" if kind != "end" else "表达式末尾"
        raise SyntaxProblem(f"{where}：{why}")

    def parse(self) -> Node:
        node = self.expr()
        if self.peek()[0] != "end":
            self.fail("多余的内容")
        return node

    def expr(self) -> Node:
        test = self.or_()
        if self.accept("?"):
            then = self.or_()
            self.expect(":")
            return Conditional(test, then, self.expr())
        return test

    def or_(self) -> Node:
        node = self.and_()
        while self.accept("||"):
            node = Binary("||", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.relation()
        while self.accept("&&"):
            node = Binary("&&", node, self.relation())
        return node

    def relation(self) -> Node:
        node = self.addition()
        while self.peek()[1] in _RELATIONS and self.peek()[0] in ("op", "name"):
            op = self.take()[1]
            node = Binary(op, node, self.addition())
        return node

    def addition(self) -> Node:
        node = self.multiplication()
        while self.peek()[0] == "op" and self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.multiplication())
        return node

    def multiplication(self) -> Node:
        node = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/", "%"):
            op = self.take()[1]
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek()[0] == "op" and self.peek()[1] in ("!", "-"):
            op = self.take()[1]
            kind, text, _ = self.peek()
            if op == "-" and kind == "number":  # -9223372036854775808 is a literal, not an overflow
                self.take()
                return self.member_tail(Literal(-_number_value(text)))
            return Unary(op, self.unary())
        return self.member()

    def member(self) -> Node:
        return self.member_tail(self.primary())

    def member_tail(self, node: Node) -> Node:
        while True:
            if self.accept("."):
                kind, name, _ = self.take()
                if kind != "name" or name in _RESERVED:
                    self.at -= 1
                    self.fail("“.”后应为字段名或函数名")
                if self.accept("("):
                    node = Call(name, node, self.arguments(")"))
                else:
                    node = Select(node, name)
            elif self.accept("["):
                index = self.expr()
                self.expect("]")
                node = Index(node, index)
            else:
                return node

    def arguments(self, close: str) -> tuple[Node, ...]:
        args: list[Node] = []
        if self.accept(close):
            return ()
        while True:
            args.append(self.expr())
            if self.accept(close):
                return tuple(args)
            self.expect(",")
            if close == "]" and self.accept(close):  # a trailing comma in a list
                return tuple(args)

    def primary(self) -> Node:
        kind, text, _ = self.peek()
        if kind == "number":
            self.take()
            return Literal(_number_value(text))
        if kind == "string":
            self.take()
            return Literal(_string_value(text))
        if kind == "name":
            self.take()
            if text in ("true", "false"):
                return Literal(text == "true")
            if text == "null":
                return Literal(None)
            if text in _RESERVED or text == "in":
                return self.fail(f"“{text}”是保留字，不能作名称")
            if self.accept("("):
                return Call(text, None, self.arguments(")"))
            if self.peek()[1] == "{":
                return self.fail("不支持构造消息类型（Name{…}）")
            return Name(text)
        if self.accept("("):
            node = self.expr()
            self.expect(")")
            return node
        if self.accept("["):
            return ListOf(self.arguments("]"))
        if self.accept("{"):
            return self.map_entries()
        if text == ".":
            return self.fail("不支持以“.”开头的全名引用")
        return self.fail("这里应为值、字段名或“(”")

    def map_entries(self) -> Node:
        entries: list[tuple[Node, Node]] = []
        while not self.accept("}"):
            key = self.expr()
            self.expect(":")
            entries.append((key, self.expr()))
            if not self.accept(","):
                self.expect("}")
                break
        return MapOf(tuple(entries))


def parse(source: str) -> Node:
    """The tree of one expression; SyntaxProblem (Chinese) when it cannot be read."""
    return _Parser(source).parse()
