"""Return copies patched part by part (toolkit/returns_xml.py): the same marks, comments and
问题清单 as the openpyxl path, everything else of the county's file kept, and no fall back to
openpyxl for the files counties send."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from lxml import etree

from tests.fixtures_files import rewrite_zip, soffice_convert
from tests.test_report import assert_no_formulas
from tests.test_returns import HYPERLINK, add_macro, styled_county
from toolkit import returns_xml
from toolkit.findings import Finding
from toolkit.ingest.readers import read_file
from toolkit.ingest.records import FileReport
from toolkit.packs.loader import load_pack
from toolkit.pipeline import process
from toolkit.returns import (
    AUTHOR,
    ERROR_FILL,
    LIST_SHEET,
    WARNING_FILL,
    copy_workbook,
    write_returns,
)

PACK = load_pack("jl-761-2020")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Why each file the patching could not copy went to openpyxl (empty: none did)."""
    seen: list[str] = []
    real = returns_xml.patch_workbook

    def recording(*args: Any, **kwargs: Any) -> Path:
        try:
            return real(*args, **kwargs)
        except Exception as exc:
            seen.append(f"{type(exc).__name__}: {exc}")
            raise

    monkeypatch.setattr(returns_xml, "patch_workbook", recording)
    return seen


# A county sheet as other software writes it: a shared string (A1) and an inline string (C1),
# a formula with its cached value (B3), an empty row element (4), rows 2, 5 and 7 absent, a merged
# range B5:D6, a styled column E, and the tab selected.
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<dimension ref="A1:E6"/>
<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>
<sheetFormatPr defaultRowHeight="15"/>
<cols><col min="5" max="5" width="12" style="1" customWidth="1"/></cols>
<sheetData>
<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" s="1" t="inlineStr"><is><t xml:space="preserve">=1+1 县里写的字 </t></is></c></row>
<row r="3" spans="2:4"><c r="B3"><f>1+2</f><v>3</v></c><c r="D3"><v>7</v></c></row>
<row r="4" ht="30" customHeight="1"/>
<row r="6"><c r="A6"><v>1</v></c></row>
</sheetData>
<mergeCells count="1"><mergeCell ref="B5:D6"/></mergeCells>
<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>
</worksheet>"""


def handmade(path: Path) -> Path:
    """SHEET in a real package: xlsxwriter writes the rest (the shared string 甲 at index 0, the
    money format as style 1, a county comment on D3 and on C1 in Excel's own VML, a second,
    also selected sheet), then the sheet's XML is replaced."""
    base = path.with_suffix(".base.xlsx")
    wb = xlsxwriter.Workbook(str(base))
    money = wb.add_format({"num_format": "#,##0.00", "bold": True})
    ws = wb.add_worksheet("项目表")
    ws.write_string("A1", "甲")
    ws.write_string("C1", "=1+1 县里写的字 ", money)
    ws.write_number("D3", 7)
    ws.write_comment("C1", "县里的批注：金额待核", {"author": "县经办人"})
    ws.write_comment("D3", "县里另一条批注", {"author": "县经办人"})
    notes = wb.add_worksheet("说明")
    notes.write_string("A1", "乙")
    notes.select()
    wb.close()
    with zipfile.ZipFile(base) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    legacy = re.search(r"<legacyDrawing [^>]*/>", sheet)
    assert legacy is not None
    xml = SHEET.replace("<pageMargins", "<pageMargins").replace("</worksheet>", legacy.group(0) + "</worksheet>")
    rewrite_zip(base, path, {"xl/worksheets/sheet1.xml": xml.encode()})
    base.unlink()
    return path


def finding(code: str, severity: str, cell: str | None, row: int, message: str = "") -> Finding:
    return Finding(code, severity, message or f"{cell or row}：{code} 的说明", file="县.xlsx",  # type: ignore[arg-type]
                   sheet="项目表", row=row, cell=cell)


FINDINGS = [
    finding("schema.format", "error", "A1", 1),  # a shared string
    finding("schema.required", "warning", "C1", 1),  # an inline string, with a county comment
    finding("schema.required", "error", "B1", 1),  # missing between A1 and C1
    finding("schema.required", "warning", "C3", 3),  # missing between B3 and D3
    finding("criteria.min-investment", "error", None, 3),  # a row: its first cell A3, missing
    finding("schema.required", "error", "B2", 2),  # its row is missing
    finding("schema.required", "error", "A4", 4),  # an empty <row/>
    finding("schema.required", "warning", "C6", 6, "=SUM(A1:A9) 像公式的说明"),  # merged: B5, row 5 missing
    finding("schema.required", "error", "E7", 7),  # after the last row, in the styled column
]
MARKED = {"A1": "error", "C1": "warning", "B1": "error", "C3": "warning", "A3": "error", "B2": "error",
          "A4": "error", "B5": "warning", "E7": "error"}


