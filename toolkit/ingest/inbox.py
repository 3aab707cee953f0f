"""Ingest an inbox: every file under the given folders -> records, file reports and findings.

No file stops the batch: each one ends `ok` (with its rows), `error` or `skipped`, with a Chinese
reason; every data row of an `ok` file is exactly one record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import NothingToRead
from toolkit.findings import Finding
from toolkit.ingest.forms import FormRead, defined_names, form_annexes, read_form
from toolkit.ingest.guard import Limits
from toolkit.ingest.layout import AliasIndex, TableLayout, find_layout
from toolkit.ingest.ours import our_output_kind, own_outputs, split_beside_summary
from toolkit.ingest.provenance import restore_chain
from toolkit.ingest.readers import SheetData, WorkbookData, discover, read_file
from toolkit.ingest.records import ColumnReport, FileReport, IngestResult, Record
from toolkit.ingest.table import read_table
from toolkit.ingest.units import (
    ReplacePolicy,
    Submission,
    find_replacements,
    one_value,
    squash,
    unit_key_from_name,
)
from toolkit.ingest.wordform import read_word
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


def display_path(path: Path, folders: Sequence[Path]) -> str:
    """The name a file is shown under: relative to the first of the inbox `folders` holding it,
    else its own name (a file given by itself)."""
    for root in folders:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.name


@dataclass
class FileRead:
    """One file read: its report, records and findings; `submission` says who sent it and what
    it holds (None when it was not read)."""

    report: FileReport
    records: list[Record]
    findings: list[Finding]
    submission: Submission | None
    mtime: float


def ingest(pack: Pack, inputs: Sequence[Path], progress: Progress | None = None,
           exclude: Sequence[Path] = (), limits: Limits | None = None, jobs: int | None = None,
           policy: ReplacePolicy | None = None) -> IngestResult:
    """Read every file under `inputs`; `jobs` worker processes (None: one per core when the
    inbox is large enough; see toolkit.runtime.parallel) read the files, the result is the same."""
    jobs_list = inbox_jobs(inputs, exclude)
    ours = own_outputs(jobs_list)
    todo = [item for item in jobs_list if item[1] not in ours]
    reads = read_files(pack, todo, progress, limits, jobs)
    return collect(in_inbox_order(jobs_list, reads, ours), policy)


def require_something_read(files: Sequence[FileReport], inputs: Sequence[Path]) -> None:
    """An inbox without a single readable workbook is a failure (NothingToRead, exit 1), never a
    0-project summary and letter. A workbook read with no projects (header only) is something read."""
    message = nothing_read(files, inputs)
    if message is not None:
        raise NothingToRead(message + "。未生成汇总表和报送函")


def nothing_read(files: Sequence[FileReport], inputs: Sequence[Path]) -> str | None:
    """Why nothing could be read from `inputs`, or None when a workbook was read."""
    if any(f.status == "ok" for f in files):
        return None
    where = "、".join(str(p) for p in inputs)
    if not files:
        return f"{where} 中没有任何文件：请确认收件文件夹选对了、各县的文件已放进去"
    errors = sum(1 for f in files if f.status == "error")
    examples = "；".join(f"{f.path}：{f.message}" for f in files[:3])
    more = f"等 {len(files)} 个" if len(files) > 3 else ""
    return (f"{where} 中没有一个能读取的申报表（共 {len(files)} 个文件，无法读取 {errors} 个，跳过 {len(files) - errors} 个："
            f"{examples}{more}）。请检查收件文件夹是否选对，或让各县重新报送")


def in_inbox_order(files: Sequence[tuple[Path, str]], reads: Sequence[FileRead], ours: dict[str, str]) -> list[FileRead]:
    """The reads, with a skipped entry for each of our own outputs (ours.py), in the inbox's order."""
    if not ours:
        return list(reads)
    by_shown = {r.report.path: r for r in reads}
    out = []
    for path, shown in files:
        if shown in ours:
            report = FileReport(shown, "skipped", ours[shown], source=path)
            out.append(FileRead(report, [], [], None, 0.0))
        else:
            out.append(by_shown[shown])
    return out


