"""samples/: the committed inboxes are what scripts/make_samples.py writes, and the pipeline finds
each planted problem (and only those) at the county's file, row and cell.

The expectations below are written out by hand from samples/README.md, not computed from the
script, so a change in ingest, validate or dedupe that moves, loses or adds a finding shows here.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from toolkit.ingest.inbox import ingest
from toolkit.ingest.records import IngestResult
from toolkit.ingest.units import revision_rank, unit_key_from_name
from toolkit.merge.dedupe import DedupeResult, dedupe
from toolkit.packs.loader import load_pack
from toolkit.validate import Validation, validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
PACKS = ("jl-761-2020", "js-zhjs-2020", "jl-gyhlw-2020", "jl-zgsz-2023")
OFFICE_EXTS = (".xls", ".ods")


def make_samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts" / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_samples", module)
    spec.loader.exec_module(module)
    return module


def cell_values(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values (hidden sheets too), as python-calamine reads them."""
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}
    finally:
        wb.close()


def files(folder: Path, office: bool) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and (p.suffix in OFFICE_EXTS) == office)


# ------------------------------------------------------------------ 1. regeneration

@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    make_samples().build(out, office=False)
    return out


@pytest.mark.parametrize("pack_id", PACKS)
def test_regenerated_xlsx_have_the_committed_cell_values(regenerated: Path, pack_id: str) -> None:
    committed = files(SAMPLES / pack_id, office=False)
    assert committed, f"samples/{pack_id} is empty: run python scripts/make_samples.py"
    assert files(regenerated / pack_id, office=False) == committed
    for name in committed:
        fresh, kept = regenerated / pack_id / name, SAMPLES / pack_id / name
        same = (fresh.read_text(encoding="utf-8") == kept.read_text(encoding="utf-8") if name.endswith(".toml")
                else cell_values(fresh) == cell_values(kept))
        assert same, f"samples/{pack_id}/{name} differs from what scripts/make_samples.py writes now; rerun it"


def test_office_samples_are_committed() -> None:
    """The .xls and .ods come from LibreOffice; a machine without it keeps the committed ones."""
    assert files(SAMPLES / "jl-761-2020", office=True) == ["九台区.xls", "农安县.ods"]


@pytest.mark.office
def test_regenerated_office_files_have_the_committed_cell_values(tmp_path: Path) -> None:
    make_samples().build(tmp_path, office=True)
    for name in ("九台区.xls", "农安县.ods"):
        assert cell_values(tmp_path / "jl-761-2020" / name) == cell_values(SAMPLES / "jl-761-2020" / name), name


def test_the_resubmission_says_so_in_its_name() -> None:
    """git keeps no file times (a checkout gives both files the same one): the name must say which
    of 绿园区's two files is the correction."""
    folder = SAMPLES / "jl-761-2020"
    old, new = folder / "绿园区.xlsx", folder / "绿园区（修改）.xlsx"
    assert old.exists() and new.exists()
    assert unit_key_from_name(old.name) == unit_key_from_name(new.name) == "绿园区"
    assert revision_rank(new.name) > revision_rank(old.name)


# ------------------------------------------------------------------ 2. the pipeline on each inbox

Run = tuple[IngestResult, Validation, dict[str, DedupeResult]]


@cache
def run(pack_id: str) -> Run:
    pack = load_pack(pack_id)
    result = ingest(pack, [SAMPLES / pack_id])
    checked = validate(pack, result.records, result.findings)
    # The 汇总表 is made per annex: a 4-3 绩效目标 and the 4-5 row of the same project are not duplicates.
    by_annex: dict[str, list[Any]] = defaultdict(list)
    for r in checked.accepted:
        by_annex[r.annex].append(r)
    return result, checked, {annex: dedupe(pack, records) for annex, records in by_annex.items()}


def statuses(result: IngestResult) -> dict[str, tuple[str, int]]:
    return {f.path: (f.status, f.rows) for f in result.files}


