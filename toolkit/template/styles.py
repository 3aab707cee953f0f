"""The look shared by every template workbook: fonts, cell formats, print setup, properties.

Kept in one place so a table, a form and their 填表说明 sheet print alike, and so every workbook
gets the same fixed document properties (regenerating a template gives the same file).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit import __version__
from toolkit.packs.model import Annex, Field, Pack
from toolkit.template.describe import latest_change_date

FONT = "宋体"
TITLE_FONT = "黑体"
BODY_SIZE = 11
TITLE_SIZE = 18
PAPER_SIZES = {"A4": 9, "A3": 8}  # Excel's paper codes
TEXT = "@"
NUMBER = "#,##0.00"
INTEGER = "0"
HEADER_FILL = "#D9E1F2"
REQUIRED_FILL = "#FCE4D6"
REQUIRED_FONT = "#C00000"
LABEL_FILL = "#F2F2F2"
# A row of wrapped 11-pt text needs about this many points per line.
POINTS_PER_LINE = 14.5
AUTHOR = "shenbao"
REQUIRED_NOTE = "表头（栏目名）为红字、浅橙色底的是必填项。"


# Characters Excel forbids in sheet names, replaced by their full-width forms.
_SHEET_NAME_TABLE = str.maketrans("[]:*?/\\", "［］：＊？／＼")


def sheet_title(annex: Annex) -> str:
    """The data sheet's name: `annex.sheet_name` made legal for Excel (which refuses
    `[]:*?/\\` and more than 31 characters) so a pack title like `2020/2021` cannot break it."""
    name = annex.sheet_name.translate(_SHEET_NAME_TABLE).strip("'")[:31]
    return name or "Sheet1"


def num_format(f: Field) -> str:
    """Numbers get thousands separators; everything else is text so Excel keeps digits as typed
    (a 统一社会信用代码 or phone number never becomes 9.1E+17, `2020.07` never becomes a number)."""
    if f.type == "number":
        return NUMBER
    if f.type == "integer":
        return INTEGER
    return TEXT


def template_datetime(pack: Pack) -> datetime:
    return datetime.fromisoformat(latest_change_date(pack))


def new_workbook(path: Path, pack: Pack, annex: Annex, workbook_class: type[Workbook] = Workbook) -> Workbook:
    """A workbook with fixed properties: the same pack version always gives the same file."""
    wb = workbook_class(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                    "strings_to_urls": False})
    wb.set_properties({
        "title": f"{annex.file_stem}".strip(),
        "subject": pack.title,
        "author": AUTHOR,
        "manager": pack.notice.issuer,
        "company": pack.notice.issuer,
        "category": pack.id,
        "keywords": f"{pack.id} {pack.version} {annex.id}",
        "comments": f"由 shenbao {__version__} 根据申报包 {pack.id} {pack.version} 生成",
        "created": template_datetime(pack),
    })
    return wb


class Styles:
    """The formats of one workbook (xlsxwriter formats belong to a workbook)."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}

    def make(self, **props: Any) -> Format:
        """A format with the house font, created once per distinct set of properties."""
        props = {"font_name": FONT, "font_size": BODY_SIZE, **props}
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._wb.add_format(props)
        return self._cache[key]

    @property
    def title(self) -> Format:
        return self.make(font_name=TITLE_FONT, font_size=TITLE_SIZE, bold=True,
                         align="center", valign="vcenter", text_wrap=True)

    @property
    def line(self) -> Format:
        return self.make(align="left", valign="vcenter")

    @property
    def note(self) -> Format:
        # No italics: Chinese type has none, and office suites fake it badly.
        return self.make(font_size=10, align="left", valign="top", text_wrap=True)

    def header(self, required: bool = False) -> Format:
        if required:
            return self.make(bold=True, border=1, align="center", valign="vcenter",
                             text_wrap=True, bg_color=REQUIRED_FILL, font_color=REQUIRED_FONT)
        return self.make(bold=True, border=1, align="center", valign="vcenter",
                         text_wrap=True, bg_color=HEADER_FILL)

    def label(self, required: bool = False) -> Format:
        if required:
            return self.make(bold=True, border=1, align="center", valign="vcenter",
                             text_wrap=True, bg_color=REQUIRED_FILL, font_color=REQUIRED_FONT)
        return self.make(border=1, align="center", valign="vcenter", text_wrap=True,
                         bg_color=LABEL_FILL)

    def section(self) -> Format:
        return self.make(bold=True, border=1, align="left", valign="vcenter",
                         bg_color=HEADER_FILL, text_wrap=True)

    def value(self, f: Field | None, *, tall: bool = False) -> Format:
        fmt = num_format(f) if f is not None else TEXT
        return self.make(border=1, num_format=fmt, text_wrap=True,
                         valign="top" if tall else "vcenter")

    def column(self, f: Field | None) -> Format:
        """The format of a whole table column: what Excel applies to a cell a clerk types into."""
        return self.make(num_format=num_format(f) if f is not None else "General",
                         valign="vcenter", text_wrap=f is not None and f.type == "text")

    @property
    def border(self) -> Format:
        # Conditional formats may only set border/fill/font, never the font name.
        key = (("conditional", "border"),)
        if key not in self._cache:
            self._cache[key] = self._wb.add_format({"border": 1})
        return self._cache[key]


