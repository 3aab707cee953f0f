"""Month over month (seed 000: 以后每月报送): this month's projects against last month's summary.

Each project is 新增 (new), 变更 (changed: which fields), or unchanged; last month's projects
that are gone are 撤销 (withdrawn). Projects are matched by credit code and name, then by the name
with brackets/phases/项目 set aside and the applicant, so a county retyping a name does not turn
one project into a withdrawal plus a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from toolkit.ingest.records import Record
from toolkit.packs.model import Annex
from toolkit.textnorm import clean, name_parts

NEW, CHANGED, SAME, WITHDRAWN = "新增", "变更", "无变化", "撤销"


@dataclass(frozen=True)
class Change:
    status: str
    record: Record  # this month's record, or last month's for 撤销
    previous: Record | None = None
    fields: tuple[str, ...] = ()  # keys that changed (变更)


@dataclass
class Changes:
    items: list[Change] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.items if c.status == status)

    def status_of(self, record: Record) -> Change | None:
        return next((c for c in self.items if c.record is record), None)


def _keys(annex: Annex, r: Record) -> tuple[str, str]:
    parts = name_parts(_role(annex, r, "project_name"))
    code = clean(_role(annex, r, "uscc")).upper()
    applicant = clean(_role(annex, r, "applicant"))
    return f"{code}|{parts.exact}", f"{applicant}|{parts.core}|{sorted(parts.phases)}"


def _role(annex: Annex, r: Record, role: str) -> Any:
    key = annex.role_key(role)
    return r.values.get(key) if key else None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 0.005  # amounts in 万元 compare to the cent
    return (clean(a) if isinstance(a, str) else a) == (clean(b) if isinstance(b, str) else b)


def compare(annex: Annex, current: Sequence[Record], previous: Sequence[Record]) -> Changes:
    exact: dict[str, list[int]] = {}
    loose: dict[str, list[int]] = {}
    for i, r in enumerate(previous):
        k1, k2 = _keys(annex, r)
        exact.setdefault(k1, []).append(i)
        loose.setdefault(k2, []).append(i)
    used: set[int] = set()
    out = Changes()
    for r in current:
        k1, k2 = _keys(annex, r)
        match = next((i for i in exact.get(k1, []) if i not in used), None)
        if match is None:
            match = next((i for i in loose.get(k2, []) if i not in used), None)
        if match is None:
            out.items.append(Change(NEW, r))
            continue
        used.add(match)
        before = previous[match]
        changed = tuple(f.key for f in annex.fields
                        if f.type != "list" and not _same(r.values.get(f.key), before.values.get(f.key)))
        out.items.append(Change(CHANGED if changed else SAME, r, before, changed))
    for i, r in enumerate(previous):
        if i not in used:
            out.items.append(Change(WITHDRAWN, r))
    return out


def describe(annex: Annex, change: Change) -> str:
    """`总投资：1200 → 1500；进展情况：招标中 → 已开工` for a 变更."""
    if change.status != CHANGED or change.previous is None:
        return ""
    parts = []
    for key in change.fields:
        f = annex.field(key)
        before, after = change.previous.values.get(key), change.record.values.get(key)
        parts.append(f"{f.title}：{_show(before)} → {_show(after)}")
    return "；".join(parts)


def _show(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def read_previous(pack: Any, annex: Annex, path: Any, seen: dict[str, Any] | None = None) -> list[Record]:
    """Last month's projects: its summary read as any input (the 明细 sheet of our summary).
    `seen` gets the SHA-256 and size of the bytes read (for the manifest)."""
    from pathlib import Path

    from toolkit.errors import ShenbaoError
    from toolkit.ingest.inbox import ingest

    result = ingest(pack, [Path(path)])
    report = result.files[0] if result.files else None
    if seen is not None and report is not None:
        seen.update(sha256=report.sha256, bytes=report.size)
    if report is None or report.status != "ok":
        reason = report.message if report else "文件不存在"
        raise ShenbaoError(f"上期汇总表 {path} 无法读取：{reason}")
    return [r for r in result.records if r.annex == annex.id]


def write_changes(annex: Annex, changes: Changes, target: Any) -> Any:
    """本期变化.xlsx: one row a project, 新增 / 变更 (with what changed) / 撤销, then 无变化."""
    import xlsxwriter

    from toolkit.runtime.atomic import atomic_path

    order = {NEW: 0, CHANGED: 1, WITHDRAWN: 2, SAME: 3}
    rows = sorted(changes.items, key=lambda c: (order[c.status], c.record.file, c.record.row))
    with atomic_path(target) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        ws = wb.add_worksheet("本期变化")
        bold = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True})
        cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        counts = f"新增 {changes.count(NEW)} 个，变更 {changes.count(CHANGED)} 个，撤销 {changes.count(WITHDRAWN)} 个，无变化 {changes.count(SAME)} 个"
        ws.write_string(0, 0, f"与上期汇总表相比：{counts}", wb.add_format({"bold": True, "font_size": 12}))
        titles = [(f.title if (f := annex.role_field(role)) else default)
                  for role, default in (("project_name", "项目名称"), ("applicant", "申报单位"))]
        headers = ["状态", *titles, "填报单位", "来源文件", "行号", "变化内容"]
        for c, h in enumerate(headers):
            ws.write_string(2, c, h, bold)
        for i, change in enumerate(rows, start=3):
            r = change.record
            values = [change.status, _show(_role(annex, r, "project_name")), _show(_role(annex, r, "applicant")),
                      r.reporting_unit or "", r.file, str(r.row), describe(annex, change)]
            for c, v in enumerate(values):
                ws.write_string(i, c, v, cell)
        for c, width in enumerate([8, 36, 28, 12, 24, 6, 60]):
            ws.set_column(c, c, width)
        ws.freeze_panes(3, 0)
        ws.autofilter(2, 0, 2 + len(rows), len(headers) - 1)
        wb.set_properties({"author": "shenbao", "created": __import__("datetime").datetime(2020, 1, 1)})
        wb.close()
    return target
