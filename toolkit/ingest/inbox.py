"""Ingest an inbox: every file under the given folders -> records, file reports and findings.

No file stops the batch: each one ends `ok` (with its rows), `error` or `skipped`, with a Chinese
reason; every data row of an `ok` file is exactly one record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.findings import Finding
from toolkit.ingest.forms import FormRead, defined_names, form_annexes, read_form
from toolkit.ingest.guard import Limits
from toolkit.ingest.layout import AliasIndex, TableLayout, find_layout
from toolkit.ingest.provenance import restore_chain
from toolkit.ingest.readers import SheetData, WorkbookData, discover, read_file
from toolkit.ingest.records import ColumnReport, FileReport, IngestResult, Record
from toolkit.ingest.table import read_table
from toolkit.ingest.units import Candidate, pick_newest, unit_key_from_name
from toolkit.packs.model import Annex, Pack

STAMP_SHEET = "_shenbao"
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SheetStamp:
    pack_id: str | None
    version: str | None
    annex_id: str | None
    data_sheet: str | None = None  # a summary (汇总表) names the sheet that lists its projects


def stamp_of(workbook: WorkbookData) -> SheetStamp | None:
    """The template's hidden stamp, read from the sheets already in memory (no second open)."""
    for sheet in workbook.sheets:
        if sheet.name != STAMP_SHEET:
            continue
        pairs = {str(r[0]).strip(): str(r[1]).strip() for r in sheet.rows if len(r) >= 2 and r[0] and r[1] is not None}
        return SheetStamp(pairs.get("pack_id"), pairs.get("version"), pairs.get("annex_id"), pairs.get("data_sheet"))
    return None


def display_path(path: Path, roots: Sequence[Path]) -> str:
    for root in roots:
        if root.is_dir():
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
    return path.name


@dataclass
class FileRead:
    """One file read: its report, records and findings; `unit_key` names its sender."""

    report: FileReport
    records: list[Record]
    findings: list[Finding]
    unit_key: str | None
    mtime: float


def ingest(pack: Pack, inputs: Sequence[Path], progress: Progress | None = None,
           exclude: Sequence[Path] = (), limits: Limits | None = None, jobs: int | None = None) -> IngestResult:
    """Read every file under `inputs`; `jobs` worker processes (None: one per core when the
    inbox is large enough; see toolkit.parallel) read the files, the result is the same."""
    jobs_list = inbox_jobs(inputs, exclude)
    reads = read_files(pack, jobs_list, progress, limits, jobs)
    return collect(reads)


