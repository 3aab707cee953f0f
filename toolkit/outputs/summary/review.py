"""The sheets behind the 汇总表: 明细 (every accepted project, every field, where it came from),
未通过 (rejected projects and why) and 疑似重复 (pairs for the clerk to answer 合并 or 保留).

明细 is also what the next level reads (the summary's stamp names it): a plain table with the
pack's headers and the provenance columns of toolkit/ingest/provenance.py, no group rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit.findings import Finding
from toolkit.ingest import provenance
from toolkit.ingest.records import Record
from toolkit.merge.decisions import ALLOWED, DECISION, PAIR_ID, PAIRS_SHEET
from toolkit.outputs.summary.cells import (
    CellKey,
    Column,
    DataRows,
    column_values,
    field_column,
    key_fields,
    record_value,
    text_column,
)
from toolkit.outputs.summary.table import HEADER_ROW, fitted_columns, unit_line, write_title_block
from toolkit.outputs.summary.view import View
from toolkit.packs.model import Field
from toolkit.template.styles import Styles, print_setup
from toolkit.xlsx.fastsheet import add_sheet

DETAIL_SHEET = "明细"
REJECTED_SHEET = "未通过"
REASONS = "不予入库原因"
CELLS = "问题单元格"
PROVENANCE = "provenance"  # the memo's keys of the provenance columns: (PROVENANCE, column)


def _provenance_columns(with_copies: bool = True) -> list[Column]:
    cols = [text_column(provenance.UNIT, provenance.UNIT, 12), text_column(provenance.FILE, provenance.FILE, 22),
            text_column(provenance.SHEET, provenance.SHEET, 12),
            Column(provenance.ROW, Field(key=provenance.ROW, title=provenance.ROW, type="integer", width=8)),
            text_column(provenance.EARLIER, provenance.EARLIER, 30)]
    if with_copies:
        cols.append(text_column(provenance.COPIES, provenance.COPIES, 30))
    return cols


def _finish(ws: Worksheet, first: int, last_row: int, last_col: int, paper: str) -> None:
    ws.freeze_panes(first, 0)
    if last_row >= first:
        ws.autofilter(first - 1, 0, last_row, last_col)
    print_setup(ws, paper, landscape=True, repeat=(HEADER_ROW, first - 1))


def write_detail_sheet(wb: Workbook, styles: Styles, view: View) -> None:
    fields = fitted_columns(view, [field_column(f) for f in view.annex.fields if f.type != "list"], totals=False)
    provenance_columns = _provenance_columns()
    columns = [*fields, *provenance_columns]
    ws = add_sheet(wb, DETAIL_SHEET)
    first = write_title_block(ws, styles, f"{view.title}（明细）", unit_line(view), columns)
    cells = DataRows(ws, styles, columns, view.memo)
    records = view.records

    def sources(keys: list[CellKey], new: list[Record]) -> list[list[Any]]:
        found = [provenance.provenance_values(r, view.copies_of(r)) for r in new]
        return [[s[key[1]] or None for s in found] for key in keys]

    values = [*column_values(view.pack, fields, records, view.memo),
              *view.memo.columns([(PROVENANCE, c.key) for c in provenance_columns], records, sources)]
    row = cells.write_block(first, 1, values)
    _finish(ws, first, row - 1, len(columns), view.annex.paper)


def _reason_lines(record: Record, reasons: Sequence[Finding]) -> tuple[str, str]:
    """The reasons and the cell of each; a reason found in another file than the row's (the
    project's 申报书 behind its 汇总表 row) names that file and sheet too."""
    ordered = sorted(reasons, key=lambda f: not f.is_error)

    def where(f: Finding) -> str:
        at = f.cell or (f"第{f.row}行" if f.row else "")
        return at if (f.file, f.sheet) == (record.file, record.sheet) else f.where()

    return "\n".join(f.message for f in ordered), "\n".join(where(f) for f in ordered)


def write_rejected_sheet(wb: Workbook, styles: Styles, view: View) -> None:
    keys = [field_column(view.annex.field(k), grouped=False) for k in key_fields(view.pack, view.annex)]
    columns = [*_provenance_columns(with_copies=False)[:4], *keys,
               text_column(REASONS, REASONS, 60), text_column(CELLS, CELLS, 10)]
    ws = add_sheet(wb, REJECTED_SHEET)
    line = "以下项目不符合入库条件或填写有误，未列入汇总表；请将原因反馈填报单位，修改后重新报送。"
    first = write_title_block(ws, styles, f"未通过审核的项目（{len(view.rejected)}个）", line, columns)
    cells = DataRows(ws, styles, columns)
    row = first
    for n, (record, reasons) in enumerate(view.rejected, start=1):
        source = provenance.provenance_values(record)
        values: list[Any] = [source[c.key] or None for c in columns[:4]]
        values += [record_value(view.pack, record, c) for c in keys]
        values += list(_reason_lines(record, reasons))
        cells.write(row, n, values)
        row += 1
    _finish(ws, first, row - 1, len(columns), "A4")


def _pair_side(view: View, record: Record, keys: Sequence[Column]) -> list[Any]:
    return [record.reporting_unit or None, record.where, *(record_value(view.pack, record, c) for c in keys)]


def write_pairs_sheet(wb: Workbook, styles: Styles, view: View) -> None:
    """Each pair on one row, 项目甲 beside 项目乙, then why, the score and the clerk's answer."""
    keys = [field_column(view.annex.field(k), grouped=False) for k in key_fields(view.pack, view.annex)]
    side = [text_column(provenance.UNIT, provenance.UNIT, 12), text_column("来源", "来源", 24), *keys]
    columns = [text_column(PAIR_ID, PAIR_ID, 14),
               *(Column(c.key, replace(c.field, group="项目甲")) for c in side),
               *(Column(c.key, replace(c.field, group="项目乙")) for c in side),
               text_column("reason", "疑似原因", 36),
               Column("score", Field(key="score", title="相似度（%）", type="integer", width=9)),
               text_column(DECISION, DECISION, 10), text_column("status", "状态", 16),
               text_column("note", "备注", 20)]
    ws = add_sheet(wb, PAIRS_SHEET)
    line = ("请在“处理意见”栏逐对选择：合并（同一项目，只保留项目甲）或 保留（不同项目，都保留）；"
            "下次汇总时读入本表，已填写的意见即被采用。")
    first = write_title_block(ws, styles, f"疑似重复项目（{len(view.pairs)}对）", line, columns)
    decision_col = 1 + [c.key for c in columns].index(DECISION)
    cells = DataRows(ws, styles, columns)
    row = first
    for n, pair in enumerate(view.pairs, start=1):
        status = "待处理" if pair.decision is None else f"已按“{pair.decision}”处理"
        values = [pair.pair_id, *_pair_side(view, pair.a, keys), *_pair_side(view, pair.b, keys), pair.reason,
                  round(pair.score), pair.decision, status, None]
        cells.write(row, n, values)
        row += 1
    if view.pairs:
        ws.data_validation(first, decision_col, row - 1, decision_col, {
            "validate": "list", "source": list(ALLOWED), "ignore_blank": True,
            "input_title": DECISION, "input_message": "合并：同一项目；保留：不同项目",
            "error_title": DECISION, "error_message": "请选择“合并”或“保留”，或留空",
        })
    _finish(ws, first, row - 1, len(columns), view.pack.summary.paper if view.pack.summary else "A4")
