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

import bisect
import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import Any, cast

import xlsxwriter.workbook as _workbook_module
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

from toolkit.xlsx.zipwrite import Archive

# Beyond these a number goes through write_number (NaN and infinities are refused there; a huge
# int is checked there as xlsxwriter does).
_NUMBER_LIMIT = 1e300


# A block's XML is made this many rows at a time: the rows' cell strings of all its columns are
# held at once, and for a whole 明细 that would be millions of strings.
BLOCK_XML_ROWS = 2048


class Book(Workbook):
    """An xlsxwriter workbook zipped by `toolkit.xlsx.zipwrite.Archive` (zlib at its fastest
    level; its default level spent a fifth of a large summary's time compressing 100 MB of sheet XML).
    xlsxwriter has no option for it: its `_store_workbook` opens the ZipFile by the module-level
    name, replaced here while it runs.

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
        _workbook_module.ZipFile = Archive
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
        """xlsxwriter's, with the texts the sheets added as they were written, in `_SharedStrings`."""
        table = self.workbook.str_table
        index_strings(table)
        if not table.count:
            return
        sst = _SharedStrings()
        sst.string_table = table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


# A text xlsxwriter's `_write_si` does more to than escape & < >: leading or trailing space
# (xml:space), a control character or what looks like its _xHHHH_ escape, a rich string.
_SPECIAL_TEXT = re.compile(r"^\s|\s$|[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^<r>")


class _SharedStrings(SharedStrings):
    """xlsxwriter's shared-string part, the same bytes: a run of ordinary texts is escaped and
    written in one piece instead of one `<si>` at a time; any other text goes through `_write_si`."""

    def _write_sst_strings(self) -> None:
        texts = self.string_table.string_array
        special = [i for i, found in enumerate(map(_SPECIAL_TEXT.search, texts)) if found]
        start = 0
        for i in special:
            if start < i:
                self.fh.write(_ordinary_texts(texts[start:i]))
            self._write_si(texts[i])
            start = i + 1
        if start < len(texts):
            self.fh.write(_ordinary_texts(texts[start:]))


def _ordinary_texts(texts: list[str]) -> str:
    joined = "\x00".join(texts).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # no \x00 in them
    return "<si><t>" + joined.replace("\x00", "</t></si><si><t>") + "</t></si>"


def add_sheet(wb: Workbook, name: str) -> Sheet:
    return cast(Sheet, wb.add_worksheet(name, worksheet_class=Sheet))


