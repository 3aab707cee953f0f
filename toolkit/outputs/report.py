"""The validation report `校验报告.xlsx`: what each file came to, and every finding, one a row.

Three sheets: 汇总 (per file: status, projects, passed, failed, findings; totals and the accounting
line 读取 = 通过 + 未通过 + 重复合并), 问题清单 (the batch's findings in their sorted order, with an
autofilter so the clerk can pick a file or a code) and 列对应 (which column of each county's
layout went to which field); where a project comes as several papers (4-1, 4-3, a 4-5 row), a
fourth, 项目材料, says per project which of them arrived and what became of it. Everything a county wrote (file and sheet names, headers, values) goes
through `write_string`, so text such as `=HYPERLINK(...)` stays text and never becomes a formula.
`finding_rows` is shared with the return copies, whose 问题清单 has the same columns.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from toolkit import __version__
from toolkit.findings import Finding
from toolkit.ingest.records import FileReport
from toolkit.merge.pipeline import Batch
from toolkit.packs.model import Annex, Pack
from toolkit.runtime.atomic import atomic_path
from toolkit.template.styles import Styles, fitted_height, lines_needed, print_setup
from toolkit.template.styles import row_height as height_of
from toolkit.textnorm import clean
from toolkit.validate.fromforms import as_annex_row
from toolkit.validate.projects import Project, annex_label, part_where
from toolkit.xlsx.fastsheet import Book, Sheet, add_sheet

REPORT_NAME = "校验报告.xlsx"
SUMMARY_SHEET = "汇总"
FINDINGS_SHEET = "问题清单"
COLUMNS_SHEET = "列对应"
PARTS_SHEET = "项目材料"

FINDING_COLUMNS = ("序号", "文件", "工作表", "单元格", "行", "字段", "严重程度", "问题代码", "问题说明",
                   "通知条款", "原值")
FINDING_WIDTHS = (6, 24, 14, 8, 6, 18, 9, 24, 70, 30, 20)
SUMMARY_COLUMNS = ("文件", "状态", "说明", "模板版本", "项目数", "通过", "未通过", "重复合并", "错误数", "提醒数")
SUMMARY_WIDTHS = (28, 10, 60, 10, 8, 8, 8, 9, 8, 8)
MAPPING_COLUMNS = ("文件", "工作表", "列", "表头", "对应字段", "单位")
MAPPING_WIDTHS = (28, 14, 6, 30, 24, 8)

SEVERITY_TEXT = {"error": "错误", "warning": "提醒"}
STATUS_TEXT = {"ok": "已读取", "error": "无法读取", "skipped": "已跳过"}
ERROR_COLOR = "#FF9999"
WARNING_COLOR = "#FFD966"
MAX_TEXT = 32767  # Excel's limit for the text of one cell

WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
                    "nan_inf_to_errors": True}


# --------------------------------------------------------------------------- rows shared with returns


def field_titles(pack: Pack) -> dict[str | None, dict[str, str]]:
    """Per annex id, field key -> the Chinese title; the `None` entry holds every annex's fields
    (first annex wins) for findings of files whose annex is unknown."""
    titles: dict[str | None, dict[str, str]] = {None: {}}
    for annex in pack.data_annexes:
        own = {f.key: f.title for f in annex.fields}
        titles[annex.id] = own
        for key, title in own.items():
            titles[None].setdefault(key, title)
    return titles


def field_title(titles: dict[str | None, dict[str, str]], annex: str | None, key: str | None) -> str:
    if not key:
        return ""
    return titles.get(annex, {}).get(key) or titles[None].get(key) or key


def shown_value(value: Any) -> Any:
    """A finding's value as a cell takes it: numbers stay numbers, everything else is text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)[:MAX_TEXT]


