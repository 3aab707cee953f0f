"""Return copies (退回修改/): the county's own workbook, intact, with its bad cells marked."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from openpyxl.comments import Comment
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from tests.fixtures_files import rewrite_zip, soffice_convert
from tests.inbox_fixtures import USCC_A, build_inbox, own_layout_two_level, own_layout_yi_yuan
from tests.test_report import assert_no_formulas
from toolkit.cli import cli
from toolkit.findings import Finding
from toolkit.ingest.readers import read_file
from toolkit.merge.pipeline import Batch, process
from toolkit.outputs.returns import (
    AUTHOR,
    ERROR_FILL,
    LIST_SHEET,
    WARNING_FILL,
    return_name,
    safe_part,
    write_returns,
)
from toolkit.packs.loader import load_pack

HYPERLINK = '=HYPERLINK("http://x.example","点我")'
BAD_USCC = USCC_A[:-1] + ("0" if USCC_A[-1] != "0" else "1")


def styled_county(path: Path) -> Path:
    """南关区's own layout as a county formats it (merged title and parent header, fonts, fills,
    borders, widths, a hidden row, a county's own comment), with bad cells planted:
    G6 a credit code with a wrong check character, I6 formula-like text as the amount (error),
    J7 completed investment above the total (warning)."""
    own_layout_two_level(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["项目表"]
    ws.merge_cells("A1:O1")
    ws.merge_cells("A2:O2")
    ws.merge_cells("I3:J3")
    ws["A1"].font = Font(name="黑体", size=18, bold=True)
    thin = Side(style="thin", color="000000")
    for row in ws.iter_rows(min_row=3, max_row=4, max_col=15):
        for cell in row:
            if not isinstance(cell, openpyxl.cell.cell.MergedCell):
                cell.fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
                cell.font = Font(name="宋体", bold=True, color="C00000")
    for row in ws.iter_rows(min_row=6, max_row=10, max_col=15):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.font = Font(name="仿宋", size=12)
    ws["I10"].number_format = "#,##0.00"
    ws.column_dimensions["C"].width = 30
    ws["C6"].comment = Comment("县里的备注：此项目已上会", "县经办人")
    ws["I6"].value = HYPERLINK
    ws["I6"].data_type = "s"  # the county's text, not a formula
    ws["G6"].value = BAD_USCC
    ws["J7"].value = 5  # above the total 0.08: a warning
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Batch, list[Path]]:
    base = tmp_path_factory.mktemp("returns")
    inbox = base / "收件箱"
    inbox.mkdir()
    src = styled_county(inbox / "南关区.xlsx")
    batch = process(load_pack("jl-761-2020"), [inbox])
    copies = write_returns(batch, base / "out" / "退回修改")
    return src, batch, copies


def cells(ws: Worksheet) -> dict[str, Any]:
    return {c.coordinate: c for row in ws.iter_rows() for c in row}


def comment_text(f: Finding) -> str:
    """What a finding's comment line holds: the message without the `I7：` the cell already says."""
    return f.message.removeprefix(f"{f.cell}：") if f.cell else f.message


def test_copy_is_named_after_the_county(county: tuple[Path, Batch, list[Path]]) -> None:
    _, _, copies = county
    assert [p.name for p in copies] == ["南关区（退回修改）.xlsx"]
    assert copies[0].parent.name == "退回修改"


