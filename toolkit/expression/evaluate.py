"""CEL's semantics over exact values, compiled once into closures.

Values: None (null), bool, int (CEL int), Decimal (CEL double, exact), str, list, dict (map).
As in CEL, int and double do not mix in arithmetic (`x * 2` on an amount is a type error: write
`x * 2.0`) but compare and equal across (`1 == 1.0`); values of other types are never equal
(`1 == '1'` is false) and never ordered (`1 < '1'` is an error); `&&` and `||` absorb an error
on one side when the other side decides. A value that cannot be worked out raises RuleError,
saying why in Chinese; `null` is true when a blank (null) was what the operation could not use.

Each tree node becomes one closure over its children, built once per expression; evaluating a
record is a chain of calls over its dict of variables, with no tree walk and no dict per step.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from toolkit.expression import syntax as ast
from toolkit.expression.numbers import CONTEXT, exact, from_float, plain

Env = Mapping[str, Any]
Run = Callable[[Env], Any]

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
# CEL's own functions we evaluate; an expression using any other is refused (pack-check names it).
BUILTINS = frozenset({"size", "string", "double", "int", "bool", "dyn", "has", "matches", "contains",
                      "startsWith", "endsWith"}) | MACROS


class RuleError(Exception):
    def __init__(self, message: str, null: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.null = null


def type_name(value: Any) -> str:
    if value is None:
        return "空值(null)"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


_TYPE_NAMES: dict[type, str] = {bool: "是/否(bool)", int: "整数(int)", Decimal: "数值(double)", str: "文字(string)",
                                list: "列表(list)", dict: "映射(map)"}


def _no_overload(op: str, *values: Any) -> RuleError:
    kinds = "与".join(type_name(v) for v in values)
    return RuleError(f"“{op}”不能用于{kinds}", null=any(v is None for v in values))


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is Decimal or kind is int


def _int(value: int) -> int:
    if INT_MIN <= value <= INT_MAX:
        return value
    raise RuleError("整数运算溢出")


def equal(a: Any, b: Any) -> bool:
    """CEL equality: numbers by value across int and double, lists and maps element by element,
    values of different types never equal (a bool is not 1)."""
    ka, kb = type(a), type(b)
    if ka is kb:
        if ka is list:
            return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
        if ka is dict:
            return a.keys() == b.keys() and all(equal(v, b[k]) for k, v in a.items())
        return bool(a == b)
    if (ka is int or ka is Decimal) and (kb is int or kb is Decimal):
        return bool(a == b)
    return False


def _order(op: str, compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def ordered(a: Any, b: Any) -> bool:
        ka, kb = type(a), type(b)
        if (ka is kb and ka in (str, Decimal, int, bool)) or (_is_number(a) and _is_number(b)):
            if (ka is Decimal and a.is_nan()) or (kb is Decimal and b.is_nan()):
                raise RuleError(f"“{op}”不能比较 NaN（0/0 的结果）")
            return compare(a, b)
        raise _no_overload(op, a, b)

    return ordered


def _add(a: Any, b: Any) -> Any:
    ka, kb = type(a), type(b)
    if ka is kb:
        if ka is Decimal:
            return CONTEXT.add(a, b)
        if ka is int:
            return _int(a + b)
        if ka is str or ka is list:
            return a + b
    raise _no_overload("+", a, b)


def _subtract(a: Any, b: Any) -> Any:
    ka = type(a)
    if ka is type(b):
        if ka is Decimal:
            return CONTEXT.subtract(a, b)
        if ka is int:
            return _int(a - b)
    raise _no_overload("-", a, b)


def _multiply(a: Any, b: Any) -> Any:
    ka = type(a)
    if ka is type(b):
        if ka is Decimal:
            return CONTEXT.multiply(a, b)
        if ka is int:
            return _int(a * b)
    raise _no_overload("*", a, b)


def _divide(a: Any, b: Any) -> Any:
    ka = type(a)
    if ka is type(b):
        if ka is Decimal:
            return CONTEXT.divide(a, b)  # x / 0 is ±Infinity, as with doubles
        if ka is int:
            if b == 0:
                raise RuleError("整数除以 0")
            quotient = abs(a) // abs(b)
            return _int(quotient if (a < 0) == (b < 0) else -quotient)
    raise _no_overload("/", a, b)


def _remainder(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        if b == 0:
            raise RuleError("整数除以 0 求余")
        return a - b * _divide(a, b)
    raise _no_overload("%", a, b)


def _contained(a: Any, b: Any) -> bool:
    kind = type(b)
    if kind is list:
        return any(equal(a, x) for x in b)
    if kind is dict:
        return any(equal(a, k) for k in b)
    raise _no_overload("in", a, b)


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add, "-": _subtract, "*": _multiply, "/": _divide, "%": _remainder, "in": _contained,
    "==": equal, "!=": lambda a, b: not equal(a, b),
    "<": _order("<", lambda a, b: a < b), "<=": _order("<=", lambda a, b: a <= b),
    ">": _order(">", lambda a, b: a > b), ">=": _order(">=", lambda a, b: a >= b),
}


# --- functions


def _size(value: Any) -> int:
    if type(value) in (str, list, dict):
        return len(value)
    raise _no_overload("size", value)


def to_string(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value
    if kind is Decimal:
        return plain(value)
    if kind is int:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    raise _no_overload("string", value)


_FLOAT_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _double(value: Any) -> Decimal:
    kind = type(value)
    if kind is Decimal:
        return value
    if kind is int:
        return Decimal(value)
    if kind is str:
        if _FLOAT_TEXT.fullmatch(value):
            return Decimal(value)
        raise RuleError(f"文字“{value}”不是数")
    raise _no_overload("double", value)


def _to_int(value: Any) -> int:
    kind = type(value)
    if kind is int:
        return value
    if kind is Decimal:
        if not value.is_finite():
            raise RuleError("整数运算溢出")
        return _int(int(value))  # toward zero, as CEL
    if kind is str:
        if re.fullmatch(r"[+-]?\d+", value):
            return _int(int(value))
        raise RuleError(f"文字“{value}”不是整数")
    raise _no_overload("int", value)


def _to_bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    if type(value) is str and value in ("true", "false", "True", "False", "TRUE", "FALSE", "t", "f", "1", "0"):
        return value in ("true", "True", "TRUE", "t", "1")
    raise _no_overload("bool", value)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _matches(text: Any, pattern: Any) -> bool:
    if type(text) is not str or type(pattern) is not str:
        raise _no_overload("matches", text, pattern)
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        try:
            compiled = _PATTERNS[pattern] = re.compile(pattern)
        except re.error as exc:
            raise RuleError(f"正则表达式“{pattern}”有误：{exc}") from exc
    return compiled.search(text) is not None  # CEL's matches finds the pattern anywhere


def _text_test(name: str, test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def run(text: Any, part: Any) -> bool:
        if type(text) is not str or type(part) is not str:
            raise _no_overload(name, text, part)
        return test(text, part)

    return run


_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {  # name -> (arguments with the target, function)
    "size": (1, _size), "string": (1, to_string), "double": (1, _double), "int": (1, _to_int),
    "bool": (1, _to_bool), "dyn": (1, lambda v: v), "matches": (2, _matches),
    "contains": (2, _text_test("contains", lambda t, p: p in t)),
    "startsWith": (2, _text_test("startsWith", str.startswith)),
    "endsWith": (2, _text_test("endsWith", str.endswith)),
}


def _host_function(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """One of the pack functions (criteria.FUNCTIONS): a blank argument is an error, as it is for
    CEL's own functions, and whatever the function raises is the rule's error, with its reason."""
    def run(*args: Any) -> Any:
        if None in args:  # the values are CEL's (null, bool, numbers, texts, lists, maps): only null is None
            raise RuleError(f"函数 {name} 的参数为空", null=True)
        try:
            result = function(*args)
        except RuleError:
            raise
        except Exception as exc:  # not swallowed: the rule's error finding says it, naming the rule
            raise RuleError(f"函数 {name} 无法计算：{exc or type(exc).__name__}") from exc
        kind = type(result)
        return result if kind is str or kind is bool else exact(result)

    return run


# --- compiling


@dataclass(frozen=True)
class Expression:
    source: str
    tree: ast.Node
    run: Run
    variables: frozenset[str]  # the free names it reads (not those a macro binds)
    functions: frozenset[str]


class Unsupported(ast.SyntaxProblem):
    """Valid CEL that we do not evaluate (a function outside BUILTINS and the pack's)."""


def compile_expression(source: str, functions: Mapping[str, Callable[..., Any]]) -> Expression:
    """The expression, ready to run on a dict of variables; SyntaxProblem (Chinese) when it is
    malformed or uses what we do not evaluate."""
    tree = ast.parse(source)
    compiler = _Compiler(functions)
    run = compiler.node(tree, frozenset())
    return Expression(source, tree, run, frozenset(compiler.free), frozenset(compiler.called))


class _Compiler:
    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        self.host = functions
        self.free: set[str] = set()
        self.called: set[str] = set()

    def node(self, node: ast.Node, bound: frozenset[str]) -> Run:
        method = getattr(self, type(node).__name__.lower())
        return method(node, bound)

    def literal(self, node: ast.Literal, bound: frozenset[str]) -> Run:
        value = node.value
        return lambda env: value

    def name(self, node: ast.Name, bound: frozenset[str]) -> Run:
        key = node.name
        if key not in bound:
            self.free.add(key)

        def read(env: Env) -> Any:
            try:
                value = env[key]
            except KeyError:
                raise RuleError(f"没有名为“{key}”的字段或变量") from None
            return from_float(value) if type(value) is float else value  # a double where no number was declared

        return read

    def select(self, node: ast.Select, bound: frozenset[str]) -> Run:
        operand, key = self.node(node.operand, bound), node.field

        def member(env: Env) -> Any:
            value = operand(env)
            if type(value) is dict:
                try:
                    return value[key]
                except KeyError:
                    raise RuleError(f"没有“{key}”这一项") from None
            raise RuleError(f"{type_name(value)}没有“.{key}”", null=value is None)

        return member

    def index(self, node: ast.Index, bound: frozenset[str]) -> Run:
        operand, index = self.node(node.operand, bound), self.node(node.index, bound)

        def item(env: Env) -> Any:
            value, at = operand(env), index(env)
            if type(value) is list and type(at) is int:
                if 0 <= at < len(value):
                    return value[at]
                raise RuleError(f"下标 {at} 超出列表范围（共 {len(value)} 项）")
            if type(value) is dict:
                for k, v in value.items():
                    if equal(k, at):
                        return v
                raise RuleError(f"没有“{at}”这一项")
            raise _no_overload("[]", value, at)

        return item

    def unary(self, node: ast.Unary, bound: frozenset[str]) -> Run:
        operand = self.node(node.operand, bound)
        if node.op == "!":
            def negate(env: Env) -> bool:
                value = operand(env)
                if value is True or value is False:
                    return not value
                raise _no_overload("!", value)

            return negate

        def minus(env: Env) -> Any:
            value = operand(env)
            if type(value) is Decimal:
                return CONTEXT.minus(value)
            if type(value) is int:
                return _int(-value)
            raise _no_overload("-", value)

        return minus

    def binary(self, node: ast.Binary, bound: frozenset[str]) -> Run:
        left, right = self.node(node.left, bound), self.node(node.right, bound)
        if node.op == "&&":
            return _logic(left, right, decides=False, op="&&")
        if node.op == "||":
            return _logic(left, right, decides=True, op="||")
        op = _ARITHMETIC[node.op]
        key = node.left.name if isinstance(node.left, ast.Name) else None
        literal = node.right.value if isinstance(node.right, ast.Literal) else _NO_LITERAL
        if literal is not _NO_LITERAL and key is not None:
            fast = _with_literal(node.op, key, left, literal, op)
            if fast is not None:
                return fast
        texts = _texts(node.right) if node.op == "in" else None
        if texts is not None and key is not None:
            return _in_texts(key, left, texts, right)
        if key is not None and isinstance(node.right, ast.Name) and node.op in _COMPARE:
            return _two_fields(node.op, key, node.right.name, left, right, op)
        return lambda env: op(left(env), right(env))

    def conditional(self, node: ast.Conditional, bound: frozenset[str]) -> Run:
        test, then, otherwise = (self.node(n, bound) for n in (node.test, node.then, node.otherwise))

        def choose(env: Env) -> Any:
            value = test(env)
            if value is True:
                return then(env)
            if value is False:
                return otherwise(env)
            raise _no_overload("?:", value)

        return choose

    def listof(self, node: ast.ListOf, bound: frozenset[str]) -> Run:
        items = [self.node(n, bound) for n in node.items]
        return lambda env: [item(env) for item in items]

    def mapof(self, node: ast.MapOf, bound: frozenset[str]) -> Run:
        entries = [(self.node(k, bound), self.node(v, bound)) for k, v in node.entries]
        return lambda env: {k(env): v(env) for k, v in entries}

    def call(self, node: ast.Call, bound: frozenset[str]) -> Run:
        name = node.function
        if name == "has" and node.target is None:
            return self.has(node, bound)
        if name in MACROS and node.target is not None:
            return self.macro(node, bound)
        self.called.add(name)
        args = [self.node(a, bound) for a in ((node.target, *node.args) if node.target is not None else node.args)]
        if name in _FUNCTIONS:
            arity, function = _FUNCTIONS[name]
        elif name in self.host and node.target is None:
            arity, function = len(args), _host_function(name, self.host[name])
        else:
            raise Unsupported(f"不支持函数“{name}”（可用：{'、'.join(sorted(BUILTINS | set(self.host)))}）")
        if len(args) != arity:
            raise ast.SyntaxProblem(f"函数“{name}”的参数个数不对")
        if arity == 1:
            (only,) = args
            return lambda env: function(only(env))
        if arity == 2:
            first, second = args
            return lambda env: function(first(env), second(env))
        return lambda env: function(*(a(env) for a in args))

    def has(self, node: ast.Call, bound: frozenset[str]) -> Run:
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Select):
            raise ast.SyntaxProblem("has() 的参数应为 x.字段 的形式")
        operand, key = self.node(node.args[0].operand, bound), node.args[0].field

        def present(env: Env) -> bool:
            value = operand(env)
            if type(value) is dict:
                return key in value
            raise RuleError(f"has() 不能用于{type_name(value)}", null=value is None)

        return present

    def macro(self, node: ast.Call, bound: frozenset[str]) -> Run:
        name, args = node.function, node.args
        sizes = {"map": (2, 3)}.get(name, (2,))
        if len(args) not in sizes or not isinstance(args[0], ast.Name):
            raise ast.SyntaxProblem(f"{name}() 的第一个参数应为变量名，共 {'或'.join(map(str, sizes))} 个参数")
        assert node.target is not None
        target = self.node(node.target, bound)
        var = args[0].name
        inner = bound | {var}
        steps = [self.node(a, inner) for a in args[1:]]

        def items(env: Env) -> tuple[list[Any], dict[str, Any]]:
            value = target(env)
            if type(value) is list:
                return value, dict(env)
            if type(value) is dict:
                return list(value), dict(env)
            raise RuleError(f"{name}() 只能用于列表或映射，这里是{type_name(value)}", null=value is None)

        return _MACRO_BUILDERS[name](items, var, steps)


