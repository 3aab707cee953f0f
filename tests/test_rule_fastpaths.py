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

    agree()


def test_a_guard_on_a_name_the_variables_lack_leaves_the_rule_to_decide() -> None:
    pack = load_pack("jl-761-2020")
    rules = [compile_criterion(c, pack.functions) for c in pack.criteria if c.kind == "row"]
    selector = RuleSelector(rules)
    assert selector.select({}) == selector.rules
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
