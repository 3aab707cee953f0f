"""Findings: every problem any stage sees is data, never an exception.

A finding names where the problem is (file, sheet, 1-based Excel row, A1 cell), which field of
the pack it concerns, which clause of the notice it comes from, and says in Chinese what to fix.
Codes are stable and dotted; their families are listed in CODE_FAMILIES.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")

# The families a code may start with; the part after the family names the exact problem.
CODE_FAMILIES: dict[str, str] = {
    "file": "文件无法读取或被跳过（加密、损坏、非表格文件等）",
    "header": "表头问题（缺少必填列、无法识别的列、模板版本过旧）",
    "value": "单元格取值无法识别或格式不对（数字、日期、代码）",
    "schema": "不符合字段要求（必填、类型、可选项、格式）",
    "criteria": "不符合通知中的入库/申报条件，后接规则编号",
    "dup": "重复项目：dup.exact 完全重复，dup.suspect 疑似重复",
    "pack": "申报包（pack）本身的问题，由 pack-check 报告",
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    cell: str | None = None
    field: str | None = None
    clause: str | None = None
    value: Any = None
    extra: dict[str, Any] = dc_field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        family = self.code.split(".", 1)[0]
        if family not in CODE_FAMILIES:
            raise ValueError(f"unknown finding family: {self.code}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity: {self.severity}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def to_sender(self) -> str:
        """The message as the return copy tells it to whoever sent the file: `extra["to_sender"]`
        where the clerk's wording would send them to a page they never see, else the message."""
        return self.extra.get("to_sender") or self.message

    def where(self) -> str:
        """The place in Chinese, e.g. `南关区.xlsx / 项目表 / F12`."""
        parts = [p for p in (self.file, self.sheet, self.cell or _row_text(self.row)) if p]
        return " / ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["extra"]:
            del data["extra"]
        return data


def _row_text(row: int | None) -> str | None:
    return f"第{row}行" if row else None


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)


def sort_key(f: Finding) -> tuple[str, str, int, str, str]:
    return (f.file or "", f.sheet or "", f.row or 0, f.cell or "", f.code)


def column_letter(index: int) -> str:
    """1-based column index to Excel letters (1 -> A, 27 -> AA)."""
    if index < 1:
        raise ValueError(index)
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """1-based row and column to an A1 reference."""
    return f"{column_letter(col)}{row}"