# The commonest shapes of the packs' rules (`category == '人工智能'`, `x != null`, `x == true`,
# `stage in ['谋划项目', '新开工项目']`, `total_investment >= 500.0`) as one closure each, reading
# the field itself and deciding the usual kinds of value at once; anything else (a missing name,
# a double, another type) goes the general way, so the result is always the general one
# (tests/test_expression.py runs both on the same values).
_NO_LITERAL = object()
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, "<=": operator.le, ">": operator.gt,
                                                   ">=": operator.ge}


def _with_literal(op: str, key: str, left: Run, literal: Any, general: Callable[[Any, Any], Any]) -> Run | None:
    if op in ("==", "!=") and (literal is None or type(literal) is bool):
        same = op == "=="

        def identical(env: Env) -> bool:
            try:
                value = env[key]
            except KeyError:
                value = left(env)  # raises, saying which name is missing
            return (value is literal) is same  # a double (read as a Decimal) is not null, true or false either

        return identical
    if op in ("==", "!=") and type(literal) is str:
        equal_to = op == "=="

        def text(env: Env) -> bool:
            try:
                value = env[key]
            except KeyError:
                value = left(env)
            return (value == literal) is equal_to if type(value) is str else not equal_to

        return text
    if op in _COMPARE and type(literal) is Decimal and literal.is_finite():
        compare = _COMPARE[op]

        def ordered(env: Env) -> Any:
            value = env.get(key)
            if type(value) is Decimal and not value.is_nan():
                return compare(value, literal)
            return general(left(env), literal)

        return ordered
    return None


