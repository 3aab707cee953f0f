"""Admission criteria written in CEL (Common Expression Language), evaluated exactly.

A pack's criteria are data from a shared drive, so they must never run code: CEL is a
non-Turing-complete expression language with no I/O, made for exactly this (Kubernetes uses it
beside its JSON Schemas). We evaluate it ourselves (toolkit/expression), because the notices'
bounds are decimal: with CEL's binary doubles 512.31 - 212.31 is 299.99999999999994 and the
project is refused for being under 300万元. Every number field is a Decimal, literals such as
`0.5` are exact, and + - * are exact, so `total_investment * 0.3` is exactly 30 %. No Python
`eval` anywhere. The `common-expression-language` bindings stay the reference for the syntax
(pack-check) and the oracle our evaluator is tested against (tests/test_expression.py).

Inside an expression every field of the annex is a variable named by its key, with null where the
county left the cell blank. Dates are ISO text of their precision (`2020-07`, `2020-07-15`), so
`start_date >= "2019-01"` compares as a clerk reads it. Extra names:
- `campaign_year` (int), `route` (the confirming department of the routed choice, or null);
- functions `months_between(a, b)`, `uscc_region(code)`, `uscc_kind(code)`, `idcard_problem(code)`
  (why a 身份证 number is invalid, "" when it is valid), `is_branch_name(name)` (a 分公司), `joined(list, sep)`;
- the pack's own functions (`Pack.functions`: `listed('carriers', name, code)`, `list_title(...)`
  over its named lists, toolkit/packs/identities.py), added to each context by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from toolkit.expression import syntax as ast
from toolkit.expression.evaluate import Expression, RuleError, type_name
from toolkit.expression.evaluate import compile_expression as _compile
from toolkit.expression.numbers import exact, from_float, shown
from toolkit.packs.identities import is_branch_name
from toolkit.packs.model import Annex, Criterion, Pack

EXTRA_VARIABLES = ("campaign_year", "route")


def _text(value: Any) -> str:
    # A blank is an error (the rule says what is missing), never the text "None".
    if value is None:
        raise TypeError("参数为空")
    return str(value)


def months_between(start: str, end: str) -> int:
    """Whole months from start to end, for ISO dates of month or day precision."""
    y1, m1 = (int(p) for p in _text(start).split("-")[:2])
    y2, m2 = (int(p) for p in _text(end).split("-")[:2])
    return (y2 - y1) * 12 + (m2 - m1)


def uscc_region(code: str) -> str:
    return _text(code)[2:8]


def uscc_kind(code: str) -> str:
    return _text(code)[:2]


def idcard_problem(code: str) -> str:
    """Why `code` is not a valid 居民身份证 number (GB 11643-1999: region, birth date, check
    character), or "" when it is. For a field that holds other documents too (护照), so the
    check can only apply when the document type says 居民身份证."""
    from toolkit.formats import check_idcard

    return check_idcard(_text(code).strip()) or ""


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


@dataclass(frozen=True)
class Compiled:
    criterion: Criterion
    when: Expression | None
    check: Expression | None
    values: dict[str, Expression]
    variables: frozenset[str] = frozenset()  # every name the rule reads
    # The usual outcomes in one call: skip or pass as `evaluate_row` would give them, None where
    # it must look closer (a false check, a failure): most rules pass or skip on most rows.
    decide: Callable[[dict[str, Any]], Outcome | None] = lambda variables: None
    # The same with `when` known true (RuleSelector knows it from the guards): `check` alone.
    decide_check: Callable[[dict[str, Any]], Outcome | None] = lambda variables: None


# Functions whose result depends on their text arguments alone (and the pack's lists), dearer than
# a lookup: a row's applicant is read by several rules, and an enterprise sends many rows.
REMEMBERED = frozenset({"is_branch_name", "months_between", "listed"})
_REMEMBER_LIMIT = 10_000
_UNKNOWN = object()


def remembered(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with its results for all-text arguments kept (a bool, a number or a text; an
    error is raised anew each time); other arguments go to it each time."""
    known: dict[tuple[Any, ...], Any] = {}

    def run(*args: Any) -> Any:
        for a in args:
            if type(a) is not str:
                return function(*args)
        found = known.get(args, _UNKNOWN)
        if found is _UNKNOWN:
            found = function(*args)
            if type(found) not in (bool, int, str, Decimal):
                return found
            if len(known) >= _REMEMBER_LIMIT:
                known.clear()
            known[args] = found
        return found

    return run


