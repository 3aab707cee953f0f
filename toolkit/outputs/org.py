"""The clerk's organisation file (`--org`): who sends the cover letter.

A small TOML file kept beside the inbox, with Chinese keys: 发文机关, 发文字号, 联系人, 联系电话,
成文日期, 抄送, and optionally 主送 (overriding the pack's), 签发人 (for a 报告) and 单位名称.
Clerks edit it in Notepad: keys without quotes, a UTF-8 BOM or a GBK file are all accepted.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit import gongwen
from toolkit.errors import ShenbaoError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class Org:
    """The sender's particulars, from the TOML file named by `--org`."""

    issuer: str | None = None  # 发文机关
    number: str | None = None  # 发文字号
    contact: str | None = None  # 联系人
    phone: str | None = None  # 联系电话
    date: date | None = None  # 成文日期
    cc: tuple[str, ...] = ()  # 抄送
    recipient: str | None = None  # 主送, overriding the pack's
    signer: str | None = None  # 签发人, for a 报告 (an upward document)
    unit_name: str | None = None  # 单位名称 in the title (长春市), when the summary has none
    path: Path | None = None


ORG_KEYS: dict[str, str] = {
    "发文机关": "issuer", "发文字号": "number", "联系人": "contact", "联系电话": "phone",
    "成文日期": "date", "抄送": "cc", "主送": "recipient", "签发人": "signer", "单位名称": "unit_name",
}
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?\s*$")
# TOML allows only ASCII bare keys; clerks write `发文机关 = "…"` without quotes.
_BARE_KEY_RE = re.compile(r'^(\s*)([^\s"\'#\[=.]+)(\s*=)', re.MULTILINE)


def _quote_chinese_keys(text: str) -> str:
    return _BARE_KEY_RE.sub(
        lambda m: f'{m[1]}"{m[2]}"{m[3]}' if not m[2].isascii() else m[0], text)


def read_org(path: Path) -> Org:
    """Read the organisation file. A missing, unreadable or malformed file, an unknown key or
    a value of the wrong kind is a `ShenbaoError` naming the file and the key."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ShenbaoError(f"无法读取单位信息文件 {path}（系统信息：{exc.strerror or exc}）") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")  # Notepad's ANSI on a Chinese Windows
    try:
        data = tomllib.loads(_quote_chinese_keys(text))
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        lines = text.splitlines()
        line = ""
        if where and 0 < int(where[1]) <= len(lines):
            line = f"第{where[1]}行“{lines[int(where[1]) - 1].strip()}”"
        raise ShenbaoError(
            f"单位信息文件 {path.name} {line}格式有误：每行写作 键 = \"值\"，文字加英文双引号，"
            f"例如 发文机关 = \"长春市政务服务和数字化建设管理局\"") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        attr = ORG_KEYS.get(key.strip())
        if attr is None:
            raise ShenbaoError(f"单位信息文件 {path.name} 中的“{key}”不是可用的项目；"
                               f"可用的项目：{'、'.join(ORG_KEYS)}")
        values[attr] = _org_value(path, key, attr, value)
    if values.get("number"):
        values["number"] = gongwen.document_number(values["number"])
    return Org(**values, path=path)


def _org_value(path: Path, key: str, attr: str, value: Any) -> Any:
    if attr == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        m = _DATE_RE.match(str(value)) if isinstance(value, str) else None
        try:
            if m:
                return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
        raise ShenbaoError(f"单位信息文件 {path.name} 中的“{key}”应为日期，如 2020-07-10 或 "
                           f"\"2020年7月10日\"，现为“{value}”")
    if attr == "cc":
        if isinstance(value, str):
            value = re.split(r"[、，,;；\n]", value)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(v.strip() for v in value if v.strip())
        raise ShenbaoError(f"单位信息文件 {path.name} 中的“{key}”应为单位名称，"
                           f"如 抄送 = [\"长春市发展和改革委员会\", \"长春市财政局\"]")
    if isinstance(value, int) and not isinstance(value, bool) and attr == "phone":
        return str(value)
    if not isinstance(value, str):
        raise ShenbaoError(f"单位信息文件 {path.name} 中的“{key}”应为文字（加英文双引号），现为“{value}”")
    return value.strip() or None