@pytest.fixture
def handmade_copy(tmp_path: Path, fallbacks: list[str]) -> tuple[Path, Path]:
    src = handmade(tmp_path / "县.xlsx")
    report = FileReport("县.xlsx", "ok", kind="xlsx", sheet="项目表", source=src)
    copy = copy_workbook(PACK, report, FINDINGS, tmp_path / "out" / "县（退回修改）.xlsx")
    assert fallbacks == []
    return src, copy


def sheet_xml(path: Path, part: str = "xl/worksheets/sheet1.xml") -> Any:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read(part))


def test_marks_every_kind_of_cell_in_place(handmade_copy: tuple[Path, Path]) -> None:
    src, copy = handmade_copy
    ws = openpyxl.load_workbook(copy)["项目表"]
    for ref, severity in MARKED.items():
        cell = ws[ref]
        assert cell.fill.fill_type == "solid", ref
        assert cell.fill.fgColor.rgb.endswith(ERROR_FILL if severity == "error" else WARNING_FILL), ref
        assert cell.comment is not None and cell.comment.author == AUTHOR, ref
    assert "像公式的说明" in ws["B5"].comment.text  # C6 is in B5:D6: the shown cell carries the mark
    # Values, cached results and strings as they were.
    assert ws["A1"].value == "甲" and ws["C1"].value == "=1+1 县里写的字 " and ws["C1"].data_type == "s"
    assert ws["B3"].value == "=1+2" and ws["D3"].value == 7
    assert ws["C1"].number_format == "#,##0.00" and ws["C1"].font.b  # the county's style, our fill
    assert ws["E7"].number_format == "#,##0.00"  # a new cell takes its column's style
    root = sheet_xml(copy)
    cells = {c.get("r"): c for c in root.iter(f"{MAIN}c")}
    assert cells["C1"].get("t") == "inlineStr" and cells["A1"].get("t") == "s"
    assert cells["B3"].findtext(f"{MAIN}v") == "3"  # the cached value, so nothing to recalculate
    calc = [re.search(rb"<calcPr[^>]*>", zipfile.ZipFile(p).read("xl/workbook.xml")) for p in (src, copy)]
    assert calc[0] and calc[1] and calc[0].group(0) == calc[1].group(0)  # no recalculation asked for
    # Rows and cells in order, as Excel requires.
    rows = [int(r.get("r")) for r in root.iter(f"{MAIN}row")]
    assert rows == sorted(rows) == [1, 2, 3, 4, 5, 6, 7]
    for row in root.iter(f"{MAIN}row"):
        cols = [openpyxl.utils.cell.coordinate_to_tuple(c.get("r"))[1] for c in row.iter(f"{MAIN}c")]
        assert cols == sorted(cols) and len(set(cols)) == len(cols)
        spans = [int(x) for x in row.get("spans", "1:16384").split(":")]
        assert all(spans[0] <= c <= spans[1] for c in cols), row.get("r")  # a hint Excel trusts
    assert [c.get("r") for c in root.iter(f"{MAIN}c")][:3] == ["A1", "B1", "C1"]
    unmarked = openpyxl.load_workbook(src)["项目表"]
    assert repr(ws["D3"].fill) == repr(unmarked["D3"].fill)


def test_county_comments_kept_and_merged(handmade_copy: tuple[Path, Path]) -> None:
    _, copy = handmade_copy
    ws = openpyxl.load_workbook(copy)["项目表"]
    assert ws["D3"].comment.text == "县里另一条批注" and ws["D3"].comment.author == "县经办人"
    text = ws["C1"].comment.text
    assert text.startswith("【提醒】") and text.endswith("（原批注）县里的批注：金额待核")
    with zipfile.ZipFile(copy) as zf:
        vml = next(n for n in zf.namelist() if n.endswith(".vml"))
        drawing = etree.fromstring(zf.read(vml))
    notes = [s for s in drawing.iter("{urn:schemas-microsoft-com:vml}shape")
             if s.find("{urn:schemas-microsoft-com:office:excel}ClientData").get("ObjectType") == "Note"]
    x = "{urn:schemas-microsoft-com:office:excel}"
    anchored = sorted((int(s.findtext(f"{x}ClientData/{x}Row")), int(s.findtext(f"{x}ClientData/{x}Column")))
                      for s in notes)
    # One comment box per comment: C1's old box replaced by ours, D3's kept.
    expected = {openpyxl.utils.cell.coordinate_to_tuple(r) for r in [*MARKED, "D3"]}
    assert anchored == sorted((r - 1, c - 1) for r, c in expected)
    ids = [s.get("id") for s in drawing.iter("{urn:schemas-microsoft-com:vml}shape")]
    assert len(ids) == len(set(ids))


