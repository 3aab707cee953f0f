"""pack-new: a blank pack workbook, with one example row per sheet for provincial staff to follow.

Example rows start with `示例：`; pack-build reports each one until it is rewritten or deleted, so
a half-filled pack never passes for a finished one.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from toolkit.errors import PackError

EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "附件": [{"id": "projects", "number": "附件1", "title": "项目汇总表", "kind": "table", "sheet": "项目表",
              "per": "unit", "instructions": ["每个项目填一行。", "金额单位为万元。"]}],
    "字段": [{"@annex": "projects", "title": "总投资", "key": "total_investment", "type": "number", "unit": "万元",
              "required": True, "aliases": ["项目总投资", "计划总投资"], "hint": "单位：万元", "role": "total"}],
    "选项": [{"@list": "category", "value": "大数据中心", "route": "省政务服务和数字化局", "aliases": ["大数据中心项目"]}],
    "规则": [{"id": "min-investment", "clause": "一(一)4", "annex": "projects", "title": "总投资不小于500万元",
              "when": "[项目类别] 是 \"大数据中心\"", "check": "[总投资] >= 500",
              "message": "总投资 {总投资} 万元，低于 500 万元", "severity": "error"}],
}


def new_raw(pack_id: str) -> dict[str, Any]:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", pack_id):
        raise PackError(f"申报包编号“{pack_id}”只能用小写字母、数字和连字符，如 jl-761-2020")
    year = re.search(r"(20\d\d)", pack_id)
    raw: dict[str, Any] = {"id": pack_id, "version": "1.0.0", "unit": "万元",
                           "reporting_unit_label": "填报单位",
                           "changelog": [{"version": "1.0.0", "date": dt.date.today().isoformat(),
                                          "changes": ["首次发布"]}],
                           "letter": {"kind": "函", "closing": "特此函告。"}}
    if year:
        raw["year"] = int(year.group(1))
    return raw


def new_workbook(pack_id: str, target: Path) -> Path:
    from toolkit.packs.workbook import build_book
    from toolkit.runtime.atomic import atomic_path

    book = build_book(new_raw(pack_id), examples=EXAMPLES)
    with atomic_path(target) as tmp:  # a write that fails is an OutputError (exit 3) in Chinese
        book.save(tmp)
    return target
