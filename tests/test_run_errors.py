"""Every write failure of `shenbao run` is exit 3 with a Chinese reason (the system's own words
only in parentheses, never an errno or the hidden staging folder), and the output folder keeps the
last run's outputs untouched: a full disk at each output, a read-only disk, no permission, an
output open in Excel/WPS (`~$汇总表.xlsx`)."""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.inbox_fixtures import build_inbox
from toolkit.cli import cli
from toolkit.run.commit import NOTICE_NAME
from toolkit.run.outlock import LOCK_NAME


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_inbox(tmp_path_factory.mktemp("errors") / "收件箱")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["run", *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, dict[str, bytes]]]:
    monkeypatch.setenv("SHENBAO_JOBS", "1")  # every output written in this process, where the fault is injected
    out = tmp_path / "out"
    assert run("jl-761-2020", str(inbox), "-o", str(out)).exit_code == 1
    yield out, snapshot(out)


def _writing(mode: Any, flags: Any = 0) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))


def fill_disk_at(monkeypatch: pytest.MonkeyPatch, fragment: str, err: int = errno.ENOSPC,
                 text: str = "No space left on device", open_only: bool = False) -> None:
    """Opening for writing any file whose path holds `fragment` fails with `err`, as the system
    says it (the file being written, in the folder being written)."""
    real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir

    def refuse(path: Any) -> None:
        if fragment in os.fspath(path) if isinstance(path, (str, os.PathLike)) else False:
            raise OSError(err, text, os.fspath(path))

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if _writing(mode):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if _writing(None, flags):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        refuse(path)
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    if not open_only:  # else the temporary file is created and only writing the workbook into it fails
        monkeypatch.setattr(os, "open", fake_os_open)
        monkeypatch.setattr(os, "mkdir", fake_mkdir)


def assert_refused_cleanly(res: Result, out: Path, before: dict[str, bytes], *words: str) -> str:
    message = res.stderr
    assert res.exit_code == 3, res.output
    assert message.startswith("错误：") and message.count("\n") == 1, message
    for word in words:
        assert word in message, message
    assert "Errno" not in message and ".shenbao-staging" not in message and ".~汇总表" not in message, message
    if "系统信息" in message:  # the system's words only in parentheses
        assert "（系统信息：" in message
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if (p.name.startswith(".shenbao") and p.name != LOCK_NAME) or p.name == NOTICE_NAME]
    assert not (out / LOCK_NAME).exists()
    return message


@pytest.mark.parametrize("fragment", [
    "校验报告",  # xlsxwriter's FileCreateError, exit 4 before
    "汇总表.",
    "汇总表-省工信厅",  # a department summary
    "报送函",  # python-docx
    "退回修改",  # the folder of return copies
    "（退回修改）",  # a return copy
    "manifest.json",
    "输出正在更新",  # the notice the switch starts with
    ".shenbao-journal",  # the switch's journal
    ".shenbao-staging-",  # the staging folder itself
])
def test_a_full_disk_at_any_output_is_exit_3_and_the_folder_is_untouched(
        previous: tuple[Path, dict[str, bytes]], inbox: Path, monkeypatch: pytest.MonkeyPatch, fragment: str) -> None:
    out, before = previous
    fill_disk_at(monkeypatch, fragment)
    res = run("jl-761-2020", str(inbox), "-o", str(out))
    monkeypatch.undo()
    assert_refused_cleanly(res, out, before, "磁盘空间不足", "（系统信息：No space left on device）")


@pytest.mark.parametrize(("err", "text", "words"), [
    (errno.EROFS, "Read-only file system", ["只读"]),
    (errno.EACCES, "Permission denied", ["没有写入权限"]),
    (errno.EIO, "Input/output error", ["磁盘读写出错"]),
])
def test_read_only_and_other_refusals_are_explained_in_chinese(
        previous: tuple[Path, dict[str, bytes]], inbox: Path, monkeypatch: pytest.MonkeyPatch,
        err: int, text: str, words: list[str]) -> None:
    out, before = previous
    fill_disk_at(monkeypatch, "校验报告", err, text)
    res = run("jl-761-2020", str(inbox), "-o", str(out))
    monkeypatch.undo()
    message = assert_refused_cleanly(res, out, before, *words)
    assert f"（系统信息：{text}）" in message and str(out / "校验报告.xlsx") in message


@pytest.mark.parametrize("owner", ["~$汇总表.xlsx", "~$校验报告.xlsx", ".~lock.汇总表.xlsx#", "退回修改/~$南关区（退回修改）.xlsx"])
def test_an_output_open_in_excel_is_never_replaced(previous: tuple[Path, dict[str, bytes]], inbox: Path,
                                                   owner: str) -> None:
    out, _ = previous
    (out / owner).write_bytes(b"\x00owner")
    before = snapshot(out)
    res = run("jl-761-2020", str(inbox), "-o", str(out), "--json")
    message = assert_refused_cleanly(res, out, before, "正被 Excel/WPS 打开", Path(owner).name)
    assert "原有的输出文件未改动" in message


