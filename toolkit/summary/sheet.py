"""An xlsxwriter worksheet for the summary's big tables that writes the same bytes, faster.

Most of a summary's time goes to xlsxwriter's two per-cell steps: storing a cell (a decorated
public call that checks the bounds cell by cell) and, at close, writing its `<c>` element through
a general attribute-escaping writer. `Sheet.put_row` stores a row of plain cells with one bounds
check, and `Sheet._write_cell` writes a formatted text, number or blank cell's element directly;
anything else (formulas, long text, NaN, constant_memory) goes through xlsxwriter's own code.
tests/test_sheet.py compares the bytes with plain xlsxwriter's, so an xlsxwriter upgrade that
changes its cells shows there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

# Beyond these a number goes through write_number (NaN and infinities are refused there; a huge
# int is checked there as xlsxwriter does).
_NUMBER_LIMIT = 1e300


def add_sheet(wb: Workbook, name: str) -> Sheet:
    return cast(Sheet, wb.add_worksheet(name, worksheet_class=Sheet))


class Sheet(Worksheet):
    def put_row(self, row: int, first_col: int, values: Sequence[Any], formats: Sequence[Format]) -> None:
        """Store `values` from `first_col` on, each with its format, as `write_blank` (None),
        `write_string` (text) and `write_number` (int, float) would store them."""
        last_col = first_col + len(values) - 1
        if (self.constant_memory or not values or self._check_dimensions(row, first_col)
                or self._check_dimensions(row, last_col)):
            for col, (value, fmt) in enumerate(zip(values, formats, strict=True), start=first_col):
                self._put_slow(row, col, value, fmt)
            return
        cells = self.table[row]
        shared = self.str_table._get_shared_string_index
        short = self.xls_strmax // 2  # a text under half the limit cannot exceed it (xlsxwriter's test)
        new = tuple.__new__  # the named tuples' own __new__ is a Python-level lambda around this
        for col, (value, fmt) in enumerate(zip(values, formats, strict=True), start=first_col):
            kind = type(value)
            if value is None and fmt is not None:
                cells[col] = new(CellBlankTuple, (fmt,))
            elif kind is str and len(value) <= short:
                cells[col] = new(CellStringTuple, (shared(value), fmt))
            elif (kind is int or kind is float) and -_NUMBER_LIMIT < value < _NUMBER_LIMIT:
                cells[col] = new(CellNumberTuple, (value, fmt))
            else:
                self._put_slow(row, col, value, fmt)

    def _put_slow(self, row: int, col: int, value: Any, fmt: Format) -> None:
        if value is None:
            self.write_blank(row, col, None, fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.write_number(row, col, value, fmt)
        else:
            self.write_string(row, col, str(value), fmt)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        kind = type(cell)
        if kind not in _FAST or cell.format is None or self.constant_memory:
            super()._write_cell(row, col, cell)
            return
        ref = xl_rowcol_to_cell_fast(row, col)
        xf = cell.format._get_xf_index()
        if kind is CellStringTuple:
            self.fh.write(f'<c r="{ref}" s="{xf}" t="s"><v>{cell.string}</v></c>')
        elif kind is CellNumberTuple:
            self.fh.write(f'<c r="{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
        else:
            self.fh.write(f'<c r="{ref}" s="{xf}"/>')


_FAST = frozenset({CellStringTuple, CellNumberTuple, CellBlankTuple})
