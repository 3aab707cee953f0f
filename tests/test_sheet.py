"""The fast worksheet (toolkit/fastsheet.py) writes exactly what plain xlsxwriter
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

from toolkit.fastsheet import Sheet, add_sheet

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
    other: Worksheet = add_sheet(wb, "另表") if fast else wb.add_worksheet("另表")  # no chart reads it
    for r in range(3):
        _put(other, fast, r, 0, [f"只在另表{r}", "长春市朝阳区人工智能产业园建设项目（一期）", r * 1.5, None], [plain, wrap, plain, plain])
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


def test_a_book_shares_the_texts_of_stored_rows_as_it_writes_them(tmp_path: Path) -> None:
    """In a Book, put_row keeps rows whole and their texts enter the shared strings as the sheet
    is written: the same cells, formats, spans, chart cache and string counts as xlsxwriter's."""
    from toolkit.fastsheet import Book

    _write(tmp_path / "plain.xlsx", fast=False)
    _write(tmp_path / "book.xlsx", fast=True, book=Book)
    plain, book = _content(tmp_path / "plain.xlsx"), _content(tmp_path / "book.xlsx")
    assert book.keys() == plain.keys()
    for name in plain:
        assert book[name] == plain[name], name

