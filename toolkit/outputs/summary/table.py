"""The 汇总表 sheet: the table a unit stamps and sends up.

Rows (0-based): 0 the title, 1 the 填报单位（盖章）/填报日期/单位 line, then one or two header
rows (the template's own header writer), then the groups: each a heading `一、省工信厅（5个）`
(nested `（一）人工智能（3个）`), its projects with running 序号, and a `小计（…）` row; then the
`合计` row and the footer. Subtotals and the total are SUM formulas with the Decimal-exact sums
cached as their values, so a viewer that never recalculates still shows the right figures.

Every row that is not a project is one the next level's ingest sets aside: headings are one
merged cell matching `HEADING_RE`, 小计/合计 start with a `TOTAL_RE` word, the footer matches
`FOOTER_RE` (toolkit/ingest/layout.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit.findings import column_letter
from toolkit.ingest.records import Record
from toolkit.outputs.summary.cells import (
    SEQ_WIDTH,
    Column,
    DataRows,
    chinese_number,
    column_values,
    summary_columns,
)
from toolkit.outputs.summary.view import View
from toolkit.template.styles import LABEL_FILL, NUMBER, Styles, print_setup, put
from toolkit.template.table import write_headers
from toolkit.xlsx.fastsheet import add_sheet

SHEET = "汇总表"
TITLE_ROW, LINE_ROW, HEADER_ROW = 0, 1, 2
GAP = " " * 12
COUNT_FORMAT = '"共"0"个"'
# GB/T 9704 8 (gongwen.ANNEX_LABEL_FONT, not imported: that module loads python-docx, which the
# workers writing summaries never need).
ANNEX_LABEL_FONT = "黑体"


def unit_line(view: View) -> str:
    label = view.pack.summary.stamp_label if view.pack.summary else "填报单位（盖章）"
    date = view.date or "    年  月  日"
    return f"{label}：{view.unit_name}{GAP}填报日期：{date}{GAP}单位：{view.pack.unit}"


def annex_label(view: View) -> str | None:
    """`附件4-5`: the number of the notice's annex this 汇总表 is, when the pack declares its
    summary's annex as the one sent up (role summary); None otherwise (no label, no row)."""
    declared = view.pack.summary_annex
    if declared is None or declared.id != view.annex.id or not declared.number.strip():
        return None
    return declared.number.strip()


def write_title_block(ws: Worksheet, styles: Styles, title: str, line: str, columns: Sequence[Column],
                      label: str | None = None) -> int:
    """Title, unit line and headers (序号 + columns); returns the 0-based first data row. With a
    `label` (附件4-5), it stands alone on the first row, 黑体 flush left as GB/T 9704 places an
    annex's number, and everything else moves down one row."""
    last = len(columns)
    ws.set_column(0, 0, SEQ_WIDTH)
    for col, column in enumerate(columns, start=1):
        ws.set_column(col, col, column.width)
    shift = 0
    if label:
        fmt = styles.make(font_name=ANNEX_LABEL_FONT, font_size=16, align="left", valign="vcenter")
        put(ws, TITLE_ROW, 0, TITLE_ROW, min(2, last), label, fmt)
        ws.set_row(TITLE_ROW, 24)
        shift = 1
    put(ws, TITLE_ROW + shift, 0, TITLE_ROW + shift, last, title, styles.title)
    ws.set_row(TITLE_ROW + shift, 40)
    put(ws, LINE_ROW + shift, 0, LINE_ROW + shift, last, line, styles.line)
    ws.set_row(LINE_ROW + shift, 24)
    depth = 2 if any(c.field.group for c in columns) else 1
    write_headers(ws, styles, [c.field for c in columns], depth, HEADER_ROW + shift)
    return HEADER_ROW + shift + depth


