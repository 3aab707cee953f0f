"""Admission criteria written in CEL (Common Expression Language), evaluated safely.

A pack's criteria are data from a shared drive, so they must never run code: CEL is a
non-Turing-complete expression language with no I/O, made for exactly this (Kubernetes uses it
beside its JSON Schemas). We use the `common-expression-language` bindings (a Rust interpreter):
no Python `eval`, and no parser of our own.

Inside an expression every field of the annex is a variable named by its key, with null where the
county left the cell blank. Dates are ISO text of their precision (`2020-07`, `2020-07-15`), so
`start_date >= "2019-01"` compares as a clerk reads it. Extra names:
- `campaign_year` (int), `route` (the confirming department of the routed choice, or null);
- functions `months_between(a, b)`, `uscc_region(code)`, `uscc_kind(code)`, `idcard_problem(code)`
  (why a 身份证 number is invalid, "" when it is valid), `is_branch_name(name)` (a 分公司), `joined(list, sep)`;
- the pack's own functions (`Pack.functions`: `listed('carriers', name, code)`, `list_title(...)`
  over its named lists, toolkit/identities.py), added to each context by the caller.
"""

from __future__ import annotations

import logging
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from toolkit.identities import is_branch_name
from toolkit.lean import import_without
from toolkit.packs.model import Annex, Criterion, Pack

if TYPE_CHECKING:
    import cel
else:
    cel = import_without("cel", "cli")  # without its interactive shell (typer, prompt_toolkit, rich)

# The CEL library logs every failing Python function (months_between of a blank date) at WARNING,
# in English; the failure is already the rule's reason in its finding, so on a clerk's console
# that line would only be noise.
logging.getLogger("cel").setLevel(logging.ERROR)

EXTRA_VARIABLES = ("campaign_year", "route")


def months_between(start: str, end: str) -> int:
    """Whole months from start to end, for ISO dates of month or day precision."""
    y1, m1 = (int(p) for p in str(start).split("-")[:2])
    y2, m2 = (int(p) for p in str(end).split("-")[:2])
    return (y2 - y1) * 12 + (m2 - m1)


def uscc_region(code: str) -> str:
    return str(code)[2:8]


def uscc_kind(code: str) -> str:
    return str(code)[:2]


def idcard_problem(code: str) -> str:
    """Why `code` is not a valid 居民身份证 number (GB 11643-1999: region, birth date, check
    character), or "" when it is. For a field that holds other documents too (护照), so the
    check can only apply when the document type says 居民身份证."""
    from toolkit.formats import check_idcard

    return check_idcard(str(code).strip()) or ""


def joined(items: Any, separator: str) -> str:
    """The texts of a list joined by `separator`, for a message (`joined(missing, '、')`)."""
    return str(separator).join(str(i) for i in items)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "months_between": months_between,
    "uscc_region": uscc_region,
    "uscc_kind": uscc_kind,
    "idcard_problem": idcard_problem,
    "is_branch_name": is_branch_name,
    "joined": joined,
}

# Functions and macros of CEL itself, which a pack may use freely.
CEL_BUILTINS = frozenset(
    """size contains startsWith endsWith matches int uint double string bytes bool duration
    timestamp has all exists exists_one map filter type dyn lowerAscii upperAscii trim split join
    replace indexOf lastIndexOf substring min max abs""".split()
)


Test = Callable[[dict[str, Any]], bool]  # a test of one record's variables


@dataclass(frozen=True)
class Compiled:
    criterion: Criterion
    when: Any | None
    check: Any | None
    values: dict[str, Any]
    variables: frozenset[str] = frozenset()  # every name the rule reads
    # `when` as a Python test of the record's variables, for the plain forms most rules use
    # (`category == '人工智能'`, `stage in [...]`, `x != null`, joined by &&); None otherwise.
    applies: Test | None = None
    # A Python test that is true only where `check` is sure to pass (`x == true`, `x >= 500.0`,
    # `a <= b`, `a >= b * 0.5`, ...): a passing record needs no CEL. None when `check` has
    # another form; where the test is false, CEL decides (and gives the reason of a failure).
    passes: Test | None = None


