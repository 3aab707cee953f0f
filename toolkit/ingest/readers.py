"""Readers: every file a county sent -> the cell values of its sheets, or why it was not read.

A clerk drops a folder of whatever the counties sent. Each file is classified by its bytes, not
its name (counties rename `.xlsx` to `.xls`, and government systems export HTML or tab-separated
text as `.xls`), then read by python-calamine (xlsx/xlsm/xls/ods) or the csv module. Nothing here
raises for a bad file: it becomes a `FileOutcome` with status `error` or `skipped` and a Chinese
message that says what the county should do, so one bad workbook never stops the batch.

Cell values are python-calamine's (str, int, float, bool, date, datetime, time, timedelta), except
that an empty cell is None (calamine gives "" for empty and for error cells alike). Row i of
`SheetData.rows` is Excel row i+1 and column j is column j+1, whatever the sheet's used range.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import errno
import hashlib
import io
import os
import posixpath
import pyexpat
import re
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

from defusedxml.ElementTree import fromstring
from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from toolkit.errors import ShenbaoError
from toolkit.findings import Finding, a1
from toolkit.ingest.guard import HOW_TO_RAISE, Limits, check_zip, members_by_part, part_name

Status = Literal["ok", "error", "skipped"]

MSG_EMPTY = "文件是空的（0 字节），请重新发送"
MSG_CORRUPT = "文件已损坏或不完整（可能没有传完或下载中断），无法读取。请重新导出后报送"
MSG_ENCRYPTED = "文件设置了打开密码，无法读取。请去掉密码，另存为不加密的 .xlsx 后重新报送"
MSG_NOT_SHEET = "不是电子表格文件（Word/PDF/图片等），已跳过"
MSG_ARCHIVE = "压缩包，已跳过。如果里面是申报表，请先解压，再把表格放进文件夹"
MSG_LOCK = "Office/WPS 打开工作簿时留下的临时锁定文件，不是申报表，已跳过"
MSG_SYSTEM = "系统自动生成的文件（缩略图缓存、文件夹设置等），已跳过"
MSG_NO_SHEETS = "工作簿里没有任何工作表，无法读取。请检查是否发错了文件，重新报送"
MSG_HTML = "文件扩展名是表格，但内容其实是网页（HTML，常见于业务系统导出），无法直接读取。请用 Excel 或 WPS 打开，另存为 .xlsx 后重新报送"
MSG_XML2003 = "文件是“XML 电子表格 2003”格式，无法直接读取。请用 Excel 或 WPS 打开，另存为 .xlsx 后重新报送"
MSG_XLSB = "文件是 Excel 二进制工作簿（.xlsb），无法读取。请用 Excel 打开，另存为 .xlsx 后重新报送"
MSG_ODD_PLACE = ("文件是 Excel 工作簿，但其内部结构不标准（工作簿部件位于 {part}，不在通常的 xl/workbook.xml），无法读取。"
                 "请用 Excel 或 WPS 打开，另存为 .xlsx 后重新报送")
MSG_ENCODING = "无法识别文本文件的编码（不是 UTF-8 也不是 GBK），无法读取。请用 Excel 或 WPS 打开，另存为 .xlsx 后重新报送"

# Extensions a sender uses for a spreadsheet: content we cannot read under such a name is a broken
# declaration (error, the county must resend); under any other name it is just not ours (skipped).
SHEET_EXTS = frozenset(".xlsx .xlsm .xltx .xltm .xls .xlt .et .ett .ods .ots .csv .tsv".split())
# Plain text under these names is read as a table only when it really has columns.
TEXT_EXTS = frozenset({".txt", ".dat", ""})
SETTINGS_FILE = "shenbao.toml"
SYSTEM_NAMES = frozenset({"thumbs.db", "ehthumbs.db", ".ds_store", "desktop.ini"})

# calamine holds a sheet as a dense grid of 32-byte cells from A1 to the last cell with a value,
# and aborts the whole process (no exception) when that grid cannot be allocated: one stray value
# in XFD1048576 would kill the batch. Sheets whose grid exceeds this are refused before calamine
# sees them. 2**24 cells (~0.5 GB) is exactly the largest .xls sheet (65536 rows x 256 columns).
CELL_BUDGET = 1 << 24

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
# PDF, PNG, JPEG, GIF, RTF, RAR, 7z, gzip: recognised, and not ours.
OTHER_MAGICS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")
# python-calamine's from_path picks its reader by these extensions (calamine open_workbook_auto).
CALAMINE_SUFFIXES = {
    "xlsx": (".xlsx", ".xlsm", ".xlam"),
    "xlsm": (".xlsm", ".xlsx", ".xlam"),
    "xls": (".xls", ".xla"),
    "ods": (".ods",),
}


@dataclass(frozen=True)
class SheetData:
    name: str
    rows: list[list[Any]]
    visible: bool
    hidden_rows: frozenset[int]  # xlsx/xlsm/ods; empty for xls and csv
    merged: tuple[tuple[int, int, int, int], ...]  # (first_row, first_col, last_row, last_col)


@dataclass(frozen=True)
class WorkbookData:
    path: Path
    kind: str  # "xlsx" | "xlsm" | "xls" | "ods" | "csv": what the bytes are, not the extension
    sheets: tuple[SheetData, ...]


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    status: Status
    message: str | None
    workbook: WorkbookData | None
    findings: tuple[Finding, ...]
    sha256: str | None = None  # of the very bytes read (None: not read, e.g. an Office lock file)
    size: int | None = None


class _Refused(Exception):
    """A file we will not read: carries the outcome's status, code and message."""

    def __init__(self, status: Status, message: str, code: str = "file.unreadable") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def _corrupt() -> _Refused:
    return _Refused("error", MSG_CORRUPT, "file.corrupt")


