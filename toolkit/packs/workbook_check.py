"""pack-check on a pack workbook: the same checks as pack.json, each finding at its cell.

The workbook is compiled (workbook.py), then checked by check.py's `check_raw` like any pack.json;
every finding is then placed on the sheet and cell its JSON path came from: a shape error by the
validator's path, a sense error by what it names (the rule, the annex and field, the summary, the
choice list), with "是不是……" for a field name that is close to a declared one.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from toolkit.errors import PackError
from toolkit.findings import Finding
from toolkit.packs.build import build_pack
from toolkit.packs.check import check_raw
from toolkit.packs.workbook import compile_workbook
from toolkit.packs.workbook_compiled import Compiled, JsonPath, at, did_you_mean
from toolkit.packs.workbook_layout import (
    BASIC_SHEET,
    CHANGELOG_SHEET,
    FIELD_SHEET,
    RULE_SHEET,
    SUMMARY_SHEET,
)

# a sense finding's wording -> the member (column) it is about
_RULE_PARTS = (("的 when", "when"), ("的 check", "check"), ("的 values", "values"), ("的 field", "field"),
               ("group_by", "group_by"), ("max_count", "max_count"), ("match_on", "match_on"),
               ("companion", "companion"), ("提示语", "message"), ("指向不存在的附件", "annex"))
_FIELD_PARTS = (("choices", "choices"), ("可选项", "choices"), ("unit", "unit"), ("format", "format"),
                ("precision", "precision"), ("minimum", "minimum"), ("items", "type"), ("role", "role"),
                ("标题或别名", "aliases"))


def compile_checked(path: Path, data: bytes | None = None) -> tuple[Compiled, list[Finding]]:
    """The compiled workbook and every finding of the full pack-check, each naming its cell."""
    compiled = compile_workbook(path, data)
    findings = list(compiled.findings)
    if any(f.is_error for f in findings):
        return compiled, findings
    seen: set[str] = set()
    for finding in check_raw(compiled.raw, None):
        for placed in _expanded(compiled, finding):
            if placed.message not in seen:  # the validator says "missing" once per missing member
                seen.add(placed.message)
                findings.append(placed)
    return compiled, findings


def _expanded(compiled: Compiled, finding: Finding) -> list[Finding]:
    """A shape finding naming several missing members -> one finding per member, each at its cell
    and named by its heading in the workbook."""
    missing = re.search(r"缺少必填项 (\S+)", finding.message)
    if finding.code != "pack.shape" or not missing:
        return [_placed(compiled, finding)]
    base = _shape_path(compiled, finding.message.split("：", 1)[0] + "：")
    out = []
    for member in missing.group(1).split("、"):
        path = at(base or (), member)
        label = compiled.labels.get(path)
        text = f"“{label}”没有填写（{member}）" if label else finding.message
        place = compiled.locate(path)
        sheet, cell = place if place else (None, None)
        prefix = f"{sheet}!{cell}：" if sheet else ""
        out.append(dataclasses.replace(finding, message=prefix + text, file=compiled.file, sheet=sheet, cell=cell))
    return out


def check_workbook(path: Path) -> list[Finding]:
    try:
        return compile_checked(path)[1]
    except PackError as exc:
        return [Finding("pack.unreadable", "error", exc.message, file=str(path))]


def load_workbook_pack(path: Path, check: bool = True) -> Any:
    """A Pack from a pack workbook, compiled in memory (nothing written beside the workbook)."""
    if not path.is_file():
        raise PackError(f"找不到申报包工作簿 {path}")
    compiled, findings = compile_checked(path)
    errors = [f for f in findings if f.is_error]
    if not check:  # unchecked still needs a pack of the right shape to build
        errors = [f for f in errors if f.code == "pack.shape" or f in compiled.findings]
    if errors:
        lines = "\n".join(f"  - {f.message}" for f in errors[:20])
        more = f"\n  ……另有 {len(errors) - 20} 处" if len(errors) > 20 else ""
        raise PackError(f"申报包工作簿 {path} 有 {len(errors)} 处错误：\n{lines}{more}")
    return build_pack(compiled.raw, None)


def _placed(compiled: Compiled, finding: Finding) -> Finding:
    place = _locate(compiled, finding)
    message = finding.message
    if finding.code == "pack.shape":  # `annexes[0].fields[3].type：…` -> `“类型”：…`
        head, _, rest = message.partition("：")
        label = compiled.labels.get(_shape_path(compiled, head + "：") or ())
        if label and rest:
            message = f"“{label}”{rest}" if rest.startswith("取值") else f"“{label}”：{rest}"
    if finding.code == "pack.unknown-field" and finding.field:
        names = _names(compiled.raw)
        message += did_you_mean(finding.field, names)
    sheet, cell = place if place else (None, None)
    prefix = f"{sheet}!{cell}：" if sheet else ""
    return dataclasses.replace(finding, message=prefix + message, file=compiled.file, sheet=sheet, cell=cell)


def _names(raw: dict[str, Any]) -> list[str]:
    out = []
    for annex in raw.get("annexes", []):
        for f in annex.get("fields", []):
            out += [str(f.get("key")), str(f.get("title"))]
    return out


def _shape_path(compiled: Compiled, message: str) -> JsonPath | None:
    """The JSON path a shape message starts with (check._path_text), as a tuple."""
    head = message.split("：", 1)[0]
    if head == "（顶层）":
        return ()
    parts: list[Any] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", head):
        parts.append(int(index) if index else name)
    missing = re.search(r"缺少必填项 (\S+)", message)
    if missing:
        parts.append(missing.group(1).split("、")[0])
    return tuple(parts)


def _locate(compiled: Compiled, finding: Finding) -> tuple[str, str] | None:
    raw, msg = compiled.raw, finding.message
    if finding.code == "pack.shape":
        path = _shape_path(compiled, msg)
        return compiled.locate(path) if path is not None else None
    rule = re.search(r"规则“([^”]+)”", msg)
    if rule:
        for i, crit in enumerate(raw.get("criteria", [])):
            if crit.get("id") == rule.group(1):
                part = next((m for text, m in _RULE_PARTS if text in msg), "id")
                return compiled.locate(("criteria", i, part))
        return compiled.where.get(("criteria",)) or (RULE_SHEET.name, "A3")
    if msg.startswith("summary"):
        member = re.match(r"summary\.(\w+)", msg)
        return compiled.locate(("summary", member.group(1) if member else "annex")) or (SUMMARY_SHEET.name, "B2")
    if msg.startswith("routing"):
        return compiled.locate(("routing", "field"))
    listed = re.search(r"可选项列表“([^”]+)”是空的", msg)
    if listed:
        return compiled.locate(("choice_lists", listed.group(1)))
    if "changelog" in msg or msg.startswith("历史版本"):
        return compiled.locate(("version",)) or (CHANGELOG_SHEET.name, "A3")
    annex = re.search(r"附件 \S*（([^）]+)）", msg)
    if annex:
        for i, a in enumerate(raw.get("annexes", [])):
            if a.get("id") != annex.group(1):
                continue
            if finding.code == "pack.summary-annex":
                return compiled.locate(("annexes", i, "role")) or compiled.locate(("annexes", i))
            key = re.search(r"（([a-z][a-z0-9_]*)）", msg.split("）", 1)[-1])
            field_key = key.group(1) if key else finding.field
            for j, f in enumerate(a.get("fields", [])):
                if f.get("key") == field_key or (finding.code == "pack.duplicate-role" and f.get("role") == field_key):
                    part = next((m for text, m in _FIELD_PARTS if text in msg), "key")
                    return compiled.locate(("annexes", i, "fields", j, part))
            if "版式" in msg or "字段" in msg:
                return compiled.locate(("annexes", i, "sections" if "版式" in msg else "id")) or (
                    FIELD_SHEET.name, "A3")
            return compiled.locate(("annexes", i))
    return compiled.locate(("id",)) or (BASIC_SHEET.name, "B2")
