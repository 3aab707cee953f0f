"""A form annex: one project per workbook, laid out like the paper form (label | value cells).

Sections come in the pack's order: `pairs` (label/value, two short fields to a row, long texts
across the full width), `grid` (row labels × column headers, e.g. 总资产 for 2017/2018/2019),
`list` (a numbered table of a list field's items) and `text` (a large box under its label).

Every value cell carries a workbook defined name, `sb_<field key>`, and every cell of a list
`sb_<key>_<n>_<item key>` (with `sb_<key>` naming the whole list block): a reader finds values
by name even after a county has inserted rows or moved blocks around, which Excel and
LibreOffice keep track of in the names.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from toolkit.findings import column_letter
from toolkit.packs.model import Annex, Field, Pack, Section
from toolkit.template.lists import ListSheet, apply_validation, field_validation
from toolkit.template.styles import (
    LABEL_FILL,
    POINTS_PER_LINE,
    Styles,
    fitted_height,
    print_setup,
    put,
    sheet_title,
)

NAME_PREFIX = "sb_"
FORM_WIDTH = 96  # character units across; about one A4 portrait page at 100 %
LABEL_WIDTH = 18
MIN_COLUMNS = 4  # label | value | label | value
DEFAULT_LIST_ROWS = 5
LONG_TEXT_WIDTH = 30  # a text field declared this wide takes a full row
LONG_TEXT_LENGTH = 60  # ... as does one allowed more characters than this
OTHER_SECTION = "其他信息"


def value_name(key: str) -> str:
    return f"{NAME_PREFIX}{key}"


def list_cell_name(key: str, n: int, item: str) -> str:
    return f"{NAME_PREFIX}{key}_{n}_{item}"


def form_columns(annex: Annex) -> int:
    """Physical columns: enough for the widest grid or list, at least label|value|label|value."""
    width = MIN_COLUMNS
    for section in annex.sections:
        if section.kind == "grid":
            width = max(width, 1 + len(section.columns))
    for f in annex.fields:
        if f.type == "list":
            width = max(width, 1 + len(f.items))
    return width


def spans(count: int, first: int, last: int) -> list[tuple[int, int]]:
    """Share the columns first..last among `count` cells; the later cells take any remainder."""
    base, extra = divmod(last - first + 1, count)
    out: list[tuple[int, int]] = []
    col = first
    for i in range(count):
        size = base + (1 if i >= count - extra else 0)
        out.append((col, col + size - 1))
        col += size
    return out


def is_long(f: Field) -> bool:
    if f.type == "multichoice":
        return True
    if f.type != "text" or f.format:
        return False
    return (f.width or 0) >= LONG_TEXT_WIDTH or (f.max_length or 0) > LONG_TEXT_LENGTH


def layout_sections(annex: Annex) -> list[Section]:
    """The pack's sections, plus one for fields no section places (a form must show every
    field), or a single pairs section when the pack declares no layout at all."""
    sections = list(annex.sections)
    placed = {k for s in sections for k in s.fields} | {k for s in sections for r in s.rows for k in r.fields}
    rest = tuple(f.key for f in annex.fields if f.key not in placed)
    if rest:
        sections.append(Section(title=OTHER_SECTION if sections else "", kind="pairs", fields=rest))
    return sections


def write_form(wb: Workbook, styles: Styles, lists: ListSheet, pack: Pack, annex: Annex) -> None:
    FormWriter(wb, styles, lists, pack, annex).write()


class FormWriter:
    def __init__(self, wb: Workbook, styles: Styles, lists: ListSheet, pack: Pack, annex: Annex) -> None:
        self.wb, self.styles, self.lists, self.pack, self.annex = wb, styles, lists, pack, annex
        self.ws = wb.add_worksheet(sheet_title(annex))
        self.columns = form_columns(annex)
        self.last = self.columns - 1
        value_width = max((FORM_WIDTH - LABEL_WIDTH) / (self.columns - 1), 8)
        self.widths = [float(LABEL_WIDTH)] + [value_width] * (self.columns - 1)
        self.row = 0
        self.fields = {f.key: f for f in annex.fields}
        self.placed: set[str] = set()
        self.sheet_ref = "'" + sheet_title(annex).replace("'", "''") + "'"

    # -- the whole form -------------------------------------------------------------------
    def write(self) -> None:
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width)
        self.full_row(self.annex.title, self.styles.title, height=44)
        # The 申报单位（盖章）/填报日期 line sits between the title and the form, as on paper;
        # without one, a blank line.
        if self.annex.signature_line:
            self.full_row(self.annex.signature_line, self.styles.line, 24)
        else:
            self.row += 1
        for section in layout_sections(self.annex):
            self.section(section)
        self.ws.hide_gridlines(2)
        self.ws.print_area(0, 0, max(self.row - 1, 0), self.last)
        print_setup(self.ws, self.annex.paper, landscape=False)

    def section(self, section: Section) -> None:
        if section.title:
            self.full_row(section.title, self.styles.section(), 24)
        if section.kind == "grid":
            self.grid(section)
        elif section.kind == "text":
            for f in self.take(section.fields):
                self.text_field(f)
        else:  # pairs and list: list fields become numbered tables, the rest label/value rows
            pending: list[Field] = []
            for f in self.take(section.fields):
                if f.type == "list":
                    self.pairs(pending)
                    pending = []
                    caption = f.title != section.title or len(section.fields) > 1
                    self.list_field(f, caption)
                else:
                    pending.append(f)
            self.pairs(pending)
        if section.note:
            self.full_row(section.note, self.styles.note)

    def take(self, keys: Iterable[str]) -> list[Field]:
        """The section's fields not yet drawn: a field placed twice gets one cell and one name."""
        out = []
        for key in keys:
            if key in self.fields and key not in self.placed:
                self.placed.add(key)
                out.append(self.fields[key])
        return out

    # -- building blocks ------------------------------------------------------------------
    def width_of(self, c0: int, c1: int) -> float:
        return sum(self.widths[c0:c1 + 1])

    def full_row(self, text: str, fmt: Format, height: float | None = None) -> None:
        put(self.ws, self.row, 0, self.row, self.last, text, fmt)
        self.ws.set_row(self.row, height or fitted_height([(text, self.width_of(0, self.last))]))
        self.row += 1

    def name(self, name: str, r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> None:
        ref = f"={self.sheet_ref}!${column_letter(c0 + 1)}${r0 + 1}"
        if r1 is not None and c1 is not None and (r1, c1) != (r0, c0):
            ref += f":${column_letter(c1 + 1)}${r1 + 1}"
        if self.wb.define_name(name, ref) != 0:
            raise ValueError(f"invalid defined name {name}")

    def value(self, f: Field, r: int, c0: int, c1: int, *, tall: bool = False,
              list_key: str | None = None) -> None:
        put(self.ws, r, c0, r, c1, "", self.styles.value(f, tall=tall))
        options = field_validation(f, self.pack.year, self.lists, list_key)
        apply_validation(self.ws, r, c0, r, c0, options)

    def blank(self, r: int, c0: int, c1: int) -> None:
        put(self.ws, r, c0, r, c1, "", self.styles.make(border=1, bg_color=LABEL_FILL))

    def label(self, text: str, r: int, c0: int, c1: int, required: bool = False) -> None:
        put(self.ws, r, c0, r, c1, text, self.styles.label(required))

    # -- section kinds --------------------------------------------------------------------
    def pairs(self, fields: Sequence[Field]) -> None:
        half = self.columns // 2
        left = (0, 1, half - 1)
        right = (half, half + 1, self.last)
        waiting: Field | None = None
        for f in fields:
            if is_long(f):
                if waiting is not None:
                    self.pair_row([(waiting, left)], blank=right)
                    waiting = None
                self.pair_row([(f, (0, 1, self.last))])
            elif waiting is None:
                waiting = f
            else:
                self.pair_row([(waiting, left), (f, right)])
                waiting = None
        if waiting is not None:
            self.pair_row([(waiting, left)], blank=right)

    def pair_row(self, cells: list[tuple[Field, tuple[int, int, int]]],
                 blank: tuple[int, int, int] | None = None) -> None:
        r = self.row
        texts: list[tuple[str, float]] = []
        height = 0.0
        for f, (lc, v0, v1) in cells:
            self.label(f.header, r, lc, lc, f.required)
            texts.append((f.header, self.widths[lc]))
            tall = f.type in ("text", "multichoice") and (f.max_length or 0) > 2 * LONG_TEXT_LENGTH
            self.value(f, r, v0, v1, tall=tall)
            self.name(value_name(f.key), r, v0)
            if tall:
                height = max(height, self.text_height(f, self.width_of(v0, v1), cap=8))
        if blank is not None:
            lc, _, v1 = blank
            self.blank(r, lc, v1)
        self.ws.set_row(r, max(fitted_height(texts, minimum=24), height))
        self.row += 1

    def grid(self, section: Section) -> None:
        keys = [k for row in section.rows for k in row.fields]
        if not section.columns:  # nothing to head the columns: plain label/value rows
            self.pairs(self.take(keys))
            return
        slots = spans(len(section.columns), 1, self.last)
        r = self.row
        self.blank(r, 0, 0)
        for (c0, c1), title in zip(slots, section.columns, strict=True):
            self.label(title, r, c0, c1)
        self.ws.set_row(r, fitted_height([(t, self.width_of(*s)) for t, s in zip(section.columns, slots, strict=True)], 22))
        self.row += 1
        overflow: list[str] = []
        for grid_row in section.rows:
            # A field keeps its column (its position in the row): one already drawn elsewhere
            # leaves a blank cell rather than shifting the rest under the wrong year.
            cells = [self.take([k]) for k in grid_row.fields[:len(slots)]]
            overflow.extend(grid_row.fields[len(slots):])
            r = self.row
            self.label(grid_row.label, r, 0, 0, any(f.required for c in cells for f in c))
            for i, (c0, c1) in enumerate(slots):
                if i < len(cells) and cells[i]:
                    self.value(cells[i][0], r, c0, c1)
                    self.name(value_name(cells[i][0].key), r, c0)
                else:
                    self.blank(r, c0, c1)
            self.ws.set_row(r, fitted_height([(grid_row.label, self.widths[0])], minimum=22))
            self.row += 1
        # More fields than columns (a pack error pack-check does not catch): still give each a cell.
        self.pairs(self.take(overflow))

    def list_field(self, f: Field, caption: bool) -> None:
        if caption:
            fmt = self.styles.make(bold=True, border=1, align="left", valign="vcenter",
                                   bg_color=LABEL_FILL, font_color="#C00000" if f.required else "#000000")
            self.full_row(f.header, fmt, 22)
        items = f.items or (Field(key="value", title=f.title, type="text"),)
        slots = spans(len(items), 1, self.last)
        r = self.row
        self.label("序号", r, 0, 0)
        for (c0, c1), item in zip(slots, items, strict=True):
            self.label(item.header, r, c0, c1, item.required)
        self.ws.set_row(r, fitted_height([(i.header, self.width_of(*s)) for i, s in zip(items, slots, strict=True)], 22))
        self.row += 1
        count = f.rows or DEFAULT_LIST_ROWS
        first = self.row
        center = self.styles.make(border=1, align="center", valign="vcenter")
        for n in range(1, count + 1):
            r = self.row
            self.ws.write_number(r, 0, n, center)
            for (c0, c1), item in zip(slots, items, strict=True):
                self.value(item, r, c0, c1, list_key=f"{f.key}_{item.key}")
                self.name(list_cell_name(f.key, n, item.key), r, c0)
            self.ws.set_row(r, 22)
            self.row += 1
        self.name(value_name(f.key), first, slots[0][0], self.row - 1, slots[-1][1])

    def text_field(self, f: Field) -> None:
        fmt = self.styles.make(bold=f.required, border=1, align="left", valign="vcenter", text_wrap=True,
                               bg_color=LABEL_FILL, font_color="#C00000" if f.required else "#000000")
        self.full_row(f.header, fmt, 24)
        r = self.row
        self.value(f, r, 0, self.last, tall=True)
        self.name(value_name(f.key), r, 0)
        self.ws.set_row(r, self.text_height(f, self.width_of(0, self.last), cap=24))
        self.row += 1

    def text_height(self, f: Field, width: float, cap: int) -> float:
        """Room for the allowed text: max_length characters (two columns each) plus a line."""
        if f.max_length:
            lines = math.ceil(f.max_length * 2 / max(width - 1, 1)) + 1
        else:
            lines = 8
        lines = min(max(lines, 3), cap)
        return lines * POINTS_PER_LINE + 4
