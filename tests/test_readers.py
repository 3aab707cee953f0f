"""toolkit.ingest.readers: every kind of file a county sends, built in tmp_path."""

from __future__ import annotations

import datetime as dt
import os
import struct
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures_files import (
    TITLE,
    county_xlsx,
    docx,
    one_sheet_xlsx,
    rewrite_zip,
    sheet_xml,
    soffice_convert,
)
from toolkit.errors import ShenbaoError
from toolkit.ingest import readers
from toolkit.ingest.readers import (
    MSG_CORRUPT,
    MSG_EMPTY,
    MSG_ENCRYPTED,
    MSG_NOT_SHEET,
    FileOutcome,
    SheetData,
    discover,
    read_file,
)

SHEET1 = "xl/worksheets/sheet1.xml"


def ok(outcome: FileOutcome) -> dict[str, SheetData]:
    assert outcome.status == "ok", outcome.message
    assert outcome.workbook is not None
    return {s.name: s for s in outcome.workbook.sheets}


def refused(outcome: FileOutcome, status: str, message: str, code: str | None = None) -> None:
    assert (outcome.status, outcome.message, outcome.workbook) == (status, message, None)
    if status == "error":
        assert [f.code for f in outcome.findings] == [code]
        assert outcome.findings[0].severity == "error"
        assert outcome.findings[0].file == str(outcome.path)
    else:
        assert outcome.findings == ()


def codes(outcome: FileOutcome) -> list[str]:
    return [f.code for f in outcome.findings]


# --------------------------------------------------------------------------- xlsx


def check_county(sheets: dict[str, SheetData], *, merged: bool = True) -> None:
    """What every faithful copy of county_xlsx must read as, in any format."""
    table = sheets["项目表"]
    assert table.visible
    assert table.rows[0][0] == TITLE
    assert table.rows[0][1:] == [None] * 5  # the rest of the merged title row is empty
    assert table.rows[2][2] == "投资（万元）" and table.rows[3][2:4] == ["总投资", "其中：大数据"]
    assert table.rows[4][:4] == [1, "政务云平台扩容", 1200, 800]
    assert table.rows[4][4] == dt.date(2020, 7, 1)
    assert [r[5] for r in table.rows[4:7]] == [400, 500, 650]  # formula results
    assert table.rows[7][1:3] == ["合计", 4850]
    assert len(table.rows) == 8 and all(len(r) == 6 for r in table.rows)
    if merged:
        assert set(table.merged) == {
            (1, 1, 1, 6), (3, 1, 4, 1), (3, 2, 4, 2), (3, 3, 3, 4), (3, 5, 4, 5), (3, 6, 4, 6)
        }
    assert not sheets["说明"].visible and not sheets["代码表"].visible
    assert sheets["说明"].rows == [["填表说明：金额单位为万元"]]
    # The true origin is kept: C5 is rows[4][2] even though the used range starts there.
    offset = sheets["偏移"].rows
    assert len(offset) == 6 and offset[:4] == [[None] * 4] * 4
    assert offset[4] == [None, None, "项目名称", "总投资"]
    assert offset[5] == [None, None, "数据中心", 500]


def test_xlsx_values_origin_merges_hidden_rows_and_sheets(tmp_path: Path) -> None:
    outcome = read_file(county_xlsx(tmp_path / "南关区.xlsx"))
    sheets = ok(outcome)
    assert outcome.workbook is not None and outcome.workbook.kind == "xlsx"
    check_county(sheets)
    assert sheets["项目表"].hidden_rows == frozenset({6})
    assert list(sheets) == ["项目表", "说明", "代码表", "偏移"]  # workbook order
    assert outcome.findings == ()


def test_xlsx_renamed_xls_is_read_by_content(tmp_path: Path) -> None:
    src = county_xlsx(tmp_path / "a.xlsx")
    outcome = read_file(src.rename(tmp_path / "南关区.xls"))
    check_county(ok(outcome))
    assert outcome.workbook is not None and outcome.workbook.kind == "xlsx"


def test_xlsm_by_name_and_by_content_type(tmp_path: Path) -> None:
    src = county_xlsx(tmp_path / "a.xlsx")
    by_name = read_file(src.rename(tmp_path / "宏.xlsm"))
    assert by_name.workbook is not None and by_name.workbook.kind == "xlsm"
    one_sheet_xlsx(tmp_path / "b.xlsx")
    with zipfile.ZipFile(tmp_path / "b.xlsx") as zf:
        types = zf.read("[Content_Types].xml").replace(
            b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
        )
    macro = rewrite_zip(tmp_path / "b.xlsx", tmp_path / "宏.xlsx", {"[Content_Types].xml": types})
    outcome = read_file(macro)
    assert outcome.workbook is not None and outcome.workbook.kind == "xlsm"
    assert ok(outcome)["项目表"].rows == [["x"]]


def test_hidden_rows_by_default_height(tmp_path: Path) -> None:
    # "Hide all unused rows": Excel sets zeroHeight and lists only the rows that stay visible.
    wb = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    ws = wb.add_worksheet("项目表")
    for r in (0, 1, 4):
        ws.write(r, 0, f"第{r + 1}行")
    ws.set_default_row(hide_unused_rows=True)
    wb.close()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as zf:
        assert b'zeroHeight="1"' in zf.read(SHEET1)
    sheet = ok(read_file(tmp_path / "a.xlsx"))["项目表"]
    assert [r[0] for r in sheet.rows] == ["第1行", "第2行", None, None, "第5行"]
    assert sheet.hidden_rows == frozenset({3, 4})


