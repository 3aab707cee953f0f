"""The checks' fast paths give what the general ones give: the rule selector (a rule left out skips),
on records of every built-in pack with the values its rules name, blanks and wrong kinds of value."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from toolkit.packs.criteria import (
    RuleSelector,
    compile_criterion,
    evaluate_row,
    guards,
    only_guards,
    row_variables,
)
from toolkit.packs.loader import load_pack
from toolkit.packs.model import Annex, Field, Pack

PACK_IDS = ("jl-761-2020", "jl-gyhlw-2020", "jl-zgsz-2023", "js-zhjs-2020")
ANNEXES = [(pid, a.id) for pid in PACK_IDS for a in load_pack(pid).data_annexes
           if any(c.annex == a.id and c.kind == "row" for c in load_pack(pid).criteria)]


def _texts(pack: Pack, annex: Annex) -> list[str]:
    """Every text literal of the annex's rules: the values their guards name."""
    sources = [s for c in pack.criteria if c.annex == annex.id and c.kind == "row" for s in (c.when, c.check) if s]
    return sorted({t for s in sources for t in re.findall(r"'([^']*)'", s)})


def _records(pack: Pack, annex: Annex) -> Any:
    from hypothesis import strategies as st

    texts = _texts(pack, annex) or ["x"]
    wrong = st.sampled_from(["", " ", "abc", "５００", 1.5, 0, True, Decimal("500"), ["a"]])

    def value_of(f: Field) -> Any:
        kinds: dict[str, Any] = {
            "number": st.one_of(st.integers(0, 600), st.sampled_from([0.0, 499.99, 500.0, 500.01, 1e9])),
            "integer": st.integers(-5, 50),
            "text": st.one_of(st.sampled_from(texts), st.text(max_size=4)),
            "date": st.sampled_from(["2019-01", "2020-07", "2021-01", "2020-07-15"]),
            "choice": st.sampled_from([*f.choice_values, *texts]),
            "bool": st.booleans(),
        }
        return st.one_of(st.none(), kinds.get(f.type, st.none()), wrong)

    return st.fixed_dictionaries({f.key: value_of(f) for f in annex.fields})


@pytest.mark.parametrize(("pack_id", "annex_id"), ANNEXES)
def test_a_rule_the_selector_leaves_out_skips(pack_id: str, annex_id: str) -> None:
    from hypothesis import given, settings

    pack = load_pack(pack_id)
    annex = pack.annex(annex_id)
    rules = [compile_criterion(c, pack.functions) for c in pack.criteria if c.annex == annex_id and c.kind == "row"]
    selector = RuleSelector(rules)
    assert any(guards(r.when) for r in rules)  # the selector has something to do

    @settings(max_examples=150, deadline=None, derandomize=True)
    @given(_records(pack, annex))
    def agree(record: dict[str, Any]) -> None:
        variables = row_variables(pack, annex, record)
        chosen = selector.select(variables)
        assert list(chosen) == [r for r in rules if r in chosen]  # the annex's order
        for rule in rules:
            if rule not in chosen:
                assert evaluate_row(rule, variables).status == "skip", (rule.criterion.id, record)
        for rule, decide in selector.deciders(variables):  # decide_check where the guards are the when
            assert decide(variables) == rule.decide(variables), (rule.criterion.id, record)

    agree()


def test_a_guard_on_a_name_the_variables_lack_leaves_the_rule_to_decide() -> None:
    pack = load_pack("jl-761-2020")
    rules = [compile_criterion(c, pack.functions) for c in pack.criteria if c.kind == "row"]
    selector = RuleSelector(rules)
    assert selector.select({}) == selector.rules
    assert all(decide is rule.decide for rule, decide in selector.deciders({}))  # no guard known to hold
    chosen = {r.criterion.id: (r, d) for r, d in selector.deciders({"category": "人工智能", "stage": "谋划项目"})}
    rule, decide = chosen["ai-subtype"]
    assert decide is rule.decide_check  # its when is category == '人工智能'
    rule, decide = chosen["ai-registered-in-jilin"]
    assert decide is rule.decide  # its when is more than guards
    assert len(selector.select({"category": None, "stage": None})) < len(rules)


@pytest.mark.parametrize(("source", "found"), [
    ("a == 'x'", [("a", {"x"})]),
    ("a in ['x', 'y'] && (b != null && c == 'z')", [("a", {"x", "y"}), ("b", None), ("c", {"z"})]),
    ("f(a) && a != null", [("a", None)]),
    ("a == 'x' || b == 'y'", []),  # either may hold
    ("!(a == 'x')", []),
    ("a != 'x'", []),
    ("a == null", []),
    ("a in ['x', 1]", []),
    ("'x' == a", []),
])
def test_guards_are_only_conjuncts_that_must_hold(source: str, found: list[tuple[str, set[str] | None]]) -> None:
    from toolkit.expression.evaluate import compile_expression

    expression = compile_expression(source, {"f": lambda v: True})
    assert [(g.key, None if g.texts is None else set(g.texts)) for g in guards(expression)] == found
    assert only_guards(expression) is (bool(found) and "f(" not in source)


