"""One batch through the stages: ingest -> validate -> dedupe -> figures.

`merge`, `validate` and `run` all call `process`; each output (report, return copies, summary,
letter) is written from the `Batch` it returns. The accounting invariant holds for every batch:
rows read = accepted + rejected + merged duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.collector import collector_paused
from toolkit.dedupe import Decision, DedupeResult, PlainKeys, dedupe, record_keys
from toolkit.findings import Finding, sort_key
from toolkit.fromforms import summary_rows
from toolkit.ingest.guard import Limits
from toolkit.ingest.inbox import FileRead, Progress, collect, inbox_jobs, ingest_file
from toolkit.ingest.records import IngestResult, Record
from toolkit.monthly import Changes
from toolkit.packs.model import Annex, Pack
from toolkit.parallel import map_ordered
from toolkit.stats import SummaryStats, compute_stats
from toolkit.validate import RowChecker, RowKey, Validation, validate


@dataclass
class Batch:
    pack: Pack
    annex: Annex  # the annex the summary compiles
    inputs: list[Path]
    ingested: IngestResult
    validation: Validation
    dedup: DedupeResult
    stats: SummaryStats
    changes: Changes | None = None  # against last month's summary, when one was given
    limits: Limits = field(default_factory=Limits)  # what the inbox was read under (return copies re-read it)

    @property
    def accepted(self) -> list[Record]:
        """Accepted and de-duplicated: the rows of the summary, in file and row order."""
        return self.dedup.kept

    @property
    def findings(self) -> list[Finding]:
        return sorted([*self.ingested.findings, *self.validation.findings, *self.dedup.findings], key=sort_key)

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
) -> Batch:
    """Ingest, validate, dedupe and count one inbox. Each file is read and its rows checked in
    one go, in `jobs` worker processes (None: as many as pay; see toolkit.parallel).
    `meanwhile` is called once, when the first file's result is in: what this process can do
    while it would only wait for the workers."""
    limits = limits or Limits()
    with collector_paused():  # every file's records arrive at once; none form cycles
        return _process(pack, inputs, decisions, expected_units, unit_name, progress, exclude, limits, jobs,
                        meanwhile)


def _process(pack: Pack, inputs: Sequence[Path], decisions: Mapping[str, Decision] | None,
             expected_units: Sequence[str] | None, unit_name: str, progress: Progress | None,
             exclude: Sequence[Path], limits: Limits, jobs: int | None,
             meanwhile: Callable[[], object] | None) -> Batch:
    ingested, row_checks, keys = _read_and_check(pack, inputs, progress, exclude, limits, jobs, meanwhile)
    checked = validate(pack, ingested.records, ingested.findings, row_checks)
    annex = summary_annex(pack)
    # Duplicates are sought among accepted rows of the summary's annex, with the projects of forms
    # no table row lists (pack: summary.from_forms); other records (the forms behind a 汇总表) are
    # validated and reported, and pass through as they are.
    to_merge, others = summary_rows(pack, annex, checked.accepted)
    dup = dedupe(pack, to_merge, decisions, keys)
    dup.kept.extend(others)
    rejected = [(r, checked.reasons_for(r)) for r in checked.rejected if r.annex == annex.id]
    stats = compute_stats(
        pack, annex, [r for r in dup.kept if r.annex == annex.id], rejected=rejected,
        rows_read=ingested.rows_read, duplicates_merged=len(dup.merged),
        suspected_duplicates=len(dup.suspects), files=ingested.files,
        expected_units=expected_units, unit_name=unit_name,
    )
    batch = Batch(pack, annex, [Path(p) for p in inputs], ingested, checked, dup, stats, limits=limits)
    batch.check_accounting()
    return batch


def _read_and_check(pack: Pack, inputs: Sequence[Path], progress: Progress | None, exclude: Sequence[Path],
                    limits: Limits, jobs: int | None, meanwhile: Callable[[], object] | None = None,
                    ) -> tuple[IngestResult, dict[RowKey, list[Finding]], dict[int, PlainKeys]]:
    """Every file read and its rows checked, with each record's dedupe keys (by id(record))."""
    files = inbox_jobs(inputs, exclude)

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
    return collect(reads), checks, keys


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
    return read, checker.check_all(read.records, read.findings), [record_keys(pack, r) for r in read.records]