def _two_fields(op: str, first: str, second: str, left: Run, right: Run, general: Callable[[Any, Any], Any]) -> Run:
    """`completed_investment <= total_investment`, `end_date >= start_date`: two amounts (Decimals,
    neither NaN) or two texts (ISO dates) compared at once; anything else (a blank, a double, an
    int, a missing name, two kinds) goes the general way."""
    compare = _COMPARE[op]

    def ordered(env: Env) -> Any:
        a: Any = env.get(first)
        b: Any = env.get(second)
        kind = type(a)
        if kind is type(b) and ((kind is Decimal and not a.is_nan() and not b.is_nan()) or kind is str):
            return compare(a, b)
        return general(left(env), right(env))

    return ordered


def _texts(node: ast.Node) -> frozenset[str] | None:
    if isinstance(node, ast.ListOf) and node.items and all(
            isinstance(i, ast.Literal) and type(i.value) is str for i in node.items):
        return frozenset(i.value for i in node.items if isinstance(i, ast.Literal))
    return None


def _in_texts(key: str, left: Run, texts: frozenset[str], right: Run) -> Run:
    def within(env: Env) -> bool:
        value = env.get(key)
        if type(value) is str:
            return value in texts
        return _contained(left(env), right(env))

    return within


def _logic(left: Run, right: Run, decides: bool, op: str) -> Run:
    """`&&` (decides=False) and `||` (decides=True) as CEL has them: commutative, so an error on one
    side is absorbed when the other side decides."""
    def run(env: Env) -> bool:
        error: RuleError | None = None
        try:
            a = left(env)
        except RuleError as exc:
            error = exc
        else:
            if a is decides:
                return decides
            if a is not (not decides):
                error = _no_overload(op, a)
        b = right(env)
        if b is decides:
            return decides
        if error is not None:
            raise error
        if b is (not decides):
            return not decides
        raise _no_overload(op, b)

    return run