_NAME = r"([a-z_][a-z0-9_]*)"
_TEXT = r"'([^'\\]*)'"
_EQUALS = re.compile(rf"{_NAME}\s*==\s*{_TEXT}")
_IN_LIST = re.compile(rf"{_NAME}\s+in\s*\[\s*('[^'\\]*'(?:\s*,\s*'[^'\\]*')*)\s*\]")
_NOT_NULL = re.compile(rf"{_NAME}\s*!=\s*null")
_LIST_ITEM = re.compile(_TEXT)
_IS_TRUE = re.compile(rf"{_NAME}\s*==\s*true")
_LITERAL = r"(\d+(?:\.\d+)?)"
_COMPARE = re.compile(rf"{_NAME}\s*(<=|>=|<|>)\s*(?:{_NAME}(?:\s*\*\s*{_LITERAL})?|{_LITERAL}|{_TEXT})")
_IS_FALSE = re.compile(rf"{_NAME}\s*!=\s*true")
_CALL_TEXT = re.compile(rf"{_NAME}\({_NAME}\)\s*(?:\.startsWith\({_TEXT}\)|(==|!=)\s*{_TEXT})")
_MATCHES_WORDS = re.compile(rf"{_NAME}\.matches\('([^\\.^$*+?{{}}\[\]()'|]+(?:\|[^\\.^$*+?{{}}\[\]()'|]+)*)'\)")
_COMPARE_CONSTANT = re.compile(rf"{_NAME}\s*(<=|>=|<|>)\s*(.+)")
_ORDER: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_KEYWORDS = frozenset({"true", "false", "null", "in"})


def simple_condition(source: str) -> Test | None:
    """`source` as a Python test when it is a conjunction of `name == 'text'`, `name in ['a',
    'b']` and `name != null`, else None. A `when` that is false and one that cannot be evaluated
    both mean "not applicable", so `name == 'text'` is simply the value being that text (a number
    or null is not; CEL would say false or fail). tests/test_criteria.py compares it with CEL."""
    def part_test(part: str) -> Test | None:
        if m := _EQUALS.fullmatch(part):
            return _is_text(m.group(1), frozenset([m.group(2)]))
        if m := _IN_LIST.fullmatch(part):
            return _is_text(m.group(1), frozenset(_LIST_ITEM.findall(m.group(2))))
        if m := _NOT_NULL.fullmatch(part):
            return _is_set(m.group(1))
        return None

    return _conjunction(source, part_test)


def _conjunction(source: str, part_test: Callable[[str], Test | None]) -> Test | None:
    """A test for `source` split on `&&`, each part's test given by `part_test`; None when a
    part has none."""
    tests: list[Test] = []
    for part in source.split("&&"):
        test = part_test(part.strip())
        if test is None:
            return None
        tests.append(test)
    if len(tests) == 1:
        return tests[0]

    def every(variables: dict[str, Any]) -> bool:
        return all(test(variables) for test in tests)

    return every


def simple_check(source: str, constants: dict[str, Any] | None = None) -> Test | None:
    """A test that is true only where CEL is sure to find `source` true, when `source` is a
    conjunction of `x == true`, `x != true`, `x != null`, `x in ['a', 'b']` and comparisons (<,
    <=, >, >=) of a field with a number or a text, with another field, or with another field
    times a number; else None.
    It says true only for values CEL compares as Python does: two doubles (a number field is
    always a double, `_cel_value`), two ints, two texts; a double with a literal written with a
    decimal point, an int with one written without; `x != true` only for false. Anything else
    (a blank, a text in a number column) is left to CEL. tests/test_criteria.py compares it with CEL."""
    def part_test(part: str) -> Test | None:
        if m := _IS_TRUE.fullmatch(part):
            return _is_same(m.group(1), True)
        if m := _IS_FALSE.fullmatch(part):
            return _is_same(m.group(1), False)
        if m := _NOT_NULL.fullmatch(part):
            return _is_set(m.group(1))
        if m := _IN_LIST.fullmatch(part):
            return _is_text(m.group(1), frozenset(_LIST_ITEM.findall(m.group(2))))
        if (m := _COMPARE.fullmatch(part)) and not {m.group(1), m.group(3)} & _KEYWORDS:
            left, op, right, times, literal, text = m.groups()
            if text is not None:
                return _compares_with_literal(left, _ORDER[op], text, str)
            if right is None:
                return _compares_with_literal(left, _ORDER[op], literal, float if "." in literal else int)
            return _compares_with_field(left, _ORDER[op], right, float(times) if times else None)
        if (m := _CALL_TEXT.fullmatch(part)) and m.group(1) in FUNCTIONS:
            function, key, prefix, op, text = m.groups()
            return _call_gives_text(FUNCTIONS[function], key, prefix, op, text)
        if m := _MATCHES_WORDS.fullmatch(part):
            return _holds_a_word(m.group(1), m.group(2).split("|"))
        if (m := _COMPARE_CONSTANT.fullmatch(part)) and (value := _constant(m.group(3), constants)) is not None:
            return _compares_with_literal(m.group(1), _ORDER[m.group(2)], value, type(value))
        return None

    return _conjunction(source, part_test)


