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

import copy
import io
import posixpath
import pyexpat
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from toolkit.atomic import atomic_path
from toolkit.findings import Finding
from toolkit.ingest.records import FileReport
from toolkit.packs.model import Pack
from toolkit.report import FINDING_COLUMNS, FINDING_WIDTHS, finding_rows, row_height
from toolkit.returns import (
    AUTHOR,
    ERROR_FILL,
    LIST_SHEET,
    WARNING_FILL,
    Cell,
    Mark,
    Merged,
    _clean,
    _comment_size,
    _first_line,
    _free_sheet_name,
    _link_location,
    _to_top_left,
    cell_marks,
    mark_position,
    top_left,
)
from toolkit.template.styles import HEADER_FILL

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
R_ID = f"{{{DOC_REL}}}id"

T_WORKSHEET = f"{DOC_REL}/worksheet"
T_COMMENTS = f"{DOC_REL}/comments"
T_VML = f"{DOC_REL}/vmlDrawing"
T_STYLES = f"{DOC_REL}/styles"
T_OFFICE_DOCUMENT = f"{DOC_REL}/officeDocument"
T_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
# Sheets a macro-free workbook may not hold, and comments openpyxl's path handles for us.
REFUSED_TYPES = {f"{DOC_REL}/macrosheet", f"{DOC_REL}/dialogsheet",
                 "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
                 "http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet"}
T_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"

CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_OTHER_MAINS = {"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
                  "application/vnd.ms-excel.template.macroEnabled.main+xml"}
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_VBA = "application/vnd.ms-office.vbaProject"

DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
VML_NS = ('xmlns:v="urn:schemas-microsoft-com:vml"', 'xmlns:o="urn:schemas-microsoft-com:office:office"',
          'xmlns:x="urn:schemas-microsoft-com:office:excel"')
LINK_COLOR = "0563C1"
LIST_TAB = "C00000"

# A start tag's attributes, quoted values allowed to hold `>` (a hostile file may try).
_ATTRS = r"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


class Unsupported(Exception):
    """This file is not patched here; the caller makes the copy with openpyxl instead."""


# --------------------------------------------------------------------------- parsing

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_blank_text=False)


def parse(data: bytes) -> Any:
    """A part as a tree; a DTD or entity declaration (never written by Excel, WPS or LibreOffice)
    is refused before anything is parsed."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Unsupported("DTD in a part")
    return etree.fromstring(data, _PARSER)


def well_formed(data: bytes) -> None:
    """A part patched as text is checked by a bare expat pass (a fraction of the cost of the
    patching) before it goes into the copy: raises ExpatError if the surgery went wrong."""
    parser = pyexpat.ParserCreate()

    def forbid(*_: Any) -> None:
        raise Unsupported("DTD in a part")

    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.Parse(data, True)


def serialize(root: Any) -> bytes:
    return DECLARATION + etree.tostring(root, encoding="utf-8")


def _text(data: bytes) -> str:
    head = data[:200]
    if head.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        head = data[:200]
    m = re.match(rb"""\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)""", head)
    if m and m.group(1).lower().replace(b"-", b"") != b"utf8":
        raise Unsupported("part not in UTF-8")
    return data.decode("utf-8")


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(rf"""\s{re.escape(name)}\s*=\s*(?:"([^"]*)"|'([^']*)')""", attrs)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def _set_attr(attrs: str, name: str, value: str | None) -> str:
    """Attributes with `name` set to `value` (dropped when None)."""
    pattern = re.compile(rf"""\s{re.escape(name)}\s*=\s*(?:"[^"]*"|'[^']*')""")
    attrs = pattern.sub("", attrs)
    if value is None:
        return attrs
    return f'{attrs.rstrip()} {name}="{value}"'


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _ref(r: int, c: int) -> str:
    return f"{_col_letters(c)}{r}"


def _esc(text: str) -> str:
    return escape(text).replace("\r", "&#13;")


# --------------------------------------------------------------------------- the package


