"""Return copies of .xlsx/.xlsm made by patching the package's parts, not by openpyxl.

openpyxl loads every cell of every sheet into objects and writes them all out again: about 45 ms
for a county's 50-row workbook, more than the rest of a run per file, and it drops what it does not
model (pictures, shapes, charts, form controls, some validations and conditional formats). Here the
zip is copied part by part and only these parts change:

- xl/styles.xml: per (original style, fill) one new `<xf>` cloned from the cell's own, with our
  solid red or amber `<fill>`; each marked cell's `s=` points at it (a cell missing from the sheet
  is inserted, and its row if need be, in order);
- per marked sheet: the comments part and its legacy VML drawing (which Excel needs to show a
  comment), created or merged into the sheet's own, the sheet's rels and `<legacyDrawing>`;
- the 问题清单 sheet, a new worksheet part written here (strings inline, never formulas), made
  the active and only selected tab, with its rels, name, `_xlnm._FilterDatabase` and print titles;
- .xlsm/.xltx/.xltm: the VBA project and its relationships are removed and the workbook's content
  type becomes a plain workbook's, so the copy is a macro-free .xlsx.

Everything else — values and their cached formula results, shared strings, pictures, charts,
shapes, controls, validations, conditional formats — is copied byte for byte, so no recalculation
is needed on opening.

Untrusted input: parts are parsed with lxml without entity resolution or network access, and any
part carrying a DTD or entity declaration is refused. A sheet's cells are never parsed into a tree:
its `<sheetData>` is patched by regular expressions over the rows being marked, the rest of the
sheet is parsed as a small tree.

Whatever this cannot handle raises (usually `Unsupported`); the caller then makes the copy with
openpyxl as before. Known cases: a workbook that already has a sheet named 问题清单 (our own list
sent back: openpyxl clears the old marks), macro or dialog sheets, threaded comments on a marked
sheet, comments without a VML drawing, Strict Open XML, parts not in UTF-8, missing styles.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from toolkit.errors import OutputError
from toolkit.findings import Finding, column_letter
from toolkit.ingest.records import FileReport
from toolkit.outputs.report import FINDING_COLUMNS
from toolkit.outputs.returns_marks import (
    LIST_SHEET,
    Merged,
    cell_marks,
    free_sheet_name,
    to_top_left,
)
from toolkit.outputs.returns_xml.comments import ShapeIds, add_comments
from toolkit.outputs.returns_xml.listsheet import list_sheet
from toolkit.outputs.returns_xml.parts import (
    CT_MAIN,
    CT_OTHER_MAINS,
    CT_VBA,
    CT_WORKSHEET,
    R_ID,
    REFUSED_TYPES,
    T_OFFICE_DOCUMENT,
    T_STYLES,
    T_VBA,
    T_WORKSHEET,
    TYPES,
    ContentTypes,
    EarlierList,
    Package,
    Rels,
    Unsupported,
    _m,
    parse,
    rels_part,
    resolve,
    serialize,
)
from toolkit.outputs.returns_xml.sheet import SheetXml, StyleOf, _unselect
from toolkit.outputs.returns_xml.styles import Styles
from toolkit.packs.model import Pack
from toolkit.runtime.atomic import atomic_path, explain

# --------------------------------------------------------------------------- the workbook


_VBA_PART = re.compile(r"xl/vbaProject[^/]*\.bin", re.I)


def _quote_sheet(name: str) -> str:
    return "'{}'".format(name.replace("'", "''"))


class Workbook:
    def __init__(self, pkg: Package) -> None:
        root_rels = Rels(pkg, "")
        office = [el for el in root_rels.of_type(T_OFFICE_DOCUMENT) if el.get("TargetMode") != "External"]
        if len(office) != 1:
            raise Unsupported("文件中找不到工作簿")
        self.part = resolve("", office[0].get("Target", ""))
        self.root = parse(pkg.read(self.part))
        if self.root.tag != _m("workbook"):
            raise Unsupported("工作簿是 Strict Open XML 等少见格式")
        self.rels = Rels(pkg, self.part)
        self.sheets_el = self.root.find(_m("sheets"))
        if self.sheets_el is None:
            raise Unsupported("工作簿中没有工作表列表")
        if any(el.get("Type") in REFUSED_TYPES for el in self.rels.items()):
            raise Unsupported("工作簿含宏表或对话框表")

    def sheets(self) -> list[tuple[str, str, str]]:
        """(name, relationship type, part) per sheet, in tab order."""
        out = []
        for el in self.sheets_el.iterfind(_m("sheet")):
            found = self.rels.target(el.get(R_ID))
            if found is None:
                raise Unsupported("有工作表缺少其内容")
            out.append((el.get("name", ""), found[0], found[1]))
        return out

    def styles_part(self) -> str:
        found = self.rels.of_type(T_STYLES)
        if len(found) != 1:
            raise Unsupported("文件的样式表缺失或不止一份")
        return resolve(self.part, found[0].get("Target", ""))

    def add_sheet(self, name: str, part: str) -> int:
        rid = self.rels.add(T_WORKSHEET, part)
        ids = [int(el.get("sheetId", "0")) for el in self.sheets_el.iterfind(_m("sheet"))
               if el.get("sheetId", "").isdigit()]
        el = etree.SubElement(self.sheets_el, _m("sheet"), name=name, sheetId=str(max(ids, default=0) + 1))
        el.set(R_ID, rid)
        return len(self.sheets_el.findall(_m("sheet"))) - 1

    def activate(self, index: int) -> None:
        views = self.root.find(_m("bookViews"))
        if views is None:
            views = etree.Element(_m("bookViews"))
            self.sheets_el.addprevious(views)
        view = views.find(_m("workbookView"))
        if view is None:
            view = etree.SubElement(views, _m("workbookView"))
        view.set("activeTab", str(index))
        if int(view.get("firstSheet", "0") or 0) > index:
            view.set("firstSheet", str(index))

    def define(self, name: str, index: int, value: str, hidden: bool = False) -> None:
        names = self.root.find(_m("definedNames"))
        if names is None:
            names = etree.Element(_m("definedNames"))
            anchor = self.sheets_el
            for tag in ("functionGroups", "externalReferences"):
                found = self.root.find(_m(tag))
                anchor = found if found is not None else anchor
            anchor.addnext(names)
        el = etree.SubElement(names, _m("definedName"), name=name, localSheetId=str(index))
        if hidden:
            el.set("hidden", "1")
        el.text = value

    def drop_macros(self, pkg: Package, types: ContentTypes) -> None:
        """The VBA project and what points at it: the copy is a plain workbook."""
        main = types.override(self.part)
        if main is not None and main.get("ContentType") in CT_OTHER_MAINS:
            main.set("ContentType", CT_MAIN)
        for el in self.rels.of_type(T_VBA):
            part = resolve(self.part, el.get("Target", ""))
            for name in (part, rels_part(part)):
                if pkg.has(name):
                    pkg.remove(name)
                types.drop(name)
            self.rels.root.remove(el)
        for name in pkg.names():
            if _VBA_PART.fullmatch(name):
                pkg.remove(name)
                types.drop(name)
        for el in list(types.root.iterfind(f"{{{TYPES}}}Default")):
            if el.get("ContentType") == CT_VBA:
                types.root.remove(el)

    def save(self, pkg: Package) -> None:
        pkg.write(self.part, serialize(self.root))
        self.rels.save(pkg)


def patch_workbook(pack: Pack, report: FileReport, findings: list[Finding], target: Path, data: bytes,
                   notes: Sequence[str] = (), *, archive: zipfile.ZipFile | None = None,
                   staged: bool = False) -> Path:
    """The county's own xlsx/xlsm with our marks, comments and 问题清单, patched part by part
    and written as a macro-free .xlsx at `target`. Raises (Unsupported or another error) for a
    file it cannot patch; nothing is written then. `archive`: `data` already opened as a zip;
    `staged`: `target` is new in a run's staging folder, written without a temporary file
    (`write_return_jobs` says why that is safe there)."""
    pkg = Package(data, archive)
    types = ContentTypes(pkg)
    book = Workbook(pkg)
    sheets = book.sheets()
    if any(name == LIST_SHEET for name, _, _ in sheets):
        raise EarlierList("文件中已有上次退回时的“问题清单”页，需清除旧的标记")
    book.drop_macros(pkg, types)
    styles = Styles(pkg, book.styles_part())
    ids = ShapeIds(pkg)
    marks = cell_marks(findings, report)
    merges: dict[str, Merged] = {}
    for name, kind, part in sheets:
        if kind == T_WORKSHEET and marks.get(name):
            sheet = SheetXml(pkg.read(part))
            merges[name] = sheet.merged()
            sheet_marks = to_top_left(marks[name], merges[name])
            fills = {cell: mark.fill for cell, mark in sheet_marks.items()}
            sheet.mark({cell: _restyle(styles, fill) for cell, fill in fills.items()})
            add_comments(pkg, types, ids, part, sheet, sheet_marks)
            sheet.unselect()
            pkg.write(part, sheet.to_bytes())
        elif pkg.has(part):
            unselected = _unselect(pkg.read(part))
            if unselected is not None:
                pkg.write(part, unselected)
    title = free_sheet_name([name for name, _, _ in sheets], LIST_SHEET)
    part = pkg.free("xl/worksheets/sheet{}.xml")
    rows = max(len(findings) + 2, 3)
    pkg.write(part, list_sheet(styles, pack, report, findings, list(notes), merges))
    types.set(part, CT_WORKSHEET)
    index = book.add_sheet(title, part)
    book.activate(index)
    last_col = column_letter(len(FINDING_COLUMNS))
    book.define("_xlnm._FilterDatabase", index, f"{_quote_sheet(title)}!$A$2:${last_col}${rows}", hidden=True)
    book.define("_xlnm.Print_Titles", index, f"{_quote_sheet(title)}!$2:$2")
    styles.save(pkg)
    book.save(pkg)
    pkg.write("[Content_Types].xml", serialize(types.root))
    copied = pkg.to_bytes()
    if staged:
        write_new(target, copied)
    else:
        with atomic_path(target) as tmp:
            tmp.write_bytes(copied)
    return target


def write_new(target: Path, data: bytes) -> None:
    """`data` written to the new file `target` (its folder made), as `atomic_path` would leave it
    but without the temporary file; an error says which file, as `atomic_path`'s does."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as fh:  # never over a file: each copy's name is unique in the folder
            fh.write(data)
    except OSError as exc:
        raise OutputError(explain(exc, target)) from None


def _restyle(styles: Styles, fill: str) -> StyleOf:
    return lambda xf: styles.marked(xf, fill)
