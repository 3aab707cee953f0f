"""The fast worksheet (toolkit/xlsx/fastsheet.py) writes exactly what plain xlsxwriter
writes for the same calls: if an xlsxwriter upgrade changes how a cell is stored or written, this
fails rather than the summary quietly changing."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit.xlsx.fastsheet import Sheet, add_sheet

ROWS: list[list[Any]] = [
    [1, "长春市朝阳区人工智能产业园建设项目（一期）", 1200.5, None, "2020年7月"],
    [2, "", 0, -0.0, "x" * 20000],  # a text over half the 32,767 limit goes the slow way
    [3, "  spaces kept  ", 1e-10, 123456789012345678, "a<b & \"c\" > d\x01"],
    [4, True, 10**20, 2.5e299, "=HYPERLINK(\"http://x\")"],
    [5, "长春市朝阳区人工智能产业园建设项目（一期）", float("1e301"), "\n多行\n", None],
]


class Label(str):
    pass


def _put(ws: Worksheet, fast: bool, row: int, first_col: int, values: list[Any], formats: list[Any]) -> None:
    """A row through the fast sheet, or cell by cell as the summary wrote it before."""
    if fast:
        assert isinstance(ws, Sheet)
        ws.put_row(row, first_col, values, formats)
        return
    for c, (value, fmt) in enumerate(zip(values, formats, strict=True), start=first_col):
        if value is None:
            ws.write_blank(row, c, None, fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(row, c, value, fmt)
        else:
            ws.write_string(row, c, str(value), fmt)


def _block(ws: Worksheet, fast: bool, first_row: int, first_col: int, columns: list[list[Any]],
           formats: list[Any], heights: list[float]) -> None:
    """Rows given as columns through put_block, or row by row as xlsxwriter is asked."""
    if fast:
        assert isinstance(ws, Sheet)
        ws.put_block(first_row, first_col, columns, formats, heights)
        return
    for i, height in enumerate(heights):
        _put(ws, False, first_row + i, first_col, [c[i] for c in columns], formats)
        ws.set_row(first_row + i, height)


def _columns(n: int, seed: int) -> list[list[Any]]:
    """Columns of a block: numbers, texts (repeated, escaped, spaced), all blank, and mixed."""
    texts = ["长春市朝阳区人工智能产业园建设项目（一期）", "a<b & \"c\" > d", "  前后空格  ", "多行\n文字", "农安县"]
    return [
        list(range(1, n + 1)),
        [None if i % 7 == 3 else texts[(i + seed) % len(texts)] for i in range(n)],
        [None if i % 5 == 0 else i * 1.25 - seed for i in range(n)],
        [None] * n,
        [[f"第{i}", i, None, 10**15 + i, 0.1 * i][i % 5] for i in range(n)],
    ]


def _write(path: Path, fast: bool, book: type[Workbook] = xlsxwriter.Workbook) -> None:
    wb = book(str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": datetime(2020, 7, 20)})
    plain = wb.add_format({"border": 1})
    wrap = wb.add_format({"border": 1, "text_wrap": True, "num_format": "@"})
    ws: Worksheet = add_sheet(wb, "明细") if fast else wb.add_worksheet("明细")
    ws.merge_range(0, 0, 0, 4, "标题", plain)
    rows = [*ROWS, [6, Label("子类文字"), None, None, 7]]
    for r, values in enumerate(rows, start=2):
        _put(ws, fast, r, 1, values, [plain, wrap, plain, wrap, wrap])
        ws.set_row(r, 33)
    ws.write_formula(len(rows) + 2, 3, "=SUM(D3:D8)", plain, 1200.5)
    ws.write_formula(len(rows) + 2, 4, "=COUNTA(E3:E8,$F$3)", plain, 6)
    ws.write_formula(len(rows) + 2, 5, "=SUM(XLOOKUP(1,A1:A2,B1:B2))", plain, 0)  # xlsxwriter's own path: _xlfn.
    ws.write_string(len(rows) + 2, 1, "合计")  # no format: xlsxwriter's own path
    ws.write_blank(len(rows) + 2, 2, None)
    ws.set_row(len(rows) + 4, 24)  # a row with a height and no cells
    ws.write_comment(len(rows) + 5, 2, "批注")  # a row with only a comment
    for r in range(20, 60):  # rows past the first blocks of 16 (the XML's row spans)
        _put(ws, fast, r, r % 3, [r, f"第{r}行", r / 7, None, "长" * (r % 9)], [plain] * 5)
    ws.write_string(21, 6, "无格式")  # xlsxwriter's own cells between and after ours in one row
    ws.write_formula(21, 8, "=1+1", plain, 2)
    ws.write_number(21, 7, 8, wrap)
    _put(ws, fast, 62, 0, ["无格式文字", 1, None, 2.5], [None, plain, None, None])  # unformatted cells
    _put(ws, fast, 63, 0, ["甲", "乙"], [plain, plain])
    _put(ws, fast, 63, 1, ["丙", 2], [plain, wrap])  # the same row stored twice, overlapping
    _put(ws, fast, 64, 0, ["原值", 3, "尾"], [plain, plain, plain])
    ws.write_string(64, 1, "改写", wrap)  # a cell written over a stored row
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=明细!$B$21:$B$30", "values": "=明细!$C$21:$C$30"})  # cached from stored rows
    ws.insert_chart(66, 1, chart)
    _block(ws, fast, 90, 1, _columns(6, 1), [plain, wrap, plain, plain, wrap], [20, 27, 15, 40, 20, 20])
    chart.add_series({"values": "=明细!$D$91:$D$96"})  # a chart reads a block
    other: Worksheet = add_sheet(wb, "另表") if fast else wb.add_worksheet("另表")  # no chart reads it
    for r in range(3):
        _put(other, fast, r, 0, [f"只在另表{r}", "长春市朝阳区人工智能产业园建设项目（一期）", r * 1.5, None], [plain, wrap, plain, plain])
    five = [plain, wrap, plain, plain, wrap]
    heights = [20, 33.75, 15, 47, 20.25, 100] * 7
    _block(other, fast, 5, 0, _columns(40, 0), five, heights[:40])  # across blocks of 16 rows, heights kept
    _block(other, fast, 45, 1, _columns(3, 2), five, [20, 20, 20])  # right after, one column in
    _block(other, fast, 50, 0, [*_columns(3, 3)[:4], ["长" * 17000, None, "短"]], five, [20, 20, 20])  # long text
    _block(other, fast, 55, 0, _columns(4, 4), five, [24] * 4)
    other.write_string(56, 2, "改写", wrap)  # a cell written over a block
    other.set_row(57, 50)  # a height set over a block
    other.write_comment(58, 1, "批注")
    _block(other, fast, 60, 0, _columns(4, 5), five, [24] * 4)
    _put(other, fast, 61, 2, ["重写", 9], [plain, plain])  # a row stored over a block
    _block(other, fast, 66, 0, [[1, True], ["是", "否"]], [plain, plain], [20, 20])  # a bool: not stored as a block
    _block(other, fast, 74, 2, _columns(10, 6), five, [20] * 10)  # its last rows alone in their block of 16
    wb.close()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_fast_sheet_writes_the_same_bytes_as_xlsxwriter(tmp_path: Path) -> None:
    _write(tmp_path / "plain.xlsx", fast=False)
    _write(tmp_path / "fast.xlsx", fast=True)
    plain, fast = _parts(tmp_path / "plain.xlsx"), _parts(tmp_path / "fast.xlsx")
    assert fast.keys() == plain.keys()
    for name in plain:
        assert fast[name] == plain[name], name
    assert (tmp_path / "fast.xlsx").read_bytes() == (tmp_path / "plain.xlsx").read_bytes()


def test_fast_sheet_refuses_nan_as_xlsxwriter_does(tmp_path: Path) -> None:
    wb: Workbook = xlsxwriter.Workbook(str(tmp_path / "nan.xlsx"))
    ws = add_sheet(wb, "Sheet1")
    with pytest.raises(TypeError):
        ws.put_row(0, 0, [float("nan")], [wb.add_format({})])
    wb.close()


def _content(path: Path) -> dict[str, bytes]:
    """The parts with every shared-string reference replaced by its text: what a reader sees,
    whatever order the texts were put in the shared-string table."""
    parts = _parts(path)
    sst = parts.pop("xl/sharedStrings.xml")
    texts = re.findall(rb"<si>(.*?)</si>", sst, re.S)
    counts = re.search(rb'count="(\d+)" uniqueCount="(\d+)"', sst)
    assert counts is not None
    parts["sharedStrings counts"] = counts.group(0)
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = re.sub(rb't="s"><v>(\d+)</v>', lambda m: b'shared="' + texts[int(m.group(1))] + b'"', parts[name])
    return parts


@pytest.fixture(autouse=True)
def _small_block_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks written in parts of 7 rows, so that the tests' blocks are written in several."""
    monkeypatch.setattr("toolkit.xlsx.fastsheet.BLOCK_XML_ROWS", 7)