def inbox_jobs(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> list[tuple[Path, str]]:
    """Every file to read, with the name it is shown under (relative to its inbox folder)."""
    roots = [Path(p) for p in inputs]
    return [(path, display_path(path, roots)) for path in discover(roots, exclude)]


def read_files(pack: Pack, files: Sequence[tuple[Path, str]], progress: Progress | None = None,
               limits: Limits | None = None, jobs: int | None = None) -> list[FileRead]:
    from toolkit.parallel import map_ordered

    def done(i: int, item: tuple[Path, str]) -> None:
        if progress:
            progress(i, len(files), item[1])

    return list(map_ordered(lambda item: ingest_file(pack, item[0], item[1], limits), files, jobs, done, share=True))


def collect(reads: Sequence[FileRead]) -> IngestResult:
    """The files' reads as one result: a unit's resubmission replaces its earlier file."""
    # A unit's corrected resubmission replaces its earlier file; both are never counted.
    candidates = [Candidate(r.report.path, r.unit_key, r.mtime) for r in reads
                  if r.report.status == "ok" and r.unit_key]
    _, superseded = pick_newest(candidates)
    records: list[Record] = []
    findings: list[Finding] = []
    files: list[FileReport] = []
    for r in reads:
        if r.report.path in superseded:
            newer = superseded[r.report.path]
            r.report.status = "skipped"
            r.report.message = f"同一填报单位另有更新的文件“{newer}”，本文件视为被替代，未计入"
            r.report.rows = 0
            findings.append(Finding("file.superseded", "warning", r.report.message, file=r.report.path))
        else:
            records.extend(r.records)
            findings.extend(r.findings)
        files.append(r.report)
    result = IngestResult(records=records, files=files, findings=findings)
    result.check_accounting()
    return result


def is_pack_workbook(sheet_names: set[str]) -> bool:
    """A pack workbook (申报包.xlsx) kept beside the county files, as shenbao.toml may name it."""
    from toolkit.packs.workbook_layout import PACK_WORKBOOK_SHEETS

    return PACK_WORKBOOK_SHEETS <= sheet_names


def ingest_file(pack: Pack, path: Path, shown: str, limits: Limits | None = None) -> FileRead:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    outcome = read_file(path, limits=limits)
    findings = [_relocate(f, shown) for f in outcome.findings]
    if outcome.status != "ok" or outcome.workbook is None:
        report = FileReport(shown, outcome.status, outcome.message, source=path)
        if outcome.status == "error" and not any(f.is_error for f in findings):
            findings.append(Finding("file.unreadable", "error", f"{shown}：{outcome.message}", file=shown))
        return FileRead(report, [], findings, None, mtime)
    workbook = outcome.workbook
    if is_pack_workbook({s.name for s in workbook.sheets}):
        message = "这是申报包工作簿（规定本次申报的各表和规则），不是报送的表格，已跳过"
        return FileRead(FileReport(shown, "skipped", message, source=path), [], findings, None, mtime)
    stamp = stamp_of(workbook)
    report = FileReport(shown, "ok", kind=workbook.kind, source=path)
    if stamp and stamp.pack_id and stamp.pack_id != pack.id:
        report.status = "error"
        report.message = f"这是申报包“{stamp.pack_id}”的模板，不属于本次申报（{pack.id}），请核对是否发错文件"
        findings.append(Finding("file.wrong-pack", "error", report.message, file=shown))
        return FileRead(report, [], findings, None, mtime)
    if stamp:
        report.template_version = stamp.version
    form = _choose_form(pack, workbook, stamp, shown)
    found = _choose_table(pack, workbook, stamp) if form is None else None
    if form is not None:
        annex, read = form
        assert read.record is not None
        report.annex, report.sheet, report.rows = annex.id, read.record.sheet, 1
        findings.extend(read.findings)
        return FileRead(report, [read.record], findings, None, mtime)
    if found is None:
        report.status = "error"
        names = "、".join(a.file_stem for a in pack.data_annexes if a.kind == "table")
        report.message = f"没有找到与申报表（{names}）对应的表头，请使用下发的模板填写后重新报送"
        findings.append(Finding("header.not-found", "error", report.message, file=shown))
        return FileRead(report, [], findings, None, mtime)
    annex, sheet, layout = found
    report.annex, report.sheet = annex.id, sheet.name
    report.columns = [ColumnReport(c.letter, c.header, c.field, c.unit) for c in layout.columns]
    # Who sent it: the 填报单位 line when the county filled it in, else the file's name (南关区.xlsx).
    unit = layout.reporting_unit or (unit_key_from_name(shown) if annex.per == "unit" else None)
    table = read_table(sheet.rows, layout, annex, file=shown, sheet=sheet.name,
                       hidden_rows=sheet.hidden_rows, reporting_unit=unit)
    header = _header_findings(pack, annex, layout, shown, sheet.name, stamp)
    if not table.records:  # nothing to report this time: a missing column loses nothing
        header = [f for f in header if f.code != "header.missing-required"]
    findings.extend(header)
    findings.extend(table.findings)
    report.rows = len(table.records)
    report.reporting_unit = unit
    report.skipped_rows = dict(table.skipped)
    if not table.records:
        findings.append(Finding("file.no-rows", "warning",
                                f"{shown} 只有表头、没有项目：按本次无项目报送处理", file=shown, sheet=sheet.name))
    unit_key = unit_key_from_name(shown) if annex.per == "unit" else None
    if stamp and stamp.data_sheet and sheet.name == stamp.data_sheet:
        restore_chain(table.records)
        # Every unit names its summary 汇总表.xlsx: two summaries are one resubmitted only when
        # they name the same unit and (revision words aside) the same file.
        if unit_key is not None and layout.reporting_unit:
            unit_key = f"{layout.reporting_unit}/{unit_key}"
    return FileRead(report, table.records, findings, unit_key, mtime)


def _relocate(f: Finding, shown: str) -> Finding:
    """Readers name files by their path; reports name them as the clerk sees them."""
    if f.file == shown:
        return f
    from dataclasses import replace

    return replace(f, file=shown)


def _choose_form(pack: Pack, workbook: WorkbookData, stamp: SheetStamp | None,
                 shown: str) -> tuple[Annex, FormRead] | None:
    """A form annex when the stamp says so, when the workbook carries our cell names, or when
    enough of a form's labels are found and no table header is."""
    forms = form_annexes(pack.data_annexes)
    if not forms:
        return None
    if stamp and stamp.annex_id:
        stamped = [a for a in forms if a.id == stamp.annex_id]
        if not stamped and any(a.id == stamp.annex_id for a in pack.data_annexes):
            return None  # the stamp names a table annex
        forms = stamped or forms
    names = defined_names(workbook.path, workbook.kind)
    best: tuple[Annex, FormRead] | None = None
    for annex in forms:
        read = read_form(workbook, annex, file=shown, names=names)
        if read.record is not None and (best is None or read.found > best[1].found):
            best = (annex, read)
    if best is None:
        return None
    annex, read = best
    if stamp or names:
        return best
    # Labels alone: a form only when several of its labels are found and no table header fits better.
    if read.found < 3:
        return None
    table = _choose_table(pack, workbook, stamp)
    return None if table is not None and table[2].matched >= read.found else best


def _choose_table(pack: Pack, workbook: WorkbookData, stamp: SheetStamp | None) -> tuple[Annex, SheetData, TableLayout] | None:
    annexes = [a for a in pack.data_annexes if a.kind == "table"]
    if stamp and stamp.annex_id:
        annexes = [a for a in annexes if a.id == stamp.annex_id] or annexes
    sheets = [s for s in workbook.sheets if s.name != STAMP_SHEET]
    if stamp and stamp.data_sheet:  # a summary: its review sheets also carry project columns
        sheets = [s for s in sheets if s.name == stamp.data_sheet] or sheets
    visible = [s for s in sheets if s.visible] or sheets
    best: tuple[int, int, Annex, SheetData, TableLayout] | None = None
    for annex in annexes:
        index = AliasIndex.for_annex(annex)
        # The annex's own sheet first: with every field found there, no other sheet can win
        # (a tie goes to it), so the notes and list sheets are not searched.
        for sheet in sorted(visible, key=lambda s: s.name != annex.sheet_name):
            layout = find_layout(sheet.rows, annex, index)
            if layout is None:
                continue
            named = 1 if sheet.name == annex.sheet_name else 0
            if best is None or (layout.matched, named) > best[:2]:
                best = (layout.matched, named, annex, sheet, layout)
            if named and layout.matched >= len(annex.fields):
                break
    return None if best is None else best[2:]


def _header_findings(pack: Pack, annex: Annex, layout: TableLayout, file: str, sheet: str,
                     stamp: SheetStamp | None) -> list[Finding]:
    out: list[Finding] = []
    old = stamp is not None and stamp.version and stamp.version != pack.version
    for key in layout.missing_required:
        f = annex.field(key)
        hint = f"（该文件使用旧版模板 {stamp.version}，当前为 {pack.version}，请改用新模板）" if old and stamp else ""
        out.append(Finding("header.missing-required", "error",
                           f"缺少必填列“{f.header}”{hint}；该列的数据视为未填写",
                           file=file, sheet=sheet, row=layout.header_rows[0], field=key))
    if old and stamp and not layout.missing_required:
        out.append(Finding("header.old-template", "warning",
                           f"该文件使用旧版模板 {stamp.version}（当前为 {pack.version}），各列仍能对应，已按表头读取",
                           file=file, sheet=sheet))
    for key, kept, ignored in layout.duplicates:
        from toolkit.findings import column_letter

        out.append(Finding("header.duplicate-column", "warning",
                           f"“{annex.field(key).title}”出现在两列（{column_letter(kept)} 和 {column_letter(ignored)}），已采用 {column_letter(kept)} 列",
                           file=file, sheet=sheet, row=layout.header_rows[0], field=key))
    return out