def compile_expression(source: str, functions: Mapping[str, Callable[..., Any]] | None = None) -> Expression:
    """Compile one expression (its free variables and named functions come with it); `functions`:
    the pack's own (Pack.functions: its named lists), beside FUNCTIONS. Those in REMEMBERED keep
    their results, for this expression.

    Raises SyntaxProblem, a ValueError with a Chinese message, when the expression is malformed or
    uses a function we do not evaluate.
    """
    every = {**FUNCTIONS, **functions} if functions else FUNCTIONS
    return _compile(source, {k: remembered(f) if k in REMEMBERED else f for k, f in every.items()})


def cel_syntax_problem(source: str) -> str | None:
    """What the reference CEL implementation (the `common-expression-language` bindings) says is
    wrong with `source`, or None when it is valid CEL: a pack stays portable CEL even though our
    own evaluator runs it."""
    from toolkit.runtime.lean import import_without

    cel = import_without("cel", "cli")  # without its interactive shell (typer, prompt_toolkit, rich)
    try:
        cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def compile_criterion(criterion: Criterion, functions: Mapping[str, Callable[..., Any]] | None = None) -> Compiled:
    """`functions`: the pack's own (Pack.functions), which its rules may call."""
    names: set[str] = set()

    def build(source: str) -> Expression:
        expression = compile_expression(source, functions)
        names.update(expression.variables)
        return expression

    when = build(criterion.when) if criterion.when else None
    check = build(criterion.check) if criterion.check else None
    values = {k: build(v) for k, v in criterion.values.items()}
    return Compiled(criterion, when, check, values, frozenset(names), _decider(when, check), _decider(None, check))


def _decider(when: Expression | None, check: Expression | None) -> Callable[[dict[str, Any]], Outcome | None]:
    applies = when.run if when is not None else None
    passes = check.run if check is not None else None

    def decide(variables: dict[str, Any]) -> Outcome | None:
        try:
            if applies is not None and applies(variables) is not True:
                return _SKIP
            if passes is None or passes(variables) is True:
                return _PASS
        except RuleError:
            return None
        return None

    return decide


Decide = Callable[[dict[str, Any]], "Outcome | None"]


@dataclass(frozen=True)
class Guard:
    """A top-level conjunct of a rule's `when` that is false unless the field `key` holds one of
    `texts` (`category == '人工智能'`, `stage in ['谋划项目', '新开工项目']`), or, with `texts`
    None, unless it is filled (`start_date != null`). CEL's && is false as soon as one side is
    false, whatever the others give or raise, so where a guard is false the rule skips."""

    key: str
    texts: frozenset[str] | None


def guards(expression: Expression | None) -> tuple[Guard, ...]:
    """The guards among the top-level conjuncts of `expression` (none for other shapes)."""
    return tuple(g for node in _conjuncts(expression) if (g := _guard(node)) is not None)


def only_guards(expression: Expression | None) -> bool:
    """`expression` is its guards and nothing else (`category == '人工智能'`): true where they all hold."""
    return expression is not None and all(_guard(node) is not None for node in _conjuncts(expression))


def _conjuncts(expression: Expression | None) -> list[ast.Node]:
    """The top-level operands of the &&s of `expression`, left to right."""
    found: list[ast.Node] = []
    pending: list[ast.Node] = [expression.tree] if expression is not None else []
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Binary) and node.op == "&&":
            pending += [node.right, node.left]
        else:
            found.append(node)
    return found


