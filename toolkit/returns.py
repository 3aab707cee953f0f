"""Return copies (`退回修改/`): each county's own workbook with its problems marked, to mail back.

For every file read with findings, a copy of the county's workbook is written where each cell a
finding points at is filled red (error) or amber (warning) and carries a comment with the
message(s); a finding that names a row but no cell marks the row's first cell. A `问题清单` sheet
lists that file's findings with the report's columns, each cell reference a link to the cell.

- xlsx/xlsm are patched part by part (toolkit/returns_xml/): only the marked cells' styles, the
  comments, the workbook's sheet list and the new 问题清单 part change, so everything else of the
  county's file — layout, values and cached results, formats, merges, comments, validations,
  conditional formats, pictures, charts, shapes — is kept, in a few ms per file. A file that path
  cannot handle (our old 问题清单 sent back in it, macro sheets, threaded comments …) is copied with
  openpyxl as before, which keeps the layout, values, formats, merges, comments and validations
  but may lose pictures and shapes (the copy's 问题清单 then says so). Only the marked cells are
  restyled either way (nothing iterates a sheet's cells). Macros are never kept: a .xlsm comes back
  as a macro-free .xlsx.
- xls/ods/csv cannot be opened by openpyxl: the copy is an .xlsx rebuilt from the values the reader
  saw (same sheets, same cell positions, merges and hidden rows), and its 问题清单 says so. An xlsx
  openpyxl cannot open or save is rebuilt the same way rather than left without a copy.

Copies are named `<county's file name>（退回修改）.xlsx`, in the sub-folders the file had in the
inbox, with names made valid on Windows and never outside the output folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook as XlsxWorkbook
from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

from toolkit.atomic import atomic_path, explain
from toolkit.errors import OutputError
from toolkit.findings import Finding, Severity, column_letter
from toolkit.ingest.guard import Limits
from toolkit.ingest.readers import read_file
from toolkit.ingest.records import FileReport
from toolkit.packs.model import Pack
from toolkit.pipeline import Batch
from toolkit.report import (
    FINDING_COLUMNS,
    FINDING_WIDTHS,
    MAX_TEXT,
    SEVERITY_TEXT,
    WORKBOOK_OPTIONS,
    finding_rows,
    row_height,
    write_cell,
)
from toolkit.template.styles import HEADER_FILL, display_width, print_setup

RETURNS_DIR = "退回修改"
SUFFIX = "（退回修改）"
LIST_SUFFIX = "（问题清单）"  # a Word form is never rewritten: its problems come back as a workbook
WORD_KINDS = ("docx",)
LIST_SHEET = "问题清单"
AUTHOR = "shenbao"
ERROR_FILL = "FF9999"
WARNING_FILL = "FFD966"
OPENPYXL_KINDS = ("xlsx", "xlsm")
# Worksheet XML beyond this (uncompressed) is not loaded into openpyxl's per-cell objects; the
# copy is rebuilt from the reader's values instead, which are bounded by its row limit.
MAX_SHEET_XML = 300 * 1024 * 1024
# Parts openpyxl does not carry over (shapes, form controls, embedded objects; pictures unless
# Pillow is installed): their presence is mentioned in the copy's 问题清单 when openpyxl made it
# (the patched copy keeps them).
# (xl/drawings/vmlDrawing*.vml only holds comment boxes, which are kept.)
LOST_PARTS = ("xl/drawings/drawing", "xl/media/", "xl/activeX/", "xl/ctrlProps/", "xl/embeddings/")

WORD_LEGEND = "错误（红色）必须修改，提醒（黄色）请核实。请在 Word 申报书中改好后重新报送，本表不必寄回。"
LEGEND = ("红色底为错误（必须修改），黄色底为提醒（请核实）；鼠标移到标色的单元格上可看批注，"
          "点“单元格”一栏可跳到该单元格。改好后请删除本页，重新报送。")


class ChangedSinceRead(Exception):
    """The county's file is no longer the one whose rows were checked: no copy is made from it."""

    def __init__(self) -> None:
        super().__init__("文件在读取之后被修改或替换（可能有人重新保存了它），没有生成退回修改副本，以免标记落在新内容上；"
                         "问题见校验报告，请重新运行以按新文件核对")


