"""Open a campaign pack as the user names it: a built-in id, a pack folder or a pack workbook.

The entry above both ways of reading a pack: a folder's pack.json is read (source.py), checked
(check.py) and built (build.py); a workbook is compiled, checked and built in memory
(workbook_check.py). `load_pack` gives the Pack or raises PackError listing the errors in Chinese;
`check_pack_dir` gives pack-check's findings. Earlier versions of a pack: load_history.
"""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.errors import PackError
from toolkit.findings import Finding
from toolkit.packs.build import build_pack
from toolkit.packs.model import Pack
from toolkit.packs.source import is_workbook, read_pack_json, resolve_pack_dir


def load_pack(ref: str | Path, *, check: bool = True) -> Pack:
    """Load and check a pack; a pack with errors raises PackError listing them in Chinese.
    `ref` is a built-in id, a pack folder or a pack workbook (compiled in memory)."""
    if is_workbook(ref):
        from toolkit.packs.workbook_check import load_workbook_pack

        pack: Pack = load_workbook_pack(Path(ref), check)
        return pack
    pack_dir = resolve_pack_dir(ref)
    raw = read_pack_json(pack_dir)
    if check:
        from toolkit.packs.check import check_raw

        errors = [f for f in check_raw(raw, pack_dir) if f.is_error]
        if errors:
            lines = "\n".join(f"  - {f.message}" for f in errors[:20])
            more = f"\n  ……另有 {len(errors) - 20} 处" if len(errors) > 20 else ""
            raise PackError(f"申报包 {pack_dir} 有 {len(errors)} 处错误：\n{lines}{more}")
    return build_pack(raw, pack_dir)


def check_pack_dir(ref: str | Path) -> list[Finding]:
    """pack-check: findings for a pack folder (or workbook, each finding at its cell); an
    unreadable pack.json is one finding, not an exception."""
    from toolkit.packs.check import check_raw

    if is_workbook(ref):
        from toolkit.packs.workbook_check import check_workbook

        return check_workbook(Path(ref))
    try:
        pack_dir = resolve_pack_dir(ref)
        raw = read_pack_json(pack_dir)
    except PackError as exc:
        return [Finding("pack.unreadable", "error", exc.message, file=str(ref))]
    return check_raw(raw, pack_dir)


def load_history(pack: Pack, version: str) -> Pack:
    """An earlier published version of the pack, kept in history/<version>.json."""
    if version == pack.version:
        return pack
    if pack.path is None:
        # A pack workbook (or a pack built in memory) holds its current version only: its
        # 修订记录 sheet says what each version changed, not what the old columns and rules were.
        raise PackError(f"申报包 {pack.id} 只有当前版本 {pack.version}，没有保存历史版本，无法与 {version} 比较：申报包工作簿的"
                        f"“修订记录”页只记各版本的说明，不含旧版的各列和规则。请对申报包目录运行（用 shenbao pack-build "
                        f"生成目录，并把 {version} 版的 pack.json 存为 目录/history/{version}.json）")
    path = pack.path / "history" / f"{version}.json"
    if not path.is_file():
        known = sorted(p.stem for p in (pack.path / "history").glob("*.json"))
        listed = "、".join([*known, pack.version])
        raise PackError(f"申报包 {pack.id} 没有版本 {version}；已发布的版本：{listed}")
    with open(path, encoding="utf-8") as fh:
        return build_pack(json.load(fh), None)


def history_versions(pack: Pack) -> list[str]:
    if pack.path is None or not (pack.path / "history").is_dir():
        return []
    return sorted((p.stem for p in (pack.path / "history").glob("*.json")), key=version_key)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))
