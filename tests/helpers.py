"""Shared test helpers: pack folders made in tmp_path from a built-in pack, mutated."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from toolkit.packs.source import builtin_root

REPO = Path(__file__).resolve().parents[1]


def builtin_raw(pack_id: str) -> dict[str, Any]:
    with open(builtin_root() / pack_id / "pack.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def write_pack(tmp_path: Path, raw: dict[str, Any], name: str = "mypack") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.json").write_text(json.dumps(raw, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def mutated_pack(tmp_path: Path, change: Callable[[dict[str, Any]], None], base: str = "jl-761-2020") -> Path:
    raw = copy.deepcopy(builtin_raw(base))
    change(raw)
    return write_pack(tmp_path, raw)