def test_a_backslash_in_a_county_file_name_makes_no_sub_folder(tmp_path: Path) -> None:
    from tests.inbox_fixtures import own_layout_two_level

    if os.name == "nt":
        pytest.skip("a backslash cannot be part of a file name on Windows")
    inbox = tmp_path / "in"
    inbox.mkdir()
    own_layout_two_level(inbox / "x.xlsx")
    (inbox / "x.xlsx").rename(inbox / "南关区\\南关区.xlsx")
    out = tmp_path / "out"
    run("jl-761-2020", str(inbox), "-o", str(out))
    copies = [p.relative_to(out / "退回修改").as_posix() for p in (out / "退回修改").rglob("*")]
    assert copies == ["南关区＼南关区（退回修改）.xlsx"]


def _tmpfs(path: Path, size: str) -> bool:
    if not shutil.which("mount") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


@pytest.mark.parametrize("size", ["8k", "64k", "200k"])
def test_a_really_full_small_disk_is_exit_3(inbox: Path, tmp_path: Path, size: str) -> None:
    """On a small tmpfs (where this machine lets tests mount one): the disk fills up at whichever
    output it fills up at, and the run says so with exit 3, leaving no lock behind."""
    disk = tmp_path / "disk"
    if not _tmpfs(disk, size):
        pytest.skip("mounting a tmpfs is not allowed here")
    try:
        res = run("jl-761-2020", str(inbox), "-o", str(disk / "out"), "--json")
        assert res.exit_code == 3, res.output
        assert "磁盘空间不足" in res.stderr and "Errno" not in res.stderr and ".shenbao-staging" not in res.stderr
        left = sorted(p.name for p in (disk / "out").iterdir()) if (disk / "out").exists() else []
        assert left == []  # no lock, no staging, no notice: nothing of the failed run
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.parametrize("command", ["validate", "merge"])
def test_other_commands_do_not_replace_an_open_output_either(inbox: Path, tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    name = "校验报告.xlsx" if command == "validate" else "汇总表.xlsx"
    assert CliRunner().invoke(cli, [command, "jl-761-2020", str(inbox), "-o", str(out)]).exit_code == 1
    before = (out / name).read_bytes()
    (out / f"~${name}").write_bytes(b"\x00owner")
    res = CliRunner().invoke(cli, [command, "jl-761-2020", str(inbox), "-o", str(out)])
    assert res.exit_code == 3 and "正被 Excel/WPS 打开" in res.stderr and f"~${name}" in res.stderr, res.output
    assert (out / name).read_bytes() == before


@pytest.mark.parametrize("fragment", ["校验报告", "汇总表.", "本期变化"])
def test_a_full_disk_while_xlsxwriter_writes_a_workbook_is_exit_3(
        previous: tuple[Path, dict[str, bytes]], inbox: Path, monkeypatch: pytest.MonkeyPatch, fragment: str) -> None:
    """The temporary file is made; xlsxwriter then fails to write into it and raises its own
    FileCreateError (around the OSError): exit 4 before, for 校验报告."""
    import xlsxwriter.exceptions

    out, before = previous
    raised: list[str] = []
    real = xlsxwriter.exceptions.FileCreateError.__init__

    def spy(self: Any, *args: Any) -> None:
        raised.append(str(args))
        real(self, *args)

    monkeypatch.setattr(xlsxwriter.exceptions.FileCreateError, "__init__", spy)
    fill_disk_at(monkeypatch, fragment, open_only=True)
    res = run("jl-761-2020", str(inbox), "-o", str(out), "--previous", str(out / "汇总表.xlsx"))
    monkeypatch.undo()
    assert raised, "xlsxwriter did not fail as on a full disk"
    assert_refused_cleanly(res, out, before, "磁盘空间不足", "（系统信息：No space left on device）")


@pytest.mark.parametrize(("command", "fragment"), [("validate", "校验报告"), ("merge", "汇总表"), ("template", "附件")])
def test_other_commands_on_a_full_disk_are_exit_3_too(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      command: str, fragment: str) -> None:
    args = [command, "jl-761-2020"] + ([str(inbox)] if command != "template" else []) + ["-o", str(tmp_path / "out")]
    fill_disk_at(monkeypatch, fragment, open_only=True)
    res = CliRunner().invoke(cli, args)
    monkeypatch.undo()
    assert res.exit_code == 3, res.output
    assert "磁盘空间不足" in res.stderr and "Errno" not in res.stderr and ".~" not in res.stderr, res.stderr