def found(result: IngestResult, checked: Validation, deduped: dict[str, DedupeResult],
          severity: str) -> set[tuple[str, str | None, int | None]]:
    everything = [*result.findings, *checked.findings, *(f for d in deduped.values() for f in d.findings)]
    return {(f.code, f.file, f.row) for f in everything if f.severity == severity}


def rows(records: Any) -> set[tuple[str, int]]:
    return {(r.file, r.row) for r in records}


def cells(checked: Validation) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.file, f.cell) for f in checked.findings}


# --- jl-761-2020: 长春市 collects from its counties

PLANTED_761 = {  # (code, file, Excel row): the cell each one points at is checked below
    ("criteria.new-start-this-year", "南关区.xlsx", 9),  # 新开工项目 starting 2021-03
    ("criteria.bigdata-share", "宽城区.xlsx", 5),  # 大数据中心, 900 of 2600 万元 (34.6%)
    ("value.unreadable", "朝阳区.xlsx", 16),  # 总投资 `五百左右`
    ("criteria.planning-proposal", "二道区.xlsx", 6),  # 谋划项目, 项目建议书 否
    ("criteria.ai-registered-in-jilin", "九台区.xls", 6),  # AI project by a 32… (江苏) company
    ("schema.format", "农安县.ods", 9),  # credit code with a wrong check character
    ("criteria.min-investment", "榆树市.xlsx", 5),  # 数字政务 at 380 万元
    ("criteria.telecom-builder", "榆树市.xlsx", 6),  # 5G by 吉林省恒信网络工程有限公司
}
PLANTED_761_CELLS = {
    ("criteria.new-start-this-year", "南关区.xlsx", "N9"), ("criteria.bigdata-share", "宽城区.xlsx", "L5"),
    ("criteria.planning-proposal", "二道区.xlsx", "Q6"), ("criteria.ai-registered-in-jilin", "九台区.xls", "D6"),
    ("schema.format", "农安县.ods", "E9"), ("criteria.min-investment", "榆树市.xlsx", "K5"),
    ("criteria.telecom-builder", "榆树市.xlsx", "G6"),
}
WARNINGS_761 = {
    ("file.no-rows", "双阳区.xlsx", None),  # nothing to report this month
    ("file.superseded", "绿园区.xlsx", None),  # replaced by 绿园区（修改）.xlsx
    ("dup.exact", "宽城区.xlsx", 7),  # 长春市城区5G基站共建共享工程（2020年）, also 二道区.xlsx row 7
    ("dup.suspect", "朝阳区.xlsx", 11),  # 长春市智慧交通一期项目 ~ 二道区.xlsx 长春市智慧交通项目（一期）
}
# Clean rows by 中国联合网络通信有限公司长春市分公司 (China Unicom's registered name, no “联通” in it): a
# member of the pack's list of carriers (identities.carriers), so telecom-builder lets it build.
UNICOM_ROWS = {("宽城区.xlsx", 9), ("朝阳区.xlsx", 17)}
CLEAN_761 = 35  # 43 rows read, 8 planted rejections