class _Table:
    def __init__(self, ws: Worksheet, styles: Styles, view: View, columns: list[Column], first: int) -> None:
        self.ws, self.styles, self.view, self.columns = ws, styles, view, columns
        self.row = first
        self.seq = 0
        self.last = len(columns)
        keys = [c.key for c in columns]
        name_key = view.annex.role_key("project_name")
        self.name_col = keys.index(name_key) + 1 if name_key in keys else None
        sums = view.pack.summary.sum_fields if view.pack.summary else ()
        self.sum_cols = [(i + 1, c.key) for i, c in enumerate(columns) if c.key in sums and c.field.is_numeric]
        self.label_last = self.name_col - 1 if self.name_col and self.name_col > 1 else 0
        self.cells = DataRows(ws, styles, columns, view.memo)

    def data(self, records: Sequence[Record]) -> None:
        """Projects' rows, numbered on from the last."""
        values = column_values(self.view.pack, self.columns, records, self.view.memo)
        self.row = self.cells.write_block(self.row, self.seq + 1, values)
        self.seq += len(records)

    def heading(self, level: int, n: int, value: str, count: int) -> None:
        number = [f"{chinese_number(n)}、", f"（{chinese_number(n)}）"][level] if level < 2 else f"{n}．"
        fmt = self.styles.section() if level == 0 else self.styles.make(
            bold=True, border=1, align="left", valign="vcenter", text_wrap=True)
        put(self.ws, self.row, 0, self.row, self.last, f"{number}{value}（{count}个）", fmt)
        self.ws.set_row(self.row, 22)
        self.row += 1

    def totals(self, label: str, records: Sequence[Record], *, span: tuple[int, int] | None = None,
               refs: Sequence[int] = (), grand: bool = False) -> int:
        """A 小计 or 合计 row: formulas over the rows `span` (first, last) or over the subtotal rows
        `refs`, each with its exact value cached. Returns the row written."""
        extra = {"bg_color": LABEL_FILL} if grand else {}
        label_fmt = self.styles.make(bold=True, border=1, align="center", valign="vcenter", **extra)
        number_fmt = self.styles.make(bold=True, border=1, num_format=NUMBER, valign="vcenter", **extra)
        count_fmt = self.styles.make(bold=True, border=1, num_format=COUNT_FORMAT, align="center",
                                     valign="vcenter", **extra)
        blank_fmt = self.styles.make(border=1, **extra)
        r = self.row
        text = label if self.label_last else label[:2]  # a one-column label has no room for the name
        put(self.ws, r, 0, r, self.label_last, text, label_fmt)
        for col in range(self.label_last + 1, self.last + 1):
            self.ws.write_blank(r, col, None, blank_fmt)

        def formula(col: int, counting: bool) -> str:
            letter = column_letter(col + 1)
            if refs:
                return f"=SUM({','.join(f'{letter}{x + 1}' for x in refs)})"
            if span is None or span[1] < span[0]:
                return "=0"
            return f"={'COUNTA' if counting else 'SUM'}({letter}{span[0] + 1}:{letter}{span[1] + 1})"

        if self.name_col is not None:
            self.ws.write_formula(r, self.name_col, formula(self.name_col, True), count_fmt, len(records))
        for col, key in self.sum_cols:
            total: Decimal = self.view.amounts.total(records, key)
            self.ws.write_formula(r, col, formula(col, False), number_fmt, float(total))
        self.ws.set_row(r, 22)
        self.row += 1
        return r

    def groups(self, records: Sequence[Record], keys: Sequence[str], level: int = 0) -> list[int]:
        """Write the groups of `records` by keys[level:]; returns their subtotal rows."""
        key = keys[level]
        runs: dict[str, list[Record]] = {}
        # Records arrive ordered by group, so runs keep that order.
        for record, value in zip(records, self.view.memo.dimension(self.view.pack, records, key), strict=True):
            runs.setdefault(value, []).append(record)
        subtotals = []
        for n, (value, members) in enumerate(runs.items(), start=1):
            self.heading(level, n, value, len(members))
            if level + 1 < len(keys):
                inner = self.groups(members, keys, level + 1)
                subtotals.append(self.totals(f"小计（{value}）", members, refs=inner))
            else:
                start = self.row
                self.data(members)
                subtotals.append(self.totals(f"小计（{value}）", members, span=(start, self.row - 1)))
        return subtotals

    def footer(self, lines: Sequence[str]) -> None:
        if not lines:
            return
        text = ("　" * 8).join(lines)
        put(self.ws, self.row + 1, 0, self.row + 1, self.last, text, self.styles.line)
        self.ws.set_row(self.row + 1, 24)
        self.row += 2


def figure_width(amount: Decimal) -> float:
    """The column width a figure needs in NUMBER's format, in bold (a total): a narrower column
    shows ### in Excel, WPS and LibreOffice instead of the figure."""
    return len(f"{amount:,.2f}") * BOLD_DIGIT + 2


BOLD_DIGIT = 1.2  # a bold digit of the house font, in widths of a plain '0'


def fitted_columns(view: View, columns: Sequence[Column], *, totals: bool = True) -> list[Column]:
    """The columns, each amount column at least as wide as its widest figure: the largest or most
    negative project, and with `totals` the 合计 of a summed column."""
    sums = set(view.pack.summary.sum_fields if view.pack.summary and totals else ())
    out = []
    for column in columns:
        if column.field.type == "number" and column.key in view.annex.field_keys:
            each = [a for a in view.amounts.each(view.records, column.key) if a is not None]
            extremes = [*((min(each), max(each)) if each else ()),
                        *([view.amounts.total(view.records, column.key)] if column.key in sums else [])]
            needed = max((figure_width(a) for a in extremes), default=0)
            if needed > column.width:
                column = replace(column, field=replace(column.field, width=round(needed, 1)))
        out.append(column)
    return out


def write_summary_sheet(wb: Workbook, styles: Styles, view: View) -> None:
    ws = add_sheet(wb, SHEET)
    columns = fitted_columns(view, summary_columns(view.pack, view.annex, view.unit_label))
    label = annex_label(view)
    first = write_title_block(ws, styles, view.title, unit_line(view), columns, label)
    table = _Table(ws, styles, view, columns, first)
    keys = view.group_keys
    if keys and view.records:
        top = table.groups(view.records, keys)
        table.totals("合计", view.records, refs=top, grand=True)
    else:
        table.data(view.records)
        table.totals("合计", view.records, span=(first, table.row - 1), grand=True)
    table.footer(view.pack.summary.footer if view.pack.summary else ())
    ws.freeze_panes(first, 0)
    paper = view.pack.summary.paper if view.pack.summary else view.annex.paper
    print_setup(ws, paper, landscape=True, repeat=(HEADER_ROW + (1 if label else 0), first - 1))
    ws.activate()
