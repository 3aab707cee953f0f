"""Switching an output folder from the last run's outputs to this run's, all or nothing.

Outputs are written into a staging folder inside OUT, then moved into place file by file (plain
renames within one folder: shared drives and Windows have no atomic swap of a whole folder, and
symlinks are not an option there). A run can be killed at any instruction (kill -9, a closed
window), so the switch is journalled:

1. `输出正在更新-如中断请重新运行.txt` is written into OUT: anyone who opens the folder while a
   switch is unfinished sees it.
2. The journal (`.shenbao-journal.json`: the staging and backup folders, the old and new names)
   is written to a temporary name, flushed to disk and renamed into place, before anything moves.
3. Every old output that is replaced or dropped is moved into a backup folder (`.shenbao-old-*`).
   A file Excel/WPS holds open on Windows cannot be moved: the switch stops here and puts back
   what it moved, before any new file is in place.
4. The journal says "placing"; the new outputs are moved in, `manifest.json` last.
5. The journal is removed, then the backup folder, then the notice.

Whatever instruction a kill hits, the next run (or any shenbao command that writes to that
folder) calls `recover` first: with a journal in "aside" it moves the old outputs back (roll
back), in "placing" it finishes the moves from staging (roll forward; back when staging lost a
file). Either way OUT then holds exactly the old or exactly the new set with its manifest.
Leftovers of dead runs (staging and backup folders, the notice, `.NAME.old-PID` of earlier
versions) are removed and reported in one line.

The journal and the folder's renames are flushed to disk (fsync), the outputs' contents are not:
syncing every return copy would cost seconds on a shared drive. After a power cut the renames
are settled the same way, and the manifest's checksums tell whether a file's contents made it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from toolkit.errors import OutputError
from toolkit.runtime.atomic import explain, owner_files

JOURNAL_NAME = ".shenbao-journal.json"
NOTICE_NAME = "输出正在更新-如中断请重新运行.txt"
STAGING_PREFIX = ".shenbao-staging-"
BACKUP_PREFIX = ".shenbao-old-"
MANIFEST_NAME = "manifest.json"
LOCK_LEFTOVER = ".shenbao.lock."  # a lock's temporary (`.shenbao.lock.PID.tmp`) or stale copy, never the lock itself
_LEGACY_OLD = re.compile(r"^\.(?P<name>.+)\.old-\d+$")  # `.汇总表.xlsx.old-1234`: versions before the journal
NOTICE_TEXT = (
    "shenbao 正在用新的输出替换这个文件夹中上次的输出。\r\n"
    "如果这个文件在运行结束后仍然存在，说明替换被中断（程序被关闭或被结束），文件夹中的文件可能新旧混杂：\r\n"
    "请重新运行同一条 shenbao 命令，它会先把文件夹恢复成完整的一套，再继续。\r\n"
)

# The test hook: called with (step number from 1, what the step does) before every step that
# changes the folder. `SHENBAO_TEST_COMMIT_KILL=k` kills this process (SIGKILL) before step k.
on_step: Callable[[int, str], None] | None = None


def _killer_from_env() -> Callable[[int, str], None] | None:
    at = os.environ.get("SHENBAO_TEST_COMMIT_KILL", "")
    if not at.isdigit():
        return None

    def kill(k: int, what: str) -> None:
        if k == int(at):
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

    return kill


class _Steps:
    def __init__(self) -> None:
        self.k = 0
        self.hook = on_step or _killer_from_env()

    def __call__(self, what: str) -> None:
        self.k += 1
        if self.hook is not None:
            self.hook(self.k, what)


def _fsync_dir(folder: Path) -> None:
    """The renames in `folder` reach the disk (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_journal(out_dir: Path, data: dict[str, Any]) -> None:
    tmp = out_dir / (JOURNAL_NAME + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out_dir / JOURNAL_NAME)
    _fsync_dir(out_dir)


def read_journal(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / JOURNAL_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable: written before the first move, so nothing moved under it
    return data if isinstance(data, dict) else {}


def commit(staging: Path, out_dir: Path, remove: Sequence[str] = ()) -> None:
    """Move every entry of `staging` into `out_dir`, replacing the old ones, and drop the old
    outputs named in `remove` that this run did not write again: all of it or none of it.
    Raises OutputError (the folder as it was) when an old output cannot be moved away."""
    new = sorted((p.name for p in staging.iterdir()), key=lambda n: (n == MANIFEST_NAME, n))
    old = sorted({n for n in [*new, *remove] if os.path.lexists(out_dir / n)}, key=lambda n: (n != MANIFEST_NAME, n))
    busy = owner_files(out_dir, old)
    if busy:
        shown = "、".join(busy)
        raise OutputError(f"输出文件正被 Excel/WPS 打开（文件夹 {out_dir} 中有 {shown}），请关闭这些文件后重新运行；"
                          f"如已关闭仍有此提示，请删除 {shown}。原有的输出文件未改动")
    backup = out_dir / f"{BACKUP_PREFIX}{os.getpid()}"
    step = _Steps()
    journal: dict[str, Any] = {"state": "aside", "staging": staging.name, "backup": backup.name, "new": new, "old": old}
    moved: list[str] = []
    target = out_dir / NOTICE_NAME
    try:
        step("notice")
        (out_dir / NOTICE_NAME).write_text(NOTICE_TEXT, encoding="utf-8")
        step("backup folder")
        backup.mkdir(exist_ok=True)
        step("journal: aside")
        target = out_dir / JOURNAL_NAME
        _write_journal(out_dir, journal)
        for name in old:
            step(f"aside {name}")
            target = out_dir / name
            os.replace(out_dir / name, backup / name)
            moved.append(name)
    except (OSError, KeyboardInterrupt) as exc:
        _roll_back(out_dir, staging, backup, new, moved, placing=False)
        if isinstance(exc, OSError):
            raise OutputError(f"{explain(exc, target)}；原有的输出文件未改动") from None
        raise
    _fsync_dir(backup)
    step("journal: placing")
    _write_journal(out_dir, {**journal, "state": "placing"})
    try:
        for name in new:
            step(f"place {name}")
            target = out_dir / name
            os.replace(staging / name, out_dir / name)
    except (OSError, KeyboardInterrupt) as exc:
        # Interrupted (Ctrl+C) or refused halfway: finish the switch if the rest can move, as the
        # next run would; else the journal stays for it.
        try:
            _roll_forward(out_dir, staging, backup, new)
        except OSError:
            if isinstance(exc, OSError):
                raise OutputError(f"{explain(exc, target)}。输出文件夹正处于更新中途，请重新运行同一条命令完成更新") from None
        if isinstance(exc, KeyboardInterrupt):
            raise
        return
    _fsync_dir(out_dir)
    _finish(out_dir, staging, backup, step)


def _finish(out_dir: Path, staging: Path, backup: Path, step: Callable[[str], None] = lambda _: None) -> None:
    step("remove journal")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out_dir / JOURNAL_NAME)
    _fsync_dir(out_dir)
    step("remove backup")
    _remove(backup)
    step("remove notice")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out_dir / NOTICE_NAME)
    step("remove staging")
    _remove(staging)


