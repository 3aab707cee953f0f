"""An xlsxwriter worksheet for big tables (the summary's, the report's) that writes the same cells, faster.

Most of a summary's time goes to xlsxwriter's two per-cell steps: storing a cell (a decorated
public call that checks the bounds cell by cell) and, at close, writing its `<c>` element through
a general attribute-escaping writer. `Sheet.put_row` stores a row of plain cells with one bounds
check, and `Sheet._write_rows` writes a formatted text, number or blank cell's element directly;
anything else (formulas, long text, NaN, constant_memory) goes through xlsxwriter's own code. In
a `Book`, a row's texts are shared as its XML is written. tests/test_sheet.py compares the bytes
with plain xlsxwriter's (in a plain Workbook) and the content (in a Book, where the shared strings
come in another order), so an xlsxwriter upgrade that changes its cells shows there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any, cast

import xlsxwriter.workbook as _workbook_module
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStringTable
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

# Beyond these a number goes through write_number (NaN and infinities are refused there; a huge
# int is checked there as xlsxwriter does).
_NUMBER_LIMIT = 1e300


# Deflate level of the big workbooks (summary, report). zlib's default (6) spends about a fifth of
# a large summary's time compressing 100 MB of sheet XML; level 1 takes a third of that and makes
# the file about a third larger (54,000 projects: 11 MB at 6, 15 MB at 1).
COMPRESS_LEVEL = 1


class Book(Workbook):
    """An xlsxwriter workbook zipped at COMPRESS_LEVEL (xlsxwriter has no option for it; its
    `_store_workbook` opens the ZipFile by the module-level name, replaced here while it runs).

    Its fast sheets' stored rows put their texts in the shared strings as their XML is written,
    at close: one pass over each cell instead of two. The shared-string list is therefore made
    again after every sheet is written (xlsxwriter makes it once, before), and where xlsxwriter's
    own code reads it in between (a chart's cached values)."""

    def _add_sheet(self, name: Any, worksheet_class: Any = None) -> Any:
        sheet = super()._add_sheet(name, worksheet_class=worksheet_class)
        if isinstance(sheet, Sheet):
            sheet.strings_at_close = True
        return sheet

    def _prepare_sst_string_data(self) -> None:
        index_strings(self.str_table)

    def _get_packager(self) -> Any:
        return _Packager()

    def _store_workbook(self) -> None:
        original = _workbook_module.ZipFile
        _workbook_module.ZipFile = partial(original, compresslevel=COMPRESS_LEVEL)
        try:
            super()._store_workbook()
        finally:
            _workbook_module.ZipFile = original


def index_strings(table: SharedStringTable) -> None:
    """xlsxwriter's shared-string list (index -> text), keeping the text -> index table so that
    more texts can still be added."""
    table.string_array = sorted(table.string_table, key=table.string_table.__getitem__)


class _Packager(Packager):
    def _write_shared_strings_file(self) -> None:
        index_strings(self.workbook.str_table)  # with the texts the sheets added as they were written
        super()._write_shared_strings_file()


def add_sheet(wb: Workbook, name: str) -> Sheet:
    return cast(Sheet, wb.add_worksheet(name, worksheet_class=Sheet))


class Sheet(Worksheet):
    strings_at_close = False  # set by Book: rows may be stored whole and their texts shared at close

    def __init__(self) -> None:
        super().__init__()
        # row -> (first column, values, formats): rows of formatted plain cells, written at close.
        self.stored_rows: dict[int, tuple[int, tuple[Any, ...], tuple[Format, ...]]] = {}

    def put_row(self, row: int, first_col: int, values: Sequence[Any], formats: Sequence[Format]) -> None:
        """Store `values` from `first_col` on, each with its format, as `write_blank` (None),
        `write_string` (text) and `write_number` (int, float) would store them."""
        last_col = first_col + len(values) - 1
        if (self.constant_memory or not values or self._check_dimensions(row, first_col)
                or self._check_dimensions(row, last_col)):
            for col, (value, fmt) in enumerate(zip(values, formats, strict=True), start=first_col):
                self._put_slow(row, col, value, fmt)
            return
        if self.strings_at_close and row not in self.table and row not in self.stored_rows and self._plain(values, formats):
            self.stored_rows[row] = (first_col, tuple(values), tuple(formats))
            return
        self._materialize(row)
        self._put_cells(row, first_col, values, formats)

    def _plain(self, values: Sequence[Any], formats: Sequence[Format]) -> bool:
        """Every cell formatted, and a blank, a short text or an ordinary number: what
        `_write_rows` writes itself (tested with C-level passes, not a loop per cell)."""
        kinds = set(map(type, values))
        if not kinds <= _PLAIN_TYPES or len(formats) != len(values) or None in formats:
            return False
        if str in kinds and max(map(len, [v for v in values if type(v) is str])) > self.xls_strmax // 2:
            return False
        if int in kinds or float in kinds:
            numbers = [v for v in values if type(v) is float or type(v) is int]
            try:  # NaN, infinities and numbers beyond 1e300 go the way of write_number
                return all(map(math.isfinite, numbers)) and max(map(abs, numbers)) < _NUMBER_LIMIT
            except OverflowError:
                return False
        return True

    def _put_cells(self, row: int, first_col: int, values: Sequence[Any], formats: Sequence[Format]) -> None:
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

    def _materialize(self, row: int) -> None:
        """A stored row as xlsxwriter's own cells (its texts shared now), keeping any cell
        written over it since: for xlsxwriter's code that reads its cell table."""
        stored = self.stored_rows.pop(row, None)
        if stored is None:
            return
        first_col, values, formats = stored
        written = dict(self.table.get(row, {}))
        self._put_cells(row, first_col, values, formats)
        self.table[row].update(written)

    def _materialize_all(self) -> None:
        for row in list(self.stored_rows):
            self._materialize(row)

    def _get_range_data(self, row_start: int, col_start: int, row_end: int, col_end: int) -> Any:
        if self.stored_rows:  # a chart's cached values are read from xlsxwriter's cells
            self._materialize_all()
            index_strings(self.str_table)
        return super()._get_range_data(row_start, col_start, row_end, col_end)

    def autofit(self, max_width: int | None = None) -> None:
        self._materialize_all()
        super().autofit(max_width)

    def release(self) -> None:
        """Drop the stored cells once the workbook is closed. The sheet and its workbook hold
        each other, so without this the cells would wait for the cyclic collector, which then
        has to walk every one of them."""
        self.table.clear()
        self.stored_rows.clear()

    def _put_slow(self, row: int, col: int, value: Any, fmt: Format) -> None:
        if value is None:
            self.write_blank(row, col, None, fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.write_number(row, col, value, fmt)
        else:
            self.write_string(row, col, str(value), fmt)

    def _calculate_spans(self) -> None:
        """xlsxwriter's `_calculate_spans` (each block of 16 rows' first and last used column),
        from each row's stored cells rather than by trying every column of the sheet."""
        spans: dict[int, str] = {}
        low: int | None = None
        high = 0
        first_col, last_col = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            stored = self.stored_rows.get(row_num)
            spread = range(stored[0], stored[0] + len(stored[1])) if stored else None
            for cols in (self.table.get(row_num), self.comments.get(row_num), spread):
                if not cols:
                    continue
                a, b = min(cols), max(cols)
                if a < first_col or b > last_col:
                    inside = [c for c in cols if first_col <= c <= last_col]
                    if not inside:
                        continue
                    a, b = min(inside), max(inside)
                low, high = (a, b) if low is None else (min(low, a), max(high, b))
            if (row_num + 1) % 16 == 0 or row_num == self.dim_rowmax:
                if low is not None:
                    spans[int(row_num / 16)] = f"{low + 1}:{high + 1}"
                    low = None
        self.row_spans = spans

    def _write_rows(self) -> None:
        """xlsxwriter's `_write_rows`, visiting a row's stored cells rather than every column
        of the sheet, and writing a formatted text, number or blank cell's element directly."""
        if self.constant_memory or self.dim_rowmin is None:
            super()._write_rows()
            return
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        first_col, last_col = self.dim_colmin, self.dim_colmax
        write = self.fh.write
        heads = [f'<c r="{xl_col_to_name(c)}' for c in range(last_col + 1)]  # column -> '<c r="B'
        styles = _StyleAttributes()
        for row in [r for r in self.hyperlinks if r in self.stored_rows]:
            self._materialize(row)  # xlsxwriter's hyperlink code reads the cell under the link
        stored_rows = self.stored_rows
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            stored = stored_rows.get(row_num)
            if stored is not None and cells:
                self._materialize(row_num)  # a cell written in a stored row's line since
                stored, cells = None, table.get(row_num)
            span = spans.get(int(row_num / 16))
            if stored is not None:
                self._write_row(row_num, span, row_info.get(row_num))
                write(self._stored_row_xml(str(row_num + 1), stored, heads, styles))
                continue
            if not (row_num in row_info or row_num in comments or cells):
                continue
            if not cells:
                self._write_empty_row(row_num, span, row_info.get(row_num))
                continue
            self._write_row(row_num, span, row_info.get(row_num))
            number = str(row_num + 1)
            parts: list[str] = []
            for col_num in sorted(cells):
                if not first_col <= col_num <= last_col:
                    continue
                cell = cells[col_num]
                kind = type(cell)
                fmt = cell[-1]  # the format is the last field of a text, number or blank cell
                if kind not in _FAST or fmt is None:
                    write("".join(parts))
                    parts.clear()
                    self._write_cell(row_num, col_num, cell)
                    continue
                head = heads[col_num]
                style = styles[fmt]
                if kind is CellStringTuple:
                    parts.append(f'{head}{number}{style} t="s"><v>{cell[0]}</v></c>')
                elif kind is CellNumberTuple:
                    parts.append(f'{head}{number}{style}><v>{cell[0]:.16G}</v></c>')
                else:
                    parts.append(f"{head}{number}{style}/>")
            parts.append("</row>")
            write("".join(parts))

    def _stored_row_xml(self, number: str, stored: tuple[int, tuple[Any, ...], tuple[Format, ...]],
                        heads: list[str], styles: _StyleAttributes) -> str:
        """A stored row's cells and the row's end tag; its texts enter the shared strings here."""
        shared = self.str_table._get_shared_string_index
        col_num, values, formats = stored
        parts: list[str] = []
        for value, fmt in zip(values, formats, strict=True):
            style = styles[fmt]
            if value is None:
                parts.append(f"{heads[col_num]}{number}{style}/>")
            elif type(value) is str:
                parts.append(f'{heads[col_num]}{number}{style} t="s"><v>{shared(value)}</v></c>')
            else:
                parts.append(f"{heads[col_num]}{number}{style}><v>{value:.16G}</v></c>")
            col_num += 1
        parts.append("</row>")
        return "".join(parts)


class _StyleAttributes(dict[Format, str]):
    """Format -> the end of a cell's reference and its style attribute, `" s="3"`, worked out on
    first use (at close, when xf indexes are given out in the order xlsxwriter gives them)."""

    def __missing__(self, fmt: Format) -> str:
        found = self[fmt] = f'" s="{fmt._get_xf_index()}"'
        return found


_FAST = frozenset({CellStringTuple, CellNumberTuple, CellBlankTuple})
_PLAIN_TYPES = frozenset({str, int, float, type(None)})
