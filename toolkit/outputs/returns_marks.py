"""What a return copy marks, computed once and pure: per sheet and cell the severity and comment
lines of the findings placed there, and the few texts and names every way of writing the copy
shares (toolkit/outputs/returns.py chooses the way; toolkit/outputs/returns_xml/ patches the county's parts,
toolkit/outputs/returns_openpyxl.py copies them with openpyxl). Nothing here writes a file or imports a
writer, so each writer imports this module and none imports another.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from toolkit.findings import Finding, Severity, column_letter
from toolkit.ingest.records import FileReport
from toolkit.outputs.report import MAX_TEXT, SEVERITY_TEXT
from toolkit.template.styles import display_width

LIST_SHEET = "问题清单"
AUTHOR = "shenbao"
ERROR_FILL = "FF9999"
WARNING_FILL = "FFD966"

WORD_LEGEND = "错误（红色）必须修改，提醒（黄色）请核实。请在 Word 申报书中改好后重新报送，本表不必寄回。"
LEGEND = ("红色底为错误（必须修改），黄色底为提醒（请核实）；鼠标移到标色的单元格上可看批注，"
          "点“单元格”一栏可跳到该单元格。改好后请删除本页，重新报送。")


@dataclass
class Mark:
    severity: Severity
    lines: list[str] = field(default_factory=list)

    def add(self, finding: Finding, line: str) -> None:
        if finding.is_error:
            self.severity = "error"
        if line not in self.lines:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def fill(self) -> str:
        return ERROR_FILL if self.severity == "error" else WARNING_FILL


Cell = tuple[int, int]  # 1-based row, column
Merged = Sequence[tuple[int, int, int, int]]  # first row, first col, last row, last col


def _comment_line(f: Finding) -> str:
    message = f.to_sender
    if f.cell and message.startswith(f"{f.cell}："):
        message = message[len(f.cell) + 1:]  # the comment sits on that cell already
    return f"【{SEVERITY_TEXT.get(f.severity, f.severity)}】{message}"


def mark_position(f: Finding, report: FileReport) -> Cell | None:
    """Where a finding is marked: its cell, else the first cell of its row (the table's first
    column on the table's sheet, column A elsewhere); None for findings about a whole file/sheet."""
    return position(f.sheet, f.row, f.cell, report)


def position(sheet: str | None, row: int | None, cell: str | None, report: FileReport) -> Cell | None:
    if sheet is None:
        return None
    if cell:
        try:
            return _coordinate(cell.replace("$", ""))
        except ValueError:
            pass  # not an A1 reference (a Word form's place): the row's first cell, or none
    if row:
        first = 1
        if sheet == report.sheet and report.columns:
            first = min(_column_index(c.column) for c in report.columns)
        return (row, first)
    return None


_A1 = re.compile(r"([A-Za-z]{1,3})([1-9]\d{0,6})")
# What openpyxl refuses in a cell (XML 1.0 has no such characters).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _coordinate(ref: str) -> Cell:
    """`B7` -> (7, 2); ValueError for anything else."""
    match = _A1.fullmatch(ref)
    if not match:
        raise ValueError(ref)
    return int(match.group(2)), _column_index(match.group(1))


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
    return max(n, 1)


def cell_marks(findings: Iterable[Finding], report: FileReport) -> dict[str, dict[Cell, Mark]]:
    """Per sheet name, per cell: the severity and comment lines of the findings marked there."""
    marks: dict[str, dict[Cell, Mark]] = defaultdict(dict)
    for f in findings:
        pos = mark_position(f, report)
        if pos is None or f.sheet is None:
            continue
        mark = marks[f.sheet].setdefault(pos, Mark(f.severity))
        mark.add(f, _comment_line(f))
    return marks


def top_left(cell: Cell, merged: Merged) -> Cell:
    """The top-left cell of the merged range holding `cell` (the only one Excel shows), or `cell`."""
    r, c = cell
    for r0, c0, r1, c1 in merged:
        if r0 <= r <= r1 and c0 <= c <= c1:
            return (r0, c0)
    return cell


def to_top_left(marks: dict[Cell, Mark], merged: Merged) -> dict[Cell, Mark]:
    """The marks moved to the top-left cells of the merged ranges they fall in (joined there)."""
    if not merged:
        return marks
    out: dict[Cell, Mark] = {}
    for cell, mark in marks.items():
        target = out.setdefault(top_left(cell, merged), Mark(mark.severity))
        if mark.severity == "error":
            target.severity = "error"
        target.lines.extend(line for line in mark.lines if line not in target.lines)
    return out


def comment_size(text: str) -> tuple[int, int]:
    """Width and height in pixels: Excel's default box shows two lines of Chinese."""
    width = 320
    per_line = 36  # display columns of 11-pt text in 320 px
    lines = sum(max(1, math.ceil(display_width(part) / per_line)) for part in text.split("\n"))
    return width, min(20 + 18 * lines, 600)


def clean_text(text: str) -> str:
    """openpyxl refuses control characters XML cannot hold; a county's text may have them."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT]


def link_location(sheet: str, cell: Cell) -> str:
    return "'{}'!{}{}".format(sheet.replace("'", "''"), column_letter(cell[1]), cell[0])


def first_line(report: FileReport, findings: Sequence[Finding], notes: Sequence[str], legend: str = LEGEND) -> str:
    """The 问题清单's first line: what the copy lacks (`notes`), the counts, how to read it."""
    errors = sum(1 for f in findings if f.is_error)
    head = f"{report.path}：错误 {errors} 个，提醒 {len(findings) - errors} 个。"
    return "".join(f"{n}。" for n in notes) + head + legend


def free_sheet_name(names: Iterable[str], wanted: str) -> str:
    """`wanted`, numbered if a sheet of `names` already has it (ignoring case)."""
    taken = {n.casefold() for n in names}
    name, n = wanted, 1
    while name.casefold() in taken:
        n += 1
        name = f"{wanted}{n}"
    return name