def _roll_back(out_dir: Path, staging: Path, backup: Path, new: Sequence[str], old: Sequence[str],
               placing: bool) -> None:
    """The old outputs back where they were; the new ones any were `placing` taken out again."""
    if placing:  # every new name in OUT is a new file: its old version (if any) waits in backup
        for name in new:
            if os.path.lexists(out_dir / name):
                _remove(out_dir / name)
    for name in old:
        if os.path.lexists(backup / name):
            if os.path.lexists(out_dir / name):
                _remove(out_dir / name)
            os.replace(backup / name, out_dir / name)
    _fsync_dir(out_dir)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out_dir / JOURNAL_NAME)
    _remove(backup)
    _remove(staging)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out_dir / NOTICE_NAME)


def _roll_forward(out_dir: Path, staging: Path, backup: Path, new: Sequence[str]) -> None:
    for name in new:
        if os.path.lexists(staging / name):
            os.replace(staging / name, out_dir / name)
    _fsync_dir(out_dir)
    _finish(out_dir, staging, backup)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def recover(out_dir: Path) -> str | None:
    """Settle `out_dir` after a run that died: finish or undo an unfinished switch, remove the
    leftovers of dead runs. Called under the output lock, before anything else writes there.
    Returns one line for the clerk, or None when there was nothing to do."""
    if not out_dir.is_dir():
        return None
    done: list[str] = []
    journal = read_journal(out_dir)
    if journal is not None:
        done.append(_settle(out_dir, journal))
    leftovers = [p for p in out_dir.iterdir()
                 if p.name.startswith((STAGING_PREFIX, BACKUP_PREFIX, LOCK_LEFTOVER))
                 or p.name in (NOTICE_NAME, JOURNAL_NAME + ".tmp")]
    for path in leftovers:
        _remove(path)
    restored = []
    for path in out_dir.iterdir():
        m = _LEGACY_OLD.match(path.name)
        if m is None:
            continue
        original = out_dir / m.group("name")
        if os.path.lexists(original):
            _remove(path)
        else:  # the only copy of an output an earlier version left moved aside
            os.replace(path, original)
            restored.append(original.name)
        leftovers.append(path)
    if restored:
        done.append(f"放回了被中断的运行移开的 {'、'.join(restored)}")
    if leftovers:
        names = sorted({_kind(p.name) for p in leftovers})
        done.append(f"清理了中断的运行留下的 {len(leftovers)} 项（{'、'.join(names)}）")
    done = [d for d in done if d]
    if not done:
        return None
    return f"输出文件夹 {out_dir}：" + "；".join(done)


