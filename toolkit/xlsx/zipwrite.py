"""The zips we write (summaries, reports, return copies), member by member, deflated fast.

Members are deflated by zlib at level 1, its fastest. ISA-L (python-isal) deflated them four
times as fast and was used until 2026-12-04, when `bench/seams.py` measured what it bought a whole
run: 0.02 s of 40 s of CPU at 1,000 files (deflating had become a small part of writing), not
worth a dependency with wheels for some platforms only.

`write` lays out the zip itself: per member a local header and its data, then the central
directory and the end record; no data descriptors, extra fields, comments or zip64 (None is
returned when a zip would need it). Headers are those `ZipFile.writestr` writes for a named part
(version 20, mode 0600, a UTF-8 name flagged as such). `Archive` is what xlsxwriter's
`_store_workbook` asks of a `zipfile.ZipFile`, writing through `write` (toolkit.xlsx.fastsheet.Book).
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

compressobj: Any = zlib.compressobj
LEVEL = 1  # zlib's fastest

# zipfile's record layouts (structFileHeader, structCentralDir, structEndArchive).
LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
LOCAL_SIG, _CENTRAL_SIG, _END_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
LIMIT = zipfile.ZIP64_LIMIT  # a size or offset beyond it needs zip64 (zipfile's own threshold) ...
MAX_MEMBERS = 0xFFFF  # ... and so do this many members (zipfile's ZIP_FILECOUNT_LIMIT)
_VERSION = 20  # zipfile.DEFAULT_VERSION, enough for deflate
_SYSTEM = 0 if sys.platform == "win32" else 3  # the "made by" system zipfile records
_MODE = 0o600 << 16  # the external attributes ZipFile.writestr gives a named part
UTF8 = 0x800

DateTime = tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class Member:
    """One member of the zip to write, its data as stored (compressed with `method`)."""

    name: str
    data: bytes | memoryview
    method: int
    crc: int
    size: int  # inflated
    date_time: DateTime


def deflated(name: str, data: bytes, date_time: DateTime) -> Member:
    """`data` deflated (raw deflate, as a zip member holds it)."""
    packer = compressobj(LEVEL, zlib.DEFLATED, -15)
    return Member(name, packer.compress(data) + packer.flush(), zipfile.ZIP_DEFLATED, zlib.crc32(data),
                  len(data), date_time)


def write(members: Sequence[Member]) -> bytes | None:
    """The zip of `members`, in order; None when it would need zip64 (the caller writes it with
    zipfile then)."""
    pieces = layout(members)
    return None if pieces is None else b"".join(pieces)


def layout(members: Sequence[Member]) -> list[bytes | memoryview] | None:
    """`write`'s zip as the pieces to write one after another (no copy of the members' data)."""
    if len(members) >= MAX_MEMBERS:
        return None
    chunks: list[bytes | memoryview] = []
    directory: list[bytes] = []
    offset = 0
    for m in members:
        if max(offset, len(m.data), m.size) > LIMIT:
            return None
        name, flags = (m.name.encode("ascii"), 0) if m.name.isascii() else (m.name.encode("utf-8"), UTF8)
        y, mo, d, h, mi, s = m.date_time
        dosdate, dostime = (y - 1980) << 9 | mo << 5 | d, h << 11 | mi << 5 | s // 2
        common = (flags, m.method, dostime, dosdate, m.crc, len(m.data), m.size, len(name), 0)
        chunks += [LOCAL.pack(LOCAL_SIG, _VERSION, 0, *common), name, m.data]
        directory += [_CENTRAL.pack(_CENTRAL_SIG, _VERSION, _SYSTEM, _VERSION, 0, *common, 0, 0, 0, _MODE, offset), name]
        offset += LOCAL.size + len(name) + len(m.data)
    size = sum(map(len, directory))
    if offset > LIMIT or size > LIMIT:
        return None
    end = _END.pack(_END_SIG, 0, 0, len(members), len(members), size, offset, 0)
    return [*chunks, *directory, end]


def zip64(members: Sequence[Member]) -> bytes:
    """The zip of `members` as zipfile writes it, with the zip64 records `layout` leaves out:
    each member's data inflated again and deflated at level 1 (only a zip of gigabytes or of
    65,535 parts comes here)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as zf:
        for m in members:
            data = bytes(m.data) if m.method == zipfile.ZIP_STORED else zlib.decompress(m.data, -15)
            info = zipfile.ZipInfo(m.name, m.date_time)
            info.external_attr = _MODE
            zf.writestr(info, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


class Archive:
    """What xlsxwriter's `Workbook._store_workbook` asks of the `zipfile.ZipFile` it opens:
    `write(file, name)` for each part it wrote to a temporary file, `writestr` (in_memory
    workbooks), `close`. Each part is deflated as it comes; the zip is laid out by `write` at
    close, or by zipfile where it needs zip64 (a workbook of gigabytes; refused with
    LargeZipFile, as zipfile does, unless `allowZip64`)."""

    def __init__(self, file: str | os.PathLike[str] | IO[bytes], mode: str = "w",
                 compression: int = zipfile.ZIP_DEFLATED, allowZip64: bool = True, **_: Any) -> None:
        if mode != "w" or compression != zipfile.ZIP_DEFLATED:
            raise ValueError("Archive writes deflated zips only")
        self.file, self.allow_zip64 = file, allowZip64
        self.compression = compression  # read by xlsxwriter for its in-memory parts' ZipInfo
        self.members: list[Member] = []

    def write(self, filename: str, arcname: str) -> None:
        """A part xlsxwriter wrote to a file, deflated a megabyte at a time (a large summary's
        明细 is hundreds of megabytes of XML; only its deflated form is held)."""
        packer = compressobj(LEVEL, zlib.DEFLATED, -15)
        packed: list[bytes] = []
        crc = size = 0
        with open(filename, "rb") as fh:
            while block := fh.read(1 << 20):
                crc, size = zlib.crc32(block, crc), size + len(block)
                packed.append(packer.compress(block))
        packed.append(packer.flush())
        date_time = zipfile.ZipInfo.from_file(filename, arcname).date_time
        self.members.append(Member(arcname, b"".join(packed), zipfile.ZIP_DEFLATED, crc, size, date_time))

    def writestr(self, info: zipfile.ZipInfo | str, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if isinstance(info, zipfile.ZipInfo):
            self._add(info.filename, raw, info.date_time)
        else:
            self._add(info, raw, (1980, 1, 1, 0, 0, 0))

    def _add(self, name: str, data: bytes, date_time: DateTime) -> None:
        self.members.append(deflated(name, data, date_time))

    def close(self) -> None:
        pieces = layout(self.members)
        if pieces is None:
            if not self.allow_zip64:
                raise zipfile.LargeZipFile("Zipfile size would require ZIP64 extensions")
            pieces = [zip64(self.members)]
        if isinstance(self.file, (str, os.PathLike)):
            with open(self.file, "wb") as fh:
                fh.writelines(pieces)
        else:
            self.file.writelines(pieces)