def test_761_ingest_reads_every_file() -> None:
    result, _, _ = run("jl-761-2020")
    assert statuses(result) == {
        "九台区.xls": ("ok", 5), "二道区.xlsx": ("ok", 5), "农安县.ods": ("ok", 5), "南关区.xlsx": ("ok", 6),
        "双阳区.xlsx": ("ok", 0), "宽城区.xlsx": ("ok", 5), "朝阳区.xlsx": ("ok", 6), "榆树市.xlsx": ("ok", 6),
        "绿园区.xlsx": ("skipped", 0), "绿园区（修改）.xlsx": ("ok", 5),
    }
    assert result.rows_read == len(result.records) == 43
    assert {r.values["category"] for r in result.records} == {
        "大数据中心", "数字政务基础设施", "人工智能", "工业互联网", "5G基础设施", "通信基础设施"}
    assert {r.values["stage"] for r in result.records} == {"谋划项目", "新开工项目", "续建项目"}
    kinds = {f.path: f.kind for f in result.files}
    assert (kinds["九台区.xls"], kinds["农安县.ods"]) == ("xls", "ods")
    versions = {f.path: f.template_version for f in result.files}
    assert versions["南关区.xlsx"] == "1.1.0" and versions["朝阳区.xlsx"] is None
    # Own layouts: headings, 小计/合计, blank lines and footers are not projects.
    skipped = {f.path: f.skipped_rows for f in result.files}
    assert skipped["朝阳区.xlsx"] == {"heading": 3, "total": 4, "blank": 3, "footer": 1}
    assert skipped["农安县.ods"] == {"heading": 3, "blank": 3, "total": 1, "footer": 1}
    # 亿元 in 九台区's header, `1,200` and `500万元` in 朝阳区's cells: all in 万元.
    values = {(r.file, r.row): r.values for r in result.records}
    assert values[("九台区.xls", 4)]["total_investment"] == 1200.0
    assert values[("九台区.xls", 5)]["bigdata_investment"] == 2200.0
    assert values[("朝阳区.xlsx", 6)]["total_investment"] == 1200.0
    assert values[("朝阳区.xlsx", 7)]["total_investment"] == 500.0
    assert values[("朝阳区.xlsx", 6)]["start_date"] == "2020-09"  # written 2020.9
    assert values[("朝阳区.xlsx", 7)]["end_date"] == "2020-10"  # written 2020年10月
    # Nothing from the superseded file, not even its missing-column findings.
    assert {f.code for f in result.findings if f.file == "绿园区.xlsx"} == {"file.superseded"}


def test_761_findings_are_the_planted_ones() -> None:
    result, checked, deduped = run("jl-761-2020")
    errors = found(result, checked, deduped, "error")
    assert errors == PLANTED_761
    assert PLANTED_761_CELLS <= cells(checked)
    unreadable = next(f for f in result.findings if f.code == "value.unreadable")
    assert (unreadable.cell, unreadable.field, unreadable.value) == ("J16", "total_investment", "五百左右")
    assert found(result, checked, deduped, "warning") == WARNINGS_761


def test_761_accepts_the_clean_rows_and_dedupes() -> None:
    _, checked, deduped = run("jl-761-2020")
    planted_rows = {(file, row) for _, file, row in PLANTED_761}
    assert rows(checked.rejected) == planted_rows
    assert len(checked.accepted) == CLEAN_761
    d = deduped["projects"]
    assert [(dup.file, dup.row, kept.file, kept.row) for dup, kept in d.merged] == [("宽城区.xlsx", 7, "二道区.xlsx", 7)]
    assert [{(s.a.file, s.a.row), (s.b.file, s.b.row)} for s in d.suspects] == [{("二道区.xlsx", 8), ("朝阳区.xlsx", 11)}]
    assert len(d.kept) == len(checked.accepted) - 1


def test_761_unicom_branch_may_build_5g_and_telecom() -> None:
    # China Unicom's registered name 中国联合网络通信有限公司…分公司 has no “联通” in it.
    _, checked, _ = run("jl-761-2020")
    assert not rows(checked.rejected) & UNICOM_ROWS
    assert len(checked.accepted) == CLEAN_761


# --- js-zhjs-2020: 南京市 collects county 推荐项目汇总表 and 市本级 申报表

