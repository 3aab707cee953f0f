"""toolkit.xlsx.zipwrite: the zips of our workbooks, laid out member by member and deflated fast."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter

from toolkit.xlsx import zipwrite
from toolkit.xlsx.fastsheet import Book

TEXTS = ["汇总表", "长春市智慧社区平台项目（一期）", "a & b < c", "x" * 40]


def _fill(wb: xlsxwriter.Workbook) -> None:
    ws = wb.add_worksheet("明细")
    for r in range(300):
        ws.write_row(r, 0, [r, f"{TEXTS[r % len(TEXTS)]}{r}", r * 1.5])
    wb.add_worksheet("统计").write(0, 0, "合计")


def _contents(data: bytes | Path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as zf:
        assert zf.testzip() is None
        return {i.filename: zf.read(i) for i in zf.infolist() if i.filename != "docProps/core.xml"}


@pytest.mark.parametrize("in_memory", [False, True])
def test_a_book_s_zip_holds_what_xlsxwriter_s_own_zip_holds(tmp_path: Path, in_memory: bool) -> None:
    """Every part, in xlsxwriter's order and with its dates, whether xlsxwriter hands the parts
    over as files or bytes."""
    options = {"in_memory": in_memory}
    ours, plain = Book(str(tmp_path / "ours.xlsx"), options), xlsxwriter.Workbook(str(tmp_path / "plain.xlsx"), options)
    for wb in (ours, plain):
        wb.set_properties({"created": None})
        _fill(wb)
        wb.close()
    assert _contents(tmp_path / "ours.xlsx") == _contents(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "ours.xlsx") as a, zipfile.ZipFile(tmp_path / "plain.xlsx") as b:
        assert [(i.filename, i.date_time, i.compress_type) for i in a.infolist()] == \
               [(i.filename, i.date_time, i.compress_type) for i in b.infolist()]


def test_a_zip_that_would_need_zip64_is_written_by_zipfile_or_refused(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipwrite, "MAX_MEMBERS", 3)  # as if the workbook held 65,535 parts
    parts = {f"xl/part{i}.xml": f"<p>{TEXTS[i % len(TEXTS)] * 50}</p>".encode() for i in range(5)}
    archive = zipwrite.Archive(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    for name, data in parts.items():
        archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    archive.close()
    assert _contents(tmp_path / "big.zip") == parts
    refused = zipwrite.Archive(io.BytesIO(), "w", zipfile.ZIP_DEFLATED, allowZip64=False)
    for name, data in parts.items():
        refused.writestr(name, data)
    with pytest.raises(zipfile.LargeZipFile):
        refused.close()


def test_members_are_laid_out_as_zipfile_reads_them() -> None:
    """Names (a Chinese one flagged UTF-8), dates, CRCs, sizes and offsets: zipfile reads every
    member back, and a member's data inflates to what was given."""
    members = [zipwrite.deflated(name, data, (2020, 7, 20, 9, 30, 12)) for name, data in
               [("[Content_Types].xml", b"<Types/>"), ("xl/汇总.xml", "汇总".encode() * 1000), ("empty", b"")]]
    archive = zipwrite.write(members)
    assert archive is not None
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert zf.testzip() is None
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["[Content_Types].xml", "xl/汇总.xml", "empty"]
        assert infos[1].flag_bits & 0x800 and not infos[0].flag_bits & 0x800
        assert {i.date_time for i in infos} == {(2020, 7, 20, 9, 30, 12)}
        assert zf.read("xl/汇总.xml") == "汇总".encode() * 1000 and zf.read("empty") == b""
    assert zlib.decompress(members[1].data, -15) == "汇总".encode() * 1000


def test_a_part_of_many_megabytes_is_deflated_a_block_at_a_time(tmp_path: Path) -> None:
    """xlsxwriter hands a large summary's 明细 over as a file of hundreds of megabytes: it is
    read and deflated a megabyte at a time, its CRC and size added up across the blocks."""
    import random

    rng = random.Random(5)
    data = "".join(f"<c r=\"A{i}\"><v>{rng.random()}</v></c>" for i in range(120_000)).encode()
    assert len(data) > 3 << 20
    part = tmp_path / "sheet1.xml"
    part.write_bytes(data)
    archive = zipwrite.Archive(tmp_path / "book.zip")
    archive.write(str(part), "xl/worksheets/sheet1.xml")
    archive.close()
    with zipfile.ZipFile(tmp_path / "book.zip") as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        assert (info.file_size, info.CRC) == (len(data), zlib.crc32(data))
        assert zf.read(info) == data
