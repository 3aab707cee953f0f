"""The output folder's lock cannot wedge it (toolkit/run/outlock.py): empty, unreadable and dead
owners' locks are taken over with a one-line notice; a run that cannot write its lock leaves none."""

from __future__ import annotations

import errno
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from toolkit.errors import OutputError
from toolkit.run import outlock
from toolkit.run.outlock import LOCK_NAME, output_lock, process_start


def _old(path: Path) -> None:
    then = time.time() - 3600
    os.utime(path, (then, then))


def _take(out: Path) -> list[str]:
    notes: list[str] = []
    with output_lock(out, notes.append):
        assert json.loads((out / LOCK_NAME).read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert not (out / LOCK_NAME).exists()
    return notes


@pytest.mark.parametrize(("content", "why"), [
    (b"", "空的或已损坏"),
    (b"\x00\x00\xff{not json", "空的或已损坏"),
    (b'["a list"]', "空的或已损坏"),
])
def test_an_empty_or_unreadable_lock_is_taken_over_with_a_notice(tmp_path: Path, content: bytes, why: str) -> None:
    (tmp_path / LOCK_NAME).write_bytes(content)
    _old(tmp_path / LOCK_NAME)
    notes = _take(tmp_path)
    assert len(notes) == 1 and why in notes[0] and "\n" not in notes[0]


def test_a_fresh_empty_lock_may_be_a_run_starting_and_is_respected(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).write_bytes(b"")
    with pytest.raises(OutputError, match="正被另一个 shenbao 使用"):
        _take(tmp_path)


def test_the_lock_of_a_dead_process_is_taken_over_with_a_notice(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 2**22 + 12345, "host": socket.gethostname()}), encoding="utf-8")
    notes = _take(tmp_path)
    assert len(notes) == 1 and "已不在运行" in notes[0]


@pytest.mark.skipif(process_start(os.getpid()) is None, reason="process start times from /proc (Linux)")
def test_a_lock_whose_process_id_now_belongs_to_another_program_is_stale(tmp_path: Path) -> None:
    me = {"pid": os.getpid(), "host": socket.gethostname(), "process_start": "1"}
    (tmp_path / LOCK_NAME).write_text(json.dumps(me), encoding="utf-8")
    notes = _take(tmp_path)
    assert len(notes) == 1 and "另一个程序" in notes[0]


def test_a_live_lock_and_another_computers_lock_are_respected(tmp_path: Path) -> None:
    live = {"pid": os.getpid(), "host": socket.gethostname(), "process_start": process_start(os.getpid())}
    (tmp_path / LOCK_NAME).write_text(json.dumps(live), encoding="utf-8")
    with pytest.raises(OutputError, match="正被另一个 shenbao 使用"):
        _take(tmp_path)
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "another-pc"}), encoding="utf-8")
    with pytest.raises(OutputError, match="another-pc"):
        _take(tmp_path)


class _FullDisk:
    def __init__(self, fd: int, *args: Any) -> None:
        self.fd = fd

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: Any) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("links", [True, False])
def test_a_full_disk_while_writing_the_lock_leaves_no_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           links: bool) -> None:
    monkeypatch.setattr(outlock.os, "fdopen", _FullDisk)
    if not links:  # a file system without hard links: the lock is created, then written
        def no_link(*args: Any) -> None:
            raise OSError(errno.EPERM, "Operation not permitted")
        monkeypatch.setattr(outlock.os, "link", no_link)
    with pytest.raises(OutputError) as err:
        _take(tmp_path)
    monkeypatch.undo()
    message = err.value.message
    assert "磁盘空间不足" in message and "Errno" not in message and "（系统信息：No space left on device）" in message
    assert list(tmp_path.iterdir()) == []  # neither the lock nor its temporary file
    assert _take(tmp_path) == []  # and the next run is not blocked


def test_a_run_over_a_stale_lock_says_so_in_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tests.inbox_fixtures import own_layout_two_level
    from toolkit.cli import cli

    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    out.mkdir()
    own_layout_two_level(inbox / "南关区.xlsx")
    (out / LOCK_NAME).write_bytes(b"")
    _old(out / LOCK_NAME)
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(inbox), "-o", str(out), "--json"])
    assert res.exit_code == 1, res.output  # own_layout_two_level's rows fail the criteria; the lock is no error
    lines = [line for line in res.stderr.splitlines() if "接管了" in line]
    assert len(lines) == 1 and str(out / LOCK_NAME) in lines[0]
    assert not (out / LOCK_NAME).exists()
