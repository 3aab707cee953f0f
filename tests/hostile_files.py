"""Hostile and broken files a county (or whoever sits between it and the city) might send, built by
code in tmp_path: XML entity tricks, decompression bombs, zip member names that climb out of a
folder, formula-like text. Each builder returns the path it wrote.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import xlsxwriter

from tests.fixtures_files import one_sheet_xlsx, rewrite_zip, sheet_xml
from toolkit.packs.loader import load_pack

SHEET1 = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"
SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Text a county might type (or a forwarder might plant) that a spreadsheet would run as a formula.
INJECTIONS = ("=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)",
              "\t=HYPERLINK(\"http://x\")", "\r=1+1")


def xxe_in_sheet(path: Path, secret: Path, prolog: str = "") -> Path:
    """An external entity naming a local file, used in an inline-string cell of the sheet;
    `prolog` goes between the XML declaration and the DOCTYPE."""
    base = one_sheet_xlsx(path.with_suffix(".base.xlsx"))
    xml = (f'<?xml version="1.0"?>{prolog}<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
           f'<worksheet xmlns="{SML}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c>'
           f'</row></sheetData></worksheet>').encode()
    rewrite_zip(base, path, {SHEET1: xml})
    base.unlink()
    return path


def xxe_in_shared_strings(path: Path, secret: Path) -> Path:
    base = one_sheet_xlsx(path.with_suffix(".base.xlsx"))
    xml = (f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
           f'<sst xmlns="{SML}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>').encode()
    rewrite_zip(base, path, {SHARED: xml})
    base.unlink()
    return path


def dtd_after_a_long_comment(path: Path, secret: Path) -> Path:
    """xxe_in_sheet behind 2 MB of comment: legal XML (a prolog may hold comments before the
    DOCTYPE), and past where a guard looking at a part's head would stop."""
    return xxe_in_sheet(path, secret, prolog="<!--" + "填" * (700 * 1024) + "-->")  # 2.1 MB in UTF-8


def billion_laughs(path: Path, part: str = SHARED) -> Path:
    """Ten levels of ten: 10**9 'lol's from a few hundred bytes, if a parser expands them."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    root = "sst" if part == SHARED else "worksheet"
    body = ('<si><t>&lol9;</t></si>' if part == SHARED
            else '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>')
    xml = f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]><{root} xmlns="{SML}">{body}</{root}>'.encode()
    base = one_sheet_xlsx(path.with_suffix(".base.xlsx"))
    rewrite_zip(base, path, {part: xml})
    base.unlink()
    return path


def zip_bomb(path: Path, inflated_mb: int = 256, member: str = SHEET1) -> Path:
    """A workbook whose sheet part is a long run of zeros: ~1000:1, a few hundred KB on disk."""
    base = one_sheet_xlsx(path.with_suffix(".base.xlsx"))
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info, zin.read(info.filename))
        block = b"\0" * (1 << 20)
        with zout.open(member, "w", force_zip64=True) as fh:
            for _ in range(inflated_mb):
                fh.write(block)
    base.unlink()
    return path


def lying_sizes(path: Path) -> Path:
    """A sheet part whose directory entry claims 100 bytes; it inflates to 2 MB of XML."""
    base = one_sheet_xlsx(path.with_suffix(".base.xlsx"))
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 60_000))
    rewrite_zip(base, path, {SHEET1: sheet_xml(rows)})
    base.unlink()
    data = bytearray(path.read_bytes())
    name = SHEET1.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46: central + 46 + name_len] == name:
            struct.pack_into("<I", data, central + 24, 100)  # uncompressed size
            local = struct.unpack_from("<I", data, central + 42)[0]
            struct.pack_into("<I", data, local + 22, 100)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    return path


def with_member(path: Path, member: str, data: bytes = b"owned") -> Path:
    """A valid workbook with one extra part under `member` (`../../x`, `/etc/x`, `C:/x`)."""
    base = one_sheet_xlsx(path.with_suffix(".base.xlsx"))
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        info = zipfile.ZipInfo("placeholder")
        info.filename = member  # ZipInfo() would tidy the name; a crafted file need not
        zout.writestr(info, data)
    base.unlink()
    return path


def many_members(path: Path, count: int = 10_050) -> Path:
    base = one_sheet_xlsx(path.with_suffix(".base.xlsx"))
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        for i in range(count):
            zout.writestr(f"xl/media/x{i}.bin", b"")
    base.unlink()
    return path


def huge_dimension(path: Path) -> Path:
    """A sheet with one stray value in XFD1048576: calamine would allocate the whole grid."""
    base = one_sheet_xlsx(path.with_suffix(".base.xlsx"))
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    rewrite_zip(base, path, {SHEET1: sheet_xml(rows, before='<dimension ref="A1:XFD1048576"/>')})
    base.unlink()
    return path


def injected_county(path: Path, accepted: int = 3) -> Path:
    """A county table in the 761 template's columns whose texts begin with = + - @ TAB CR; the
    first `accepted` rows pass every check (they reach the summary), the others are rejected for
    their total investment, phone and credit code (they reach the report and the return copy)."""
    annex = load_pack("jl-761-2020").annex("projects")
    from tests.inbox_fixtures import TEMPLATE_ROW

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = wb.add_worksheet("项目表")
    keys = [f.key for f in annex.fields if f.key in TEMPLATE_ROW]
    ws.write_row(0, 0, ["序号", *[annex.field(k).header for k in keys]])
    for i, text in enumerate(INJECTIONS):
        row = {**TEMPLATE_ROW, "project_name": f"{text}项目{i}", "scope": text, "progress": text}
        if i >= accepted:  # rejected, and the text is the bad value the report and the copy show
            row.update(total_investment=-1, phone=text, uscc=text)
        ws.write_number(i + 1, 0, i + 1)
        for c, key in enumerate(keys, 1):
            value = row[key]
            if isinstance(value, str):
                ws.write_string(i + 1, c, value)
            elif value is not None:
                ws.write_number(i + 1, c, value)
    wb.close()
    return path
