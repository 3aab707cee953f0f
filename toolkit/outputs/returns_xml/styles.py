"""xl/styles.xml: our fills, fonts and cell formats, appended."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from toolkit.outputs.returns_xml.parts import (
    Package,
    Unsupported,
    _m,
    parse,
    serialize,
)


class Styles:
    """xl/styles.xml: new fills, fonts and cell formats appended, never changed in place."""

    def __init__(self, pkg: Package, part: str) -> None:
        self.part = part
        self.root = parse(pkg.read(part))
        if self.root.tag != _m("styleSheet"):
            raise Unsupported("文件的样式表缺失或不止一份")
        self.fonts, self.fills, self.xfs = (self._section(t) for t in ("fonts", "fills", "cellXfs"))
        if len(self.xfs) == 0:
            raise Unsupported("文件的样式表中没有单元格格式")
        self.fill_ids: dict[str, int] = {}
        self.marked_xfs: dict[tuple[int, str], int] = {}
        # Each section's children of its own tag (`<xf>` of cellXfs …), counted once and kept up
        # to date by `_append`, the only way anything is added: counting them again at every
        # append made a county's style sheet of thousands of formats cost per format we add.
        self._children: dict[str, list[Any]] = {}  # by the section's tag

    def _section(self, tag: str) -> Any:
        el = self.root.find(_m(tag))
        if el is None:
            raise Unsupported(f"文件的样式表中缺少 {tag}")
        return el

    def _of(self, section: Any, tag: str) -> list[Any]:
        """The `tag` children of `section`, in order (listed once, then kept by `_append`)."""
        found = self._children.get(section.tag)
        if found is None:
            found = self._children[section.tag] = section.findall(tag)
        return found

    def _append(self, section: Any, el: Any) -> int:
        children = self._of(section, el.tag)
        section.append(el)
        children.append(el)
        n = len(children)
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
            xfs = self._of(self.xfs, _m("xf"))
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
