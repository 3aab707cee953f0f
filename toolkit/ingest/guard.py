"""Guard: a zip-based workbook (xlsx, xlsm, ods) is checked before any reader opens it.

Counties' files are untrusted. An xlsx is a zip, and a zip can claim to hold a few kilobytes and
inflate to gigabytes (a decompression bomb), hold hundreds of thousands of parts, or carry member
names such as `../../x` or `C:/x` that would escape a folder if anything ever extracted them.
calamine and openpyxl would inflate whatever the central directory lists, so the directory is
checked here first, and every member is then inflated once into nothing, counting bytes, so a
directory that lies about the sizes is caught too (about 0.3 s per 100 MB; a county table is a
few MB). A refusal is a `Refusal` (code, Chinese message); readers turns it into a finding.

The limits are generous for real tables and set in shenbao.toml's `[limits]` table.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MB = 1024 * 1024
# Excel, WPS and LibreOffice store parts uncompressed or deflated; anything else is not theirs.
KNOWN_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Parts the readers open in a workbook's zip (readers._zip_kind reads the package relationships,
# the content types and the mimetype to classify), as part names (see `part_name`).
WORKBOOK_MARKERS = frozenset({"xl/workbook.xml", "xl/workbook.bin", "content.xml", "mimetype", "_rels/.rels"})
WORD_MARKERS = frozenset({"word/document.xml"})  # a .docx: checked the same way before python-docx opens it
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")  # looked for in the whole of every part, as it is inflated
_OVERLAP = max(map(len, DTD_MARKERS)) - 1  # a marker split across two chunks is still found
# Excel, WPS and LibreOffice never write a DTD; with one, a part can declare entities that expand a
# few bytes into gigabytes (billion laughs) or pull in a file from the clerk's disk (XXE). Our XML
# parsers refuse DTDs anyway; refusing the file here says why in words a clerk can act on.
DTD_MESSAGE = ("文件「{name}」的 {part} 中含有 DTD 实体声明（Excel、WPS 不会写出这样的内容，可能是恶意构造的文件），"
               "已拒绝读取。请用 Excel 或 WPS 打开后另存为 .xlsx 重新报送")
_DRIVE = re.compile(r"^[A-Za-z]:")
HOW_TO_RAISE = "如确认文件无误，可在收件文件夹的 shenbao.toml 中加 [limits] 一节调高 {key}（见 README“安全与限制”）"


@dataclass(frozen=True)
class Limits:
    """How much of an inbox file the toolkit will read; shenbao.toml `[limits]` keys."""

    max_unzipped_mb: int = 200  # all parts of one xlsx/ods together, inflated
    max_compression_ratio: int = 200  # inflated : compressed, per part ...
    ratio_applies_above_mb: int = 20  # ... judged only for parts inflating beyond this
    max_zip_members: int = 10_000
    max_rows: int = 100_000  # rows read per sheet (more: a warning, the rest not read)

    @property
    def max_unzipped_bytes(self) -> int:
        return self.max_unzipped_mb * MB


@dataclass(frozen=True)
class Refusal:
    code: str  # "file.too-large" | "file.unsafe"
    message: str
    detail: str = ""


def check_zip(path: Path, limits: Limits, kept: dict[str, bytes] | None = None,
              content: bytes | None = None, markers: frozenset[str] = WORKBOOK_MARKERS) -> Refusal | None:
    """Why the zip at `path` must not be read, or None. A file that is not a readable zip is
    None too: the readers say what it is (truncated, not a workbook) better than a guard can.

    With `kept`, the parts the sheet scan reads (`kept_part`) are put there, by part name, as they were
    inflated here, whole and checked against their CRC, so that the scan need not inflate them
    again. With `content` (the file's bytes, read once by the readers), the file is not opened.
    `markers`: the parts that make the zip one the caller reads (a workbook by default;
    WORD_MARKERS for a .docx); any other zip is left alone."""
    try:
        with _open(path, content) as fh:
            if fh.read(4) not in ZIP_MAGICS:
                return None
        with zipfile.ZipFile(_open(path, content)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    names = {part_name(i.filename) for i in infos}
    if not names & markers:
        return None  # a .docx (unless asked for) or a .zip archive: never inflated, the readers skip it
    name = path.name
    if len(infos) > limits.max_zip_members:
        return _too_large(name, f"由 {len(infos)} 个部件组成，超过上限 {limits.max_zip_members} 个",
                          "max_zip_members")
    for info in infos:
        if unsafe_name(info.filename):
            return Refusal("file.unsafe", f"文件「{name}」内部含有指向文件夹之外的路径（{info.filename[:80]}），"
                           f"不是正常的表格文件，已拒绝读取。请用 Excel 或 WPS 打开后另存为 .xlsx 重新报送",
                           detail=info.filename[:300])
        if info.compress_type not in KNOWN_METHODS:
            return Refusal("file.unsafe", f"文件「{name}」使用了 Excel、WPS 不会使用的压缩方式，已拒绝读取。"
                           f"请用 Excel 或 WPS 打开后另存为 .xlsx 重新报送", detail=f"method {info.compress_type}")
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        return _too_large(name, f"解压后共 {_size(total)}，超过上限 {limits.max_unzipped_mb} MB", "max_unzipped_mb")
    for info in infos:
        if info.file_size > limits.ratio_applies_above_mb * MB:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                return _too_large(name, f"其中的 {info.filename[:60]} 从 {_size(info.compress_size)} 解压为 "
                                  f"{_size(info.file_size)}（{ratio:,.0f} 倍），超过上限 {limits.max_compression_ratio} 倍，"
                                  f"像是恶意构造的“压缩炸弹”", "max_compression_ratio")
    return _check_inflated(path, infos, limits, kept, content)


def _open(path: Path, content: bytes | None) -> BinaryIO:
    return io.BytesIO(content) if content is not None else open(path, "rb")


def unsafe_name(member: str) -> bool:
    """A member name that would land outside a folder it was extracted into."""
    if member.startswith(("/", "\\")) or _DRIVE.match(member) or "\x00" in member:
        return True
    return ".." in re.split(r"[/\\]", member)


def part_name(member: str) -> str:
    """A zip member as the part it stands for: Excel and calamine find parts whatever the case
    of their names, and some Windows export tools write `xl\\workbook.xml` with backslashes."""
    return member.replace("\\", "/").lstrip("/").lower()


def members_by_part(names: Iterable[str]) -> dict[str, str]:
    """Part name -> the member that holds it (the first, when two names fold to one part)."""
    out: dict[str, str] = {}
    for name in names:
        out.setdefault(part_name(name), name)
    return out


def kept_part(name: str) -> bool:
    """The parts of an xlsx the sheet scan reads: the workbook, its relationships, the sheets."""
    name = part_name(name)
    return name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") or name.startswith("xl/worksheets/")


def _check_inflated(path: Path, infos: list[zipfile.ZipInfo], limits: Limits,
                    kept: dict[str, bytes] | None = None, content: bytes | None = None) -> Refusal | None:
    """Inflate every member into nothing (or into `kept`), stopping as soon as one gives more
    than it declares; a part with a DTD anywhere in it is refused too (see DTD_MESSAGE)."""
    try:
        with _open(path, content) as fh:
            for info in infos:
                keep = kept is not None and kept_part(info.filename)
                inflated = _inflate(fh, info, info.file_size + 1, keep)
                if inflated is None:
                    continue
                produced, has_dtd, data = inflated
                if has_dtd:
                    return Refusal("file.unsafe", DTD_MESSAGE.format(name=path.name, part=info.filename[:60]),
                                   detail=info.filename[:300])
                if produced > info.file_size:
                    return Refusal("file.too-large", f"文件「{path.name}」内部记录的大小与实际不符（其中的 {info.filename[:60]} "
                                   f"解压后超过所记录的 {_size(info.file_size)}），像是恶意构造的“压缩炸弹”，已拒绝读取。"
                                   f"请用 Excel 或 WPS 打开后另存为 .xlsx 重新报送", detail=info.filename[:300])
                if (kept is not None and data is not None and len(data) == info.file_size
                        and zlib.crc32(data) == info.CRC):
                    kept.setdefault(part_name(info.filename), data)
    except OSError:
        return None  # unreadable: the readers report it
    return None


def _inflate(fh: BinaryIO, info: zipfile.ZipInfo, cap: int,
             keep: bool = False) -> tuple[int, bool, bytes | None] | None:
    """Bytes the member inflates to, counting no further than `cap`, whether a DTD marker
    appears in them, and (with `keep`) the bytes themselves; None when the member cannot be
    located or inflated (a broken file the readers will call corrupt)."""
    fh.seek(info.header_offset)
    header = fh.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    stored = info.compress_type == zipfile.ZIP_STORED
    inflater = zlib.decompressobj(-15)
    produced = 0
    tail = b""
    found = False
    chunks: list[bytes] = []

    def see(data: bytes) -> None:
        nonlocal produced, tail, found
        if keep:
            chunks.append(data)
        produced += len(data)
        window = tail + data
        found = found or any(marker in window for marker in DTD_MARKERS)
        tail = window[-_OVERLAP:]

    try:
        while left > 0 and produced < cap and not found and (stored or not inflater.eof):
            chunk = fh.read(min(left, 1 << 16))
            if not chunk:
                break
            left -= len(chunk)
            if stored:
                see(chunk)
                continue
            see(inflater.decompress(chunk, 1 << 20))
            while inflater.unconsumed_tail and produced < cap and not found:
                see(inflater.decompress(inflater.unconsumed_tail, 1 << 20))
    except zlib.error:
        return None
    return produced, found, b"".join(chunks) if keep else None


def _too_large(name: str, what: str, key: str) -> Refusal:
    return Refusal("file.too-large", f"文件「{name}」{what}，远大于正常的申报表，已拒绝读取。"
                   f"请检查是否发错了文件；" + HOW_TO_RAISE.format(key=key), detail=key)


def _size(n: int) -> str:
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):,.1f} GB"
    if n >= MB:
        return f"{n / MB:,.1f} MB"
    if n >= 1024:
        return f"{n / 1024:,.0f} KB"
    return f"{n} 字节"

