"""What a clerk sees in a summary workbook, checked against the figures it carries for the letter.

The letter's figures come from the hidden `_shenbao_summary` sheet (toolkit.merge.stats.read_stats),
written with the table. A clerk who deletes or edits rows of 汇总表 or 明细 afterwards changes what
the table says but not the hidden figures; a letter written then would report projects and
amounts that are no longer in the table it is sent with. So before the letter is written, each
visible sheet's project rows are counted and its amount columns added up (exactly, as Decimals of
the cells' values) and compared with the figures; any difference stops the letter (exit code 2,
an input that cannot be used as it is), saying which sheet holds what.

Project rows are those with a 序号 (a number in column A) below the header: headings, 小计, 合计 and
the footer carry text there (toolkit/outputs/summary/table.py). Amount columns are found by their header
(`总投资（万元）` or `总投资`), so a column moved by the clerk is still found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from toolkit.merge.stats import SummaryStats
from toolkit.packs.model import Annex, Pack
from toolkit.textnorm import clean

# The sheets a clerk sees and sends (the 汇总表 to stamp; 明细, which the next level reads).
SHEETS = ("汇总表", "明细")
# The header's one or two rows (0-based), below the title and unit line, and one row lower when
# the 汇总表 carries its annex number (附件4-5) on a row of its own above the title.
_HEADER_ROWS = range(2, 5)
_PLACES = Decimal("0.0001")


@dataclass
class VisibleSheet:
    name: str
    projects: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # amount columns not found


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _columns(rows: list[list[Any]], annex: Annex, keys: list[str]) -> dict[str, int]:
    """Column index of each amount field, by its header (with or without the unit)."""
    wanted = {}
    for key in keys:
        f = annex.field(key)
        wanted[clean(f.header)] = key
        wanted.setdefault(clean(f.title), key)
    found: dict[str, int] = {}
    for r in _HEADER_ROWS:
        if r < len(rows):
            for c, value in enumerate(rows[r]):
                if isinstance(value, str) and (named := wanted.get(clean(value))) is not None:
                    found.setdefault(named, c)
    return found


def read_visible(path: Path, pack: Pack, annex: Annex, keys: list[str]) -> list[VisibleSheet]:
    """Each visible sheet's project rows and amount sums; a sheet the workbook lacks is left out."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    out = []
    for name in SHEETS:
        if name not in wb.sheet_names:
            continue
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        columns = _columns(rows, annex, keys)
        sheet = VisibleSheet(name, sums={k: Decimal(0) for k in columns},
                             missing=[annex.field(k).header for k in keys if k not in columns])
        for row in rows[_HEADER_ROWS.start:]:
            if not row or not _is_number(row[0]):
                continue
            sheet.projects += 1
            for key, c in columns.items():
                value = row[c] if c < len(row) else None
                if isinstance(value, float):
                    sheet.sums[key] += Decimal(repr(value))
                elif isinstance(value, int) and not isinstance(value, bool):
                    sheet.sums[key] += Decimal(value)
        out.append(sheet)
    return out


def _show(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def visible_differences(path: Path, pack: Pack, stats: SummaryStats) -> list[str]:
    """Chinese lines saying where the visible table differs from the figures; [] when it agrees."""
    try:
        annex = pack.annex(stats.annex)
    except KeyError:
        return []  # another annex than the pack declares: load_summaries says so
    keys = [k for k in stats.totals if k in annex.field_keys]
    lines = []
    for sheet in read_visible(path, pack, annex, keys):
        said = []
        if sheet.projects != stats.projects:
            said.append(f"现有 {sheet.projects} 个项目，生成时为 {stats.projects} 个")
        for key, total in sheet.sums.items():
            expected = Decimal(repr(stats.totals[key]))
            if total.quantize(_PLACES) != expected.quantize(_PLACES):
                f = annex.field(key)
                unit = f.unit or stats.unit
                said.append(f"“{f.title}”合计现为 {_show(total)} {unit}，生成时为 {_show(expected)} {unit}")
        if said:
            lines.append(f"“{sheet.name}”页{'；'.join(said)}")
    return lines
