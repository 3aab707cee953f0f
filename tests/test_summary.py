"""The summary workbook (汇总表.xlsx): layout, cached totals, county text kept as text, review
sheets, the clerk's decisions read back, the split per 归口部门, the figures the letter reads, and
a summary read again one level up (county -> city -> province)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from tests.fixtures_files import soffice_convert
from tests.summary_fixtures import ACCEPTED, COUNTIES, HYPERLINK, PACK, build_city, write_county
from toolkit.cli import cli
from toolkit.errors import ShenbaoError
from toolkit.ingest.inbox import ingest
from toolkit.ingest.layout import find_layout
from toolkit.ingest.readers import read_file
from toolkit.ingest.table import read_table
from toolkit.merge.decisions import read_decisions
from toolkit.merge.dedupe import dedupe
from toolkit.merge.pipeline import Batch, process
from toolkit.merge.stats import read_stats
from toolkit.outputs.summary import write_summary

SUMS = ("total_investment", "bigdata_investment", "completed_investment")
# 0-based columns of the 761 汇总表: 序号, 填报单位, 县, 项目名称 ... 总投资 (J), 大数据 (K), 完成 (L)
NAME_COL, SUM_COLS = 3, {"total_investment": 9, "bigdata_investment": 10, "completed_investment": 11}
FIRST_DATA = 4  # title, unit line, two header rows


def rows_of(path: Path, sheet: str) -> list[list[Any]]:
    """Cell values as a viewer that never recalculates shows them (cached formula results)."""
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return [list(r) for r in wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]
    finally:
        wb.close()


def exact(records: Any, key: str) -> float:
    return float(sum((Decimal(str(r.values[key])) for r in records if r.values.get(key) is not None), Decimal(0)))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("summary")


@pytest.fixture(scope="module")
def cities(root: Path) -> dict[str, tuple[Batch, list[Path]]]:
    out = {}
    for city in COUNTIES:
        inbox = build_city(root / "县报", city)
        batch = process(PACK, [inbox], unit_name=city, expected_units=[*COUNTIES[city], "九台区"])
        out[city] = (batch, write_summary(batch, root / "市汇总" / city, date="2020-07-20"))
    return out


@pytest.fixture(scope="module")
def changchun(cities: dict[str, tuple[Batch, list[Path]]]) -> tuple[Batch, Path]:
    batch, paths = cities["长春市"]
    return batch, paths[0]


def test_files_written_whole_then_one_per_department(cities: dict[str, tuple[Batch, list[Path]]]) -> None:
    assert [p.name for p in cities["长春市"][1]] == [
        "汇总表.xlsx", "汇总表-省政务服务和数字化局.xlsx", "汇总表-省工信厅.xlsx"]
    assert [p.name for p in cities["吉林市"][1]] == [
        "汇总表.xlsx", "汇总表-省政务服务和数字化局.xlsx", "汇总表-省工信厅.xlsx", "汇总表-省通信管理局.xlsx"]
    for city, (batch, _) in cities.items():
        assert batch.counts["accepted"] == ACCEPTED[city]
    assert not list((cities["长春市"][1][0].parent).glob(".~*")), "no temporary file left behind"


def test_sheets_and_their_states(changchun: tuple[Batch, Path]) -> None:
    wb = openpyxl.load_workbook(changchun[1])
    assert [(ws.title, ws.sheet_state) for ws in wb] == [
        ("汇总表", "visible"), ("明细", "visible"), ("未通过", "visible"), ("疑似重复", "visible"),
        ("统计", "visible"), ("_shenbao", "hidden"), ("_shenbao_summary", "hidden")]
    stamp = {r[0]: r[1] for r in wb["_shenbao"].iter_rows(values_only=True)}
    assert stamp["pack_id"] == "jl-761-2020" and stamp["kind"] == "summary" and stamp["data_sheet"] == "明细"
    assert wb.active.title == "汇总表"


def test_title_unit_line_and_headers(changchun: tuple[Batch, Path]) -> None:
    rows = rows_of(changchun[1], "汇总表")
    assert rows[0][0] == "长春市2020年“761”工程智能信息网新增入库项目汇总表"
    assert rows[1][0].startswith("填报单位（盖章）：长春市 ") and "填报日期：2020年7月20日" in rows[1][0]
    assert rows[1][0].endswith("单位：万元")
    assert rows[2][:4] == ["序号", "填报单位", "所在县（市、区）", "项目名称"]
    assert rows[2][9] == "投资情况（万元）" and rows[3][9:12] == [
        "总投资（万元）", "其中：大数据存储、分析和应用投资（万元）", "累计完成投资（万元）"]
    assert [r[0] for r in rows[-2:]][-1].startswith("填表人：") and "审核人：" in rows[-1][0]


def test_groups_by_department_then_category_with_counts(changchun: tuple[Batch, Path]) -> None:
    rows = rows_of(changchun[1], "汇总表")[FIRST_DATA:]
    labels = [r[0] for r in rows if isinstance(r[0], str) and r[0]]
    assert labels == [
        "一、省政务服务和数字化局（5个）", "（一）大数据中心（1个）", "小计（大数据中心）",
        "（二）数字政务基础设施（4个）", "小计（数字政务基础设施）", "小计（省政务服务和数字化局）",
        "二、省工信厅（2个）", "（一）人工智能（1个）", "小计（人工智能）", "（二）工业互联网（1个）", "小计（工业互联网）",
        "小计（省工信厅）", "合计", labels[-1]]
    assert [r[0] for r in rows if isinstance(r[0], float)] == [1, 2, 3, 4, 5, 6, 7]  # running 序号
    names = [r[NAME_COL] for r in rows if isinstance(r[0], float)]
    assert names[:2] == ["南关区城市大数据中心", "南关区政务云扩容项目"]  # group order, then file and row


def test_subtotals_and_total_are_formulas_with_exact_cached_values(changchun: tuple[Batch, Path]) -> None:
    batch, path = changchun
    cached = rows_of(path, "汇总表")
    ws = openpyxl.load_workbook(path)["汇总表"]
    by_label = {r[0]: (i, r) for i, r in enumerate(cached) if isinstance(r[0], str) and r[0].startswith(("小计", "合计"))}
    route = {"小计（省政务服务和数字化局）": "省政务服务和数字化局", "小计（省工信厅）": "省工信厅"}
    for label, (i, row) in by_label.items():
        if label == "合计":
            members = batch.accepted
        elif label in route:
            members = [r for r in batch.accepted if PACK.route_of(r.values["category"]) == route[label]]
        else:
            members = [r for r in batch.accepted if r.values["category"] == label[3:-1]]
        assert row[NAME_COL] == len(members), label
        for key, col in SUM_COLS.items():
            assert row[col] == exact(members, key), (label, key)
            formula = ws.cell(i + 1, col + 1).value
            assert isinstance(formula, str) and formula.startswith("=SUM("), (label, formula)
    assert by_label["合计"][1][9] == 12950.6
    # 300.1 + 600.2 added as floats is 900.3000000000001; the table shows what a clerk adds up
    assert by_label["小计（数字政务基础设施）"][1][11] == 900.3 != 300.1 + 600.2
    assert by_label["小计（数字政务基础设施）"][1][9] == 3450.3
    i = by_label["小计（数字政务基础设施）"][0]
    assert ws.cell(i + 1, 10).value == "=SUM(J10:J13)" and ws.cell(i + 1, 4).value == "=COUNTA(D10:D13)"
    assert ws.cell(by_label["合计"][0] + 1, 10).value == "=SUM(J15,J23)"
    assert ws.cell(i + 1, 10).number_format == "#,##0.00"


def test_county_text_is_never_a_formula(changchun: tuple[Batch, Path]) -> None:
    path = changchun[1]
    wb = openpyxl.load_workbook(path)
    for sheet in ("汇总表", "明细"):
        cells = [c for row in wb[sheet].iter_rows() for c in row if c.value == HYPERLINK]
        assert len(cells) == 1 and cells[0].data_type == "s", sheet
        texts = [c for row in wb[sheet].iter_rows() for c in row if c.value == "+扩容800核"]
        assert texts and all(c.data_type == "s" for c in texts)
    assert HYPERLINK in [r[NAME_COL] for r in rows_of(path, "汇总表")]
    jilin = ingest(PACK, [path.parents[1] / "吉林市" / "汇总表.xlsx"]).records
    assert "@丰满区大数据应用中心" in [r.values["project_name"] for r in jilin]


def test_codes_phones_and_dates_are_text(changchun: tuple[Batch, Path]) -> None:
    ws = openpyxl.load_workbook(changchun[1])["明细"]
    header = [c.value for c in ws[3]]
    uscc, phone, start = (header.index(t) + 1 for t in ("统一社会信用代码", "联系电话", "计划开工时间"))
    assert ws.cell(5, uscc).data_type == "s" and ws.cell(5, uscc).number_format == "@"
    assert ws.cell(5, phone).value == "13904310001" and ws.cell(5, phone).data_type == "s"
    assert ws.cell(5, start).value == "2019年5月"


def test_detail_sheet_lists_every_accepted_record_with_its_source(changchun: tuple[Batch, Path]) -> None:
    batch, path = changchun
    rows = rows_of(path, "明细")
    header = rows[2]
    data = [dict(zip(header, r, strict=True)) for r in rows[4:] if r[0] != ""]
    assert len(data) == len(batch.accepted) == 7
    for field in PACK.annex("projects").fields:
        assert field.header in rows[2] + rows[3], field.header
    first = next(d for d in data if d["项目名称"] == "南关区政务云扩容项目")
    assert (first["来源文件"], first["来源工作表"], first["来源行号"], first["填报单位"]) == ("南关区.xlsx", "项目表", 4, "南关区")
    assert first["重复来源"] == "朝阳区.xlsx / 项目表 / 第7行（朝阳区）"


def test_rejected_sheet_gives_each_reason_and_cell(cities: dict[str, tuple[Batch, list[Path]]]) -> None:
    rows = rows_of(cities["长春市"][1][0], "未通过")
    assert rows[0][0] == "未通过审核的项目（1个）"
    header, data = rows[2], [r for r in rows[3:] if r[0] != ""]
    (row,) = (dict(zip(header, r, strict=True)) for r in data)
    assert row["项目名称"] == "南关区小型数据机房" and row["来源文件"] == "南关区.xlsx" and row["来源行号"] == 8
    assert "小于 500 万元" in row["不予入库原因"] and "一(一)4" in row["不予入库原因"] and row["问题单元格"] == "K8"


def test_rejected_reasons_are_joined_one_per_line(tmp_path: Path) -> None:
    bad = {**COUNTIES["长春市"]["南关区"][4], "stage": "新开工项目", "feasibility_done": "否"}
    (tmp_path / "in").mkdir()
    write_county(tmp_path / "in" / "南关区.xlsx", "南关区", [bad])
    batch = process(PACK, [tmp_path / "in"], unit_name="长春市")
    (path, *_) = write_summary(batch, tmp_path / "out")
    rows = rows_of(path, "未通过")
    reasons, cells = rows[3][-2].split("\n"), rows[3][-1].split("\n")
    assert len(reasons) == len(cells) == len(batch.validation.reasons_for(batch.validation.rejected[0])) >= 3
    assert any("可研" in r for r in reasons)


def test_pairs_sheet_side_by_side_with_a_dropdown(changchun: tuple[Batch, Path]) -> None:
    batch, path = changchun
    (suspect,) = batch.dedup.suspects
    rows = rows_of(path, "疑似重复")
    top, sub, data = rows[2], rows[3], [r for r in rows[4:] if r[0] != ""]
    assert top[1] == "疑似重复编号" and top[2] == "项目甲" and "项目乙" in top and "处理意见" in top and "备注" in top
    assert sub[2:5] == ["填报单位", "来源", "项目名称"]
    (row,) = data
    assert row[1] == suspect.pair_id
    assert row[4] == "南关区智慧城管平台（一期）" and row[4 + 7] == "南关区智慧城管平台项目一期"
    assert row[top.index("疑似原因")] == suspect.reason and row[top.index("相似度（%）")] == 100
    assert row[top.index("处理意见")] == "" and row[top.index("状态")] == "待处理"
    ws = openpyxl.load_workbook(path)["疑似重复"]
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"合并,保留"'
    assert str(dv.sqref) == f"{openpyxl.utils.get_column_letter(top.index('处理意见') + 1)}5"


def _answer(path: Path, answers: dict[str, str], target: Path) -> Path:
    """A clerk fills 处理意见 in Excel (openpyxl stands in) and saves a copy."""
    wb = openpyxl.load_workbook(path)
    ws = wb["疑似重复"]
    header = [c.value for c in ws[3]]
    id_col, decision_col = header.index("疑似重复编号") + 1, header.index("处理意见") + 1
    for r in range(5, ws.max_row + 1):
        pid = ws.cell(r, id_col).value
        if pid in answers:
            ws.cell(r, decision_col, answers[pid])
    wb.save(target)
    return target


@pytest.mark.parametrize("word", ["合并", "保留"])
def test_decisions_round_trip(changchun: tuple[Batch, Path], tmp_path: Path, word: str) -> None:
    batch, path = changchun
    pid = batch.dedup.suspects[0].pair_id
    filled = _answer(path, {pid: word}, tmp_path / "已填.xlsx")
    decisions = read_decisions(filled)
    assert decisions == {pid: word}
    again = process(PACK, batch.inputs, decisions=decisions, unit_name="长春市")
    assert not again.dedup.suspects
    assert again.counts["accepted"] == (6 if word == "合并" else 7)
    (second, *_) = write_summary(again, tmp_path / "第二次")
    # The answered pair stays listed with its answer, so the next run keeps it.
    assert read_decisions(second) == {pid: word}
    row = next(r for r in rows_of(second, "疑似重复")[4:] if r[1] == pid)
    assert f"已按“{word}”处理" in row


def test_pairs_answered_keep_are_those_a_second_search_would_find(changchun: tuple[Batch, Path]) -> None:
    """The 疑似重复 sheet lists 保留 pairs from dedupe's own result (kept_apart); they are the ones a
    second search over the summary's rows finds that are no longer pending."""
    from toolkit.outputs.summary.view import whole_view

    batch, _ = changchun
    decisions = {s.pair_id: "保留" for s in batch.dedup.suspects}
    assert decisions
    again = process(PACK, batch.inputs, decisions=decisions, unit_name="长春市")
    records = [r for r in again.accepted if r.annex == again.annex.id]
    searched = [(s.a, s.b, s.pair_id) for s in dedupe(PACK, records).suspects]
    listed = [(p.a, p.b, p.pair_id) for p in whole_view(again, "长春市", None).pairs if p.decision == "保留"]
    assert listed == searched and len(listed) == len(decisions)


