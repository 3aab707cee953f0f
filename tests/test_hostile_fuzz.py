"""Fuzz (issue 9): a valid county workbook, mutated byte-wise, through the whole `shenbao run`.

Two kinds of damage: bytes of the file itself (most land in compressed data: a corrupt file), and
bytes of one XML part re-zipped with a correct checksum (what gets past the zip layer to the XML
parsers, the layout finder and the return copy). Whatever the damage, the run ends with exit code
0 or 1, one status per file, rows that add up, and no traceback, within a time bound.
"""

from __future__ import annotations

import itertools
import json
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.inbox_fixtures import own_layout_two_level
from toolkit.cli import cli

PARTS = ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
         "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml")

# (kind, position as a fraction of the length, bytes)
Edit = tuple[str, float, bytes]
edits = st.lists(
    st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate"]),
              st.floats(min_value=0, max_value=1, allow_nan=False),
              st.binary(min_size=1, max_size=8) | st.sampled_from([b"<", b">", b"\"", b"&", b"</row>", b"<c r=\"ZZZ9\">",
                                                                   b"\xff\xfe", b"99999999999999999999", b"&#0;"])),
    min_size=1, max_size=4)


def mutate(data: bytes, changes: list[Edit]) -> bytes:
    out = bytearray(data)
    for kind, where, chunk in changes:
        at = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[at] ^= chunk[0] or 1
        elif kind == "insert":
            out[at:at] = chunk
        elif kind == "delete":
            del out[at: at + len(chunk)]
        elif kind == "truncate":
            del out[max(at, 1):]
    return bytes(out)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return own_layout_two_level(tmp_path_factory.mktemp("fuzz") / "南关区.xlsx").read_bytes()


_counter = itertools.count()


def run_one(tmp_path: Path, data: bytes) -> None:
    n = next(_counter)
    inbox = tmp_path / f"in{n}"
    inbox.mkdir()
    (inbox / "南关区.xlsx").write_bytes(data)
    start = time.monotonic()
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(inbox), "-o", str(tmp_path / f"out{n}"), "--json"])
    assert time.monotonic() - start < 20
    assert res.exit_code in (0, 1), res.stderr
    assert "Traceback" not in res.stderr
    result = json.loads(res.stdout)  # one JSON object, whatever happened
    if "error" in result:  # the only file could not be read: nothing to summarise, no outputs (exit 1)
        assert res.exit_code == 1 and result["error"]["code"] == "nothing-read", result
        assert "没有一个能读取的申报表" in res.stderr, res.stderr
        return
    (entry,) = result["files"]
    assert entry["status"] in ("ok", "error", "skipped") and (entry["status"] == "ok" or entry["message"])
    c = result["counts"]
    assert c["rows_read"] == c["accepted"] + c["rejected"] + c["duplicates_merged"]
    assert c["rows_read"] == entry["rows"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=edits)
def test_mutated_file_bytes(tmp_path: Path, county: bytes, changes: list[Edit]) -> None:
    run_one(tmp_path, mutate(county, changes))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.sampled_from(PARTS), changes=edits)
def test_mutated_xml_parts(tmp_path: Path, county: bytes, part: str, changes: list[Edit]) -> None:
    src = tmp_path / "src.xlsx"
    src.write_bytes(county)
    dst = tmp_path / "dst.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, mutate(data, changes) if info.filename == part else data)
    run_one(tmp_path, dst.read_bytes())