def _constant(source: str, constants: dict[str, Any] | None) -> Any:
    """The value of an expression that reads only `constants` (a text, a double or an int), or None."""
    if not constants or any(op in source for op in ("=", "&", "|", "?", "<", ">", " in ")):
        return None  # a test of its own, not a value: `x < 5 || y` is (x < 5) || y
    try:
        program, variables, functions = compile_expression(source)
        if not variables or not variables <= constants.keys() or functions - CEL_BUILTINS:
            return None
        value = program.execute(cel.Context(variables=dict(constants)))
    except Exception:
        return None
    return value if type(value) in (str, float, int) else None


def _call_gives_text(function: Callable[[Any], Any], key: str, prefix: str | None, op: str | None,
                     text: str) -> Test:
    """`f(x).startsWith('t')`, `f(x) == 't'`, `f(x) != 't'` for a text x: the same Python
    function CEL would call, on the same text."""
    def test(variables: dict[str, Any]) -> bool:
        value = variables.get(key)
        if type(value) is not str:
            return False
        try:
            result = function(value)
        except Exception:
            return False
        if type(result) is not str:
            return False
        if prefix is not None:
            return result.startswith(prefix)
        return (result == text) if op == "==" else (result != text)

    return test


def _holds_a_word(key: str, words: list[str]) -> Test:
    """`x.matches('甲|乙')` with plain words: CEL's matches finds the pattern anywhere in x."""
    def test(variables: dict[str, Any]) -> bool:
        value = variables.get(key)
        return type(value) is str and any(w in value for w in words)

    return test


def _is_same(key: str, flag: bool) -> Test:
    def test(variables: dict[str, Any]) -> bool:
        return variables.get(key) is flag

    return test


def _compares_with_literal(key: str, op: Callable[[Any, Any], bool], literal: str,
                           kind: type) -> Test:
    number = kind(literal)

    def test(variables: dict[str, Any]) -> bool:
        value = variables.get(key)
        return type(value) is kind and op(value, number)

    return test


def _compares_with_field(key: str, op: Callable[[Any, Any], bool], other: str,
                         times: float | None) -> Test:
    if times is not None:  # `a >= b * 0.5`: doubles only (CEL has no int * double)
        def scaled(variables: dict[str, Any]) -> bool:
            a, b = variables.get(key), variables.get(other)
            return type(a) is float and type(b) is float and op(a, b * times)

        return scaled

    def test(variables: dict[str, Any]) -> bool:
        a, b = variables.get(key), variables.get(other)
        kind = type(a)
        return kind is type(b) and (kind is float or kind is int or kind is str) and op(a, b)

    return test


def _is_text(key: str, texts: frozenset[str]) -> Test:
    def test(variables: dict[str, Any]) -> bool:
        value = variables.get(key)
        return type(value) is str and value in texts

    return test


def _is_set(key: str) -> Test:
    def test(variables: dict[str, Any]) -> bool:
        return variables.get(key) is not None

    return test


def _operator(name: str) -> bool:
    return not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name)


def compile_expression(source: str) -> tuple[Any, set[str], set[str]]:
    """Compile one expression; returns the program, its variables and its named functions.

    Raises ValueError with the CEL parser's message when the expression is malformed.
    """
    program = cel.compile(source)
    refs = program.references()
    functions = {f for f in refs["functions"] if not _operator(f)}
    return program, set(refs["variables"]), functions


def compile_criterion(criterion: Criterion, constants: dict[str, Any] | None = None) -> Compiled:
    """`constants`: the variables every record has the same value of (`campaign_year`), for
    `simple_check` to work out what reads only them."""
    names: set[str] = set()

    def build(source: str) -> Any:
        program, variables, _ = compile_expression(source)
        names.update(variables)
        return program

    when = build(criterion.when) if criterion.when else None
    check = build(criterion.check) if criterion.check else None
    values = {k: build(v) for k, v in criterion.values.items()}
    applies = simple_condition(criterion.when) if criterion.when else None
    passes = simple_check(criterion.check, constants) if criterion.check else None
    return Compiled(criterion, when, check, values, frozenset(names), applies, passes)


