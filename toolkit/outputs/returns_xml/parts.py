"""The package's parts: safe parsing, the zip, relationships and content types."""

from __future__ import annotations

import functools
import io
import posixpath
import pyexpat
import re
import time
import zipfile
from typing import Any

from lxml import etree

from toolkit.findings import a1
from toolkit.outputs.returns_xml.zipcopy import as_stored, deflated, inflated
from toolkit.xlsx import zipwrite

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

# A start tag's attributes, quoted values allowed to hold `>` (a hostile file may try).
_ATTRS = r"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


class Unsupported(Exception):
    """This file is not patched here; the caller makes the copy with openpyxl instead. The
    message says why in the clerk's words: it goes into the copy's `file.return-fallback` warning."""


class EarlierList(Unsupported):
    """Our own copy sent back with its 问题清单: openpyxl is the way for it, which clears the old
    marks (not a fallback: nothing is said)."""


# --------------------------------------------------------------------------- parsing

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_blank_text=False)


def parse(data: bytes) -> Any:
    """A part as a tree; a DTD or entity declaration (never written by Excel, WPS or LibreOffice)
    is refused before anything is parsed."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Unsupported("文件内部含有文档类型声明（DTD）")
    return etree.fromstring(data, _PARSER)


def well_formed(data: bytes) -> None:
    """A part patched as text is checked by a bare expat pass (a fraction of the cost of the
    patching) before it goes into the copy: raises ExpatError if the surgery went wrong."""
    parser = pyexpat.ParserCreate()

    def forbid(*_: Any) -> None:
        raise Unsupported("文件内部含有文档类型声明（DTD）")

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
        raise Unsupported("文件内部有部分不是 UTF-8 编码")
    return data.decode("utf-8")


@functools.lru_cache(maxsize=64)
def _attr_value(name: str) -> re.Pattern[str]:
    """The attribute `name` with its value (compiled once per name: the cells' few names are
    asked for at every row and cell patched)."""
    return re.compile(rf"""\s{re.escape(name)}\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@functools.lru_cache(maxsize=64)
def _attr_whole(name: str) -> re.Pattern[str]:
    return re.compile(rf"""\s{re.escape(name)}\s*=\s*(?:"[^"]*"|'[^']*')""")


def _attr(attrs: str, name: str) -> str | None:
    m = _attr_value(name).search(attrs)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def _set_attr(attrs: str, name: str, value: str | None) -> str:
    """Attributes with `name` set to `value` (dropped when None)."""
    attrs = _attr_whole(name).sub("", attrs)
    if value is None:
        return attrs
    return f'{attrs.rstrip()} {name}="{value}"'


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _ref(r: int, c: int) -> str:
    return a1(r, c)


def escape(text: str) -> str:
    """`text` as XML character data, as xml.sax.saxutils.escape makes it (that module imports
    urllib.request, and with it http, ssl and email: 9 ms of each worker's start)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """`text` as a quoted attribute value, as xml.sax.saxutils.quoteattr makes it."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


def _esc(text: str) -> str:
    return escape(text).replace("\r", "&#13;")


# --------------------------------------------------------------------------- the package


class Package:
    """The zip's parts by name, with the changes to write. `archive`: `data` already opened as a
    zip by the caller (its directory is not read twice)."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile | None = None) -> None:
        self.data = data
        self.zf = archive if archive is not None else zipfile.ZipFile(io.BytesIO(data))
        self.order = [i.filename for i in self.zf.infolist()]
        if len({n.casefold() for n in self.order}) != len(self.order):
            raise Unsupported("文件内部有重名的部分")
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
            raise Unsupported(f"文件内部缺少 {name[:80]}")
        found = inflated(self.zf.getinfo(name), self.data)  # None: zipfile reads it, or raises why not
        return found if found is not None else self.zf.read(name)

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
        """The package as a zip: unchanged parts copied as they are stored (toolkit/outputs/returns_xml/
        zipcopy.py), changed and new ones deflated (toolkit/xlsx/zipwrite.py) and dated now, as writestr dates them."""
        names = self.names()
        names.sort(key=lambda n: n != "[Content_Types].xml")
        t = time.localtime()
        now = (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
        members = [self._member(name, now) for name in names]
        return zipwrite.write(members) or zipwrite.zip64(members)

    def _member(self, name: str, now: zipwrite.DateTime) -> zipwrite.Member:
        if name in self.changed:
            if name.startswith("xl/worksheets/"):  # a marked sheet or our list: never the same twice
                return zipwrite.deflated(name, self.changed[name], now)
            return deflated(name, self.changed[name], now)
        info = self.zf.getinfo(name)
        # Not plainly safe to copy as stored: inflated (raising, as zipfile does, for a corrupt
        # part) and deflated again, keeping its date.
        return as_stored(info, self.data) or deflated(name, self.read(name), info.date_time)


def rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, part: str) -> str:
    """`part` relative to `source`'s folder, as `posixpath.relpath` gives it. Part names are
    relative to the package: both are placed under `/` instead of the working folder, which
    relpath would ask the system for (a getcwd per relationship added). A name climbing out of
    the package (`..`), whose answer depends on the working folder, still goes to relpath."""
    start = posixpath.dirname(source) or "."
    if _climbs(start) or _climbs(part):
        return posixpath.relpath(part, start)
    return posixpath.relpath("/" + part, "/" + start)


def _climbs(name: str) -> bool:
    return name.startswith("/") or ".." in name.split("/")


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


def _m(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"
