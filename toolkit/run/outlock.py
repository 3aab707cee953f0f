"""One shenbao at a time per output folder: the lock file `.shenbao.lock`.

The lock is written whole under a temporary name and then linked to `.shenbao.lock`, which fails
when a lock is there: a lock is never seen half-written, and a run that cannot write it (a full
disk) leaves none behind. Where the file system has no hard links (FAT, some shared drives) it is
created exclusively and written, and removed again when writing fails.

A lock that cannot wedge the folder: an empty or unreadable lock (a run killed while writing it
with an older version, or a damaged file) and the lock of a process that is gone (same computer,
its process id no longer running, or running a different program since) are stale, and taken
over with a one-line notice. The lock of a live run, or of another computer, is respected.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from toolkit.errors import OutputError
from toolkit.runtime.atomic import explain

LOCK_NAME = ".shenbao.lock"
# An empty lock younger than this may be a run of an older version between creating and writing it.
EMPTY_GRACE_SECONDS = 10.0


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would end the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def process_start(pid: int) -> str | None:
    """When process `pid` started (Linux: clock ticks since boot), to tell it from a later
    process given the same id; None where the system does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _owner() -> dict[str, Any]:
    me: dict[str, Any] = {"pid": os.getpid(), "host": socket.gethostname(),
                          "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    start = process_start(os.getpid())
    if start is not None:
        me["process_start"] = start
    return me


def _stale_reason(lock: Path, other: dict[str, Any] | None, host: str) -> str | None:
    """Why the lock is stale, or None while its owner may still be running."""
    if other is None:
        try:
            age = time.time() - lock.stat().st_mtime
        except OSError:
            return "锁文件无法读取"
        return "锁文件是空的或已损坏" if age > EMPTY_GRACE_SECONDS else None
    pid = other.get("pid")
    if other.get("host") != host or not isinstance(pid, int):
        return None
    if not _pid_alive(pid):
        return f"写锁的进程 {pid} 已不在运行"
    start = other.get("process_start")
    if start is not None and process_start(pid) not in (None, start):
        return f"写锁的进程 {pid} 已结束（这个进程号现在是另一个程序）"
    return None


def _read(lock: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _create(lock: Path, content: bytes) -> None:
    """`lock` with `content`, whole, or FileExistsError when there is one; never a partial lock."""
    tmp = lock.with_name(f"{LOCK_NAME}.{os.getpid()}.tmp")
    try:
        with os.fdopen(os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o666), "wb") as fh:
            fh.write(content)
        try:
            os.link(tmp, lock)
            return
        except FileExistsError:
            raise
        except OSError:
            pass  # no hard links here: created exclusively below
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        raise


@contextlib.contextmanager
def output_lock(out_dir: Path, notice: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock of `out_dir` (created if missing). `notice` gets the line said when a stale
    lock is taken over."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(explain(exc, out_dir, "无法创建输出文件夹")) from None
    lock = out_dir / LOCK_NAME
    me = _owner()
    content = json.dumps(me, ensure_ascii=False).encode("utf-8")
    for _ in range(3):
        try:
            _create(lock, content)
            break
        except FileExistsError:
            other = _read(lock)
            reason = _stale_reason(lock, other, me["host"])
            if reason is None:
                other = other or {}
                who = f"{other.get('host', '?')} 上的进程 {other.get('pid', '?')}（{other.get('started', '?')} 开始）"
                raise OutputError(f"输出文件夹 {out_dir} 正被另一个 shenbao 使用：{who}。请等它结束后再运行；"
                                  f"如确认没有在运行，请删除 {lock}") from None
            _take_over(lock, other)
            if notice is not None:
                notice(f"接管了上次中断的运行留下的锁（{reason}）：{lock}")
        except OSError as exc:
            raise OutputError(explain(exc, lock, "无法在输出文件夹中创建锁文件")) from None
    else:
        raise OutputError(f"无法取得输出文件夹 {out_dir} 的锁：另有程序在反复创建 {lock}，请稍后重新运行")
    try:
        yield
    finally:
        if _read(lock) == me:
            with contextlib.suppress(OSError):
                lock.unlink()


def _take_over(lock: Path, judged: dict[str, Any] | None) -> None:
    """Remove the stale lock, unless another run took it over first (then its lock stays)."""
    aside = lock.with_name(f"{LOCK_NAME}.stale-{os.getpid()}")
    try:
        os.replace(lock, aside)
    except FileNotFoundError:
        return
    if _read(aside) != judged:  # a fresh lock was moved: put it back
        with contextlib.suppress(OSError):
            os.link(aside, lock)
    with contextlib.suppress(OSError):
        os.unlink(aside)