def test_read_decisions_ignores_blanks_and_refuses_other_words(changchun: tuple[Batch, Path], tmp_path: Path) -> None:
    batch, path = changchun
    pid = batch.dedup.suspects[0].pair_id
    assert read_decisions(path) == {}  # nothing answered yet
    with pytest.raises(ShenbaoError) as err:
        read_decisions(_answer(path, {pid: "同意"}, tmp_path / "错字.xlsx"))
    assert "“合并”或“保留”" in err.value.message and "第5行“同意”" in err.value.message
    with pytest.raises(ShenbaoError, match="没有“疑似重复”表"):
        read_decisions(batch.inputs[0] / "南关区.xlsx")


def test_dedupe_applies_decisions_read_back(changchun: tuple[Batch, Path], tmp_path: Path) -> None:
    batch, path = changchun
    suspect = batch.dedup.suspects[0]
    decisions = read_decisions(_answer(path, {suspect.pair_id: "合并"}, tmp_path / "a.xlsx"))
    result = dedupe(batch.pack, [suspect.a, suspect.b], decisions)
    assert result.kept == [suspect.a] and result.merged == [(suspect.b, suspect.a)]


def test_split_per_department(cities: dict[str, tuple[Batch, list[Path]]]) -> None:
    batch, paths = cities["吉林市"]
    seen: list[str] = []
    for path in paths[1:]:
        department = path.stem.split("-", 1)[1]
        rows = rows_of(path, "汇总表")
        assert rows[0][0].endswith(f"（{department}）")
        headings = [r[0] for r in rows if isinstance(r[0], str) and r[0][:2] in ("一、", "二、")]
        assert len(headings) == 1 and headings[0].startswith(f"一、{department}")
        names = [r[2] for r in rows_of(path, "明细")[4:] if r[0] != ""]
        expected = [r.values["project_name"] for r in batch.accepted if PACK.route_of(r.values["category"]) == department]
        assert sorted(names) == sorted(expected)
        stats = read_stats(path)
        assert stats is not None and stats.projects == len(expected)
        assert stats.totals["total_investment"] == exact(
            [r for r in batch.accepted if PACK.route_of(r.values["category"]) == department], "total_investment")
        seen += names
    assert sorted(seen) == sorted(r.values["project_name"] for r in batch.accepted)


