"""One batch through the stages: ingest -> validate -> dedupe -> figures.

`merge`, `validate` and `run` all call `process`; each output (report, return copies, summary,
letter) is written from the `Batch` it returns. The accounting invariant holds for every batch:
rows read = accepted + rejected + merged duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.findings import Finding, sort_key
from toolkit.ingest.guard import Limits
from toolkit.ingest.inbox import (
    FileRead,
    Progress,
    collect,
    in_inbox_order,
    inbox_jobs,
    ingest_file,
)
from toolkit.ingest.ours import own_outputs
from toolkit.ingest.records import IngestResult, Record
from toolkit.ingest.units import ReplacePolicy
from toolkit.merge.dedupe import Decision, DedupeResult, PlainKeys, dedupe, record_keys
from toolkit.merge.monthly import Changes
from toolkit.merge.stats import SummaryStats, compute_stats
from toolkit.packs.model import Annex, Pack
from toolkit.runtime.collector import collector_paused
from toolkit.runtime.parallel import map_ordered
from toolkit.validate import RowChecker, RowKey, Validation, validate
from toolkit.validate.fromforms import as_annex_row, summary_rows


@dataclass
class Batch:
    pack: Pack
    annex: Annex  # the annex the summary compiles
    inputs: list[Path]
    ingested: IngestResult
    validation: Validation
    dedup: DedupeResult
    stats: SummaryStats
    # Each refused project once, as a record of the summary's annex, with the errors of all its parts.
    rejected_projects: list[tuple[Record, list[Finding]]] = field(default_factory=list)
    changes: Changes | None = None  # against last month's summary, when one was given
    limits: Limits = field(default_factory=Limits)  # what the inbox was read under (return copies re-read it)
    decisions_note: str = ""  # set by run: the clerk's 处理意见 reused from the last summary, said in the report
    # Found while writing the outputs (a return copy made another way, `file.return-fallback`):
    # the report written after them lists these with the rest.
    output_findings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> list[Record]:
        """Accepted and de-duplicated: the rows of the summary, in file and row order."""
        return self.dedup.kept

    @property
    def findings(self) -> list[Finding]:
        return sorted([*self.ingested.findings, *self.validation.findings, *self.dedup.findings,
                       *self.output_findings], key=sort_key)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.ingested.rows_read,
            "accepted": len(self.dedup.kept),
            "rejected": len(self.validation.rejected),
            "duplicates_merged": len(self.dedup.merged),
            "suspected_duplicates": len(self.dedup.suspects),
        }

    def check_accounting(self) -> None:
        c = self.counts
        if c["rows_read"] != c["accepted"] + c["rejected"] + c["duplicates_merged"]:
            raise AssertionError(f"rows do not add up: {c}")


def summary_annex(pack: Pack) -> Annex:
    if pack.summary:
        return pack.annex(pack.summary.annex)
    tables = [a for a in pack.data_annexes if a.kind == "table"]
    return tables[0] if tables else pack.data_annexes[0]


def process(
    pack: Pack,
    inputs: Sequence[Path],
    *,
    decisions: Mapping[str, Decision] | None = None,
    expected_units: Sequence[str] | None = None,
    unit_name: str = "",
    progress: Progress | None = None,
    exclude: Sequence[Path] = (),
    limits: Limits | None = None,
    jobs: int | None = None,
    meanwhile: Callable[[], object] | None = None,
    policy: ReplacePolicy | None = None,
) -> Batch:
    """Ingest, validate, dedupe and count one inbox. Each file is read and its rows checked in
    one go, in `jobs` worker processes (None: as many as pay; see toolkit.runtime.parallel).
    `meanwhile` is called once, when the first file's result is in: what this process can do
    while it would only wait for the workers. `policy`: shenbao.toml's say on which files
    replace others (count_every_file, keep)."""
    limits = limits or Limits()
    with collector_paused():  # every file's records arrive at once; none form cycles
        return _process(pack, inputs, decisions, expected_units, unit_name, progress, exclude, limits, jobs,
                        meanwhile, policy)


def _process(pack: Pack, inputs: Sequence[Path], decisions: Mapping[str, Decision] | None,
             expected_units: Sequence[str] | None, unit_name: str, progress: Progress | None,
             exclude: Sequence[Path], limits: Limits, jobs: int | None,
             meanwhile: Callable[[], object] | None, policy: ReplacePolicy | None = None) -> Batch:
    ingested, row_checks, keys = _read_and_check(pack, inputs, progress, exclude, limits, jobs, meanwhile, policy)
    checked = validate(pack, ingested.records, ingested.findings, row_checks)
    annex = summary_annex(pack)
    # One row per accepted project: its row of the summary's annex, else the row compiled from its
    # form (pack: summary.from_forms). Duplicates are sought among those rows; the other parts of
    # each project (the forms behind a 汇总表 row) are validated and reported, and pass through.
    to_merge, others, near = summary_rows(pack, annex, checked.accepted, checked.linking)
    dup = dedupe(pack, to_merge, decisions, keys, also=near)
    dup.kept.extend(others)
    rejected = rejected_projects(pack, annex, checked)
    stats = compute_stats(
        pack, annex, [r for r in dup.kept if r.annex == annex.id], rejected=rejected,
        rows_read=ingested.rows_read, duplicates_merged=len(dup.merged),
        suspected_duplicates=len(dup.suspects), files=ingested.files,
        expected_units=expected_units, unit_name=unit_name,
    )
    batch = Batch(pack, annex, [Path(p) for p in inputs], ingested, checked, dup, stats, limits=limits,
                  rejected_projects=rejected)
    batch.check_accounting()
    return batch


def rejected_projects(pack: Pack, annex: Annex, checked: Validation) -> list[tuple[Record, list[Finding]]]:
    """Each refused project once, whichever of its parts was refused: its row of the summary's
    annex (or the row its form would have made, or its first part's values), with the errors of
    every part, each at its own file and cell."""
    if checked.linking is None:
        return [(r, checked.reasons_for(r)) for r in checked.rejected if r.annex == annex.id]
    refused = {id(r) for r in checked.rejected}
    out = []
    for project in checked.linking.projects:
        if any(id(p) in refused for p in project.parts):
            found = as_annex_row(pack, annex, project)
            if found is not None:
                out.append((found[1], checked.project_reasons(project)))
    return out


def _read_and_check(pack: Pack, inputs: Sequence[Path], progress: Progress | None, exclude: Sequence[Path],
                    limits: Limits, jobs: int | None, meanwhile: Callable[[], object] | None = None,
                    policy: ReplacePolicy | None = None) -> tuple[IngestResult, dict[RowKey, list[Finding]], dict[int, PlainKeys]]:
    """Every file read and its rows checked, with each record's dedupe keys (by id(record))."""
    everything = inbox_jobs(inputs, exclude)
    ours = own_outputs(everything)  # our own outputs (a city's output folder): skipped, not read
    files = [item for item in everything if item[1] not in ours]

    def done(i: int, item: tuple[Path, str]) -> None:
        if progress:
            progress(i, len(files), item[1])

    reads: list[FileRead] = []
    checks: dict[RowKey, list[Finding]] = {}
    keys: dict[int, PlainKeys] = {}
    _start_worker(pack, limits)  # here too: in turn, and forked workers inherit it
    try:
        for read, found, record_keys in map_ordered(_file_job, files, jobs, done, initializer=_start_worker,
                                                    initargs=(pack, limits), share=True):
            reads.append(read)
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            checks.update(found)
            keys.update(zip(map(id, read.records), record_keys, strict=True))
    finally:
        _start_worker(None, None)
        forget_read_cache()
    return collect(in_inbox_order(everything, reads, ours), policy), checks, keys


def forget_read_cache() -> None:
    """Drop what reading the files cached (the readings of repeated cell texts, per column type,
    toolkit/ingest/table.py): the records hold the values they use; the rest would otherwise stay
    through the outputs, in the main process and in the worker forked to write them."""
    from toolkit.ingest import table

    table.forget_memos()


# What a worker reads files with: the pack, the limits, and the row checks compiled once.
_worker: tuple[Pack, Limits, RowChecker] | None = None


def _start_worker(pack: Pack | None, limits: Limits | None) -> None:
    global _worker
    _worker = (pack, limits, RowChecker(pack)) if pack is not None and limits is not None else None


def _file_job(item: tuple[Path, str]) -> tuple[FileRead, dict[RowKey, list[Finding]], list[PlainKeys]]:
    """One file read, its rows checked and their dedupe keys worked out: in turn, or in a worker
    process (forked or spawned), where this work is shared out."""
    assert _worker is not None
    pack, limits, checker = _worker
    read = ingest_file(pack, item[0], item[1], limits)
    share_raw(read.records)
    return read, checker.check_all(read.records, read.findings), [record_keys(pack, r) for r in read.records]


def share_raw(records: Sequence[Record]) -> None:
    """The text of the cells of one file's `records` (`raw`, `extra`), each string the same
    object as an equal value's or an earlier cell's. A file repeats its categories, units and
    applicants on every row, and a value is mostly its cell's text: read apart, each is a string
    of its own. Shared, the result a worker pickles is smaller (pickle writes an object once) and
    so is the batch the main process keeps (3,000 files: ~170 MiB fewer), which every worker
    forked to write the outputs copies as it walks it. Only `str` is shared: equal floats can
    differ (0.0 and -0.0), and no one asks a cell's text for its identity."""
    pool: dict[str, str] = {}
    for record in records:
        for value in record.values.values():
            if type(value) is str:
                pool.setdefault(value, value)
    for record in records:
        for cells in (record.raw, record.extra):
            for key, value in cells.items():
                if type(value) is str:
                    cells[key] = pool.setdefault(value, value)  # the same keys: iteration goes on
