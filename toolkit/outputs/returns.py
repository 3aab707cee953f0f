"""Return copies (`退回修改/`): each county's own workbook with its problems marked, to mail back.

For every file read with findings, a copy of the county's workbook is written where each cell a
finding points at is filled red (error) or amber (warning) and carries a comment with the
message(s); a finding that names a row but no cell marks the row's first cell. A `问题清单` sheet
lists that file's findings with the report's columns, each cell reference a link to the cell.

- xlsx/xlsm are patched part by part (toolkit/outputs/returns_xml/): only the marked cells' styles, the
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

One call, `make_copy`, tries these ways in turn and returns a `ReturnCopy` saying which way made
the copy and what it lacks. Only the failures expected of a county's file are caught (a damaged
zip, XML, encodings, openpyxl's refusals); each way that failed is named, with its reason and what
the copy lacks as a result, in a `file.return-fallback` warning that the report, run's warnings and
`--json` carry. Our own copy sent back goes to openpyxl by design (it clears the old marks) and
says nothing. The marks themselves are computed in toolkit/outputs/returns_marks.py, which every way uses.

Copies are named `<county's file name>（退回修改）.xlsx`, in the sub-folders the file had in the
inbox, with names made valid on Windows and never outside the output folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import pyexpat
import re
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from lxml import etree
from xlsxwriter.exceptions import XlsxInputError
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook as XlsxWorkbook
from xlsxwriter.worksheet import Worksheet as XlsxWorksheet

from toolkit.errors import OutputError
from toolkit.findings import Finding
from toolkit.ingest.guard import Limits
from toolkit.ingest.readers import read_file
from toolkit.ingest.records import FileReport
from toolkit.merge.pipeline import Batch
from toolkit.outputs import returns_xml
from toolkit.outputs.report import (
    FINDING_COLUMNS,
    FINDING_WIDTHS,
    MAX_TEXT,
    WORKBOOK_OPTIONS,
    finding_rows,
    row_height,
    write_cell,
)
from toolkit.outputs.returns_marks import (
    AUTHOR,
    ERROR_FILL,
    LEGEND,
    LIST_SHEET,
    WARNING_FILL,
    WORD_LEGEND,
    Cell,
    Mark,
    Merged,
    cell_marks,
    comment_size,
    first_line,
    link_location,
    mark_position,
    to_top_left,
    top_left,
)
from toolkit.packs.model import Pack
from toolkit.runtime.atomic import atomic_path, explain
from toolkit.template.styles import HEADER_FILL, display_width, print_setup
from toolkit.xlsx.fastsheet import Book

__all__ = ["AUTHOR", "ERROR_FILL", "LIST_SHEET", "WARNING_FILL", "ChangedSinceRead", "CopyFailed", "ReturnCopy",
           "ReturnJob", "copy_workbook", "make_copy", "return_jobs", "return_name", "safe_part", "write_return_jobs",
           "write_returns"]

RETURNS_DIR = "退回修改"
SUFFIX = "（退回修改）"
LIST_SUFFIX = "（问题清单）"  # a Word form is never rewritten: its problems come back as a workbook
WORD_KINDS = ("docx",)
OPENPYXL_KINDS = ("xlsx", "xlsm")
# Worksheet XML beyond this (uncompressed) is not loaded into openpyxl's per-cell objects; the
# copy is rebuilt from the reader's values instead, which are bounded by its row limit.
MAX_SHEET_XML = 300 * 1024 * 1024
# Parts openpyxl does not carry over (shapes, form controls, embedded objects; pictures unless
# Pillow is installed): their presence is mentioned in the copy's 问题清单 when openpyxl made it
# (the patched copy keeps them).
# (xl/drawings/vmlDrawing*.vml only holds comment boxes, which are kept.)
LOST_PARTS = ("xl/drawings/drawing", "xl/media/", "xl/activeX/", "xl/ctrlProps/", "xl/embeddings/")



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


# --------------------------------------------------------------------------- entry point


def write_returns(batch: Batch, out_dir: Path, *, problems: list[str] | None = None) -> list[Path]:
    """Write a return copy for every file read with findings into `out_dir` (the `退回修改`
    folder, created even when no copy is needed); return the copies' paths in file order.

    A copy made another way than the best one for its file, or not made at all, adds a
    `file.return-fallback` warning to the batch's findings (`Batch.output_findings`, so the
    report written after this lists it), and its Chinese message to `problems` when given. A
    file whose copy is not made is left out; its findings are in the report all the same. An
    output that cannot be written raises OutputError.
    """
    found: list[Finding] = []
    written = write_return_jobs(batch, return_jobs(batch, out_dir, problems=problems), problems=problems,
                                findings=found)
    batch.output_findings.extend(found)
    return written


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


def write_return_jobs(batch: Batch, jobs: Sequence[ReturnJob], *, problems: list[str] | None = None,
                      findings: list[Finding] | None = None, staged: bool = False) -> list[Path]:
    """Write `jobs`' copies; the paths written, in the jobs' order. Each `file.return-fallback`
    warning goes to `findings` and its message to `problems` (when given): the caller, which may
    be a worker process, hands them to the batch.

    `staged`: the copies go into a run's staging folder (toolkit/run/job.py), new and empty,
    that becomes the outputs all at once (toolkit/run/commit.py) only when every output was
    written, and is removed otherwise. A patched copy is then written straight to its name: its
    bytes are all made before the file is opened, a write that fails stops the run (the folder
    is never committed), and no one else has the folder open, so writing through a temporary
    file and renaming it (`atomic_path`, for a copy written into the clerk's own folder) only
    cost a file creation and a rename per copy."""
    written: list[Path] = []
    for job in jobs:
        try:
            made = make_copy(batch.pack, job.report, job.findings, job.target, batch.limits, staged=staged)
        except ChangedSinceRead as exc:
            _note(problems, f"{job.report.path}：{exc}")
            continue
        except CopyFailed as exc:  # one workbook no way could copy never stops the others
            if findings is not None:
                findings.append(exc.finding)
            _note(problems, exc.finding.message)
            continue
        if made.fallback is not None:
            if findings is not None:
                findings.append(made.fallback)
            _note(problems, made.fallback.message)
        written.append(made.path)
    return written


def _note(problems: list[str] | None, line: str) -> None:
    if problems is not None:
        problems.append(line)


# --------------------------------------------------------------------------- one copy, three ways

CopyKind = Literal["patched", "copied", "rebuilt", "problem-list"]
# What a copy made the next way lacks against the county's file, as the fallback warning says it.
COPIED_LACKS = "副本经整体复制后，公式的计算结果要在 Excel 中打开时重新计算"
REBUILT_LACKS = "副本按读取到的数据重建，只保留数据，原文件的字体、颜色、列宽、公式等格式均未保留"


@dataclass(frozen=True)
class ReturnCopy:
    """One return copy made: which way (`patched` part by part, `copied` with openpyxl, `rebuilt`
    from the values read, or a Word form's `problem-list`), what it lacks against the county's
    file (also said on its 问题清单), and the `file.return-fallback` warning when a better way
    failed first."""

    path: Path
    kind: CopyKind
    lost: tuple[str, ...] = ()
    fallback: Finding | None = None


class CopyFailed(Exception):
    """No way could make the copy; `finding` says why, in Chinese, as a `file.return-fallback`."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _fallback(report: FileReport, failed: Sequence[str], outcome: str) -> Finding:
    """The warning for a copy made another way: each way that failed and why, then what the
    clerk's copy lacks as a result (or that there is none)."""
    return Finding("file.return-fallback", "warning", f"{report.path}：{'；'.join(failed)}。{outcome}",
                   file=report.path)


# What the patching may raise on a county's file it cannot patch: its own refusal, a damaged zip
# (bad CRC, truncated member), a compression or encryption zipfile cannot read, XML lxml or expat
# cannot parse, and the int()/decoding errors of malformed attributes and parts.
PATCH_FAILURES: tuple[type[BaseException], ...] = (
    returns_xml.Unsupported, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
    etree.LxmlError, pyexpat.ExpatError, ValueError, KeyError, IndexError,
)
# The rebuild: a file the reader cannot read again, or values xlsxwriter refuses.
REBUILD_FAILURES: tuple[type[BaseException], ...] = (ValueError, XlsxInputError)


def _why(exc: BaseException, refusals: tuple[type[BaseException], ...] = ()) -> str:
    """What failed, in the clerk's words (`refusals`: openpyxl's own exceptions)."""
    if isinstance(exc, returns_xml.Unsupported):
        return str(exc)
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)):
        return "文件内部的压缩数据有损坏"
    if isinstance(exc, NotImplementedError):
        return "文件内部使用了少见的压缩方式"
    if isinstance(exc, RecursionError):
        return "文件内部嵌套过深"
    if isinstance(exc, RuntimeError):  # zipfile's refusal of an encrypted member
        return "文件内部有加密的部分"
    if isinstance(exc, (etree.LxmlError, pyexpat.ExpatError, SyntaxError)):
        return "文件内部的 XML 格式有误"
    if isinstance(exc, (*refusals, XlsxInputError)):
        return "文件中有 Excel 不接受的内容（如非法字符、工作表名或单元格位置）"
    if isinstance(exc, TypeError):  # openpyxl's typed descriptors
        return "文件内部有取值类型不对的设置"
    if isinstance(exc, OSError):
        return "文件无法再次读取（可能已被移走、改名，或正被其他程序占用）"
    message = str(exc) if isinstance(exc, ValueError) else ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):  # the reader's own reason (rebuild_workbook)
        return message
    return "文件内部结构不合常规"


