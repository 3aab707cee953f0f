"""A workbook the reader can open is never "not a spreadsheet" (issue 16, point 8).

Both files are built by hand with zipfile, as the export tools that send them write them: one
whose members use `\\` as the path separator, one whose workbook part is found through the
package relationships (`_rels/.rels`) under a name other than `xl/workbook.xml`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from tests.fixtures_files import soffice_convert
from tests.inbox_fixtures import TEMPLATE_ROW, filled_template
from toolkit.ingest.guard import Limits, check_zip
from toolkit.ingest.inbox import ingest
from toolkit.ingest.readers import MSG_NOT_SHEET, read_file
from toolkit.packs.loader import load_pack

PACK = load_pack("jl-761-2020")


def repack(src: Path, dst: Path, rename: Callable[[str], str],
           patch: Callable[[str, bytes], bytes] = lambda name, data: data) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(rename(info.filename), patch(info.filename, zin.read(info.filename)))
    return dst


@pytest.fixture()
def county(tmp_path: Path) -> Path:
    return filled_template(PACK, tmp_path / "南关区原表.xlsx", [{**TEMPLATE_ROW, "county": "南关区"}])


def backslashes(src: Path, dst: Path) -> Path:
    return repack(src, dst, lambda n: n.replace("/", "\\"))


def renamed_parts(src: Path, dst: Path) -> Path:
    """The workbook part named `xl/Workbook.xml` (and its relationships), reached from `_rels/.rels`."""
    def rename(n: str) -> str:
        return {"xl/workbook.xml": "xl/Workbook.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/Workbook.xml.rels"}.get(n, n)

    def patch(name: str, data: bytes) -> bytes:
        if name in ("_rels/.rels", "[Content_Types].xml"):
            return data.replace(b"xl/workbook.xml", b"xl/Workbook.xml")
        return data

    return repack(src, dst, rename, patch)


@pytest.mark.parametrize("build", [backslashes, renamed_parts], ids=["backslash", "rels"])
def test_calamine_reads_it_and_so_do_we(county: Path, tmp_path: Path, build: Callable[[Path, Path], Path]) -> None:
    odd = build(county, tmp_path / "南关区.xlsx")
    book = CalamineWorkbook.from_path(str(odd))
    assert "入库项目表" in book.sheet_names or book.sheet_names  # the reader opens it
    outcome = read_file(odd)
    assert outcome.status == "ok", outcome.message
    assert outcome.message != MSG_NOT_SHEET
    root = tmp_path / "inbox"
    root.mkdir()
    odd.rename(root / "南关区.xlsx")
    result = ingest(PACK, [root])
    assert [(f.path, f.status, f.rows) for f in result.files] == [("南关区.xlsx", "ok", 1)]
    assert result.records[0].values["project_name"] == TEMPLATE_ROW["project_name"]
    assert result.files[0].template_version == PACK.version  # the stamp sheet was found too


def test_the_guard_still_checks_a_backslash_package(county: Path, tmp_path: Path) -> None:
    odd = backslashes(county, tmp_path / "南关区.xlsx")
    refusal = check_zip(odd, Limits(max_zip_members=3))
    assert refusal is not None and refusal.code == "file.too-large"
    unsafe = repack(county, tmp_path / "坏.xlsx", lambda n: "..\\..\\" + n if n.endswith("sheet1.xml") else n.replace("/", "\\"))
    assert read_file(unsafe).status == "error" and "文件夹之外" in (read_file(unsafe).message or "")


def test_a_workbook_elsewhere_is_a_workbook_the_county_must_resave(county: Path, tmp_path: Path) -> None:
    """`xl/book.xml`: a workbook by the relationships, which the reader cannot open: an error that
    says to resave it, not "not a spreadsheet"."""
    def rename(n: str) -> str:
        return {"xl/workbook.xml": "xl/book.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/book.xml.rels"}.get(n, n)

    def patch(name: str, data: bytes) -> bytes:
        return data.replace(b"xl/workbook.xml", b"xl/book.xml") if name in ("_rels/.rels", "[Content_Types].xml") else data

    odd = repack(county, tmp_path / "南关区.xlsx", rename, patch)
    outcome = read_file(odd)
    assert outcome.status == "error" and "xl/book.xml" in (outcome.message or "") and "另存为" in (outcome.message or "")


def test_a_word_document_is_still_not_a_spreadsheet(tmp_path: Path) -> None:
    docx = tmp_path / "说明.docx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", "<w:document xmlns:w='x'/>")
    outcome = read_file(docx)
    assert outcome.status == "skipped" and outcome.message == MSG_NOT_SHEET


@pytest.mark.office
def test_a_libreoffice_workbook_with_backslashes(county: Path, tmp_path: Path) -> None:
    """LibreOffice's own xlsx, repacked by a Windows tool with backslashes."""
    saved = soffice_convert(county, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    odd = backslashes(saved, tmp_path / "南关区.xlsx")
    outcome = read_file(odd)
    assert outcome.status == "ok", outcome.message
    root = tmp_path / "inbox"
    root.mkdir()
    odd.rename(root / "南关区.xlsx")
    result = ingest(PACK, [root])
    assert [(f.status, f.rows) for f in result.files] == [("ok", 1)]