def _guard(node: ast.Node) -> Guard | None:
    if not isinstance(node, ast.Binary) or not isinstance(node.left, ast.Name):
        return None
    key, right = node.left.name, node.right
    if node.op == "==" and isinstance(right, ast.Literal) and type(right.value) is str:
        return Guard(key, frozenset([right.value]))
    if node.op == "!=" and isinstance(right, ast.Literal) and right.value is None:
        return Guard(key, None)
    if node.op == "in" and isinstance(right, ast.ListOf) and right.items and all(
            isinstance(i, ast.Literal) and type(i.value) is str for i in right.items):
        return Guard(key, frozenset(i.value for i in right.items if isinstance(i, ast.Literal)))
    return None


_ABSENT = object()  # a guard's field is not among the variables: the rule decides (its error says so)
_OTHER = object()  # a value none of the guards on its field names


class RuleSelector:
    """An annex's row rules, and for one record's variables those that may apply: a rule one of
    whose guards is false skips, so it is not evaluated at all. Most rules concern one category or
    stage, and a row has one of each. The rules a combination of guard values leaves are worked
    out once (the values are classed by the texts the guards name, so there are few)."""

    def __init__(self, rules: Sequence[Compiled]) -> None:
        self.rules = tuple(rules)
        self.guards = tuple(guards(r.when) for r in self.rules)
        texts: dict[str, set[str]] = {}
        filled: dict[str, None] = {}
        for g in (g for gs in self.guards for g in gs):
            if g.texts is None:
                filled[g.key] = None
            else:
                texts.setdefault(g.key, set()).update(g.texts)
        self.text_keys = tuple((k, frozenset(v)) for k, v in texts.items())
        self.filled_keys = tuple(filled)
        self.whole = tuple(only_guards(r.when) for r in self.rules)
        self.every = tuple((r, r.decide) for r in self.rules)
        self.cache: dict[tuple[Any, ...], tuple[tuple[Compiled, Decide], ...]] = {}

    def select(self, variables: Mapping[str, Any]) -> tuple[Compiled, ...]:
        """The rules to evaluate on `variables`, in the annex's order."""
        return tuple(rule for rule, _ in self.deciders(variables))

    def deciders(self, variables: Mapping[str, Any]) -> tuple[tuple[Compiled, Decide], ...]:
        """The rules to evaluate on `variables`, each with its decide: `decide_check` where the
        guards that hold are the whole of its `when`."""
        if not self.text_keys and not self.filled_keys:
            return self.every
        get = variables.get
        # A guard field's value is classed: for texts, the value itself where a guard may name it,
        # else _OTHER (a guard on texts is false for any value but a text it names: CEL never
        # equals a text with a number, a list or null); for != null, whether it is filled.
        classes = [(value if value in texts else _OTHER) if type(value := get(k, _ABSENT)) is str
                   else (_ABSENT if value is _ABSENT else _OTHER) for k, texts in self.text_keys]
        classes += [_ABSENT if (value := get(k, _ABSENT)) is _ABSENT else value is not None for k in self.filled_keys]
        key = tuple(classes)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._choose(key)
        return found

    def _choose(self, classes: tuple[Any, ...]) -> tuple[tuple[Compiled, Decide], ...]:
        of = dict(zip([k for k, _ in self.text_keys], classes, strict=False))
        filled = dict(zip(self.filled_keys, classes[len(self.text_keys):], strict=True))

        def false(g: Guard) -> bool:
            if g.texts is None:
                return filled[g.key] is False
            value = of[g.key]
            return value is not _ABSENT and (value is _OTHER or value not in g.texts)

        def true(g: Guard) -> bool:
            if g.texts is None:
                return filled[g.key] is True
            return of[g.key] in g.texts  # a text; _ABSENT and _OTHER are in no set of texts

        return tuple((r, r.decide_check if whole and all(true(g) for g in gs) else r.decide)
                     for r, gs, whole in zip(self.rules, self.guards, self.whole, strict=True)
                     if not any(false(g) for g in gs))