def make_copy(pack: Pack, report: FileReport, findings: list[Finding], target: Path,
              limits: Limits | None = None, *, staged: bool = False) -> ReturnCopy:
    """The return copy of one file, made the best way that works for it: an xlsx/xlsm is
    patched part by part (everything kept), else copied with openpyxl (pictures and shapes may be
    lost), else rebuilt from the values the reader saw (formats lost); an xls/ods/csv is rebuilt;
    a Word form gets its problem list. A way that fails for an expected reason (a damaged or
    unusual file) passes to the next, and the copy then carries a `file.return-fallback` warning
    naming each failure and what the copy lacks. Raises CopyFailed when no way works,
    ChangedSinceRead when the file changed since it was read, OutputError when the copy cannot
    be written. `staged`: `target` is in a run's staging folder (see `write_return_jobs`)."""
    assert report.source is not None
    kind = report.kind or "xlsx"
    if kind in WORD_KINDS:
        return ReturnCopy(problem_list(pack, report, findings, target), "problem-list")
    failed: list[str] = []
    if kind in OPENPYXL_KINDS:
        try:
            data = report.source.read_bytes()
        except OSError as exc:
            raise CopyFailed(_fallback(report, [f"无法生成退回修改副本：{_why(exc)}"], "问题见校验报告")) from None
        _check_unchanged(report, hashlib.sha256(data).hexdigest())
        archive = _open_zip(data)  # its directory read once, for the size here and the patching
        if _sheet_xml_size(archive) > MAX_SHEET_XML:
            failed.append(f"工作表数据超过 {MAX_SHEET_XML // (1024 * 1024)} MB，退回修改副本不按原文件复制")
        else:
            made = _copy_workbook(pack, report, findings, target, data, failed, archive, staged=staged)
            if made is not None:
                return made
        note = "原文件太大或无法按原样复制，此为按原数据重建的 .xlsx 副本（只保留数据，原格式未保留）"
    else:
        note = rebuilt_note(kind)
    try:
        path = rebuild_workbook(pack, report, findings, target, note, limits)
    except REBUILD_FAILURES as exc:
        failed.append(f"也无法按读取到的数据重建副本（{_why(exc)}）" if failed else f"无法生成退回修改副本（{_why(exc)}）")
        raise CopyFailed(_fallback(report, failed, "没有生成退回修改副本，问题见校验报告")) from None
    fallback = _fallback(report, failed, REBUILT_LACKS) if failed else None
    return ReturnCopy(path, "rebuilt", (note,), fallback)


