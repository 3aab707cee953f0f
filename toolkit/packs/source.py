"""Where a pack comes from: the built-in packs' folder, a pack folder and its pack.json, a pack
workbook (申报包.xlsx) told by its name; and the pack meta-schema (pack.schema.json).

The lowest of the pack readers: it reads files and names them in Chinese, and knows nothing of
what a pack means (build.py makes the typed Pack, check.py lints it, loader.py is the entry).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from toolkit.errors import PackError

PACK_FILE = "pack.json"
META_SCHEMA_FILE = "pack.schema.json"


def builtin_root() -> Path:
    """The folder holding the built-in packs (`schemas/` in a checkout, package data when installed)."""
    here = Path(__file__).resolve().parents[1]
    # Installed: setup.cfg maps schemas/ to toolkit/builtin_packs. In a checkout (and an editable
    # install) it is the top-level schemas/ folder beside toolkit/.
    for root in (here / "builtin_packs", here.parent / "schemas"):
        if (root / META_SCHEMA_FILE).is_file():
            return root
    raise PackError("找不到内置申报包目录（schemas/），请重新安装 shenbao")


def builtin_ids() -> list[str]:
    root = builtin_root()
    return sorted(p.parent.name for p in root.glob(f"*/{PACK_FILE}"))


@lru_cache(maxsize=1)
def meta_schema() -> dict[str, Any]:
    with open(builtin_root() / META_SCHEMA_FILE, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def is_workbook(ref: str | Path) -> bool:
    """A pack given as a workbook (申报包.xlsx) rather than a folder or a built-in id."""
    return str(ref).lower().endswith((".xlsx", ".xlsm"))


def resolve_pack_dir(ref: str | Path) -> Path:
    """A pack id (`jl-761-2020`) or a folder (or its pack.json) -> the pack folder; a pack
    workbook (申报包.xlsx) is returned as itself (see is_workbook)."""
    path = Path(ref)
    if is_workbook(path):
        if not path.is_file():
            raise PackError(f"找不到申报包工作簿 {path}")
        return path
    if path.is_file() and path.name == PACK_FILE:
        return path.parent
    if path.is_dir():
        if not (path / PACK_FILE).is_file():
            raise PackError(f"目录 {path} 中没有 {PACK_FILE}，不是申报包")
        return path
    candidate = builtin_root() / str(ref)
    if (candidate / PACK_FILE).is_file():
        return candidate
    known = "、".join(builtin_ids())
    raise PackError(f"找不到申报包“{ref}”。内置申报包有：{known}；也可以给出申报包所在目录")


def read_pack_json(pack_dir: Path) -> dict[str, Any]:
    path = pack_dir / PACK_FILE
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except UnicodeDecodeError:
        raise PackError(f"{path} 不是 UTF-8 编码，请另存为 UTF-8") from None
    except json.JSONDecodeError as exc:
        raise PackError(
            f"{path} 不是有效的 JSON：第{exc.lineno}行第{exc.colno}列附近，{exc.msg}"
        ) from None
    except OSError as exc:
        raise PackError(f"无法读取 {path}（系统信息：{exc.strerror or exc}）") from None
    if not isinstance(data, dict):
        raise PackError(f"{path} 的顶层应是一个对象（{{...}}）")
    return data