class Sheet(Worksheet):
    strings_at_close = False  # set by Book: rows may be stored whole and their texts shared at close

    def __init__(self) -> None:
        super().__init__()
        # row -> (first column, values, formats): rows of formatted plain cells, written at close.
        self.stored_rows: dict[int, tuple[int, tuple[Any, ...], tuple[Format, ...]]] = {}
        # first row -> a block of rows kept as columns (put_block), written at close column by column.
        self.blocks: dict[int, _Block] = {}
        self._block_firsts: list[int] = []  # the blocks' first rows, in order (blocks never overlap)
        self._row_tags = _RowTags(self)

    def put_block(self, first_row: int, first_col: int, columns: Sequence[list[Any]],
                  formats: Sequence[Format], heights: Sequence[float]) -> None:
        """Rows `first_row`.. given as columns (`columns[j][i]` is row i's cell in column
        first_col + j, each column with its format) and each row's height in points: the cells
        `put_row` and `set_row` would give, row by row, kept as columns and written at close a
        column at a time. In a plain xlsxwriter workbook, or for cells `put_row` would not store
        whole, it is those calls."""
        n = len(heights)
        if len(columns) != len(formats) or any(len(c) != n for c in columns):
            raise ValueError("put_block: every column needs a format and a value for each row")
        if not n or not columns:
            return
        last_row, last_col = first_row + n - 1, first_col + len(columns) - 1
        pixel = {h: int(h * 4.0 / 3.0 + 0.5) for h in set(heights)}  # set_row's conversion
        pixels = list(map(pixel.__getitem__, heights))
        if (not self.strings_at_close or self.constant_memory or None in formats or 0 in pixels
                or self._check_dimensions(first_row, first_col) or self._check_dimensions(last_row, last_col)
                or not all(map(self._plain_values, columns)) or self._taken(first_row, last_row)):
            for i, row in enumerate(range(first_row, last_row + 1)):
                self.put_row(row, first_col, [c[i] for c in columns], formats)
                self.set_row(row, heights[i])
            return
        self.blocks[first_row] = _Block(first_row, first_col, [list(c) for c in columns], tuple(formats), pixels)
        bisect.insort(self._block_firsts, first_row)
        self.row_sizes.update(zip(range(first_row, last_row + 1), ([px, False] for px in pixels), strict=True))

    def _taken(self, first: int, last: int) -> bool:
        """Whether any of rows first..last already holds cells, a stored row or a block."""
        rows = range(first, last + 1)
        return (not (self.table.keys().isdisjoint(rows) and self.stored_rows.keys().isdisjoint(rows))
                or self._block_at(first, last) is not None)

    def _block_at(self, row: int, last: int | None = None) -> _Block | None:
        """The block holding `row` (or any row of row..last). Blocks never overlap, so only the
        last one starting at or before the range's end can reach into it."""
        end = row if last is None else last
        i = bisect.bisect_right(self._block_firsts, end) - 1
        if i < 0:
            return None
        block = self.blocks[self._block_firsts[i]]
        return block if block.last >= row else None

    def _materialize_block(self, block: _Block) -> None:
        """A block as stored rows (or xlsxwriter's cells where a row holds some) and row heights,
        keeping any cell written or height set over it since."""
        del self.blocks[block.first]
        self._block_firsts.remove(block.first)
        for i, row in enumerate(range(block.first, block.last + 1)):
            values = [c[i] for c in block.columns]
            if row in self.table or row in self.stored_rows:
                written = dict(self.table.get(row, {}))
                self._materialize(row)
                self._put_cells(row, block.first_col, values, block.formats)
                self.table[row].update(written)
            else:
                self.stored_rows[row] = (block.first_col, tuple(values), block.formats)
            if row not in self.row_info:
                self.set_row_pixels(row, block.pixels[i])

    def put_row(self, row: int, first_col: int, values: Sequence[Any], formats: Sequence[Format]) -> None:
        """Store `values` from `first_col` on, each with its format, as `write_blank` (None),
        `write_string` (text) and `write_number` (int, float) would store them."""
        last_col = first_col + len(values) - 1
        if self.blocks:
            block = self._block_at(row)
            if block is not None:
                self._materialize_block(block)
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
        return len(formats) == len(values) and None not in formats and self._plain_values(values)

    def _plain_values(self, values: Sequence[Any]) -> bool:
        """Blanks, short texts and ordinary numbers only."""
        kinds = set(map(type, values))
        if not kinds <= _PLAIN_TYPES:
            return False
        texts = filter(None, values) if kinds <= _TEXT else (v for v in values if type(v) is str)
        if str in kinds and max(map(len, texts), default=0) > self.xls_strmax // 2:
            return False
        if int in kinds or float in kinds:
            numbers = (values if type(None) not in kinds else list(filter(_NOT_NONE, values))) if kinds <= _NUMBER \
                else [v for v in values if type(v) is float or type(v) is int]
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
        for block in list(self.blocks.values()):
            self._materialize_block(block)
        for row in list(self.stored_rows):
            self._materialize(row)

    def _get_range_data(self, row_start: int, col_start: int, row_end: int, col_end: int) -> Any:
        if self.stored_rows or self.blocks:  # a chart's cached values are read from xlsxwriter's cells
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
        self.blocks.clear()
        self._block_firsts.clear()

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        """xlsxwriter's, which runs some sixty regex substitutions (future functions) over every
        formula: a plain SUM or COUNTA of cell ranges, the summary's and the figures' thousands of
        totals, has none of those names and is only stripped of its `=`."""
        if _PLAIN_FORMULA.fullmatch(formula):
            return formula[1:] if formula.startswith("=") else formula
        return cast(str, super()._prepare_formula(formula, expand_future_functions))

    def _put_slow(self, row: int, col: int, value: Any, fmt: Format) -> None:
        if value is None:
            self.write_blank(row, col, None, fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.write_number(row, col, value, fmt)
        else:
            self.write_string(row, col, str(value), fmt)

    def _calculate_spans(self) -> None:
        """xlsxwriter's `_calculate_spans` (each block of 16 rows' first and last used column),
        from the rows that hold something (cells, comments, stored rows) and each block's
        columns, rather than by trying every column of every row of the sheet."""
        first_row, last_row = self.dim_rowmin, self.dim_rowmax
        first_col, last_col = self.dim_colmin, self.dim_colmax
        reach: dict[int, tuple[int, int]] = {}  # block of 16 rows -> (first, last) column used

        def see(row: int, a: int, b: int) -> None:
            if b < first_col or a > last_col:
                return
            a, b = max(a, first_col), min(b, last_col)
            group = row // 16
            found = reach.get(group)
            reach[group] = (a, b) if found is None else (min(found[0], a), max(found[1], b))

        for cells in (self.table, self.comments):
            for row, cols in cells.items():
                if cols and first_row <= row <= last_row:
                    inside = [c for c in cols if first_col <= c <= last_col]
                    if inside:
                        see(row, min(inside), max(inside))
        for row, (col, values, _) in self.stored_rows.items():
            if values and first_row <= row <= last_row:
                see(row, col, col + len(values) - 1)
        for block in self.blocks.values():
            for row in range(max(block.first, first_row), min(block.last, last_row) + 1, 16):
                see(row, block.first_col, block.last_col)
            if first_row <= block.last <= last_row:
                see(block.last, block.first_col, block.last_col)  # the group of the block's last row
        self.row_spans = {group: f"{a + 1}:{b + 1}" for group, (a, b) in sorted(reach.items())}

    def _write_rows(self) -> None:
        """xlsxwriter's `_write_rows`, visiting a row's stored cells rather than every column
        of the sheet, and writing a formatted text, number or blank cell's element directly."""
        if self.constant_memory or self.dim_rowmin is None:
            super()._write_rows()
            return
        for under in list(self.blocks.values()):  # a block under cells, heights or comments given since
            rows = range(under.first, under.last + 1)
            if not all(d.keys().isdisjoint(rows) for d in (self.table, self.row_info, self.comments,
                                                           self.hyperlinks, self.stored_rows)):
                self._materialize_block(under)
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        first_col, last_col = self.dim_colmin, self.dim_colmax
        write = self.fh.write
        heads = [f'<c r="{xl_col_to_name(c)}' for c in range(last_col + 1)]  # column -> '<c r="B'
        styles = _StyleAttributes()
        for row in [r for r in self.hyperlinks if r in self.stored_rows]:
            self._materialize(row)  # xlsxwriter's hyperlink code reads the cell under the link
        stored_rows, blocks = self.stored_rows, self.blocks
        after_block = -1
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            if row_num <= after_block:
                continue
            if blocks:
                block = blocks.get(row_num)
                if block is not None:
                    for start in range(0, len(block.pixels), BLOCK_XML_ROWS):  # the XML of a few rows at a time
                        write(self._block_xml(block.part(start, start + BLOCK_XML_ROWS), heads, styles))
                    after_block = block.last
                    continue
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

    def _block_xml(self, block: _Block, heads: list[str], styles: _StyleAttributes) -> str:
        """A block's rows, made a column at a time; its texts enter the shared strings here."""
        numbers = [str(r) for r in range(block.first + 1, block.last + 2)]
        table = self.str_table
        index = table.string_table
        add = index.setdefault
        made = []
        for col, values, fmt in zip(range(block.first_col, block.last_col + 1), block.columns, block.formats, strict=True):
            head, style = heads[col], styles[fmt]
            blank = f"{style}/>"
            kinds = set(map(type, values))
            if kinds <= _BLANK:
                made.append([f"{head}{n}{blank}" for n in numbers])
                continue
            if kinds <= _TEXT:
                new = [v for v in dict.fromkeys(values) if v not in index]  # in order of first use
                if None in new:
                    new.remove(None)
                index.update(zip(new, range(len(index), len(index) + len(new)), strict=True))  # the next indexes
                text = f'{style} t="s"><v>'
                made.append([f"{head}{n}{text}{i}</v></c>" if i is not None else f"{head}{n}{blank}"
                             for n, i in zip(numbers, map(index.get, values), strict=True)])
                table.count += len(values) - values.count(None)
                continue
            elif kinds <= _NUMBER:
                number = f"{style}><v>"
                made.append([f"{head}{n}{number}{v:.16G}</v></c>" if v is not None else f"{head}{n}{blank}"
                             for n, v in zip(numbers, values, strict=True)])
            else:
                made.append([f'{head}{n}{style} t="s"><v>{add(v, len(index))}</v></c>' if type(v) is str else
                             f"{head}{n}{blank}" if v is None else f"{head}{n}{style}><v>{v:.16G}</v></c>"
                             for n, v in zip(numbers, values, strict=True)])
            if str in kinds:
                table.count += sum(type(v) is str for v in values)
        table.unique_count = len(index)
        spans, tags = self.row_spans, self._row_tags
        starts = [f'<row r="{n}"{spans_attr}{tags[px]}>' for n, spans_attr, px in
                  zip(numbers, self._span_attrs(block, spans), block.pixels, strict=True)]
        return "".join(map("".join, zip(starts, *made, repeat("</row>"))))

    def _span_attrs(self, block: _Block, spans: dict[int, str]) -> list[str]:
        return [f' spans="{spans[r // 16]}"' if r // 16 in spans else "" for r in range(block.first, block.last + 1)]


@dataclass
class _Block:
    first: int
    first_col: int
    columns: list[list[Any]]
    formats: tuple[Format, ...]
    pixels: list[int]  # each row's height, as set_row_pixels keeps it

    @property
    def last(self) -> int:
        return self.first + len(self.pixels) - 1

    def part(self, start: int, stop: int) -> _Block:
        """Rows start..stop-1 of the block (counted from its first row)."""
        if start == 0 and stop >= len(self.pixels):
            return self
        return _Block(self.first + start, self.first_col, [c[start:stop] for c in self.columns], self.formats,
                      self.pixels[start:stop])

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.columns) - 1


class _RowTags(dict[int, str]):
    """Row height in pixels -> the `<row>` attributes after r and spans, as xlsxwriter's
    `_write_row` writes them for a row with only a height."""

    def __init__(self, sheet: Worksheet) -> None:
        super().__init__()
        self.sheet = sheet

    def __missing__(self, px: int) -> str:
        sheet = self.sheet
        custom = px != sheet.original_row_height or px != sheet.default_row_height
        found = f' ht="{px * 0.75:.16g}" customHeight="1"' if custom else ""
        if sheet.excel_version == 2010:
            found += ' x14ac:dyDescent="0.25"'
        self[px] = found
        return found


class _StyleAttributes(dict[Format, str]):
    """Format -> the end of a cell's reference and its style attribute, `" s="3"`, worked out on
    first use (at close, when xf indexes are given out in the order xlsxwriter gives them)."""

    def __missing__(self, fmt: Format) -> str:
        found = self[fmt] = f'" s="{fmt._get_xf_index()}"'
        return found


_FAST = frozenset({CellStringTuple, CellNumberTuple, CellBlankTuple})
_PLAIN_FORMULA = re.compile(r"=?(?:SUM|COUNTA)\(\$?[A-Z]{1,3}\$?\d+(?:[:,]\$?[A-Z]{1,3}\$?\d+)*\)")
_PLAIN_TYPES = frozenset({str, int, float, type(None)})
_BLANK = frozenset({type(None)})
_NOT_NONE = partial(operator.is_not, None)
_TEXT = frozenset({str, type(None)})
_NUMBER = frozenset({int, float, type(None)})
