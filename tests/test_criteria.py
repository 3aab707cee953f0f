"""CEL criteria: bounds as Chinese law reads them, skipping, blanks, and safe messages."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.criteria import (
    compile_criterion,
    evaluate_row,
    months_between,
    render_message,
    row_context,
    row_variables,
)
from toolkit.identities import add_functions
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack

PACK = load_pack("jl-761-2020")
ANNEX = PACK.annex("projects")
PACK_IDS = ("jl-761-2020", "jl-gyhlw-2020", "jl-zgsz-2023", "js-zhjs-2020")


def _row_rules(which: Any) -> list[tuple[str, str]]:
    """(pack, rule) of every row criterion of the packs that `which(criterion, pack)` picks."""
    return sorted({(pid, c.id) for pid in PACK_IDS for c in load_pack(pid).criteria
                   if c.kind == "row" and which(c, load_pack(pid))})


def _row_rule(pack: Any, rule_id: str) -> Any:
    return next(c for c in pack.criteria if c.id == rule_id and c.kind == "row")


def _texts_and_names(source: str, keywords: set[str]) -> tuple[list[str], list[str]]:
    """The quoted texts of an expression, and the names it reads (`keywords` set aside)."""
    import re

    unquoted = re.sub(r"'[^']*'", "", source)
    return re.findall(r"'([^']*)'", source), sorted(set(re.findall(r"\b([a-z_][a-z0-9_]*)\b", unquoted)) - keywords)


def outcome(rule_id: str, **values: Any) -> str:
    rule = next(c for c in PACK.criteria if c.id == rule_id)
    record = {**example_record(ANNEX), **values}
    variables = row_variables(PACK, ANNEX, record)
    context = add_functions(row_context(variables), PACK.functions)  # as validate builds it
    return evaluate_row(compile_criterion(rule), variables, context).status


def test_500_wanyuan_is_enough_not_less_than_includes_the_bound() -> None:
    assert outcome("min-investment", category="大数据中心", total_investment=500) == "pass"
    assert outcome("min-investment", category="大数据中心", total_investment=499.99) == "fail"
    assert outcome("min-investment", category="人工智能", total_investment=1) == "skip"


def test_fifty_percent_includes_the_bound() -> None:
    assert outcome("bigdata-share", category="大数据中心", total_investment=1000, bigdata_investment=500) == "pass"
    assert outcome("bigdata-share", category="大数据中心", total_investment=1000, bigdata_investment=400) == "fail"


def test_blank_needed_value_fails_and_blank_condition_skips() -> None:
    assert outcome("planning-proposal", stage="谋划项目", proposal_done=None) == "fail"
    assert outcome("planning-proposal", stage=None) == "skip"


def test_new_projects_start_within_the_campaign_year() -> None:
    assert outcome("new-start-this-year", stage="新开工项目", start_date="2020-12") == "pass"
    assert outcome("new-start-this-year", stage="新开工项目", start_date="2021-01") == "fail"


@pytest.mark.parametrize(("uscc", "status"), [("91220101MA00000000", "pass"), ("91320101MA00000000", "fail")])
def test_registered_in_jilin(uscc: str, status: str) -> None:
    assert outcome("ai-registered-in-jilin", category="人工智能", uscc=uscc) == status


def test_individual_business_is_not_a_legal_person() -> None:
    assert outcome("ai-legal-person", category="人工智能", uscc="92220101MA00000000") == "fail"


@pytest.mark.parametrize("applicant", [
    "中国移动通信集团吉林有限公司", "中国移动通信集团吉林有限公司长春分公司", "中国联合网络通信有限公司吉林省分公司",
    "中国联合网络通信有限公司长春市分公司", "中国电信股份有限公司吉林分公司", "中国电信股份有限公司农安县分公司",
    "吉视传媒股份有限公司", "吉视传媒股份有限公司延边分公司", "中国铁塔股份有限公司吉林省分公司",
    "中国铁塔股份有限公司（长春市）分公司", "中国铁塔股份有限公司 长春市分公司", "中国铁塔股份有限公司(长春市)分公司",
])
def test_carriers_and_their_branches_may_build_5g(applicant: str) -> None:
    assert outcome("telecom-builder", category="5G基础设施", applicant=applicant) == "pass"
    assert outcome("telecom-builder", category="通信基础设施", applicant=applicant) == "pass"


@pytest.mark.parametrize("applicant", [
    "长春移动互联科技有限公司", "吉林省电信设备安装工程有限公司", "长春某科技有限公司", "吉林省铁塔钢结构有限公司",
    "中国移动", "吉林广电网络工程有限公司", "中国电信股份有限公司吉林分公司设计院有限公司",
])
def test_a_name_that_merely_contains_a_carrier_word_may_not_build_5g(applicant: str) -> None:
    """二、2: 只有具有相关资质的移动、联通、电信、广电、铁塔公司可以建设; these contain the words only."""
    assert outcome("telecom-builder", category="5G基础设施", applicant=applicant) == "fail"


def test_telecom_message_says_who_may_build() -> None:
    from toolkit.ingest.records import Record
    from toolkit.validate import validate

    record = Record(annex="projects", file="榆树市.xlsx", sheet="入库项目表", row=5,
                    values={**example_record(ANNEX), "category": "5G基础设施", "applicant": "长春移动互联科技有限公司"},
                    cells={"applicant": "F5"})
    found = [f for f in validate(PACK, [record]).findings if f.code == "criteria.telecom-builder"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].cell == "F5"
    assert "中国移动、中国联通、中国电信、中国广电（吉视传媒）、中国铁塔" in found[0].message
    assert "长春移动互联科技有限公司" in found[0].message and "二、2" in found[0].message


def test_another_pack_declares_its_own_list(tmp_path: Any) -> None:
    """A named list is data: a pack with other members (and codes) needs no code change."""
    import json
    import shutil

    from toolkit.packs.loader import builtin_root, load_pack

    folder = tmp_path / "pack"
    shutil.copytree(builtin_root() / "jl-761-2020", folder)
    raw = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    raw["identities"]["carriers"] = {"title": "江苏移动", "names": ["中国移动通信集团江苏有限公司{地名}分公司"],
                                     "codes": ["91320000"]}
    (folder / "pack.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    other = load_pack(folder)
    assert other.functions["listed"]("carriers", "中国移动通信集团江苏有限公司南京分公司")
    assert not other.functions["listed"]("carriers", "中国移动通信集团吉林有限公司")
    assert other.functions["listed"]("carriers", "某公司", "91320000MA1XXXXXXX")  # by its code
    raw["criteria"][0]["check"] = "listed('carrier', applicant)"
    (folder / "pack.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    from toolkit.packs.check import check_pack_dir

    assert any(f.code == "pack.unknown-list" and "carrier" in f.message for f in check_pack_dir(folder))


def test_message_placeholders_are_plain_substitution() -> None:
    assert render_message("占 {ratio}%，{x}", {"ratio": 40.0, "x": None}) == "占 40%，（空）"
    assert render_message("{a.__class__} {0}", {"a": 1}) == "{a.__class__} {0}"


def test_months_between() -> None:
    assert months_between("2019-01", "2021-01") == 24
    assert months_between("2020-07-15", "2020-09") == 2


# --- plain `when` conditions are tested in Python; they must say what CEL says

_SIMPLE_WHENS = _row_rules(lambda c, pack: c.when and compile_criterion(c).applies is not None)


def test_most_conditions_of_the_packs_are_plain() -> None:
    assert len(_SIMPLE_WHENS) >= 30  # else the fast path serves nothing


@pytest.mark.parametrize(("pack_id", "rule_id"), _SIMPLE_WHENS)
def test_a_plain_condition_agrees_with_cel(pack_id: str, rule_id: str) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.criteria import row_context

    pack = load_pack(pack_id)
    rule = _row_rule(pack, rule_id)
    compiled = compile_criterion(rule)
    assert compiled.when is not None and compiled.applies is not None
    texts, names = _texts_and_names(rule.when or "", {"in", "null"})
    value = st.one_of(st.none(), st.sampled_from(texts or ["x"]), st.text(max_size=5), st.floats(allow_nan=False),
                      st.booleans(), st.lists(st.sampled_from(texts or ["x"]), max_size=2))

    @settings(max_examples=80, deadline=None)
    @given(st.fixed_dictionaries({n: value for n in names}))
    def agree(variables: dict[str, Any]) -> None:
        try:
            cel_says = compiled.when.execute(row_context(variables)) is True
        except Exception:
            cel_says = False  # a condition that cannot be evaluated does not apply
        assert compiled.applies(variables) == cel_says, (rule.when, variables)

    agree()


def test_only_plain_conditions_take_the_python_path() -> None:
    from toolkit.criteria import simple_condition

    for source in ["category == \"人工智能\"", "total_investment > 500.0", "category == '人工智能' || stage == '谋划项目'",
                   "size(items) > 0", "uscc_kind(uscc) != '92'", "category == 'a\\'b'"]:
        assert simple_condition(source) is None, source
    both = simple_condition("category in ['人工智能', '工业互联网'] && enterprise_type != null")
    assert both is not None
    assert both({"category": "人工智能", "enterprise_type": "其他"})
    assert not both({"category": "人工智能", "enterprise_type": None})
    assert not both({"category": "大数据中心", "enterprise_type": "其他"})


@pytest.mark.parametrize("pack_id", ["jl-761-2020", "jl-gyhlw-2020", "jl-zgsz-2023", "js-zhjs-2020"])
def test_one_shared_context_gives_what_a_fresh_context_per_record_gives(pack_id: str) -> None:
    """Records checked one after another through the annex's shared context: no value of one
    record is seen by the next (a blank stays null), and every rule's outcome is the same."""
    from toolkit.criteria import SharedContext, annex_variable_names, row_context

    pack = load_pack(pack_id)
    for annex in pack.data_annexes:
        rules = [compile_criterion(c) for c in pack.criteria if c.kind == "row" and c.annex == annex.id]
        if rules:
            _shared_agrees(pack, annex, rules, SharedContext(annex_variable_names(annex)), row_context)