def test_list_sheet_is_active_with_links_filter_and_text(handmade_copy: tuple[Path, Path]) -> None:
    _, copy = handmade_copy
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames == ["项目表", "说明", LIST_SHEET]
    assert wb.active.title == LIST_SHEET
    assert [bool(ws.sheet_view.tabSelected) for ws in wb.worksheets] == [False, False, True]
    ws = wb[LIST_SHEET]
    assert ws.cell(2, 1).value == "序号" and "错误 6 个，提醒 3 个" in ws.cell(1, 1).value
    assert "图片" not in ws.cell(1, 1).value and "重建" not in ws.cell(1, 1).value
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [(r[3] or None, r[4], r[8]) for r in rows] == [(f.cell, f.row, f.message) for f in FINDINGS]
    assert rows[7][8] == "=SUM(A1:A9) 像公式的说明"  # text, not a formula
    links = {c.value: c.hyperlink.location for c in ws["D"] if c.hyperlink}
    assert links["C6"] == "'项目表'!B5" and links["B2"] == "'项目表'!B2"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:K{len(FINDINGS) + 2}"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows in ("2:2", "$2:$2")
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:K1"]
    assert ws["G3"].fill.fgColor.rgb.endswith(ERROR_FILL) and ws["G4"].fill.fgColor.rgb.endswith(WARNING_FILL)
    assert {k: d.width for k, d in ws.column_dimensions.items()}["I"] == 70
    assert wb.defined_names is not None
    assert_no_formulas_in(copy, "xl/worksheets/sheet3.xml")


def assert_no_formulas_in(path: Path, part: str) -> None:
    data = zipfile.ZipFile(path).read(part)
    assert b"<f>" not in data and b"<f " not in data and b't="inlineStr"' in data


def test_styled_county_goes_the_fast_way(tmp_path: Path, fallbacks: list[str]) -> None:
    """南关区's own layout (merged title and headers, fonts, borders, a county comment, a hidden
    row) is patched, not loaded into openpyxl, and its parts other than the marked sheet, the
    styles and the workbook are byte for byte the county's."""
    (tmp_path / "in").mkdir()
    src = styled_county(tmp_path / "in" / "南关区.xlsx")
    batch = process(PACK, [tmp_path / "in"])
    (copy,) = write_returns(batch, tmp_path / "out")
    assert fallbacks == []
    with zipfile.ZipFile(src) as before, zipfile.ZipFile(copy) as after:
        for name in before.namelist():
            if name not in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                            "xl/worksheets/sheet2.xml", "xl/worksheets/_rels/sheet2.xml.rels", "xl/comments/comment1.xml",
                            "xl/drawings/commentsDrawing1.vml", "xl/worksheets/sheet1.xml"):
                assert after.read(name) == before.read(name), name
    assert openpyxl.load_workbook(copy)["项目表"]["I6"].value == HYPERLINK
    assert_no_formulas(copy)