def test_rows_and_cells_without_r_follow_each_other(tmp_path: Path) -> None:
    rows = '<row><c t="inlineStr"><is><t>a</t></is></c><c><v>2</v></c></row>'
    rows += '<row hidden="1"><c r="C2"><v>3</v></c></row>'
    src = rewrite_zip(one_sheet_xlsx(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", {SHEET1: sheet_xml(rows)})
    sheet = ok(read_file(src))["项目表"]
    assert sheet.rows == [["a", 2, None], [None, None, 3]]
    assert sheet.hidden_rows == frozenset({2})


def test_formula_errors_and_missing_results_are_reported(tmp_path: Path) -> None:
    # As Excel saves them: an error value has t="e"; an empty text result has t="str".
    rows = '<row r="1"><c r="A1"><v>0</v></c><c r="B1" t="e"><f>1/A1</f><v>#DIV/0!</v></c>'
    rows += '<c r="C1" t="str"><f>IF(A1=0,"","x")</f><v></v></c></row>'
    src = one_sheet_xlsx(tmp_path / "a.xlsx")
    outcome = read_file(rewrite_zip(src, tmp_path / "b.xlsx", {SHEET1: sheet_xml(rows)}))
    assert ok(outcome)["项目表"].rows == [[0]]
    [error] = outcome.findings
    assert (error.code, error.severity, error.cell) == ("value.formula-error", "warning", "B1")
    assert "#DIV/0!" in error.message and error.extra == {"cells": ["B1"]}

    import openpyxl  # openpyxl saves formulas without results, as other generators do

    book = openpyxl.Workbook()
    book.active.title = "项目表"
    book.active["A1"], book.active["B1"] = 100, "=A1*2"
    book.save(tmp_path / "c.xlsx")
    outcome = read_file(tmp_path / "c.xlsx")
    assert ok(outcome)["项目表"].rows == [[100]]
    assert codes(outcome) == ["file.formula-uncached"]
    assert "1 个公式没有保存计算结果" in outcome.findings[0].message


def test_empty_sheet_and_huge_dimension_claim(tmp_path: Path) -> None:
    part = sheet_xml(
        '<row r="2"><c r="B2"><v>7</v></c></row><row r="1048576"><c r="XFD1048576" s="0"/></row>',
        before='<dimension ref="A1:XFD1048576"/>',
    )
    src = rewrite_zip(one_sheet_xlsx(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", {SHEET1: part})
    outcome = read_file(src)
    assert ok(outcome)["项目表"].rows == [[None, None], [None, 7]]
    assert outcome.findings == ()
    wb = xlsxwriter.Workbook(str(tmp_path / "c.xlsx"))
    wb.add_worksheet("空")
    wb.close()
    assert ok(read_file(tmp_path / "c.xlsx"))["空"].rows == []


def test_a_stray_value_far_away_refuses_that_sheet_only(tmp_path: Path) -> None:
    # calamine would try to allocate 1048576 x 16384 cells and abort the whole process.
    wb = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    wb.add_worksheet("项目表").write("A1", "项目名称")
    wb.add_worksheet("其他").write("A1", 1)
    wb.close()
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c></row>'
    rows += '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t> </t></is></c></row>'
    src = rewrite_zip(tmp_path / "a.xlsx", tmp_path / "b.xlsx", {SHEET1: sheet_xml(rows)})
    outcome = read_file(src)
    sheets = ok(outcome)
    assert sheets["项目表"].rows == [] and sheets["其他"].rows == [[1]]
    [finding] = outcome.findings
    assert (finding.code, finding.severity, finding.sheet, finding.cell) == (
        "file.sheet-too-large", "error", "项目表", "XFD1048576"
    )
    assert "XFD1048576" in finding.message and "删除" in finding.message


def test_rows_are_capped(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    ws = wb.add_worksheet("项目表")
    for r in range(30):
        ws.write(r, 0, r + 1)
    wb.close()
    outcome = read_file(tmp_path / "a.xlsx", max_rows=10)
    assert [r[0] for r in ok(outcome)["项目表"].rows] == list(range(1, 11))
    [finding] = outcome.findings
    assert (finding.code, finding.severity, finding.row) == ("file.too-many-rows", "warning", 10)
    assert "第 30 行" in finding.message and "10 行" in finding.message


def test_workbook_without_sheets(tmp_path: Path) -> None:
    src = one_sheet_xlsx(tmp_path / "a.xlsx")
    with zipfile.ZipFile(src) as zf:
        book = zf.read("xl/workbook.xml")
    start, end = book.index(b"<sheets>"), book.index(b"</sheets>") + len(b"</sheets>")
    bare = rewrite_zip(src, tmp_path / "空.xlsx", {"xl/workbook.xml": book[:start] + b"<sheets/>" + book[end:]})
    refused(read_file(bare), "error", readers.MSG_NO_SHEETS, "file.no-sheets")


# --------------------------------------------------------------------------- LibreOffice


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """county_xlsx as LibreOffice writes it in .xls, .ods and .xlsx (one conversion each)."""
    root = tmp_path_factory.mktemp("office")
    src = county_xlsx(root / "南关区.xlsx")
    return {fmt: soffice_convert(src, fmt, root / fmt) for fmt in ("xls", "ods", "xlsx")}


@pytest.mark.office
def test_real_xls_from_libreoffice(converted: dict[str, Path]) -> None:
    outcome = read_file(converted["xls"])
    sheets = ok(outcome)
    assert outcome.workbook is not None and outcome.workbook.kind == "xls"
    check_county(sheets)  # calamine gives .xls merges too
    assert isinstance(sheets["项目表"].rows[4][0], int)  # .xls keeps integers as int
    assert sheets["项目表"].hidden_rows == frozenset()  # not exposed for .xls


@pytest.mark.office
def test_real_ods_from_libreoffice(converted: dict[str, Path]) -> None:
    outcome = read_file(converted["ods"])
    sheets = ok(outcome)
    assert outcome.workbook is not None and outcome.workbook.kind == "ods"
    check_county(sheets)  # merges come from content.xml: calamine has none for ODS
    assert sheets["项目表"].hidden_rows == frozenset({6})


@pytest.mark.office
def test_xlsx_saved_by_libreoffice(converted: dict[str, Path]) -> None:
    # Another writer than xlsxwriter: shared strings, styles on every cell, explicit row attributes.
    outcome = read_file(converted["xlsx"])
    sheets = ok(outcome)
    check_county(sheets)
    assert sheets["项目表"].hidden_rows == frozenset({6})
    assert outcome.findings == ()


@pytest.mark.office
def test_xls_renamed_xlsx_and_et(converted: dict[str, Path], tmp_path: Path) -> None:
    for name in ("南关区.xlsx", "南关区.et"):
        copy = tmp_path / name
        copy.write_bytes(converted["xls"].read_bytes())
        outcome = read_file(copy)
        check_county(ok(outcome))
        assert outcome.workbook is not None and outcome.workbook.kind == "xls"


@pytest.mark.office
def test_truncated_xls(converted: dict[str, Path], tmp_path: Path) -> None:
    data = converted["xls"].read_bytes()
    (tmp_path / "南关区.xls").write_bytes(data[: len(data) // 2])
    refused(read_file(tmp_path / "南关区.xls"), "error", MSG_CORRUPT, "file.corrupt")


@pytest.mark.office
def test_formulas_get_cached_values_through_libreoffice(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "项目表"
    book.active["A1"], book.active["B1"], book.active["C1"] = 100, "=A1*2", "=SUM(A1:B1)"
    book.save(tmp_path / "公式.xlsx")
    saved = soffice_convert(tmp_path / "公式.xlsx", "xlsx", tmp_path / "lo")
    outcome = read_file(saved)
    assert ok(outcome)["项目表"].rows == [[100, 200, 300]]
    assert outcome.findings == ()


@pytest.mark.office
def test_word_97_document_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "报送函.txt").write_text("关于报送项目的函", encoding="utf-8")
    doc = soffice_convert(tmp_path / "报送函.txt", "doc", tmp_path / "lo")
    assert doc.read_bytes()[:8] == readers.OLE_MAGIC
    refused(read_file(doc), "skipped", MSG_NOT_SHEET)
    renamed = tmp_path / "报送函.xls"
    renamed.write_bytes(doc.read_bytes())
    refused(read_file(renamed), "skipped", MSG_NOT_SHEET)  # content decides, not the name


# --------------------------------------------------------------------------- encrypted


def test_encrypted_xlsx(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    src = county_xlsx(tmp_path / "plain.xlsx")
    for name in ("南关区.xlsx", "南关区.xls"):
        with open(src, "rb") as fin, open(tmp_path / name, "wb") as fout:
            OOXMLFile(fin).encrypt("123456", fout)
        refused(read_file(tmp_path / name), "error", MSG_ENCRYPTED, "file.encrypted")


def test_encrypted_ods(tmp_path: Path) -> None:
    # ODF keeps the zip and encrypts content.xml; the manifest says so.
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/>'
        "</manifest:file-entry></manifest:manifest>"
    )
    with zipfile.ZipFile(tmp_path / "南关区.ods", "w") as zf:
        zf.writestr("mimetype", readers.ODS_MIME)
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", os.urandom(200))
    refused(read_file(tmp_path / "南关区.ods"), "error", MSG_ENCRYPTED, "file.encrypted")


def test_password_error_from_calamine_is_encrypted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An .xls with a password (RC4) is an ordinary OLE file: only calamine can tell.
    class Locked:
        @staticmethod
        def from_filelike(_: object) -> None:  # from memory calamine says only this (readers._calamine_book)
            raise readers.CalamineError("Cannot detect file format")

        @staticmethod
        def from_path(_: object) -> None:
            raise readers.PasswordError("Workbook is password protected")

    monkeypatch.setattr(readers, "CalamineWorkbook", Locked)
    refused(read_file(county_xlsx(tmp_path / "a.xlsx")), "error", MSG_ENCRYPTED, "file.encrypted")


def test_a_panic_inside_calamine_is_a_corrupt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class PanicLike(BaseException):  # pyo3's PanicException is a BaseException
        pass

    class Panics:
        @staticmethod
        def from_filelike(_: object) -> None:
            raise readers.CalamineError("Cannot detect file format")

        @staticmethod
        def from_path(_: object) -> None:
            raise PanicLike("index out of bounds")

    monkeypatch.setattr(readers, "CalamineWorkbook", Panics)
    outcome = read_file(county_xlsx(tmp_path / "a.xlsx"))
    refused(outcome, "error", MSG_CORRUPT, "file.corrupt")
    assert "PanicLike" in outcome.findings[0].extra["detail"]


# --------------------------------------------------------------------------- broken and foreign files


def test_zero_bytes(tmp_path: Path) -> None:
    (tmp_path / "南关区.xlsx").touch()
    refused(read_file(tmp_path / "南关区.xlsx"), "error", MSG_EMPTY, "file.empty")


def test_truncated_xlsx(tmp_path: Path) -> None:
    data = county_xlsx(tmp_path / "a.xlsx").read_bytes()
    for name in ("南关区.xlsx", "南关区.dat"):  # the zip's first part name gives it away
        (tmp_path / name).write_bytes(data[: len(data) // 2])
        refused(read_file(tmp_path / name), "error", MSG_CORRUPT, "file.corrupt")


def test_garbage_under_a_spreadsheet_name_is_corrupt(tmp_path: Path) -> None:
    (tmp_path / "南关区.xlsx").write_bytes(b"\x00\x01\x02garbage" * 50)
    refused(read_file(tmp_path / "南关区.xlsx"), "error", MSG_CORRUPT, "file.corrupt")
    (tmp_path / "南关区.xls").write_bytes(readers.OLE_MAGIC + b"\xff" * 100)
    refused(read_file(tmp_path / "南关区.xls"), "error", MSG_CORRUPT, "file.corrupt")
    (tmp_path / "数据.bin").write_bytes(b"\x00\x01\x02garbage" * 50)
    refused(read_file(tmp_path / "数据.bin"), "skipped", MSG_NOT_SHEET)


def test_xlsb_and_broken_parts(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "a.xlsb", "w") as zf:
        zf.writestr("xl/workbook.bin", b"\x00")
    refused(read_file(tmp_path / "a.xlsb"), "error", readers.MSG_XLSB, "file.unsupported-format")
    broken = rewrite_zip(one_sheet_xlsx(tmp_path / "b.xlsx"), tmp_path / "c.xlsx", {SHEET1: b"<worksheet><sheetData><row"})
    refused(read_file(broken), "error", MSG_CORRUPT, "file.corrupt")
    entity = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet>&a;</worksheet>'
    bomb = rewrite_zip(tmp_path / "b.xlsx", tmp_path / "d.xlsx", {SHEET1: entity})
    # Refused by the guard before any parser sees it (tests/test_hostile.py has the attacks).
    outcome = read_file(bomb)
    assert (outcome.status, [f.code for f in outcome.findings]) == ("error", ["file.unsafe"])
    assert "DTD" in (outcome.message or "")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("报送函.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        ("现场照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("截图.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("截图.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),  # content decides
        ("说明.txt", "请各县（市、区）于7月20日前报送。\n联系人：张三\n".encode()),
        ("说明.md", "# 说明\n\n一, 二, 三\n四, 五, 六\n".encode()),
        ("页面.html", b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>"),
    ],
)
def test_not_spreadsheets_are_skipped(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    refused(read_file(tmp_path / name), "skipped", MSG_NOT_SHEET)


def test_docx_renamed_xlsx_and_other_zips(tmp_path: Path) -> None:
    refused(read_file(docx(tmp_path / "报送函.xlsx")), "skipped", MSG_NOT_SHEET)
    refused(read_file(docx(tmp_path / "报送函.docx")), "skipped", MSG_NOT_SHEET)
    with zipfile.ZipFile(tmp_path / "各县报表.zip", "w") as zf:
        zf.write(county_xlsx(tmp_path / "南关区.xlsx"), "南关区.xlsx")
    refused(read_file(tmp_path / "各县报表.zip"), "skipped", readers.MSG_ARCHIVE)
    with zipfile.ZipFile(tmp_path / "照片.zip", "w") as zf:
        zf.writestr("a.jpg", b"\xff\xd8\xff")
    refused(read_file(tmp_path / "照片.zip"), "skipped", readers.MSG_ARCHIVE)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("~$南关区.xlsx", readers.MSG_LOCK),
        (".~lock.南关区.xlsx#", readers.MSG_LOCK),
        ("Thumbs.db", readers.MSG_SYSTEM),
        (".DS_Store", readers.MSG_SYSTEM),
        ("desktop.ini", readers.MSG_SYSTEM),
        ("._南关区.xlsx", readers.MSG_SYSTEM),
    ],
)
def test_lock_and_system_files_are_skipped(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / name).write_bytes(b"\x0c\x00zhangsan" + bytes(150))
    refused(read_file(tmp_path / name), "skipped", message)


def test_html_and_xml_spreadsheet_exports(tmp_path: Path) -> None:
    html = '<html xmlns:o="urn:schemas-microsoft-com:office:office"><table><tr><td>项目名称</td></tr></table></html>'
    (tmp_path / "导出.xls").write_text(html, encoding="gbk")
    refused(read_file(tmp_path / "导出.xls"), "error", readers.MSG_HTML, "file.unsupported-format")
    (tmp_path / "单页.xls").write_bytes(b"MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n")
    refused(read_file(tmp_path / "单页.xls"), "error", readers.MSG_HTML, "file.unsupported-format")
    xml = '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    (tmp_path / "导出2003.xls").write_text(xml, encoding="utf-8")
    refused(read_file(tmp_path / "导出2003.xls"), "error", readers.MSG_XML2003, "file.unsupported-format")


def test_unreadable_paths_are_errors_not_exceptions(tmp_path: Path) -> None:
    outcome = read_file(tmp_path / "没有这个文件.xlsx")
    assert outcome.status == "error" and codes(outcome) == ["file.unreadable"]
    outcome = read_file(tmp_path)
    assert outcome.status == "error" and codes(outcome) == ["file.unreadable"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", readers.OLE_MAGIC, b"\xef\xbb\xbf", b"<html>"]),
    body=st.binary(max_size=1500),
    suffix=st.sampled_from([".xlsx", ".xls", ".ods", ".csv", ".txt", ""]),
)
def test_read_file_never_raises(tmp_path: Path, prefix: bytes, body: bytes, suffix: str) -> None:
    path = tmp_path / f"f{suffix}"
    path.write_bytes(prefix + body)
    outcome = read_file(path)
    assert outcome.status in ("ok", "error", "skipped")
    assert (outcome.status == "ok") == (outcome.workbook is not None)


def test_ole_directory_with_short_last_sector() -> None:
    # Header with 512-byte sectors, one FAT sector (#0) and the directory in sector #1.
    header = bytearray(512)
    header[:8] = readers.OLE_MAGIC
    struct.pack_into("<H", header, 0x1E, 9)
    struct.pack_into("<II", header, 0x2C, 1, 1)
    struct.pack_into("<II", header, 0x44, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    entry = "Workbook".encode("utf-16-le") + b"\0\0"
    directory = entry.ljust(64, b"\0") + struct.pack("<HB", len(entry), 2)
    assert readers._ole_names(bytes(header) + fat + directory) == ["Workbook"]


# --------------------------------------------------------------------------- csv and text


TABLE = [["序号", "项目名称", "总投资（万元）"], ["1", "政务云平台", "1,200"], ["2", "城市大脑", ""]]


def as_text(delimiter: str) -> str:
    lines = ["长春市项目汇总表"]  # a title line above the header, as counties write it
    for row in TABLE:
        lines.append(delimiter.join(f'"{v}"' if delimiter in v or "," in v else v for v in row))
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("南关区.csv", "utf-8", ","),
        ("南关区.csv", "utf-8-sig", ","),
        ("南关区.csv", "gbk", ","),
        ("南关区.csv", "gb18030", ";"),
        ("南关区.txt", "utf-16", "\t"),  # Excel's "Unicode 文本"
        ("系统导出.xls", "gbk", "\t"),  # tab-separated text named .xls by a government system
        ("南关区.tsv", "utf-8", "\t"),
    ],
)
def test_text_tables(tmp_path: Path, name: str, encoding: str, delimiter: str) -> None:
    (tmp_path / name).write_bytes(as_text(delimiter).encode(encoding))
    outcome = read_file(tmp_path / name)
    sheets = ok(outcome)
    assert outcome.workbook is not None and outcome.workbook.kind == "csv"
    [sheet] = sheets.values()
    assert sheet.name == Path(name).stem and sheet.visible
    assert sheet.rows == [
        ["长春市项目汇总表", None, None],
        ["序号", "项目名称", "总投资（万元）"],
        ["1", "政务云平台", "1,200"],
        ["2", "城市大脑", None],
    ]
    assert (sheet.hidden_rows, sheet.merged) == (frozenset(), ())


def test_csv_caps_rows_and_bad_encoding(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("".join(f"{i},x\n" for i in range(1, 21)), encoding="utf-8")
    outcome = read_file(tmp_path / "a.csv", max_rows=5)
    assert [r[0] for r in ok(outcome)["a"].rows] == ["1", "2", "3", "4", "5"]
    assert codes(outcome) == ["file.too-many-rows"]
    (tmp_path / "b.csv").write_bytes(b"\x81\x20\xff\xfe\x80,\x81\n" * 3)
    refused(read_file(tmp_path / "b.csv"), "error", readers.MSG_ENCODING, "file.encoding")


def test_one_column_csv_is_read_but_one_column_txt_is_not(tmp_path: Path) -> None:
    (tmp_path / "名单.csv").write_text("项目名称\n政务云\n", encoding="utf-8")
    assert ok(read_file(tmp_path / "名单.csv"))["名单"].rows == [["项目名称"], ["政务云"]]
    (tmp_path / "名单.txt").write_text("项目名称\n政务云\n", encoding="utf-8")
    refused(read_file(tmp_path / "名单.txt"), "skipped", MSG_NOT_SHEET)
    (tmp_path / "表.txt").write_text("项目名称\t总投资\n政务云\t500\n", encoding="utf-8")
    assert ok(read_file(tmp_path / "表.txt"))["表"].rows == [["项目名称", "总投资"], ["政务云", "500"]]


# --------------------------------------------------------------------------- discover


def test_discover_recursive_sorted_deduplicated(tmp_path: Path) -> None:
    root = tmp_path / "收件"
    for name in ("朝阳区/附件1.xlsx", "南关区/附件1.xlsx", "南关区/说明/readme.txt", "b.xlsx", "a.xlsx"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")
    (tmp_path / "外部.xlsx").write_bytes(b"x")
    found = discover([root, root / "a.xlsx", tmp_path / "外部.xlsx", tmp_path / "外部.xlsx"])
    rel = [p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name for p in found]
    assert rel == [*sorted(rel[:5]), "外部.xlsx"]
    assert rel[:5] == ["a.xlsx", "b.xlsx", "南关区/说明/readme.txt", "南关区/附件1.xlsx", "朝阳区/附件1.xlsx"]
    assert discover([root]) == discover([root])  # deterministic


def test_discover_does_not_follow_symlinks_out(tmp_path: Path) -> None:
    root, outside = tmp_path / "收件", tmp_path / "别处"
    root.mkdir()
    outside.mkdir()
    (root / "a.xlsx").write_bytes(b"x")
    (outside / "secret.xlsx").write_bytes(b"x")
    try:
        (root / "链接.xlsx").symlink_to(outside / "secret.xlsx")
        (root / "链接目录").symlink_to(outside, target_is_directory=True)
        (root / "同一个.xlsx").symlink_to(root / "a.xlsx")
    except OSError:
        pytest.skip("symlinks are not allowed here (Windows without developer mode)")
    assert [p.name for p in discover([root])] == ["a.xlsx"]  # the inner link is the same file


def test_inbox_names_files_given_one_by_one_asking_about_each_input_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`shenbao merge 包 收件箱/*` gives every file as an input: each is shown under its own name,
    a folder's files relative to it, and each input is asked once whether it is a folder (asked
    once per file per input, 3,000 files given one by one took 55 s before any was read)."""
    from toolkit.ingest.inbox import inbox_jobs

    root = tmp_path / "收件"
    (root / "朝阳区").mkdir(parents=True)
    files = [root / f"{i:03}县.xlsx" for i in range(40)]
    for path in [*files, root / "朝阳区" / "附件1.xlsx"]:
        path.write_bytes(b"x")
    asked: list[Path] = []
    is_dir = Path.is_dir

    def counting(self: Path) -> bool:
        asked.append(self)
        return is_dir(self)

    monkeypatch.setattr(Path, "is_dir", counting)
    jobs = inbox_jobs([*files, root / "朝阳区"])
    assert [shown for _, shown in jobs] == [*(p.name for p in files), "附件1.xlsx"]
    assert len(asked) <= 2 * (len(files) + 1)  # discover's question and inbox_jobs', per input
    asked.clear()
    assert [shown for _, shown in inbox_jobs([root])] == [*(p.name for p in files), "朝阳区/附件1.xlsx"]
    assert len(asked) <= 3  # the inbox (twice) and its one subfolder's entry, not per file


def test_discover_missing_input(tmp_path: Path) -> None:
    with pytest.raises(ShenbaoError, match="找不到"):
        discover([tmp_path / "没有"])


# --- the regex scan of plain sheets agrees with the parser, and steps aside when it cannot

_SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>')
PLAIN_SHEETS = {
    "values": '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" s="2"/></row>'
              '<row r="7"><c r="B7" t="inlineStr"><is><t>x</t></is></c><c r="AB7"><v>3</v></c><c r="AC7" s="1"/></row>',
    "styled blanks below": '<row r="2"><c r="A2"><v>1</v></c></row><row r="900"><c r="Z900" s="4"/></row>',
    "pretty printed": '<row r="3">\n  <c r="D3">\n    <v>5</v>\n  </c>\n</row>',
    "attributes in another order": '<row r="4"><c s="1" r="E4"><v>1</v></c></row>',
    "no reference": '<row r="5"><c><v>1</v></c><c t="s"><v>2</v></c></row>',
    "formula": '<row r="6"><c r="A6"><f>1/0</f><v></v></c></row>',
    "error value": '<row r="6"><c r="A6" t="e"><v>#DIV/0!</v></c></row>',
    "hidden row": '<row r="8" hidden="1"><c r="A8"><v>1</v></c></row>',
    "hidden row, spaced": '<row r="8" hidden = "1"><c r="A8"><v>1</v></c></row>',
    "error value, spaced": '<row r="6"><c r="A6" t =\'e\'><v>#DIV/0!</v></c></row>',
    "prefixed": '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="9">'
                '<x:c r="A9"><x:v>1</x:v></x:c></x:row>',
    "empty": "",
    "rows out of order, ties": '<row r="9"><c r="B9"><v>1</v></c><c r="AA9"><v>1</v></c></row>'
                               '<row r="3"><c r="Z3"><v>1</v></c><c r="AA3"><v>2</v></c><c r="C3"><v>2</v></c></row>'
                               '<row r="9"><c r="C9"><v>1</v></c></row><row r="2"><c r="AAB2" s="1"/><c r="AB2"><v>1</v></c></row>',
}


@pytest.mark.parametrize("name", list(PLAIN_SHEETS))
def test_the_fast_sheet_scan_agrees_with_the_parser(name: str) -> None:
    import io

    from toolkit.ingest.readers import _scan_plain_sheet, _scan_sheet_xml

    data = _SHEET.format(PLAIN_SHEETS[name]).encode()
    parsed = _scan_sheet_xml(io.BytesIO(data))
    fast = _scan_plain_sheet(data)
    if name in ("attributes in another order", "no reference", "formula", "error value", "hidden row", "prefixed",
                "hidden row, spaced", "error value, spaced"):
        assert fast is None  # the parser handles these
        return
    assert fast is not None
    picture = ("last_row", "last_col", "lowest", "rightmost", "errors", "uncached", "hidden", "all_hidden")
    assert [getattr(fast, k) for k in picture] == [getattr(parsed, k) for k in picture]
    if name == "values":
        assert (fast.last_row, fast.last_col, fast.lowest, fast.rightmost) == (7, 28, "B7", "AB7")


def _what_is_used(scan: Any, height: int = 12000) -> tuple[Any, ...]:
    """What the readers take from a sheet's scan: the refusal of a too-large sheet (with the
    extent it reports), hidden rows, formula findings."""
    from toolkit.ingest.readers import _formula_findings, _too_large_message

    extent = _too_large_message("表", scan) if scan.too_large else None
    return extent, scan.hidden_rows(height), [f.message for f in _formula_findings(Path("x.xlsx"), "表", scan)]


# Cells as the fast paths might meet them: references small and large, missing, lowercase, first or
# not; values, inline strings, blanks; the odd formula, error value, hidden row and prefix.
_CELL_REFS = st.sampled_from(["A1", "B7", "Z9999", "ZZ9999", "ZZ10000", "A10000", "AAA1", "XFD1048576",
                              "A99999", "AB12", "a3", "$C4", "", None, "A0", "ZZ1"])
_CELL_BODIES = st.sampled_from(['<v>1</v>', '<v>0.5</v>', '<is><t>全角　１２</t></is>', "", '<v></v>',
                                '<f>1/0</f><v></v>', '<v>#N/A</v>', "\n  <v>3</v>\n"])
_CELL_TYPES = st.sampled_from(["", ' t="s"', ' t="inlineStr"', ' t="e"', " t = 'e'", ' t="n"', ' s="3"'])


@st.composite
def _sheet_rows(draw: st.DrawFn) -> str:
    rows = []
    for number in draw(st.lists(st.integers(1, 20000), max_size=6)):
        cells = []
        for ref, body, typ, first in draw(st.lists(st.tuples(_CELL_REFS, _CELL_BODIES, _CELL_TYPES, st.booleans()),
                                                   max_size=5)):
            attr = "" if ref is None else f' r="{ref}"'
            head = f"<c{attr}{typ}" if first else f"<c{typ}{attr}"
            cells.append(f"{head}>{body}</c>" if body else f"{head}/>")
        hidden = draw(st.sampled_from(["", "", ' hidden="1"', ' hidden = "1"', " hidden='0'"]))
        rows.append(f'<row r="{number}"{hidden}>{"".join(cells)}</row>')
    if draw(st.integers(0, 9)) == 0:
        rows.append('<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="3">'
                    '<x:c r="A3"><x:v>1</x:v></x:c></x:row>')
    return "".join(rows)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_sheet_rows())
def test_the_sheet_scan_gives_the_readers_what_the_parser_gives(rows: str) -> None:
    """`_scan_sheet`, which skips the extent of a plain sheet with small references, gives the
    readers what the regex scan of a plain sheet, or else the parser, gives."""
    import io

    from toolkit.ingest.readers import _scan_plain_sheet, _scan_sheet, _scan_sheet_xml

    data = _SHEET.format(rows).encode()
    scan = _scan_sheet(data)
    plain = _scan_plain_sheet(data)
    assert _what_is_used(scan) == _what_is_used(plain if plain is not None else _scan_sheet_xml(io.BytesIO(data)))


@pytest.mark.parametrize("ref, small", [("ZZ9999", True), ("A1", True), ("ZZ10000", False), ("AAA1", False),
                                        ("A99999", False), ("XFD1048576", False)])
def test_a_plain_sheet_with_small_references_is_not_scanned_for_its_extent(ref: str, small: bool) -> None:
    assert readers.SMALL_SHEET_CELLS <= readers.CELL_BUDGET
    data = _SHEET.format(f'<row r="1"><c r="{ref}"><v>1</v></c><c r="B1" s="1"/></row>').encode()
    plain = readers._scan_plain_sheet(data)
    assert plain is not None
    assert (readers._scan_sheet(data).last_row == 0) == small  # skipped: the empty scan
    if not small:
        assert readers._scan_sheet(data) == plain


def test_tidy_trims_to_the_last_value_and_squares_the_grid() -> None:
    from toolkit.ingest.readers import _tidy

    rows = [[1, None, None], [None, None, None, "x", None], [None], [2, 0, False, None], [None, None], []]
    assert _tidy([list(r) for r in rows]) == [[1, None, None, None], [None, None, None, "x"], [None] * 4,
                                              [2, 0, False, None]]
    assert _tidy([[None, None], [None]]) == []


def _tidy_by_copies(rows: list[list[Any]]) -> list[list[Any]]:
    """`_tidy` as it was, copying every row: what the in-place one must give."""
    rows = list(rows)
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(r) if v is not None), default=0) for r in rows), default=0)
    return [r[:width] + [None] * (width - len(r)) for r in rows]


_TIDY_VALUES = st.sampled_from([None, None, None, "", " ", "１２３", "全角　", 0, 0.0, False, -1.5, "None",
                                Decimal("9999999999.99"), Decimal("0.00")])


@given(st.lists(st.lists(_TIDY_VALUES, max_size=8), max_size=8))
def test_tidy_in_place_gives_what_copies_gave(rows: list[list[Any]]) -> None:
    from toolkit.ingest.readers import _tidy

    expected = _tidy_by_copies([list(r) for r in rows])
    assert _tidy([list(r) for r in rows]) == expected


# --- small parts (package relationships, content types, workbook.xml) read by bare expat agree with
# defusedxml's ElementTree, which still reads what expat declines and raises where it always did

_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SMALL_PARTS = {
    "relationships": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS_NS}">'
                     '<Relationship Id="rId1" Type="http://x/officeDocument" Target="xl/workbook.xml"/>'
                     '<Relationship Id="rId2" Type="t" Target="a&amp;b 全角" TargetMode="External"/></Relationships>',
    "workbook": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                '<sheet name="项目表" sheetId="1" r:id="rId1"/><sheet name="" sheetId="2" r:id="rId2"/></sheets>'
                '<definedNames><definedName name="sb_x">表!$A$1</definedName></definedNames></workbook>',
    "prefixed, nested, comments": '<x:a xmlns:x="urn:x"><!-- c --><x:b k="1"><c/><?pi x?></x:b><d y="2"/></x:a>',
    "no namespace": "<Types><Override PartName='/xl/workbook.xml' ContentType='a'/><Default/></Types>",
    "doctype without entities": '<?xml version="1.0"?><!DOCTYPE Types><Types><Override PartName="/p"/></Types>',
}
HOSTILE_PARTS = {
    "entity": '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
    "billion laughs": '<!DOCTYPE a [<!ENTITY a0 "x"><!ENTITY a1 "&a0;&a0;">]><a>&a1;</a>',
    "external entity": '<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
    "undefined entity": "<a>&nope;</a>",
    "malformed": "<a><b></a>",
    "unbound prefix": "<x:a/>",
    "empty": "",
    "gbk declared": '<?xml version="1.0" encoding="GBK"?><a b="c"/>',
}


@pytest.mark.parametrize("name", list(SMALL_PARTS))
def test_small_parts_read_by_expat_as_by_defusedxml(name: str) -> None:
    from defusedxml.ElementTree import fromstring

    xml = SMALL_PARTS[name].encode()
    expected = list(readers._tree_elements(fromstring(xml)))
    assert readers._elements(xml) == expected
    assert readers._children(xml) == [el for el in expected if el.depth == 1]


@pytest.mark.parametrize("name", list(HOSTILE_PARTS))
def test_hostile_small_parts_raise_as_defusedxml_raises(name: str) -> None:
    from defusedxml.ElementTree import fromstring

    xml = HOSTILE_PARTS[name].encode()
    with pytest.raises((ValueError, SyntaxError)) as by_defusedxml:  # ParseError is a SyntaxError
        fromstring(xml)
    with pytest.raises((ValueError, SyntaxError)) as by_readers:
        readers._elements(xml)
    assert (type(by_readers.value), str(by_readers.value)) == (type(by_defusedxml.value), str(by_defusedxml.value))


# --- ODS content.xml scan: repeats, hidden rows, merges, covered cells, nested tables

_ODS_CONTENT = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{}'
    "</office:spreadsheet></office:body></office:document-content>")
_ODS_TABLES = (
    '<table:table table:name="表一">'
    '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/>'
    '<table:table-cell office:value-type="float"/></table:table-row>'
    '<table:table-row table:visibility="collapse"><table:table-cell table:number-rows-spanned="2" '
    'table:number-columns-spanned="3" office:value-type="string"><text:p>合并</text:p></table:table-cell>'
    '<table:covered-table-cell table:number-columns-repeated="2" table:number-rows-spanned="9"/>'
    '<table:table-cell><text:p>１２</text:p></table:table-cell></table:table-row>'
    '<table:table-row table:visibility="filter" table:number-rows-repeated="3"><table:table-cell>'
    '<table:table table:name="内嵌"><table:table-row><table:table-cell office:value-type="float"/>'
    "</table:table-row></table:table></table:table-cell></table:table-row></table:table>"
    '<table:table table:name="表二"><table:table-row><table:table-cell/></table:table-row></table:table>')


def _ods(path: Path, tables: str) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", _ODS_CONTENT.format(tables))
    return path


def test_ods_scan_counts_repeats_spans_and_hidden_rows(tmp_path: Path) -> None:
    scans = readers._scan_ods(_ods(tmp_path / "a.ods", _ODS_TABLES))
    assert list(scans) == ["表一", "表二"]  # the nested table is not a sheet
    one, two = scans["表一"], scans["表二"]
    # A merge advances one column (covered cells follow it); a cell holding only a nested table has no value.
    assert (one.last_row, one.last_col, one.lowest, one.rightmost) == (3, 4, "A3", "D2")
    assert one.hidden_spans == [(3, 3), (4, 6)]
    assert one.merged == [(3, 1, 4, 3)]
    assert (two.last_row, two.last_col, two.merged, two.hidden_spans) == (0, 0, [], [])


@pytest.mark.parametrize("attribute", ["number-rows-spanned", "number-columns-repeated"])
def test_ods_scan_refuses_a_bad_number_even_on_a_covered_cell(tmp_path: Path, attribute: str) -> None:
    bad = f'<table:table table:name="t"><table:table-row><table:covered-table-cell table:{attribute}="x"/>' \
          "</table:table-row></table:table>"
    with pytest.raises(ValueError, match="'x'"):
        readers._scan_ods(_ods(tmp_path / "b.ods", bad))
