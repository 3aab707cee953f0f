"""校验报告.xlsx: findings one a row in the batch's order, per-file counts that add up, the column
mapping, and county text that stays text."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from tests.inbox_fixtures import TEMPLATE_ROW, build_inbox, filled_template
from toolkit.merge.pipeline import Batch, process
from toolkit.outputs.report import (
    COLUMNS_SHEET,
    FINDING_COLUMNS,
    FINDINGS_SHEET,
    REPORT_NAME,
    SUMMARY_COLUMNS,
    SUMMARY_SHEET,
    write_report,
)
from toolkit.packs.loader import load_pack

HOSTILE = ['=HYPERLINK("http://x.example","点我")', "+1+2", "-3+4", "@SUM(A1)", "\t=1+1", "\r=2+2"]


def hostile_county(path: Path) -> Path:
    """A county table whose cells (and a sheet name) begin like formulas."""
    header = ["县（市、区）", "项目名称", "项目类别", "项目阶段", "建设单位", "统一社会信用代码", "建设内容及规模",
              "总投资（万元）", "进展情况", "项目责任人"]
    rows = [header]
    for i, text in enumerate(HOSTILE):
        # The text lands in 总投资 (unreadable amount: a finding whose value is the text) and in
        # 项目名称 (read as it is).
        rows.append(["=县", f"{text}项目{i}", "大数据中心", "续建项目", "=单位", TEMPLATE_ROW["uscc"], "机房",
                     text, "在建", "张三"])
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("=Sheet")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write_string(r, c, value)  # a county's text, not a formula (write() would make one)
    wb.close()
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    root = build_inbox(tmp_path_factory.mktemp("report") / "收件箱")
    hostile_county(root / "=HYPERLINK(1).xlsx")
    # 长春新区 sent 农安县's project again: an exact duplicate, merged.
    filled_template(load_pack("jl-761-2020"), root / "长春新区.xlsx", [TEMPLATE_ROW])
    return process(load_pack("jl-761-2020"), [root])


@pytest.fixture(scope="module")
def report(batch: Batch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(batch, tmp_path_factory.mktemp("out") / REPORT_NAME)


def rows_of(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def all_values(path: Path) -> list[Any]:
    """Every cell value as Excel shows it (calamine decodes `_x000D_` escapes; openpyxl does not)."""
    with CalamineWorkbook.from_path(str(path)) as wb:
        return [v for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python() for v in row]


def assert_no_formulas(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                data = zf.read(name)
                assert b"<f>" not in data and b"<f " not in data, name


def test_findings_sheet_is_the_batch_findings_in_order(batch: Batch, report: Path) -> None:
    rows = rows_of(report, FINDINGS_SHEET)
    assert rows[0] == FINDING_COLUMNS
    body = rows[1:]
    assert len(body) == len(batch.findings) > 20
    idx = {name: FINDING_COLUMNS.index(name) for name in FINDING_COLUMNS}
    for n, (row, f) in enumerate(zip(body, batch.findings, strict=True), 1):
        assert row[idx["序号"]] == n
        assert (row[idx["文件"]], row[idx["工作表"]] or None, row[idx["单元格"]] or None, row[idx["行"]]) == \
            (f.file, f.sheet, f.cell, f.row)
        assert (row[idx["问题代码"]], row[idx["问题说明"]]) == (f.code, f.message)
        assert row[idx["严重程度"]] == {"error": "错误", "warning": "提醒"}[f.severity]
    # Sorted by file and row: what the clerk filters and reads top to bottom.
    keys = [(r[idx["文件"]], r[idx["工作表"]] or "", r[idx["行"]] or 0) for r in body]
    assert keys == sorted(keys)
    # The field's Chinese title, not its key; the clause of the notice.
    min_inv = next(r for r in body if r[idx["问题代码"]] == "criteria.min-investment" and r[idx["文件"]] == "南关区.xlsx")
    assert min_inv[idx["字段"]] == "总投资"
    assert min_inv[idx["通知条款"]] == "吉政数办函〔2020〕579号 一(一)4"
    assert min_inv[idx["原值"]] == 0.08


def test_findings_sheet_has_filter_and_frozen_header(report: Path) -> None:
    ws = openpyxl.load_workbook(report)[FINDINGS_SHEET]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:K")


def test_per_file_counts_add_up_to_the_batch(batch: Batch, report: Path) -> None:
    rows = rows_of(report, SUMMARY_SHEET)
    assert rows[0] == SUMMARY_COLUMNS
    col = {name: SUMMARY_COLUMNS.index(name) for name in SUMMARY_COLUMNS}
    files = rows[1:1 + len(batch.ingested.files)]
    assert [r[col["文件"]] for r in files] == [f.path for f in batch.ingested.files]
    status = {f.path: f.status for f in batch.ingested.files}
    for r in files:
        assert r[col["状态"]] == {"ok": "已读取", "error": "无法读取", "skipped": "已跳过"}[status[r[col["文件"]]]]
        # every row of a file is passed, failed or merged into another file's row
        assert r[col["项目数"]] == r[col["通过"]] + r[col["未通过"]] + r[col["重复合并"]]

    def total(name: str) -> int:
        return sum(r[col[name]] for r in files)

    c = batch.counts
    assert c["duplicates_merged"] >= 1  # the fixture's duplicate, so the column is really tested
    assert (total("项目数"), total("通过"), total("未通过"), total("重复合并")) == \
        (c["rows_read"], c["accepted"], c["rejected"], c["duplicates_merged"])
    errors = sum(1 for f in batch.findings if f.is_error)
    assert (total("错误数"), total("提醒数")) == (errors, len(batch.findings) - errors)
    totals = rows[1 + len(files)]
    assert totals[0] == "合计"
    assert totals[col["项目数"]:col["重复合并"] + 1] == (c["rows_read"], c["accepted"], c["rejected"],
                                                       c["duplicates_merged"])
    accounting = next(r for r in rows if r[0] == "核对")
    assert accounting[2].startswith(
        f"读取 {c['rows_read']} = 通过 {c['accepted']} + 未通过 {c['rejected']} + 重复合并 {c['duplicates_merged']}")
    nongan = next(r for r in files if r[col["文件"]] == "农安县.xlsx")
    assert nongan[col["模板版本"]] == "1.1.0"


def test_column_mapping_sheet(batch: Batch, report: Path) -> None:
    rows = rows_of(report, COLUMNS_SHEET)
    assert rows[0] == ("文件", "工作表", "列", "表头", "对应字段", "单位")
    chaoyang = {r[2]: r for r in rows[1:] if r[0] == "朝阳区.xlsx"}
    assert chaoyang["C"][3:] == ("计划总投资（亿元）", "总投资", "亿元")
    assert chaoyang["B"][4].startswith("（未对应")
    # Only files that were read: the superseded 二道区.xlsx is not listed.
    assert "二道区/二道区.xlsx" not in {r[0] for r in rows[1:]}


def test_county_text_stays_text(batch: Batch, report: Path) -> None:
    hostile = [f for f in batch.findings if f.file == "=HYPERLINK(1).xlsx" and f.value in HOSTILE]
    assert {f.value for f in hostile} == set(HOSTILE)  # every such text reached the report as a value
    seen = {v for v in all_values(report) if isinstance(v, str)}
    assert set(HOSTILE) <= seen
    assert {"=HYPERLINK(1).xlsx", "=Sheet"} <= seen  # a file name and a sheet name
    assert_no_formulas(report)  # so each of them is a string cell, not a formula


def test_target_folder_gets_the_report_name(batch: Batch, tmp_path: Path) -> None:
    written = write_report(batch, tmp_path)
    assert written == tmp_path / REPORT_NAME and written.is_file()
    assert [p.name for p in tmp_path.iterdir()] == [REPORT_NAME]  # no temporary file left behind


# --------------------------------------------------------------------------- fast paths against the plain ones

_TEXTS = ["", " ", "0", "123", "１２３", "全角ＡＢＣ", "二道区/二道区.xlsx", "a\nb", "\n", "很" * 40, "x" * 200,
          "项目名称（未对应任何字段，未读取）", "1e10", "-0.00", "A1\n\n中文\n" + "长" * 30]


@pytest.mark.parametrize("widths", [[40.0, 20.0, 8.0, 30.0, 30.0, 10.0], [1.0] * 6, [2.0, 0.5, 100.0, 3.0, 7.5, 1.0],
                                    [12.0, 12.0]])
def test_heights_per_column_match_fitted_height_per_row(widths: list[float]) -> None:
    """`_heights` (each column's distinct texts measured once) gives every row the height
    `fitted_height` gives it on its own (texts repeated down columns, empty, wide, multi-line)."""
    from toolkit.outputs.report import _heights
    from toolkit.template.styles import fitted_height

    rows = [tuple(_TEXTS[(i * 7 + c * 3) % len(_TEXTS)] for c in range(6)) for i in range(60)]
    rows += [("",) * 6, tuple(_TEXTS[-6:]), tuple(_TEXTS[:6])]
    assert _heights(rows, widths) == [fitted_height(zip(row, widths, strict=False), 15) for row in rows]
    assert _heights([], widths) == []


def test_file_counts_match_counting_record_by_record(batch: Batch) -> None:
    """`file_counts` tallies per (file, what) first; the result is the one a Counter per record gives."""
    from collections import Counter

    from toolkit.outputs.report import file_counts

    expected: dict[str, Counter[str]] = {f.path: Counter() for f in batch.ingested.files}
    for r in batch.accepted:
        expected.setdefault(r.file, Counter())["passed"] += 1
    for r in batch.validation.rejected:
        expected.setdefault(r.file, Counter())["failed"] += 1
    for copy, _kept in batch.dedup.merged:
        expected.setdefault(copy.file, Counter())["merged"] += 1
    for f in batch.findings:
        expected.setdefault(f.file or "", Counter())[f.severity] += 1
    found = file_counts(batch)
    assert list(found) == list(expected)
    assert {k: dict(v) for k, v in found.items()} == {k: dict(v) for k, v in expected.items()}
    assert any(v for v in found.values())


@pytest.mark.parametrize("items", [[], ["a"], ["a", "a"], ["a", "b"], list("aabbbcaa"), [1, 1.0, True, 2, None, None],
                                   list("abcdef"), ["x"] * 50 + ["y"] + ["x"] * 3])
def test_runs_are_groupby_groups(items: list[Any]) -> None:
    """`_runs` cuts a list where itertools.groupby starts a new group."""
    from itertools import groupby

    from toolkit.outputs.report import _runs

    expected = []
    start = 0
    for _, group in groupby(items):
        n = len(list(group))
        expected.append((start, start + n))
        start += n
    assert _runs(items) == expected
