"""Form annexes (one project per workbook, label/value like the paper form) -> one record.

The template names every value cell (`sb_<key>`, list cells `sb_<key>_<n>_<item>`), and the names
survive Excel, WPS and LibreOffice re-saves, even when a county inserts rows. A form without the
names (an .xls, or a county's own copy of the paper form) is read by its labels: the value is the
cell right of the label (past the label's merged cells).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from toolkit.findings import Finding, a1
from toolkit.ingest.guard import members_by_part
from toolkit.ingest.layout import AliasIndex
from toolkit.ingest.readers import SheetData, WorkbookData
from toolkit.ingest.records import Record
from toolkit.ingest.values import normalise
from toolkit.packs.model import Annex, Field

PREFIX = "sb_"
Cell = tuple[str, int, int]  # sheet, 1-based row, 1-based column
_REF = re.compile(r"^=?'?(?P<sheet>.+?)'?[!.]\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)")
_LIST = re.compile(r"^(?P<key>[a-z][a-z0-9_]*?)_(?P<n>\d+)_(?P<item>[a-z][a-z0-9_]*)$")
NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _parse_ref(ref: str) -> Cell | None:
    match = _REF.match(ref.strip())
    if not match:
        return None
    sheet = match.group("sheet").replace("''", "'").lstrip("$")
    return sheet, int(match.group("row")), _col_number(match.group("col"))


def defined_names(path: Path, kind: str) -> dict[str, Cell]:
    """`sb_` names -> their first cell, from xlsx/xlsm workbook.xml or ods content.xml."""
    names: dict[str, Cell] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            if kind in ("xlsx", "xlsm"):
                root = ElementTree.fromstring(zf.read(members_by_part(zf.namelist())["xl/workbook.xml"]))
                for el in root.iter():
                    if el.tag.endswith("definedName") and (el.get("name") or "").startswith(PREFIX):
                        cell = _parse_ref(el.text or "")
                        if cell:
                            names[el.get("name", "")] = cell
            elif kind == "ods":
                root = ElementTree.fromstring(zf.read("content.xml"))
                for el in root.iter(f"{{{NS_TABLE}}}named-range"):
                    name = el.get(f"{{{NS_TABLE}}}name") or ""
                    if name.startswith(PREFIX):
                        cell = _parse_ref(el.get(f"{{{NS_TABLE}}}cell-range-address") or "")
                        if cell:
                            names[name] = cell
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError, ValueError):
        return {}
    return names


@dataclass
class FormRead:
    record: Record | None
    findings: list[Finding]
    found: int  # fields located; the best-matching annex wins


def _value(sheets: dict[str, SheetData], cell: Cell) -> Any:
    sheet = sheets.get(cell[0])
    if sheet is None or cell[1] > len(sheet.rows):
        return None
    row = sheet.rows[cell[1] - 1]
    return row[cell[2] - 1] if cell[2] <= len(row) else None


def _merged_end(sheet: SheetData, row: int, col: int) -> int:
    for r0, c0, r1, c1 in sheet.merged:
        if r0 <= row <= r1 and c0 <= col <= c1:
            return c1
    return col


def locate_by_labels(sheet: SheetData, annex: Annex) -> dict[str, Cell]:
    """Field -> value cell, found by the label written left of it (plain label/value fields)."""
    index = AliasIndex.for_annex(annex)
    found: dict[str, Cell] = {}
    for r, row in enumerate(sheet.rows, 1):
        for c, value in enumerate(row, 1):
            if not isinstance(value, str):
                continue
            key, _ = index.match(value)
            if key is None or key in found or annex.field(key).type == "list":
                continue
            found[key] = (sheet.name, r, _merged_end(sheet, r, c) + 1)
    return found


def read_form(workbook: WorkbookData, annex: Annex, *, file: str, names: dict[str, Cell],
              reporting_unit: str | None = None) -> FormRead:
    sheets = {s.name: s for s in workbook.sheets}
    located: dict[str, Cell] = {}
    for f in annex.fields:
        cell = names.get(f"{PREFIX}{f.key}")
        if cell and f.type != "list":
            located[f.key] = cell
    if not located:
        for sheet in workbook.sheets:
            if sheet.visible:
                by_label = locate_by_labels(sheet, annex)
                if len(by_label) > len(located):
                    located = by_label
    lists = _list_cells(annex, names)
    found = len(located) + len(lists)
    if not found:
        return FormRead(None, [], 0)
    anchors = [*located.values(), *(c for cells in lists.values() for c in cells.values())]
    first = min(anchors, key=lambda c: (c[1], c[2]))
    values: dict[str, Any] = dict.fromkeys(annex.field_keys)
    record = Record(annex.id, values, file, first[0], first[1], reporting_unit=reporting_unit)
    findings: list[Finding] = []
    for f in annex.fields:
        if f.key in located:
            sheet_name, r, c = located[f.key]
            raw = _value(sheets, located[f.key])
            values[f.key] = _read(f, raw, sheet_name, r, c, record, findings)
        elif f.key in lists:
            values[f.key] = _read_list(f, lists[f.key], sheets, record, findings)
    missing = [f for f in annex.fields if f.required and f.key not in located and f.key not in lists]
    for f in missing:
        findings.append(Finding("header.missing-required", "error", f"表单中找不到“{f.title}”一栏；该项视为未填写",
                                file=file, sheet=first[0], field=f.key))
    return FormRead(record, findings, found)


def _read(f: Field, raw: Any, sheet: str, r: int, c: int, record: Record, findings: list[Finding]) -> Any:
    cell = a1(r, c)
    cells = record.cells
    assert isinstance(cells, dict)  # a form's cells sit anywhere: a plain dict
    cells.setdefault(f.key, cell)
    if raw is not None:
        record.raw.setdefault(f.key, raw)
    parsed = normalise(f, raw, target_unit=f.unit)
    if parsed.problem:
        findings.append(Finding("value.unreadable", "error", f"{cell}：“{f.title}”{parsed.problem}",
                                file=record.file, sheet=sheet, row=r, cell=cell, field=f.key,
                                value=raw if isinstance(raw, (str, int, float, bool)) or raw is None else str(raw)))
    elif parsed.doubt:
        findings.append(Finding("value.check", "warning", f"{cell}：“{f.title}”{parsed.doubt}",
                                file=record.file, sheet=sheet, row=r, cell=cell, field=f.key,
                                value=raw if isinstance(raw, (str, int, float, bool)) or raw is None else str(raw)))
    return parsed.value


def _list_cells(annex: Annex, names: dict[str, Cell]) -> dict[str, dict[tuple[int, str], Cell]]:
    out: dict[str, dict[tuple[int, str], Cell]] = {}
    list_keys = {f.key for f in annex.fields if f.type == "list"}
    for name, cell in names.items():
        match = _LIST.match(name[len(PREFIX):])
        if match and match.group("key") in list_keys:
            out.setdefault(match.group("key"), {})[(int(match.group("n")), match.group("item"))] = cell
    return out


def _read_list(f: Field, cells: dict[tuple[int, str], Cell], sheets: dict[str, SheetData],
               record: Record, findings: list[Finding]) -> list[dict[str, Any]] | None:
    items = {i.key: i for i in f.items}
    rows: list[dict[str, Any]] = []
    for n in sorted({n for n, _ in cells}):
        raw = {key: _value(sheets, cells[(n, key)]) for key in items if (n, key) in cells}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values()):
            continue
        entry: dict[str, Any] = {}
        for key, value in raw.items():
            sheet_name, r, c = cells[(n, key)]
            entry[key] = _read(items[key], value, sheet_name, r, c, record, findings)
        rows.append(entry)
    return rows or None


def form_annexes(annexes: Sequence[Annex]) -> list[Annex]:
    return [a for a in annexes if a.kind == "form"]