def row_variables(pack: Pack, annex: Annex, record: dict[str, Any]) -> dict[str, Any]:
    """The CEL variables of one record: every field (null when blank) and the extras."""
    keys, numbers = _variable_plan(annex)
    variables = dict(zip(keys, map(record.get, keys), strict=True))
    for key in numbers:
        value = variables[key]
        if type(value) is not float:
            variables[key] = _cel_value("number", value)
    variables["campaign_year"] = pack.year
    variables["route"] = pack.route_of(record.get(pack.routing.field)) if pack.routing else None
    return variables


# id(annex) -> (the annex, its field keys, its number fields' keys); the annex is kept so that
# its id is not reused while the entry lives.
_PLANS: dict[int, tuple[Annex, tuple[str, ...], tuple[str, ...]]] = {}


def _variable_plan(annex: Annex) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found = _PLANS.get(id(annex))
    if found is None or found[0] is not annex:
        found = _PLANS[id(annex)] = (annex, tuple(f.key for f in annex.fields),
                                     tuple(f.key for f in annex.fields if f.type == "number"))
    return found[1], found[2]


def _cel_value(kind: str, value: Any) -> Any:
    # CEL does not mix int and double in arithmetic (`500 * 0.5` has no overload), so every
    # `number` field is a double whatever the county typed.
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@dataclass(frozen=True)
class Outcome:
    """The result of one row criterion on one record: passed, failed, or not applicable."""

    status: str  # "pass" | "fail" | "skip"
    values: dict[str, Any]
    reason: str | None = None


def row_context(variables: dict[str, Any]) -> Any:
    """The CEL context of one record; build it once and pass it to every rule of the record
    (building one costs ~1 µs a variable, far more than evaluating a rule)."""
    return cel.Context(variables=variables, functions=FUNCTIONS)


class SharedContext:
    """One CEL context for every record of an annex. Building a context costs about 25 µs (each
    variable converted, each function wrapped), several times what a record's rules take to run;
    here the functions and a null for every name are registered once, and each record's values
    are looked up by CEL as an expression reads them (a variable resolver over `use`'s dict). A
    blank is null either way: the resolver's None falls through to the registered null."""

    def __init__(self, names: Iterable[str]) -> None:
        self._current: dict[str, Any] = {}
        self.context = cel.Context(variables=dict.fromkeys(names), functions=FUNCTIONS)
        self.context.set_variable_resolver(self._current.get)

    def use(self, variables: dict[str, Any]) -> Any:
        """The context, now reading `variables` (valid until the next call)."""
        self._current.clear()
        self._current.update(variables)
        return self.context


def annex_variable_names(annex: Annex) -> list[str]:
    """Every name `row_variables` gives a value (or null)."""
    return [*(f.key for f in annex.fields), *EXTRA_VARIABLES]


def evaluate_row(compiled: Compiled, variables: dict[str, Any], context: Any | None = None) -> Outcome:
    """Evaluate one row criterion.

    `when` false (or not evaluable because a field it reads is blank) -> skip: the rule does not
    concern this record. `check` false -> fail. A `check` that cannot be evaluated because a field
    it needs is blank -> fail too, with the reason, since the notice requires that information.
    The message's `values` are worked out only for a failure: most rules pass on most rows.
    """
    if compiled.applies is not None:
        if not compiled.applies(variables):
            return _SKIP
    elif compiled.when is not None:
        if context is None:
            context = row_context(variables)
        try:
            if compiled.when.execute(context) is not True:
                return _SKIP
        except Exception:
            return _SKIP
    if compiled.check is None or (compiled.passes is not None and compiled.passes(variables)):
        return _PASS
    if context is None:
        context = row_context(variables)
    reason = None
    try:
        if compiled.check.execute(context) is True:
            return _PASS
    except Exception as exc:
        reason = str(exc)
    values: dict[str, Any] = {}
    for name, program in compiled.values.items():
        try:
            values[name] = program.execute(context)
        except Exception:
            values[name] = None
    return Outcome("fail", values, reason=reason)


_SKIP = Outcome("skip", {})
_PASS = Outcome("pass", {})


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render_message(template: str, values: dict[str, Any]) -> str:
    """Fill `{name}` placeholders from plain values; nothing else in the text is interpreted."""

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return "（空）"
        if isinstance(value, float):
            return f"{value:,.2f}".rstrip("0").rstrip(".")
        return str(value)

    return _PLACEHOLDER.sub(fill, template)


def placeholders(template: str) -> Iterable[str]:
    return _PLACEHOLDER.findall(template)