def test_xlsm_and_templates_come_back_as_plain_workbooks(tmp_path: Path, fallbacks: list[str]) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    add_macro(styled_county(tmp_path / "plain.xlsx"), inbox / "南关区.xlsm")
    batch = process(PACK, [inbox])
    (copy,) = write_returns(batch, tmp_path / "out")
    assert fallbacks == []
    with zipfile.ZipFile(copy) as zf:
        assert not [n for n in zf.namelist() if "vba" in n.lower()]
        types = zf.read("[Content_Types].xml")
        assert b"macroEnabled" not in types and b"vbaProject" not in types
        assert b"spreadsheetml.sheet.main+xml" in types
        assert b"vbaProject" not in zf.read("xl/_rels/workbook.xml.rels")
    wb = openpyxl.load_workbook(copy)
    assert "宏" in wb[LIST_SHEET].cell(1, 1).value and "图片" not in wb[LIST_SHEET].cell(1, 1).value

    template = tmp_path / "模板.xltx"
    with zipfile.ZipFile(inbox / "南关区.xlsm") as zf:
        types_xml = zf.read("[Content_Types].xml").replace(
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml")
    rewrite_zip(inbox / "南关区.xlsm", template, {"[Content_Types].xml": types_xml, "xl/vbaProject.bin": None})
    report = FileReport("模板.xltx", "ok", kind="xlsx", source=template)
    f = Finding("schema.required", "error", "G6：缺", file="模板.xltx", sheet="项目表", row=6, cell="G6")
    out = copy_workbook(PACK, report, [f], tmp_path / "out2" / "模板（退回修改）.xlsx")
    assert fallbacks == []
    with zipfile.ZipFile(out) as zf:
        assert b"template.main" not in zf.read("[Content_Types].xml")
    assert openpyxl.load_workbook(out).template is False


def test_copy_sent_back_with_our_list_falls_back_to_openpyxl(tmp_path: Path, fallbacks: list[str]) -> None:
    """The rare case the patching leaves to openpyxl: our own 问题清单 in the file, whose old
    marks openpyxl clears (tests/test_returns.py checks the result)."""
    (tmp_path / "in").mkdir()
    styled_county(tmp_path / "in" / "南关区.xlsx")
    (copy,) = write_returns(process(PACK, [tmp_path / "in"]), tmp_path / "first")
    (tmp_path / "again").mkdir()
    copy.rename(tmp_path / "again" / copy.name)
    (again,) = write_returns(process(PACK, [tmp_path / "again"]), tmp_path / "second")
    assert len(fallbacks) == 1 and "问题清单" in fallbacks[0]
    assert openpyxl.load_workbook(again).sheetnames.count(LIST_SHEET) == 1


def test_a_file_the_patching_cannot_read_still_gets_a_copy(tmp_path: Path, fallbacks: list[str]) -> None:
    """Comments of another kind (a comments part with no drawing): openpyxl makes the copy."""
    src = handmade(tmp_path / "县.xlsx")
    with zipfile.ZipFile(src) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    dropped = re.sub(rb"<legacyDrawing [^>]*/>", b"", sheet)
    broken = rewrite_zip(src, tmp_path / "无图.xlsx", {"xl/worksheets/sheet1.xml": dropped})
    report = FileReport("县.xlsx", "ok", kind="xlsx", sheet="项目表", source=broken)
    copy = copy_workbook(PACK, report, FINDINGS, tmp_path / "out" / "县（退回修改）.xlsx")
    assert len(fallbacks) == 1
    assert openpyxl.load_workbook(copy)["项目表"]["A1"].comment is not None


def test_dtd_in_a_part_is_never_parsed(tmp_path: Path) -> None:
    with pytest.raises(returns_xml.Unsupported):
        returns_xml.parse(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')


@pytest.mark.office
def test_patched_copy_opens_in_libreoffice(handmade_copy: tuple[Path, Path], tmp_path: Path) -> None:
    _, copy = handmade_copy
    ods = soffice_convert(copy, "ods", tmp_path / "lo")
    back = read_file(ods)
    assert back.status == "ok" and back.workbook is not None
    sheets = {s.name: s for s in back.workbook.sheets}
    assert list(sheets) == ["项目表", "说明", LIST_SHEET]
    assert sheets["项目表"].rows[0][0] == "甲" and sheets["项目表"].rows[0][2] == "=1+1 县里写的字 "
    assert sheets[LIST_SHEET].rows[1][0] == "序号"
    assert [r[3] for r in sheets[LIST_SHEET].rows[2:]][:2] == ["A1", "C1"]
    pdf = soffice_convert(copy, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("variant", ["prefixed", "empty"])
def test_other_writers_sheet_xml(tmp_path: Path, variant: str) -> None:
    """Cells in a worksheet written with an `x:` prefix, and a sheet with no cells at all
    (`<sheetData/>`): every mark lands, rows created in order."""
    src = handmade(tmp_path / "县.xlsx")
    xml = zipfile.ZipFile(src).read("xl/worksheets/sheet1.xml").decode()
    if variant == "prefixed":
        xml = re.sub(r"<(/?)(?![?!])([a-zA-Z])", r"<\1x:\2", xml).replace("<x:worksheet xmlns=", "<x:worksheet xmlns:x=")
        marked = set(MARKED)
    else:
        xml = re.sub(r"<sheetData>.*</sheetData>", "<sheetData/>", xml, flags=re.S)
        xml = re.sub(r"<mergeCells .*</mergeCells>", "", xml)
        marked = set(MARKED) - {"B5"} | {"C6"}
    variant_src = rewrite_zip(src, tmp_path / f"{variant}.xlsx", {"xl/worksheets/sheet1.xml": xml.encode()})
    report = FileReport("县.xlsx", "ok", kind="xlsx", sheet="项目表", source=variant_src)
    out = returns_xml.patch_workbook(PACK, report, FINDINGS, tmp_path / "out.xlsx", variant_src.read_bytes())
    ws = openpyxl.load_workbook(out)["项目表"]
    assert {c.coordinate for row in ws.iter_rows() for c in row if c.fill.fill_type == "solid"} == marked
    assert all(ws[ref].comment is not None for ref in marked)
    rows = [int(r.get("r")) for r in sheet_xml(out).iter(f"{MAIN}row")]
    assert rows == sorted(rows)