class Package:
    """The zip's parts by name, with the changes to write."""

    def __init__(self, data: bytes) -> None:
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        self.order = [i.filename for i in self.zf.infolist()]
        if len({n.casefold() for n in self.order}) != len(self.order):
            raise Unsupported("a part name twice")
        self.changed: dict[str, bytes] = {}
        self.removed: set[str] = set()

    def names(self) -> list[str]:
        return [n for n in [*self.order, *(n for n in self.changed if n not in self.order)] if n not in self.removed]

    def has(self, name: str) -> bool:
        return name not in self.removed and (name in self.changed or name in self.order)

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        if name in self.removed or name not in self.order:
            raise Unsupported(f"missing part {name[:80]}")
        return self.zf.read(name)

    def write(self, name: str, data: bytes) -> None:
        self.removed.discard(name)
        self.changed[name] = data

    def remove(self, name: str) -> None:
        self.removed.add(name)
        self.changed.pop(name, None)

    def free(self, pattern: str) -> str:
        """`pattern` with `{}` numbered to a part name not taken (ignoring case)."""
        taken = {n.casefold() for n in self.names()}
        n = 1
        while pattern.format(n).casefold() in taken:
            n += 1
        return pattern.format(n)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        names = self.names()
        names.sort(key=lambda n: n != "[Content_Types].xml")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout:
            for name in names:
                zout.writestr(name, self.read(name))
        return out.getvalue()


def rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


class Rels:
    """A part's relationships (created empty when it has none)."""

    def __init__(self, pkg: Package, source: str) -> None:
        self.source = source
        self.name = rels_part(source)
        if pkg.has(self.name):
            self.root = parse(pkg.read(self.name))
        else:
            self.root = etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})

    def items(self) -> list[Any]:
        return [el for el in self.root if el.tag == f"{{{PKG_REL}}}Relationship"]

    def target(self, rid: str | None) -> tuple[str, str] | None:
        """(type, part) of an internal relationship."""
        for el in self.items():
            if el.get("Id") == rid and el.get("TargetMode") != "External":
                return el.get("Type", ""), resolve(self.source, el.get("Target", ""))
        return None

    def of_type(self, kind: str) -> list[Any]:
        return [el for el in self.items() if el.get("Type") == kind]

    def add(self, kind: str, part: str) -> str:
        ids = {el.get("Id") for el in self.items()}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        etree.SubElement(self.root, f"{{{PKG_REL}}}Relationship",
                         Id=f"rId{n}", Type=kind, Target=relative(self.source, part))
        return f"rId{n}"

    def save(self, pkg: Package) -> None:
        pkg.write(self.name, serialize(self.root))


class ContentTypes:
    def __init__(self, pkg: Package) -> None:
        self.root = parse(pkg.read("[Content_Types].xml"))

    def override(self, part: str) -> Any:
        for el in self.root.iterfind(f"{{{TYPES}}}Override"):
            if el.get("PartName", "").lstrip("/").casefold() == part.casefold():
                return el
        return None

    def set(self, part: str, kind: str) -> None:
        el = self.override(part)
        if el is None:
            el = etree.SubElement(self.root, f"{{{TYPES}}}Override", PartName=f"/{part}")
        el.set("ContentType", kind)

    def drop(self, part: str) -> None:
        el = self.override(part)
        if el is not None:
            self.root.remove(el)

    def default(self, ext: str, kind: str) -> None:
        for el in self.root.iterfind(f"{{{TYPES}}}Default"):
            if el.get("Extension", "").casefold() == ext:
                return
        el = etree.Element(f"{{{TYPES}}}Default", Extension=ext, ContentType=kind)
        self.root.insert(0, el)


# --------------------------------------------------------------------------- styles