def _skip(message: str = MSG_NOT_SHEET) -> _Refused:
    return _Refused("skipped", message)


def _unrecognised(path: Path) -> _Refused:
    # Bytes we cannot make sense of under a name that promises a spreadsheet: a broken
    # declaration the county must resend. Under any other name: not ours.
    return _corrupt() if path.suffix.lower() in SHEET_EXTS else _skip()


# --------------------------------------------------------------------------- discovery


def discover(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> list[Path]:
    """Files to read: each file given, and every file under each folder given (recursively).

    Folders are listed in sorted relative-path order, inputs in the order given; a file reached
    twice (given twice, or inside a folder also given) is listed once. Symlinks are never
    followed out of their folder, and symlinked folders are not entered. A link that leads
    nowhere (its target gone, or a loop) is listed: read_file gives it its own status.
    """
    found: list[Path] = []
    seen: set[Any] = set()

    def add(path: Path) -> None:
        key = _identity(path)
        if key not in seen:
            seen.add(key)
            found.append(path)

    for item in inputs:
        item = Path(item)
        if item.is_dir():
            root = item.resolve()
            batch: list[Path] = []
            skip = {_resolved(p) for p in exclude}
            for dirpath, dirnames, filenames in os.walk(item):
                # Our own output folder inside the inbox is never read back as county files.
                dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))
                               and _resolved(Path(dirpath, d)) not in skip]
                for name in filenames:
                    if name == SETTINGS_FILE:
                        continue  # shenbao.toml: the clerk's settings, not a county's file
                    path = Path(dirpath, name)
                    if path.is_symlink():
                        target = _resolved(path, strict=True)
                        if target is None:  # dangling or looping: a status of its own, not a crash
                            batch.append(path)
                            continue
                        if not target.is_relative_to(root):
                            continue
                    if path.is_file():
                        batch.append(path)
            # By path parts, so a folder's files stay together ("a/x" before "a b/x").
            for path in sorted(batch, key=lambda p: p.relative_to(item).parts):
                add(path)
        elif item.exists() or item.is_symlink():
            add(item)
        else:
            raise ShenbaoError(f"找不到 {item}：请检查文件或文件夹的路径是否正确")
    return found


def _resolved(path: Path, strict: bool = False) -> Path | None:
    """`path.resolve()`, or None where it cannot be resolved (a symlink loop; with `strict`, a
    link whose target is gone): Path.resolve raises RuntimeError or OSError there."""
    try:
        return path.resolve(strict=strict)
    except (OSError, RuntimeError):
        return None


def _link_problem(path: Path) -> _Refused | None:
    """A symlink that leads nowhere: a loop (skipped: nothing to read) or a target that is gone
    (error: the file the link stood for is missing)."""
    if not path.is_symlink():
        return None
    try:
        os.stat(path)
    except OSError as exc:
        target = os.readlink(path)
        if exc.errno == errno.ELOOP:
            return _Refused("skipped", f"这是一个循环指向自身的快捷方式（符号链接，指向“{target}”），没有可读取的内容，已跳过",
                            "file.link-loop")
        return _Refused("error", f"这是一个快捷方式（符号链接），它指向的“{target}”不存在（可能已被移动或删除），无法读取。"
                                 f"请把原文件放进收件文件夹", "file.link-broken")
    return None


def _identity(path: Path) -> Any:
    try:
        st = path.stat()
    except OSError:
        return os.path.normcase(os.path.abspath(path))
    if st.st_ino:  # same inode: the same file, whatever the spelling or link
        return (st.st_dev, st.st_ino)
    return os.path.normcase(str(_resolved(path) or os.path.abspath(path)))


# --------------------------------------------------------------------------- reading


@dataclass
class _Read:
    """What was read of a file: the SHA-256 and size of its bytes, as they were read."""

    sha256: str | None = None
    size: int | None = None


def read_file(path: Path, *, max_rows: int | None = None, limits: Limits | None = None,
              only: frozenset[str] | None = None) -> FileOutcome:
    """Read one file into a WorkbookData, or say why not. Never raises.

    The file is read from disk once, whole, and everything (the guard, the format, the sheet
    scan, calamine) works on those bytes, whose SHA-256 the outcome carries: the manifest's
    checksum is of the very bytes the rows came from, even when the file is replaced meanwhile.
    `only`: the names of the sheets to read, the others left unparsed (the guard still checks
    the whole file); a workbook with none of them is refused as having no sheets."""
    path = Path(path)
    limits = limits or Limits()
    max_rows = max(1, limits.max_rows if max_rows is None else max_rows)  # to_python(nrows=0) underflows
    read = _Read()
    outcome = _read_file(path, max_rows, limits, read, only)
    return dataclasses.replace(outcome, sha256=read.sha256, size=read.size) if read.sha256 else outcome


