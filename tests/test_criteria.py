"""Criteria: bounds as Chinese law reads them, skipping, blanks, rules that cannot be evaluated, and safe messages."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.packs.criteria import (
    compile_criterion,
    evaluate_row,
    months_between,
    render_message,
    row_variables,
)
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack

PACK = load_pack("jl-761-2020")
ANNEX = PACK.annex("projects")


def outcome(rule_id: str, **values: Any) -> str:
    rule = next(c for c in PACK.criteria if c.id == rule_id)
    record = {**example_record(ANNEX), **values}
    variables = row_variables(PACK, ANNEX, record)
    return evaluate_row(compile_criterion(rule, PACK.functions), variables).status  # as validate compiles it


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

    from toolkit.packs.loader import load_pack
    from toolkit.packs.source import builtin_root

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
    from toolkit.packs.loader import check_pack_dir

    assert any(f.code == "pack.unknown-list" and "carrier" in f.message for f in check_pack_dir(folder))


def test_message_placeholders_are_plain_substitution() -> None:
    assert render_message("占 {ratio}%，{x}", {"ratio": 40.0, "x": None}) == "占 40%，（空）"
    assert render_message("{year}年 {n} 个 {amount}", {"year": 2020, "n": 3, "amount": 12000.5}) == "2020年 3 个 12,000.5"
    assert render_message("{a.__class__} {0}", {"a": 1}) == "{a.__class__} {0}"


def test_months_between() -> None:
    assert months_between("2019-01", "2021-01") == 24
    assert months_between("2020-07-15", "2020-09") == 2


# --- a rule that cannot be evaluated says so (issue 18): never "does not apply", never a believable refusal


def _rule(**changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(next(c for c in PACK.criteria if c.id == "min-investment"), **changes)


def _status(rule: Any, **values: Any) -> Any:
    record = {**example_record(ANNEX), "category": "大数据中心", **values}
    return evaluate_row(compile_criterion(rule, PACK.functions), row_variables(PACK, ANNEX, record))


def test_a_when_that_raises_on_filled_fields_is_an_error_not_a_skip() -> None:
    result = _status(_rule(when="total_investment > '5'"), total_investment=600.0)
    assert (result.status, result.part) == ("error", "when") and "文字" in (result.reason or "")


def test_a_check_that_raises_on_filled_fields_is_an_error_not_a_failure() -> None:
    result = _status(_rule(check="total_investment >= '500'"), total_investment=600.0)
    assert (result.status, result.part) == ("error", "check")


def test_a_blank_keeps_its_meaning() -> None:
    """A blank the `when` reads: not applicable; a blank the `check` needs: fails, saying why."""
    assert _status(_rule(when="total_investment > 5.0"), total_investment=None).status == "skip"
    failed = _status(_rule(), total_investment=None)
    assert failed.status == "fail" and failed.reason


def test_a_rule_error_is_an_error_finding_naming_the_rule() -> None:
    import dataclasses

    from toolkit.ingest.records import Record
    from toolkit.validate import validate

    pack = dataclasses.replace(PACK, criteria=(_rule(check="total_investment >= '500'"),))
    record = {**example_record(ANNEX), "category": "大数据中心", "total_investment": 600.0}
    result = validate(pack, [Record("projects", record, "a.xlsx", "入库项目表", 5, {})])
    (finding,) = result.findings
    assert (finding.code, finding.severity) == ("criteria.min-investment", "error")
    assert "无法" in finding.message and "total_investment >= '500'" in finding.message
    assert result.rejected and not result.accepted


def test_a_warning_rule_that_cannot_be_evaluated_is_still_an_error() -> None:
    import dataclasses

    from toolkit.ingest.records import Record
    from toolkit.validate import validate

    pack = dataclasses.replace(PACK, criteria=(_rule(severity="warning", check="size(total_investment) > 0"),))
    record = {**example_record(ANNEX), "category": "大数据中心", "total_investment": 600.0}
    (finding,) = validate(pack, [Record("projects", record, "a.xlsx", "入库项目表", 5, {})]).findings
    assert finding.severity == "error"


@pytest.mark.parametrize("pack_id", ["jl-761-2020", "jl-gyhlw-2020", "jl-zgsz-2023", "js-zhjs-2020"])
def test_the_one_call_decision_agrees_with_the_full_evaluation(pack_id: str) -> None:
    """`Compiled.decide` (what validate asks first) gives a pass or a skip only where `evaluate_row`
    does, on records with any field changed to another filled or blank value."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pack = load_pack(pack_id)
    for annex in pack.data_annexes:
        rules = [compile_criterion(c, pack.functions) for c in pack.criteria if c.kind == "row" and c.annex == annex.id]
        if not rules:
            continue
        base = example_record(annex)
        others = [v for v in base.values() if v is not None] + [None, "", 0.0, 500.0, "x", True, False]

        @settings(max_examples=40, deadline=None, derandomize=True)
        @given(st.dictionaries(st.sampled_from(sorted(base)), st.sampled_from(others), max_size=6))
        def agree(change: dict[str, Any]) -> None:
            variables = row_variables(pack, annex, {**base, **change})  # noqa: B023
            for rule in rules:  # noqa: B023
                quick = rule.decide(variables)
                assert quick is None or quick == evaluate_row(rule, variables), (rule.criterion.id, change)

        agree()