def _kind(name: str) -> str:
    if name.startswith(STAGING_PREFIX):
        return "临时输出文件夹"
    if name.startswith(BACKUP_PREFIX) or _LEGACY_OLD.match(name):
        return "旧输出的备份"
    if name == NOTICE_NAME:
        return "更新提示文件"
    if name.startswith(LOCK_LEFTOVER):
        return "锁的临时文件"
    return "日志临时文件"


def _settle(out_dir: Path, journal: dict[str, Any]) -> str:
    staging = out_dir / str(journal.get("staging") or "")
    backup = out_dir / str(journal.get("backup") or "")
    new = [str(n) for n in journal.get("new") or []]
    old = [str(n) for n in journal.get("old") or []]
    valid = staging.name.startswith(STAGING_PREFIX) and backup.name.startswith(BACKUP_PREFIX) and all(
        n and "/" not in n and "\\" not in n and n not in (".", "..") for n in [*new, *old])
    if not valid:  # written whole before anything moves (renamed into place): damaged afterwards
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out_dir / JOURNAL_NAME)
        return f"删除了无法读取的替换日志 {JOURNAL_NAME}（文件夹中的输出请与 manifest.json 核对）"
    forward = journal.get("state") == "placing" and all(
        os.path.lexists(out_dir / n) or os.path.lexists(staging / n) for n in new)
    try:
        if forward:
            _roll_forward(out_dir, staging, backup, new)
            return "上次运行在替换输出时中断，已完成替换（现在是上次运行的全部新输出）"
        _roll_back(out_dir, staging, backup, new, old, placing=journal.get("state") == "placing")
        return "上次运行在替换输出时中断，已恢复为之前的全部输出"
    except OSError as exc:
        raise OutputError(f"上次运行在替换输出时中断，现在无法恢复：{explain(exc, out_dir)}。"
                          f"请关闭打开的输出文件后重新运行") from None


def discard_staging(staging: Path, out_dir: Path) -> None:
    """Remove a run's staging folder, unless an unfinished switch still needs it (the journal
    names it: the next run finishes the switch from it)."""
    journal = read_journal(out_dir)
    if journal and journal.get("staging") == staging.name and staging.exists():
        return
    _remove(staging)


def settle(out_dir: Path) -> str | None:
    """For commands other than `run` that write into `out_dir`: a switch a killed run left
    unfinished there is settled first (under the folder's lock), so they never write into a
    half-replaced folder. Returns `recover`'s line."""
    if not (out_dir / JOURNAL_NAME).exists():
        return None
    from toolkit.run.outlock import output_lock

    notes: list[str] = []
    with output_lock(out_dir, notes.append):
        line = recover(out_dir)
    return "；".join([*notes, *([line] if line else [])]) or None