JN, GL = "江宁区推荐项目汇总表.xlsx", "鼓楼区推荐项目汇总表.xlsx"
PLANTED_ZHJS = {
    ("criteria.partner-ownership", JN, 7),  # co-built with 南京医联智影, no 权属及分工
    ("criteria.min-investment", JN, 10),  # 520 万元, 260 of it 土建: 260 万元 net
    ("criteria.start-not-before-2019", GL, 7),  # started 2018-10
    ("criteria.no-continuation", GL, 8),  # …平台二期工程, 是否续期建设 是
    # 中国电信南京分公司: three projects in two tables, the limit is two (all three are reported)
    ("criteria.max-two-per-applicant", JN, 6),
    ("criteria.max-two-per-applicant", JN, 8),
    ("criteria.max-two-per-applicant", GL, 6),
}
WARNINGS_ZHJS = {("criteria.period-about-two-years", GL, 9)}  # 2020-03 to 2020-10: 8 months


def test_zhjs_ingest_reads_tables_and_forms() -> None:
    result, _, _ = run("js-zhjs-2020")
    assert statuses(result) == {
        JN: ("ok", 7), GL: ("ok", 6), "浦口区推荐项目汇总表.xlsx": ("ok", 6),
        "智慧江苏重点工程申报表（南京市大数据管理局）.xlsx": ("ok", 1),
        "智慧江苏重点工程申报表（南京云盾网络安全技术有限公司）.xlsx": ("ok", 1),
    }
    assert result.rows_read == len(result.records) == 21
    annexes = {f.path: f.annex for f in result.files}
    assert annexes[JN] == "recommended"
    assert annexes["智慧江苏重点工程申报表（南京市大数据管理局）.xlsx"] == "application"
    form = next(r for r in result.records if r.annex == "application" and "大数据管理局" in r.file)
    assert form.values["project_name"] == "南京市城市运行“一网统管”数字底座"
    assert form.values["total_investment"] == 4800.0 and form.values["is_continuation"] is False


def test_zhjs_findings_are_the_planted_ones() -> None:
    result, checked, deduped = run("js-zhjs-2020")
    assert found(result, checked, deduped, "error") == PLANTED_ZHJS
    assert found(result, checked, deduped, "warning") == WARNINGS_ZHJS
    assert {("criteria.min-investment", JN, "J10"), ("criteria.start-not-before-2019", GL, "L7"),
            ("criteria.no-continuation", GL, "N8"), ("criteria.partner-ownership", JN, "I7")} <= cells(checked)
    assert rows(checked.rejected) == {(file, row) for _, file, row in PLANTED_ZHJS}
    assert len(checked.accepted) == 14  # 12 table rows and both forms
    assert all(not d.merged and not d.suspects for d in deduped.values())


# --- jl-gyhlw-2020: 长春市工信局 collects 4-1 申报书 and 4-3 绩效目标 forms and its 4-5 汇总表

HS, YZ, SL, XD, QM = "华晟汽车零部件", "云智工业互联网", "数联智造", "鑫达机械", "启明软件"
SUMMARY_4_5 = "长春市申报信息汇总表.xlsx"
PLANTED_GYHLW = {
    ("criteria.not-loss-making", f"{HS}-附件4-1申报书.xlsx", "D26"),  # 2019年利润 -326.5 万元
    ("criteria.platform-local-users", f"{YZ}-附件4-1申报书.xlsx", "D59"),  # 企业级平台, 3 户本地企业
    ("criteria.perf-quantitative-measurable", f"{SL}-附件4-3绩效目标.xlsx", None),  # 协同设计效率：显著提升
    # One project, one verdict: the other papers of each refused project are refused with it.
    ("project.part-rejected", f"{HS}-附件4-3绩效目标.xlsx", "B3"),
    ("project.part-rejected", f"{YZ}-附件4-3绩效目标.xlsx", "B3"),
    ("project.part-rejected", f"{SL}-附件4-1申报书.xlsx", "B7"),
    ("project.part-rejected", SUMMARY_4_5, "B4"), ("project.part-rejected", SUMMARY_4_5, "B5"),
    ("project.part-rejected", SUMMARY_4_5, "B6"),
    # 鑫达: the 4-5 writes “…服务化建设项目”, the 4-1 “…服务化项目”: one project, with a warning;
    # 提供服务类型 left blank (选填) is a warning, not a refusal. 启明: “其他” written out passes.
    ("project.linked", f"{XD}-附件4-1申报书.xlsx", "B7"),
    ("criteria.service-type-given", f"{XD}-附件4-1申报书.xlsx", "B10"),
}


