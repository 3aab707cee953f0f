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


def _read(path: Path) -> tuple[Any, dict[str, str] | None]:
    """The workbook's read outcome and the decisions found in it. The 疑似重复 sheet is read
    alone first: a summary's 汇总表 and 明细 sheets hold every project (60 MB of sheet XML at
    30,000 projects, 3-4 s to parse) and no decision. Only a workbook without that sheet, or
    without the two columns there, is read whole, for any other sheet that has them."""
    from toolkit.ingest.readers import read_file

    outcome = read_file(path, only=frozenset({PAIRS_SHEET}))
    if outcome.status == "ok" and outcome.workbook is not None:
        found = _decisions_in(path, outcome.workbook.sheets)
        if found is not None:
            return outcome, found
    outcome = read_file(path)
    if outcome.status != "ok" or outcome.workbook is None:
        return outcome, None
    return outcome, _decisions_in(path, outcome.workbook.sheets)


def read_decisions(path: Path, seen: dict[str, Any] | None = None) -> dict[str, str]:
    """Pair id -> 合并/保留 from a workbook's 疑似重复 sheet (or any sheet with those two columns).
    `seen` gets the SHA-256 and size of the bytes read (for the manifest)."""
    path = Path(path)
    outcome, found = _read(path)
    if seen is not None:
        seen.update(sha256=outcome.sha256, bytes=outcome.size)
    if outcome.status != "ok" or outcome.workbook is None:
        raise ShenbaoError(f"无法读取处理意见文件 {path.name}：{outcome.message or '文件无法打开'}")
    if found is None:
        raise ShenbaoError(
            f"{path.name} 中没有“{PAIRS_SHEET}”表（找不到“{PAIR_ID}”和“{DECISION}”两列）；"
            f"请指定由本工具生成、并已填写处理意见的汇总表")
    return found


def reuse_decisions(summary: Path, seen: dict[str, Any] | None = None) -> tuple[dict[str, str], str]:
    """The decisions a clerk filled into the summary a previous run left in the output folder,
    and what to tell the clerk about them ("" when there is no such summary or nothing filled).
    A word that is neither 合并 nor 保留 stops the run, as with --decisions: a clerk's decision is
    never dropped on the quiet."""
    if not summary.is_file():
        return {}, ""
    try:
        outcome, found = _read(summary)
    except ShenbaoError as exc:
        raise ShenbaoError(f"{exc.message}（这是输出目录中上次生成的汇总表，本次运行会沿用其中的处理意见；"
                           f"如不需要沿用，请加 --no-decisions）") from None
    if seen is not None:
        seen.update(sha256=outcome.sha256, bytes=outcome.size)
    if outcome.status != "ok" or outcome.workbook is None:
        return {}, (f"输出目录中原有的 {summary.name} 无法读取（{outcome.message or '文件无法打开'}），"
                    f"其中若填写过“{DECISION}”未能沿用，请核对")
    if not found:
        return {}, ""
    merged = sum(1 for v in found.values() if v == "合并")
    note = (f"沿用了输出目录中上次生成的 {summary.name} 里已填写的 {len(found)} 条“{DECISION}”（合并 {merged} 条，"
            f"保留 {len(found) - merged} 条）；如不需要沿用，请加 --no-decisions 或在 shenbao.toml 中写 use_decisions = false")
    return found, note


def _decisions_in(path: Path, sheets: Sequence[Any]) -> dict[str, str] | None:
    """The decisions of the first sheet holding the two columns (疑似重复 first); None when none does."""
    for sheet in sorted(sheets, key=lambda s: s.name != PAIRS_SHEET):
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
    return None