def _predicate(value: Any, name: str) -> bool:
    if value is True or value is False:
        return value
    raise RuleError(f"{name}() 的条件应为是/否，这里是{type_name(value)}", null=value is None)


Items = Callable[[Env], tuple[list[Any], dict[str, Any]]]


def _quantifier(name: str, decides: bool) -> Callable[[Items, str, list[Run]], Run]:
    """`all` (one false decides: false) and `exists` (one true decides: true), as CEL has them: an
    item whose test cannot be evaluated is an error only where no item decides."""
    def macro(items: Items, var: str, steps: list[Run]) -> Run:
        (test,) = steps

        def run(env: Env) -> bool:
            values, local = items(env)
            error: RuleError | None = None
            for value in values:
                local[var] = value
                try:
                    if _predicate(test(local), name) is decides:
                        return decides
                except RuleError as exc:
                    error = error or exc
            if error is not None:
                raise error
            return not decides

        return run

    return macro


_all = _quantifier("all", False)
_exists = _quantifier("exists", True)


def _exists_one(items: Items, var: str, steps: list[Run]) -> Run:
    (test,) = steps

    def run(env: Env) -> bool:
        values, local = items(env)
        count = 0
        for value in values:
            local[var] = value
            count += _predicate(test(local), "exists_one")
        return count == 1

    return run


def _map(items: Items, var: str, steps: list[Run]) -> Run:
    *keep, make = steps

    def run(env: Env) -> list[Any]:
        values, local = items(env)
        out = []
        for value in values:
            local[var] = value
            if not keep or _predicate(keep[0](local), "map"):
                out.append(make(local))
        return out

    return run


def _filter(items: Items, var: str, steps: list[Run]) -> Run:
    (test,) = steps

    def run(env: Env) -> list[Any]:
        values, local = items(env)
        out = []
        for value in values:
            local[var] = value
            if _predicate(test(local), "filter"):
                out.append(value)
        return out

    return run


_MACRO_BUILDERS: dict[str, Callable[[Items, str, list[Run]], Run]] = {
    "all": _all, "exists": _exists, "exists_one": _exists_one, "map": _map, "filter": _filter,
}
