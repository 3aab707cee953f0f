"""Our own outputs found in an inbox: a province's inbox holding a city's whole output folder.

The city's 汇总表.xlsx is what the province reads. Everything else `shenbao run` wrote beside it
(校验报告.xlsx, 报送函.docx, 本期变化.xlsx, manifest.json, 退回修改/, the summaries split by
department `汇总表-省….xlsx`) is recognised and skipped with a message that says so: by the
folder's manifest.json (ours: it names the toolkit's version, the pack and the outputs), and, where
no manifest is there, by the content (the report's own sheets; a split whose projects are all in the
汇总表.xlsx beside it).

A return copy (退回修改/南关区（退回修改）.xlsx) a county corrected and sent back is a county's file
and is read; only the copies inside an output folder are ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from toolkit.ingest.readers import SheetData

# The names of the outputs toolkit/run/job.py writes (it imports them from here).
SUMMARY_NAME = "汇总表.xlsx"
REPORT_NAME = "校验报告.xlsx"
RETURNS_DIR = "退回修改"
LETTER_NAME = "报送函.docx"
MANIFEST_NAME = "manifest.json"
CHANGES_NAME = "本期变化.xlsx"
WHAT = {SUMMARY_NAME: "汇总表", REPORT_NAME: "校验报告", RETURNS_DIR: "退回修改的文件副本", LETTER_NAME: "报送函",
        MANIFEST_NAME: "处理记录（manifest.json）", CHANGES_NAME: "本期变化表"}
SPLIT_RE = re.compile(r"^汇总表-.+\.xlsx$")
# The report's first sheet and its header (toolkit/outputs/report.py SUMMARY_SHEET, SUMMARY_COLUMNS).
REPORT_SHEETS = ("汇总", "问题清单", "列对应")
REPORT_HEADER = ("文件", "状态", "说明")


def read_manifest(path: Path) -> dict[str, Any] | None:
    """A manifest.json that `shenbao run` wrote, or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and {"toolkit_version", "pack", "outputs"} <= set(data):
        return data
    return None


def output_folders(files: Sequence[tuple[Path, str]]) -> dict[PurePosixPath, dict[str, Any]]:
    """Folders (as shown: relative to the inbox) holding our manifest.json -> the manifest."""
    out: dict[PurePosixPath, dict[str, Any]] = {}
    for path, shown in files:
        if path.name == MANIFEST_NAME:
            manifest = read_manifest(path)
            if manifest is not None:
                out[PurePosixPath(shown).parent] = manifest
    return out


def own_outputs(files: Sequence[tuple[Path, str]]) -> dict[str, str]:
    """Shown path -> why it is skipped, for every file of an output folder but its 汇总表.xlsx."""
    folders = output_folders(files)
    skipped: dict[str, str] = {}
    if not folders:
        return skipped
    for _, shown in files:
        where = PurePosixPath(shown)
        for folder, manifest in folders.items():
            if folder != PurePosixPath(".") and folder not in where.parents:
                continue
            rel = where.relative_to(folder)
            summary = next(iter(_listed(manifest, "summary")), SUMMARY_NAME)
            if rel.as_posix() == summary:
                continue
            listed = {n for k in manifest.get("outputs", {}) if k != "summary" for n in _listed(manifest, k)}
            top = rel.parts[0]
            if len(rel.parts) == 1 and SPLIT_RE.match(top):
                what = "按归口部门分开的汇总表"
            elif top in listed or top in WHAT:
                what = WHAT.get(top, "输出文件")
            elif top.startswith((".shenbao", ".汇总表", ".校验报告", ".报送函")):
                what = "临时文件"
            else:
                continue  # something else the clerk put there: read as any file
            place = "收件文件夹" if folder == PurePosixPath(".") else f"“{folder.as_posix()}”"
            skipped[shown] = (f"这是 shenbao 生成的{what}：{place}中的 manifest.json 表明它是 shenbao 的输出文件夹，"
                              f"只读取其中的 {summary}，本文件已跳过")
            break
    return skipped


def _listed(manifest: dict[str, Any], key: str) -> list[str]:
    """The names (first path part) an output of the manifest has: one entry, or a list of them
    (the department summaries), each {"path": ...}."""
    entry = manifest.get("outputs", {}).get(key)
    out = []
    for item in entry if isinstance(entry, list) else [entry]:
        found = item.get("path") if isinstance(item, dict) else None
        if isinstance(found, str) and found:
            out.append(PurePosixPath(found).parts[0])
    return out


def is_our_report(sheets: Sequence[SheetData]) -> bool:
    """The 校验报告 `shenbao validate` / `run` writes: its three sheets, and its first sheet's header."""
    names = [s.name for s in sheets]
    if names[:3] != list(REPORT_SHEETS):
        return False
    first = sheets[0].rows[0] if sheets[0].rows else []
    return tuple(str(v) for v in first[:3]) == REPORT_HEADER


CHANGES_SHEET = "本期变化"  # toolkit/merge/monthly.py write_changes: its sheet, title line and header
CHANGES_TITLE = "与上期汇总表相比："
CHANGES_HEADER = ("状态", "变化内容")


def our_output_kind(sheets: Sequence[SheetData]) -> str | None:
    """What we wrote, when a workbook is one of our outputs other than a summary (those carry
    the template's stamp): 校验报告 or 本期变化表; None for anything else."""
    if is_our_report(sheets):
        return "校验报告"
    if [s.name for s in sheets] == [CHANGES_SHEET]:
        rows = sheets[0].rows
        first = str(rows[0][0]) if rows and rows[0] and rows[0][0] is not None else ""
        header = [str(v) for v in rows[2] if v is not None] if len(rows) > 2 else []
        if first.startswith(CHANGES_TITLE) and header[:1] == [CHANGES_HEADER[0]] and header[-1:] == [CHANGES_HEADER[1]]:
            return "本期变化表"
    return None


def split_beside_summary(shown: str, others: Sequence[str]) -> str | None:
    """The 汇总表.xlsx beside a `汇总表-….xlsx`, when there is one."""
    where = PurePosixPath(shown)
    if not SPLIT_RE.match(where.name):
        return None
    sibling = (where.parent / SUMMARY_NAME).as_posix()
    return sibling if sibling in others else None
