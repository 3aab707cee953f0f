"""jl-gyhlw-2020 (工业互联网及制造业服务化示范项目, seed 004 申报指南): every criterion passes and
fails once.

The criteria sit on two forms: 附件4-1 申报书 (`application`) and 附件4-3 绩效目标 (`performance`);
a finding points at the form's own value cell. Bounds: 不少于5户 passes at 5, 非亏损 at a profit of
0, and a 负债率 of exactly 100% is not yet 资不抵债.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.criteria_cases import (
    fill_template,
    format_pass_and_fail,
    ingest_one,
    make_record,
    template_cells,
    the_finding,
)
from tests.inbox_fixtures import code
from toolkit.ingest.records import Record
from toolkit.packs.examples import example_record, make_idcard
from toolkit.packs.loader import load_pack
from toolkit.validate import Validation, validate

PACK = load_pack("jl-gyhlw-2020")
APPLICATION, PERFORMANCE = PACK.annex("application"), PACK.annex("performance")
CELLS = {"application": template_cells(PACK, APPLICATION), "performance": template_cells(PACK, PERFORMANCE)}
USCC = code("91220106MA0000000")  # 长春市绿园区, an enterprise (91)

# A 两化融合创新示范项目 (no category-specific condition) of a profitable 吉林 manufacturer.
BASE_APP: dict[str, Any] = {
    **example_record(APPLICATION),
    "project_name": "长春华晟汽车零部件两化融合创新示范项目", "period_start": "2020-01", "period_end": "2021-06",
    "fill_date": "2020-06-20", "expected_completion": "2021-06", "founded": "2008-05",
    "category": "两化融合创新示范项目", "industry": "汽车零部件", "service_types": ["供应链管理", "设备管理服务"],
    "service_other": None, "org_name": "长春华晟汽车零部件有限公司", "org_nature": "民营企业",
    "postcode": "130000", "region": "长春市绿园区", "uscc": USCC, "profit_2019": 120.0, "debt_ratio_2019": 45.0,
    "resp_id_type": "居民身份证", "resp_id_number": make_idcard(random.Random(7)),
    "enterprise_type": "制造业企业", "self_assessment_done": True, "cloud_contract_provided": None, "local_users": None,
    "software_finished": None, "software_copyright": None, "software_test_report": None, "funding_secured": True,
    "project_started": True, "deploy_mode": "私有云", "public_cloud_provider": None,
    "data_collection": "自主研发的解决方案", "data_collection_vendor": None, "no_major_accident": True, "pledge_given": True,
}
BASE_PERF: dict[str, Any] = {
    "project_name": BASE_APP["project_name"], "applicant": BASE_APP["org_name"], "total_investment": 1800.0,
    "overall_goal": "建成覆盖研发、生产、供应链的协同平台，关键工序数控化率达到80%",
    "quantitative": [{"name": "设备联网率", "value": "90%"}, {"name": "服务配套企业", "value": "≥50户"}],
    "qualitative": [{"name": "促进产业转型升级", "value": "带动长春汽车零部件企业数字化转型"}],
}
BASES = {"application": BASE_APP, "performance": BASE_PERF}

PLATFORM = {"category": "行业级工业互联网平台项目", "industry": "汽车零部件", "local_users": 5,
            "cloud_contract_provided": True}
SOFTWARE = {"category": "工业软件项目", "enterprise_type": "新一代信息技术类企业", "self_assessment_done": None,
            "software_finished": True, "software_copyright": True, "software_test_report": True}
SERVICE = {"category": "制造业服务化项目", "funding_secured": True, "project_started": True}
PUBLIC_CLOUD = {"deploy_mode": "混合云", "public_cloud_provider": "阿里云计算有限公司"}
THIRD_PARTY = {"data_collection": "集成第三方解决方案", "data_collection_vendor": "研华科技（中国）有限公司"}
# 新型创新研发机构项目: a 研究机构 (二(三)) or a 创新中心 (二(四))
RESEARCH = {"category": "新型创新研发机构项目", "institution_kind": "工业互联网研究机构", "rd_site_lab": True,
            "high_end_talents": 1}
MODULES = ["企业对接服务平台", "人才培训体系", "峰会论坛", "展示中心"]
CENTER = {"category": "新型创新研发机构项目", "institution_kind": "工业互联网创新中心", "center_modules": MODULES,
          "center_plan_provided": True}

# criterion id -> (changes that pass, changes that fail), on the criterion's own annex
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "registered-in-jilin": ({}, {"uscc": code("91210106MA0000000")}),  # 沈阳
    # 100000: registered by a central authority; the code cannot say 省内 or not (a question, kept)
    "registration-confirm": ({}, {"uscc": code("91100000MA0000000")}),
    "legal-person": ({}, {"uscc": code("92220106MA0000000")}),  # 个体工商户
    "branch-legal-person": ({}, {"org_name": "长春华晟汽车零部件有限公司绿园分公司"}),  # a 分公司: not 独立法人?
    "enterprise-kind": ({}, {"uscc": code("12220106MB0000000")}),  # 事业单位: a warning to check
    "enterprise-type": ({"enterprise_type": "新一代信息技术类企业", "self_assessment_done": None},
                        {"enterprise_type": "其他"}),
    "not-loss-making": ({"profit_2019": 0.0}, {"profit_2019": -0.5}),  # 非亏损: a profit of 0 is no loss
    "debt-ratio": ({"debt_ratio_2019": 100.0}, {"debt_ratio_2019": 100.5}),
    "self-assessment": ({"self_assessment_done": True}, {"self_assessment_done": False}),
    "platform-local-users": (PLATFORM, {**PLATFORM, "local_users": 4}),  # 不少于5户: 5 is enough
    "platform-cloud-contract": (PLATFORM, {**PLATFORM, "cloud_contract_provided": False}),
    "institution-kind": (RESEARCH, {**RESEARCH, "institution_kind": None}),
    "research-lab": (RESEARCH, {**RESEARCH, "rd_site_lab": False}),
    "research-talents": (RESEARCH, {**RESEARCH, "high_end_talents": 0}),  # 一定数量: at least one
    "center-modules": (CENTER, {**CENTER, "center_modules": MODULES[:3]}),  # 应包括…展示中心
    "center-plan": (CENTER, {**CENTER, "center_plan_provided": False}),
    "software-finished": (SOFTWARE, {**SOFTWARE, "software_finished": False}),
    "software-copyright": (SOFTWARE, {**SOFTWARE, "software_copyright": False}),
    "software-test-report": (SOFTWARE, {**SOFTWARE, "software_test_report": None}),
    "servitization-funding": (SERVICE, {**SERVICE, "funding_secured": False}),
    "servitization-started": (SERVICE, {**SERVICE, "project_started": False}),
    "pledge": ({"pledge_given": True}, {"pledge_given": False}),
    "no-major-accident": ({"no_major_accident": True}, {"no_major_accident": False}),
    "platform-industry": ({**PLATFORM, "category": "企业级工业互联网平台项目"},
                          {**PLATFORM, "category": "企业级工业互联网平台项目", "industry": None}),
    "service-type-given": ({"service_types": None, "service_other": "工业互联网安全评估服务"},
                           {"service_types": None, "service_other": None}),
    "service-other-named": ({"service_types": ["其他"], "service_other": "工业数据分析服务"},
                            {"service_types": ["其他", "供应链管理"], "service_other": None}),
    "idcard-shape": ({"resp_id_number": "11010519491231002X"}, {"resp_id_number": "1101051949123100"}),
    "public-cloud-provider": (PUBLIC_CLOUD, {**PUBLIC_CLOUD, "public_cloud_provider": None}),
    "data-collection-vendor": (THIRD_PARTY, {**THIRD_PARTY, "data_collection_vendor": None}),
    "period-order": ({"period_start": "2020-07", "period_end": "2020-07"},
                     {"period_start": "2020-07", "period_end": "2020-06"}),
    "perf-quantitative-present": ({"quantitative": [{"name": "工业APP数量", "value": "30个"}]},
                                  {"quantitative": []}),
    "perf-quantitative-measurable": ({"quantitative": [{"name": "服务企业数", "value": "≥５０户"}]},
                                     {"quantitative": [{"name": "设备联网率", "value": "90%"},
                                                       {"name": "协同设计效率", "value": "显著提升"}]}),
}


def criterion(rule_id: str) -> Any:
    return next(c for c in PACK.criteria if c.id == rule_id)


def record(annex_id: str, changes: dict[str, Any]) -> Record:
    annex = PACK.annex(annex_id)
    return make_record(annex, {**BASES[annex_id], **changes}, CELLS[annex_id], f"华晟汽车零部件-{annex.number}.xlsx")


def with_companion(r: Record) -> list[Record]:
    """The record and the other form of its project: a 申报书 and its 绩效目标 come together."""
    other = "performance" if r.annex == "application" else "application"
    return [r, record(other, {"project_name": r.values.get("project_name")})]


def only(result: Validation, r: Record) -> Validation:
    """What `result` says of `r` alone (its companion form is clean and accepted)."""
    return Validation(accepted=[x for x in result.accepted if x is r], rejected=[x for x in result.rejected if x is r],
                      findings=[f for f in result.findings if f.file == r.file],
                      reasons={k: v for k, v in result.reasons.items() if k[0] == r.file})


def check(annex_id: str, changes: dict[str, Any]) -> Validation:
    """A form checked beside its companion (so the companion rules pass), and its findings alone."""
    tested = record(annex_id, changes)
    return only(validate(PACK, with_companion(tested)), tested)


@pytest.mark.parametrize("annex_id", sorted(BASES))
def test_base_forms_are_clean(annex_id: str) -> None:
    result = validate(PACK, with_companion(record(annex_id, {})))
    assert result.findings == [] and len(result.accepted) == 2


def test_every_criterion_has_a_case() -> None:
    assert {c.id for c in PACK.criteria} == set(CASES) | set(COMPANIONS)
    assert {c.annex for c in PACK.criteria} == {"application", "performance"}
    assert all(c.kind == ("companion" if c.id in COMPANIONS else "row") for c in PACK.criteria)


# The companion rules: the failing case is the form sent alone.
COMPANIONS = {"performance-sent": "application", "application-sent": "performance"}


@pytest.mark.parametrize("rule_id", sorted(COMPANIONS))
def test_companion_pass_and_fail(rule_id: str) -> None:
    crit = criterion(rule_id)
    assert crit.annex == COMPANIONS[rule_id]
    tested = record(crit.annex, {})
    ok = only(validate(PACK, with_companion(tested)), tested)
    assert ok.findings == [] and ok.accepted
    bad = validate(PACK, [tested])
    finding = the_finding(PACK, crit, bad, CELLS[crit.annex])
    assert finding.clause == f"申报指南（附件4） {crit.clause}"
    assert BASE_APP["project_name"] in finding.message


def test_a_companion_named_a_little_differently_is_the_same_project_with_a_warning() -> None:
    """A 绩效目标 whose project name lost a word, from the same 申报单位: one project (toolkit/validate/projects.py),
    so the 申报书 has its 绩效目标; a warning shows both spellings."""
    application = record("application", {})
    performance = record("performance", {"project_name": BASE_APP["project_name"].replace("创新", "")})
    result = validate(PACK, [application, performance])
    (linked,) = result.findings
    assert (linked.code, linked.severity, linked.file) == ("project.linked", "warning", performance.file)
    assert f"“{performance.values['project_name']}”" in linked.message
    assert f"“{BASE_APP['project_name']}”" in linked.message
    assert result.accepted == [application, performance]


def test_a_companion_named_too_differently_is_pointed_out() -> None:
    """Too far apart to be linked (not 90% alike once 项目 and the like are set aside): the rule
    says the 绩效目标 is missing, and names the one that came, for the clerk to decide."""
    application = record("application", {})
    performance = record("performance", {"project_name": "长春华晟汽车零部件数字化示范项目"})
    result = validate(PACK, [application, performance])
    by_code = {f.code: f for f in result.findings}
    sent = by_code["criteria.performance-sent"]
    assert f"收到的“{PERFORMANCE.title}”中有“{performance.values['project_name']}”" in sent.message
    assert by_code["criteria.application-sent"].severity == "warning"
    assert result.rejected == [application] and result.accepted == [performance]


def test_names_match_across_widths_and_spaces() -> None:
    application = record("application", {"project_name": "长春华晟 汽车零部件（二期）"})
    performance = record("performance", {"project_name": "长春华晟汽车零部件(二期)"})
    assert validate(PACK, [application, performance]).findings == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_criterion_pass_and_fail(rule_id: str) -> None:
    crit = criterion(rule_id)
    passing, failing = CASES[rule_id]
    ok = check(crit.annex, passing)
    assert ok.findings == [] and ok.accepted, ok.findings
    bad = check(crit.annex, failing)
    finding = the_finding(PACK, crit, bad, CELLS[crit.annex])
    assert finding.clause == f"申报指南（附件4） {crit.clause}"
    if finding.cell is None:  # a list field: ingest gives it no cell, so the message names the form's row
        (rejected,) = bad.rejected
        assert finding.message.startswith(f"第{rejected.row}行：") and finding.row == rejected.row


def test_an_id_card_number_of_the_right_shape_with_a_wrong_check_character_is_refused() -> None:
    """GB 11643-1999: 11010519491231002X is valid; ending in 1 the check character is wrong, and a
    30 February birth date is no date; a passport number is fine once the type says 护照."""
    for number, why in (("110105194912310021", "校验位"), ("110105194902300025", "出生日期")):
        bad = check("application", {"resp_id_number": number})
        (finding,) = [f for f in bad.findings if f.code == "criteria.idcard-shape"]
        assert why in finding.message and number in finding.message and bad.rejected
    passport = check("application", {"resp_id_type": "护照", "resp_id_number": "E12345678"})
    assert passport.findings == [] and passport.accepted


def test_messages_name_the_numbers() -> None:
    bad = check("application", CASES["platform-local-users"][1])
    assert "现填写 4 户" in bad.findings[0].message
    bad = check("performance", CASES["perf-quantitative-measurable"][1])
    assert "有 1 项的指标值没有量化（如“协同设计效率：显著提升”）" in bad.findings[0].message


@pytest.mark.parametrize(("changes", "ok"), [
    ({"local_users": 5}, True), ({"local_users": 120}, True), ({"local_users": 0}, False), ({"local_users": None}, False),
    ({"category": "企业级工业互联网平台项目", "local_users": 4}, False), ({"category": "公共服务项目", "local_users": 0}, True),
])
def test_five_local_enterprises_for_platforms_only(changes: dict[str, Any], ok: bool) -> None:
    result = check("application", {**PLATFORM, **changes})
    assert ("criteria.platform-local-users" not in [f.code for f in result.findings]) is ok


def test_blank_local_users_says_so() -> None:
    (finding,) = check("application", {**PLATFORM, "local_users": None}).findings
    assert finding.code == "criteria.platform-local-users" and "未填写" in finding.message


def test_self_assessment_is_for_manufacturers_only() -> None:
    it_firm = {"enterprise_type": "新一代信息技术类企业", "self_assessment_done": False}
    assert check("application", it_firm).findings == []


def test_id_number_of_another_kind_of_document_is_not_an_id_card() -> None:
    passport = {"resp_id_type": "护照", "resp_id_number": "E12345678"}
    assert check("application", passport).findings == []


def test_an_individual_business_is_not_also_asked_to_check_its_kind() -> None:
    codes = [f.code for f in check("application", CASES["legal-person"][1]).findings]
    assert codes == ["criteria.legal-person"]


# --- JSON Schema formats declared on the fields

RECOMMENDED = PACK.annex("recommended")
TABLE_CELLS = template_cells(PACK, RECOMMENDED)
ROW = {"project_name": BASE_APP["project_name"], "enterprise": BASE_APP["org_name"], "category": BASE_APP["category"],
       "contact": "李华", "mobile": "13904310001"}


def test_the_summary_row_is_clean() -> None:
    assert TABLE_CELLS["mobile"] == "F4"  # 序号, 项目名称, 依托企业, 项目类别, 联系人, 联系方式（手机）
    assert validate(PACK, [make_record(RECOMMENDED, ROW, TABLE_CELLS, "长春市.xlsx")]).findings == []


@pytest.mark.parametrize(
    ("key", "good", "bad", "needle"),
    [
        ("uscc", "91440300708461136T", "91440300708461136X", "校验位不符"),  # 华为: published, but not 吉林
        ("postcode", "130000", "1300000", "6位"),
        ("org_phone", "0431-88905678", "88905", "电话"),
        ("org_fax", "0431-88905670", "13904310000", "固定电话"),
        ("resp_mobile", "13904310000", "0431-88905678", "手机"),
        ("contact_email", "lihua@example.com", "lihua.example.com", "邮"),
        ("mobile", "13904310001", "1390431000", "手机"),  # 附件4-5 联系方式（手机）
    ],
)
def test_declared_formats(key: str, good: str, bad: str, needle: str) -> None:
    if key == "mobile":
        build: Any = lambda v: make_record(RECOMMENDED, {**ROW, key: v}, TABLE_CELLS, "长春市.xlsx")  # noqa: E731
        cells = TABLE_CELLS
    else:
        build, cells = (lambda v: record("application", {key: v})), CELLS["application"]
    format_pass_and_fail(PACK, build, cells, key, good, bad, needle)


def test_a_published_code_outside_jilin_fails_only_the_criterion() -> None:
    result = check("application", {"uscc": "91440300708461136T"})
    assert [(f.code, f.cell) for f in result.findings] == [("criteria.registered-in-jilin", CELLS["application"]["uscc"])]


# --- the same cells when a company fills in the 申报书 itself


def test_a_filled_form_reads_back_at_the_same_cells(tmp_path: Path) -> None:
    filled = {**BASE_APP, "profit_2019": "-35万元", "total_investment": "0.18亿元"}
    inbox = fill_template(PACK, APPLICATION, tmp_path, "华晟汽车零部件-附件4-1申报书.xlsx", [filled])
    read, findings = ingest_one(PACK, inbox)
    assert findings == [] and read.cells == CELLS["application"]
    assert read.values["profit_2019"] == -35.0 and read.values["total_investment"] == 1800.0
    assert {k: read.values[k] for k in BASE_APP if k not in ("profit_2019", "total_investment")} == {
        k: v for k, v in BASE_APP.items() if k not in ("profit_2019", "total_investment")}
    checked = only(validate(PACK, with_companion(read)), read)
    assert [(f.code, f.cell) for f in checked.findings] == [("criteria.not-loss-making", CELLS["application"]["profit_2019"])]


def test_an_unreadable_form_cell_is_reported_at_its_cell(tmp_path: Path) -> None:
    inbox = fill_template(PACK, APPLICATION, tmp_path, "丙公司.xlsx", [{**BASE_APP, "local_users": "五户左右"}])
    read, findings = ingest_one(PACK, inbox)
    (finding,) = findings
    assert (finding.code, finding.field, finding.cell) == ("value.unreadable", "local_users", CELLS["application"]["local_users"])
    # 本地使用企业数 is optional and no rule of a 两化融合 project needs it: asked about, not refused
    assert finding.severity == "warning" and "本栏非必填" in finding.message
    checked = only(validate(PACK, with_companion(read), findings), read)
    assert checked.accepted == [read] and checked.rejected == []


def test_an_unreadable_optional_cell_a_rule_needs_still_refuses(tmp_path: Path) -> None:
    """二(二) 不少于5户: for a platform the same unreadable cell leaves the rule to decide, and it refuses."""
    inbox = fill_template(PACK, APPLICATION, tmp_path, "丙公司.xlsx", [{**BASE_APP, **PLATFORM, "local_users": "五户左右"}])
    read, findings = ingest_one(PACK, inbox)
    checked = only(validate(PACK, with_companion(read), findings), read)
    assert checked.rejected == [read]
    (refusal,) = [f for f in checked.reasons_for(read) if f.code == "criteria.platform-local-users"]
    assert "填写的内容无法识别" in refusal.message and "”未填写" not in refusal.message


def test_a_branch_with_an_out_of_province_code_is_asked_about_not_refused() -> None:
    """二(一) 在吉林省行政区域内注册; a 分公司 writing its parent's 辽宁 code may still be a 吉林 branch."""
    result = check("application", {"org_name": "沈阳机床股份有限公司长春分公司", "uscc": code("91210106MA0000000")})
    assert sorted(f.code for f in result.findings) == ["criteria.branch-legal-person", "criteria.registration-confirm"]
    assert result.accepted and all(f.severity == "warning" for f in result.findings)


def test_the_innovation_centre_message_names_the_missing_modules() -> None:
    """二(四) 应包括企业对接服务平台、人才培训体系、峰会论坛、展示中心等功能模块."""
    bad = check("application", {**CENTER, "center_modules": ["峰会论坛"]})
    (finding,) = [f for f in bad.findings if f.code == "criteria.center-modules"]
    assert "缺少：企业对接服务平台、人才培训体系、展示中心" in finding.message and bad.rejected
    blank = check("application", {**CENTER, "center_modules": None})
    assert any(f.code == "criteria.center-modules" for f in blank.findings) and blank.rejected


def test_research_and_centre_conditions_apply_to_their_own_kind() -> None:
    assert check("application", {**RESEARCH, "center_modules": None, "center_plan_provided": None}).findings == []
    assert check("application", {**CENTER, "rd_site_lab": None, "high_end_talents": None}).findings == []
