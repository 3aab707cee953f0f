"""A worksheet part: its cells patched as text, the rest as a small tree."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from toolkit.outputs.returns_marks import (
    Cell,
    Merged,
)
from toolkit.outputs.returns_xml.parts import (
    _ATTRS,
    _CELL_REF,
    DECLARATION,
    R_ID,
    Unsupported,
    _attr,
    _col_number,
    _m,
    _ref,
    _set_attr,
    _text,
    parse,
    well_formed,
)

# --------------------------------------------------------------------------- a sheet's cells

StyleOf = Callable[[int], int]  # the cell's current xf -> the xf it gets
# Markup a sheet's text is refused with (in the text before `<sheetData>` or in its rows), each `<!…`.
_REFUSED_MARKUP = ("<!--", "<![CDATA[", "<!DOCTYPE", "<!ENTITY")


@functools.lru_cache(maxsize=16)
def _tags(p: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The start tags of `<sheetData>`, `<row>` and `<c>` with the sheet's prefix `p` (compiled
    once per prefix, not at every sheet, row and cell patched)."""
    return (re.compile(rf"<{p}sheetData({_ATTRS})(/?)>"), re.compile(rf"<{p}row({_ATTRS})(/?)>"),
            re.compile(rf"<{p}c({_ATTRS})(/?)>"))


class SheetXml:
    """A worksheet part split in three: the text before `<sheetData>`, its rows (patched as text),
    and the rest. The head and the tail, small, are parsed together as a tree (`root`) with an
    empty placeholder for the rows."""

    def __init__(self, data: bytes) -> None:
        text = _text(data)
        m = re.search(r"<(?:([A-Za-z_][\w.\-]*):)?worksheet[\s/>]", text)
        if m is None:
            raise Unsupported("工作表内容不完整")
        self.p = f"{m.group(1)}:" if m.group(1) else ""
        open_tag = _tags(self.p)[0].search(text)
        if open_tag is None:
            raise Unsupported("工作表没有单元格数据部分")
        head = text[:open_tag.start()]
        if open_tag.group(2):
            self.rows, end = "", open_tag.end()
        else:
            close = text.find(f"</{self.p}sheetData>", open_tag.end())
            if close < 0:
                raise Unsupported("工作表的单元格数据不完整")
            self.rows, end = text[open_tag.end():close], close + len(f"</{self.p}sheetData>")
        # Each begins `<!`, looked for once in the whole part's bytes (ASCII markup: a fraction
        # of the cost of searching the decoded text four times); only a part that has it is
        # searched where it matters.
        if b"<!" in data and any(s in head or s in self.rows for s in _REFUSED_MARKUP):
            raise Unsupported("工作表内部含有注释或 CDATA 段")
        self.data_attrs = open_tag.group(1)
        self.marker = "shenbao-rows-here"
        small = f'{head}<{self.p}sheetData {self.marker}="1"/>{text[end:]}'
        self.root = parse(small.encode("utf-8"))
        if self.root.tag != _m("worksheet"):
            raise Unsupported("工作表是 Strict Open XML 等少见格式")

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
        row_re = _tags(p)[1]
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
                        raise Unsupported("工作表有一行数据不完整")
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
        _, row_re, cell_re = _tags(p)
        m = row_re.match(row)
        assert m is not None
        attrs, closed = m.group(1), bool(m.group(2))
        row_style = None
        if _attr(attrs, "customFormat") in ("1", "true"):
            row_style = int(_attr(attrs, "s") or 0)
        body = "" if closed else row[m.end(): len(row) - len(f"</{p}row>")]
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
            raise Unsupported("工作表修补后内容对不上")
        rows = f"<{self.p}sheetData{self.data_attrs}>{self.rows}</{self.p}sheetData>"
        data = DECLARATION + (text[:m.start()] + rows + text[m.end():]).encode("utf-8")
        well_formed(data)
        return data


_TAB_SELECTED = re.compile(rb"""\stabSelected\s*=\s*(?:"[^"]*"|'[^']*')""")


def _unselect(data: bytes) -> bytes | None:
    """A sheet part with its tab no longer selected (None when it was not): only the text before
    the cells is searched."""
    end = data.find(b"sheetData")
    head = data if end < 0 else data[:end]
    if b"tabSelected" not in head:
        return None
    return _TAB_SELECTED.sub(b"", head) + (b"" if end < 0 else data[end:])
