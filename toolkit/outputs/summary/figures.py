"""The 统计 sheet (projects and amounts by reporting unit × category, a chart, the units that have
not reported) and the hidden `_shenbao_summary` sheet the cover letter reads its figures from.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit.findings import column_letter
from toolkit.merge.stats import STATS_SHEET, dimensions, exact_total, stats_rows
from toolkit.outputs.summary.view import View
from toolkit.packs.model import Pack
from toolkit.template.styles import INTEGER, LABEL_FILL, NUMBER, Styles, print_setup, put
from toolkit.xlsx.fastsheet import Sheet, add_sheet

SHEET = "统计"


def category_key(view: View) -> str | None:
    """The column dimension: the first grouping field (category, sector), else the first choice
    dimension of the figures."""
    for key in view.group_keys:
        if key != "route":
            return key
    return next((k for k in dimensions(view.pack, view.annex) if k not in ("route", "reporting_unit")), None)


def _title(pack: Pack, view: View, key: str | None) -> str:
    if key is None:
        return "类别"
    return view.annex.field(key).title if key in view.annex.field_keys else key


class _Matrix:
    """Rows: reporting units; columns: categories, then 合计; last row 合计. Totals are formulas."""

    def __init__(self, ws: Sheet, styles: Styles, units: Sequence[str], cats: Sequence[str]) -> None:
        self.ws, self.styles, self.units, self.cats = ws, styles, units, cats

    def write(self, top: int, caption: str, cells: dict[tuple[str, str], Decimal], fmt: str) -> int:
        """Writes the block starting at row `top`; returns the row after it."""
        ws, styles = self.ws, self.styles
        head = styles.header()
        last_col = len(self.cats) + 1
        put(ws, top, 0, top, last_col, caption, styles.section())
        ws.write_string(top + 1, 0, "填报单位", head)
        for c, cat in enumerate(self.cats, start=1):
            ws.write_string(top + 1, c, cat, head)
        ws.write_string(top + 1, last_col, "合计", head)
        value_fmt = styles.make(border=1, num_format=fmt, valign="vcenter")
        total_fmt = styles.make(border=1, num_format=fmt, valign="vcenter", bold=True, bg_color=LABEL_FILL)
        first = top + 2
        row_formats = [styles.value(None), *(value_fmt for _ in self.cats)]
        # Each unit's figures (None where it has none: 0 on the sheet), and the sums of a row and
        # of a column with exact_total: a blank or a zero adds nothing.
        grid = [[cells.get((unit, cat)) for cat in self.cats] for unit in self.units]
        last_letter = column_letter(last_col)
        for r, (unit, figures) in enumerate(zip(self.units, grid, strict=True), start=first):
            ws.put_row(r, 0, [unit, *(0.0 if v is None else float(v) for v in figures)], row_formats)
            ws.write_formula(r, last_col, f"=SUM(B{r + 1}:{last_letter}{r + 1})", total_fmt, float(exact_total(figures)))
        end = first + len(self.units)
        ws.write_string(end, 0, "合计", styles.make(border=1, bold=True, align="center", bg_color=LABEL_FILL))
        by_category = list(zip(*grid, strict=True)) if grid else [() for _ in self.cats]
        for c in range(1, last_col + 1):
            letter = column_letter(c + 1)
            if c < last_col:
                total = exact_total(by_category[c - 1])
            else:
                total = sum(cells.values(), Decimal(0))
            formula = f"=SUM({letter}{first + 1}:{letter}{end})" if self.units else "=0"
            ws.write_formula(end, c, formula, total_fmt, float(total))
        return end + 2


def write_figures_sheet(wb: Workbook, styles: Styles, view: View) -> None:
    pack = view.pack
    ws = add_sheet(wb, SHEET)
    key = category_key(view)
    units = [b.value for b in view.stats.breakdowns.get("reporting_unit", [])]
    cats = [b.value for b in view.stats.breakdowns.get(key, [])] if key else ["项目"]
    cats = cats or ["项目"]
    ws.set_column(0, 0, 22)
    ws.set_column(1, len(cats) + 1, 14)
    put(ws, 0, 0, 0, len(cats) + 1, f"{view.title}（统计）", styles.title)
    ws.set_row(0, 40)
    records = view.records
    cells_of = zip(view.memo.dimension(pack, records, "reporting_unit"),
                   view.memo.dimension(pack, records, key) if key else ["项目"] * len(records), strict=True)
    by_cell: dict[tuple[str, str], list[int]] = {}  # (unit, category) -> the records' places
    for i, cell in enumerate(cells_of):
        by_cell.setdefault(cell, []).append(i)
    counts = {cell: Decimal(len(places)) for cell, places in by_cell.items()}
    matrix = _Matrix(ws, styles, units, cats)
    dim_title = _title(pack, view, key)
    row = matrix.write(2, f"项目数（个），按填报单位和{dim_title}", counts, INTEGER)
    count_block = (4, 4 + len(units) - 1)  # 0-based rows of the units in the count block
    sums = [k for k in (pack.summary.sum_fields if pack.summary else ()) if k in view.annex.field_keys]
    for field_key in sums:
        f = view.annex.field(field_key)
        each = view.amounts.each(records, field_key)
        amounts = {cell: exact_total(map(each.__getitem__, places))
                   for cell, places in by_cell.items()}
        row = matrix.write(row, f"{f.header}，按填报单位和{dim_title}", amounts, NUMBER)
    missing = view.stats.not_reported
    put(ws, row, 0, row, len(cats) + 1, f"未报送单位（{len(missing)}个）", styles.section())
    for i, unit in enumerate(missing, start=row + 1):
        ws.write_string(i, 0, unit, styles.value(None))
    if not missing:
        ws.write_string(row + 1, 0, "无", styles.value(None))
    if units:
        _chart(wb, ws, cats, count_block, f"项目数（按{dim_title}）", len(cats) + 3)
    print_setup(ws, "A4", landscape=True)


def _chart(wb: Workbook, ws: Worksheet, cats: Sequence[str], rows: tuple[int, int], title: str, at_col: int) -> None:
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    if chart is None:  # xlsxwriter returns None only for an unknown chart type
        return
    first, last = rows
    for c in range(1, len(cats) + 1):
        chart.add_series({
            "name": [SHEET, first - 1, c],
            "categories": [SHEET, first, 0, last, 0],
            "values": [SHEET, first, c, last, c],
        })
    chart.set_title({"name": title, "name_font": {"name": "宋体", "size": 12}})
    chart.set_legend({"position": "bottom", "font": {"name": "宋体"}})
    chart.set_x_axis({"num_font": {"name": "宋体"}})
    chart.set_y_axis({"num_format": "0", "major_gridlines": {"visible": True}})
    chart.set_size({"width": 720, "height": 360})
    ws.insert_chart(2, at_col, chart)


def write_stats_sheet(wb: Workbook, view: View) -> None:
    """The hidden figures the letter reads back with `toolkit.merge.stats.read_stats`."""
    ws = wb.add_worksheet(STATS_SHEET)
    for r, (key, value) in enumerate(stats_rows(view.stats)):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    ws.hide()