def _check_unchanged(report: FileReport, digest: str | None) -> None:
    if report.sha256 is not None and digest != report.sha256:
        raise ChangedSinceRead


def rebuilt_note(kind: str) -> str:
    return f"原文件为 .{kind} 格式，此为按原数据重建的 .xlsx 副本（只保留数据，原文件的字体、颜色、列宽等格式未保留）"


# --------------------------------------------------------------------------- names

_FORBIDDEN = str.maketrans({'<': "＜", '>': "＞", ':': "：", '"': "＂", '\\': "＼", '|': "｜", '?': "？", '*': "＊"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_OLD_SUFFIX = re.compile(r"(?:[（(](?:退回修改|问题清单)[)）](?:[（(]\d+[)）])?)+$")
MAX_PART = 80  # characters per name: Windows limits a whole path to 260 unless long paths are on


def safe_part(name: str) -> str:
    """One file or folder name made valid on Windows: no `\\/:*?"<>|` or control characters, no
    trailing dots or spaces, not a reserved device name (CON, NUL, COM1 …), not empty."""
    name = unicodedata.normalize("NFC", name)
    name = _CONTROL.sub("_", name.translate(_FORBIDDEN)).replace("/", "／")
    name = name.strip(" ")[:MAX_PART].rstrip(". ")
    if not name:
        return "_"
    if name.split(".")[0].rstrip(" ").upper() in _RESERVED:
        name = "_" + name
    return name


def return_name(shown: str, suffix: str = SUFFIX) -> PurePosixPath:
    """The copy's path inside `退回修改/` for a file shown as `shown` (`二道区/二道区.xlsx` ->
    `二道区/二道区（退回修改）.xlsx`). Folders are kept; `.`/`..` and empty parts are dropped, so
    the result is always relative and never climbs out of the folder. `shown` is relative to the
    inbox with `/` between folders on every system (`display_path`), so a `\\` is part of a name (a
    valid character on Linux and macOS) and becomes `＼`, never a sub-folder. A Word form's problem
    list has `suffix` （问题清单）."""
    parts = [p for p in shown.split("/") if p not in ("", ".", "..")]
    if not parts:
        parts = ["未命名"]
    *folders, name = parts
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    stem = _OLD_SUFFIX.sub("", stem.strip()) or stem  # a copy we made, sent back again
    file = safe_part(stem[: MAX_PART - len(suffix)] + suffix) + ".xlsx"
    return PurePosixPath(*[safe_part(f) for f in folders], file)


def _unique(name: PurePosixPath, taken: set[str]) -> PurePosixPath:
    """Windows folds case, so `A.xlsx` and `a.xlsx` are one file: number the later ones."""
    candidate, n = name, 1
    while candidate.as_posix().casefold() in taken:
        n += 1
        candidate = name.with_name(f"{name.stem}（{n}）{name.suffix}")
    taken.add(candidate.as_posix().casefold())
    return candidate


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except OSError:
        return False


# --------------------------------------------------------------------------- marks


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
    return _position(f.sheet, f.row, f.cell, report)


def _position(sheet: str | None, row: int | None, cell: str | None, report: FileReport) -> Cell | None:
    if sheet is None:
        return None
    if cell:
        try:
            return _coordinate(cell.replace("$", ""))
        except (ValueError, TypeError):
            pass
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


def _to_top_left(marks: dict[Cell, Mark], merged: Merged) -> dict[Cell, Mark]:
    if not merged:
        return marks
    out: dict[Cell, Mark] = {}
    for cell, mark in marks.items():
        target = out.setdefault(top_left(cell, merged), Mark(mark.severity))
        if mark.severity == "error":
            target.severity = "error"
        target.lines.extend(line for line in mark.lines if line not in target.lines)
    return out


def _comment_size(text: str) -> tuple[int, int]:
    """Width and height in pixels: Excel's default box shows two lines of Chinese."""
    width = 320
    per_line = 36  # display columns of 11-pt text in 320 px
    lines = sum(max(1, math.ceil(display_width(part) / per_line)) for part in text.split("\n"))
    return width, min(20 + 18 * lines, 600)


def _clean(text: str) -> str:
    """openpyxl refuses control characters XML cannot hold; a county's text may have them."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT]


def _link_location(sheet: str, cell: Cell) -> str:
    return "'{}'!{}{}".format(sheet.replace("'", "''"), column_letter(cell[1]), cell[0])


# --------------------------------------------------------------------------- entry point


def write_returns(batch: Batch, out_dir: Path, *, problems: list[str] | None = None) -> list[Path]:
    """Write a return copy for every file read with findings into `out_dir` (the `退回修改`
    folder, created even when no copy is needed); return the copies' paths in file order.

    A file whose copy cannot be made at all is left out and, when `problems` is given, a Chinese
    line saying so is appended to it; its findings are in the report all the same. An output that
    cannot be written raises OutputError.
    """
    return write_return_jobs(batch, return_jobs(batch, out_dir, problems=problems), problems=problems)


@dataclass(frozen=True)
class ReturnJob:
    """One return copy to write: the file read, its findings, and where the copy goes."""

    report: FileReport
    findings: list[Finding]
    target: Path


def return_jobs(batch: Batch, out_dir: Path, *, problems: list[str] | None = None) -> list[ReturnJob]:
    """The return copies `write_returns` makes, named and placed (the folder is created), in file
    order: the jobs can then be written in turn or shared out (`write_return_jobs` on parts)."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(explain(exc, out_dir, "无法创建文件夹")) from None
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in batch.findings:
        if f.file:
            by_file[f.file].append(f)
    taken: set[str] = set()
    jobs: list[ReturnJob] = []
    for report in batch.ingested.files:
        findings = by_file.get(report.path)
        if not findings or report.status != "ok" or report.source is None:
            continue
        rel = _unique(return_name(report.path, LIST_SUFFIX if report.kind in WORD_KINDS else SUFFIX), taken)
        target = out_dir.joinpath(*rel.parts)
        if not _inside(target.parent, out_dir):
            _note(problems, f"{report.path}：退回修改副本的位置 {target} 不在输出文件夹内，未生成")
            continue
        jobs.append(ReturnJob(report, findings, target))
    return jobs


def write_return_jobs(batch: Batch, jobs: Sequence[ReturnJob], *, problems: list[str] | None = None) -> list[Path]:
    """Write `jobs`' copies; the paths written, in the jobs' order."""
    written: list[Path] = []
    for job in jobs:
        try:
            _write_copy(batch.pack, job.report, job.findings, job.target, batch.limits)
        except OutputError:
            raise
        except ChangedSinceRead as exc:
            _note(problems, f"{job.report.path}：{exc}")
            continue
        except Exception as exc:  # one unreadable workbook never stops the others
            _note(problems, f"{job.report.path}：无法生成退回修改副本（{type(exc).__name__}: {exc}），问题见校验报告")
            continue
        written.append(job.target)
    return written


def _note(problems: list[str] | None, line: str) -> None:
    if problems is not None:
        problems.append(line)


def _write_copy(pack: Pack, report: FileReport, findings: list[Finding], target: Path,
                limits: Limits | None = None) -> None:
    assert report.source is not None
    kind = report.kind or "xlsx"
    if kind in WORD_KINDS:
        problem_list(pack, report, findings, target)
        return
    if kind in OPENPYXL_KINDS:
        too_big = _sheet_xml_size(report.source) > MAX_SHEET_XML
        if not too_big:
            try:
                copy_workbook(pack, report, findings, target)
                return
            except (OutputError, ChangedSinceRead):
                raise
            except Exception:
                pass  # openpyxl could not open or save it: rebuild from the values below
        note = "原文件太大或无法按原样复制，此为按原数据重建的 .xlsx 副本（只保留数据，原格式未保留）"
    else:
        note = rebuilt_note(kind)
    rebuild_workbook(pack, report, findings, target, note, limits)


def problem_list(pack: Pack, report: FileReport, findings: list[Finding], target: Path) -> Path:
    """For a Word form: a workbook of one 问题清单 sheet (the same sheet as in every return copy),
    written beside where its copy would go. The enterprise's Word file is never rewritten; each
    problem names its place as `表格 N 第 r 行 第 c 列`."""
    note = "原文件为 Word 申报书，未改动原文件；请按下列位置（表格 N 第 r 行 第 c 列）在原文件中修改"
    with atomic_path(target) as tmp:
        wb = XlsxWorkbook(str(tmp), WORKBOOK_OPTIONS)
        ws = wb.add_worksheet(LIST_SHEET)
        _list_sheet_xlsxwriter(ws, _Formats(wb), pack, report, findings, note, {}, {}, WORD_LEGEND)
        wb.close()
    return target


def _sheet_xml_size(path: Path) -> int:
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    except (OSError, zipfile.BadZipFile):
        return 0


# --------------------------------------------------------------------------- openpyxl copies


def copy_workbook(pack: Pack, report: FileReport, findings: list[Finding], target: Path) -> Path:
    """The county's own xlsx/xlsm with the marks, comments and a 问题清单 sheet; saved as .xlsx.

    Patched part by part (toolkit/returns_xml/), which keeps everything and takes a few ms; a
    file that path cannot handle is loaded and saved with openpyxl below instead."""
    assert report.source is not None
    data = report.source.read_bytes()
    _check_unchanged(report, hashlib.sha256(data).hexdigest())
    from toolkit.returns_xml import patch_workbook  # imported here: it imports this module

    try:
        return patch_workbook(pack, report, findings, target, data,
                              _lost_parts_notes(data, report.kind, everything_kept=True))
    except OutputError:
        raise
    except Exception:  # whatever the patching could not do, openpyxl does below
        pass
    from toolkit.returns_openpyxl import (
        openpyxl_copy,  # imported only when needed: openpyxl is slow to import
    )

    return openpyxl_copy(pack, report, findings, target, data, _lost_parts_notes(data, report.kind))


def _lost_parts_notes(data: bytes, kind: str | None, *, everything_kept: bool = False) -> list[str]:
    """What the copy's 问题清单 says was not kept: the macros of an .xlsm always; pictures, shapes
    and controls only on the openpyxl path (the patched copy keeps every part)."""
    notes = []
    if kind == "xlsm":
        notes.append("原文件含宏（.xlsm），副本已去掉宏，保存为 .xlsx")
    if everything_kept:
        return notes
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if any(n.startswith(LOST_PARTS) for n in zf.namelist()):
                notes.append("原文件中的图片、图形、控件等可能没有保留在副本中，请以原文件为准")
    except zipfile.BadZipFile:
        pass
    return notes


def _free_sheet_name(names: Iterable[str], wanted: str) -> str:
    taken = {n.casefold() for n in names}
    name, n = wanted, 1
    while name.casefold() in taken:
        n += 1
        name = f"{wanted}{n}"
    return name


def _first_line(report: FileReport, findings: Sequence[Finding], notes: Sequence[str], legend: str = LEGEND) -> str:
    errors = sum(1 for f in findings if f.is_error)
    head = f"{report.path}：错误 {errors} 个，提醒 {len(findings) - errors} 个。"
    return "".join(f"{n}。" for n in notes) + head + legend


_SHEET_NAME_TABLE = str.maketrans("[]:*?/\\", "［］：＊？／＼")


def _sheet_name(wanted: str, taken: set[str]) -> str:
    """Excel's rules: no `[]:*?/\\`, at most 31 characters, not `History`, unique ignoring case."""
    base = _CONTROL.sub("_", wanted.translate(_SHEET_NAME_TABLE)).strip("'")[:31] or "Sheet"
    if base.casefold() == "history":
        base = f"{base}_"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


class _Formats:
    """The few formats a rebuilt copy needs, by (fill, number format)."""

    def __init__(self, wb: XlsxWorkbook) -> None:
        self.wb = wb
        self.cache: dict[tuple[str | None, str | None, bool], Format] = {}

    def get(self, fill: str | None = None, num: str | None = None, bold: bool = False) -> Format | None:
        if fill is None and num is None and not bold:
            return None
        key = (fill, num, bold)
        if key not in self.cache:
            props: dict[str, Any] = {}
            if fill:
                props.update(pattern=1, bg_color=f"#{fill}")
            if num:
                props["num_format"] = num
            if bold:
                props["bold"] = True
            self.cache[key] = self.wb.add_format(props)
        return self.cache[key]


def _num_format(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return "yyyy-mm-dd hh:mm:ss" if value.time() != dt.time() else "yyyy-mm-dd"
    if isinstance(value, dt.date):
        return "yyyy-mm-dd"
    if isinstance(value, dt.time):
        return "hh:mm:ss"
    if isinstance(value, dt.timedelta):
        return "[h]:mm:ss"
    return None


def _write_value(ws: XlsxWorksheet, r: int, c: int, value: Any, fmt: Format | None) -> int:
    """Write one value the reader saw, as its own type; return its display width."""
    if value is None:
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
        return 0
    if isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
        return 5
    if isinstance(value, dt.timedelta):
        ws.write_number(r, c, value.total_seconds() / 86400, fmt)
        return 10
    if isinstance(value, dt.datetime):
        ws.write_datetime(r, c, value, fmt)
        return 19 if value.time() != dt.time() else 10
    if isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt)
        return 10
    if isinstance(value, dt.time):
        ws.write_datetime(r, c, value, fmt)
        return 8
    if isinstance(value, (int, float)) and math.isfinite(value):
        ws.write_number(r, c, value, fmt)
        return len(f"{value:g}")
    text = str(value)[:MAX_TEXT]
    ws.write_string(r, c, text, fmt)
    return display_width(text[:100])


def rebuild_workbook(pack: Pack, report: FileReport, findings: list[Finding], target: Path, note: str,
                     limits: Limits | None = None) -> Path:
    """An .xlsx rebuilt from the values the reader sees in the county's file, marked and listed."""
    assert report.source is not None
    outcome = read_file(report.source, limits=limits)
    _check_unchanged(report, outcome.sha256)
    if outcome.workbook is None:
        raise ValueError(outcome.message or "文件无法读取")
    marks = cell_marks(findings, report)
    with atomic_path(target) as tmp:
        wb = XlsxWorkbook(str(tmp), WORKBOOK_OPTIONS)
        formats = _Formats(wb)
        taken: set[str] = {LIST_SHEET.casefold()}
        names: dict[str, str] = {}
        merges: dict[str, Merged] = {}
        hidden = []
        for sheet in outcome.workbook.sheets:
            name = _sheet_name(sheet.name, taken)
            names[sheet.name] = name
            ws = wb.add_worksheet(name)
            merges[sheet.name] = sheet.merged
            _rebuild_sheet(ws, formats, sheet.rows, sheet.merged, sheet.hidden_rows,
                           _to_top_left(marks.get(sheet.name, {}), sheet.merged))
            if not sheet.visible:
                hidden.append(ws)
        list_ws = wb.add_worksheet(LIST_SHEET)
        _list_sheet_xlsxwriter(list_ws, formats, pack, report, findings, note, names, merges)
        list_ws.activate()
        for ws in hidden:
            ws.hide()
        wb.close()
    return target


def _rebuild_sheet(ws: XlsxWorksheet, formats: _Formats, rows: Sequence[Sequence[Any]], merged: Merged,
                   hidden_rows: Iterable[int], marks: dict[Cell, Mark]) -> None:
    for r0, c0, r1, c1 in merged:
        if (r0, c0) == (r1, c1):
            continue
        try:
            ws.merge_range(r0 - 1, c0 - 1, r1 - 1, c1 - 1, "")
        except Exception:  # overlapping or out-of-range merges in a hostile file: skip them
            continue
    # Column widths from the table's rows only: a title, a group heading or a footer stands alone
    # in its row (or spans merged columns) and would make its column as wide as the sheet.
    spanning = {(r0, c0) for r0, c0, r1, c1 in merged if c1 > c0}
    widths: dict[int, int] = {}
    for r, row in enumerate(rows, 1):
        tabular = sum(v is not None for v in row) > 1
        for c, value in enumerate(row, 1):
            mark = marks.get((r, c))
            if value is None and mark is None:
                continue
            fmt = formats.get(mark.fill if mark else None, _num_format(value))
            width = _write_value(ws, r - 1, c - 1, value, fmt)
            if tabular and width > widths.get(c, 0) and (r, c) not in spanning:
                widths[c] = width
    for (r, c), mark in marks.items():
        if r > len(rows) or c > len(rows[r - 1]):  # a mark beyond the values (a row's first cell)
            ws.write_blank(r - 1, c - 1, None, formats.get(mark.fill))
        text = mark.text
        width, height = _comment_size(text)
        ws.write_comment(r - 1, c - 1, text, {"author": AUTHOR, "width": width, "height": height})
    for c, width in widths.items():
        ws.set_column(c - 1, c - 1, min(max(width + 2, 8), 40))
    for r in hidden_rows:
        ws.set_row(r - 1, None, None, {"hidden": True})
    print_setup(ws, "A4", landscape=True)  # the print settings were not kept: one page wide


def _list_sheet_xlsxwriter(ws: XlsxWorksheet, formats: _Formats, pack: Pack, report: FileReport,
                           findings: list[Finding], note: str, names: dict[str, str],
                           merges: dict[str, Merged], legend: str = LEGEND) -> None:
    wb = formats.wb
    ws.set_tab_color("#C00000")
    first = wb.add_format({"bold": True, "font_color": "#C00000", "text_wrap": True, "valign": "top"})
    ws.merge_range(0, 0, 0, len(FINDING_COLUMNS) - 1, "", first)
    ws.write_string(0, 0, _first_line(report, findings, [note], legend), first)
    ws.set_row(0, 60)
    header = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1})
    for c, (title, width) in enumerate(zip(FINDING_COLUMNS, FINDING_WIDTHS, strict=True)):
        ws.write_string(1, c, title, header)
        ws.set_column(c, c, width)
    wrap = wb.add_format({"valign": "top", "text_wrap": True})
    link = wb.add_format({"valign": "top", "font_color": "#0563C1", "underline": 1})
    severity = {True: formats.get(ERROR_FILL), False: formats.get(WARNING_FILL)}
    cell_col = FINDING_COLUMNS.index("单元格")
    severity_col = FINDING_COLUMNS.index("严重程度")
    rows = finding_rows(pack, findings, [report], to_sender=True)
    for r, (values, f) in enumerate(zip(rows, findings, strict=True), 2):
        for c, value in enumerate(values):
            write_cell(ws, r, c, value, severity[f.is_error] if c == severity_col else wrap)
        ws.set_row(r, row_height(values, FINDING_WIDTHS))
        pos = mark_position(f, report)
        sheet = names.get(f.sheet or "")
        if f.cell and pos is not None and sheet:
            where = _link_location(sheet, top_left(pos, merges[f.sheet or ""]))
            ws.write_url(r, cell_col, f"internal:{where}", link, string=f.cell)
    ws.freeze_panes(2, 0)
    print_setup(ws, "A4", landscape=True, repeat=(1, 1))
    ws.autofilter(1, 0, max(len(rows) + 1, 2), len(FINDING_COLUMNS) - 1)
