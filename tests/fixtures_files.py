"""Workbooks and other files a county might send, built by code in tmp_path.

`county_xlsx` is the reference workbook: a title row, a two-level merged header, a hidden row,
a formula with its cached value, a hidden and a very hidden sheet, and a sheet whose data starts
at C5. `soffice_convert` turns it into a real .xls / .ods with LibreOffice headless.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import xlsxwriter

TITLE = "长春市2020年“761”工程智能信息网新增入库项目汇总表"


def county_xlsx(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("项目表")
    ws.merge_range("A1:F1", TITLE)
    ws.write("A2", "填报单位（盖章）：南关区")
    ws.merge_range("A3:A4", "序号")
    ws.merge_range("B3:B4", "项目名称")
    ws.merge_range("C3:D3", "投资（万元）")
    ws.write("C4", "总投资")
    ws.write("D4", "其中：大数据")
    ws.merge_range("E3:E4", "计划开工时间")
    ws.merge_range("F3:F4", "非大数据投资")
    projects = [
        (1, "政务云平台扩容", 1200, 800, dt.date(2020, 7, 1)),
        (2, "城市大脑二期", 3000, 2500, dt.date(2020, 9, 15)),
        (3, "智慧医疗平台", 650, 0, dt.date(2021, 3, 1)),
    ]
    for i, (no, name, total, bigdata, start) in enumerate(projects):
        r = 5 + i
        ws.write_number(f"A{r}", no)
        ws.write_string(f"B{r}", name)
        ws.write_number(f"C{r}", total)
        ws.write_number(f"D{r}", bigdata)
        ws.write_datetime(f"E{r}", dt.datetime.combine(start, dt.time()), date)
        ws.write_formula(f"F{r}", f"=C{r}-D{r}", None, total - bigdata)
    ws.set_row(5, None, None, {"hidden": True})  # Excel row 6: a project the county hid
    ws.write("B8", "合计")
    ws.write_formula("C8", "=SUM(C5:C7)", None, 4850)
    notes = wb.add_worksheet("说明")
    notes.write("A1", "填表说明：金额单位为万元")
    notes.hide()
    codes = wb.add_worksheet("代码表")
    codes.write("A1", "大数据中心")
    codes.very_hidden()
    offset = wb.add_worksheet("偏移")
    offset.write("C5", "项目名称")
    offset.write("D5", "总投资")
    offset.write("C6", "数据中心")
    offset.write_number("D6", 500)
    wb.close()
    return path


def soffice_convert(src: Path, fmt: str, outdir: Path) -> Path:
    """Convert with LibreOffice headless; a profile of its own so parallel runs do not collide."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir.parent / f"lo-profile-{uuid.uuid4().hex}"
    soffice = shutil.which("soffice") or "soffice"
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", fmt, "--outdir", str(outdir), str(src)],
        check=True, timeout=120, capture_output=True,
    )
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert out.exists(), f"LibreOffice did not write {out}"
    return out


def rewrite_zip(src: Path, dst: Path, changes: dict[str, bytes | None]) -> Path:
    """Copy a zip, replacing (or with None, dropping) some members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in changes:
                data = changes[info.filename]
                if data is not None:
                    zout.writestr(info, data)
            else:
                zout.writestr(info, zin.read(info.filename))
    return dst


def docx(path: Path) -> Path:
    """A minimal Word document (the zip parts Word needs to recognise one)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        zf.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>报送函</w:t></w:r></w:p></w:body></w:document>',
        )
    return path


def sheet_xml(rows: str, before: str = "", after: str = "") -> bytes:
    """A worksheet part around hand-written <row> elements."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"{before}<sheetData>{rows}</sheetData>{after}</worksheet>"
    ).encode()


def one_sheet_xlsx(path: Path, name: str = "项目表") -> Path:
    """A one-sheet xlsx whose sheet part (xl/worksheets/sheet1.xml) a test then rewrites."""
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet(name).write("A1", "x")
    wb.close()
    return path