def _shared_agrees(pack: Any, annex: Any, rules: Any, shared: Any, row_context: Any) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    base = example_record(annex)
    keys = sorted(base)
    values = st.one_of(st.none(), st.sampled_from([v for v in base.values() if v is not None] or [1]))

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.dictionaries(st.sampled_from(keys), values, max_size=6), min_size=1, max_size=4))
    def agree(changes: list[dict[str, Any]]) -> None:
        for change in changes:
            variables = row_variables(pack, annex, {**base, **change})
            context = shared.use(variables)
            for rule in rules:
                assert evaluate_row(rule, variables, context) == evaluate_row(rule, variables, row_context(variables)), \
                    (rule.criterion.id, change)

    agree()


def test_a_failing_function_says_nothing_on_the_console(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    """months_between of a blank date fails the rule with a reason; the CEL library's own English
    warning about it does not reach the clerk's console."""
    from toolkit.criteria import compile_expression, row_context

    program, _, _ = compile_expression("months_between(start_date, end_date) > 1")
    with pytest.raises(Exception, match="months_between"):
        program.execute(row_context({"start_date": None, "end_date": "2020-07"}))
    assert [r for r in caplog.records if r.name.startswith("cel")] == []
    out, err = capfd.readouterr()
    assert "Python function" not in out + err


# --- plain checks: a record that surely passes skips CEL; the test must never pass what CEL fails

_SIMPLE_CHECKS = _row_rules(lambda c, pack: c.check and compile_criterion(c, {"campaign_year": pack.year}).passes
                            is not None)


def test_most_checks_of_the_packs_are_plain() -> None:
    assert len(_SIMPLE_CHECKS) >= 55  # else the fast path serves little


@pytest.mark.parametrize(("pack_id", "rule_id"), _SIMPLE_CHECKS)
def test_a_plain_check_passes_only_what_cel_passes(pack_id: str, rule_id: str) -> None:
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.criteria import row_context

    pack = load_pack(pack_id)
    rule = _row_rule(pack, rule_id)
    compiled = compile_criterion(rule, {"campaign_year": pack.year})
    assert compiled.check is not None and compiled.passes is not None
    source = rule.check or ""
    texts, names = _texts_and_names(source, {"in", "null", "true", "false"})
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", re.sub(r"'[^']*'", "", source))]
    words = [w for t in texts for w in t.split("|")]
    value = st.one_of(st.none(), st.booleans(), st.sampled_from(texts or ["x"]), st.text(max_size=8),
                      st.sampled_from(["2019-01", "2020-07", "2020-12", "2021", "2021-01", "2023-01", "2025-12", "2026"]),
                      st.builds(lambda a, w, b: a + w + b, st.text(max_size=3), st.sampled_from(words or ["x"]),
                                st.text(max_size=3)),
                      st.sampled_from(["92220101MA0000000X", "12345", "11010519491231002X",  # a valid 居民身份证 number
                                       *(f"91{t}0101MA0000000X" for t in texts)]),  # a credit code of the region
                      st.floats(allow_nan=False, allow_infinity=False),
                      st.sampled_from([*numbers, *(n * 2 for n in numbers), 0.0, -1.0]),
                      st.integers(-1000, 1000), st.sampled_from([0, 1, 0.0, 1.0, -0.0]),  # what Python takes for false/true
                      st.lists(st.sampled_from([*texts, *words] or ["x"]), max_size=2))
    annex = next(a for a in pack.data_annexes if a.id == rule.annex)
    example = row_variables(pack, annex, example_record(annex))  # a record that passes most rules
    said = {"pass": 0}

    @settings(max_examples=150, deadline=None, derandomize=True)  # the same examples each run: no flaky "none passed"
    @given(st.fixed_dictionaries({n: st.one_of(st.just(example.get(n)), value) for n in names}))
    def agree(variables: dict[str, Any]) -> None:
        variables = {**variables, "campaign_year": pack.year}
        if not compiled.passes(variables):
            return
        said["pass"] += 1
        try:
            cel_says = compiled.check.execute(row_context(variables))
        except Exception as exc:  # the assertion below names it
            cel_says = exc
        assert cel_says is True, (source, variables, cel_says)

    agree()
    assert said["pass"] > 0, source  # the test passed something, so it was compared with CEL


