"""jl-zgsz-2023 (制造业“智改数转”项目储备库, 数字吉林办〔2023〕5号): every criterion passes and
fails once.

行动方案三(一) supports interest on loans of 1年期及以上 and 不超过2亿元: both bounds pass at the
bound itself (1 year, 20000万元). Those two are hints (the project still enters the reserve, it
just gets no subsidy), so they are warnings that keep the row; a loan above the project's own
total investment is an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.criteria_cases import (
    fill_template,
    format_pass_and_fail,
    make_record,
    shift,
    template_cells,
    the_finding,
)
from tests.inbox_fixtures import code
from toolkit.ingest.inbox import ingest
from toolkit.ingest.records import Record
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack
from toolkit.validate import validate

PACK = load_pack("jl-zgsz-2023")
ANNEX = PACK.annex("reserve")
CELLS = template_cells(PACK, ANNEX)  # B5, C5, ... below the two header rows

# A 2024 project of a 吉林市 manufacturer with a 3-year loan of 3000万元 from a named bank.
BASE: dict[str, Any] = {
    **example_record(ANNEX),
    "county": "吉林高新区", "enterprise": "吉林化纤集团有限责任公司", "uscc": code("91220201MA0000000"),
    "sector": "原材料", "action": "实施龙头骨干企业引航示范行动", "project_name": "碳纤维原丝车间数字化改造项目",
    "content": "原丝生产线DCS升级、MES部署和设备联网", "total_investment": 12000.0, "loan_amount": 3000.0,
    "loan_term_years": 3.0, "loan_bank": "中国工商银行吉林分行", "start_date": "2024-03", "end_date": "2025-06",
    "contact": "赵刚", "phone": "0432-62345678", "remarks": None,
}
NO_LOAN = {"loan_amount": None, "loan_term_years": None, "loan_bank": None, "loan_date": None}

# criterion id -> (changes that pass, changes that fail)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "loan-term-min": ({"loan_term_years": 1.0}, {"loan_term_years": 0.5}),  # 1年期及以上
    "loan-amount-cap": ({"total_investment": 30000.0, "loan_amount": 20000.0},  # 不超过2亿元
                        {"total_investment": 30000.0, "loan_amount": 20000.5}),
    "loan-term-given": ({"loan_term_years": 2.0}, {"loan_term_years": None}),
    "loan-bank": ({"loan_bank": "吉林银行股份有限公司"}, {"loan_bank": None}),
    "loan-date-given": ({"loan_date": "2023-05"}, {"loan_date": None}),
    # 三(一) 当年获得: the pack's year is 2023; its first and last months count, the months around do not
    "loan-this-year": ({"loan_date": "2023-01"}, {"loan_date": "2022-12"}),
    "loan-term-without-amount": (NO_LOAN, {**NO_LOAN, "loan_term_years": 3.0, "loan_bank": "中国银行吉林分行"}),
    "loan-within-investment": ({"loan_amount": 12000.0}, {"loan_amount": 12000.5}),
    "registered-in-jilin": ({}, {"uscc": code("91210100MA0000000")}),  # 沈阳: a mother company's code?
    "not-individual": ({}, {"uscc": code("92220201MA0000000")}),
    "end-after-start": ({"start_date": "2024-03", "end_date": "2024-03"},
                        {"start_date": "2024-03", "end_date": "2024-02"}),
    # 2023—2025: a project that ends in 2023-01 or starts in 2025-12 still overlaps
    "within-plan-period": ({"start_date": "2025-12", "end_date": "2026-12"},
                           {"start_date": "2026-01", "end_date": "2026-12"}),
}


def record(changes: dict[str, Any], row: int = 5, file: str = "吉林市.xlsx") -> Record:
    return make_record(ANNEX, {**BASE, **changes}, CELLS, file, row)


def criterion(rule_id: str) -> Any:
    return next(c for c in PACK.criteria if c.id == rule_id)


def test_base_record_is_clean() -> None:
    result = validate(PACK, [record({})])
    assert result.findings == [] and len(result.accepted) == 1


def test_a_project_without_a_loan_is_clean() -> None:
    assert validate(PACK, [record(NO_LOAN)]).findings == []


def test_every_criterion_has_a_case() -> None:
    assert {c.id for c in PACK.criteria} == set(CASES)
    assert {(c.annex, c.kind) for c in PACK.criteria} == {("reserve", "row")}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_criterion_pass_and_fail(rule_id: str) -> None:
    passing, failing = CASES[rule_id]
    ok = validate(PACK, [record(passing)])
    assert ok.findings == [] and ok.accepted, ok.findings
    bad = validate(PACK, [record(failing)])
    crit = criterion(rule_id)
    finding = the_finding(PACK, crit, bad, CELLS)
    assert finding.clause == f"数字吉林办〔2023〕5号 {crit.clause}"


def test_only_a_loan_above_the_total_rejects() -> None:
    assert {c.id for c in PACK.criteria if c.severity == "error"} == {"loan-within-investment"}


def test_message_gives_the_loan_in_yi() -> None:
    (finding,) = validate(PACK, [record({"total_investment": 30000.0, "loan_amount": 25000.0})]).findings
    assert "贷款总额为 25,000 万元（2.5 亿元），超过2亿元" in finding.message


@pytest.mark.parametrize(("term", "ok"), [(1.0, True), (0.99, False), (1, True), (10.0, True)])
def test_one_year_and_above(term: float, ok: bool) -> None:
    codes = [f.code for f in validate(PACK, [record({"loan_term_years": term})]).findings]
    assert (codes == []) is ok and (ok or codes == ["criteria.loan-term-min"])


@pytest.mark.parametrize(("start", "end", "ok"), [("2022-01", "2023-01", True), ("2021-06", "2022-12", False),
                                                  ("2023-01", "2025-12", True), ("2025-12", "2027-12", True)])
def test_within_2023_to_2025(start: str, end: str, ok: bool) -> None:
    codes = [f.code for f in validate(PACK, [record({"start_date": start, "end_date": end})]).findings]
    assert ("criteria.within-plan-period" not in codes) is ok


def test_a_zero_loan_asks_for_no_term_or_bank() -> None:
    assert validate(PACK, [record({**NO_LOAN, "loan_amount": 0.0})]).findings == []


# --- JSON Schema formats declared on the fields


@pytest.mark.parametrize(
    ("key", "good", "bad", "needle"),
    [
        ("uscc", "911100001000080343", "911100001000080344", "校验位不符"),  # a published code, of 北京
        ("phone", "0432-62345678", "0432-6234", "电话"),
    ],
)
def test_declared_formats(key: str, good: str, bad: str, needle: str) -> None:
    format_pass_and_fail(PACK, lambda v: record({key: v}), CELLS, key, good, bad, needle)


def test_a_published_code_outside_jilin_is_a_warning_to_check() -> None:
    result = validate(PACK, [record({"uscc": "911100001000080343"})])
    assert [(f.code, f.severity, f.cell) for f in result.findings] == [("criteria.registered-in-jilin", "warning", "D5")]
    assert result.accepted


# --- the same cells when a city fills in the template itself


def test_a_filled_template_reads_back_at_the_same_cells(tmp_path: Path) -> None:
    rows = [BASE,
            {**BASE, "project_name": "聚丙烯腈聚合智能工厂", "total_investment": "3亿元", "loan_amount": "2.5亿元"},
            {**BASE, "project_name": "原液车间设备联网", "loan_term_years": "6个月"}]
    inbox = fill_template(PACK, ANNEX, tmp_path, "吉林市.xlsx", rows)
    result = ingest(PACK, [inbox])
    assert [r.row for r in result.records] == [5, 6, 7]
    assert all(r.cells == shift(CELLS, r.row) for r in result.records)
    assert {k: result.records[0].values[k] for k in BASE} == BASE
    assert result.records[1].values["loan_amount"] == 25000.0
    assert result.findings == []  # 6个月 in a column of 年 reads as 0.5 年
    assert result.records[2].values["loan_term_years"] == 0.5
    checked = validate(PACK, result.records, result.findings)
    assert ("criteria.loan-amount-cap", "J6") in [(f.code, f.cell) for f in checked.findings]
    # Half a year is below 三(一)'s 1年期及以上 for the subsidy: a warning; loans never block 入库
    assert [(f.code, f.cell) for f in checked.findings if f.row == 7] == [("criteria.loan-term-min", "K7")]
    assert [r.row for r in checked.accepted] == [5, 6, 7]


@pytest.mark.parametrize(("term", "years"), [("12个月", 1.0), ("一年期", 1.0), ("两年", 2.0), ("18个月", 1.5),
                                             ("半年", 0.5), ("三年期", 3.0), ("2年", 2.0), ("一年半", 1.5),
                                             ("11个月", 0.916667), ("36个月", 3.0)])
def test_loan_terms_written_in_words(tmp_path: Path, term: str, years: float) -> None:
    """三(一) 1年期及以上: the common written forms are read into 年; 12个月 is on the bound and passes."""
    inbox = fill_template(PACK, ANNEX, tmp_path, "吉林市.xlsx", [{**BASE, "loan_term_years": term}])
    result = ingest(PACK, [inbox])
    assert result.findings == [] and result.records[0].values["loan_term_years"] == years
    checked = validate(PACK, result.records, result.findings)
    assert checked.accepted and [f.code for f in checked.findings] == (["criteria.loan-term-min"] if years < 1 else [])


def test_an_unreadable_loan_term_is_a_warning_never_a_refusal(tmp_path: Path) -> None:
    inbox = fill_template(PACK, ANNEX, tmp_path, "吉林市.xlsx", [{**BASE, "loan_term_years": "按合同约定"}])
    result = ingest(PACK, [inbox])
    (unreadable,) = result.findings
    assert (unreadable.code, unreadable.severity, unreadable.cell) == ("value.unreadable", "warning", "K5")
    checked = validate(PACK, result.records, result.findings)
    assert checked.accepted and not checked.rejected
    # loan-term-given (有贷款的写明贷款期限) still asks, and says the cell could not be read
    (asked,) = [f for f in checked.findings if f.code == "criteria.loan-term-given"]
    assert "无法识别" in asked.message


def test_a_centrally_registered_code_is_not_called_out_of_province() -> None:
    from tests.inbox_fixtures import code

    result = validate(PACK, [record({"uscc": code("91100000MA0000000")})])
    (finding,) = result.findings
    assert finding.code == "criteria.registered-in-jilin" and finding.severity == "warning" and result.accepted
    assert "中央机关登记" in finding.message and "不是吉林省" not in finding.message


@pytest.mark.parametrize(("when", "ok"), [("2022-12", False), ("2023-01", True), ("2023-12", True),
                                          ("2024-01", False), ("2023-06-30", True)])
def test_loans_obtained_in_the_campaign_year(when: str, ok: bool) -> None:
    result = validate(PACK, [record({"loan_date": when})])
    assert ([f.code for f in result.findings] == []) is ok and result.accepted  # never blocks 入库
    if not ok:
        assert "不是2023年当年获得的贷款" in result.findings[0].message
