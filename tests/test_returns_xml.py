"""Return copies patched part by part (toolkit/outputs/returns_xml/): the same marks, comments and
问题清单 as the openpyxl path, everything else of the county's file kept, and no fall back to
openpyxl for the files counties send."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from lxml import etree

from tests.fixtures_files import rewrite_zip, soffice_convert
from tests.test_report import assert_no_formulas
from tests.test_returns import HYPERLINK, add_macro, png_1x1, styled_county
from toolkit.findings import Finding
from toolkit.ingest.readers import read_file
from toolkit.ingest.records import FileReport
from toolkit.merge.pipeline import process
from toolkit.outputs import returns_xml
from toolkit.outputs.returns import (
    AUTHOR,
    ERROR_FILL,
    LIST_SHEET,
    WARNING_FILL,
    copy_workbook,
    write_returns,
)
from toolkit.packs.loader import load_pack

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


# --------------------------------------------------------------------------- the copy's zip

DATE = (2001, 2, 3, 4, 5, 6)
TEXT = "".join(f'<si><t>第{i}号项目 金额 {i * 37 % 1000}.{i % 100:02d} 万元</t></si>' for i in range(400)).encode()
PICTURE = png_1x1() + bytes(range(256)) * 4


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it then writes data descriptors, as some writers do."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += b
        return len(b)


def other_writers_zip(parts: dict[str, tuple[bytes, int]], descriptors: bool = False) -> bytes:
    """A zip as another program might write it: each part (data, method) dated DATE, deflated
    ones at level 9 (so a part deflated again at our level 1 is not the same bytes)."""
    out: Any = _Unseekable() if descriptors else io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, (data, method) in parts.items():
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = method
            zf.writestr(info, data, compresslevel=9)
    return bytes(out.data) if descriptors else out.getvalue()


def stored_data(archive: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member's data as stored, found through its local header."""
    name_len, extra_len = struct.unpack("<HH", archive[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    return archive[start:start + info.compress_size]


def assert_sound_zip(archive: bytes) -> zipfile.ZipFile:
    """Every member's local header agrees with the central directory (name, flags, method, CRC,
    sizes: no data descriptors), the names are flagged UTF-8 when not ASCII, and all CRCs check."""
    zf = zipfile.ZipFile(io.BytesIO(archive))
    assert zf.testzip() is None
    for info in zf.infolist():
        fields = struct.unpack("<4sHHHHHLLLHH", archive[info.header_offset:info.header_offset + 30])
        signature, _, flags, method, _, _, crc, compressed, size, name_len, _ = fields
        name = archive[info.header_offset + 30:info.header_offset + 30 + name_len]
        assert signature == b"PK\x03\x04" and name == info.filename.encode()
        assert flags == info.flag_bits == (0 if info.filename.isascii() else 0x800), info.filename
        assert (method, crc, compressed, size) == (info.compress_type, info.CRC, info.compress_size, info.file_size)
    return zf


def source_parts() -> dict[str, tuple[bytes, int]]:
    return {
        "xl/workbook.xml": (b"<workbook>old</workbook>", zipfile.ZIP_DEFLATED),
        "[Content_Types].xml": (b"<Types/>" * 20, zipfile.ZIP_DEFLATED),
        "xl/sharedStrings.xml": (b"<sst>" + TEXT + b"</sst>", zipfile.ZIP_DEFLATED),
        "xl/media/图片1.png": (PICTURE, zipfile.ZIP_STORED),
        "customXml/项目说明.xml": ("<说明>县里的说明</说明>".encode() * 30, zipfile.ZIP_DEFLATED),
        "docProps/app.xml": (b"<Properties/>", zipfile.ZIP_DEFLATED),
    }


@pytest.mark.parametrize("descriptors", [False, True], ids=["headers", "data-descriptors"])
def test_unchanged_parts_are_copied_as_stored(descriptors: bool) -> None:
    """Parts the patching left alone keep their compressed bytes, method, CRC and date; changed
    and new parts are deflated at level 1; [Content_Types].xml first, then the county's order."""
    parts = source_parts()
    source = other_writers_zip(parts, descriptors)
    before = zipfile.ZipFile(io.BytesIO(source))
    assert all(bool(i.flag_bits & 0x8) == descriptors for i in before.infolist())
    strings = before.getinfo("xl/sharedStrings.xml")
    level_1 = zlib.compressobj(1, zlib.DEFLATED, -15)
    assert stored_data(source, strings) != level_1.compress(TEXT) + level_1.flush()  # the test can tell
    pkg = returns_xml.Package(source)
    pkg.write("xl/workbook.xml", b"<workbook>new</workbook>")
    pkg.write("xl/worksheets/sheet9.xml", "<worksheet>问题清单</worksheet>".encode())
    pkg.remove("docProps/app.xml")
    started = time.time()
    archive = pkg.to_bytes()
    after = assert_sound_zip(archive)
    assert after.namelist() == ["[Content_Types].xml", "xl/workbook.xml", "xl/sharedStrings.xml", "xl/media/图片1.png",
                                "customXml/项目说明.xml", "xl/worksheets/sheet9.xml"]
    for name in ("[Content_Types].xml", "xl/sharedStrings.xml", "xl/media/图片1.png", "customXml/项目说明.xml"):
        old, new = before.getinfo(name), after.getinfo(name)
        assert stored_data(archive, new) == stored_data(source, old), name
        assert (new.compress_type, new.CRC, new.file_size, new.date_time) == (old.compress_type, old.CRC, old.file_size, DATE)
        assert after.read(name) == parts[name][0]
    assert after.getinfo("xl/media/图片1.png").compress_type == zipfile.ZIP_STORED
    assert after.read("xl/workbook.xml") == b"<workbook>new</workbook>"
    assert after.read("xl/worksheets/sheet9.xml") == "<worksheet>问题清单</worksheet>".encode()
    for name in ("xl/workbook.xml", "xl/worksheets/sheet9.xml"):
        info = after.getinfo(name)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert abs(dt.datetime(*info.date_time).timestamp() - started) < 5  # dated now, as writestr dates a part
    with openpyxl.reader.excel.ZipFile(io.BytesIO(archive)) as zf:  # the same module openpyxl reads with
        assert zf.read("customXml/项目说明.xml") == parts["customXml/项目说明.xml"][0]


def test_changed_parts_are_the_zip_zipfile_wrote(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every part changed, the copy is byte for byte what ZipFile(ZIP_DEFLATED,
    compresslevel=1).writestr wrote before (headers, offsets, CRCs, the UTF-8 flag, the end
    record), zlib deflating both; a package that would need
    zip64 is still written by zipfile."""
    import zlib

    from toolkit.xlsx import zipwrite

    monkeypatch.setattr(zipwrite, "compressobj", zlib.compressobj)
    source = other_writers_zip(source_parts())
    pkg = returns_xml.Package(source)
    new = {name: data + b" changed" for name, (data, _) in source_parts().items()}
    for name, data in new.items():
        pkg.write(name, data)
    archive = pkg.to_bytes()
    names = assert_sound_zip(archive).namelist()
    dates = {i.filename: i.date_time for i in zipfile.ZipFile(io.BytesIO(archive)).infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=dates[name])
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            zf.writestr(info, new[name], compresslevel=1)
    assert archive == out.getvalue()

    monkeypatch.setattr(zipwrite, "MAX_MEMBERS", len(names))
    fallback = returns_xml.Package(source)
    assert zipwrite.write([zipwrite.deflated(n, b"", DATE) for n in names]) is None
    written = zipfile.ZipFile(io.BytesIO(fallback.to_bytes()))
    assert written.testzip() is None and {n: written.read(n) for n in names} == {n: d for n, (d, _) in source_parts().items()}


def test_parts_not_plainly_copyable_are_inflated_and_deflated() -> None:
    """bzip2, lzma: not what Excel writes, so not copied as stored; the part is inflated and
    deflated as before, its content the same."""
    parts = {**source_parts(), "xl/a.bin": (TEXT, zipfile.ZIP_BZIP2), "xl/b.bin": (TEXT, zipfile.ZIP_LZMA)}
    pkg = returns_xml.Package(other_writers_zip(parts))
    pkg.write("xl/workbook.xml", b"<workbook/>")
    after = assert_sound_zip(pkg.to_bytes())
    for name in ("xl/a.bin", "xl/b.bin"):
        assert after.getinfo(name).compress_type == zipfile.ZIP_DEFLATED and after.read(name) == TEXT
        assert after.getinfo(name).date_time == DATE


def _patch_member(archive: bytes, name: str, how: str) -> bytes:
    """`archive` with one member broken in the way `how` says."""
    data = bytearray(archive)
    local = zipfile.ZipFile(io.BytesIO(archive)).getinfo(name).header_offset
    central = struct.unpack("<L", archive[archive.rindex(b"PK\x05\x06") + 16:][:4])[0]
    while archive[central + 46:central + 46 + struct.unpack("<H", archive[central + 28:central + 30])[0]] != name.encode():
        central += 46 + sum(struct.unpack("<HHH", archive[central + 28:central + 34]))
    if how == "encrypted":
        for at in (local + 6, central + 8):
            data[at] |= 1
    elif how == "crc":  # the recorded CRC no longer that of the data
        for at in (local + 14, central + 16):
            data[at] ^= 0xFF
    elif how == "data":  # a byte of the data changed (a stored picture)
        data[local + 30 + len(name.encode()) + 20] ^= 0xFF
    elif how == "name":  # the local header names another part than the central directory
        at = local + 30 + len(name.encode()) - 5
        data[at] = ord("2")
    return bytes(data)


@pytest.mark.parametrize(("name", "how"), [("xl/media/图片1.png", "data"), ("xl/media/图片1.png", "crc"),
                                           ("xl/sharedStrings.xml", "crc"), ("xl/sharedStrings.xml", "encrypted"),
                                           ("xl/media/图片1.png", "name")])
def test_an_unreadable_part_raises_as_before(name: str, how: str) -> None:
    """A part whose data does not match its CRC is never copied into the copy: to_bytes raises
    what zipfile raised before (BadZipFile; RuntimeError for an encrypted part), and the caller
    makes the copy with openpyxl."""
    broken = _patch_member(other_writers_zip(source_parts()), name, how)
    pkg = returns_xml.Package(broken)
    pkg.write("xl/workbook.xml", b"<workbook/>")
    names = pkg.names()
    names.sort(key=lambda n: n != "[Content_Types].xml")
    with pytest.raises(Exception) as before:
        for part in names:  # every part read by zipfile, as to_bytes did before copying parts as stored
            pkg.read(part)
    with pytest.raises(type(before.value)) as after:
        pkg.to_bytes()
    assert str(after.value) == str(before.value)
    assert type(before.value) is (RuntimeError if how == "encrypted" else zipfile.BadZipFile)


def test_corrupt_picture_never_reaches_the_copy(tmp_path: Path, fallbacks: list[str]) -> None:
    """The guard checks the CRC only of the parts the scan reads, so a county's file with a
    corrupt picture is read; its copy is then made by openpyxl (as before copying parts as
    stored), which leaves the picture out and says so, instead of a copy that carries it."""
    src = handmade(tmp_path / "县.xlsx")
    with zipfile.ZipFile(src) as zf:
        parts = {i.filename: (zf.read(i), i.compress_type) for i in zf.infolist()}
    parts["xl/media/image1.png"] = (PICTURE, zipfile.ZIP_STORED)
    broken = tmp_path / "in" / "县.xlsx"
    broken.parent.mkdir()
    broken.write_bytes(_patch_member(other_writers_zip(parts), "xl/media/image1.png", "data"))
    report = read_file(broken)
    assert report.status == "ok"
    copy = copy_workbook(PACK, FileReport("县.xlsx", "ok", kind="xlsx", sheet="项目表", source=broken),
                         FINDINGS, tmp_path / "out" / "县（退回修改）.xlsx")
    assert len(fallbacks) == 1 and fallbacks[0].startswith("BadZipFile: Bad CRC-32")
    with zipfile.ZipFile(copy) as zf:
        assert zf.testzip() is None and "xl/media/image1.png" not in zf.namelist()
    assert "图片" in openpyxl.load_workbook(copy)[LIST_SHEET].cell(1, 1).value


@pytest.fixture
def stored_copy(tmp_path: Path, fallbacks: list[str]) -> tuple[Path, Path]:
    """The handmade county file as another program stores it (level 9, dated 2001) with a part
    named in Chinese stored uncompressed, and its patched copy."""
    base = handmade(tmp_path / "base.xlsx")
    with zipfile.ZipFile(base) as zf:
        parts = {i.filename: (zf.read(i), zipfile.ZIP_DEFLATED) for i in zf.infolist()}
    parts["customXml/项目说明.xml"] = ("<说明>县里的说明</说明>".encode(), zipfile.ZIP_STORED)
    src = tmp_path / "县.xlsx"
    src.write_bytes(other_writers_zip(parts))
    report = FileReport("县.xlsx", "ok", kind="xlsx", sheet="项目表", source=src)
    copy = copy_workbook(PACK, report, FINDINGS, tmp_path / "out" / "县（退回修改）.xlsx")
    assert fallbacks == []
    return src, copy


def test_patched_copy_keeps_unchanged_parts_as_stored(stored_copy: tuple[Path, Path]) -> None:
    src, copy = stored_copy
    source, archive = src.read_bytes(), copy.read_bytes()
    before, after = zipfile.ZipFile(io.BytesIO(source)), assert_sound_zip(archive)
    assert after.namelist()[:len(before.namelist())] == before.namelist()  # [Content_Types].xml is first in both
    same = ["xl/theme/theme1.xml", "xl/sharedStrings.xml", "docProps/core.xml", "docProps/app.xml", "customXml/项目说明.xml"]
    for name in same:
        assert after.read(name) == before.read(name), name
        old, new = before.getinfo(name), after.getinfo(name)
        assert stored_data(archive, new) == stored_data(source, old), name
        assert (new.compress_type, new.CRC, new.date_time) == (old.compress_type, old.CRC, DATE), name
    assert after.getinfo("customXml/项目说明.xml").compress_type == zipfile.ZIP_STORED
    ws = openpyxl.load_workbook(copy)["项目表"]
    assert ws["A1"].value == "甲" and ws["A1"].comment is not None
    back = read_file(copy)  # python-calamine
    assert back.status == "ok" and back.workbook is not None
    assert [s.name for s in back.workbook.sheets] == ["项目表", "说明", LIST_SHEET]
    assert back.workbook.sheets[0].rows[0][0] == "甲"


@pytest.mark.office
def test_copy_with_parts_as_stored_opens_in_libreoffice(stored_copy: tuple[Path, Path], tmp_path: Path) -> None:
    _, copy = stored_copy
    back = read_file(soffice_convert(copy, "ods", tmp_path / "lo"))
    assert back.status == "ok" and back.workbook is not None
    sheets = {s.name: s for s in back.workbook.sheets}
    assert list(sheets) == ["项目表", "说明", LIST_SHEET]
    assert sheets["项目表"].rows[0][0] == "甲" and sheets[LIST_SHEET].rows[1][0] == "序号"


def test_xml_escaping_is_what_saxutils_gives() -> None:
    """The patcher's own escape/quoteattr (xml.sax.saxutils would import urllib.request, http,
    ssl and email into every worker) give saxutils' text for every kind of character."""
    import random
    from xml.sax import saxutils

    from toolkit.outputs.returns_xml.parts import escape, quoteattr

    pieces = ["&", "<", ">", '"', "'", "\n", "\r", "\t", "a", "汇总", " ", "&amp;", "]]>", "\x0b", "'\"'"]
    rng = random.Random(3)
    texts = ["", *pieces, *("".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(500))]
    for text in texts:
        assert escape(text) == saxutils.escape(text), text
        assert quoteattr(text) == saxutils.quoteattr(text), text


def test_staged_copy_is_the_atomic_one(tmp_path: Path) -> None:
    """Written straight into a staging folder (no temporary file), with the zip opened once by
    the caller, the copy holds the same parts as the one written through `atomic_path`; the
    file is created with the same permissions, and a name already taken is refused, never
    overwritten."""
    from toolkit.errors import OutputError

    src = handmade(tmp_path / "县.xlsx")
    data = src.read_bytes()
    report = FileReport("县.xlsx", "ok", kind="xlsx", sheet="项目表", source=src)
    plain = returns_xml.patch_workbook(PACK, report, FINDINGS, tmp_path / "plain.xlsx", data)
    staged = returns_xml.patch_workbook(PACK, report, FINDINGS, tmp_path / "sub" / "staged.xlsx", data,
                                        archive=zipfile.ZipFile(io.BytesIO(data)), staged=True)
    with zipfile.ZipFile(plain) as a, zipfile.ZipFile(staged) as b:
        assert a.namelist() == b.namelist()
        assert all(a.read(n) == b.read(n) for n in a.namelist())
    assert plain.stat().st_mode == staged.stat().st_mode
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["staged.xlsx"]
    before = staged.read_bytes()
    with pytest.raises(OutputError):
        returns_xml.patch_workbook(PACK, report, FINDINGS, staged, data, staged=True)
    assert staged.read_bytes() == before


@pytest.mark.parametrize(("name", "how"), [("xl/media/图片1.png", "data"), ("xl/sharedStrings.xml", "crc"),
                                           ("xl/sharedStrings.xml", "encrypted")])
def test_remembered_parts_are_the_parts_worked_out_again(name: str, how: str) -> None:
    """Parts repeated across copies are checked and deflated once (zipcopy's memos): a second
    copy of the same parts is byte for byte the first, a changed part deflates as
    `zipwrite.deflated` makes it under any name and date, and a part intact in one county's
    file but broken in another's still stops the second copy."""
    from toolkit.outputs.returns_xml import zipcopy
    from toolkit.xlsx import zipwrite

    for memo in (zipcopy._INTACT, zipcopy._DEFLATED):
        memo.found.clear()
        memo.size = 0
    source = other_writers_zip(source_parts())

    def copy(archive: bytes) -> bytes:
        pkg = returns_xml.Package(archive)
        pkg.write("xl/workbook.xml", b"<workbook>new</workbook>")
        pkg.write("docProps/app.xml", b"<Properties>" + TEXT + b"</Properties>")
        return pkg.to_bytes()

    first = copy(source)
    assert zipcopy._INTACT.found and zipcopy._DEFLATED.found
    second = copy(source)
    with zipfile.ZipFile(io.BytesIO(first)) as a, zipfile.ZipFile(io.BytesIO(second)) as b:
        assert [(i.filename, i.CRC, i.compress_type) for i in a.infolist()] == \
            [(i.filename, i.CRC, i.compress_type) for i in b.infolist()]
        assert all(stored_data(first, a.getinfo(n)) == stored_data(second, b.getinfo(n)) for n in a.namelist())
    data = b"<Properties>" + TEXT + b"</Properties>"
    remembered = zipcopy.deflated("other/name.xml", data, DATE)
    plain = zipwrite.deflated("other/name.xml", data, DATE)
    assert remembered == plain
    broken = _patch_member(source, name, how)
    with pytest.raises((zipfile.BadZipFile, RuntimeError)):
        copy(broken)


def test_memo_forgets_beyond_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.outputs.returns_xml import zipcopy

    monkeypatch.setattr(zipcopy, "MEMO_TOTAL", 100)
    memo: zipcopy._Memo[bytes, int] = zipcopy._Memo()
    memo.put(b"a", 1, 60)
    memo.put(b"b", 2, 30)
    assert memo.get(b"a") == 1 and memo.size == 90
    memo.put(b"c", 3, 30)  # would pass 100: the rest is forgotten
    assert memo.get(b"a") is None and memo.get(b"c") == 3 and memo.size == 30


@pytest.mark.parametrize("source", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "workbook.xml", "", "a/b/c/d.xml",
                                    "xl/./worksheets/sheet2.xml", "xl//x.xml", "../up.xml", "xl/../../up.xml",
                                    "/xl/abs.xml", "工作簿/表 1.xml"])
@pytest.mark.parametrize("part", ["xl/comments1.xml", "xl/drawings/vmlDrawing1.vml", "xl/worksheets/sheet9.xml",
                                  "comments.xml", "a/b/c/e.xml", "../out.xml", "xl/a/../b.xml", "/abs.xml",
                                  "工作簿/批注 1.xml"])
def test_relative_is_relpath(source: str, part: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relationship's target relative to its source is what posixpath.relpath gives, without
    asking for the working folder (and wherever that is, for names that climb out of the package)."""
    from toolkit.outputs.returns_xml.parts import relative

    for cwd in (tmp_path, tmp_path / "x" / "y"):
        cwd.mkdir(parents=True, exist_ok=True)
        monkeypatch.chdir(cwd)
        assert relative(source, part) == posixpath.relpath(part, posixpath.dirname(source) or ".")


@pytest.mark.parametrize("descriptors", [False, True], ids=["headers", "data-descriptors"])
@pytest.mark.parametrize("how", ["", "data", "crc", "encrypted", "name"])
def test_read_is_zipfile_read(descriptors: bool, how: str) -> None:
    """Package.read (inflating a plainly readable part itself, remembering small ones) returns
    what ZipFile.read returns for every part, and raises what it raises for a broken one, each
    time it is asked (the second time from the memo)."""
    from toolkit.outputs.returns_xml import zipcopy

    parts = {**source_parts(), "xl/a.bin": (TEXT, zipfile.ZIP_BZIP2), "xl/empty.xml": (b"", zipfile.ZIP_DEFLATED),
             "xl/stored.xml": (TEXT, zipfile.ZIP_STORED)}
    archive = other_writers_zip(parts, descriptors)
    if how:
        archive = _patch_member(archive, "xl/sharedStrings.xml" if how != "data" else "xl/media/图片1.png", how)
    for _ in range(2):
        pkg = returns_xml.Package(archive)
        plain = zipfile.ZipFile(io.BytesIO(archive))
        for name in parts:
            try:
                expected: bytes | str = plain.read(name)
            except (zipfile.BadZipFile, RuntimeError) as exc:
                expected = f"{type(exc).__name__}: {exc}"
            try:
                found: bytes | str = pkg.read(name)
            except (zipfile.BadZipFile, RuntimeError) as exc:
                found = f"{type(exc).__name__}: {exc}"
            assert found == expected, name
    assert zipcopy._INFLATED.found