def test_plain_check_forms() -> None:
    from toolkit.criteria import simple_check

    for source in ["a >= b || c", "a >= null", "double(x) >= 5.0", "a * 2.0 >= b",
                   "a == 'x'", "a != false"]:
        assert simple_check(source) is None, source
    ratio = simple_check("bigdata_investment >= total_investment * 0.5")
    assert ratio is not None
    assert ratio({"bigdata_investment": 50.0, "total_investment": 100.0})
    assert not ratio({"bigdata_investment": 49.0, "total_investment": 100.0})
    assert not ratio({"bigdata_investment": None, "total_investment": 100.0})  # CEL says why
    pair = simple_check("completed_investment <= total_investment")
    assert pair is not None and pair({"completed_investment": 1.0, "total_investment": 2.0})
    for a, b in [([1], [2]), (False, True), (1, 2.0), ("1", 2.0)]:  # left to CEL
        assert not pair({"completed_investment": a, "total_investment": b}), (a, b)
    floor = simple_check("total_investment >= 500.0")
    assert floor is not None and floor({"total_investment": 500.0}) and not floor({"total_investment": 500})
    both = simple_check("end_date >= '2023-01' && start_date <= '2025-12'")
    assert both is not None and both({"end_date": "2023-05", "start_date": "2025-12"})
    assert not both({"end_date": "2022-12", "start_date": "2024-01"})
    assert simple_check("start_date < string(campaign_year + 1)") is None  # no constants given
    year = simple_check("start_date < string(campaign_year + 1)", {"campaign_year": 2020})
    assert year is not None and year({"start_date": "2020-12"}) and not year({"start_date": "2021-01"})
    assert simple_check("start_date < campaign_year + 1 || x", {"campaign_year": 2020}) is None
    region = simple_check("uscc_region(uscc).startsWith('22')")
    assert region is not None and region({"uscc": "91220101MA0000000X"}) and not region({"uscc": None})
    kind = simple_check("uscc_kind(uscc) != '92'")
    assert kind is not None and kind({"uscc": "91220101MA0000000X"}) and not kind({"uscc": "92220101MA0000000X"})
    telecom = simple_check("applicant.matches('移动|联通|铁塔')")
    assert telecom is not None and telecom({"applicant": "中国铁塔股份有限公司"}) and not telecom({"applicant": "某公司"})
    assert simple_check("applicant.matches('移动.*公司')") is None  # a real pattern: RE2 decides
    flag = simple_check("is_continuation != true")
    assert flag is not None and flag({"is_continuation": False}) and not flag({"is_continuation": None})
