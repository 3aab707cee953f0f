"""The template stage: blank workbooks and Word annexes read back with openpyxl and python-docx,
the hidden stamp, and (marked `office`) a round trip through LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
import xlsxwriter
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.template_packs import LONG_HINT, MANY_CHOICES, form_pack_raw, limits_pack_raw
from toolkit import gongwen
from toolkit.errors import ShenbaoError
from toolkit.formats import FORMAT_TITLES
from toolkit.packs.build import build_pack
from toolkit.packs.loader import load_pack
from toolkit.packs.model import Annex, Field, Pack
from toolkit.packs.source import builtin_ids
from toolkit.template import Stamp, read_stamp, template_name, write_templates
from toolkit.template.describe import MESSAGE_LIMIT, TITLE_LIMIT, utf16_len
from toolkit.template.document import line_kind
from toolkit.template.form import DEFAULT_LIST_ROWS, OTHER_SECTION, layout_sections
from toolkit.template.guide import GUIDE_SHEET
from toolkit.template.lists import LIST_SHEET
from toolkit.template.stamp import MARKER, STAMP_SHEET
from toolkit.template.table import DATA_ROWS, first_data_row, group_runs

RED = "FFC00000"


# -- helpers ------------------------------------------------------------------------------

def write(pack: Pack, out: Path, annex_ids: list[str] | None = None) -> list[Path]:
    """write_templates with warnings as errors: xlsxwriter only *warns* when it drops a
    validation or a name it finds invalid, and a template must never lose them silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return write_templates(pack, out, annex_ids)


def builtin_annexes(kind: str) -> list[tuple[str, str]]:
    """Every built-in pack's annexes of a kind. A pack that fails pack-check fails
    test_packs.test_builtin_pack_is_clean and loads with an error here: it is never left out."""
    return [(pid, a.id) for pid in builtin_ids() for a in load_pack(pid).annexes if a.kind == kind]


def data_sheet(wb: OpenpyxlWorkbook, annex: Annex) -> Worksheet:
    ws = wb.worksheets[0]
    assert ws.title == annex.sheet_name
    return ws


def value_at(ws: Worksheet, row: int, col: int) -> Any:
    """The value shown at a cell, following a merge to its top-left cell."""
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if cell.coordinate in rng:
                return ws.cell(rng.min_row, rng.min_col).value
    return cell.value


def merged_range_of(ws: Worksheet, row: int, col: int) -> tuple[int, int, int, int] | None:
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col, rng.max_row, rng.max_col
    return None


