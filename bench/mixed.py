"""Counties' own layouts for the mixed bench inbox (bench/generate.py --mixed).

Each file is one county's table in a layout of its own, drawn from the variations ingest supports:
0-2 title lines and a 填报单位 line above the header, one- or two-level headers (投资情况 over the
amounts), the columns in another order, other titles for the same field (the pack's aliases),
amounts in 万元, 亿元 or 元 as the header says, dates written 2020年9月 / 2020.09 / 2020/9, 是/否
or 已完成/未完成, a 合计 row and a footer. Written with xlsxwriter (an openpyxl file each would
cost more than the run reads). A few files become .xls/.ods (LibreOffice, when installed) or .csv.
"""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from toolkit.packs.model import Annex

AMOUNTS = ("total_investment", "bigdata_investment", "completed_investment")
DATES = ("start_date", "end_date")
FLAGS = ("proposal_done", "feasibility_done", "funding_secured")
SCALES = {"万元": 1.0, "亿元": 1 / 10000, "元": 10000.0}


class Layout:
    """One county's way of laying the table out, drawn from `rng`."""

    def __init__(self, annex: Annex, rng: random.Random) -> None:
        fields = [f for f in annex.fields if f.type != "list"]
        # Every column a criterion reads stays (a county that leaves one out sends rows that fail,
        # which the ~1 % bad rows already cover); a free-text column may be left out.
        keep = [f for f in fields if f.required or f.key != "remarks" or rng.random() < 0.5]
        rng.shuffle(keep)
        # The amounts stay together (a two-level header spans them), in the pack's order.
        amounts = [f for f in fields if f.key in AMOUNTS and f in keep]
        others = [f for f in keep if f.key not in AMOUNTS]
        at = rng.randrange(len(others) + 1)
        self.fields = others[:at] + amounts + others[at:]
        self.titles = {f.key: rng.choice([f.title, *f.aliases]) for f in self.fields}
        self.unit = rng.choice(["万元", "万元", "亿元", "元"])
        self.two_level = bool(amounts) and rng.random() < 0.5
        self.title_lines = rng.randrange(3)
        self.dates = rng.choice(["cn", "dot", "slash"])
        self.flags = rng.choice([("是", "否"), ("已完成", "未完成")])

    def header(self, key: str) -> str:
        title = self.titles[key]
        if key in AMOUNTS and not self.two_level:
            return f"{title}（{self.unit}）"
        return title

    def value(self, key: str, value: Any) -> Any:
        if value is None:
            return None
        if key in AMOUNTS:
            return round(float(value) * SCALES[self.unit], 6) if isinstance(value, (int, float)) else value
        if key in DATES and isinstance(value, str) and len(value) == 7:
            year, month = value.split("-")
            return {"cn": f"{year}年{int(month)}月", "dot": f"{year}.{month}", "slash": f"{year}/{int(month)}"}[self.dates]
        if key in FLAGS and value in ("是", "否"):
            return self.flags[0] if value == "是" else self.flags[1]
        return value


def write_own(path: Path, annex: Annex, rows: list[dict[str, Any]], county: str, when: datetime,
              rng: random.Random) -> Path:
    layout = Layout(annex, rng)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet(rng.choice(["项目表", "入库项目", "Sheet1", f"{county}"])[:31])
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    cell = wb.add_format({"border": 1})
    ncols = len(layout.fields) + 1
    r = 0
    for i in range(layout.title_lines):
        text = f"{county}“761”工程智能信息网新增入库项目表" if i == 0 else "（2020年第二批）"
        ws.merge_range(r, 0, r, ncols - 1, text, bold)
        r += 1
    ws.write_string(r, 0, f"填报单位（盖章）：{county}政务服务和数字化建设管理局    填报日期：{when.year}年{when.month}月{when.day}日"
                          + (f"    单位：{layout.unit}" if layout.two_level else ""))
    r += 1
    if layout.two_level:
        ws.merge_range(r, 0, r + 1, 0, "序号", bold)
        c = 1
        for f in layout.fields:
            if f.key in AMOUNTS:
                c += 1
                continue
            ws.merge_range(r, c, r + 1, c, layout.header(f.key), bold)
            c += 1
        first = next(i for i, f in enumerate(layout.fields, 1) if f.key in AMOUNTS)
        last = first + sum(f.key in AMOUNTS for f in layout.fields) - 1
        if last > first:
            ws.merge_range(r, first, r, last, f"投资情况（{layout.unit}）", bold)
        else:
            ws.write_string(r, first, f"投资情况（{layout.unit}）", bold)
        for i, f in enumerate(layout.fields, 1):
            if f.key in AMOUNTS:
                ws.write_string(r + 1, i, layout.header(f.key), bold)
        r += 2
    else:
        ws.write_string(r, 0, "序号", bold)
        for i, f in enumerate(layout.fields, 1):
            ws.write_string(r, i, layout.header(f.key), bold)
        r += 1
    totals = dict.fromkeys(AMOUNTS, 0.0)
    for seq, row in enumerate(rows, 1):
        ws.write_number(r, 0, seq, cell)
        for i, f in enumerate(layout.fields, 1):
            value = layout.value(f.key, row.get(f.key))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, i, value, cell)
                if f.key in totals:
                    totals[f.key] += value
            elif value is not None:
                ws.write_string(r, i, str(value), cell)
        r += 1
    ws.write_string(r, 0, "合计", bold)
    for i, f in enumerate(layout.fields, 1):
        if f.key in AMOUNTS:
            ws.write_number(r, i, round(totals[f.key], 6), bold)
    ws.write_string(r + 2, 0, "填表人：王丽    审核人：张强    联系电话：0431-88886666")
    wb.close()
    return path


def write_csv(path: Path, annex: Annex, rows: list[dict[str, Any]]) -> Path:
    """A table saved as CSV from Excel: the pack's headers, UTF-8 with a BOM."""
    fields = [f for f in annex.fields if f.type != "list"]
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["序号", *(f.header for f in fields)])
        for seq, row in enumerate(rows, 1):
            writer.writerow([seq, *("" if row.get(f.key) is None else row[f.key] for f in fields)])
    return path


def convert_some(paths: list[Path], ext: str) -> list[Path]:
    """`paths` (.xlsx) converted to `ext` (.xls or .ods) by LibreOffice in one call, replacing
    them; left as .xlsx when LibreOffice is not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not paths or soffice is None:
        return paths
    profile = Path(tempfile.mkdtemp(prefix="shenbao-bench-lo-"))
    try:
        target = {".xls": "xls:MS Excel 97", ".ods": "ods"}[ext]
        subprocess.run([soffice, "--headless", f"-env:UserInstallation={profile.as_uri()}", "--convert-to", target,
                        "--outdir", str(paths[0].parent), *map(str, paths)], check=True, capture_output=True, timeout=600)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = []
    for p in paths:
        made = p.with_suffix(ext)
        if made.exists():
            p.unlink()
            out.append(made)
        else:
            out.append(p)
    return out
