"""A clerk's answers on suspected duplicates, read back from the 疑似重复 sheet of a summary.

The summary lists each pair with its 疑似重复编号 and a 处理意见 cell (合并 / 保留). The clerk fills
it in Excel or WPS and names the workbook on the next run; `dedupe(records, decisions)` then merges
or keeps each pair. Blanks are pairs not yet decided; any other word is refused with the list of
the words allowed, so a typo never silently leaves a duplicate in the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit.errors import ShenbaoError
from toolkit.textnorm import clean

PAIRS_SHEET = "疑似重复"
PAIR_ID = "疑似重复编号"
DECISION = "处理意见"
ALLOWED = ("合并", "保留")
HEADER_SCAN_ROWS = 30


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a pair id of digits only, re-saved as a number by a spreadsheet
    return clean(value)


def _header(rows: Sequence[Sequence[Any]]) -> tuple[int, int, int] | None:
    """(0-based header row, id column, decision column) of the pairs table, if the sheet has one."""
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = [_text(v) for v in row]
        if PAIR_ID in texts and DECISION in texts:
            return r, texts.index(PAIR_ID), texts.index(DECISION)
    return None


def read_decisions(path: Path, seen: dict[str, Any] | None = None) -> dict[str, str]:
    """Pair id -> 合并/保留 from a workbook's 疑似重复 sheet (or any sheet with those two columns).
    `seen` gets the SHA-256 and size of the bytes read (for the manifest)."""
    from toolkit.ingest.readers import read_file

    path = Path(path)
    outcome = read_file(path)
    if seen is not None:
        seen.update(sha256=outcome.sha256, bytes=outcome.size)
    if outcome.status != "ok" or outcome.workbook is None:
        raise ShenbaoError(f"无法读取处理意见文件 {path.name}：{outcome.message or '文件无法打开'}")
    sheets = sorted(outcome.workbook.sheets, key=lambda s: s.name != PAIRS_SHEET)
    for sheet in sheets:
        found = _header(sheet.rows)
        if found is None:
            continue
        header, id_col, decision_col = found
        out: dict[str, str] = {}
        bad: list[str] = []
        for r, row in enumerate(sheet.rows[header + 1:], start=header + 2):
            pair = _text(row[id_col]) if id_col < len(row) else ""
            word = _text(row[decision_col]) if decision_col < len(row) else ""
            if not pair or not word:
                continue
            if word not in ALLOWED:
                bad.append(f"第{r}行“{word}”")
            elif out.get(pair, word) != word:
                bad.append(f"第{r}行（编号 {pair} 前面已填“{out[pair]}”）")
            else:
                out[pair] = word
        if bad:
            allowed = "或".join(f"“{w}”" for w in ALLOWED)
            raise ShenbaoError(
                f"{path.name}「{sheet.name}」的处理意见只能填写{allowed}（尚未确定的留空），"
                f"以下无法采用：{'、'.join(bad)}；请改正后重新运行")
        return out
    raise ShenbaoError(
        f"{path.name} 中没有“{PAIRS_SHEET}”表（找不到“{PAIR_ID}”和“{DECISION}”两列）；"
        f"请指定由本工具生成、并已填写处理意见的汇总表")