def test_copy_keeps_values_merges_and_untouched_formats(county: tuple[Path, Batch, list[Path]]) -> None:
    src, batch, copies = county
    before = openpyxl.load_workbook(src)
    after = openpyxl.load_workbook(copies[0])
    assert after.sheetnames == [*before.sheetnames, LIST_SHEET]
    marked = {(f.sheet, f.cell) for f in batch.findings if f.cell}
    marked |= {(f.sheet, f"A{f.row}") for f in batch.findings if f.row and not f.cell}
    assert ("项目表", "G6") in marked and ("项目表", "A6") in marked
    for name in before.sheetnames:
        old, new = before[name], after[name]
        assert {str(r) for r in old.merged_cells.ranges} == {str(r) for r in new.merged_cells.ranges}
        old_cells, new_cells = cells(old), cells(new)
        for ref, cell in old_cells.items():
            copy = new_cells[ref]
            assert copy.value == cell.value, (name, ref)
            assert copy.data_type == cell.data_type, (name, ref)
            # by repr: openpyxl's style proxies never compare equal to each other
            assert repr(copy.font) == repr(cell.font), (name, ref)
            assert repr(copy.border) == repr(cell.border), (name, ref)
            assert copy.number_format == cell.number_format, (name, ref)
            if (name, ref) not in marked:
                assert repr(copy.fill) == repr(cell.fill), (name, ref)
                assert (copy.comment.text if copy.comment else None) == (cell.comment.text if cell.comment else None)
        assert {k: d.width for k, d in old.column_dimensions.items()} == \
            {k: d.width for k, d in new.column_dimensions.items()}
        assert {r for r, d in old.row_dimensions.items() if d.hidden} == \
            {r for r, d in new.row_dimensions.items() if d.hidden}
    assert after["项目表"]["C6"].comment.text == "县里的备注：此项目已上会"  # the county's own comment


def test_each_bad_cell_has_a_comment_and_a_fill(county: tuple[Path, Batch, list[Path]]) -> None:
    _, batch, copies = county
    ws = openpyxl.load_workbook(copies[0])["项目表"]
    findings = [f for f in batch.findings if f.file == "南关区.xlsx" and f.sheet == "项目表" and f.row]
    codes = {(f.cell, f.code) for f in findings}
    assert {("G6", "schema.format"), ("I6", "value.unreadable"), ("J7", "criteria.completed-within-total")} <= codes
    for f in findings:
        ref = f.cell or f"A{f.row}"  # a finding without a cell marks its row's first cell
        cell = ws[ref]
        assert cell.comment is not None and cell.comment.author == AUTHOR, ref
        assert comment_text(f) in cell.comment.text, ref
        here = [g for g in findings if (g.cell or f"A{g.row}") == ref]
        fill = ERROR_FILL if any(g.is_error for g in here) else WARNING_FILL
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith(fill), ref
    assert ws["J7"].fill.fgColor.rgb.endswith(WARNING_FILL)  # a warning alone is amber
    # Several findings on one cell: one comment holding each message on its own line.
    row6 = [f for f in findings if f.row == 6 and not f.cell]
    assert len(row6) >= 2
    assert ws["A6"].comment.text.count("\n") >= len(row6) - 1
    # The county's formula-like text is still text in the copy, next to our comment.
    assert ws["I6"].value == HYPERLINK and ws["I6"].data_type == "s"
    assert_no_formulas(copies[0])


def test_list_sheet_lists_the_files_findings(county: tuple[Path, Batch, list[Path]]) -> None:
    _, batch, copies = county
    wb = openpyxl.load_workbook(copies[0])
    assert wb.active.title == LIST_SHEET
    ws = wb[LIST_SHEET]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    findings = [f for f in batch.findings if f.file == "南关区.xlsx"]
    assert [(r[3], r[4], r[7], r[8]) for r in rows] == [(f.cell, f.row, f.code, f.message) for f in findings]
    assert ws.cell(2, 1).value == "序号" and "错误" in ws.cell(1, 1).value
    links = {c.value: c.hyperlink.location for c in ws["D"] if c.hyperlink}
    assert links["G6"] == "'项目表'!G6"
    original = next(r for r in rows if r[7] == "value.unreadable")
    assert original[10] == HYPERLINK  # 原值 as text


def test_no_sheet_is_iterated_cell_by_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large files: only touched cells are restyled; walking a sheet's cells is refused here."""
    (tmp_path / "in").mkdir()
    styled_county(tmp_path / "in" / "南关区.xlsx")
    batch = process(load_pack("jl-761-2020"), [tmp_path / "in"])

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("a sheet was iterated cell by cell")

    for name in ("iter_rows", "iter_cols", "_cells_by_row", "_cells_by_col"):
        monkeypatch.setattr(Worksheet, name, refuse)
    problems: list[str] = []
    copies = write_returns(batch, tmp_path / "out", problems=problems)
    assert problems == []
    assert len(copies) == 1
    with zipfile.ZipFile(copies[0]) as zf:  # the styled copy, not the values-only rebuild
        assert b"xl/comments" in b"".join(n.encode() for n in zf.namelist())
    monkeypatch.undo()
    first = openpyxl.load_workbook(copies[0])[LIST_SHEET].cell(1, 1).value
    assert "重建" not in first
    assert "图片" not in first  # a comment's VML drawing is not a picture lost


