"""pack-check, part two: every row rule is run, not only parsed, so that no rule can switch itself
off or refuse projects for a reason of its own making.

- On typed example records (every field filled with a valid value of its type; each choice of a
  choice or yes/no field the rule reads in turn), `when` and `check` must evaluate to true or
  false, and a rule's message `values` must evaluate wherever its check fails: a type error
  (`total_investment >= '500'`), a bad pattern or any other failure there is a pack error naming
  the rule, as the same failure on a county's record would be an error finding at run time.
- On an all-blank record a rule may fail only because a value is blank (which means "does not
  apply" in `when` and "fails, saying what is missing" in `check`); any other failure is an error.
- A text compared with a choice field (`category == '智慧农业类'`) must be one of its choices: ingest
  turns every alias into its choice, so any other text would never match and the rule would
  never fire. The message suggests the closest choice.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Callable, Collection, Iterator
from decimal import Decimal
from typing import Any

from toolkit.expression import syntax as ast
from toolkit.expression.evaluate import Expression, RuleError, type_name
from toolkit.packs.criteria import compile_criterion, row_variables
from toolkit.packs.examples import example_value
from toolkit.packs.model import Annex, Criterion, Field, Pack

Add = Callable[..., None]

_KINDS: dict[str, tuple[type, ...]] = {"number": (int, Decimal), "integer": (int, Decimal), "text": (str,),
                                       "date": (str,), "choice": (str,), "bool": (bool,), "multichoice": (list,),
                                       "list": (list,)}


def check_rules(pack: Pack, add: Add, skip: Collection[str] = ()) -> None:
    """Run every row rule of `pack` but those in `skip` (ids of rules already reported)."""
    bases: dict[str, dict[str, Any]] = {}
    for crit in pack.criteria:
        if crit.kind == "row" and crit.id not in skip:
            if crit.annex not in bases:
                rng = random.Random(0)
                bases[crit.annex] = {f.key: example_value(f, rng) for f in pack.annex(crit.annex).fields}
            _check_rule(pack, crit, bases[crit.annex], add)


def _check_rule(pack: Pack, crit: Criterion, base: dict[str, Any], add: Add) -> None:
    annex = pack.annex(crit.annex)
    label = f"规则“{crit.id}”（{crit.clause}）"
    compiled = compile_criterion(crit, pack.functions)
    parts = {"when": compiled.when, "check": compiled.check, **{f"values.{k}": v for k, v in compiled.values.items()}}
    for part, expression in parts.items():
        if expression is not None:
            _check_literals(pack, annex, label, part, expression, add)
    reported: set[str] = set()

    def report(part: str, expression: Expression, why: str, where: str) -> None:
        if part not in reported:  # once per expression, on the first record that shows it
            reported.add(part)
            add("rule-error", f"{label} 的 {part} 表达式 {expression.source} 在{where}上无法计算：{why}；"
                f"这样的规则会在县里填写的记录上报错，请改正")

    tests = (("when", compiled.when), ("check", compiled.check))
    for record in _examples(annex, base, compiled.variables):
        variables = row_variables(pack, annex, record)
        check_failed = False
        for part, expression in tests:
            if expression is None:
                continue
            try:
                result = expression.run(variables)
            except RuleError as exc:
                report(part, expression, exc.message, "示例记录（各字段都填写了有效值）")
                continue
            if result is not True and result is not False:
                report(part, expression, f"结果应为是/否（true/false），这里是{type_name(result)}", "示例记录")
            check_failed = check_failed or (part == "check" and result is False)
        if check_failed:
            for name, expression in compiled.values.items():
                try:
                    expression.run(variables)
                except RuleError as exc:
                    report(f"values.{name}", expression, exc.message, "不符合该规则的示例记录")
    blank = row_variables(pack, annex, {})
    for part, expression in tests:
        if expression is None:
            continue
        try:
            expression.run(blank)
        except RuleError as exc:
            if not exc.null:
                report(part, expression, exc.message, "全部留空的记录")


def _examples(annex: Annex, base: dict[str, Any], read: frozenset[str]) -> Iterator[dict[str, Any]]:
    """The filled record `base`, then the same with each choice (and yes/no) of each choice field
    the rule reads in turn, so a `when` on the category lets its `check` run too."""
    yield base
    for f in annex.fields:
        if f.key not in read:
            continue
        if f.type == "choice":
            options: list[Any] = list(f.choice_values)
        elif f.type == "bool":
            options = [True, False]
        else:
            continue
        for option in options:
            if option != base[f.key]:
                yield {**base, f.key: option}


def _check_literals(pack: Pack, annex: Annex, label: str, part: str, expression: Expression, add: Add) -> None:
    fields = {f.key: f for f in annex.fields}
    routes = sorted({c.route for f in annex.fields for c in f.choices if c.route})
    for name, literal in _compared(expression.tree):
        if name in expression.variables and name in fields:
            field = fields[name]
            if field.type in ("choice", "multichoice"):
                _choice_literal(field, literal, f"{label} 的 {part} 表达式", add)
            elif not isinstance(literal, _KINDS.get(field.type, (object,))) or isinstance(literal, bool) != (
                    field.type == "bool"):
                add("rule-error", f"{label} 的 {part} 表达式把字段“{field.title}”（{field.type}）与"
                    f"{type_name(literal)} {literal!r} 比较，类型不同，永远不会相等；请改为同类型的值")
        elif name == "route" and pack.routing and routes and literal not in routes:
            near = difflib.get_close_matches(str(literal), routes, n=1, cutoff=0.5)
            hint = f"，是不是“{near[0]}”？" if near else f"（可选：{'、'.join(routes)}）"
            add("unknown-choice", f"{label} 的 {part} 表达式中的归口部门“{literal}”不是任何选项的 route{hint}")


def _choice_literal(field: Field, literal: Any, where: str, add: Add) -> None:
    values = list(field.choice_values)
    if literal in values:
        return
    alias_of = next((c.value for c in field.choices if literal in c.aliases), None)
    if alias_of is not None:
        add("unknown-choice", f"{where}中的“{literal}”是字段“{field.title}”选项“{alias_of}”的别名；读取时别名"
            f"已换为“{alias_of}”，规则中写别名永远不会相等，请写“{alias_of}”")
        return
    near = difflib.get_close_matches(str(literal), values, n=1, cutoff=0.5)
    hint = f"是不是“{near[0]}”？" if near else f"可选：{'、'.join(values)}"
    add("unknown-choice", f"{where}中的“{literal}”不是字段“{field.title}”的选项，规则永远不会生效；{hint}")


def _compared(node: ast.Node) -> Iterator[tuple[str, Any]]:
    """(field, literal) of each `field == lit`, `lit != field`, `field in [lits]`, `lit in field`."""
    if isinstance(node, ast.Binary):
        left, right = node.left, node.right
        if node.op in ("==", "!="):
            for a, b in ((left, right), (right, left)):
                if isinstance(a, ast.Name) and isinstance(b, ast.Literal) and b.value is not None:
                    yield a.name, b.value
        elif node.op == "in":
            if isinstance(left, ast.Name) and isinstance(right, ast.ListOf):
                for item in right.items:
                    if isinstance(item, ast.Literal) and item.value is not None:
                        yield left.name, item.value
            if isinstance(left, ast.Literal) and isinstance(right, ast.Name) and left.value is not None:
                yield right.name, left.value
    for child in _children(node):
        yield from _compared(child)


def _children(node: ast.Node) -> Iterator[ast.Node]:
    for value in vars(node).values():
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, ast.Node):
                    yield item
                elif isinstance(item, tuple):
                    yield from (i for i in item if isinstance(i, ast.Node))
