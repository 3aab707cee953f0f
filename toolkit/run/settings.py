"""`shenbao.toml`: what a clerk would otherwise retype on every run.

Looked for in the inbox folder (or given with --config). Paths in it are relative to the file.

    pack = "jl-761-2020"          # 申报包
    unit_name = "长春市"           # 填报单位（汇总表和报送函上的名称）
    org = "发文单位.toml"          # 报送函的发文机关、文号、联系人等
    previous = "上月/汇总表.xlsx"   # 上期汇总表（逐月报送时对比新增、变更、撤销）
    decisions = "汇总表.xlsx"       # 填写了“疑似重复”处理意见的汇总表
    out = "../申报结果"            # 输出目录
    expect = ["南关区", "朝阳区"]    # 应报送的单位（默认按填报单位从行政区划表推出下一级）
    count_every_file = false      # true：每个文件都计入，不判断某个文件是否被同一单位的修改版替代
    keep = ["绿园区.xlsx"]          # 指定保留的文件：同一单位的其他文件视为被它替代
    use_decisions = true          # false：重新运行时不沿用输出目录中汇总表已填写的处理意见

    [limits]                      # 读取各县文件的上限（防止损坏或恶意构造的文件拖垮整批处理）
    max_unzipped_mb = 200         # 一个 xlsx/ods 解压后的总大小
    max_compression_ratio = 200   # 单个部件的解压倍数（仅对解压后大于下一项的部件判断）
    ratio_applies_above_mb = 20
    max_zip_members = 10000       # 一个 xlsx/ods 内的部件数
    max_rows = 100000             # 每个工作表读取的行数（超出部分不读，并提醒）
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from toolkit.errors import ShenbaoError
from toolkit.ingest.guard import Limits
from toolkit.ingest.units import ReplacePolicy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SETTINGS_NAME = "shenbao.toml"
KNOWN = {"pack", "unit_name", "org", "previous", "decisions", "out", "expect", "limits",
         "count_every_file", "keep", "use_decisions"}
LIMIT_KEYS = tuple(f.name for f in fields(Limits))


@dataclass(frozen=True)
class Settings:
    path: Path | None = None
    pack: str | None = None
    unit_name: str | None = None
    org: Path | None = None
    previous: Path | None = None
    decisions: Path | None = None
    out: Path | None = None
    expect: tuple[str, ...] | None = None
    limits: Limits = field(default_factory=Limits)
    policy: ReplacePolicy = field(default_factory=ReplacePolicy)  # count_every_file, keep
    use_decisions: bool = True


def find_settings(inboxes: list[Path], explicit: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ShenbaoError(f"找不到设置文件 {explicit}")
        return explicit
    for inbox in inboxes:
        candidate = inbox / SETTINGS_NAME if inbox.is_dir() else None
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def load_settings(path: Path | None) -> Settings:
    if path is None:
        return Settings()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ShenbaoError(f"无法读取设置文件 {path}（系统信息：{exc.strerror or exc}）") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ShenbaoError(f"设置文件 {path} 格式有误：{exc}") from None
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise ShenbaoError(f"设置文件 {path} 中有不认识的项：{'、'.join(unknown)}；可用的项：{'、'.join(sorted(KNOWN))}")
    base = path.parent

    def rel(key: str) -> Path | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ShenbaoError(f"设置文件 {path} 中 {key} 应为文件或目录路径")
        return (base / value).resolve() if not Path(value).is_absolute() else Path(value)

    expect = data.get("expect")
    if expect is not None and (not isinstance(expect, list) or not all(isinstance(x, str) for x in expect)):
        raise ShenbaoError(f"设置文件 {path} 中 expect 应为单位名称的列表，如 [\"南关区\", \"朝阳区\"]")
    for key in ("pack", "unit_name"):
        if key in data and not isinstance(data[key], str):
            raise ShenbaoError(f"设置文件 {path} 中 {key} 应为文字")
    for key in ("count_every_file", "use_decisions"):
        if key in data and not isinstance(data[key], bool):
            raise ShenbaoError(f"设置文件 {path} 中 {key} 应为 true 或 false")
    keep = data.get("keep", [])
    if isinstance(keep, str):
        keep = [keep]
    if not isinstance(keep, list) or not all(isinstance(x, str) and x.strip() for x in keep):
        raise ShenbaoError(f"设置文件 {path} 中 keep 应为文件名的列表，如 [\"绿园区.xlsx\"]")
    policy = ReplacePolicy(count_every_file=bool(data.get("count_every_file", False)),
                           keep=tuple(k.strip() for k in keep))
    pack = data.get("pack")
    if isinstance(pack, str) and pack.lower().endswith(".xlsx") and not Path(pack).is_absolute():
        pack = str(base / pack)  # a pack workbook named beside the settings file, as org and out are
    return Settings(path=path, pack=pack, unit_name=data.get("unit_name"), org=rel("org"),
                    previous=rel("previous"), decisions=rel("decisions"), out=rel("out"),
                    expect=tuple(expect) if expect is not None else None,
                    limits=_limits(data.get("limits"), path), policy=policy,
                    use_decisions=bool(data.get("use_decisions", True)))


def _limits(table: Any, path: Path) -> Limits:
    """[limits]: each key a whole number above zero; unknown keys are refused, not ignored."""
    if table is None:
        return Limits()
    if not isinstance(table, dict):
        raise ShenbaoError(f"设置文件 {path} 中 limits 应为一节 [limits]，如 max_unzipped_mb = 500")
    unknown = sorted(set(table) - set(LIMIT_KEYS))
    if unknown:
        raise ShenbaoError(f"设置文件 {path} 的 [limits] 中有不认识的项：{'、'.join(unknown)}；"
                           f"可用的项：{'、'.join(LIMIT_KEYS)}")
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ShenbaoError(f"设置文件 {path} 的 [limits] 中 {key} 应为大于 0 的整数，如 {getattr(Limits(), key)}")
    return Limits(**table)