def _copy_workbook(pack: Pack, report: FileReport, findings: list[Finding], target: Path, data: bytes,
                   failed: list[str], archive: zipfile.ZipFile | None = None, *,
                   staged: bool = False) -> ReturnCopy | None:
    """The county's own xlsx/xlsm, patched or else copied with openpyxl; None (each failure's
    reason added to `failed`) when neither works. `archive`: `data` already opened as a zip."""
    kept = _lost_parts_notes(data, report.kind, everything_kept=True)
    try:
        path = returns_xml.patch_workbook(pack, report, findings, target, data, kept, archive=archive,
                                          staged=staged)
        return ReturnCopy(path, "patched", tuple(kept))
    except returns_xml.EarlierList:
        pass  # our copy sent back: openpyxl clears its old marks, the way meant for it
    except PATCH_FAILURES as exc:
        failed.append(f"无法在原文件上直接标注问题（{_why(exc)}），改为整体复制原文件")
    # imported only when needed: openpyxl is slow to import
    from toolkit.outputs.returns_openpyxl import COPY_FAILURES, OPENPYXL_REFUSALS, openpyxl_copy

    lost = _lost_parts_notes(data, report.kind)
    try:
        path = openpyxl_copy(pack, report, findings, target, data, lost)
    except (*PATCH_FAILURES, *COPY_FAILURES) as exc:
        failed.append(f"也无法整体复制原文件（{_why(exc, OPENPYXL_REFUSALS)}），改为按读取到的数据重建")
        return None
    lacks = "；".join(n for n in lost if n not in kept) or COPIED_LACKS
    return ReturnCopy(path, "copied", tuple(lost), _fallback(report, failed, lacks) if failed else None)