def column_dim(ws: Worksheet, col: int) -> Any:
    """The <col> entry covering a 1-based column: openpyxl keys a run of equal columns
    (`<col min="14" max="15">`) by its first letter only."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= (dim.max or dim.min):
            return dim
    raise AssertionError(f"no column entry for column {col}")


def names_of(wb: OpenpyxlWorkbook) -> dict[str, tuple[str, str]]:
    """Workbook defined names that point at cells: name -> (sheet, `$B$5` or `$B$5:$D$7`)."""
    out = {}
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        if dests:
            out[name] = dests[0]
    return out


def validations(ws: Worksheet) -> list[Any]:
    return list(ws.data_validations.dataValidation)


def validation_at(ws: Worksheet, coord: str) -> Any:
    found = [dv for dv in validations(ws) if coord in dv.sqref]
    assert len(found) <= 1, coord
    return found[0] if found else None


def list_values(wb: OpenpyxlWorkbook, name: str) -> list[str]:
    """The values a list validation offers, through its defined name on the hidden sheet."""
    sheet, ref = names_of(wb)[name]
    assert sheet == LIST_SHEET
    return [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]


def choice_like(f: Field) -> tuple[str, ...]:
    return ("是", "否") if f.type == "bool" else f.choice_values


def zip_contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in sorted(zf.namelist())}


# -- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pack761() -> Pack:
    return load_pack("jl-761-2020")


@pytest.fixture(scope="module")
def path761(pack761: Pack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(pack761, tmp_path_factory.mktemp("t761"))[0]


@pytest.fixture(scope="module")
def form_pack() -> Pack:
    return build_pack(form_pack_raw(), None)


@pytest.fixture(scope="module")
def form_paths(form_pack: Pack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    paths = write(form_pack, tmp_path_factory.mktemp("form"))
    return {a.id: p for a, p in zip(form_pack.annexes, paths, strict=True)}


# -- write_templates ------------------------------------------------------------------------

def test_writes_one_file_per_annex_named_by_number_and_title(pack761: Pack, tmp_path: Path) -> None:
    paths = write(pack761, tmp_path / "模板")
    assert paths == [tmp_path / "模板" / "附件1 “761”工程智能信息网新增入库项目表.xlsx"]
    assert paths[0].is_file()
    assert sorted(p.name for p in (tmp_path / "模板").iterdir()) == [paths[0].name]  # no temp files left


def test_document_and_form_annexes_get_docx_and_xlsx(form_pack: Pack, form_paths: dict[str, Path]) -> None:
    assert form_paths["application"].name == "附件4-1 示范项目申报书.xlsx"
    assert form_paths["pledge"].name == "附件4-4 项目申报材料及其附属文件真实性承诺书.docx"


def test_chosen_annexes_only(form_pack: Pack, tmp_path: Path) -> None:
    assert [p.suffix for p in write(form_pack, tmp_path, ["pledge"])] == [".docx"]
    assert [p.name for p in tmp_path.iterdir()] == ["附件4-4 项目申报材料及其附属文件真实性承诺书.docx"]


def test_unknown_annex_lists_the_valid_ids(form_pack: Pack, tmp_path: Path) -> None:
    with pytest.raises(ShenbaoError) as err:
        write_templates(form_pack, tmp_path, ["application", "nope"])
    assert "nope" in err.value.message
    assert "application" in err.value.message and "pledge" in err.value.message
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_file_names_never_hold_characters_windows_forbids(form_pack: Pack) -> None:
    annex = Annex(id="x", number="附件2", title="汇总表（2020/2021）: \"新\"", kind="table")
    name = template_name(annex)
    assert not set('/\\:*?"<>|') & set(name)
    assert name == "附件2 汇总表（2020／2021）： ＂新＂.xlsx"


# -- table annexes --------------------------------------------------------------------------

def check_table(pack: Pack, annex: Annex, path: Path) -> None:
    """Everything a table template promises, for any table annex of any pack."""
    wb = openpyxl.load_workbook(path)
    ws = data_sheet(wb, annex)
    fields = annex.fields
    ncols = len(fields) + 1
    first = first_data_row(annex) + 1  # 1-based
    depth = first - 3

    # Title and the 填报单位 line, each merged across the table.
    assert ws["A1"].value == annex.title
    assert ws["A1"].font.b and ws["A1"].font.sz >= 16
    assert merged_range_of(ws, 1, 1) == (1, 1, 1, ncols)
    assert ws["A2"].value.startswith("填报单位（盖章）：") or annex.signature_line
    assert "填报日期" in ws["A2"].value and ws["A2"].value.endswith(f"单位：{pack.unit}")

    # Headers: 序号, then each field's header in pack order.
    headers = [value_at(ws, first - 1, c) for c in range(1, ncols + 1)]
    assert headers == ["序号", *[f.header for f in fields]]
    for col, f in enumerate(fields, start=2):
        cell = ws.cell(first - 1, col)
        if isinstance(cell, MergedCell):  # merged over two header rows: the top cell carries the style
            cell = ws.cell(first - 2, col)
        assert (cell.font.color is not None and cell.font.color.rgb == RED) == f.required, f.key
        assert abs(column_dim(ws, col).width - (f.width or 0)) < 1 or not f.width

    # Two-level header: the group merged over its children, other headers over both rows.
    if depth == 2:
        for run in group_runs(fields):
            if run.title:
                assert ws.cell(3, run.first + 1).value == run.title
                assert merged_range_of(ws, 3, run.first + 1) in {(3, run.first + 1, 3, run.last + 1), None}
                if run.last > run.first:
                    assert merged_range_of(ws, 3, run.first + 1) == (3, run.first + 1, 3, run.last + 1)
            else:
                assert merged_range_of(ws, 3, run.first + 1) == (3, run.first + 1, 4, run.first + 1)
    else:
        assert not any(f.group for f in fields)

    # Column formats: text (@) for everything but amounts, so codes keep their digits.
    for col, f in enumerate(fields, start=2):
        expected = {"number": "#,##0.00", "integer": "0"}.get(f.type, "@")
        assert column_dim(ws, col).number_format == expected, f.key

    # Validations: one per field column over DATA_ROWS rows; dropdowns through the hidden list.
    for col, f in enumerate(fields, start=2):
        letter = get_column_letter(col)
        dv = validation_at(ws, f"{letter}{first}")
        assert validation_at(ws, f"{letter}{first + DATA_ROWS - 1}") is dv
        assert validation_at(ws, f"{letter}{first + DATA_ROWS}") is None
        if f.type in ("choice", "bool"):
            assert dv is not None and dv.type == "list", f.key
            assert not dv.formula1.startswith('"'), "choices must not be inline"
            assert list_values(wb, dv.formula1) == list(choice_like(f))
        if f.is_numeric:
            assert dv is not None and dv.type == ("whole" if f.type == "integer" else "decimal")
            if f.minimum is not None and f.maximum is None:
                assert dv.operator == "greaterThanOrEqual" and float(dv.formula1) == f.minimum
        if f.hint:
            assert dv is not None and dv.prompt and dv.showInputMessage, f.key
        if dv is not None and dv.prompt:
            assert utf16_len(dv.promptTitle) <= TITLE_LIMIT and utf16_len(dv.prompt) <= MESSAGE_LIMIT
        if f.type == "multichoice":
            assert "可多选" in dv.prompt
    assert wb[LIST_SHEET].sheet_state == "hidden" or not any(f.type in ("choice", "bool") for f in fields)

    # View and print.
    assert ws.freeze_panes == f"A{first}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == {"A3": 8, "A4": 9}[annex.paper]
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"$3:${first - 1}"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    check_guide(pack, annex, wb)
    assert read_stamp(path) == Stamp(pack.id, pack.version, annex.id)


def check_guide(pack: Pack, annex: Annex, wb: OpenpyxlWorkbook) -> None:
    ws = wb[GUIDE_SHEET]
    assert wb.sheetnames.index(GUIDE_SHEET) == 1
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    text = "\n".join(str(c) for row in rows for c in row if c)
    assert pack.notice.number in text and pack.notice.title in text
    if pack.notice.deadline:
        y, m, d = (int(p) for p in pack.notice.deadline.split("-"))
        assert f"{y}年{m}月{d}日" in text
    for line in annex.instructions:
        assert line in text
    start = next(i for i, r in enumerate(rows) if r[0] in ("列名", "栏目"))
    assert rows[start][:4] == [rows[start][0], "是否必填", "单位", "填写要求/可选项"]
    table = {r[0]: r for r in rows[start + 1:] if r[0]}
    for f in annex.fields:
        row = table[f.header]
        assert row[1] == ("必填" if f.required else "选填")
        assert (row[2] or None) == f.unit
        if f.type in ("choice", "multichoice"):
            assert all(v in row[3] for v in f.choice_values)
        if f.type == "date":
            assert {"year": "填到年", "month": "填到月", "day": "填到日"}[f.precision or "day"] in row[3]
        if f.format:
            assert FORMAT_TITLES[f.format] in row[3]
        for item in f.items:
            assert f"{f.title}：{item.header}" in table


def test_761_table_template(pack761: Pack, path761: Path) -> None:
    check_table(pack761, pack761.annexes[0], path761)


def test_761_specifics(pack761: Pack, path761: Path) -> None:
    wb = openpyxl.load_workbook(path761)
    ws = wb.worksheets[0]
    # 投资情况（万元） over its three children (K3:M3), 序号 over rows 3-4.
    assert value_at(ws, 3, 11) == "投资情况（万元）"
    assert merged_range_of(ws, 3, 11) == (3, 11, 3, 13)
    assert [ws.cell(4, c).value for c in (11, 12, 13)] == [
        "总投资（万元）", "其中：大数据存储、分析和应用投资（万元）", "累计完成投资（万元）"]
    assert merged_range_of(ws, 3, 1) == (3, 1, 4, 1)
    assert column_dim(ws, 8).number_format == "@"  # 统一社会信用代码
    assert column_dim(ws, 24).number_format == "@"  # 联系电话
    assert column_dim(ws, 15).number_format == "@"  # 计划竣工时间: `2020.07` stays text
    assert column_dim(ws, 11).number_format == "#,##0.00"  # 总投资
    assert ws.page_setup.paperSize == 8 and ws.print_title_rows == "$3:$4"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert list_values(wb, validation_at(ws, "D5").formula1) == [
        "大数据中心", "数字政务基础设施", "人工智能", "工业互联网", "5G基础设施", "通信基础设施"]
    # The yes/no columns share one list.
    assert {validation_at(ws, f"{c}5").formula1 for c in "QRSTUV"} == {"sblist_bool"}
    guide = "\n".join(str(c) for row in wb[GUIDE_SHEET].iter_rows(values_only=True) for c in row if c)
    assert "填到月，如 2020年7月" in guide and "2020年7月20日" in guide
    assert wb.properties.creator == "shenbao"
    assert wb.properties.created is not None and wb.properties.created.date().isoformat() == "2020-07-14"


@pytest.mark.parametrize(("pack_id", "annex_id"), builtin_annexes("table"))
def test_builtin_table_templates(pack_id: str, annex_id: str, tmp_path: Path) -> None:
    pack = load_pack(pack_id)
    check_table(pack, pack.annex(annex_id), write(pack, tmp_path, [annex_id])[0])


def test_excel_limits_are_respected(tmp_path: Path) -> None:
    pack = build_pack(limits_pack_raw(), None)
    assert len("、".join(MANY_CHOICES)) > 255 and len(LONG_HINT) > 255
    path = write(pack, tmp_path)[0]
    check_table(pack, pack.annexes[0], path)
    ws = openpyxl.load_workbook(path).worksheets[0]
    first = validation_at(ws, "B4")
    assert first.promptTitle.endswith("…") and utf16_len(first.promptTitle) == TITLE_LIMIT
    assert first.prompt.startswith("【必填】") and first.prompt.endswith("…")
    assert validation_at(ws, "D4").type == "whole"
    ratio = validation_at(ws, "E4")
    assert ratio.type == "decimal" and ratio.operator == "lessThanOrEqual" and float(ratio.formula1) == 1
    assert "可多选，用“、”分隔" in validation_at(ws, "F4").prompt
    assert "填到年" in validation_at(ws, "G4").prompt
    assert ws.page_setup.paperSize == 9
    assert ws["A2"].value.endswith("单位：元")


# -- form annexes ---------------------------------------------------------------------------

def check_form(pack: Pack, annex: Annex, path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = data_sheet(wb, annex)
    names = names_of(wb)
    assert ws["A1"].value == annex.title
    grid_label = {k: r.label for s in annex.sections if s.kind == "grid" for r in s.rows for k in r.fields}
    grid_columns = {k: s.columns[i] for s in annex.sections if s.kind == "grid"
                    for r in s.rows for i, k in enumerate(r.fields)}
    for f in annex.fields:
        sheet, ref = names[f"sb_{f.key}"]
        assert sheet == annex.sheet_name
        if f.type == "list":
            check_list_field(wb, ws, names, f, ref)
            continue
        assert ":" not in ref, f.key
        cell = ws[ref.replace("$", "")]
        assert cell.value in (None, ""), f.key
        if f.key in grid_label:
            assert ws.cell(cell.row, 1).value == grid_label[f.key]
            assert grid_columns[f.key] in [value_at(ws, r, cell.column) for r in range(cell.row - 5, cell.row)]
        else:
            left = value_at(ws, cell.row, cell.column - 1) if cell.column > 1 else None
            up = value_at(ws, cell.row - 1, cell.column)
            assert f.header in (left, up), (f.key, left, up)
        check_value_cell(wb, ws, f, cell.coordinate)
    assert ws.page_setup.orientation == "portrait"
    assert ws.page_setup.paperSize == {"A3": 8, "A4": 9}[annex.paper]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert "&P" in ws.oddFooter.center.text
    check_guide(pack, annex, wb)
    assert read_stamp(path) == Stamp(pack.id, pack.version, annex.id)


def check_value_cell(wb: OpenpyxlWorkbook, ws: Worksheet, f: Field, coord: str) -> None:
    dv = validation_at(ws, coord)
    if f.type in ("choice", "bool"):
        assert dv is not None and dv.type == "list"
        assert list_values(wb, dv.formula1) == list(choice_like(f))
    if f.type == "multichoice":
        assert "可多选，用“、”分隔" in dv.prompt and all(v in dv.prompt for v in f.choice_values)
    if f.is_numeric:
        assert dv is not None and dv.type in ("decimal", "whole")
    expected = {"number": "#,##0.00", "integer": "0"}.get(f.type, "@")
    assert ws[coord].number_format == expected, f.key


def check_list_field(wb: OpenpyxlWorkbook, ws: Worksheet, names: dict[str, tuple[str, str]],
                     f: Field, block: str) -> None:
    rows = f.rows or DEFAULT_LIST_ROWS
    top_left = ws[block.split(":")[0].replace("$", "")]
    for n in range(1, rows + 1):
        for item in f.items:
            _, ref = names[f"sb_{f.key}_{n}_{item.key}"]
            cell = ws[ref.replace("$", "")]
            assert cell.row == top_left.row + n - 1
            assert ws.cell(cell.row, 1).value == n
            assert ws.cell(top_left.row - 1, cell.column).value == item.header
            check_value_cell(wb, ws, item, cell.coordinate)
    assert f"sb_{f.key}_{rows + 1}_{f.items[0].key}" not in names


def test_form_template(form_pack: Pack, form_paths: dict[str, Path]) -> None:
    check_form(form_pack, form_pack.annex("application"), form_paths["application"])


def test_form_layout_follows_the_paper_form(form_pack: Pack, form_paths: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(form_paths["application"])
    ws = wb.worksheets[0]
    names = names_of(wb)
    cell = {k[3:]: v[1].replace("$", "") for k, v in names.items() if k.startswith("sb_")}
    # Short fields pair up on one row; a wide text field takes the whole row.
    assert ws[cell["finish_date"]].row == ws[cell["category"]].row
    wide = merged_range_of(ws, ws[cell["project_name"]].row, 2)
    assert wide is not None and wide[3] == ws.max_column
    # The grid: years as columns, a blank cell where a row has fewer fields.
    assert [ws.cell(ws[cell["assets_2017"]].row - 1, c).value for c in (2, 3, 4)] == ["2017年", "2018年", "2019年"]
    assert "sb_debt_2019" not in names
    # The text box is tall; the unplaced field lands in a final section; the stamp line is row 2.
    assert ws.row_dimensions[ws[cell["summary"]].row].height >= 100
    users_row = ws[cell["users"]].row
    assert OTHER_SECTION in [ws.cell(r, 1).value for r in range(users_row - 2, users_row)]
    assert ws["A2"].value == "申报单位（盖章）：            年  月  日"
    # Lists: default row count, captions for each list in the section, the section note.
    assert "sb_qualitative_5_name" in names and "sb_qualitative_6_name" not in names
    column_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert "定量指标" in column_a and "定性指标" in column_a and "注：定量指标须量化可考核。" in column_a
    assert ws.print_area == f"'申报书'!$A$1:$D${ws.max_row}"


def test_layout_sections_without_sections(form_pack: Pack) -> None:
    annex = form_pack.annex("application")
    bare = Annex(id="a", number="", title="t", kind="form", fields=annex.fields)
    sections = layout_sections(bare)
    assert len(sections) == 1 and sections[0].fields == annex.field_keys


def test_grid_keeps_columns_and_never_loses_a_field(tmp_path: Path) -> None:
    raw = form_pack_raw()
    form = raw["annexes"][0]
    grid = form["sections"][2]
    # debt_2017 drawn first in a pairs section; a row with more fields than columns.
    form["sections"][0]["fields"].append("debt_2017")
    grid["rows"][1]["fields"] = ["debt_2017", "debt_2018", "users", "assets_2019"]
    grid["rows"][0]["fields"] = ["assets_2017", "assets_2018"]
    form["sections"].append({"title": "无列标题的表", "kind": "grid", "rows": [{"label": "x", "fields": ["postcode"]}]})
    form["sections"][1]["fields"].remove("postcode")
    pack = build_pack(raw, None)
    wb = openpyxl.load_workbook(write(pack, tmp_path, ["application"])[0])
    ws = wb.worksheets[0]
    names = names_of(wb)
    assert {f"sb_{f.key}" for f in pack.annexes[0].fields} <= set(names)
    cell = {k: ws[names[f"sb_{k}"][1].replace("$", "")] for k in ("debt_2018", "users", "assets_2019", "postcode")}
    assert cell["debt_2018"].column == 3 and ws.cell(cell["debt_2018"].row, 2).value in (None, "")
    assert cell["users"].column == 4 and ws.cell(cell["users"].row, 1).value == "负债率（%）"
    for key in ("assets_2019", "postcode"):  # overflow and column-less grid: label/value pairs
        assert value_at(ws, cell[key].row, cell[key].column - 1) == pack.annexes[0].field(key).header


@pytest.mark.parametrize(("pack_id", "annex_id"), builtin_annexes("form"))
def test_builtin_form_templates(pack_id: str, annex_id: str, tmp_path: Path) -> None:
    pack = load_pack(pack_id)
    check_form(pack, pack.annex(annex_id), write(pack, tmp_path, [annex_id])[0])


# -- the stamp ------------------------------------------------------------------------------

def test_stamp_sheet_properties_and_name(pack761: Pack, path761: Path) -> None:
    wb = openpyxl.load_workbook(path761)
    ws = wb[STAMP_SHEET]
    assert ws.sheet_state == "hidden"
    pairs = {r[0]: r[1] for r in ws.iter_rows(values_only=True)}
    assert pairs[MARKER] and pairs["pack_id"] == "jl-761-2020" and pairs["annex_id"] == "projects"
    assert pairs["version"] == pack761.version
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"shenbao_pack_id": "jl-761-2020", "shenbao_version": pack761.version,
                     "shenbao_annex_id": "projects"}
    assert wb.defined_names["shenbao_stamp"].attr_text == f'"jl-761-2020|{pack761.version}|projects"'


def test_read_stamp_none_for_plain_garbage_and_missing(tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "pack_id"
    wb.active["B1"] = "jl-761-2020"
    wb.save(plain)
    assert read_stamp(plain) is None
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 this is not a workbook" * 10)
    assert read_stamp(garbage) is None
    text = tmp_path / "text.xlsx"
    text.write_text("序号,项目名称\n1,x\n", encoding="utf-8")
    assert read_stamp(text) is None
    assert read_stamp(tmp_path / "missing.xlsx") is None


def test_read_stamp_needs_the_marker(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.create_sheet(STAMP_SHEET)
    for row in (("pack_id", "x"), ("version", "1.0.0"), ("annex_id", "a")):
        ws.append(row)
    wb.save(path)
    assert read_stamp(path) is None
    ws.insert_rows(1)
    ws["A1"], ws["B1"] = MARKER, "模板版本标记"
    wb.save(path)
    assert read_stamp(path) == Stamp("x", "1.0.0", "a")


def test_stamp_found_by_name_after_sheets_are_moved(path761: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(path761)
    wb.move_sheet(STAMP_SHEET, offset=-3)
    wb[STAMP_SHEET].sheet_state = "visible"
    assert wb.sheetnames[0] == STAMP_SHEET
    moved = tmp_path / "moved.xlsx"
    wb.save(moved)
    assert read_stamp(moved) == Stamp("jl-761-2020", load_pack("jl-761-2020").version, "projects")


def test_stamp_falls_back_to_document_properties(tmp_path: Path) -> None:
    path = tmp_path / "props.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Sheet1")
    for key, value in (("pack_id", "p"), ("version", "1.2.3"), ("annex_id", "a")):
        wb.set_custom_property(f"shenbao_{key}", value)
    wb.close()
    assert read_stamp(path) == Stamp("p", "1.2.3", "a")


# -- Word annexes ---------------------------------------------------------------------------

def body_paragraphs(document: Any) -> Iterator[Any]:
    yield from (p for p in document.paragraphs if p.text.strip())


def east_asia(run: Any) -> str | None:
    rfonts = run._element.rPr.find(qn("w:rFonts"))
    return None if rfonts is None else rfonts.get(qn("w:eastAsia"))


def check_document(pack: Pack, annex: Annex, path: Path) -> None:
    d = docx.Document(str(path))
    section = d.sections[0]
    # Word stores lengths in twips: compare to a tenth of a millimetre.
    sizes = (section.page_width, section.page_height, section.top_margin, section.bottom_margin,
             section.left_margin, section.right_margin)
    assert [round(x.mm, 1) if x is not None else None for x in sizes] == [210, 297, 37, 35, 28, 26]
    paragraphs = list(body_paragraphs(d))
    label, title, *rest = paragraphs if annex.number else [None, *paragraphs]
    if label is not None:
        assert label.text == annex.number and east_asia(label.runs[0]) == "黑体"
    assert title.text == annex.title
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22) and east_asia(title.runs[0]) == "方正小标宋简体"
    expected = [p.strip() for p in annex.paragraphs if p.strip()]
    assert [p.text for p in rest][:len(expected)] == expected
    body = [p for p in rest if line_kind(p.text) == "body"]
    assert body, "a document annex has body text"
    for p in body:
        assert p.paragraph_format.first_line_indent == Pt(32)
        assert p.paragraph_format.line_spacing == Pt(gongwen.LINE_SPACING_PT)
        for run in p.runs:
            assert east_asia(run) == "仿宋_GB2312" and run.font.size == Pt(16)
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in "".join(t.text or "" for t in footer._element.iter(qn("w:instrText"))), xml
        assert footer.paragraphs[0].text.replace("1", "").strip() == "—  —"
    assert section.footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert section.even_page_footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert d.settings.odd_and_even_pages_header_footer
    normal = d.styles["Normal"].element.rPr
    assert normal.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert d.core_properties.author == "shenbao"


def test_document_annex(form_pack: Pack, form_paths: dict[str, Path]) -> None:
    check_document(form_pack, form_pack.annex("pledge"), form_paths["pledge"])


def test_document_lines_by_kind(form_paths: dict[str, Path]) -> None:
    d = docx.Document(str(form_paths["pledge"]))
    by_text = {p.text: p for p in d.paragraphs}
    heading1, heading2 = by_text["一、承诺事项"], by_text["（一）不以任何形式干预评审"]
    assert east_asia(heading1.runs[0]) == "黑体" and east_asia(heading2.runs[0]) == "楷体_GB2312"
    date_line = by_text["年     月    日"]
    assert date_line.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date_line.paragraph_format.right_indent == Pt(4 * 16)
    for text in ("法定代表人（授权人）签章：", "公章："):
        p = by_text[text]
        assert p.paragraph_format.left_indent == Pt(8 * 16) and not p.paragraph_format.first_line_indent
    assert line_kind("申报单位应当对材料真实性负责，并承担相应法律责任。") == "body"
    assert line_kind("2020年7月10日") == "date"
    assert line_kind("一、本条款写得很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长") == "body"


@pytest.mark.parametrize(("pack_id", "annex_id"), builtin_annexes("document"))
def test_builtin_document_templates(pack_id: str, annex_id: str, tmp_path: Path) -> None:
    pack = load_pack(pack_id)
    check_document(pack, pack.annex(annex_id), write(pack, tmp_path, [annex_id])[0])


def test_gongwen_fonts_and_page(tmp_path: Path) -> None:
    d = docx.Document()
    gongwen.setup_document(d)
    run = d.add_paragraph().add_run("测试")
    gongwen.set_run_font(run, "黑体", 16, bold=True)
    rpr = run._element.rPr
    assert rpr is not None
    rfonts = rpr.find(qn("w:rFonts"))
    assert {rfonts.get(qn(f"w:{a}")) for a in ("eastAsia", "ascii", "hAnsi")} == {"黑体"}
    assert run.font.bold and run.font.size == Pt(16)
    defaults = d.styles.element.find(qn("w:docDefaults")).find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert defaults.get(qn("w:eastAsiaTheme")) is None and defaults.get(qn("w:eastAsia")) == "仿宋_GB2312"
    grid = d.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"
    assert gongwen.TEXT_WIDTH_MM == 156 and gongwen.TEXT_HEIGHT_MM == 225
    assert gongwen.chinese_date("2020-07-10") == "2020年7月10日"
    path = tmp_path / "x.docx"
    d.save(str(path))
    width = docx.Document(str(path)).sections[0].page_width
    assert width is not None and round(width.mm) == 210


# -- determinism ----------------------------------------------------------------------------

def test_regenerating_gives_the_same_files(form_pack: Pack, pack761: Pack, tmp_path: Path) -> None:
    for pack in (pack761, form_pack):
        first = write(pack, tmp_path / pack.id / "a")
        second = write(pack, tmp_path / pack.id / "b")
        for one, two in zip(first, second, strict=True):
            assert zip_contents(one) == zip_contents(two), one.name
    assert zip_contents(first[0])["docProps/core.xml"].count(b"2020-06-05") >= 2


# -- LibreOffice ----------------------------------------------------------------------------

def soffice_convert(source: Path, fmt: str, out_dir: Path, profile: Path) -> Path:
    """Open `source` in LibreOffice and save it as `fmt`, with a private profile so that
    parallel test runs never share (and lock) one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    soffice = shutil.which("soffice")
    assert soffice is not None
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", fmt, "--outdir", str(out_dir), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    target = out_dir / f"{source.stem}.{fmt}"
    assert target.is_file(), f"LibreOffice did not write {target.name}"
    return target