def inbox_jobs(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> list[tuple[Path, str]]:
    """Every file to read, with the name it is shown under (relative to its inbox folder)."""
    roots = [Path(p) for p in inputs]
    # Each input asked once whether it is a folder, not once per file: `shenbao merge 包 收件箱/*`
    # gives thousands of files, and asking per file per input took 55 s at 3,000 files.
    folders = [root for root in roots if root.is_dir()]
    return [(path, display_path(path, folders)) for path in discover(roots, exclude)]


def read_files(pack: Pack, files: Sequence[tuple[Path, str]], progress: Progress | None = None,
               limits: Limits | None = None, jobs: int | None = None) -> list[FileRead]:
    from toolkit.runtime.parallel import map_ordered

    def done(i: int, item: tuple[Path, str]) -> None:
        if progress:
            progress(i, len(files), item[1])

    return list(map_ordered(lambda item: ingest_file(pack, item[0], item[1], limits), files, jobs, done, share=True))


def collect(reads: Sequence[FileRead], policy: ReplacePolicy | None = None) -> IngestResult:
    """The files' reads as one result: a file replaced by a sender's revision (units.py says
    when, on what evidence) is reported and not counted."""
    _skip_splits(reads)
    submissions = [r.submission for r in reads if r.report.status == "ok" and r.submission is not None]
    replaced = find_replacements(submissions, policy)
    by_path = {s.path: s for s in submissions}
    records: list[Record] = []
    findings: list[Finding] = []
    files: list[FileReport] = []
    for r in reads:
        if r.report.path in replaced:
            replacement = replaced[r.report.path]
            mine = by_path[r.report.path]
            how = "、".join(dict.fromkeys((mine.source, by_path[replacement.newer].source)))
            r.report.status = "skipped"
            r.report.message = (f"已被“{replacement.newer}”替代，本文件的 {r.report.rows} 个项目未计入：两个文件都是"
                                f"“{mine.sender}”报送的（据{how}），且{replacement.evidence}。如两个文件都应计入，"
                                f"请在 shenbao.toml 中写 count_every_file = true，或用 keep 指定保留的文件")
            r.report.rows = 0
            findings.append(Finding("file.superseded", "warning", r.report.message, file=r.report.path,
                                    extra={"replaced_by": replacement.newer}))
        else:
            records.extend(r.records)
            findings.extend(r.findings)
        files.append(r.report)
    result = IngestResult(records=records, files=files, findings=findings)
    result.check_accounting()
    return result


def _skip_splits(reads: Sequence[FileRead]) -> None:
    """A department split (`汇总表-省工信厅.xlsx`) beside the 汇总表.xlsx that holds all its
    projects is our output, not a second summary: skipped, its rows not counted."""
    ok = {r.report.path: r for r in reads if r.report.status == "ok"}
    for r in reads:
        sibling = split_beside_summary(r.report.path, list(ok)) if r.report.status == "ok" else None
        whole = ok.get(sibling) if sibling else None
        if whole is None or r.submission is None or whole.submission is None:
            continue
        if not r.submission.projects <= whole.submission.projects or r.report.annex != whole.report.annex:
            continue
        r.report.status = "skipped"
        r.report.message = (f"这是 shenbao 生成的按归口部门分开的汇总表：它的 {r.report.rows} 个项目都在同一文件夹的"
                            f"“{sibling}”中，只读取后者，本文件已跳过")
        r.report.rows = 0
        r.records.clear()
        r.findings.clear()  # the 汇总表.xlsx's rows carry the same findings


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
    if outcome.status != "ok":
        # Not a workbook: a Word form (.docx), or a .doc/.odt to resave? Asked only here, so a
        # workbook is never opened twice.
        word = read_word(pack, path, shown, limits)
        if word is not None:
            return FileRead(word.report, word.records, word.findings, None, mtime)
    findings = [_relocate(f, shown) for f in outcome.findings]
    if outcome.status != "ok" or outcome.workbook is None:
        report = FileReport(shown, outcome.status, outcome.message, source=path, sha256=outcome.sha256, size=outcome.size)
        if outcome.status == "error" and not any(f.is_error for f in findings):
            findings.append(Finding("file.unreadable", "error", f"{shown}：{outcome.message}", file=shown))
        return FileRead(report, [], findings, None, mtime)
    workbook = outcome.workbook
    if is_pack_workbook({s.name for s in workbook.sheets}):
        message = "这是申报包工作簿（规定本次申报的各表和规则），不是报送的表格，已跳过"
        return FileRead(FileReport(shown, "skipped", message, source=path), [], findings, None, mtime)
    stamp = stamp_of(workbook)
    report = FileReport(shown, "ok", kind=workbook.kind, source=path, sha256=outcome.sha256, size=outcome.size)
    if stamp and stamp.pack_id and stamp.pack_id != pack.id:
        report.status = "error"
        report.message = f"这是申报包“{stamp.pack_id}”的模板，不属于本次申报（{pack.id}），请核对是否发错文件"
        findings.append(Finding("file.wrong-pack", "error", report.message, file=shown))
        return FileRead(report, [], findings, None, mtime)
    if stamp:
        report.template_version = stamp.version
    elif (ours := our_output_kind(workbook.sheets)) is not None:
        report.status = "skipped"
        report.message = f"这是 shenbao 生成的{ours}（不是报送的申报表），已跳过"
        return FileRead(report, [], [], None, mtime)
    form = _choose_form(pack, workbook, stamp, shown)
    found = _choose_table(pack, workbook, stamp) if form is None else None
    if form is not None:
        annex, read = form
        assert read.record is not None
        report.annex, report.sheet, report.rows = annex.id, read.record.sheet, 1
        findings.extend(read.findings)
        findings.extend(old_template_findings(pack, annex, stamp, shown, read.record.sheet))
        return FileRead(report, [read.record], findings, _form_submission(pack, annex, read.record, shown, mtime), mtime)
    if found is None:
        report.status = "error"
        names = "、".join(a.file_stem for a in pack.data_annexes if a.kind == "table")
        report.message = f"没有找到与申报表（{names}）对应的表头，请使用下发的模板填写后重新报送"
        findings.append(Finding("header.not-found", "error", report.message, file=shown))
        return FileRead(report, [], findings, None, mtime)
    annex, sheet, layout = found
    report.annex, report.sheet = annex.id, sheet.name
    report.columns = [ColumnReport(c.letter, c.header, c.field, c.unit) for c in layout.columns]
    table = read_table(sheet.rows, layout, annex, file=shown, sheet=sheet.name, hidden_rows=sheet.hidden_rows)
    header = _header_findings(pack, annex, layout, shown, sheet.name, stamp)
    if not table.records:  # nothing to report this time: a missing column loses nothing
        header = [f for f in header if f.code != "header.missing-required"]
    findings.extend(header)
    findings.extend(table.findings)
    report.rows = len(table.records)
    report.skipped_rows = dict(table.skipped)
    if not table.records:
        findings.append(Finding("file.no-rows", "warning",
                                f"{shown} 只有表头、没有项目：按本次无项目报送处理", file=shown, sheet=sheet.name))
    submission = _table_submission(pack, annex, layout, table.records, shown, mtime)
    report.reporting_unit, report.sender_source = submission.sender, submission.source
    for record in table.records:
        record.reporting_unit = submission.sender
    if stamp and stamp.data_sheet and sheet.name == stamp.data_sheet:
        restore_chain(table.records)
    return FileRead(report, table.records, findings, submission, mtime)


SUMMARY_STEM = "汇总表"  # what `shenbao run` names every unit's summary: it names no one


def default_names(pack: Pack) -> tuple[str, ...]:
    """File names that say nothing about the sender: the templates' own names (`附件1 “761”
    工程智能信息网新增入库项目表`, as `shenbao template` writes them) and our summary's."""
    return (*(a.file_stem for a in pack.annexes), *(a.title for a in pack.annexes), SUMMARY_STEM)


def _projects(pack: Pack, records: Sequence[Record]) -> frozenset[str]:
    names = (pack.role_value(r, "project_name") for r in records)
    return frozenset(squash(str(n)) for n in names if n not in (None, ""))


def _table_submission(pack: Pack, annex: Annex, layout: TableLayout, records: Sequence[Record],
                      shown: str, mtime: float) -> Submission:
    """Who sent a table: the 填报单位 line when filled in, else the unit column when every row
    names one unit, else (one table per unit) the file's name, unless that is a template's own."""
    projects = _projects(pack, records)
    named = unit_key_from_name(shown, default_names(pack))
    if layout.reporting_unit:
        return Submission(shown, layout.reporting_unit, "填报单位一行", annex.id, projects, mtime, named=named)
    locality = annex.role_field("locality")
    if locality is not None:
        unit = one_value(r.values.get(locality.key) for r in records)
        if unit:
            return Submission(shown, unit, f"“{locality.title}”列", annex.id, projects, mtime, named=named)
    if annex.per == "unit" and named:
        return Submission(shown, named, "文件名", annex.id, projects, mtime, named=named)
    return Submission(shown, None, "无法判断", annex.id, projects, mtime, named=named)


def _form_submission(pack: Pack, annex: Annex, record: Record, shown: str, mtime: float) -> Submission:
    """Who sent a form: its 统一社会信用代码, else its 申报单位 (the pack's roles)."""
    projects = _projects(pack, [record])
    named = unit_key_from_name(shown, default_names(pack))
    applicant = pack.role_value(record, "applicant")
    uscc = pack.role_value(record, "uscc")
    if uscc not in (None, ""):
        code = squash(str(uscc)).upper()
        field = annex.role_field("uscc")
        return Submission(shown, str(applicant or uscc), f"“{field.title if field else '统一社会信用代码'}”",
                          annex.id, projects, mtime, key=f"uscc:{code}", named=named, one_project=True)
    if applicant not in (None, ""):
        field = annex.role_field("applicant")
        return Submission(shown, str(applicant), f"“{field.title if field else '申报单位'}”", annex.id, projects, mtime,
                          named=named, one_project=True)
    return Submission(shown, None, "无法判断", annex.id, projects, mtime, named=named)


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


_CHANGES: dict[tuple[str, str, str, str], list[str] | None] = {}


def old_template_findings(pack: Pack, annex: Annex, stamp: SheetStamp | None, file: str, sheet: str) -> list[Finding]:
    """A file made on an earlier version of the template (its stamp says which) is read as today's
    template is, by its headers; a warning says which version it used and, from the pack's
    history, what changed for this annex since (columns, choices, rules), so the county sees why
    a column is asked for or a value refused."""
    if stamp is None or not stamp.version or stamp.version == pack.version:
        return []
    from toolkit.packs.changes import annex_changes_since

    key = (str(pack.path), pack.version, stamp.version, annex.id)
    if key not in _CHANGES:
        _CHANGES[key] = annex_changes_since(pack, annex.id, stamp.version)
    changes = _CHANGES[key]
    if changes is None:
        since = "申报包中没有该版本的记录，无法列出此后的变化，请对照新模板的填报说明"
    elif not changes:
        since = "本附件的各列和审核规则此后没有变化"
    else:
        since = "此后的变化：" + "；".join(f"{i}. {c}" for i, c in enumerate(changes, 1))
    return [Finding("header.old-template", "warning",
                    f"该文件使用旧版模板 {stamp.version}（当前为 {pack.version}），已按当前版本的表头读取；"
                    f"{since}。以后请使用新模板", file=file, sheet=sheet)]


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
    out.extend(old_template_findings(pack, annex, stamp, file, sheet))
    for key, kept, ignored in layout.duplicates:
        from toolkit.findings import column_letter

        out.append(Finding("header.duplicate-column", "warning",
                           f"“{annex.field(key).title}”出现在两列（{column_letter(kept)} 和 {column_letter(ignored)}），已采用 {column_letter(kept)} 列",
                           file=file, sheet=sheet, row=layout.header_rows[0], field=key))
    return out