def _m(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


class Styles:
    """xl/styles.xml: new fills, fonts and cell formats appended, never changed in place."""

    def __init__(self, pkg: Package, part: str) -> None:
        self.part = part
        self.root = parse(pkg.read(part))
        if self.root.tag != _m("styleSheet"):
            raise Unsupported("styles")
        self.fonts, self.fills, self.xfs = (self._section(t) for t in ("fonts", "fills", "cellXfs"))
        if len(self.xfs) == 0:
            raise Unsupported("no cell formats")
        self.fill_ids: dict[str, int] = {}
        self.marked_xfs: dict[tuple[int, str], int] = {}

    def _section(self, tag: str) -> Any:
        el = self.root.find(_m(tag))
        if el is None:
            raise Unsupported(f"styles without {tag}")
        return el

    @staticmethod
    def _append(section: Any, el: Any) -> int:
        section.append(el)
        n = len(section.findall(el.tag))
        section.set("count", str(n))
        return n - 1

    def fill(self, rgb: str) -> int:
        if rgb not in self.fill_ids:
            fill = etree.Element(_m("fill"))
            pattern = etree.SubElement(fill, _m("patternFill"), patternType="solid")
            etree.SubElement(pattern, _m("fgColor"), rgb=f"FF{rgb}")
            etree.SubElement(pattern, _m("bgColor"), indexed="64")
            self.fill_ids[rgb] = self._append(self.fills, fill)
        return self.fill_ids[rgb]

    def marked(self, xf: int, rgb: str) -> int:
        """The cell format `xf` with our fill: everything else (font, border, number format,
        alignment, protection) is the county's."""
        key = (xf, rgb)
        if key not in self.marked_xfs:
            xfs = self.xfs.findall(_m("xf"))
            if not 0 <= xf < len(xfs):
                xf = 0
            new = copy.deepcopy(xfs[xf])
            new.set("fillId", str(self.fill(rgb)))
            new.set("applyFill", "1")
            self.marked_xfs[key] = self._append(self.xfs, new)
        return self.marked_xfs[key]

    def font(self, *, bold: bool = False, color: str | None = None, underline: bool = False) -> int:
        font = etree.Element(_m("font"))
        if bold:
            etree.SubElement(font, _m("b"))
        if underline:
            etree.SubElement(font, _m("u"))
        etree.SubElement(font, _m("sz"), val="11")
        if color:
            etree.SubElement(font, _m("color"), rgb=f"FF{color}")
        etree.SubElement(font, _m("name"), val="宋体")
        etree.SubElement(font, _m("family"), val="3")
        etree.SubElement(font, _m("charset"), val="134")
        return self._append(self.fonts, font)

    def xf(self, *, font: int = 0, fill: int = 0, wrap: bool = True) -> int:
        xf = etree.Element(_m("xf"), numFmtId="0", fontId=str(font), fillId=str(fill), borderId="0", xfId="0")
        if font:
            xf.set("applyFont", "1")
        if fill:
            xf.set("applyFill", "1")
        if wrap:
            xf.set("applyAlignment", "1")
            etree.SubElement(xf, _m("alignment"), vertical="top", wrapText="1")
        return self._append(self.xfs, xf)

    def save(self, pkg: Package) -> None:
        pkg.write(self.part, serialize(self.root))


# --------------------------------------------------------------------------- a sheet's cells

StyleOf = Callable[[int], int]  # the cell's current xf -> the xf it gets


class SheetXml:
    """A worksheet part split in three: the text before `<sheetData>`, its rows (patched as text),
    and the rest. The head and the tail, small, are parsed together as a tree (`root`) with an
    empty placeholder for the rows."""

    def __init__(self, data: bytes) -> None:
        text = _text(data)
        m = re.search(r"<(?:([A-Za-z_][\w.\-]*):)?worksheet[\s/>]", text)
        if m is None:
            raise Unsupported("no worksheet element")
        self.p = f"{m.group(1)}:" if m.group(1) else ""
        open_tag = re.compile(rf"<{self.p}sheetData({_ATTRS})(/?)>").search(text)
        if open_tag is None:
            raise Unsupported("no sheetData")
        head = text[:open_tag.start()]
        if open_tag.group(2):
            self.rows, end = "", open_tag.end()
        else:
            close = text.find(f"</{self.p}sheetData>", open_tag.end())
            if close < 0:
                raise Unsupported("sheetData not closed")
            self.rows, end = text[open_tag.end():close], close + len(f"</{self.p}sheetData>")
        if any(s in head or s in self.rows for s in ("<!--", "<![CDATA[", "<!DOCTYPE", "<!ENTITY")):
            raise Unsupported("comments or CDATA in a sheet")
        self.data_attrs = open_tag.group(1)
        self.marker = "shenbao-rows-here"
        small = f'{head}<{self.p}sheetData {self.marker}="1"/>{text[end:]}'
        self.root = parse(small.encode("utf-8"))
        if self.root.tag != _m("worksheet"):
            raise Unsupported("not a transitional worksheet")

    def child(self, tag: str) -> Any:
        return self.root.find(_m(tag))

    def merged(self) -> Merged:
        out = []
        section = self.child("mergeCells")
        for el in section.iterfind(_m("mergeCell")) if section is not None else ():
            ends = [_CELL_REF.fullmatch(part) for part in el.get("ref", "").split(":")]
            if len(ends) == 2 and ends[0] and ends[1]:
                r0, c0 = int(ends[0].group(2)), _col_number(ends[0].group(1))
                r1, c1 = int(ends[1].group(2)), _col_number(ends[1].group(1))
                out.append((min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))
        return out

    def column_styles(self) -> dict[int, int]:
        styles: dict[int, int] = {}
        cols = self.child("cols")
        for el in cols.iterfind(_m("col")) if cols is not None else ():
            s = int(el.get("style", "0") or 0)
            if s:
                lo, hi = int(el.get("min", "0")), int(el.get("max", "0"))
                for c in range(max(lo, 1), min(hi, 16384) + 1):
                    styles[c] = s
        return styles

    def unselect(self) -> None:
        views = self.child("sheetViews")
        for view in views.iterfind(_m("sheetView")) if views is not None else ():
            view.attrib.pop("tabSelected", None)

    def set_legacy_drawing(self, rid: str) -> None:
        """`<legacyDrawing r:id>` in its place in the worksheet's sequence of elements."""
        after = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst")
        el = etree.Element(_m("legacyDrawing"))
        el.set(R_ID, rid)
        for child in self.root:
            if isinstance(child.tag, str) and child.tag in {_m(t) for t in after}:
                child.addprevious(el)
                return
        self.root.append(el)

    def mark(self, cells: dict[Cell, StyleOf]) -> None:
        """Give each cell its new style, inserting cells and rows the sheet does not have."""
        p = self.p
        row_re = re.compile(rf"<{p}row({_ATTRS})(/?)>")
        by_row: dict[int, dict[int, StyleOf]] = {}
        for (r, c), style in cells.items():
            by_row.setdefault(r, {})[c] = style
        found: dict[int, tuple[int, int]] = {}  # row -> (start, end) of its element
        insert_at: dict[int, int] = {}  # missing row -> offset of the first later row
        wanted = sorted(by_row)
        previous, next_wanted = 0, 0
        for m in row_re.finditer(self.rows):
            if next_wanted == len(wanted):
                break  # rows are in order: nothing further down is marked
            r_attr = _attr(m.group(1), "r")
            r = int(r_attr) if r_attr and r_attr.isdigit() else previous + 1
            previous = r
            while next_wanted < len(wanted) and wanted[next_wanted] < r:
                insert_at[wanted[next_wanted]] = m.start()
                next_wanted += 1
            if next_wanted < len(wanted) and wanted[next_wanted] == r:
                end = m.end()
                if not m.group(2):
                    close = self.rows.find(f"</{p}row>", m.end())
                    if close < 0:
                        raise Unsupported("row not closed")
                    end = close + len(f"</{p}row>")
                found[r] = (m.start(), end)
                next_wanted += 1
        col_styles = self.column_styles()
        edits: list[tuple[int, int, str]] = []
        for r in wanted:
            if r in found:
                start, end = found[r]
                edits.append((start, end, self._patch_row(self.rows[start:end], r, by_row[r], col_styles)))
            else:
                pos = insert_at.get(r, len(self.rows))
                new = "".join(f'<{p}c r="{_ref(r, c)}" s="{by_row[r][c](col_styles.get(c, 0))}"/>'
                              for c in sorted(by_row[r]))
                edits.append((pos, pos, f'<{p}row r="{r}">{new}</{p}row>'))
        edits.sort(key=lambda e: (e[0], e[1]))  # missing rows sharing an offset stay in row order
        out, last = [], 0
        for start, end, text in edits:
            out.append(self.rows[last:start])
            out.append(text)
            last = end
        out.append(self.rows[last:])
        self.rows = "".join(out)

    def _patch_row(self, row: str, r: int, cells: dict[int, StyleOf], col_styles: dict[int, int]) -> str:
        p = self.p
        m = re.match(rf"<{p}row({_ATTRS})(/?)>", row)
        assert m is not None
        attrs, closed = m.group(1), bool(m.group(2))
        row_style = None
        if _attr(attrs, "customFormat") in ("1", "true"):
            row_style = int(_attr(attrs, "s") or 0)
        body = "" if closed else row[m.end(): len(row) - len(f"</{p}row>")]
        cell_re = re.compile(rf"<{p}c({_ATTRS})(/?)>")
        todo = dict(cells)
        out: list[str] = []
        last, previous, inserted = 0, 0, False
        for cm in cell_re.finditer(body):
            ref = _attr(cm.group(1), "r")
            ref_m = _CELL_REF.fullmatch(ref) if ref else None
            c = _col_number(ref_m.group(1)) if ref_m else previous + 1
            previous = c
            for missing in sorted(k for k in todo if k < c):
                out.append(body[last:cm.start()])
                last = cm.start()
                out.append(self._new_cell(r, missing, todo.pop(missing), row_style, col_styles))
                inserted = True
            if c in todo:
                style = todo.pop(c)
                s = _attr(cm.group(1), "s")
                new_s = style(int(s) if s and s.isdigit() else 0)
                out.append(body[last:cm.start()])
                out.append(f"<{p}c{_set_attr(cm.group(1), 's', str(new_s))}{'/' if cm.group(2) else ''}>")
                last = cm.end()
        out.append(body[last:])
        for missing in sorted(todo):
            out.append(self._new_cell(r, missing, todo[missing], row_style, col_styles))
        if inserted or todo:
            attrs = _set_attr(attrs, "spans", None)  # a hint Excel checks; cells may now lie outside it
        return f"<{p}row{attrs}>{''.join(out)}</{p}row>"

    def _new_cell(self, r: int, c: int, style: StyleOf, row_style: int | None,
                  col_styles: dict[int, int]) -> str:
        base = row_style if row_style is not None else col_styles.get(c, 0)
        return f'<{self.p}c r="{_ref(r, c)}" s="{style(base)}"/>'

    def to_bytes(self) -> bytes:
        text = etree.tostring(self.root, encoding="unicode")
        m = re.search(rf"""<[^<>]*\s{self.marker}="1"[^<>]*/>""", text)
        if m is None:
            raise Unsupported("placeholder lost")
        rows = f"<{self.p}sheetData{self.data_attrs}>{self.rows}</{self.p}sheetData>"
        data = DECLARATION + (text[:m.start()] + rows + text[m.end():]).encode("utf-8")
        well_formed(data)
        return data


# --------------------------------------------------------------------------- comments

_IDMAP = re.compile(r"""<(?:[\w.-]+:)?idmap\b[^>]*?\bdata\s*=\s*["']([^"']*)""")
_SHAPE_ID = re.compile(r"_x0000_s(\d+)")
SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
             '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _shape(shape_id: int, cell: Cell, text: str) -> str:
    """A comment box as Excel's legacy VML describes it (hidden until the mouse is over the cell)."""
    width, height = _comment_size(text)
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            f'margin-left:59.25pt;margin-top:1.5pt;width:{width}px;height:{height}px;z-index:1;'
            'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
            f'<x:Row>{cell[0] - 1}</x:Row><x:Column>{cell[1] - 1}</x:Column></x:ClientData></v:shape>')


