"""The hidden stamp: which pack, pack version and annex a template was made from.

A county's workbook comes back after Excel, WPS or LibreOffice has re-saved it, sometimes as .xls
or .ods. The stamp is written three ways so that at least one survives:

- a hidden sheet `_shenbao` with labelled cells (key in column A, value in column B, and the
  marker `shenbao-stamp`): plain cell values survive every re-save and every format, and
  python-calamine reads them from xlsx, xlsm, xls and ods alike;
- custom document properties (`shenbao_pack_id` ...), kept by Excel and LibreOffice in xlsx/ods;
- a workbook defined name `shenbao_stamp` holding `pack_id|version|annex_id` as a constant.

`read_stamp` looks the sheet up by name (a county may reorder sheets), then falls back to the
document properties.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook

from toolkit import __version__
from toolkit.packs.model import Annex, Pack

if TYPE_CHECKING:  # readers of the stamp (ingest) need not load xlsxwriter
    from xlsxwriter.workbook import Workbook

STAMP_SHEET = "_shenbao"
MARKER = "shenbao-stamp"
PROPERTY_PREFIX = "shenbao_"
DEFINED_NAME = "shenbao_stamp"
KEYS = ("pack_id", "version", "annex_id")


@dataclass(frozen=True)
class Stamp:
    pack_id: str
    version: str
    annex_id: str


def stamp_rows(pack: Pack, annex: Annex) -> list[tuple[str, str]]:
    """The labelled cells of the stamp sheet; the three KEYS are what readers rely on."""
    return [
        (MARKER, "模板版本标记，请勿修改或删除本工作表"),
        ("pack_id", pack.id),
        ("version", pack.version),
        ("annex_id", annex.id),
        ("pack_title", pack.title),
        ("annex_title", annex.file_stem),
        ("notice_number", pack.notice.number),
        ("generator", f"shenbao {__version__}"),
    ]


def write_stamp(wb: Workbook, pack: Pack, annex: Annex) -> None:
    """Add the stamp to a workbook being written (call after the visible sheets)."""
    ws = wb.add_worksheet(STAMP_SHEET)
    for row, (key, value) in enumerate(stamp_rows(pack, annex)):
        # Strings, always: `1.10` must never be read back as the number 1.1.
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, value)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 48)
    ws.protect()
    ws.hide()
    for key, value in zip(KEYS, (pack.id, pack.version, annex.id), strict=True):
        wb.set_custom_property(f"{PROPERTY_PREFIX}{key}", value)
    wb.define_name(DEFINED_NAME, f'="{pack.id}|{pack.version}|{annex.id}"')


# What reading a file that is no workbook of ours raises: calamine's errors (not a workbook,
# damaged, a password), the system's (missing, unreadable), and zipfile's and ElementTree's for
# a damaged zip or properties part. Such a file is "not stamped": the stamp is a hint, and the
# ingest reports an unreadable file on its own.
NOT_STAMPED: tuple[type[BaseException], ...] = (
    CalamineError, OSError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ElementTree.ParseError,
)


def read_stamp(path: Path) -> Stamp | None:
    """The stamp of a workbook, or None when it has none or cannot be read at all."""
    try:
        found = _from_sheet(path)
    except NOT_STAMPED:
        found = None
    if found is not None:
        return found
    try:
        return _from_properties(path)
    except NOT_STAMPED:
        return None


def _from_sheet(path: Path) -> Stamp | None:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        names = {n.strip().lower(): n for n in wb.sheet_names}
        name = names.get(STAMP_SHEET)
        if name is None:
            return None
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        wb.close()
    pairs: dict[str, str] = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            pairs[row[0].strip()] = _text(row[1])
    if MARKER not in pairs:
        return None
    return _stamp(pairs)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _stamp(pairs: dict[str, str]) -> Stamp | None:
    values = [pairs.get(k, "") for k in KEYS]
    if not all(values):
        return None
    return Stamp(*values)


def _from_properties(path: Path) -> Stamp | None:
    """Custom document properties of an xlsx/xlsm (docProps/custom.xml) or ods (meta.xml)."""
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as zf:
        members = set(zf.namelist())
        if "docProps/custom.xml" in members:
            return _stamp(_xlsx_properties(zf.read("docProps/custom.xml")))
        if "meta.xml" in members:
            return _stamp(_ods_properties(zf.read("meta.xml")))
    return None


def _xlsx_properties(xml: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for prop in ElementTree.fromstring(xml):
        name = prop.get("name", "")
        if name.startswith(PROPERTY_PREFIX):
            out[name[len(PROPERTY_PREFIX):]] = "".join(prop.itertext()).strip()
    return out


def _ods_properties(xml: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in ElementTree.fromstring(xml).iter():
        if re.sub(r"^\{.*\}", "", el.tag) != "user-defined":
            continue
        name = next((v for k, v in el.attrib.items() if k.endswith("}name")), "")
        if name.startswith(PROPERTY_PREFIX):
            out[name[len(PROPERTY_PREFIX):]] = (el.text or "").strip()
    return out