def test_gyhlw_ingest_reads_every_form_and_the_summary() -> None:
    result, _, _ = run("jl-gyhlw-2020")
    expected = {f"{who}-附件4-{n}.xlsx": ("ok", 1) for who in (HS, YZ, SL, XD, QM) for n in ("1申报书", "3绩效目标")}
    assert statuses(result) == {**expected, SUMMARY_4_5: ("ok", 5)}
    assert result.rows_read == len(result.records) == 15
    assert sorted(r.annex for r in result.records) == ["application"] * 5 + ["performance"] * 5 + ["recommended"] * 5
    perf = next(r for r in result.records if r.annex == "performance" and r.file.startswith(SL))
    assert perf.values["quantitative"][1] == {"name": "协同设计效率", "value": "显著提升"}
    other = next(r for r in result.records if r.annex == "application" and r.file.startswith(QM))
    assert (other.values["service_types"], other.values["service_other"]) == (["其他"], "工业数据治理与质量评估服务")


def test_gyhlw_findings_are_the_planted_ones() -> None:
    result, checked, deduped = run("jl-gyhlw-2020")
    assert {(f.code, f.file, f.cell) for f in [*result.findings, *checked.findings]} == PLANTED_GYHLW
    refused = {(f"{who}-附件4-{n}.xlsx", row) for who in (HS, YZ, SL) for n, row in (("1申报书", 4), ("3绩效目标", 3))}
    assert rows(checked.rejected) == {*refused, (SUMMARY_4_5, 4), (SUMMARY_4_5, 5), (SUMMARY_4_5, 6)}
    assert len(checked.accepted) == 6  # 鑫达 and 启明: 4-1, 4-3 and the 4-5 row each
    assert all(not d.merged and not d.suspects for d in deduped.values())


# --- jl-zgsz-2023: 省工信厅 collects the cities' reserve tables

PLANTED_ZGSZ_WARNINGS = {
    ("criteria.loan-amount-cap", "吉林市.xlsx", 6),  # 25000 万元 (2.5 亿元) loan
    ("criteria.loan-term-min", "吉林市.xlsx", 8),  # 0.5 年
}
PLANTED_ZGSZ_ERRORS = {("criteria.loan-within-investment", "四平市.xlsx", 7)}  # 9500 万元 loan, 8000 total


def test_zgsz_ingest_reads_every_city() -> None:
    result, _, _ = run("jl-zgsz-2023")
    assert statuses(result) == {f"{c}.xlsx": ("ok", 5) for c in ("吉林市", "四平市", "通化市", "延边朝鲜族自治州")}
    assert result.rows_read == len(result.records) == 20
    assert {r.values["sector"] for r in result.records} == {"汽车", "医药", "装备", "食品", "石化", "原材料"}
    assert len({r.values["action"] for r in result.records}) == 7


def test_zgsz_findings_are_the_planted_ones() -> None:
    result, checked, deduped = run("jl-zgsz-2023")
    assert found(result, checked, deduped, "error") == PLANTED_ZGSZ_ERRORS
    assert found(result, checked, deduped, "warning") == PLANTED_ZGSZ_WARNINGS
    assert {("criteria.loan-amount-cap", "吉林市.xlsx", "J6"), ("criteria.loan-term-min", "吉林市.xlsx", "K8"),
            ("criteria.loan-within-investment", "四平市.xlsx", "J7")} <= cells(checked)
    assert rows(checked.rejected) == {("四平市.xlsx", 7)}
    assert len(checked.accepted) == 19
    assert all(not d.merged and not d.suspects for d in deduped.values())