def row_variables(pack: Pack, annex: Annex, record: dict[str, Any]) -> dict[str, Any]:
    """The variables of one record: every field (null when blank) and the extras. A number is a
    Decimal, the number the clerk wrote (numbers.from_float of the double a record holds), also in a
    list's items; a double in another field is read the same way when an expression reads it."""
    keys, numbers, nested = _variable_plan(annex)
    variables: dict[str, Any] = dict(zip(keys, map(record.get, keys), strict=True))
    for key in numbers:
        value = variables[key]
        kind = type(value)
        if kind is float:
            variables[key] = from_float(value)
        elif kind is int:  # a number field is one kind (CEL double) whatever the county typed
            variables[key] = Decimal(value)
    for key in nested:
        if variables[key] is not None:
            variables[key] = exact(variables[key])
    variables["campaign_year"] = pack.year
    variables["route"] = pack.route_of(record.get(pack.routing.field)) if pack.routing else None
    return variables


# id(annex) -> (the annex, its field keys, its number fields' keys, its list fields' keys); the
# annex is kept so that its id is not reused while the entry lives.
_PLANS: dict[int, tuple[Annex, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}


def _variable_plan(annex: Annex) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    found = _PLANS.get(id(annex))
    if found is None or found[0] is not annex:
        found = _PLANS[id(annex)] = (annex, tuple(f.key for f in annex.fields),
                                     tuple(f.key for f in annex.fields if f.type == "number"),
                                     tuple(f.key for f in annex.fields if f.type == "list"))
    return found[1], found[2], found[3]


@dataclass(frozen=True)
class Outcome:
    """The result of one row criterion on one record: passed, failed, not applicable, or could
    not be evaluated (`error`: the rule itself is at fault, `reason` says why)."""

    status: str  # "pass" | "fail" | "skip" | "error"
    values: dict[str, Any]
    reason: str | None = None
    part: str | None = None  # of an error: "when" or "check"


def _blank_caused(error: RuleError, expression: Expression, variables: dict[str, Any]) -> bool:
    """The expression failed on a blank (null) value, and a field it reads is blank: the
    county left out what the rule needs, so the rule is not at fault."""
    return error.null and any(variables.get(k) is None for k in expression.variables)


def evaluate_row(compiled: Compiled, variables: dict[str, Any]) -> Outcome:
    """Evaluate one row criterion.

    `when` false, or failing on a blank field it reads -> skip: the rule does not concern this
    record. `check` false -> fail; a `check` failing on a blank field it needs -> fail too, with
    the reason, since the notice requires that information. Any other failure (the fields it
    reads are filled: a number compared with a text, a bad pattern) -> error: the rule is at
    fault, and it must say so rather than pass or refuse the project on a believable reason.
    The message's `values` are worked out only for a failure: most rules pass on most rows.
    """
    if compiled.when is not None:
        try:
            if compiled.when.run(variables) is not True:
                return _SKIP
        except RuleError as exc:
            if _blank_caused(exc, compiled.when, variables):
                return _SKIP
            return Outcome("error", {}, reason=exc.message, part="when")
    if compiled.check is None:
        return _PASS
    reason = None
    try:
        result = compiled.check.run(variables)
    except RuleError as exc:
        if not _blank_caused(exc, compiled.check, variables):
            return Outcome("error", {}, reason=exc.message, part="check")
        reason = exc.message
    else:
        if result is True:
            return _PASS
        if result is not False:
            return Outcome("error", {}, reason=f"check 的结果应为是/否（true/false），这里是{type_name(result)}",
                           part="check")
    values: dict[str, Any] = {}
    for name, expression in compiled.values.items():
        try:
            values[name] = expression.run(variables)
        except RuleError:
            values[name] = None
    return Outcome("fail", values, reason=reason)


_SKIP = Outcome("skip", {})
_PASS = Outcome("pass", {})


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render_message(template: str, values: dict[str, Any]) -> str:
    """Fill `{name}` placeholders from plain values; nothing else in the text is interpreted. A
    number is shown exactly, never rounded onto a bound it failed (numbers.shown)."""

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return "（空）"
        if isinstance(value, (float, Decimal)) or (isinstance(value, int) and not isinstance(value, bool)):
            return shown(value)
        return str(value)

    return _PLACEHOLDER.sub(fill, template)


def placeholders(template: str) -> Iterable[str]:
    return _PLACEHOLDER.findall(template)