class _WideTable(dict[int, int | None]):
    """`str.translate` table, filled as characters are met: a wide character (east Asian width W
    or F) maps to None and is dropped, any other to itself. Counting what a translation drops
    runs in C, where `unicodedata` per character costs a Python call each."""

    def __missing__(self, code: int) -> int | None:
        if len(self) >= _WIDE_LIMIT:  # a file of every code point must not grow it without end
            self.clear()
        value = None if unicodedata.east_asian_width(chr(code)) in "WF" else code
        self[code] = value
        return value


_WIDE_LIMIT = 1 << 16


_WIDE = _WideTable()


def display_width(text: str) -> int:
    """Columns of text width: a CJK or full-width character takes two."""
    if text.isascii():
        return len(text)
    return 2 * len(text) - len(text.translate(_WIDE))


def lines_needed(text: str, width: float) -> int:
    """How many wrapped lines `text` needs in a cell `width` characters wide."""
    usable = max(width - 1, 1)
    if "\n" not in text and 2 * len(text) <= usable:
        return 1  # fits even if every character is wide
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


def row_height(lines: int, minimum: float = 20) -> float:
    """The height of a row whose tallest cell wraps to `lines` lines."""
    return max(minimum, lines * POINTS_PER_LINE + 4)


def fitted_height(cells: Iterable[tuple[str, float]], minimum: float = 20,
                  measure: Callable[[str, float], int] = lines_needed) -> float:
    """A row height that shows every (text, width) cell without clipping: Excel does not
    grow rows of wrapped or merged cells on its own, so the template sets them. `measure`:
    `lines_needed`, or one that remembers what it measured."""
    lines = max((measure(t, w) for t, w in cells if t), default=1)
    return row_height(lines, minimum)


def print_setup(ws: Worksheet, paper: str, *, landscape: bool,
                repeat: tuple[int, int] | None = None) -> None:
    """Paper, orientation, one page wide, repeated headers and `第 1 页，共 3 页` page numbers."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(PAPER_SIZES.get(paper, PAPER_SIZES["A4"]))
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
    ws.center_horizontally()
    if repeat is not None:
        ws.repeat_rows(*repeat)
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})


def put(ws: Worksheet, r0: int, c0: int, r1: int, c1: int, text: str, fmt: Format) -> None:
    """Write one cell, merged when it spans more than one cell (xlsxwriter refuses a
    one-cell merge)."""
    if (r0, c0) == (r1, c1):
        ws.write_string(r0, c0, text, fmt)
    else:
        ws.merge_range(r0, c0, r1, c1, text, fmt)