def list_validations(path: Path) -> dict[str, str]:
    """Column letter -> the defined name behind its list validation, on the first sheet."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    out = {}
    for dv in validations(ws):
        if dv.type == "list":
            for rng in dv.sqref.ranges:
                out[rng.coord.split(":")[0]] = dv.formula1
    return out


@pytest.mark.office
@pytest.mark.parametrize("which", ["table", "form"])
def test_libreoffice_resave_keeps_stamp_and_dropdowns(
    which: str, path761: Path, form_paths: dict[str, Path], pack761: Pack, form_pack: Pack, tmp_path: Path,
) -> None:
    source = path761 if which == "table" else form_paths["application"]
    pack = pack761 if which == "table" else form_pack
    annex = pack.annexes[0]
    stamp = Stamp(pack.id, pack.version, annex.id)
    profile = tmp_path / "profile"
    before = list_validations(source)
    assert before
    for fmt in ("xlsx", "ods", "xls"):
        converted = soffice_convert(source, fmt, tmp_path / fmt, profile)
        assert read_stamp(converted) == stamp, fmt
        # Back to xlsx (for ods and xls) so openpyxl can see whether the dropdowns survived.
        xlsx = converted if fmt == "xlsx" else soffice_convert(converted, "xlsx", tmp_path / f"{fmt}-back", profile)
        after = list_validations(xlsx)
        assert after == before, fmt
        wb = openpyxl.load_workbook(xlsx)
        for name in set(before.values()):
            assert names_of(wb)[name][0] == LIST_SHEET, (fmt, name)
        assert wb[LIST_SHEET].sheet_state == "hidden" and wb[STAMP_SHEET].sheet_state == "hidden"
        if which == "form":
            sheet, ref = names_of(wb)["sb_project_name"]
            assert sheet == annex.sheet_name and ref == names_of(openpyxl.load_workbook(source))["sb_project_name"][1]


def test_every_template_is_the_same_bytes_when_written_again(tmp_path: Path) -> None:
    """Regenerating an unchanged pack is a no-op in git: no part of a template (.xlsx or .docx)
    carries the time it was written."""
    import time

    pack = load_pack("jl-gyhlw-2020")
    first = write_templates(pack, tmp_path / "a")
    time.sleep(2.1)  # a zip entry's date has a resolution of two seconds
    second = write_templates(pack, tmp_path / "b")
    assert any(p.suffix == ".docx" for p in first)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_fixed_entry_times_keep_every_entry_order_and_compression(tmp_path: Path) -> None:
    from datetime import datetime

    from toolkit.xlsx.ziptimes import fix_entry_times

    path = tmp_path / "book.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<x/>" * 100, compress_type=zipfile.ZIP_DEFLATED)
    fix_entry_times(path, datetime(2020, 7, 17, 16, 30))
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["mimetype", "content.xml"]
        assert [i.compress_type for i in infos] == [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]
        assert {i.date_time for i in infos} == {(2020, 7, 17, 16, 30, 0)}
        assert z.read("content.xml") == b"<x/>" * 100
    assert not list(tmp_path.glob(".*"))  # no temporary file left beside it