def finding_rows(pack: Pack, findings: Sequence[Finding], files: Iterable[FileReport] = (), *,
                 to_sender: bool = False) -> list[list[Any]]:
    """The rows of a 问题清单, in the order given, with FINDING_COLUMNS' columns; `to_sender`:
    for a return copy, each message worded for whoever sent the file (Finding.to_sender)."""
    titles = field_titles(pack)
    annex_of = {f.path: f.annex for f in files}
    rows = []
    for i, f in enumerate(findings, 1):
        rows.append([
            i, f.file or "", f.sheet or "", f.cell or "", f.row,
            field_title(titles, annex_of.get(f.file or ""), f.field),
            SEVERITY_TEXT.get(f.severity, f.severity), f.code, (f.to_sender if to_sender else f.message)[:MAX_TEXT],
            f.clause or "",
            shown_value(f.value),
        ])
    return rows


def write_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """Numbers as numbers, anything else as a string: never through `write`, which would turn
    county text like `=1+1` or `@SUM(…)` into a formula."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value)[:MAX_TEXT], fmt)


def _heights(rows: Sequence[Sequence[str]], widths: Sequence[float]) -> list[float]:
    """`row_height` of each row of texts (`fitted_height` with a minimum of 15), worked out a
    column at a time: each distinct text of a column is measured once (a file's path and sheet,
    a header, a field's title repeat down the columns sheet), then each row takes its tallest.
    An empty text counts one line, as `fitted_height`'s default does."""
    if not rows:
        return []
    tallest: list[int] | None = None
    for texts, width in zip(zip(*rows, strict=True), widths, strict=False):
        lines = {text: lines_needed(text, width) for text in set(texts)}
        column = list(map(lines.__getitem__, texts))
        tallest = column if tallest is None else list(map(max, tallest, column))
    if tallest is None:  # no widths: no cell is measured
        tallest = [1] * len(rows)
    return [height_of(n, 15) for n in tallest]


def row_height(values: Sequence[Any], widths: Sequence[float]) -> float:
    """A height that shows every wrapped text of the row: Excel does not grow rows on opening."""
    return fitted_height([(v, w) for v, w in zip(values, widths, strict=False) if isinstance(v, str)], minimum=15)


# --------------------------------------------------------------------------- counts per file


def file_counts(batch: Batch) -> dict[str, Counter[str]]:
    """Per shown file path: passed / failed / merged records, error and warning findings."""
    counts: dict[str, Counter[str]] = {f.path: Counter() for f in batch.ingested.files}

    def tally(keys: Iterable[tuple[str, str]]) -> None:
        # Counted per (file, what) first: a Counter per record made for nothing by setdefault
        # was most of this on 30,000 records. Counter keeps the first-seen order, so files
        # not in the inbox list and each file's keys come in the order the loop by record gave.
        for (file, what), n in Counter(keys).items():
            found = counts.get(file)
            if found is None:
                found = counts[file] = Counter()
            found[what] += n

    tally((r.file, "passed") for r in batch.accepted)
    tally((r.file, "failed") for r in batch.validation.rejected)
    tally((copy.file, "merged") for copy, _kept in batch.dedup.merged)
    tally((f.file or "", f.severity) for f in batch.findings)
    return counts


def accounting_line(batch: Batch) -> str:
    c = batch.counts
    line = (f"读取 {c['rows_read']} = 通过 {c['accepted']} + 未通过 {c['rejected']} + "
            f"重复合并 {c['duplicates_merged']}")
    if c["suspected_duplicates"]:
        line += f"；另有疑似重复 {c['suspected_duplicates']} 对，请人工核对"
    return line


# --------------------------------------------------------------------------- the workbook


def write_report(batch: Batch, target: Path) -> Path:
    """Write the report to `target` (a folder gets `校验报告.xlsx` inside it), atomically."""
    target = Path(target)
    if target.is_dir():
        target = target / REPORT_NAME
    with atomic_path(target) as tmp:
        wb = Book(str(tmp), WORKBOOK_OPTIONS)
        wb.set_properties({"title": "校验报告", "subject": batch.pack.title, "author": "shenbao",
                           "comments": f"由 shenbao {__version__} 根据申报包 {batch.pack.id} {batch.pack.version} 生成"})
        styles = Styles(wb)
        _summary_sheet(add_sheet(wb, SUMMARY_SHEET), styles, batch)
        _findings_sheet(add_sheet(wb, FINDINGS_SHEET), styles, batch)
        _columns_sheet(add_sheet(wb, COLUMNS_SHEET), styles, batch)
        if len(part_annexes(batch.pack)) > 1:
            _parts_sheet(add_sheet(wb, PARTS_SHEET), styles, batch)
        wb.close()
    return target


def _header(ws: Worksheet, styles: Styles, row: int, titles: Sequence[str], widths: Sequence[float]) -> None:
    for c, (title, width) in enumerate(zip(titles, widths, strict=True)):
        ws.write_string(row, c, title, styles.header())
        ws.set_column(c, c, width)
    ws.freeze_panes(row + 1, 0)
    print_setup(ws, "A4", landscape=True, repeat=(row, row))


def _summary_sheet(ws: Worksheet, styles: Styles, batch: Batch) -> None:
    _header(ws, styles, 0, SUMMARY_COLUMNS, SUMMARY_WIDTHS)
    cell = styles.make(border=1, valign="top", text_wrap=True)
    number = styles.make(border=1, valign="top", num_format="0")
    bold = styles.make(border=1, bold=True, valign="top", num_format="0")
    counts = file_counts(batch)
    files = batch.ingested.files
    for r, f in enumerate(files, 1):
        n = counts.get(f.path, Counter())
        note = f.message or (f"工作表“{f.sheet}”" if f.sheet else "")
        if f.status == "ok" and f.reporting_unit:
            note += f"；填报单位：{f.reporting_unit}" + (f"（据{f.sender_source}）" if f.sender_source else "")
        texts = (f.path, STATUS_TEXT.get(f.status, f.status), note, f.template_version or "")
        for c, text in enumerate(texts):
            ws.write_string(r, c, text, cell)
        for c, value in enumerate((f.rows, n["passed"], n["failed"], n["merged"], n["error"], n["warning"]), 4):
            ws.write_number(r, c, value, number)
        ws.set_row(r, row_height(texts, SUMMARY_WIDTHS))
    total = len(files) + 1
    status = Counter(f.status for f in files)
    counted = batch.counts
    ws.write_string(total, 0, "合计", bold)
    ws.write_string(total, 1, f"{len(files)} 个文件", bold)
    ws.write_string(total, 2, f"已读取 {status['ok']} 个，无法读取 {status['error']} 个，已跳过 {status['skipped']} 个", bold)
    ws.write_blank(total, 3, None, bold)
    errors = sum(1 for f in batch.findings if f.is_error)
    values = (counted["rows_read"], counted["accepted"], counted["rejected"], counted["duplicates_merged"],
              errors, len(batch.findings) - errors)
    for col, value in enumerate(values, 4):
        ws.write_number(total, col, value, bold)
    line = styles.make(valign="top")
    ws.write_string(total + 2, 0, "核对", styles.make(bold=True))
    ws.write_string(total + 2, 2, accounting_line(batch), line)
    ws.write_string(total + 3, 0, "申报包", styles.make(bold=True))
    ws.write_string(total + 3, 2, f"{batch.pack.title}（{batch.pack.id} {batch.pack.version}）", line)
    ws.write_string(total + 4, 0, "说明", styles.make(bold=True))
    ws.write_string(total + 4, 2, "“通过”为审核通过并去重后进入汇总表的项目；“重复合并”为与其他行完全重复、已合并的项目。"
                                  "每个问题的位置和修改意见见“问题清单”页", line)
    stats = batch.stats
    ws.write_string(total + 5, 0, "应报送单位", styles.make(bold=True))
    if stats.expected_units:
        missing = f"，尚未报送 {len(stats.not_reported)} 个：{'、'.join(stats.not_reported)}" if stats.not_reported else ""
        text = f"{len(stats.expected_units)} 个（{stats.expected_basis}），已报送 {len(stats.reported_units)} 个{missing}"
    else:
        text = stats.expected_basis or "未核对"
    ws.write_string(total + 5, 2, text, line)
    if batch.decisions_note:
        ws.write_string(total + 6, 0, "处理意见", styles.make(bold=True))
        ws.write_string(total + 6, 2, batch.decisions_note, line)


def _findings_sheet(ws: Worksheet, styles: Styles, batch: Batch) -> None:
    _header(ws, styles, 0, FINDING_COLUMNS, FINDING_WIDTHS)
    rows = finding_rows(batch.pack, batch.findings, batch.ingested.files)
    cell = styles.make(border=1, valign="top", text_wrap=True)
    severity = {
        "错误": styles.make(border=1, valign="top", bg_color=ERROR_COLOR),
        "提醒": styles.make(border=1, valign="top", bg_color=WARNING_COLOR),
    }
    severity_col = FINDING_COLUMNS.index("严重程度")
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values):
            write_cell(ws, r, c, value, severity.get(value, cell) if c == severity_col else cell)
        ws.set_row(r, row_height(values, FINDING_WIDTHS))
    ws.autofilter(0, 0, max(len(rows), 1), len(FINDING_COLUMNS) - 1)