def test_rejected_goes_to_its_department_file(cities: dict[str, tuple[Batch, list[Path]]]) -> None:
    paths = {p.stem: p for p in cities["长春市"][1]}
    assert rows_of(paths["汇总表-省政务服务和数字化局"], "未通过")[0][0] == "未通过审核的项目（1个）"
    assert rows_of(paths["汇总表-省工信厅"], "未通过")[0][0] == "未通过审核的项目（0个）"
    assert rows_of(paths["汇总表-省工信厅"], "疑似重复")[0][0] == "疑似重复项目（0对）"


def test_stats_sheet_reads_back_equal(cities: dict[str, tuple[Batch, list[Path]]]) -> None:
    for batch, paths in cities.values():
        assert read_stats(paths[0]) == batch.stats


def test_figures_sheet_by_unit_and_category(changchun: tuple[Batch, Path]) -> None:
    path = changchun[1]
    rows = rows_of(path, "统计")
    assert rows[3][:6] == ["填报单位", "大数据中心", "数字政务基础设施", "人工智能", "工业互联网", "合计"]
    assert rows[4][:6] == ["南关区", 1, 3, 0, 0, 4] and rows[5][:6] == ["朝阳区", 0, 1, 1, 1, 3]
    assert rows[6][:6] == ["合计", 1, 4, 1, 1, 7]
    assert rows[12][:6] == ["合计", 3000, 3450.3, 5000, 1500.3, 12950.6]
    missing = next(i for i, r in enumerate(rows) if str(r[0]).startswith("未报送单位"))
    assert rows[missing][0] == "未报送单位（1个）" and rows[missing + 1][0] == "九台区"
    ws = openpyxl.load_workbook(path)["统计"]
    assert ws.cell(7, 6).value == "=SUM(F5:F6)"
    with zipfile.ZipFile(path) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = zf.read(charts[0]).decode("utf-8")
    assert "<c:barChart>" in xml and "统计!$A$5:$A$6" in xml and "统计!$B$5:$B$6" in xml


