"""js-zhjs-2020 (智慧江苏重点工程, 苏信息化办〔2020〕4号): every criterion passes and fails once.

The row criteria check the 推荐项目汇总表 (annex `recommended`) and the 申报表 form alike; the 300万元 bound, the 2019年1月
bound and the 18–30 month hint are tested at the bound itself (以上/不早于 include it). The
per-applicant limit counts across every file of the batch, so its cases are batches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.criteria_cases import (
    fill_template,
    format_pass_and_fail,
    ingest_one,
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

PACK = load_pack("js-zhjs-2020")
ANNEX = PACK.annex("recommended")
CELLS = template_cells(PACK, ANNEX)  # B5, C5, ... below the two header rows
USCC = code("11320115MB0000000")  # 江宁区 (320115), a 机关 (11)

# A project that meets every criterion: 江宁区 数字治理类, 800万元 of which 100万元 土建, 22 months.
BASE: dict[str, Any] = {
    **example_record(ANNEX),
    "city": "南京市", "county": "江宁区", "project_name": "江宁区智慧医疗影像云平台", "category": "数字治理类",
    "applicant": "南京市江宁区卫生健康委员会", "uscc": USCC, "partner": None, "ownership_note": None,
    "total_investment": 800.0, "civil_investment": 100.0, "start_date": "2020-03", "end_date": "2021-12",
    "is_continuation": False, "summary": "区域医学影像云平台，覆盖全区基层医疗机构", "contact": "王明",
    "phone": "025-52101234", "remarks": None,
}
PARTNER = {"partner": "南京医联智影科技有限公司", "ownership_note": "平台归区卫健委所有，开发单位负责建设和三年运维"}
ECONOMY = {"category": "数字经济类", "project_name": "江宁区跨境电子商务公共服务平台", "applicant": "南京江宁跨境电商服务有限公司",
           "uscc": code("91320115MA1000000")}

# row criterion id -> (changes that pass, changes that fail)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "applicant-in-jiangsu": ({}, {"uscc": code("11220102MB0000000")}),  # registered in 吉林
    # 一(一) 省内单位: a 部属高校 in 南京 has a code of region 100000; the clerk confirms, it is not refused
    "applicant-registration-confirm": ({}, {"applicant": "河海大学", "uscc": code("12100000MB0000000")}),
    "applicant-not-individual": (ECONOMY, {**ECONOMY, "uscc": code("92320115MA1000000")}),
    "partner-ownership": (PARTNER, {**PARTNER, "ownership_note": None}),
    "partner-differs": (PARTNER, {**PARTNER, "partner": BASE["applicant"]}),
    # 300万元以上（不包含土建工程）: 400 - 100 = 300 is enough, 299.5 is not
    "min-investment": ({"total_investment": 400.0, "civil_investment": 100.0},
                       {"total_investment": 400.0, "civil_investment": 100.5}),
    "civil-within-total": ({"civil_investment": 0.0}, {"civil_investment": 900.0}),
    "start-not-before-2019": ({"start_date": "2019-01", "end_date": "2020-12"},
                              {"start_date": "2018-12", "end_date": "2020-12"}),
    "end-after-start": ({"start_date": "2020-01", "end_date": "2021-12"},
                        {"start_date": "2021-01", "end_date": "2020-12"}),
    # 18 months counting both ends is still "about two years"; 8 is not
    "period-about-two-years": ({"start_date": "2020-01", "end_date": "2021-06"},
                               {"start_date": "2020-03", "end_date": "2020-10"}),
    "no-continuation": ({"is_continuation": False}, {"is_continuation": True}),
    "phase-in-name": ({"project_name": "江宁区十四五期间智慧养老服务平台"},
                      {"project_name": "江宁区智慧医疗影像云平台二期工程"}),
    "digital-economy-exclusions": (ECONOMY, {**ECONOMY, "project_name": "江宁区汽车零部件生产线智能化改造项目"}),
}

# group criterion id -> (batch that passes, batch that fails): (file, row, changes) per record
Batch = list[tuple[str, int, dict[str, Any]]]
TELECOM = {"applicant": "中国电信股份有限公司南京分公司", "uscc": code("91320100MA2000000"), "category": "数字基建类"}
GROUP_CASES: dict[str, tuple[Batch, Batch]] = {
    "max-two-per-applicant": (
        [("江宁区.xlsx", 5, {**TELECOM, "project_name": "江宁区5G智慧园区专网"}),
         ("鼓楼区.xlsx", 5, {**TELECOM, "project_name": "鼓楼区千兆光网城市示范"})],
        [("江宁区.xlsx", 5, {**TELECOM, "project_name": "江宁区5G智慧园区专网"}),
         ("江宁区.xlsx", 6, {**TELECOM, "project_name": "江宁区物联网感知平台"}),
         ("鼓楼区.xlsx", 5, {**TELECOM, "project_name": "鼓楼区千兆光网城市示范"})],
    ),
}


def record(changes: dict[str, Any], row: int = 5, file: str = "江宁区.xlsx") -> Record:
    return make_record(ANNEX, {**BASE, **changes}, CELLS, file, row)


def batch(members: Batch) -> list[Record]:
    return [record(changes, row, file) for file, row, changes in members]


def criterion(rule_id: str) -> Any:
    return next(c for c in PACK.criteria if c.id == rule_id)


def test_base_record_is_clean() -> None:
    result = validate(PACK, [record({})])
    assert result.findings == [] and len(result.accepted) == 1


FORM_ONLY = {"in-plan", "in-plan-given"}  # 二、2 纳入规划: asked on the 申报表, not in the 推荐汇总表


def test_row_criteria_check_the_table_and_the_form_and_the_limit_counts_the_table() -> None:
    """A project sent only as a 申报表 (市本级, a provincial unit) is held to the same bounds; the
    two-per-applicant limit counts the 推荐汇总表, where every recommended project is listed."""
    row = {c.id for c in PACK.criteria if c.kind == "row"}
    assert {c.id for c in PACK.criteria if c.kind == "row" and c.annex == "recommended"} == row - FORM_ONLY
    assert {c.id for c in PACK.criteria if c.kind == "row" and c.annex == "application"} == row
    assert {(c.id, c.annex) for c in PACK.criteria if c.kind == "group"} == {(k, "recommended") for k in GROUP_CASES}


def test_every_criterion_has_a_case() -> None:
    assert {c.id for c in PACK.criteria} == set(CASES) | set(GROUP_CASES) | set(FORM_CASES)
    assert not set(CASES) & set(GROUP_CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_criterion_pass_and_fail(rule_id: str) -> None:
    passing, failing = CASES[rule_id]
    ok = validate(PACK, [record(passing)])
    assert ok.findings == [] and ok.accepted, ok.findings
    bad = validate(PACK, [record(failing)])
    the_finding(PACK, criterion(rule_id), bad, CELLS)


@pytest.mark.parametrize("rule_id", sorted(GROUP_CASES))
def test_group_criterion_counts_across_files(rule_id: str) -> None:
    passing, failing = GROUP_CASES[rule_id]
    ok = validate(PACK, batch(passing))
    assert ok.findings == [] and len(ok.accepted) == len(passing), ok.findings
    crit = criterion(rule_id)
    bad = validate(PACK, batch(failing))
    found = [f for f in bad.findings if f.code == f"criteria.{rule_id}"]
    assert len(found) == len(failing) == len(bad.rejected)  # every project of the applicant, in both files
    for (file, row, _), finding in zip(failing, found, strict=True):
        cell = shift(CELLS, row)[crit.field]
        assert (finding.file, finding.row, finding.cell, finding.field) == (file, row, cell, "uscc")
        assert (finding.severity, finding.clause) == ("error", "苏信息化办〔2020〕4号 四(一)")
        assert finding.message.startswith(f"{cell}：同一个申报单位申报项目数不超过2个")
        assert "共 3 个：江宁区.xlsx 第5行；江宁区.xlsx 第6行；鼓楼区.xlsx 第5行" in finding.message


def test_a_project_sent_twice_counts_once() -> None:
    passing, _ = GROUP_CASES["max-two-per-applicant"]
    again = ("鼓楼区.xlsx", 6, passing[0][2])  # the 江宁区 project listed by 鼓楼区 as well
    assert validate(PACK, batch([*passing, again])).findings == []


def test_clauses_read_as_the_notice() -> None:
    bad = validate(PACK, [record(CASES["min-investment"][1])])
    (finding,) = bad.findings
    assert finding.clause == "苏信息化办〔2020〕4号 二、7"
    assert "扣除土建工程投资 100.5 万元后为 299.5 万元，低于300万元" in finding.message


@pytest.mark.parametrize(("total", "civil", "ok"), [(300.0, None, True), (300.0, 0.0, True), (299.99, None, False),
                                                    (1300.0, 1000.0, True), (1300.0, 1000.01, False)])
def test_300_wanyuan_net_of_civil_works(total: float, civil: float | None, ok: bool) -> None:
    codes = [f.code for f in validate(PACK, [record({"total_investment": total, "civil_investment": civil})]).findings]
    assert ("criteria.min-investment" not in codes) is ok


@pytest.mark.parametrize(("start", "end", "ok"), [("2019-01", "2020-12", True), ("2019-01-01", "2020-12", True),
                                                  ("2018-12-31", "2020-12", False)])
def test_start_not_before_january_2019(start: str, end: str, ok: bool) -> None:
    codes = [f.code for f in validate(PACK, [record({"start_date": start, "end_date": end})]).findings]
    assert ("criteria.start-not-before-2019" not in codes) is ok


@pytest.mark.parametrize(("end", "months", "ok"), [("2021-05", 17, False), ("2021-06", 18, True),
                                                   ("2022-06", 30, True), ("2022-07", 31, False)])
def test_about_two_years_is_18_to_30_months(end: str, months: int, ok: bool) -> None:
    result = validate(PACK, [record({"start_date": "2020-01", "end_date": end})])
    assert ([f.code for f in result.findings] == []) is ok
    if not ok:
        (finding,) = result.findings
        assert f"共 {months} 个月" in finding.message and result.accepted  # a warning keeps the project


def test_same_month_start_and_end_is_in_order() -> None:
    codes = [f.code for f in validate(PACK, [record({"start_date": "2020-05", "end_date": "2020-05"})]).findings]
    assert codes == ["criteria.period-about-two-years"]


def test_civil_equal_to_total_is_within_total() -> None:
    codes = [f.code for f in validate(PACK, [record({"total_investment": 500.0, "civil_investment": 500.0})]).findings]
    assert codes == ["criteria.min-investment"]


def test_a_continuation_is_not_also_warned_about_its_name() -> None:
    result = validate(PACK, [record({"is_continuation": True, "project_name": "江宁区智慧医疗影像云平台二期工程"})])
    assert [f.code for f in result.findings] == ["criteria.no-continuation"]


@pytest.mark.parametrize("name", ["江宁区智慧医疗影像云平台（一期）", "江宁区3期数据中心", "江宁区政务云扩容三期"])
def test_phase_numbers_in_names(name: str) -> None:
    codes = [f.code for f in validate(PACK, [record({"project_name": name})]).findings]
    assert codes == ["criteria.phase-in-name"]


# --- JSON Schema formats declared on the fields (the same checks on the 申报表 form)

APPLICATION = PACK.annex("application")
FORM_CELLS = template_cells(PACK, APPLICATION)
FORM: dict[str, Any] = {
    **example_record(APPLICATION),
    **{k: BASE[k] for k in ("project_name", "category", "city", "county", "total_investment", "civil_investment",
                            "start_date", "end_date", "is_continuation", "applicant", "uscc", "contact", "summary")},
    "unit_type": "行政机关", "postcode": "210008", "phone": "025-69652659", "mobile": "13912345678",
    "email": "jnwjw@example.com", "partner": None, "partner_uscc": None, "partner_role": None, "ownership_note": None,
}


def form_record(changes: dict[str, Any]) -> Record:
    return make_record(APPLICATION, {**FORM, **changes}, FORM_CELLS, "申报表（江宁区卫健委）.xlsx")


def test_form_base_is_clean() -> None:
    assert validate(PACK, [form_record({})]).findings == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_criterion_pass_and_fail_on_the_form(rule_id: str) -> None:
    passing, failing = CASES[rule_id]
    ok = validate(PACK, [form_record(passing)])
    assert ok.findings == [] and ok.accepted, ok.findings
    bad = validate(PACK, [form_record(failing)])
    crit = next(c for c in PACK.criteria if c.id == rule_id and c.annex == "application")
    the_finding(PACK, crit, bad, FORM_CELLS)


@pytest.mark.parametrize(
    ("annex", "key", "good", "bad", "needle"),
    [
        # 百度 (91110108551385082Q) is a published code: the schema takes it; only 江苏 is a criterion
        ("recommended", "uscc", "91110108551385082Q", "91110108551385082R", "校验位不符"),
        # the seed's own phone and postcode (省信息化办, 南京市北京西路16号)
        ("recommended", "phone", "025-69652659", "025-6965", "电话"),
        ("application", "postcode", "210008", "21000", "6位"),
        ("application", "partner_uscc", "91440300708461136T", "9144030070846113", "18位"),
        ("application", "mobile", "13912345678", "1391234567", "手机"),
        ("application", "email", "xm@example.com", "xm@example", "邮"),
    ],
)
def test_declared_formats(annex: str, key: str, good: str, bad: str, needle: str) -> None:
    build, cells = (record, CELLS) if annex == "recommended" else (form_record, FORM_CELLS)
    format_pass_and_fail(PACK, lambda v: build({key: v}), cells, key, good, bad, needle)


def test_a_published_code_outside_jiangsu_fails_only_the_criterion() -> None:
    result = validate(PACK, [record({"uscc": "91110108551385082Q"})])
    assert [f.code for f in result.findings] == ["criteria.applicant-in-jiangsu"]
    assert "110108" in result.findings[0].message


# --- the same cells when a county fills in the template itself


def test_a_filled_template_reads_back_at_the_same_cells(tmp_path: Path) -> None:
    rows = [BASE, {**BASE, **CASES["min-investment"][1], "project_name": "江宁区城市运行管理平台",
                   "applicant": "南京市江宁区城市管理局", "uscc": code("11320115MB0000100")},
            {**BASE, "project_name": "江宁区基层治理网格平台", "total_investment": "约八百万",
             "applicant": "南京市江宁区政务服务管理办公室", "uscc": code("11320115MB0000200")}]
    inbox = fill_template(PACK, ANNEX, tmp_path, "江宁区推荐项目汇总表.xlsx", rows)
    result = ingest(PACK, [inbox])
    assert [r.row for r in result.records] == [5, 6, 7]
    assert all(r.cells == shift(CELLS, r.row) for r in result.records)
    assert {k: result.records[0].values[k] for k in BASE} == BASE
    (unreadable,) = result.findings
    assert (unreadable.code, unreadable.cell, unreadable.field) == ("value.unreadable", "J7", "total_investment")
    checked = validate(PACK, result.records, result.findings)
    assert [(f.code, f.cell) for f in checked.findings] == [("criteria.min-investment", "J6")]
    assert [r.row for r in checked.accepted] == [5] and [r.row for r in checked.rejected] == [6, 7]


def test_a_filled_form_reads_back_at_the_same_cells(tmp_path: Path) -> None:
    inbox = fill_template(PACK, APPLICATION, tmp_path, "申报表.xlsx", [{**FORM, "postcode": "21000"}])
    record_read, findings = ingest_one(PACK, inbox)
    assert findings == [] and record_read.cells == FORM_CELLS
    (finding,) = validate(PACK, [record_read]).findings
    assert (finding.code, finding.cell) == ("schema.format", FORM_CELLS["postcode"])


def test_a_centrally_registered_university_in_nanjing_is_kept_with_a_question() -> None:
    result = validate(PACK, [record({"applicant": "南京大学", "uscc": code("12100000MB0000000")})])
    (finding,) = result.findings
    assert finding.code == "criteria.applicant-registration-confirm" and finding.severity == "warning"
    assert "中央机关登记" in finding.message and result.accepted


def test_a_code_of_another_province_is_still_refused() -> None:
    result = validate(PACK, [record({"uscc": code("12110000MB0000000")})])  # 北京市 registered
    assert [f.code for f in result.findings] == ["criteria.applicant-in-jiangsu"] and result.rejected


# 二、2 纳入本地或本系统信息化发展规划: asked on the 申报表 (field in_plan)
FORM_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "in-plan": ({"in_plan": True}, {"in_plan": False}),
    "in-plan-given": ({"in_plan": True}, {"in_plan": None}),
}


@pytest.mark.parametrize("rule_id", sorted(FORM_CASES))
def test_form_criterion_pass_and_fail(rule_id: str) -> None:
    from tests.criteria_cases import template_cells

    annex = PACK.annex("application")
    cells = template_cells(PACK, annex)
    base = {**example_record(annex), **{k: v for k, v in BASE.items() if k in annex.field_keys}}
    passing, failing = FORM_CASES[rule_id]
    ok = validate(PACK, [make_record(annex, {**base, **passing}, cells, "申报表.xlsx", 5)])
    assert ok.findings == [] and ok.accepted, ok.findings
    bad = validate(PACK, [make_record(annex, {**base, **failing}, cells, "申报表.xlsx", 5)])
    the_finding(PACK, criterion(rule_id), bad, cells)
