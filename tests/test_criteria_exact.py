"""Issue 18: verdicts at every numeric bound of every built-in pack, in the notice's units (万元),
with amounts whose binary doubles do not add up (512.31 - 212.31, 1234.50 × 0.3), and messages that
never contradict their verdict."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.expression import syntax as ast
from toolkit.ingest.records import Record
from toolkit.packs.criteria import compile_criterion, evaluate_row, render_message, row_variables
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack
from toolkit.packs.model import Criterion, Pack
from toolkit.validate import validate

PACK_IDS = ("jl-761-2020", "jl-gyhlw-2020", "jl-zgsz-2023", "js-zhjs-2020")
CENT = Decimal("0.01")  # 100 元: the smallest step a 万元 column shows


@functools.cache
def _pack(pack_id: str) -> Pack:
    return load_pack(pack_id)


@functools.cache
def _prepared(pack_id: str, rule_id: str) -> tuple[Pack, Any, dict[str, Any]]:
    pack = _pack(pack_id)
    crit = _rule(pack, rule_id)
    return pack, compile_criterion(crit, pack.functions), example_record(pack.annex(crit.annex))


def _rule(pack: Pack, rule_id: str) -> Criterion:
    return next(c for c in pack.criteria if c.id == rule_id and c.kind == "row")


def _judge(pack_id: str, rule_id: str, values: dict[str, Any]) -> tuple[str, str]:
    """(status, message) of one rule on a record whose amounts are the doubles a reader gives."""
    pack, compiled, base = _prepared(pack_id, rule_id)
    crit = compiled.criterion
    annex = pack.annex(crit.annex)
    record = {**base, **{k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()}}
    variables = row_variables(pack, annex, record)
    outcome = evaluate_row(compiled, variables)
    return outcome.status, render_message(crit.message, {**variables, **outcome.values})


# --- the cases of the issue


def test_zhjs_512_31_with_212_31_civil_is_300_wanyuan() -> None:
    assert _judge("js-zhjs-2020", "min-investment", {"total_investment": 512.31, "civil_investment": 212.31})[0] == "pass"
    status, message = _judge("js-zhjs-2020", "min-investment", {"total_investment": 512.30, "civil_investment": 212.31})
    assert status == "fail" and "后为 299.99 万元，低于300万元" in message


def test_761_a_share_of_49_999_percent_says_so() -> None:
    status, message = _judge("jl-761-2020", "bigdata-share",
                             {"category": "大数据中心", "total_investment": 1000.0, "bigdata_investment": 499.99})
    assert status == "fail" and "占总投资 49.999%，低于 50%" in message
    assert _judge("jl-761-2020", "bigdata-share", {"category": "大数据中心", "total_investment": 1234.5,
                                                  "bigdata_investment": 617.25})[0] == "pass"


def test_761_a_share_just_under_half_never_shows_50() -> None:
    status, message = _judge("jl-761-2020", "bigdata-share",
                             {"category": "大数据中心", "total_investment": 99999999.99, "bigdata_investment": 49999999.99})
    assert status == "fail" and "占总投资 49.99999999%" in message


def test_zgsz_a_loan_just_over_2_yi_says_so() -> None:
    status, message = _judge("jl-zgsz-2023", "loan-amount-cap", {"loan_amount": 20000.01})
    assert status == "fail" and "（2.000001 亿元），超过2亿元" in message
    assert _judge("jl-zgsz-2023", "loan-amount-cap", {"loan_amount": 20000.0})[0] == "pass"


def test_a_pack_authors_thirty_percent_rule_is_exact() -> None:
    """`provincial_funds <= total_investment * 0.3`, written as the README says (here on 761's fields):
    370.35 of 1234.50 is exactly 30 % and passes; 370.36 fails and the message shows the 最多."""
    pack = load_pack("jl-761-2020")
    rule = dataclasses.replace(_rule(pack, "bigdata-within-total"), when=None,
                               check="bigdata_investment <= total_investment * 0.3",
                               values={"cap": "total_investment * 0.3"},
                               message="超过30%（最多 {cap} 万元）")
    annex = pack.annex("projects")
    record = {**example_record(annex), "total_investment": 1234.5, "bigdata_investment": 370.35}
    passing = dataclasses.replace(pack, criteria=(rule,))
    assert validate(passing, [Record("projects", record, "a.xlsx", "s", 5, {})]).findings == []
    over = {**record, "bigdata_investment": 370.36}
    (finding,) = validate(passing, [Record("projects", over, "a.xlsx", "s", 5, {})]).findings
    assert "超过30%（最多 370.35 万元）" in finding.message


def test_a_formula_result_is_what_the_cell_shows() -> None:
    """0.1 + 0.2 typed as a formula is the double 0.30000000000000004; ingest keeps six decimals, and
    the rules compute on decimals from there: 300.1 + 0.2 = 300.3, not 300.30000000000001."""
    status, _ = _judge("js-zhjs-2020", "min-investment", {"total_investment": 300.1 + 0.2, "civil_investment": 0.3})
    assert status == "pass"


# --- every numeric bound of every pack: just inside, on, just outside

amount = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


def _shown(d: Decimal) -> str:
    """An amount as a clerk writes it: 1.1, 500, 12,000.5."""
    return f"{d.normalize():,f}"


# rule -> (record changes that make the rule apply, the amount x -> the record at the bound, the field
# moved by a step, +1 when a larger value passes)
Bound = tuple[dict[str, Any], Callable[[Decimal], dict[str, Decimal]], str, int]
BOUNDS: dict[tuple[str, str], Bound] = {
    ("jl-761-2020", "bigdata-share"): ({"category": "大数据中心"},
                                       lambda x: {"total_investment": x, "bigdata_investment": x * Decimal("0.5")},
                                       "bigdata_investment", +1),
    ("jl-761-2020", "min-investment"): ({"category": "大数据中心"}, lambda x: {"total_investment": Decimal(500)},
                                        "total_investment", +1),
    ("jl-761-2020", "bigdata-within-total"): ({}, lambda x: {"total_investment": x, "bigdata_investment": x},
                                              "bigdata_investment", -1),
    ("jl-761-2020", "completed-within-total"): ({}, lambda x: {"total_investment": x, "completed_investment": x},
                                                "completed_investment", -1),
    ("jl-gyhlw-2020", "not-loss-making"): ({}, lambda x: {"profit_2019": Decimal(0)}, "profit_2019", +1),
    ("jl-gyhlw-2020", "debt-ratio"): ({}, lambda x: {"debt_ratio_2019": Decimal(100)}, "debt_ratio_2019", -1),
    ("jl-gyhlw-2020", "platform-local-users"): ({"category": "行业级工业互联网平台项目"},
                                                lambda x: {"local_users": Decimal(5)}, "local_users", +1),
    ("jl-gyhlw-2020", "research-talents"): ({"category": "新型创新研发机构项目", "institution_kind": "工业互联网研究机构"},
                                            lambda x: {"high_end_talents": Decimal(1)}, "high_end_talents", +1),
    ("jl-zgsz-2023", "loan-term-min"): ({}, lambda x: {"loan_term_years": Decimal(1)}, "loan_term_years", +1),
    ("jl-zgsz-2023", "loan-amount-cap"): ({}, lambda x: {"loan_amount": Decimal(20000)}, "loan_amount", -1),
    ("jl-zgsz-2023", "loan-within-investment"): ({}, lambda x: {"total_investment": x, "loan_amount": x},
                                                 "loan_amount", -1),
    ("js-zhjs-2020", "min-investment"): ({}, lambda x: {"civil_investment": x, "total_investment": x + 300},
                                         "total_investment", +1),
    ("js-zhjs-2020", "civil-within-total"): ({}, lambda x: {"total_investment": x, "civil_investment": x},
                                             "civil_investment", -1),
}
# `loan_amount > 0.0` in a `when`: the rule applies from the first 100 元 of a loan.
WHEN_BOUNDS = {("jl-zgsz-2023", "loan-term-given"), ("jl-zgsz-2023", "loan-bank"), ("jl-zgsz-2023", "loan-date-given")}
INTEGER_BOUNDS = {"platform-local-users", "research-talents"}  # counts: a step is one


def _numeric_bounds() -> set[tuple[str, str]]:
    """(pack, rule) of every row rule that orders (< <= > >=) something computed from a number field."""
    found = set()
    for pid in PACK_IDS:
        pack = load_pack(pid)
        for crit in pack.criteria:
            if crit.kind != "row":
                continue
            numeric = {f.key for f in pack.annex(crit.annex).fields if f.type in ("number", "integer")}
            compiled = compile_criterion(crit, pack.functions)
            for expression in (compiled.when, compiled.check):
                if expression is not None and _orders(expression.tree, numeric):
                    found.add((pid, crit.id))
    return found


def _orders(node: ast.Node, numeric: set[str]) -> bool:
    if isinstance(node, ast.Binary) and node.op in ("<", "<=", ">", ">=") and _reads(node, numeric):
        return True
    return any(_orders(child, numeric) for child in _children(node))


def _reads(node: ast.Node, names: set[str]) -> bool:
    return (isinstance(node, ast.Name) and node.name in names) or any(_reads(c, names) for c in _children(node))


def _children(node: ast.Node) -> list[ast.Node]:
    out: list[ast.Node] = []
    for value in vars(node).values():
        out.extend([value] if isinstance(value, ast.Node) else [v for v in value if isinstance(v, ast.Node)]
                   if isinstance(value, tuple) else [])
    return out


def test_every_numeric_bound_of_every_pack_is_tested_here() -> None:
    assert _numeric_bounds() == set(BOUNDS) | WHEN_BOUNDS


@pytest.mark.parametrize(("pack_id", "rule_id"), sorted(BOUNDS))
def test_at_the_bound_inside_and_outside(pack_id: str, rule_id: str) -> None:
    applies, at_bound, moved, passes_up = BOUNDS[(pack_id, rule_id)]
    integer = rule_id in INTEGER_BOUNDS
    step = Decimal(1) if integer else CENT

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(amount)
    def verdicts(x: Decimal) -> None:
        on = {k: int(v) if integer else v for k, v in at_bound(x).items()}
        inside = {**on, moved: on[moved] + passes_up * step}
        outside = {**on, moved: on[moved] - passes_up * step}
        assert _judge(pack_id, rule_id, {**applies, **on})[0] == "pass", on  # 以上/以下/不超过 include the bound
        assert _judge(pack_id, rule_id, {**applies, **inside})[0] == "pass", inside
        status, message = _judge(pack_id, rule_id, {**applies, **outside})
        assert status == "fail", outside
        shown = _shown(outside[moved]) if not integer else str(outside[moved])
        assert shown in message or moved not in _rule(_pack(pack_id), rule_id).message, (message, shown)
        doubles["wrong"] += _doubles_refuse(pack_id, rule_id, {**applies, **on})

    doubles = {"wrong": 0}
    verdicts()
    if (pack_id, rule_id) == ("js-zhjs-2020", "min-investment"):  # the cases reached the binary trap
        assert doubles["wrong"] > 0


def _doubles_refuse(pack_id: str, rule_id: str, values: dict[str, Any]) -> bool:
    """Whether the CEL bindings, on the doubles a reader gives, refuse this record."""
    from tests.test_expression import cel
    from toolkit.packs.criteria import FUNCTIONS

    pack, compiled, base = _prepared(pack_id, rule_id)
    numbers = {f.key for f in pack.annex(compiled.criterion.annex).fields if f.type == "number"}
    record = {**base, **values}
    record = {k: float(v) if k in numbers and v is not None else v for k, v in record.items()}
    context = cel.Context(variables={**record, "campaign_year": pack.year}, functions=FUNCTIONS)
    return cel.compile(compiled.criterion.check).execute(context) is False


@pytest.mark.parametrize(("pack_id", "rule_id"), sorted(WHEN_BOUNDS))
def test_a_when_at_its_bound(pack_id: str, rule_id: str) -> None:
    blank = {"loan_term_years": None, "loan_bank": None, "loan_date": None}
    assert _judge(pack_id, rule_id, {**blank, "loan_amount": 0.0})[0] == "skip"
    assert _judge(pack_id, rule_id, {**blank, "loan_amount": 0.01})[0] == "fail"


@functools.cache
def _share_rule(share: str) -> Any:
    pack = _pack("jl-761-2020")
    rule = dataclasses.replace(_rule(pack, "bigdata-within-total"), when=None,
                               check=f"bigdata_investment <= total_investment * {share}")
    return compile_criterion(rule, pack.functions)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(amount, st.sampled_from(["0.3", "0.5", "0.25", "0.7"]))
def test_a_share_is_exact_at_every_amount(total: Decimal, share: str) -> None:
    """`part <= total * share` with part = total × share exactly: doubles refuse many of these
    (tests/test_expression.py shows 370.35 of 1234.50); decimals refuse none, and refuse 100 元 more."""
    pack, _, base = _prepared("jl-761-2020", "bigdata-within-total")
    annex = pack.annex("projects")
    part = total * Decimal(share)
    for value, status in ((part, "pass"), (part + CENT, "fail")):
        record = {**base, "total_investment": float(total), "bigdata_investment": float(value)}
        assert evaluate_row(_share_rule(share), row_variables(pack, annex, record)).status == status, (total, value)