def _columns_sheet(ws: Sheet, styles: Styles, batch: Batch) -> None:
    _header(ws, styles, 0, MAPPING_COLUMNS, MAPPING_WIDTHS)
    titles = field_titles(batch.pack)
    cell = styles.make(border=1, valign="top", text_wrap=True)
    unmapped = styles.make(border=1, valign="top", text_wrap=True, font_color="#808080")
    rows: list[tuple[str, ...]] = []  # a row per column of every file: the most rows here
    formats: list[Format] = []
    for f in batch.ingested.files:
        if f.status != "ok":  # a superseded file's columns were not used
            continue
        for col in f.columns:
            target = field_title(titles, f.annex, col.field) if col.field else "（未对应任何字段，未读取）"
            rows.append((f.path, f.sheet or "", col.column, col.header, target, col.unit or ""))
            formats.append(cell if col.field else unmapped)
    heights = _heights(rows, MAPPING_WIDTHS)
    columns = [list(column) for column in zip(*rows, strict=True)]
    r = 1
    for start, end in _runs(formats):  # rows of one format, written as columns
        ws.put_block(r, 0, [column[start:end] for column in columns], [formats[start]] * len(MAPPING_COLUMNS),
                     heights[start:end])
        r += end - start
    if r == 1:
        ws.write_string(1, 0, "本批没有按表格读取的文件（只有表单、或文件都无法读取）", styles.make(font_color="#808080"))
    else:
        ws.autofilter(0, 0, r - 1, len(MAPPING_COLUMNS) - 1)