def copy_workbook(pack: Pack, report: FileReport, findings: list[Finding], target: Path) -> Path:
    """The county's own xlsx/xlsm with the marks, comments and a 问题清单 sheet, saved as .xlsx:
    patched part by part, else copied with openpyxl (`make_copy` without the rebuild). Raises
    CopyFailed when neither works."""
    assert report.source is not None
    data = report.source.read_bytes()
    _check_unchanged(report, hashlib.sha256(data).hexdigest())
    failed: list[str] = []
    made = _copy_workbook(pack, report, findings, target, data, failed)
    if made is None:
        raise CopyFailed(_fallback(report, failed, "没有生成副本"))
    return made.path


def problem_list(pack: Pack, report: FileReport, findings: list[Finding], target: Path) -> Path:
    """For a Word form: a workbook of one 问题清单 sheet (the same sheet as in every return copy),
    written beside where its copy would go. The enterprise's Word file is never rewritten; each
    problem names its place as `表格 N 第 r 行 第 c 列`."""
    note = "原文件为 Word 申报书，未改动原文件；请按下列位置（表格 N 第 r 行 第 c 列）在原文件中修改"
    with atomic_path(target) as tmp:
        wb = _workbook(tmp)
        ws = wb.add_worksheet(LIST_SHEET)
        _list_sheet_xlsxwriter(ws, _Formats(wb), pack, report, findings, note, {}, {}, WORD_LEGEND)
        wb.close()
    return target


def _workbook(path: Path) -> XlsxWorkbook:
    """A rebuilt copy's or a problem list's workbook: zipped by `Book` (zlib at its fastest level,
    as every zip we write; xlsxwriter's own level 6 took a third of a rebuilt copy's time) from
    parts kept in memory (a rebuilt copy is bounded by the reader's row limit), not from a
    temporary file per part, each created and removed again."""
    return Book(str(path), {**WORKBOOK_OPTIONS, "in_memory": True})


def _open_zip(data: bytes) -> zipfile.ZipFile | None:
    """`data` opened as a zip; None for a damaged one (the patching then opens it again, fails
    and says why)."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None


def _sheet_xml_size(archive: zipfile.ZipFile | None) -> int:
    """The worksheets' uncompressed size as the zip records it (0 for a damaged zip)."""
    if archive is None:
        return 0
    return sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))


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
        wb = _workbook(tmp)
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
                           to_top_left(marks.get(sheet.name, {}), sheet.merged))
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
        except XlsxInputError:  # overlapping merges in a hostile file: skip them (xlsxwriter ignores out-of-range ones)
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
        width, height = comment_size(text)
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
    ws.write_string(0, 0, first_line(report, findings, [note], legend), first)
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
            where = link_location(sheet, top_left(pos, merges[f.sheet or ""]))
            ws.write_url(r, cell_col, f"internal:{where}", link, string=f.cell)
    ws.freeze_panes(2, 0)
    print_setup(ws, "A4", landscape=True, repeat=(1, 1))
    ws.autofilter(1, 0, max(len(rows) + 1, 2), len(FINDING_COLUMNS) - 1)