def test_unreadable_and_clean_files_get_no_copy(tmp_path: Path) -> None:
    inbox = build_inbox(tmp_path / "收件箱")
    batch = process(load_pack("jl-761-2020"), [inbox])
    out = tmp_path / "退回修改"
    copies = write_returns(batch, out)
    got = sorted(p.relative_to(out).as_posix() for p in copies)
    with_findings = {f.file for f in batch.findings}
    expected = sorted(
        return_name(f.path).as_posix() for f in batch.ingested.files if f.status == "ok" and f.path in with_findings
    )
    assert got == expected
    assert "二道区/二道区（修改）（退回修改）.xlsx" in got  # the inbox's sub-folder is kept
    names = " ".join(got)
    for absent in ("双阳区", "九台区", "德惠市", "农安县", "宽城区"):  # unreadable, or without findings
        assert absent not in names
    assert "二道区（退回修改）" not in names  # superseded by the corrected file: not returned
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xlsx")) == got  # nothing else written


def test_copy_sent_back_corrected_is_marked_afresh(county: tuple[Path, Batch, list[Path]], tmp_path: Path) -> None:
    """The county fixes G6 in our copy and sends it back with our 问题清单 still in it: the new copy
    keeps one 问题清单, no old mark on the fixed cell, no second suffix in its name."""
    _, _, copies = county
    inbox = tmp_path / "in"
    inbox.mkdir()
    wb = openpyxl.load_workbook(copies[0])
    wb["项目表"]["G6"] = USCC_A
    wb.save(inbox / copies[0].name)
    batch = process(load_pack("jl-761-2020"), [inbox])
    assert batch.ingested.files[0].sheet == "项目表"  # our list is not read as the county's table
    assert not [f for f in batch.findings if f.cell == "G6"]
    (again,) = write_returns(batch, tmp_path / "out")
    assert again.name == "南关区（退回修改）.xlsx"
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames == ["填表说明", "项目表", LIST_SHEET]
    ws = wb["项目表"]
    assert ws["G6"].comment is None and ws["G6"].fill.fill_type is None
    assert ws["I6"].comment is not None and ws["I6"].comment.text.count("【") == 1  # replaced, not stacked
    assert ws["C6"].comment.text == "县里的备注：此项目已上会"  # the county's own comment stays
    rows = list(wb[LIST_SHEET].iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(batch.findings)


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def test_copy_keeps_the_countys_pictures(tmp_path: Path) -> None:
    """The copy is patched part by part, so a stamp picture (which openpyxl without Pillow drops)
    is still there, and the 问题清单 no longer warns that pictures may be lost."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    path = inbox / "朝阳区.xlsx"
    own_layout_yi_yuan(path)
    with CalamineWorkbook.from_path(str(path)) as book:
        rows = book.get_sheet_by_index(0).to_python()
    wb = xlsxwriter.Workbook(str(path))  # the same table with the county's stamp picture on it
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    ws.insert_image("L2", "stamp.png", {"image_data": io.BytesIO(png_1x1())})
    wb.close()
    batch = process(load_pack("jl-761-2020"), [inbox])
    (copy,) = write_returns(batch, tmp_path / "out")
    assert "图片" not in openpyxl.load_workbook(copy)[LIST_SHEET].cell(1, 1).value
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(copy) as after:
        assert after.read("xl/media/image1.png") == before.read("xl/media/image1.png") == png_1x1()
        assert after.read("xl/drawings/drawing1.xml") == before.read("xl/drawings/drawing1.xml")
        assert b"drawing1.xml" in after.read("xl/worksheets/_rels/sheet1.xml.rels")
        assert b"<drawing " in after.read("xl/worksheets/sheet1.xml")


def add_macro(src: Path, dst: Path) -> Path:
    """An .xlsm: the workbook's content type says macro-enabled, and it has a VBA project part."""
    with zipfile.ZipFile(src) as zf:
        types = zf.read("[Content_Types].xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    types = types.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    types = types.replace("<Default ", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                        'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
    tmp = rewrite_zip(src, dst.with_suffix(".tmp"), {"[Content_Types].xml": types.encode(),
                                                       "xl/_rels/workbook.xml.rels": rels.encode()})
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    tmp.unlink()
    return dst


def test_xlsm_comes_back_as_xlsx_without_macros(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    add_macro(styled_county(tmp_path / "plain.xlsx"), inbox / "南关区.xlsm")
    with zipfile.ZipFile(inbox / "南关区.xlsm") as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    batch = process(load_pack("jl-761-2020"), [inbox])
    assert batch.ingested.files[0].kind == "xlsm"
    copies = write_returns(batch, tmp_path / "out")
    assert [p.name for p in copies] == ["南关区（退回修改）.xlsx"]
    with zipfile.ZipFile(copies[0]) as zf:
        assert not [n for n in zf.namelist() if "vba" in n.lower()]
        assert b"macroEnabled" not in zf.read("[Content_Types].xml")
    wb = openpyxl.load_workbook(copies[0])
    assert wb["项目表"]["G6"].comment is not None
    assert "宏" in wb[LIST_SHEET].cell(1, 1).value  # the county is told the macros were removed


@pytest.mark.parametrize(("shown", "expected"), [
    ("南关区.xlsx", "南关区（退回修改）.xlsx"),
    ("二道区/二道区.xlsx", "二道区/二道区（退回修改）.xlsx"),
    ("宽城区.csv", "宽城区（退回修改）.xlsx"),
    ("南关区.xlsm", "南关区（退回修改）.xlsx"),
    ("南关区（退回修改）.xlsx", "南关区（退回修改）.xlsx"),  # our copy sent back: no second suffix
    ('a:b*c?"d<e>f|g.xlsx', "a：b＊c？＂d＜e＞f｜g（退回修改）.xlsx"),
    ("CON/aux.xlsx", "_CON/aux（退回修改）.xlsx"),
    ("县里. /表.xlsx", "县里/表（退回修改）.xlsx"),
    ("../../etc/passwd.xlsx", "etc/passwd（退回修改）.xlsx"),
    ("/abs/x.xlsx", "abs/x（退回修改）.xlsx"),
    ("a\\..\\..\\b.xlsx", "a＼..＼..＼b（退回修改）.xlsx"),  # a name on Linux: never a folder
    ("南关区\\南关区.xlsx", "南关区＼南关区（退回修改）.xlsx"),
    ("tab\there.xlsx", "tab_here（退回修改）.xlsx"),
])
def test_return_names_are_safe(shown: str, expected: str) -> None:
    name = return_name(shown)
    assert name.as_posix() == expected
    assert not name.is_absolute() and ".." not in name.parts


@pytest.mark.parametrize("part", ["CON", "con", "Nul.txt", "COM1", "LPT9.xlsx", "PRN ", "x.", "x ", "", "...", "a/b"])
def test_safe_part_is_valid_on_windows(part: str) -> None:
    safe = safe_part(part)
    assert safe and not safe.endswith((".", " "))
    assert not set(safe) & set('\\/:*?"<>|')
    assert safe.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT9"}


def test_hostile_names_end_to_end_stay_inside(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    (inbox / "CON").mkdir(parents=True)
    styled_county(inbox / "CON" / 'a:b|c?.xlsx')
    styled_county(inbox / "南关区.xlsx")
    batch = process(load_pack("jl-761-2020"), [inbox])
    out = tmp_path / "out" / "退回修改"
    copies = write_returns(batch, out)
    rel = sorted(p.relative_to(out).as_posix() for p in copies)
    assert rel == ["_CON/a：b｜c？（退回修改）.xlsx", "南关区（退回修改）.xlsx"]
    assert all(p.is_file() for p in copies)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.xlsx") if "收件箱" not in p.parts)
    assert written == [f"out/退回修改/{r}" for r in rel]  # nothing outside the folder, no leftovers


def test_same_names_do_not_overwrite_each_other(tmp_path: Path) -> None:
    """Forms are one per project, so two 申报书.xlsx from two folders given as two inputs are both
    read and both shown as `申报书.xlsx`; names that differ only in case are one file on Windows."""
    from tests.test_ingest_forms import PACK, fill_form

    values = {"sb_project_name": "长春某工业互联网平台项目", "sb_profit_2019": "-35万元"}
    fill_form("application", tmp_path / "甲县" / "申报书.xlsx", values)
    fill_form("application", tmp_path / "乙县" / "申报书.xlsx", values)
    fill_form("application", tmp_path / "丙县" / "Abc.xlsx", values)
    fill_form("application", tmp_path / "丙县" / "ABC.xlsx", values)
    batch = process(PACK, [tmp_path / "甲县", tmp_path / "乙县", tmp_path / "丙县"])
    assert [f.path for f in batch.ingested.files].count("申报书.xlsx") == 2
    out = tmp_path / "out"
    copies = write_returns(batch, out)
    assert sorted(p.name for p in copies) == sorted(
        ["申报书（退回修改）.xlsx", "申报书（退回修改）（2）.xlsx", "ABC（退回修改）.xlsx", "Abc（退回修改）（2）.xlsx"])
    assert len(list(out.iterdir())) == 4
    # A form's findings are marked at the cells its names point to.
    ws = openpyxl.load_workbook(copies[0])
    marked = [f for f in batch.findings if f.file == "申报书.xlsx" and f.cell]
    assert marked and all(ws[f.sheet][f.cell].comment is not None for f in marked)


def csv_with_problems(path: Path) -> Path:
    with open(path, "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["县（市、区）", "项目名称", "项目类别", "项目阶段", "建设单位", "统一社会信用代码", "建设内容及规模",
                    "总投资（万元）", "进展情况", "项目责任人"])
        w.writerow(["宽城区", "宽城区智慧社区平台", "数字政务基础设施", "续建项目", "长春市宽城区民政局", BAD_USCC,
                    "社区平台", "800", "试运行", "吴十"])
        w.writerow(["宽城区", "宽城区政务云", "数字政务基础设施", "续建项目", "长春市宽城区民政局", USCC_A,
                    "云平台", HYPERLINK, "试运行", "吴十"])
    return path


def rebuilt_checks(src: Path, copy: Path, batch: Batch, kind: str) -> None:
    """A rebuilt copy holds the values the reader saw at the same positions, marked and listed."""
    seen = read_file(src).workbook
    assert seen is not None
    with CalamineWorkbook.from_path(str(copy)) as wb:
        assert wb.sheet_names == [*(s.name for s in seen.sheets), LIST_SHEET]
        for sheet in seen.sheets:
            rows = wb.get_sheet_by_name(sheet.name).to_python()
            got = [[None if v == "" else v for v in r] for r in rows]
            for r, row in enumerate(sheet.rows):
                for c, value in enumerate(row):
                    if value is not None:
                        assert got[r][c] == value, (sheet.name, r + 1, c + 1)
    wb2 = openpyxl.load_workbook(copy)
    first = wb2[LIST_SHEET].cell(1, 1).value
    assert f"原文件为 .{kind} 格式，此为按原数据重建的 .xlsx 副本" in first
    findings = [f for f in batch.findings if f.file == batch.ingested.files[0].path]
    for f in findings:
        if f.cell:
            cell = wb2[f.sheet][f.cell]
            assert cell.comment is not None and comment_text(f) in cell.comment.text
            assert cell.fill.fgColor.rgb.endswith(ERROR_FILL if f.is_error else WARNING_FILL)
    assert_no_formulas(copy)


def test_csv_copy_is_rebuilt_from_its_values(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    src = csv_with_problems(inbox / "宽城区.csv")
    batch = process(load_pack("jl-761-2020"), [inbox])
    codes = {(f.cell, f.code) for f in batch.findings}
    assert ("F2", "schema.format") in codes and ("H3", "value.unreadable") in codes
    copies = write_returns(batch, tmp_path / "out")
    assert [p.name for p in copies] == ["宽城区（退回修改）.xlsx"]
    rebuilt_checks(src, copies[0], batch, "csv")
    ws = openpyxl.load_workbook(copies[0])["宽城区"]
    assert ws["H3"].value == HYPERLINK and ws["H3"].data_type == "s"


def test_xlsx_openpyxl_cannot_open_is_rebuilt(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    broken_styles = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                     b'<cellXfs count="1"><xf numFmtId="notanumber"/></cellXfs></styleSheet>')
    src = rewrite_zip(own_layout_yi_yuan(tmp_path / "ok.xlsx"), inbox / "朝阳区.xlsx", {"xl/styles.xml": broken_styles})
    with pytest.raises(TypeError):
        openpyxl.load_workbook(src)
    batch = process(load_pack("jl-761-2020"), [inbox])
    problems: list[str] = []
    copies = write_returns(batch, tmp_path / "out", problems=problems)
    assert [p.name for p in copies] == ["朝阳区（退回修改）.xlsx"]
    # Neither the patching (no fonts) nor openpyxl could copy it: the rebuild says so, never silence.
    (fallback,) = [f for f in batch.findings if f.code == "file.return-fallback"]
    assert fallback.severity == "warning" and fallback.file == "朝阳区.xlsx"
    assert "缺少 fonts" in fallback.message and "取值类型不对" in fallback.message
    assert "只保留数据" in fallback.message and problems == [fallback.message]
    first = openpyxl.load_workbook(copies[0])[LIST_SHEET].cell(1, 1).value
    assert "按原数据重建的 .xlsx 副本" in first


def test_returns_folder_exists_even_without_copies(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    batch = process(load_pack("jl-761-2020"), [inbox])
    assert write_returns(batch, tmp_path / "退回修改") == []
    assert (tmp_path / "退回修改").is_dir()


@pytest.mark.office
def test_copy_of_an_xls_opens_in_libreoffice(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    styled = styled_county(tmp_path / "src" / "南关区.xlsx")
    xls = soffice_convert(styled, "xls", tmp_path / "收件箱")
    batch = process(load_pack("jl-761-2020"), [tmp_path / "收件箱"])
    assert batch.ingested.files[0].kind == "xls"
    copies = write_returns(batch, tmp_path / "out")
    assert [p.name for p in copies] == ["南关区（退回修改）.xlsx"]
    rebuilt_checks(xls, copies[0], batch, "xls")
    ods = soffice_convert(copies[0], "ods", tmp_path / "lo")
    assert ods.stat().st_size > 0
    back = read_file(ods)
    assert back.status == "ok" and back.workbook is not None
    sheet = next(s for s in back.workbook.sheets if s.name == "项目表")
    assert sheet.rows[5][8] == HYPERLINK  # I6, still the county's text after a round trip through LibreOffice


def test_duplicate_notes_sit_on_the_project_name_and_speak_to_the_county(tmp_path: Path) -> None:
    """The 761 samples' suspected duplicate (朝阳区.xlsx row 11) and exact copy (宽城区.xlsx row 7):
    the note was on 序号 (A) and sent the county to the 汇总表's 疑似重复 page, which it never sees."""
    samples = Path(__file__).resolve().parent.parent / "samples" / "jl-761-2020"
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(samples), "-o", str(out)])
    assert res.exit_code == 1, res.output
    for county, cell, words in (("朝阳区", "B11", "如是同一项目"), ("宽城区", "C7", "汇总时只计一次")):
        wb = openpyxl.load_workbook(out / "退回修改" / f"{county}（退回修改）.xlsx")
        ws = wb.worksheets[0]
        assert ws[cell].value and ws[cell].comment is not None, county  # the project name's cell
        assert words in ws[cell].comment.text and "疑似重复”页" not in ws[cell].comment.text
        listed = [row for row in wb["问题清单"].iter_rows(values_only=True) if row[3] == cell]
        assert listed and words in listed[0][8] and "处理意见" not in listed[0][8]