def test_print_setup(changchun: tuple[Batch, Path]) -> None:
    ws = openpyxl.load_workbook(changchun[1])["汇总表"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 8  # A3, as the pack says
    assert ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide (1 is the file's default width)
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$3:$4"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.freeze_panes == "A5"


def test_output_is_deterministic(changchun: tuple[Batch, Path], tmp_path: Path) -> None:
    batch, path = changchun
    (again, *_) = write_summary(batch, tmp_path / "汇总表.xlsx", unit_name="长春市", date="2020-07-20")
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("enabled", [True, False])
def test_writing_leaves_the_garbage_collector_as_it_was(changchun: tuple[Batch, Path], tmp_path: Path,
                                                        enabled: bool) -> None:
    import gc

    batch, _ = changchun
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        write_summary(batch, tmp_path / "汇总表.xlsx", unit_name="长春市")
        assert gc.isenabled() is enabled
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable() if was else gc.disable()


def test_summary_sheet_alone_reads_back_as_the_same_projects(changchun: tuple[Batch, Path]) -> None:
    """Without the stamp (a clerk copied only the table), the 汇总表 sheet itself is read: headings,
    小计, 合计 and the footer are set aside, and each project row gives its values back."""
    batch, path = changchun
    outcome = read_file(path)
    assert outcome.workbook is not None
    sheet = next(s for s in outcome.workbook.sheets if s.name == "汇总表")
    annex = PACK.annex("projects")
    layout = find_layout(sheet.rows, annex)
    assert layout is not None and layout.reporting_unit == "长春市"
    read = read_table(sheet.rows, layout, annex, file="汇总表.xlsx", sheet="汇总表")
    assert dict(read.skipped) == {"heading": 6, "total": 7, "footer": 1, "blank": 1}
    assert not read.findings
    columns = [k for k in PACK.summary.columns if k in annex.field_keys] if PACK.summary else []
    got = sorted(tuple(str(r.values[k]) for k in columns) for r in read.records)
    want = sorted(tuple(str(r.values[k]) for k in columns) for r in batch.accepted)
    assert got == want


def test_three_level_roll_up(cities: dict[str, tuple[Batch, list[Path]]], root: Path) -> None:
    """County files -> two city summaries -> the province merge: the same projects, the same
    money, and each project still knows its county row."""
    inbox = root / "省收件箱"
    for city, (_, paths) in cities.items():
        (inbox / city).mkdir(parents=True)
        shutil.copy(paths[0], inbox / city / "汇总表.xlsx")  # every city sends 汇总表.xlsx
    province = process(PACK, [inbox], unit_name="吉林省")
    assert [f.status for f in province.ingested.files] == ["ok", "ok"]
    assert all(f.sheet == "明细" for f in province.ingested.files)
    city_batches = [b for b, _ in cities.values()]
    assert province.stats.projects == sum(b.stats.projects for b in city_batches) == 12
    assert province.counts["rejected"] == 0 and not [f for f in province.findings if f.is_error]
    for key in SUMS:
        assert province.stats.totals[key] == float(sum(Decimal(str(b.stats.totals[key])) for b in city_batches))

    def project(r: Any) -> tuple[Any, ...]:
        return tuple(sorted((k, str(v)) for k, v in r.values.items()))

    union = sorted(project(r) for b in city_batches for r in b.accepted)
    assert sorted(project(r) for r in province.accepted) == union
    for r in province.accepted:
        assert r.reporting_unit in ("长春市", "吉林市") and r.sheet == "明细" and not r.extra
        (origin,) = r.chain
        source = next(c for b in city_batches for c in b.accepted if project(c) == project(r))
        assert origin == f"{source.where}（{source.reporting_unit}）"

    (summary, *parts) = write_summary(province, root / "省汇总")
    assert len(parts) == 3
    total_row = next(r for r in rows_of(summary, "汇总表") if r[0] == "合计")
    city_totals = [next(r for r in rows_of(p[0], "汇总表") if r[0] == "合计") for _, p in cities.values()]
    for col in SUM_COLS.values():
        assert total_row[col] == float(sum(Decimal(str(t[col])) for t in city_totals))
    assert total_row[NAME_COL] == 12
    assert rows_of(summary, "汇总表")[2][1] == "市（州）"  # the units are the pack's own 市（州）

    # One level more: the province's summary read again keeps both links of the chain.
    again = ingest(PACK, [summary]).records
    hyper = next(r for r in again if r.values["project_name"] == HYPERLINK)
    assert hyper.chain[0].startswith("南关区.xlsx / 项目表 / 第5行") and hyper.chain[1].startswith("长春市/汇总表.xlsx / 明细 /")


def test_summaries_pair_as_resubmissions_only_within_a_unit(cities: dict[str, tuple[Batch, list[Path]]],
                                                             tmp_path: Path) -> None:
    """Two cities' 汇总表.xlsx are two units; a city's corrected 汇总表（修改）.xlsx replaces its
    first one; its part for one department beside its whole summary is our own output (all its
    projects are in the whole one): skipped, not counted twice (issue 16, point 4)."""
    changchun, jilin = cities["长春市"][1], cities["吉林市"][1]
    inbox = tmp_path / "省"
    for folder, name, src in [("长春市", "汇总表.xlsx", changchun[0]), ("长春市", "汇总表（修改）.xlsx", changchun[0]),
                              ("吉林市", "汇总表.xlsx", jilin[0]), ("吉林市", "汇总表-省工信厅.xlsx", jilin[2])]:
        (inbox / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(src, inbox / folder / name)
    result = ingest(PACK, [inbox])
    statuses = {f.path: f.status for f in result.files}
    assert statuses == {"长春市/汇总表.xlsx": "skipped", "长春市/汇总表（修改）.xlsx": "ok",
                        "吉林市/汇总表.xlsx": "ok", "吉林市/汇总表-省工信厅.xlsx": "skipped"}
    batch = process(PACK, [inbox])
    part = read_stats(jilin[2])
    assert part is not None and part.projects >= 1
    assert batch.counts["accepted"] == 12 and batch.counts["duplicates_merged"] == 0


def test_pack_without_groups_or_sums(tmp_path: Path) -> None:
    """jl-gyhlw-2020 附件4-5: 序号, 项目名称, 依托企业, 项目类别, 联系人, 联系方式（手机）; a 合计 row
    with the count only."""
    from tests.inbox_fixtures import write_rows
    from toolkit.packs.loader import load_pack

    pack = load_pack("jl-gyhlw-2020")
    annex = pack.annex("recommended")
    header = ["序号", *(f.header for f in annex.fields)]
    rows = [["推荐单位（盖章）：长春市"], header, [1, "云智平台", "吉林省云智科技有限公司", "平台类", "张三", "13904310001"],
            [2, "华晟数字车间", "吉林省华晟汽车零部件有限公司", "智能制造类", "李四", "13904310002"]]
    inbox = tmp_path / "in"
    inbox.mkdir()
    write_rows(inbox / "长春市.xlsx", {"Sheet1": rows})
    batch = process(pack, [inbox], unit_name="吉林省")
    assert batch.counts["accepted"] + batch.counts["rejected"] == 2
    (path,) = write_summary(batch, tmp_path / "out")
    table = rows_of(path, "汇总表")
    # 4-5 is the annex the city sends up (role summary): its number stands above the title.
    assert table[0][0] == "附件4-5"
    assert table[1][0] == "吉林省省级工业互联网及制造业服务化示范项目申报信息汇总表"
    assert table[2][0].startswith("推荐单位（盖章）：吉林省")
    assert table[3][:3] == ["序号", "项目名称", "依托企业"]
    total = next(r for r in table if r[0] == "合计")
    assert total[1] == batch.counts["accepted"]


def test_empty_batch_gives_a_zero_total(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    batch = process(PACK, [tmp_path / "in"])
    (path, *rest) = write_summary(batch, tmp_path / "out" / "汇总表.xlsx")
    assert rest == []
    total = next(r for r in rows_of(path, "汇总表") if r[0] == "合计")
    assert total[NAME_COL] == 0 and total[9] == 0
    assert rows_of(path, "汇总表")[1][0].startswith("填报单位（盖章）：  ")


@pytest.mark.office
def test_libreoffice_prints_the_summary(changchun: tuple[Batch, Path], tmp_path: Path) -> None:
    pdf = soffice_convert(changchun[1], "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 1000 and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "12,950.60" in text and "长春市2020年" in text and "共7个" in text


def test_rows_are_ordered_as_one_sort_key_per_record_orders_them(changchun: tuple[Batch, Path]) -> None:
    """`ordered` ranks a column of values at a time; the order is the one a key per record gives,
    blanks, numbers and values outside the pack's choices included, ties in file and row order."""
    import random
    from dataclasses import replace

    from toolkit.merge.stats import dimension_value
    from toolkit.outputs.summary.view import _ranks, ordered

    batch, _ = changchun
    odd = [None, "", 3, "不在选项中的类别", "（未填写）"]
    records = list(batch.accepted)
    rng = random.Random(7)
    for i, r in enumerate(rng.sample(records, min(len(records), 12))):
        key = "category" if i % 2 else "stage"
        records.append(replace(r, row=10_000 + i, values={**r.values, key: odd[i % len(odd)]}))
    rng.shuffle(records)
    for keys in (["route", "category"], ["category"], ["reporting_unit", "stage"], []):
        want = sorted(records, key=lambda r: tuple(_ranks(batch, k)(dimension_value(batch.pack, r, k)) for k in keys))
        assert [id(r) for r in ordered(batch, records, keys)] == [id(r) for r in want], keys


@pytest.mark.office
def test_large_totals_are_shown_not_hashes_in_libreoffice(tmp_path: Path) -> None:
    """A province's 合计 of ten figures in bold was wider than its column: LibreOffice printed ###."""
    from tests.summary_fixtures import project, write_county

    rows = [project("南关区", f"南关区政务云{i}期扩容项目", "数字政务基础设施", "长春市南关区政务服务中心",
                    "11220102MB0000010", 987654.32) for i in range(1, 4)]
    (tmp_path / "in").mkdir()
    write_county(tmp_path / "in" / "南关区.xlsx", "南关区", rows)
    res = CliRunner().invoke(cli, ["merge", "jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    pdf = soffice_convert(tmp_path / "out" / "汇总表.xlsx", "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "2,962,962.96" in text  # 合计 and the category's 小计, in bold
    assert "###" not in text