def _read_file(path: Path, max_rows: int, limits: Limits, read: _Read,
               only: frozenset[str] | None = None) -> FileOutcome:
    try:
        try:
            _skip_by_name(path)
        except _Refused:
            with contextlib.suppress(_Refused):  # read only for the manifest's checksum; a locked one has none
                _read_once(path, limits, read)
            raise
        data = _read_once(path, limits, read)
        parts: dict[str, bytes] = {}  # what the guard inflated that the sheet scan reads
        refusal = check_zip(path, limits, parts, data)  # before anything inflates a part of an xlsx/ods
        if refusal is not None:
            return _refusal(path, "error", refusal.message, refusal.code, refusal.detail)
        kind = _classify(path, data)
        if kind == "csv":
            workbook, findings = _read_csv(path, max_rows, data)
        else:
            workbook, findings = _read_workbook(path, kind, max_rows, parts, data, only)
        return FileOutcome(path, "ok", None, workbook, tuple(findings))
    except _Refused as refused:
        return _refusal(path, refused.status, refused.message, refused.code)
    except PasswordError:  # an .xls or .ods with a password: calamine sees it, we do not
        return _refusal(path, "error", MSG_ENCRYPTED, "file.encrypted")
    except BaseException as exc:
        # The last line of defence: calamine errors, zip/XML errors, and pyo3's PanicException
        # (a BaseException) all become "corrupt" rather than stopping the batch.
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        detail = f"{type(exc).__name__}: {exc}"[:300]
        return _refusal(path, "error", MSG_CORRUPT, "file.corrupt", detail)


def _refusal(path: Path, status: Status, message: str, code: str, detail: str = "") -> FileOutcome:
    findings: tuple[Finding, ...] = ()
    if status == "error":
        extra = {"detail": detail} if detail else {}
        findings = (Finding(code, "error", message, file=str(path), extra=extra),)
    return FileOutcome(path, status, message, None, findings)


def _skip_by_name(path: Path) -> None:
    """Office's lock files and the system's own files are skipped unread (often locked anyway)."""
    name = path.name
    if name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#")):
        raise _Refused("skipped", MSG_LOCK)
    if name.casefold() in SYSTEM_NAMES or name.startswith("._"):
        raise _Refused("skipped", MSG_SYSTEM)
    refused = _link_problem(path)
    if refused is not None:
        raise refused


def _read_once(path: Path, limits: Limits, read: _Read) -> bytes:
    """The file's bytes, read once, their SHA-256 and size noted in `read` as they are read.
    A file larger than any workbook the limits allow is hashed as it streams past, not kept:
    it is skipped when its first bytes say it is not a spreadsheet, else refused as too large."""
    try:
        if not path.is_file():
            raise _Refused("error", "找不到这个文件，或它不是普通文件，无法读取。请确认文件还在文件夹里")
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size <= limits.max_unzipped_bytes:
                data = fh.read()
                read.sha256, read.size = hashlib.sha256(data).hexdigest(), len(data)
                return data
            digest, size, head = hashlib.sha256(), 0, b""
            for block in iter(lambda: fh.read(1 << 20), b""):
                head = head or block[:8192]
                digest.update(block)
                size += len(block)
            read.sha256, read.size = digest.hexdigest(), size
    except OSError as exc:
        raise _Refused(
            "error",
            f"无法打开文件（{exc.strerror or exc}）。如果文件正被 Excel/WPS 打开，请关闭后重试",
        ) from None
    if head.startswith(OTHER_MAGICS) or path.suffix.lower() not in SHEET_EXTS:
        raise _skip()
    raise _Refused("error", f"文件「{path.name}」有 {size / (1 << 20):,.0f} MB，超过上限 {limits.max_unzipped_mb} MB，"
                   f"远大于正常的申报表，已拒绝读取。请检查是否发错了文件；" + HOW_TO_RAISE.format(key="max_unzipped_mb"),
                   "file.too-large")


def _classify(path: Path, data: bytes) -> str:
    """What the bytes are: a kind to read, or _Refused."""
    if not data:
        raise _Refused("error", MSG_EMPTY, "file.empty")
    head = data[:8192]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_kind(path, head, data)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path, data)
    if head.startswith(OTHER_MAGICS):
        raise _skip()
    return _text_kind(path, head, data)


def _zip_kind(path: Path, head: bytes, data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            package = _Package(zf, members_by_part(names))
            workbook = _workbook_part(package)
            if workbook is not None:
                if workbook.endswith(".bin"):
                    raise _Refused("error", MSG_XLSB, "file.unsupported-format")
                if workbook != "xl/workbook.xml":
                    # A workbook, but where the reader does not look for one (it finds xl/workbook.xml
                    # whatever the case or separator of the member's name, not elsewhere).
                    raise _Refused("error", MSG_ODD_PLACE.format(part=workbook), "file.unsupported-format")
                types = package.read("[content_types].xml") or b""
                macro = b"macroEnabled" in types or path.suffix.lower() in (".xlsm", ".xltm")
                return "xlsm" if macro else "xlsx"
            if "mimetype" in names and zf.read("mimetype").decode("ascii", "replace").startswith(ODS_MIME):
                manifest = zf.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
                if b"encryption-data" in manifest:  # ODF encrypts content.xml in place
                    raise _Refused("error", MSG_ENCRYPTED, "file.encrypted")
                return "ods"
            if any(n.lower().endswith(tuple(SHEET_EXTS)) for n in names):
                raise _skip(MSG_ARCHIVE)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError):
        # A truncated zip has no central directory; its first local header still names the parts.
        if b"[Content_Types].xml" in head or b"xl/" in head or ODS_MIME.encode() in head:
            raise _corrupt() from None
        raise _unrecognised(path) from None
    # An intact zip of something else (.docx, .pptx, photos): content decides, not the name.
    raise _skip(MSG_ARCHIVE if path.suffix.lower() == ".zip" else MSG_NOT_SHEET)


# What the package's content types call a workbook part (xlsx, xlsm, xltx, xltm, xlsb).
WORKBOOK_TYPES = ("spreadsheetml.sheet.main", "spreadsheetml.template.main", "ms-excel.sheet.macroenabled.main",
                  "ms-excel.template.macroenabled.main", "ms-excel.sheet.binary.macroenabled.main")