def _runs(items: Sequence[Any]) -> list[tuple[int, int]]:
    """(start, end) of each run of equal items, in order (itertools.groupby's groups, as slices
    of one list: the columns sheet's thousands of rows are cut into blocks without a tuple and a
    call per row)."""
    cuts = [i for i in range(1, len(items)) if items[i] != items[i - 1]]
    bounds = [0, *cuts, len(items)] if items else []
    return list(pairwise(bounds))


# --------------------------------------------------------------------------- parts per project


def part_annexes(pack: Pack) -> list[Annex]:
    """The annexes a project's papers are records of (those naming the project)."""
    return [a for a in pack.data_annexes if a.role_key("project_name")]


def _file_key(name: str) -> str:
    return clean(name).replace(" ", "")


def document_files(batch: Batch) -> dict[str, list[str]]:
    """Per required document annex (a 承诺书), the inbox files named like it: the name holds the
    annex's number (4-4) or the end of its title (承诺书; 建设方案 for a 建设方案编制大纲). Word files
    are not read, so the name is what the report can go by; the clerk checks."""
    out: dict[str, list[str]] = {}
    for annex in batch.pack.annexes:
        if annex.kind != "document" or not annex.required:
            continue
        number = annex.number.replace("附件", "")
        title = annex.title
        for tail in ("编制大纲", "大纲", "模板", "格式"):
            title = title.removesuffix(tail)
        short = title[-3:]
        out[annex.id] = [f.path for f in batch.ingested.files
                         if (number and number in _file_key(f.path)) or short in _file_key(f.path)]
    return out