# --- two fields compared at once (`completed_investment <= total_investment`) give the general result

_VALUES = [None, "", "2020-07", "2020-12", "2021-01", "2020-07-15", "５００", "500", True, False, 0, 500, 500.0, 499.99,
           Decimal("500"), Decimal("500.00"), Decimal("499.99"), Decimal("500.01"), Decimal("-0"), Decimal("0"),
           Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"), ["a"], {"a": 1}]


def _outcome(expression: Any, env: dict[str, Any]) -> Any:
    from toolkit.expression.evaluate import RuleError

    try:
        return expression.run(env)
    except RuleError as exc:
        return ("error", exc.message, exc.null)


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_two_fields_compared_at_once_agree_with_the_general_operation(op: str) -> None:
    """`dyn(x)` is not a plain name, so the same test written with it goes the general way; every
    pair of values, the bound itself (500 and 500.00), blanks, texts, NaN, and a missing name."""
    from toolkit.packs.criteria import compile_expression

    fast = compile_expression(f"x {op} y")
    general = compile_expression(f"dyn(x) {op} y")
    for x in _VALUES:
        for y in _VALUES:
            assert _outcome(fast, {"x": x, "y": y}) == _outcome(general, {"x": x, "y": y}), (x, y)
        assert _outcome(fast, {"x": x}) == _outcome(general, {"x": x}), x
        assert _outcome(fast, {"y": x}) == _outcome(general, {"y": x}), x


def test_an_amount_at_the_bound_of_another_is_within_it() -> None:
    from toolkit.packs.criteria import compile_expression

    within = compile_expression("completed_investment <= total_investment")
    assert within.run({"completed_investment": Decimal("500.00"), "total_investment": Decimal("500")}) is True
    assert within.run({"completed_investment": Decimal("500.01"), "total_investment": Decimal("500")}) is False


# --- a remembered function gives what the function gives, every time


def test_a_remembered_function_gives_its_own_results_and_raises_each_time() -> None:
    from toolkit.packs.criteria import FUNCTIONS, remembered
    from toolkit.packs.identities import is_branch_name

    calls: list[tuple[Any, ...]] = []

    def counted(*args: Any) -> Any:
        calls.append(args)
        return FUNCTIONS["months_between"](*args)

    months = remembered(counted)
    for _ in range(2):
        assert months("2020-07", "2021-01") == 6
    assert len(calls) == 1  # asked once
    branch = remembered(is_branch_name)
    for name in ["长春分公司", "长春（分公司）", "某某公司", "", "　分公司 ", "长春分公司"]:
        assert branch(name) is is_branch_name(name)
    for _ in range(2):
        with pytest.raises(TypeError):
            branch(None)
        with pytest.raises(ValueError):
            months("2020", "x")
    listing = remembered(lambda *a: list(a))
    assert listing("a") is not listing("a")  # a list is made anew, never shared between rows


def test_rules_with_remembered_functions_decide_as_the_functions_do() -> None:
    """The pack's rules that call them, on rows whose applicant, code and dates repeat."""
    from toolkit.expression.evaluate import compile_expression as plain_compile
    from toolkit.packs.criteria import FUNCTIONS, REMEMBERED, compile_expression

    pack = load_pack("jl-761-2020")
    annex = pack.annex("projects")
    sources = {s for c in pack.criteria if c.kind == "row" for s in (c.when, c.check, *c.values.values())
               if s and any(f"{name}(" in s for name in REMEMBERED)}
    assert len(sources) >= 5
    rows = [{"category": cat, "applicant": name, "uscc": code, "start_date": "2020-07", "end_date": "2021-01"}
            for cat in ("人工智能", "工业互联网", "5G基础设施")
            for name in ("中国移动通信集团吉林有限公司长春分公司", "长春移动互联科技有限公司", None, "某公司（分公司）")
            for code in ("91220101MA0000000X", "11100000MA0000000X", None)] * 2
    for source in sorted(sources):
        ours = compile_expression(source, pack.functions)
        theirs = plain_compile(source, {**FUNCTIONS, **pack.functions})
        for row in rows:
            variables = row_variables(pack, annex, row)
            assert _outcome(ours, variables) == _outcome(theirs, variables), (source, row)