OFFICE_DOCUMENT = "/officeDocument"  # the end of the relationship type (transitional and strict)
_WORKBOOK_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?workbook[\s>/]")


class _Package:
    """An Office package's parts by part name, each inflated at most once (the content types are
    wanted to find the workbook and again to tell a macro workbook)."""

    def __init__(self, zf: zipfile.ZipFile, members: dict[str, str]) -> None:
        self.zf, self.members = zf, members
        self._read: dict[str, bytes | None] = {}

    def read(self, name: str) -> bytes | None:
        if name not in self._read:
            member = self.members.get(name)
            self._read[name] = self.zf.read(member) if member is not None else None
        return self._read[name]


def _workbook_part(package: _Package) -> str | None:
    """The workbook part of an Office package (as a part name), found as Excel and calamine find
    it: the package relationship `officeDocument` in `_rels/.rels`, whose target the content
    types call a workbook; else `xl/workbook.xml` or `xl/workbook.bin` where it is usually kept.
    None for any other package (a .docx, a .pptx) or zip."""
    rels = package.read("_rels/.rels")
    if rels:
        for rel in _children(rels):
            kind = rel.get("Type") or ""
            if not kind.endswith(OFFICE_DOCUMENT) or rel.get("TargetMode") == "External":
                continue
            target = posixpath.normpath("/" + (rel.get("Target") or "").replace("\\", "/"))
            part = part_name(target)
            if part in package.members and _is_workbook(package, part):
                return part
    for usual in ("xl/workbook.xml", "xl/workbook.bin"):
        if usual in package.members:
            return usual
    return None


def _is_workbook(package: _Package, part: str) -> bool:
    types = package.read("[content_types].xml")
    if types:
        for el in _children(types):
            if el.tag.endswith("Override") and part_name(el.get("PartName") or "") == part:
                return any(t in (el.get("ContentType") or "").lower() for t in WORKBOOK_TYPES)
    if part.endswith(".bin"):
        return part == "xl/workbook.bin"
    with package.zf.open(package.members[part]) as fh:  # no override: the part's root element says what it is
        return bool(_WORKBOOK_ROOT.search(fh.read(4096)))


def _ole_kind(path: Path, data: bytes) -> str:
    try:
        names = {n.casefold() for n in _ole_names(data)}
    except ValueError:
        raise _unrecognised(path) from None
    if "encryptioninfo" in names or "encryptedpackage" in names:
        # An encrypted .xlsx is an OLE file holding the encrypted zip, whatever its extension.
        raise _Refused("error", MSG_ENCRYPTED, "file.encrypted")
    if "workbook" in names or "book" in names:  # BIFF8 / BIFF5 (also WPS .et)
        return "xls"
    raise _skip()  # .doc, .ppt, .msg ...