def _sender_names(pack: Pack, project: Project) -> set[str]:
    """How a project's files may name its enterprise: the enterprise's name, and the part of each
    paper's file name before its annex number (`华晟汽车零部件-附件4-1申报书.xlsx` -> 华晟汽车零部件)."""
    names = {clean(v) for p in project.parts if (v := pack.role_value(p, "applicant"))}
    for p in project.parts:
        stem = _file_key(Path(p.file).stem)
        number = pack.annex(p.annex).number.replace("附件", "")
        for marker in ("附件", number):
            if marker and marker in stem:
                stem = stem.split(marker)[0]
        stem = stem.strip("-_—（）()【】[] ")
        if len(stem) >= 2:
            names.add(stem)
    return names


def parts_rows(batch: Batch) -> tuple[list[str], list[list[str]]]:
    """(column titles, a row per project): its name and enterprise, what became of it, and for each
    of the pack's papers where it arrived or that it did not."""
    pack, annex = batch.pack, batch.annex
    papers = part_annexes(pack)
    documents = [a for a in pack.annexes if a.kind == "document" and a.required]
    titles = ["序号", "项目名称", "申报单位", "结论", *(annex_label(a) for a in papers),
              *(f"{a.number} {a.title}（Word 文档，只看文件名）" for a in documents)]
    linking = batch.validation.linking
    if linking is None:
        return titles, []
    named_like = document_files(batch)
    refused = {id(r) for r in batch.validation.rejected}
    in_summary = {(r.file, r.sheet, r.row) for r in batch.accepted if r.annex == annex.id}
    merged = {(c.file, c.sheet, c.row) for c, _ in batch.dedup.merged}
    rows = []
    for n, project in enumerate(linking.projects, 1):
        seen = as_annex_row(pack, annex, project)
        view = seen[1] if seen else project.parts[0]
        row_seen = as_annex_row(pack, annex, project, compiled_only=True)
        where = (row_seen[1].file, row_seen[1].sheet, row_seen[1].row) if row_seen else None
        if any(id(p) in refused for p in project.parts):
            verdict = "未通过"
        elif where in merged:
            verdict = "重复，已合并"
        elif where in in_summary:
            verdict = "列入汇总表"
        else:
            verdict = "未列入汇总表（没有可编入汇总表的材料）"
        cells = [str(n), clean(pack.role_value(view, "project_name")), clean(pack.role_value(view, "applicant")),
                 verdict]
        for a in papers:
            part = project.part(a.id)
            cells.append(f"已收到：{part_where(pack, part)}" if part is not None else "未收到")
        names = _sender_names(pack, project) if documents else set()
        for a in documents:
            found = [path for path in named_like[a.id] if any(n in _file_key(path) for n in names)]
            cells.append(f"文件名相符：{'、'.join(found)}" if found else "未见相应文件，请核对")
        rows.append(cells)
    return titles, rows


def _parts_sheet(ws: Worksheet, styles: Styles, batch: Batch) -> None:
    titles, rows = parts_rows(batch)
    widths = [6, 36, 28, 16, *([30] * (len(titles) - 4))]
    _header(ws, styles, 0, titles, widths)
    cell = styles.make(border=1, valign="top", text_wrap=True)
    missing = styles.make(border=1, valign="top", text_wrap=True, bg_color=WARNING_COLOR)
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values):
            ws.write_string(r, c, value, missing if value.startswith(("未收到", "未见")) else cell)
        ws.set_row(r, row_height(values, widths))
    ws.autofilter(0, 0, max(len(rows), 1), len(titles) - 1)
