"""Our comments: the comments part and the legacy VML drawing Excel needs to show them."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from toolkit.outputs.returns_marks import (
    AUTHOR,
    Cell,
    Mark,
    clean_text,
    comment_size,
)
from toolkit.outputs.returns_xml.parts import (
    _CELL_REF,
    CT_COMMENTS,
    CT_VML,
    MAIN,
    R_ID,
    T_COMMENTS,
    T_THREADED,
    T_VML,
    VML_NS,
    ContentTypes,
    Package,
    Rels,
    Unsupported,
    _col_number,
    _m,
    _ref,
    parse,
    resolve,
    serialize,
)
from toolkit.outputs.returns_xml.sheet import SheetXml

# --------------------------------------------------------------------------- comments

_IDMAP = re.compile(r"""<(?:[\w.-]+:)?idmap\b[^>]*?\bdata\s*=\s*["']([^"']*)""")
_SHAPE_ID = re.compile(r"_x0000_s(\d+)")
SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
             '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _shape(shape_id: int, cell: Cell, text: str) -> str:
    """A comment box as Excel's legacy VML describes it (hidden until the mouse is over the cell)."""
    width, height = comment_size(text)
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
        raise Unsupported("标记的工作表中有新式批注（会话批注）")
    legacy = sheet.child("legacyDrawing")
    vml_part = None
    if legacy is not None:
        found = rels.target(legacy.get(R_ID))
        if found is None or found[0] != T_VML or not pkg.has(found[1]):
            raise Unsupported("工作表的批注框缺少其内容")
        vml_part = found[1]
    existing = [el for el in rels.of_type(T_COMMENTS) if el.get("TargetMode") != "External"]
    if len(existing) > 1 or (existing and vml_part is None):
        raise Unsupported("工作表的批注没有批注框")
    if existing:
        comments_part = resolve(sheet_part, existing[0].get("Target", ""))
        root = parse(pkg.read(comments_part))
        if root.tag != _m("comments"):
            raise Unsupported("工作表的批注部分无法识别")
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
        text = clean_text(mark.text)
        before = old.get(ref)
        if before is not None:
            author = names[int(before.get("authorId", "0"))] if before.get("authorId", "0").isdigit() \
                and int(before.get("authorId", "0")) < len(names) else ""
            was = _comment_text(before)
            if author != AUTHOR and was:
                text = clean_text(f"{text}\n\n（原批注）{was}")
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
