"""Atomic output: write to a temporary name beside the target, then rename into place.

A crash, a full disk or a kill mid-write never leaves a half-written file on the shared drive,
and the previous version of the file stays intact until the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from toolkit.errors import OutputError


def explain(exc: OSError, path: Path) -> str:
    if isinstance(exc, PermissionError):
        return f"无法写入 {path}：没有写权限，或文件正在被 Excel/WPS 打开，请关闭后重试"
    if exc.errno == 28:  # ENOSPC
        return f"无法写入 {path}：磁盘空间不足"
    return f"无法写入 {path}：{exc.strerror or exc}"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target.

    The temporary file keeps the target's extension, so libraries that choose a format by
    extension (xlsxwriter, python-docx) behave as for the real name.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".~{target.stem[:40]}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
        os.close(fd)
    except OSError as exc:
        raise OutputError(explain(exc, target)) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
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
