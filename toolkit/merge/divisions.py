"""Which units should report to a unit: the next level down in the division table (GB/T 2260).

A city (长春市) collects from its counties, a province from its cities (or the first-level list of
the campaign's notice, the pack's `reporting_units`, which adds units such as 长白山管委会). The
table is `divisions.json` beside this module, with its source and date. Where the level cannot be
known (a county collecting from enterprises, a unit name the table does not hold and senders the
pack does not list) nothing is checked, and the clerk is told how to give the list (`expect`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from toolkit.textnorm import clean

TABLE = Path(__file__).with_name("divisions.json")
UNCHECKED = "未核对应报送单位"  # in every basis that checks nothing (run/outcome.py tells the clerk)
HOW_TO_EXPECT = "如需核对，请在 shenbao.toml 中写 expect = [\"单位1\", \"单位2\"]，或用 --expect 给出应报送单位"
_STAMP = re.compile(r"[（(]?(?:盖章|公章)[)）]?$")


@dataclass(frozen=True)
class Expected:
    """The units expected to report, or None when nothing is checked; `basis` says why, in Chinese."""

    units: tuple[str, ...] | None
    basis: str


@dataclass(frozen=True, eq=False)
class Table:
    date: str
    names: dict[str, str]  # code -> name
    by_name: dict[str, list[str]]  # name -> codes (朝阳区: two)

    def children(self, code: str) -> list[str]:
        """Codes of the units one level down: a province's cities (a municipality's districts,
        and counties the province governs directly), a city's counties."""
        if code.endswith("0000"):
            prefix = code[:2]
            cities = [c for c in self.names if c.startswith(prefix) and c != code and c.endswith("00")]
            direct = [c for c in self.names if c.startswith(prefix) and not c.endswith("00")
                      and f"{c[:4]}00" not in self.names]
            return sorted([*cities, *direct])
        if code.endswith("00"):
            return sorted(c for c in self.names if c.startswith(code[:4]) and c != code)
        return []


@cache
def load_table() -> Table:
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    names: dict[str, str] = dict(data["divisions"])
    by_name: dict[str, list[str]] = {}
    for code, name in names.items():
        by_name.setdefault(name, []).append(code)
    return Table(str(data["date"]), names, by_name)


def find_division(unit_name: str, table: Table | None = None) -> str | None:
    """The division a unit belongs to: `长春市` -> 220100, `吉林省长春市` -> 220100, `长春市政务服务和
    数字化局` -> 220100 (a city's department collects at the city's level), `吉林省工业和信息化厅` ->
    220000. None when the name starts with no division, or with one the table holds twice."""
    table = table or load_table()
    text = _STAMP.sub("", clean(unit_name))
    found: str | None = None
    while text:
        candidates = [(name, codes) for name, codes in table.by_name.items() if text.startswith(name)]
        if found is not None:  # below the one found: only its own children
            below = set(table.children(found))
            candidates = [(n, [c for c in codes if c in below]) for n, codes in candidates]
            candidates = [(n, codes) for n, codes in candidates if codes]
        if not candidates:
            break
        name, codes = max(candidates, key=lambda nc: len(nc[0]))
        if len(codes) != 1:
            return None  # 朝阳区 alone: Beijing's or Changchun's
        found = codes[0]
        text = text[len(name):]
    return found


def expected_units(unit_name: str, reporting_units: Sequence[str], senders: Iterable[str],
                   table: Table | None = None) -> Expected:
    """Who should report to `unit_name` when the clerk gave no list. `reporting_units`: the
    pack's first-level list (who reports to the province); `senders`: the units seen in the inbox."""
    table = table or load_table()
    code = find_division(unit_name, table) if unit_name else None
    dated = f"行政区划表（{table.date}年）"
    if code is not None and not code.endswith("00"):
        return Expected(None, f"“{unit_name}”是县级单位，下一级报送单位无法从{dated}得出，未核对应报送单位。{HOW_TO_EXPECT}")
    if code is not None and not code.endswith("0000"):
        children = set(table.children(code))
        if reporting_units and all(children & set(table.by_name.get(u, [])) for u in reporting_units):
            # The pack names who reports, all of them this city's counties: the pack decides.
            return Expected(tuple(reporting_units), f"申报包中的报送单位名单（均为{table.names[code]}的下一级单位）")
        units = tuple(table.names[c] for c in table.children(code))
        return Expected(units, f"{table.names[code]}的下一级单位（据{dated}）")
    pack_fits = bool(reporting_units) and (
        code is None or any(c.startswith(code[:2]) for u in reporting_units for c in table.by_name.get(u, [])))
    if code is not None and not pack_fits:
        units = tuple(table.names[c] for c in table.children(code))
        return Expected(units, f"{table.names[code]}的下一级单位（据{dated}）")
    if not reporting_units:
        return Expected(None, f"申报包没有列出报送单位，未核对应报送单位。{HOW_TO_EXPECT}")
    if code is None:
        seen = [s for s in senders if s]
        if seen and not any_matches(reporting_units, seen):
            who = f"从{dated}无法确定“{unit_name}”的级别" if unit_name else "未给出填报单位（--unit-name）"
            return Expected(None, f"{who}，报来的文件也都不是申报包名单中的单位，无法判断应报送哪一级，未核对应报送单位。"
                                  f"{HOW_TO_EXPECT}")
    return Expected(tuple(reporting_units), "申报包中的报送单位名单")


def any_matches(units: Sequence[str], seen: Sequence[str]) -> bool:
    """Whether any of `units` `_matches` any of `seen`: each name's sender key worked out once,
    not once for every pair (a dozen units, 3,000 senders)."""
    from toolkit.ingest.units import sender_key

    keys = set(map(sender_key, seen))
    return any(key and key in keys for key in map(sender_key, units))


def _matches(expected: str, seen: str) -> bool:
    # By sender key, not containment: 长春市朝阳区 is 朝阳区, not 长春市.
    from toolkit.ingest.units import sender_key

    a, b = sender_key(expected), sender_key(seen)
    return bool(a) and a == b
