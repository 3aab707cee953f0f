"""validate(): schema and criteria findings at the county's cells, rejection, batch-wide groups."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.findings import Finding, a1
from toolkit.ingest.records import Record
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack
from toolkit.validate import validate

PACK = load_pack("jl-761-2020")
ANNEX = PACK.annex("projects")
CELLS = {f.key: a1(5, i + 2) for i, f in enumerate(ANNEX.fields)}  # B5, C5, ... as in the template

# A project that meets every 761 criterion: a 新开工 数字政务 project of 1,200万元.
BASE: dict[str, Any] = {
    **example_record(ANNEX),
    "category": "数字政务基础设施", "ai_subtype": None, "stage": "新开工项目",
    "applicant": "长春市南关区政务服务和数字化建设管理局", "enterprise_type": None,
    "total_investment": 1200.0, "bigdata_investment": None, "completed_investment": 100.0,
    "start_date": "2020-09", "end_date": "2021-06", "proposal_done": True, "feasibility_done": True,
    "funding_secured": True, "uscc": "11220102MB1234567X",
}


def _fix_uscc(code17: str) -> str:
    from tests.inbox_fixtures import code

    return code(code17)


BASE["uscc"] = _fix_uscc("11220102MB0000000")
IIOT = {"category": "工业互联网", "enterprise_type": "制造业企业", "self_assessment_done": True,
        "no_major_accident": True, "pledge_given": True, "uscc": _fix_uscc("91220101MA0000000")}

AI = {"category": "人工智能", "ai_subtype": "融合应用", "uscc": _fix_uscc("91220101MA0000000"),
      "applicant": "长春智算科技有限公司"}
# rule id -> (changes that pass, changes that fail)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "bigdata-share": ({"category": "大数据中心", "bigdata_investment": 600.0},
                      {"category": "大数据中心", "bigdata_investment": 599.0}),
    "min-investment": ({"total_investment": 500.0}, {"total_investment": 499.0}),
    "planning-proposal": ({"stage": "谋划项目"}, {"stage": "谋划项目", "proposal_done": False}),
    "new-feasibility": ({}, {"feasibility_done": False}),
    "new-funding": ({}, {"funding_secured": False}),
    "new-start-this-year": ({"start_date": "2020-12"}, {"start_date": "2021-03", "end_date": "2022-01"}),
    # 新开工 planned before the campaign year (2020): started already, 续建? (a question, kept)
    "new-start-not-before-year": ({"start_date": "2020-01"}, {"start_date": "2019-12"}),
    "ai-subtype": ({"category": "人工智能", "ai_subtype": "融合应用", "uscc": _fix_uscc("91220101MA0000000")},
                   {"category": "人工智能", "uscc": _fix_uscc("91220101MA0000000")}),
    "ai-registered-in-jilin": ({"category": "人工智能", "ai_subtype": "融合应用", "uscc": _fix_uscc("91220101MA0000000")},
                               {"category": "人工智能", "ai_subtype": "融合应用", "uscc": _fix_uscc("91320101MA0000000")}),
    "ai-legal-person": ({"category": "人工智能", "ai_subtype": "融合应用", "uscc": _fix_uscc("91220101MA0000000")},
                        {"category": "人工智能", "ai_subtype": "融合应用", "uscc": _fix_uscc("92220101MA0000000")}),
    "ai-registration-confirm": ({**AI, "uscc": _fix_uscc("12220000MB0000000")},  # a 吉林 university
                                {**AI, "uscc": _fix_uscc("12100000MB0000000")}),  # centrally registered
    "ai-branch-legal-person": (AI, {**AI, "applicant": "华为技术有限公司长春分公司"}),
    "iiot-registered-in-jilin": (IIOT, {**IIOT, "uscc": _fix_uscc("91110101MA0000000")}),
    "iiot-registration-confirm": (IIOT, {**IIOT, "applicant": "中国一汽集团长春分公司", "uscc": _fix_uscc("91110101MA0000000")}),
    "iiot-branch-legal-person": (IIOT, {**IIOT, "applicant": "长春某某装备制造有限公司（吉林分公司）"}),
    "iiot-legal-person": (IIOT, {**IIOT, "uscc": _fix_uscc("92220101MA0000000")}),
    "iiot-enterprise-type": (IIOT, {**IIOT, "enterprise_type": "其他"}),
    "iiot-self-assessment": (IIOT, {**IIOT, "self_assessment_done": False}),
    "iiot-pledge": (IIOT, {**IIOT, "pledge_given": False}),
    "iiot-no-accident": (IIOT, {**IIOT, "no_major_accident": False}),
    "telecom-builder": ({"category": "5G基础设施", "applicant": "中国铁塔股份有限公司吉林省分公司"},
                        {"category": "5G基础设施", "applicant": "吉林省某某科技有限公司"}),
    "bigdata-within-total": ({"bigdata_investment": 1200.0}, {"bigdata_investment": 1300.0}),
    "completed-within-total": ({"completed_investment": 1200.0}, {"completed_investment": 1300.0}),
    "end-after-start": ({"end_date": "2020-09"}, {"end_date": "2020-08"}),
}


def record(changes: dict[str, Any], row: int = 5, file: str = "南关区.xlsx") -> Record:
    cells = {k: v.replace("5", str(row)) for k, v in CELLS.items()}
    return Record("projects", {**BASE, **changes}, file, "入库项目表", row, cells)


def test_base_record_is_clean() -> None:
    result = validate(PACK, [record({})])
    assert result.findings == [] and len(result.accepted) == 1


def test_every_criterion_has_a_case() -> None:
    assert {c.id for c in PACK.criteria} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_criterion_pass_and_fail(rule_id: str) -> None:
    passing, failing = CASES[rule_id]
    ok = validate(PACK, [record(passing)])
    assert [f.code for f in ok.findings] == [], ok.findings
    bad = validate(PACK, [record(failing)])
    codes = [f.code for f in bad.findings]
    assert f"criteria.{rule_id}" in codes, bad.findings
    crit = next(c for c in PACK.criteria if c.id == rule_id)
    finding = next(f for f in bad.findings if f.code == f"criteria.{rule_id}")
    assert finding.field == crit.field
    assert finding.cell == CELLS[crit.field or ""]
    assert finding.clause == f"吉政数办函〔2020〕579号 {crit.clause}"
    assert finding.message.startswith(f"{finding.cell}：") and finding.message.endswith(f"{crit.clause}）")
    assert (bad.rejected != []) is (crit.severity == "error")


def test_message_names_the_numbers() -> None:
    bad = validate(PACK, [record(CASES["bigdata-share"][1])])
    assert "占总投资 49.92%，低于 50%" in bad.findings[0].message


def test_schema_errors_all_reported_and_reject() -> None:
    result = validate(PACK, [record({"stage": "在建", "phone": "123", "project_name": None})])
    codes = sorted(f.code for f in result.findings)
    assert codes == ["schema.enum", "schema.format", "schema.required"]
    assert result.rejected and not result.accepted
    assert {f.cell for f in result.findings} == {CELLS["stage"], CELLS["phone"], CELLS["project_name"]}


def test_blank_required_value_is_reported_once() -> None:
    result = validate(PACK, [record({"total_investment": None})])
    assert [f.code for f in result.findings] == ["schema.required"]


def test_unreadable_cell_from_ingest_rejects_without_a_second_message() -> None:
    r = record({"total_investment": None})
    prior = [Finding("value.unreadable", "error", "K5：无法识别", file=r.file, sheet=r.sheet, row=5,
                     cell=CELLS["total_investment"], field="total_investment")]
    result = validate(PACK, [r], prior)
    assert result.findings == [] and result.rejected == [r]
    assert [f.code for f in result.reasons_for(r)] == ["value.unreadable"]


def test_warning_keeps_the_row() -> None:
    result = validate(PACK, [record(CASES["completed-within-total"][1])])
    assert [f.severity for f in result.findings] == ["warning"] and result.accepted


@pytest.mark.parametrize("applicant", ["中国联合网络通信有限公司长春市分公司", "中国移动通信集团吉林有限公司",
                                       "中国铁塔股份有限公司吉林省分公司", "吉视传媒股份有限公司"])
def test_registered_names_of_telecom_builders_pass(applicant: str) -> None:
    result = validate(PACK, [record({"category": "通信基础设施", "applicant": applicant})])
    assert result.findings == []


# 一(二)申报条件1, 一(三)1: 在吉林省注册. The code's characters 3-8 decide only when they name a
# province: 100000 (registered by a central authority) and a 分公司 give the clerk a question.
@pytest.mark.parametrize(("changes", "codes"), [
    ({"uscc": _fix_uscc("12100000MB0000000"), "applicant": "吉林大学"}, ["criteria.ai-registration-confirm"]),
    ({"uscc": _fix_uscc("91320101MA0000000")}, ["criteria.ai-registered-in-jilin"]),  # 江苏: refused
    ({"uscc": _fix_uscc("91220101MA0000000"), "applicant": "华为技术有限公司长春分公司"},
     ["criteria.ai-branch-legal-person"]),  # its own 吉林 code: only the legal-person question
    ({"uscc": _fix_uscc("91440300MA0000000"), "applicant": "华为技术有限公司长春分公司"},
     ["criteria.ai-branch-legal-person", "criteria.ai-registration-confirm"]),  # the parent's 广东 code?
])
def test_registration_that_the_code_cannot_decide_is_a_question(changes: dict[str, Any], codes: list[str]) -> None:
    result = validate(PACK, [record({**AI, **changes})])
    assert sorted(f.code for f in result.findings) == codes, result.findings
    assert (result.rejected != []) is any(f.is_error for f in result.findings)
    for f in result.findings:
        if f.code == "criteria.ai-registration-confirm":
            assert f.severity == "warning" and "请经办人核实" in f.message
            assert ("中央机关登记" in f.message) is changes["uscc"].startswith("12100000")


def test_a_centrally_registered_iiot_unit_is_kept_with_a_question() -> None:
    result = validate(PACK, [record({**IIOT, "uscc": _fix_uscc("12100000MB0000000")})])
    assert [f.code for f in result.findings] == ["criteria.iiot-registration-confirm"] and result.accepted


@pytest.mark.parametrize("phone", ["88881234", "+86 13912345678", "86-13912345678", "0431-88881234"])
def test_phones_in_their_common_forms_are_valid(phone: str) -> None:
    from toolkit.ingest.values import normalise

    value = normalise(ANNEX.field("phone"), phone).value
    assert validate(PACK, [record({"phone": value})]).findings == []


def test_a_bad_optional_phone_is_a_warning_and_keeps_the_project() -> None:
    """联系电话 is optional in 761: a malformed one is asked about, never a reason to refuse."""
    result = validate(PACK, [record({"phone": "123"})])
    (finding,) = result.findings
    assert (finding.code, finding.severity, finding.cell) == ("schema.format", "warning", CELLS["phone"])
    assert result.accepted and not result.rejected


def test_a_bad_required_code_still_refuses() -> None:
    result = validate(PACK, [record({"uscc": BASE["uscc"][:-1] + ("0" if BASE["uscc"][-1] != "0" else "1")})])
    assert [(f.code, f.severity) for f in result.findings] == [("schema.format", "error")] and result.rejected
