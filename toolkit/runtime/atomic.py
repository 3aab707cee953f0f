"""Atomic output: write to a temporary name beside the target, then rename into place.

A crash, a full disk or a kill mid-write never leaves a half-written file on the shared drive,
and the previous version of the file stays intact until the new one is complete.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from toolkit.errors import OutputError

# Why an output could not be written, by errno, in words a clerk can act on.
_REASONS = {
    errno.ENOSPC: "磁盘空间不足，请清理出空间后重新运行",
    errno.EROFS: "输出文件夹所在的磁盘是只读的（写保护的U盘、光盘或只读的共享文件夹），请换一个输出文件夹",
    errno.EACCES: "没有写入权限，或文件正被 Excel/WPS 等程序打开；请关闭文件后重试，没有权限时请换一个输出文件夹",
    errno.EPERM: "没有写入权限，或文件正被 Excel/WPS 等程序打开；请关闭文件后重试，没有权限时请换一个输出文件夹",
    errno.EBUSY: "文件正被其他程序使用，请关闭后重试",
    errno.ENAMETOOLONG: "文件名或路径太长，请换一个层级较浅的输出文件夹",
    errno.EIO: "磁盘读写出错（共享盘是否断开？），请检查后重新运行",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹，请换一个输出文件夹",
    errno.EEXIST: "路径中有同名的文件或文件夹，请换一个输出文件夹",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "磁盘配额已用完，请清理出空间后重新运行"
_WINDOWS_LOCKED = (32, 33)  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
_STAGED = re.compile(r"[/\\]\.shenbao-(?:staging|old)-[^/\\]+(?=[/\\]|$)")


def os_error(exc: BaseException) -> OSError | None:
    """The OSError behind `exc`: itself, or the one a library wrapped (xlsxwriter's
    FileCreateError carries it as its argument)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            return current
        inner = next((a for a in getattr(current, "args", ()) if isinstance(a, OSError)), None)
        if inner is not None:
            return inner
        current = current.__cause__ or current.__context__
    return None


def shown_path(path: str | os.PathLike[str]) -> str:
    """`path` as the clerk knows it: an output in the hidden staging folder is named where it
    will be once in place."""
    return _STAGED.sub("", str(path))


def explain(exc: BaseException, path: str | os.PathLike[str], action: str = "无法写入") -> str:
    """One Chinese sentence: what could not be done to which file, why, and the system's own
    words in parentheses (never an errno or an English sentence on their own)."""
    err = os_error(exc)
    if err is None:
        return f"{action} {shown_path(path)}（{exc}）"
    if getattr(err, "winerror", None) in _WINDOWS_LOCKED:
        reason = "文件正被 Excel/WPS 等程序打开，请关闭后重新运行"
    else:
        reason = _REASONS.get(err.errno or -1, "系统拒绝了写入")
    detail = f"（系统信息：{err.strerror}）" if err.strerror else ""
    return f"{action} {shown_path(path)}：{reason}{detail}"


def umask() -> int:
    """The process's umask, which files are created under (read without changing it where the
    system says it; else set and put back at once)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass  # not Linux: asked the portable way below
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def owner_files(out_dir: Path, names: Iterable[str]) -> list[str]:
    """The `~$` owner files (and LibreOffice's `.~lock.NAME#`) of outputs that are open in
    Excel, WPS, Word or LibreOffice: `~$汇总表.xlsx` beside 汇总表.xlsx, and inside a folder of
    outputs (退回修改/) the owner files of its workbooks. On every system: where Windows would
    refuse to move an open file, other systems would replace it under the clerk's window."""
    found: list[str] = []
    for name in names:
        target = out_dir / name
        if target.is_dir() and not target.is_symlink():
            for path in sorted(target.rglob("*")):
                if path.name.startswith("~$") or path.name.startswith(".~lock."):
                    found.append(path.relative_to(out_dir).as_posix())
            continue
        candidates = {f"~${name}", f".~lock.{name}#"}
        if len(Path(name).stem) > 6:  # Word names a long file's owner ~$ + the name without its first two characters
            candidates.add(f"~${name[2:]}")
        found += [c for c in sorted(candidates) if (out_dir / c).exists()]
    return found


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target.

    The temporary file keeps the target's extension, so libraries that choose a format by
    extension (xlsxwriter, python-docx) behave as for the real name.
    """
    target = Path(target)
    busy = owner_files(target.parent, [target.name]) if target.exists() else []
    if busy:  # replaced under the window of the colleague who has it open (Windows would refuse)
        raise OutputError(f"{target} 正被 Excel/WPS 打开（同一文件夹中有 {'、'.join(busy)}），请关闭后重新运行；"
                          f"如已关闭仍有此提示，请删除 {'、'.join(busy)}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".~{target.stem[:40]}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
        os.close(fd)
        os.chmod(tmp_name, 0o666 & ~umask())  # mkstemp makes it 0600: colleagues on the share could not open it
    except OSError as exc:
        raise OutputError(explain(exc, target)) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except Exception as exc:
        if os_error(exc) is None:  # xlsxwriter's FileCreateError wraps the OSError
            raise
        raise OutputError(explain(exc, target)) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike[str], text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))