def test_a_book_shares_the_texts_of_stored_rows_as_it_writes_them(tmp_path: Path) -> None:
    """In a Book, put_row keeps rows whole and put_block keeps blocks as columns, and their texts
    enter the shared strings as the sheet is written: the same cells, formats, row heights, spans,
    chart cache and string counts as xlsxwriter's."""
    from toolkit.xlsx.fastsheet import Book

    _write(tmp_path / "plain.xlsx", fast=False)
    _write(tmp_path / "book.xlsx", fast=True, book=Book)
    plain, book = _content(tmp_path / "plain.xlsx"), _content(tmp_path / "book.xlsx")
    assert book.keys() == plain.keys()
    for name in plain:
        assert book[name] == plain[name], name



def test_a_block_is_written_column_by_column_in_a_book(tmp_path: Path) -> None:
    """The block path is the one taken (not a fallback to rows), and a block with a cell of another
    kind, or one too long, is refused as put_row refuses the row."""
    from toolkit.xlsx.fastsheet import Book

    wb = Book(str(tmp_path / "b.xlsx"))
    ws = add_sheet(wb, "明细")
    fmt = wb.add_format({"border": 1})
    ws.put_block(0, 0, _columns(20, 0), [fmt] * 5, [20] * 20)
    ws.put_block(20, 0, [["x" * 17000]], [fmt], [20])
    ws.put_block(21, 0, [[True]], [fmt], [20])
    assert list(ws.blocks) == [0]
    assert sorted(ws.stored_rows) == [] and sorted(ws.table) == [20, 21]
    ws.put_block(40, 0, [["甲", "乙"]], [fmt], [20, 20])
    ws.put_block(30, 0, [["丙"] * 10], [fmt], [20] * 10)  # ends on row 39, just before the block at 40
    assert sorted(ws.blocks) == [0, 30, 40]
    first, middle, last = ws.blocks[0], ws.blocks[30], ws.blocks[40]
    assert [ws._block_at(r) for r in (0, 19, 20, 29, 30, 39, 40, 41, 42)] == [
        first, first, None, None, middle, middle, last, last, None]
    assert ws._block_at(19, 25) is first and ws._block_at(20, 29) is None and ws._block_at(21, 30) is middle
    ws.put_block(19, 6, [["重叠", "下一行"]], [fmt], [20, 20])  # on the last row of the first block:
    assert sorted(ws.blocks) == [30, 40] and 19 in ws.table and 18 in ws.stored_rows  # that block becomes rows
    with pytest.raises(ValueError):
        ws.put_block(30, 0, [[1, 2], [3]], [fmt, fmt], [20, 20])
    wb.close()
