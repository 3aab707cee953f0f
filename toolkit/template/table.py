"""A table annex: one row per project, one workbook per reporting unit.

Layout (1-based rows): 1 the title, 2 the 填报单位/填报日期/单位 line, then one or two header rows
(two when fields carry a `group`, e.g. 投资情况（万元） over 总投资 and 累计完成投资), then the
data rows. Column formats, dropdowns and tips cover DATA_ROWS rows, so a county never meets a
row where Excel suddenly eats the leading digits of a code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit.findings import column_letter
from toolkit.packs.model import Annex, Field, Pack
from toolkit.template.lists import ListSheet, apply_validation, field_validation
from toolkit.template.styles import (
    POINTS_PER_LINE,
    Styles,
    fitted_height,
    lines_needed,
    print_setup,
    put,
    sheet_title,
)

DATA_ROWS = 1000
SEQ_TITLE = "序号"
SEQ_WIDTH = 6
TITLE_ROW = 0
LINE_ROW = 1
HEADER_ROW = 2  # 0-based first header row
DEFAULT_WIDTHS = {"number": 12, "integer": 10, "date": 11, "bool": 8, "choice": 12,
                  "multichoice": 20, "text": 16, "list": 24}


def unit_line(pack: Pack, annex: Annex) -> str:
    """Row 2: where the unit stamps, the date, and the unit of every amount."""
    stamp = annex.signature_line or "填报单位（盖章）："
    return f"{stamp}            填报日期：    年  月  日            单位：{pack.unit}"


def column_width(f: Field) -> float:
    return f.width or DEFAULT_WIDTHS.get(f.type, 14)


@dataclass(frozen=True)
class GroupRun:
    """Consecutive fields under one parent header; `title` None for an ungrouped field."""

    title: str | None
    first: int  # 0-based column of the first field
    last: int


def group_runs(fields: Sequence[Field], first_col: int = 1) -> list[GroupRun]:
    runs: list[GroupRun] = []
    for i, f in enumerate(fields):
        col = first_col + i
        if f.group and runs and runs[-1].title == f.group and runs[-1].last == col - 1:
            runs[-1] = GroupRun(f.group, runs[-1].first, col)
        else:
            runs.append(GroupRun(f.group, col, col))
    return runs


def header_depth(annex: Annex) -> int:
    return 2 if any(f.group for f in annex.fields) else 1


def first_data_row(annex: Annex) -> int:
    """0-based row of the first data row."""
    return HEADER_ROW + header_depth(annex)


def write_table(wb: Workbook, styles: Styles, lists: ListSheet, pack: Pack, annex: Annex) -> None:
    ws = wb.add_worksheet(sheet_title(annex))
    fields = annex.fields
    last = len(fields)  # 0-based last column (column 0 is 序号)
    depth = header_depth(annex)
    first = first_data_row(annex)
    last_data = first + DATA_ROWS - 1

    ws.set_column(0, 0, SEQ_WIDTH, styles.column(None))
    for col, f in enumerate(fields, start=1):
        ws.set_column(col, col, column_width(f), styles.column(f))

    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, annex.title, styles.title)
    ws.set_row(TITLE_ROW, 40)
    ws.merge_range(LINE_ROW, 0, LINE_ROW, last, unit_line(pack, annex), styles.line)
    ws.set_row(LINE_ROW, 24)

    write_headers(ws, styles, fields, depth)

    for col, f in enumerate(fields, start=1):
        apply_validation(ws, first, col, last_data, col, field_validation(f, pack.year, lists))

    # Borders appear on a data row once something is typed into it, so the printout has a
    # ruled table of the rows actually filled and no pages of empty boxes.
    row1 = first + 1
    ws.conditional_format(first, 0, last_data, last, {
        "type": "formula",
        "criteria": f"=COUNTA($A{row1}:${column_letter(last + 1)}{row1})>0",
        "format": styles.border,
    })
    ws.freeze_panes(first, 0)
    print_setup(ws, annex.paper, landscape=True, repeat=(HEADER_ROW, first - 1))


def write_headers(ws: Worksheet, styles: Styles, fields: Sequence[Field], depth: int,
                  first: int = HEADER_ROW) -> None:
    top, bottom = first, first + depth - 1
    put(ws, top, 0, bottom, 0, SEQ_TITLE, styles.header())
    top_texts: list[tuple[str, float]] = []
    bottom_texts: list[tuple[str, float]] = []
    spanning: list[tuple[str, float]] = []
    for run in group_runs(fields):
        if run.title is not None and depth == 2:
            width = sum(column_width(fields[c - 1]) for c in range(run.first, run.last + 1))
            put(ws, top, run.first, top, run.last, run.title, styles.header())
            top_texts.append((run.title, width))
            for col in range(run.first, run.last + 1):
                f = fields[col - 1]
                ws.write_string(bottom, col, f.header, styles.header(f.required))
                bottom_texts.append((f.header, column_width(f)))
        else:
            f = fields[run.first - 1]
            put(ws, top, run.first, bottom, run.first, f.header, styles.header(f.required))
            spanning.append((f.header, column_width(f)))
    if depth == 1:
        ws.set_row(top, fitted_height(spanning, minimum=30))
        return
    top_height = fitted_height(top_texts, minimum=20)
    bottom_height = fitted_height(bottom_texts, minimum=20)
    # A header merged over both rows must fit in their sum.
    need = max((lines_needed(t, w) for t, w in spanning), default=1) * POINTS_PER_LINE + 4
    bottom_height = max(bottom_height, need - top_height)
    ws.set_row(top, top_height)
    ws.set_row(bottom, bottom_height)