class ShapeIds:
    """VML shape ids come in blocks of 1024 declared by each drawing's `<o:idmap data>`: each
    drawing we write or extend gets blocks no drawing in the workbook uses."""

    def __init__(self, pkg: Package) -> None:
        used = 0
        for name in pkg.names():
            if name.lower().endswith(".vml"):
                data = pkg.read(name)
                for m in _IDMAP.finditer(data.decode("latin-1")):
                    used = max([used, *(int(b) for b in re.findall(r"\d+", m.group(1)))])
                for m in _SHAPE_ID.finditer(data.decode("latin-1")):
                    used = max(used, int(m.group(1)) // 1024)
        self.next_block = used + 1

    def take(self, count: int) -> tuple[list[int], list[int]]:
        """(blocks, ids) for `count` shapes."""
        blocks: list[int] = []
        ids: list[int] = []
        while len(ids) < count:
            block = self.next_block
            self.next_block += 1
            blocks.append(block)
            ids.extend(range(block * 1024 + 1, block * 1024 + 1024))
        return blocks, ids[:count]


def _comment_text(el: Any) -> str:
    text = el.find(_m("text"))
    if text is None:
        return ""
    return "".join(t.text or "" for t in text.iter(_m("t")) if t.getparent().tag != _m("rPh"))


def _comment_el(ref: str, author_id: int, text: str) -> Any:
    el = etree.Element(_m("comment"), ref=ref, authorId=str(author_id))
    body = etree.SubElement(el, _m("text"))
    t = etree.SubElement(body, _m("t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return el


def _ref_key(ref: str) -> tuple[int, int]:
    m = _CELL_REF.fullmatch(ref)
    return (int(m.group(2)), _col_number(m.group(1))) if m else (0, 0)


def add_comments(pkg: Package, types: ContentTypes, ids: ShapeIds, sheet_part: str, sheet: SheetXml,
                 marks: dict[Cell, Mark]) -> None:
    """Our comment on each marked cell, in the sheet's comments part and VML drawing (created or
    merged); a county's comment on a marked cell is kept below ours as （原批注）."""
    rels = Rels(pkg, sheet_part)
    if rels.of_type(T_THREADED):
        raise Unsupported("threaded comments")
    legacy = sheet.child("legacyDrawing")
    vml_part = None
    if legacy is not None:
        found = rels.target(legacy.get(R_ID))
        if found is None or found[0] != T_VML or not pkg.has(found[1]):
            raise Unsupported("legacy drawing without its part")
        vml_part = found[1]
    existing = [el for el in rels.of_type(T_COMMENTS) if el.get("TargetMode") != "External"]
    if len(existing) > 1 or (existing and vml_part is None):
        raise Unsupported("comments without a drawing")
    if existing:
        comments_part = resolve(sheet_part, existing[0].get("Target", ""))
        root = parse(pkg.read(comments_part))
        if root.tag != _m("comments"):
            raise Unsupported("comments part")
    else:
        comments_part = pkg.free("xl/comments{}.xml")
        root = etree.Element(_m("comments"), nsmap={None: MAIN})
        rels.add(T_COMMENTS, comments_part)
        types.set(comments_part, CT_COMMENTS)
    authors = root.find(_m("authors"))
    if authors is None:
        authors = etree.Element(_m("authors"))
        root.insert(0, authors)
    names = [a.text or "" for a in authors.iterfind(_m("author"))]
    if AUTHOR not in names:
        etree.SubElement(authors, _m("author")).text = AUTHOR
        names.append(AUTHOR)
    ours = names.index(AUTHOR)
    listing = root.find(_m("commentList"))
    if listing is None:
        listing = etree.SubElement(root, _m("commentList"))
    old = {el.get("ref", "").replace("$", "").upper(): el for el in listing.iterfind(_m("comment"))}
    replaced: set[Cell] = set()
    new_shapes: list[tuple[Cell, str]] = []
    for cell, mark in marks.items():
        ref = _ref(*cell)
        text = _clean(mark.text)
        before = old.get(ref)
        if before is not None:
            author = names[int(before.get("authorId", "0"))] if before.get("authorId", "0").isdigit() \
                and int(before.get("authorId", "0")) < len(names) else ""
            was = _comment_text(before)
            if author != AUTHOR and was:
                text = _clean(f"{text}\n\n（原批注）{was}")
            listing.remove(before)
            replaced.add(cell)
        listing.append(_comment_el(ref, ours, text))
        new_shapes.append((cell, text))
    listing[:] = sorted(listing, key=lambda el: _ref_key(el.get("ref", "")))
    pkg.write(comments_part, serialize(root))

    blocks, shape_ids = ids.take(len(new_shapes))
    shapes = "".join(_shape(i, cell, text) for i, (cell, text) in zip(shape_ids, new_shapes, strict=True))
    if vml_part is None:
        vml_part = pkg.free("xl/drawings/vmlDrawing{}.vml")
        vml = (f'<xml {" ".join(VML_NS)}><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" '
               f'data="{",".join(map(str, blocks))}"/></o:shapelayout>{SHAPETYPE}{shapes}</xml>')
        sheet.set_legacy_drawing(rels.add(T_VML, vml_part))
        types.default("vml", CT_VML)
        pkg.write(vml_part, vml.encode("utf-8"))
    else:
        pkg.write(vml_part, _merge_vml(pkg.read(vml_part), blocks, shapes, replaced))
    rels.save(pkg)


VML = "urn:schemas-microsoft-com:vml"
OFFICE = "urn:schemas-microsoft-com:office:office"
EXCEL = "urn:schemas-microsoft-com:office:excel"


def _merge_vml(data: bytes, blocks: list[int], shapes: str, replaced: set[Cell]) -> bytes:
    """The sheet's own drawing with the comment boxes of replaced comments taken out and ours
    added; its buttons and other shapes stay. Excel's VML is not always well-formed XML: such a
    drawing is not merged (the file goes the openpyxl way)."""
    root = parse(data)
    for shape in root.findall(f"{{{VML}}}shape"):
        client = shape.find(f"{{{EXCEL}}}ClientData")
        if client is None or client.get("ObjectType") != "Note":
            continue
        row, col = client.findtext(f"{{{EXCEL}}}Row"), client.findtext(f"{{{EXCEL}}}Column")
        if row and col and row.strip().isdigit() and col.strip().isdigit() \
                and (int(row) + 1, int(col) + 1) in replaced:
            root.remove(shape)
    idmap = root.find(f"{{{OFFICE}}}shapelayout/{{{OFFICE}}}idmap")
    if idmap is None:
        layout = etree.Element(f"{{{OFFICE}}}shapelayout")
        layout.set(f"{{{VML}}}ext", "edit")
        idmap = etree.SubElement(layout, f"{{{OFFICE}}}idmap")
        idmap.set(f"{{{VML}}}ext", "edit")
        root.insert(0, layout)
    idmap.set("data", ",".join(x for x in [idmap.get("data", "").strip(), *map(str, blocks)] if x))
    has_type = any(el.get("id") == "_x0000_t202" for el in root.iter(f"{{{VML}}}shapetype"))
    ours = parse(f'<xml {" ".join(VML_NS)}>{"" if has_type else SHAPETYPE}{shapes}</xml>'.encode())
    root.extend(list(ours))
    return etree.tostring(root, encoding="utf-8")


# --------------------------------------------------------------------------- the 问题清单 sheet


def list_sheet(styles: Styles, pack: Pack, report: FileReport, findings: list[Finding], notes: list[str],
               merges: dict[str, Merged]) -> bytes:
    """The findings sheet as worksheet XML, with the openpyxl path's columns, looks and links."""
    first = styles.xf(font=styles.font(bold=True, color=LIST_TAB))
    header = styles.xf(font=styles.font(bold=True), fill=styles.fill(HEADER_FILL.lstrip("#").upper()), wrap=False)
    plain = styles.xf()
    link = styles.xf(font=styles.font(color=LINK_COLOR, underline=True))
    severity = {"error": styles.xf(fill=styles.fill(ERROR_FILL)), "warning": styles.xf(fill=styles.fill(WARNING_FILL))}
    ncols = len(FINDING_COLUMNS)
    last_col = _col_letters(ncols)
    cell_col = FINDING_COLUMNS.index("单元格") + 1
    severity_col = FINDING_COLUMNS.index("严重程度") + 1
    rows = finding_rows(pack, findings, [report])
    last = max(len(rows) + 2, 3)

    def text_cell(ref: str, s: int, text: str) -> str:
        return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{_esc(_clean(text))}</t></is></c>'

    out = [f'<row r="1" ht="48" customHeight="1">{text_cell("A1", first, _first_line(report, findings, notes))}'
           + "".join(f'<c r="{_ref(1, c)}" s="{first}"/>' for c in range(2, ncols + 1)) + "</row>",
           '<row r="2">' + "".join(text_cell(_ref(2, c), header, title)
                                   for c, title in enumerate(FINDING_COLUMNS, 1)) + "</row>"]
    links = []
    for r, (values, f) in enumerate(zip(rows, findings, strict=True), 3):
        pos = mark_position(f, report)
        linked = bool(f.cell and pos is not None and f.sheet in merges)
        if linked and f.sheet is not None and pos is not None:
            where = _link_location(f.sheet, top_left(pos, merges[f.sheet]))
            links.append(f'<hyperlink ref="{_ref(r, cell_col)}" location={quoteattr(where)} '
                         f'display={quoteattr(f.cell or "")}/>')
        cells = []
        for c, value in enumerate(values, 1):
            s = severity.get(f.severity, plain) if c == severity_col else link if c == cell_col and linked else plain
            ref = _ref(r, c)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}" s="{s}"><v>{value!r}</v></c>')
            elif value:
                cells.append(text_cell(ref, s, str(value)))
            else:
                cells.append(f'<c r="{ref}" s="{s}"/>')
        height = row_height(values, FINDING_WIDTHS)
        out.append(f'<row r="{r}" ht="{height:g}" customHeight="1">{"".join(cells)}</row>')
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in enumerate(FINDING_WIDTHS, 1))
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    xml = (f'<worksheet xmlns="{MAIN}" xmlns:r="{DOC_REL}">'
           f'<sheetPr><tabColor rgb="FF{LIST_TAB}"/><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{last_col}{last}"/>'
           '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
           '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
           '<selection pane="bottomLeft" activeCell="A3" sqref="A3"/></sheetView></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/>'
           f'<cols>{cols}</cols><sheetData>{"".join(out)}</sheetData>'
           f'<autoFilter ref="A2:{last_col}{last}"/>'
           f'<mergeCells count="1"><mergeCell ref="A1:{last_col}1"/></mergeCells>{hyperlinks}'
           '<printOptions horizontalCentered="1"/>'
           '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.7" header="0.3" footer="0.3"/>'
           '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
           '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>'
           '</worksheet>')
    return DECLARATION + xml.encode("utf-8")


# --------------------------------------------------------------------------- the workbook


def _quote_sheet(name: str) -> str:
    return "'{}'".format(name.replace("'", "''"))


class Workbook:
    def __init__(self, pkg: Package) -> None:
        root_rels = Rels(pkg, "")
        office = [el for el in root_rels.of_type(T_OFFICE_DOCUMENT) if el.get("TargetMode") != "External"]
        if len(office) != 1:
            raise Unsupported("no workbook part")
        self.part = resolve("", office[0].get("Target", ""))
        self.root = parse(pkg.read(self.part))
        if self.root.tag != _m("workbook"):
            raise Unsupported("not a transitional workbook")
        self.rels = Rels(pkg, self.part)
        self.sheets_el = self.root.find(_m("sheets"))
        if self.sheets_el is None:
            raise Unsupported("no sheets")
        if any(el.get("Type") in REFUSED_TYPES for el in self.rels.items()):
            raise Unsupported("macro or dialog sheets")

    def sheets(self) -> list[tuple[str, str, str]]:
        """(name, relationship type, part) per sheet, in tab order."""
        out = []
        for el in self.sheets_el.iterfind(_m("sheet")):
            found = self.rels.target(el.get(R_ID))
            if found is None:
                raise Unsupported("a sheet without its part")
            out.append((el.get("name", ""), found[0], found[1]))
        return out

    def styles_part(self) -> str:
        found = self.rels.of_type(T_STYLES)
        if len(found) != 1:
            raise Unsupported("styles")
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
            if re.fullmatch(r"xl/vbaProject[^/]*\.bin", name, re.I):
                pkg.remove(name)
                types.drop(name)
        for el in list(types.root.iterfind(f"{{{TYPES}}}Default")):
            if el.get("ContentType") == CT_VBA:
                types.root.remove(el)

    def save(self, pkg: Package) -> None:
        pkg.write(self.part, serialize(self.root))
        self.rels.save(pkg)


_TAB_SELECTED = re.compile(rb"""\stabSelected\s*=\s*(?:"[^"]*"|'[^']*')""")


def _unselect(data: bytes) -> bytes | None:
    """A sheet part with its tab no longer selected (None when it was not): only the text before
    the cells is searched."""
    end = data.find(b"sheetData")
    head = data if end < 0 else data[:end]
    if b"tabSelected" not in head:
        return None
    return _TAB_SELECTED.sub(b"", head) + (b"" if end < 0 else data[end:])


def patch_workbook(pack: Pack, report: FileReport, findings: list[Finding], target: Path, data: bytes,
                   notes: Sequence[str] = ()) -> Path:
    """The county's own xlsx/xlsm with our marks, comments and 问题清单, patched part by part
    and written as a macro-free .xlsx at `target`. Raises (Unsupported or another error) for a
    file it cannot patch; nothing is written then."""
    pkg = Package(data)
    types = ContentTypes(pkg)
    book = Workbook(pkg)
    sheets = book.sheets()
    if any(name == LIST_SHEET for name, _, _ in sheets):
        raise Unsupported("an earlier 问题清单: the openpyxl path clears its marks")
    book.drop_macros(pkg, types)
    styles = Styles(pkg, book.styles_part())
    ids = ShapeIds(pkg)
    marks = cell_marks(findings, report)
    merges: dict[str, Merged] = {}
    for name, kind, part in sheets:
        if kind == T_WORKSHEET and marks.get(name):
            sheet = SheetXml(pkg.read(part))
            merges[name] = sheet.merged()
            sheet_marks = _to_top_left(marks[name], merges[name])
            fills = {cell: mark.fill for cell, mark in sheet_marks.items()}
            sheet.mark({cell: _restyle(styles, fill) for cell, fill in fills.items()})
            add_comments(pkg, types, ids, part, sheet, sheet_marks)
            sheet.unselect()
            pkg.write(part, sheet.to_bytes())
        elif pkg.has(part):
            unselected = _unselect(pkg.read(part))
            if unselected is not None:
                pkg.write(part, unselected)
    title = _free_sheet_name([name for name, _, _ in sheets], LIST_SHEET)
    part = pkg.free("xl/worksheets/sheet{}.xml")
    rows = max(len(findings) + 2, 3)
    pkg.write(part, list_sheet(styles, pack, report, findings, list(notes), merges))
    types.set(part, CT_WORKSHEET)
    index = book.add_sheet(title, part)
    book.activate(index)
    last_col = _col_letters(len(FINDING_COLUMNS))
    book.define("_xlnm._FilterDatabase", index, f"{_quote_sheet(title)}!$A$2:${last_col}${rows}", hidden=True)
    book.define("_xlnm.Print_Titles", index, f"{_quote_sheet(title)}!$2:$2")
    styles.save(pkg)
    book.save(pkg)
    pkg.write("[Content_Types].xml", serialize(types.root))
    copied = pkg.to_bytes()
    with atomic_path(target) as tmp:
        tmp.write_bytes(copied)
    return target


def _restyle(styles: Styles, fill: str) -> StyleOf:
    return lambda xf: styles.marked(xf, fill)
