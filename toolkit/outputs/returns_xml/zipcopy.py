"""The copy's zip, written member by member: a part the patching left alone is copied as it is
stored in the county's file (the same compressed bytes, CRC, sizes, method and date), and only
the parts that changed are deflated. Writing the zip with zipfile, which inflated and deflated
every unchanged part again, was about a quarter of the time of a return copy; this takes about
half as long (0.45 s -> 0.25 s for the 467 copies of the 1,000-file benchmark inbox).

zipfile cannot take a member's compressed bytes as they are, so the zip is laid out by
`toolkit.xlsx.zipwrite` (which deflates the changed parts too).

A member is copied as stored only when that is plainly safe (see `as_stored`), and only after its
data is checked against its CRC: the guard inflates every part on ingest but checks the CRC only of
the parts the scan keeps, and a corrupt picture must still stop the patching (zipfile raises
BadZipFile; the openpyxl copy is made instead) rather than be carried into the copy. Checking costs
one inflate (or a CRC of a stored part), about a fifth of the inflate and deflate it saves.
"""

from __future__ import annotations

import zipfile
import zlib
from typing import Generic, TypeVar

from toolkit.xlsx import zipwrite
from toolkit.xlsx.zipwrite import LIMIT, LOCAL, LOCAL_SIG, UTF8, DateTime, Member

# Flag bits a member may carry and still be copied as stored: deflate's options (1, 2), a data
# descriptor (3: the central directory has the CRC and sizes; the copy's header carries them) and a
# UTF-8 name (11). Encryption (0, 6, 13), patch data (5) or anything else: inflated and deflated.
_COPYABLE_FLAGS = 0x2 | 0x4 | 0x8 | UTF8


def as_stored(info: zipfile.ZipInfo, archive: bytes) -> Member | None:
    """The member `info` of the zip `archive` as it is stored there, with its date; None unless
    that is plainly safe: stored or deflated, not encrypted, no zip64, a local header whose name
    is the central directory's, and data that inflates to the recorded size and CRC."""
    data = _located(info, archive)
    if data is None or not _intact(info, data):
        return None
    return Member(info.filename, data, info.compress_type, info.CRC, info.file_size, info.date_time)


def inflated(info: zipfile.ZipInfo, archive: bytes) -> bytes | None:
    """The member's content, as `ZipFile.read` returns it, when `as_stored` would copy it (the
    same checks, the data exactly its recorded size and CRC); None otherwise, for ZipFile.read
    to read it or raise. zipfile spends more on a small part's header and file object than on
    inflating it, and the same small parts come in every county's file: remembered (`_Memo`)."""
    data = _located(info, archive)
    if data is None:
        return None
    if len(data) > MEMO_PART:
        return _plain(info, data)
    key = (info.compress_type, info.CRC, info.file_size, bytes(data))
    found = _INFLATED.get(key)
    if found is None:
        found = _plain(info, data)
        if found is None:
            return None
        _INFLATED.put(key, found, len(found))
        _INTACT.put(key, True, len(data))
    return found


def _located(info: zipfile.ZipInfo, archive: bytes) -> memoryview | None:
    """The member's data as stored in `archive` (not yet checked against its CRC); None unless
    its flags, method, sizes and local header are as `as_stored` requires."""
    if (info.flag_bits & ~_COPYABLE_FLAGS or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or max(info.header_offset, info.compress_size, info.file_size) > LIMIT):
        return None
    start = info.header_offset
    header = archive[start:start + LOCAL.size]
    if len(header) < LOCAL.size:
        return None
    fields = LOCAL.unpack(header)
    signature, flags, method, name_len, extra_len = fields[0], fields[3], fields[4], fields[10], fields[11]
    if signature != LOCAL_SIG or method != info.compress_type:
        return None
    try:  # decoded as ZipFile.open does, by the local header's own flag
        name = archive[start + 30:start + 30 + name_len].decode("utf-8" if flags & UTF8 else "cp437")
    except UnicodeDecodeError:
        return None
    begin = start + 30 + name_len + extra_len
    data = memoryview(archive)[begin:begin + info.compress_size]
    if name != info.orig_filename or len(data) != info.compress_size:
        return None
    return data


def _intact(info: zipfile.ZipInfo, data: memoryview) -> bool:
    """Whether `data` inflates to exactly the member's size and CRC, with nothing after it
    (remembered for a small member: see `_Memo`)."""
    if len(data) > MEMO_PART:
        return _check_intact(info, data)
    key = (info.compress_type, info.CRC, info.file_size, bytes(data))
    found = _INTACT.get(key)
    if found is None:
        found = _check_intact(info, data)
        _INTACT.put(key, found, len(data))
    return found


def _check_intact(info: zipfile.ZipInfo, data: memoryview) -> bool:
    if info.compress_type == zipfile.ZIP_STORED:  # not copied to be checked
        return info.compress_size == info.file_size and zlib.crc32(data) == info.CRC
    return _plain(info, data) is not None


def _plain(info: zipfile.ZipInfo, data: memoryview) -> bytes | None:
    """`data` inflated when it is exactly the member's size and CRC, with nothing after it."""
    if info.compress_type == zipfile.ZIP_STORED:
        intact = info.compress_size == info.file_size and zlib.crc32(data) == info.CRC
        return bytes(data) if intact else None
    inflater = zlib.decompressobj(-15)
    try:
        plain = inflater.decompress(data, info.file_size + 1)
    except zlib.error:
        return None
    if inflater.eof and not inflater.unused_data and len(plain) == info.file_size and zlib.crc32(plain) == info.CRC:
        return plain
    return None


# --------------------------------------------------------------------------- parts repeated across copies

# The counties fill in one template: many parts are the same bytes in every county's file (its
# theme, app.xml, the sheets not marked) and in every copy we write (the content types, the
# workbook's rels, a style sheet with our formats added). Checking or deflating them again for
# each copy gave the same answer each time: the answer is remembered, for parts up to MEMO_PART
# bytes and up to MEMO_TOTAL bytes of them in all (then forgotten and started afresh).
K = TypeVar("K")
V = TypeVar("V")
MEMO_PART = 256 * 1024
MEMO_TOTAL = 16 * 1024 * 1024


class _Memo(Generic[K, V]):
    """A bounded dict: emptied when what it holds would pass MEMO_TOTAL bytes."""

    def __init__(self) -> None:
        self.found: dict[K, V] = {}
        self.size = 0

    def get(self, key: K) -> V | None:
        return self.found.get(key)

    def put(self, key: K, value: V, size: int) -> None:
        if self.size + size > MEMO_TOTAL:
            self.found.clear()
            self.size = 0
        self.found[key] = value
        self.size += size


_INTACT: _Memo[tuple[int, int, int, bytes], bool] = _Memo()
_INFLATED: _Memo[tuple[int, int, int, bytes], bytes] = _Memo()
_DEFLATED: _Memo[bytes, Member] = _Memo()


def deflated(name: str, data: bytes, date_time: DateTime) -> Member:
    """`zipwrite.deflated`, remembered for a part of at most MEMO_PART bytes: the same bytes
    deflate to the same bytes (one zlib, one level), whatever the part's name and date."""
    if len(data) > MEMO_PART:
        return zipwrite.deflated(name, data, date_time)
    found = _DEFLATED.get(data)
    if found is None:
        member = zipwrite.deflated(name, data, date_time)
        _DEFLATED.put(data, member, len(data) + len(member.data))
        return member
    return Member(name, found.data, found.method, found.crc, found.size, date_time)