def _ole_names(data: bytes) -> list[str]:
    """Names of all entries in an OLE2 compound file's directory (MS-CFB), or ValueError.

    Hand-parsed so that telling an encrypted .xlsx from a .xls needs no extra dependency.
    """
    if len(data) < 512:
        raise ValueError("short header")
    shift, = struct.unpack_from("<H", data, 0x1E)
    if shift not in (9, 12):
        raise ValueError("sector size")
    size = 1 << shift
    n_sectors = (len(data) - 1) // size  # sector n starts at (n + 1) * size, after the header

    def sector(n: int) -> bytes:
        if n >= n_sectors:
            raise ValueError("sector out of file")  # a truncated .xls
        # Some writers leave the last sector short; the spec's zeros are implied.
        return data[(n + 1) * size : (n + 2) * size].ljust(size, b"\0")

    fat_count, first_dir = struct.unpack_from("<II", data, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", data, 0x44)
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    nxt = first_difat
    for _ in range(min(difat_count, n_sectors)):  # a looping chain in a broken file ends here
        if nxt >= 0xFFFFFFFA:
            break
        difat = struct.unpack(f"<{size // 4}I", sector(nxt))
        fat_sectors += [s for s in difat[:-1] if s < 0xFFFFFFFA]
        nxt = difat[-1]
    fat: list[int] = []
    for s in fat_sectors[:fat_count]:
        fat += struct.unpack(f"<{size // 4}I", sector(s))

    names: list[str] = []
    current, steps = first_dir, 0
    while current < 0xFFFFFFFA:
        steps += 1
        if steps > n_sectors or current >= len(fat):
            raise ValueError("broken directory chain")
        block = sector(current)
        for off in range(0, size, 128):
            length, kind = struct.unpack_from("<HB", block, off + 64)
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.append(block[off : off + length - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    if not names:
        raise ValueError("empty directory")
    return names


def _text_kind(path: Path, head: bytes, data: bytes) -> str:
    ext = path.suffix.lower()
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _unrecognised(path)
    sniff = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        sniff = head.decode("utf-16", "ignore").lstrip("\ufeff \t\r\n").lower().encode()
    if sniff.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"mime-version:")) or (
        sniff.startswith(b"<") and b"<table" in sniff
    ):
        if ext in SHEET_EXTS:
            raise _Refused("error", MSG_HTML, "file.unsupported-format")
        raise _skip()
    if sniff.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in sniff:
        raise _Refused("error", MSG_XML2003, "file.unsupported-format")
    if ext in SHEET_EXTS:
        return "csv"  # a text export under a spreadsheet's name: read it, even with one column
    if ext in TEXT_EXTS:
        text = _decode(data, path)
        if _sniff_delimiter(text)[1]:
            return "csv"
    raise _skip()


def _decode(data: bytes, path: Path) -> str:
    # Excel's "Unicode 文本" is UTF-16 with a BOM; county PCs save CSV as GBK (ANSI) or UTF-8.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if path.suffix.lower() in SHEET_EXTS:
        raise _Refused("error", MSG_ENCODING, "file.encoding")
    raise _skip()


def _sniff_delimiter(text: str) -> tuple[str, bool]:
    """The delimiter among , TAB ; that splits the first lines most consistently into columns.

    csv.Sniffer guesses from character frequencies and picks letters or '，' on Chinese text;
    counting how many lines share the most common column count (>1) is steadier, and a title
    line above the header does not spoil it.
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", 0
    for delimiter in ("\t", ",", ";"):
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        mode = max(set(wide), key=wide.count)
        score = wide.count(mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best, best_score > 0


def _read_csv(path: Path, max_rows: int, data: bytes) -> tuple[WorkbookData, list[Finding]]:
    text = _decode(data, path)
    delimiter, _ = _sniff_delimiter(text)
    rows: list[list[Any]] = []
    total = 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            total += 1
            if total <= max_rows:
                rows.append([value if value != "" else None for value in record])
    except csv.Error:
        raise _corrupt() from None
    rows = _tidy(rows)
    findings = []
    if total > max_rows:
        findings.append(_too_many_rows(path, path.stem, total, max_rows))
    sheet = SheetData(path.stem, rows, True, frozenset(), ())
    return WorkbookData(path, "csv", (sheet,)), findings


def _tidy(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing rows and columns without a value, and make the grid rectangular, in place
    (the rows are the caller's own fresh lists: cutting them costs less than copying every one).

    Cells holding an empty string ("" typed by a county, or a blank CSV field) extend calamine's
    range like real content; the rows below the last value are not the county's data.
    """
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = 0  # one past the rightmost value: each row is looked at from its end, up to the widest so far
    for r in rows:
        n = len(r)
        while n > width and r[n - 1] is None:
            n -= 1
        width = max(width, n)
    for r in rows:
        n = len(r)
        if n > width:
            del r[width:]
        elif n < width:
            r.extend(repeat(None, width - n))
    return rows


def _too_many_rows(path: Path, sheet: str, total: int, max_rows: int) -> Finding:
    return Finding(
        "file.too-many-rows",
        "warning",
        f"工作表「{sheet}」到第 {total} 行仍有内容，超过读取上限 {max_rows} 行，只读取了前 {max_rows} 行。"
        f"如果下面没有项目，请删除多余的行；如果有，请分成几个文件报送",
        file=str(path),
        sheet=sheet,
        row=max_rows,
    )


# --------------------------------------------------------------------------- workbooks


@dataclass
class _Scan:
    """What we read from a sheet's own XML: what calamine does not expose, and its true extent."""

    last_row: int = 0  # 1-based extent of cells holding a value
    last_col: int = 0
    lowest: str = ""  # a cell that sets last_row, and one that sets last_col
    rightmost: str = ""
    hidden: set[int] = field(default_factory=set)
    hidden_spans: list[tuple[int, int]] = field(default_factory=list)  # ods repeated rows
    shown: set[int] = field(default_factory=set)  # rows listed as visible
    all_hidden: bool = False  # xlsx <sheetFormatPr zeroHeight="1">: unlisted rows are hidden
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (cell, "#DIV/0!")
    uncached: int = 0  # formulas saved without a result

    def see(self, row: int, col: int) -> None:
        if row > self.last_row:
            self.last_row, self.lowest = row, a1(row, col)
        if col > self.last_col:
            self.last_col, self.rightmost = col, a1(row, col)

    @property
    def too_large(self) -> bool:
        return self.last_row * self.last_col > CELL_BUDGET

    def hidden_rows(self, height: int) -> frozenset[int]:
        rows = {r for r in self.hidden if r <= height}
        for first, last in self.hidden_spans:
            rows.update(range(first, min(last, height) + 1))
        if self.all_hidden:
            rows.update(r for r in range(1, height + 1) if r not in self.shown)
        return frozenset(rows)


def _read_workbook(path: Path, kind: str, max_rows: int, parts: dict[str, bytes] | None,
                   data: bytes, only: frozenset[str] | None = None) -> tuple[WorkbookData, list[Finding]]:
    scans: dict[str, _Scan] = {}
    if kind in ("xlsx", "xlsm"):
        scans = _scan_xlsx(path, parts, data, only)
    elif kind == "ods":
        scans = _scan_ods(path, data)
        for name, scan in scans.items():
            # calamine parses every ODS sheet when it opens the file: one huge sheet refuses all.
            if scan.too_large:
                raise _Refused("error", _too_large_message(name, scan), "file.sheet-too-large")

    findings: list[Finding] = []
    sheets: list[SheetData] = []
    with _calamine_book(path, kind, data) as book:
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:  # chart and macro sheets hold no table
                continue
            if only is not None and meta.name not in only:
                continue  # the caller reads these sheets only (the guard has checked the whole file)
            visible = meta.visible == SheetVisibleEnum.Visible
            scan = scans.get(meta.name, _Scan())
            if scan.too_large:
                message = _too_large_message(meta.name, scan)
                findings.append(
                    Finding("file.sheet-too-large", "error", message, file=str(path), sheet=meta.name, cell=scan.lowest)
                )
                sheets.append(SheetData(meta.name, [], visible, frozenset(), ()))
                continue
            sheet = book.get_sheet_by_name(meta.name)
            end = sheet.end
            total = end[0] + 1 if end else 0
            raw = sheet.to_python(skip_empty_area=False, nrows=min(total, max_rows)) if total else []
            # An empty cell comes as "": None, as every other blank (only rows holding one are copied).
            rows = _tidy([[None if v == "" else v for v in r] if "" in r else r for r in raw])
            if total > max_rows:
                findings.append(_too_many_rows(path, meta.name, total, max_rows))
            ranges = sheet.merged_cell_ranges
            merged = (
                tuple((r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in ranges)
                if ranges is not None
                else tuple(scan.merged)
            )
            sheets.append(SheetData(meta.name, rows, visible, scan.hidden_rows(len(rows)), merged))
            findings += _formula_findings(path, meta.name, scan)
    if not sheets:
        raise _Refused("error", MSG_NO_SHEETS, "file.no-sheets")
    return WorkbookData(path, kind, tuple(sheets)), findings


@contextlib.contextmanager
def _calamine_book(path: Path, kind: str, data: bytes) -> Iterator[CalamineWorkbook]:
    """calamine's workbook of the bytes read. From memory it tries each format in turn and, when
    none opens, says only "Cannot detect file format"; then the file is opened by name (which
    tells a password or a damaged part apart) for the error to report."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError:  # reported below: the file opened by name raises its own error
        with _calamine_path(path, kind) as source, CalamineWorkbook.from_path(source) as again:
            yield again  # opened where the bytes would not: the error is the file's own
        return
    with book:
        yield book


@contextlib.contextmanager
def _calamine_path(path: Path, kind: str) -> Iterator[Path]:
    """The file under a name whose extension matches its content.

    python-calamine picks its reader by extension (from_path); its content-sniffing from_filelike
    tries every reader in turn and reports only "Cannot detect file format", losing the password
    and size errors. So a renamed file is read from a copy with the right extension.
    """
    suffixes = CALAMINE_SUFFIXES[kind]
    if path.suffix.lower() in suffixes:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="shenbao-") as tmp:
        copy = Path(tmp, "book" + suffixes[0])
        shutil.copyfile(path, copy)
        yield copy


def _too_large_message(sheet: str, scan: _Scan) -> str:
    cells = "、".join(dict.fromkeys((scan.lowest, scan.rightmost)))
    return (
        f"工作表「{sheet}」的内容范围太大（到第 {scan.last_row} 行、第 {scan.last_col} 列，最远的内容在 {cells}），"
        f"无法读取。请删除表格下方和右侧多余的行、列（或清除这些远处单元格的内容），保存后重新报送"
    )


def _formula_findings(path: Path, sheet: str, scan: _Scan) -> list[Finding]:
    """calamine reads an error value (#DIV/0!, #N/A) and a formula without a saved result as
    empty: say so once per sheet, or a clerk would chase a "missing" value that is a formula."""
    found = []
    if scan.errors:
        cell, text = scan.errors[0]
        message = (
            f"工作表「{sheet}」有 {len(scan.errors)} 个单元格的公式计算出错（如 {cell} 为 {text}），"
            f"这些单元格按空值读取。请检查公式，改正后重新报送"
        )
        cells = [c for c, _ in scan.errors[:200]]
        found.append(
            Finding("value.formula-error", "warning", message, file=str(path), sheet=sheet, cell=cell, extra={"cells": cells})
        )
    if scan.uncached:
        message = (
            f"工作表「{sheet}」有 {scan.uncached} 个公式没有保存计算结果（文件可能由程序生成、未经 Excel 保存），"
            f"这些单元格按空值读取。请用 Excel 或 WPS 打开并保存后重新报送"
        )
        found.append(Finding("file.formula-uncached", "warning", message, file=str(path), sheet=sheet))
    return found


# ---- sheet XML, streamed. A sheet can hold a million rows, so nothing is kept per cell, and
# expat is driven directly: ElementTree's iterparse builds and clears an element per cell and took
# 10 s on a 100 000 x 20 sheet that calamine itself reads in 2 s; these handlers take about 3 s.

SML_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # "Strict Open XML" workbooks
)
SML = {f"{ns}}}{local}": local for ns in SML_NS for local in ("row", "c", "v", "is", "f", "sheetFormatPr")}
ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_COL_LETTERS = re.compile(r"\$?([A-Za-z]{1,3})")


def _parser() -> Any:
    # What defusedxml forbids, done on a bare expat parser: spreadsheet parts never carry a DTD,
    # so any DOCTYPE or entity declaration (billion laughs, external entities) is refused.
    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True

    def forbid(*_: Any) -> None:
        raise ValueError("DTD or entity declaration in a spreadsheet part")

    parser.StartDoctypeDeclHandler = forbid  # without a DTD no entity can be declared at all
    parser.EntityDeclHandler = forbid
    return parser


class _Element(NamedTuple):
    """An element of a small part, named as expat names it ("namespace}local", and so its
    attributes: the callers test names' ends only), with its depth (0: the root)."""

    depth: int
    tag: str
    attrib: dict[str, str]

    def get(self, key: str) -> str | None:
        return self.attrib.get(key)


def _elements(xml: bytes) -> list[_Element]:
    """Every element of a small part (package relationships, content types, workbook.xml) in
    document order, read by a bare expat parser that refuses a DTD (`_parser`): defusedxml's
    ElementTree builds its tree through pure-Python handlers, most of the time these parts took.
    A part the bare parser declines (a DTD, malformed XML) goes to defusedxml, which reads it, or
    raises, as it always did."""
    found: list[_Element] = []
    depth = 0
    parser = _parser()

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        found.append(_Element(depth, name, attrs))
        depth += 1

    def end(_: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(xml, True)
    except (pyexpat.ExpatError, ValueError):
        return list(_tree_elements(fromstring(xml)))
    return found


def _children(xml: bytes) -> list[_Element]:
    """The root's children, as iterating ElementTree's root gives them."""
    return [el for el in _elements(xml) if el.depth == 1]


def _expat_name(name: str) -> str:
    """ElementTree's "{namespace}local" as expat's "namespace}local" (a name without one as is)."""
    return name[1:] if name.startswith("{") else name


def _tree_elements(root: Any) -> Iterator[_Element]:
    """An ElementTree's elements as `_elements` gives them (by a stack: a part may nest deep)."""
    stack = [(0, root)]
    while stack:
        depth, element = stack.pop()
        yield _Element(depth, _expat_name(element.tag), {_expat_name(k): v for k, v in element.attrib.items()})
        stack.extend((depth + 1, child) for child in reversed(element))


def _col_of(ref: str, previous: int) -> int:
    m = _COL_LETTERS.match(ref)
    if not m:
        return previous + 1
    n = 0
    for ch in m.group(1).upper():
        n = n * 26 + ord(ch) - 64
    return n


def _truthy(value: str | None) -> bool:
    return value in ("1", "true")


def _scan_xlsx(path: Path, parts: dict[str, bytes] | None = None, data: bytes | None = None,
               only: frozenset[str] | None = None) -> dict[str, _Scan]:
    """Per sheet name: hidden rows, error and uncached formula cells, extent of the values.
    `parts`: parts already inflated (by the guard); the file is opened only for any other."""
    with contextlib.ExitStack() as stack:
        kept = parts or {}
        opened: list[zipfile.ZipFile] = []

        def archive() -> zipfile.ZipFile:
            if not opened:
                opened.append(stack.enter_context(zipfile.ZipFile(io.BytesIO(data) if data is not None else path)))
            return opened[0]

        members: dict[str, str] = {}

        def member(part: str) -> str | None:
            if not members:
                members.update(members_by_part(archive().namelist()))
            return members.get(part)

        def read(part: str) -> bytes:  # by part name: whatever the case or separator of the member
            found = kept.get(part)
            if found is not None:
                return found
            name = member(part)
            if name is None:
                raise KeyError(part)
            return archive().read(name)

        book = _elements(read("xl/workbook.xml"))
        rels = _children(read("xl/_rels/workbook.xml.rels"))
        targets: dict[str | None, str] = {}
        for rel in rels:
            target = (rel.get("Target") or "").replace("\\", "/")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            targets[rel.get("Id")] = part_name(part)
        scans: dict[str, _Scan] = {}
        for el in book:
            if not el.tag.endswith("}sheet") or (only is not None and el.attrib.get("name", "") not in only):
                continue
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            sheet_part = targets.get(rid)
            if sheet_part is not None and (sheet_part in kept or member(sheet_part) is not None):
                xml = read(sheet_part)  # not `data`: archive() may still open the file's bytes by that name
                scans[el.attrib.get("name", "")] = _scan_sheet(xml)
    return scans


def _scan_sheet(xml: bytes) -> _Scan:
    """A sheet's scan, by the cheapest way that gives what the readers use of it. A plain sheet
    (`_is_plain`) has no hidden rows, error values or formulas, so only its extent matters, and
    only when it is too large; a plain sheet whose every cell reference is small cannot be, and
    its extent is not worked out (the empty `_Scan`, as for a sheet without XML of its own)."""
    if not _is_plain(xml):
        return _scan_sheet_xml(io.BytesIO(xml))
    if _LARGE_OR_UNREFERENCED_CELL.search(xml) is None:
        return _Scan()
    return _plain_extent(xml) or _scan_sheet_xml(io.BytesIO(xml))


# A sheet with no formulas, error values, hidden rows or namespace prefixes (every template copy
# and most county tables) needs only its extent, which two C-speed regex passes give; anything
# else goes through the parser above. Both agree on such sheets (tests/test_readers.py).
_PLAIN_BLOCKERS = re.compile(rb'<(?:f[\s>/]|!|[A-Za-z_][\w.-]*:(?:c|row|v|f)[\s>/])')
# Plain substring tests (faster than a regex), without the `=`: XML allows spaces around it, and
# `hidden = "1"` is a hidden row to the parser.
_PLAIN_BLOCKING_TEXT = (b'hidden', b'zeroHeight', b'"e"', b"'e'")
_VALUED_CELL = re.compile(rb'<c(?:\s[^>]*)?(?<!/)>(?=\s*<(?:v|is)\b)')
_VALUED_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*(?<!/)>(?=\s*<(?:v|is)\b)')
# A cell tag that does not begin with a reference of at most two letters and four digits: without
# one, every cell of a plain sheet lies within ZZ9999, 702 x 9999 cells (< CELL_BUDGET), and the two
# regexes of `_plain_extent` would count the same cells (each valued cell has its `r` first).
_LARGE_OR_UNREFERENCED_CELL = re.compile(rb'<c(?=[\s>/])(?! r="[A-Z]{1,2}\d{1,4}")')
SMALL_SHEET_CELLS = 702 * 9999


def _is_plain(data: bytes) -> bool:
    return not (any(text in data for text in _PLAIN_BLOCKING_TEXT) or _PLAIN_BLOCKERS.search(data))


def _scan_plain_sheet(data: bytes) -> _Scan | None:
    return _plain_extent(data) if _is_plain(data) else None


def _plain_extent(data: bytes) -> _Scan | None:
    """A plain sheet's extent, or None where a valued cell has no `r` first (the parser counts it)."""
    refs = _VALUED_REF.findall(data)
    if len(refs) != len(_VALUED_CELL.findall(data)):
        return None  # a valued cell without `r` first: the parser counts it
    scan = _Scan()
    if refs:  # as the parser sees them: the first cell reaching the last row, and the last column
        all_letters, all_rows = zip(*refs, strict=True)
        numbers = list(map(int, all_rows))
        i = numbers.index(max(numbers))
        scan.last_row, scan.lowest = numbers[i], (all_letters[i] + all_rows[i]).decode()
        # Column letters compare as (length, letters): right-aligned in three places ("  B" < " AA").
        aligned = list(map(bytes.rjust, all_letters, repeat(3)))
        i = aligned.index(max(aligned))
        scan.last_col, scan.rightmost = _col_of(all_letters[i].decode(), 0), (all_letters[i] + all_rows[i]).decode()
    return scan


def _scan_sheet_xml(stream: IO[bytes]) -> _Scan:
    scan = _Scan()
    parser = _parser()
    # Only start tags are handled (half the callbacks): a cell is settled when the next cell or
    # row starts, or at the end. `cell` is [row, col, type, has <v>/<is>, has <f>, text of <v>];
    # the text is collected for formula cells only.
    cell: list[Any] = []
    row = col = 0

    def settle() -> None:
        if cell:
            r, c, typ, valued, formula, chunks = cell
            text = "".join(chunks).strip()  # may hold the whitespace between </v> and the next tag
            if valued:
                scan.see(r, c)
            if typ == "e":
                scan.errors.append((a1(r, c), text or "#错误"))
            elif formula and not text and typ in (None, "n"):
                # No result saved (openpyxl and other generators write <v></v> or nothing).
                # A formula whose result is "" is saved by Excel as t="str", not counted here.
                scan.uncached += 1
            cell.clear()
        parser.CharacterDataHandler = None

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col
        tag = SML.get(name)
        if tag == "c":
            settle()
            ref = attrs.get("r")
            col = _col_of(ref, col) if ref else col + 1  # r is optional: cells then follow
            cell.extend((row, col, attrs.get("t"), False, False, []))
        elif tag == "v" or tag == "is":
            if cell:
                cell[3] = True
                if tag == "v" and (cell[4] or cell[2] == "e"):  # <f> comes before <v>
                    parser.CharacterDataHandler = cell[5].append
        elif tag == "f":
            if cell:
                cell[4] = True
        elif tag == "row":
            settle()
            row = int(attrs.get("r") or row + 1)
            col = 0
            (scan.hidden if _truthy(attrs.get("hidden")) else scan.shown).add(row)
        elif tag == "sheetFormatPr":
            scan.all_hidden = _truthy(attrs.get("zeroHeight"))

    parser.StartElementHandler = start
    parser.ParseFile(stream)
    settle()
    return scan


def _scan_ods(path: Path, data: bytes | None = None) -> dict[str, _Scan]:
    """Per table of an ODS content.xml: hidden rows, merges and value extent, with repeats."""
    scans: dict[str, _Scan] = {}
    scan = _Scan()
    row = col = row_repeat = 1
    depth = 0  # tables nested in cells (old StarOffice sub-tables) are not sheets
    cell: list[int] = []  # [repeat, has value, rows spanned, columns spanned] of the open cell
    parser = _parser()
    # The names compared, made once: the handlers run for every element (and the styles before
    # the tables are most of them).
    table, table_row, table_cell, covered_cell = (ODF_TABLE + n for n in ("table", "table-row", "table-cell",
                                                                          "covered-table-cell"))
    name_key, visibility, value_type = ODF_TABLE + "name", ODF_TABLE + "visibility", ODF_OFFICE + "value-type"
    rows_repeated, columns_repeated = ODF_TABLE + "number-rows-repeated", ODF_TABLE + "number-columns-repeated"
    rows_spanned, columns_spanned = ODF_TABLE + "number-rows-spanned", ODF_TABLE + "number-columns-spanned"

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal scan, row, col, row_repeat, depth
        if name == table:
            depth += 1
            if depth == 1:
                scan = scans.setdefault(attrs.get(name_key, ""), _Scan())
                row = 1
        elif depth != 1:
            return
        elif name == table_row:
            row_repeat, col = int(attrs.get(rows_repeated) or 1), 1
            if attrs.get(visibility) in ("collapse", "filter"):
                scan.hidden_spans.append((row, row + row_repeat - 1))
        elif name == table_cell or name == covered_cell:
            spans = (int(attrs.get(rows_spanned) or 1), int(attrs.get(columns_spanned) or 1))  # checked even if covered
            if name == covered_cell:
                spans = (1, 1)
            cell[:] = [int(attrs.get(columns_repeated) or 1), value_type in attrs, *spans]
        elif cell:
            cell[1] = True  # text or an annotation inside the cell: calamine may read it

    def end(name: str) -> None:
        nonlocal row, col, depth
        if name == table:
            depth -= 1
        elif depth != 1:
            return
        elif name == table_row:
            row += row_repeat
        elif (name == table_cell or name == covered_cell) and cell:
            repeat, valued, span_r, span_c = cell
            if valued:
                scan.see(row + row_repeat - 1, col + repeat - 1)
            if span_r > 1 or span_c > 1:
                scan.merged.append((row, col, row + span_r - 1, col + span_c - 1))
            col += repeat
            cell.clear()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf, zf.open("content.xml") as stream:
        parser.ParseFile(stream)
    return scans
