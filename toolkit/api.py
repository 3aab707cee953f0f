"""The Python API: what the `shenbao` command does, for analysts and scripts.

    from toolkit import api

    pack = api.open_pack("jl-761-2020")                  # a built-in pack, or a pack folder
    batch = api.check_inbox(pack, ["收件箱"], unit_name="长春市")
    batch.counts                                          # rows_read, accepted, rejected, ...
    api.records_frame(batch)                              # a pandas DataFrame, one row a project
    api.findings_frame(batch)                             # every finding, with file, cell, clause
    result = api.run(pack, ["收件箱"], "申报结果", unit_name="长春市")   # and write every output

The command line is a layer over these same functions: the batch a script gets is the batch
`shenbao run` writes its outputs from. pandas is imported only by the two `*_frame` functions.
Errors are `toolkit.errors.ShenbaoError` (and its subclasses) with a Chinese `message` and the
exit code the command would give.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from toolkit.errors import PackError
from toolkit.findings import Finding
from toolkit.ingest.guard import Limits
from toolkit.merge.pipeline import Batch, process
from toolkit.packs.model import Pack
from toolkit.run.job import RunResult, RunSettings, run_job

if TYPE_CHECKING:
    import pandas

__all__ = ["Batch", "Pack", "RunResult", "check_inbox", "findings_frame", "open_pack", "records_frame", "run"]

Which = Literal["accepted", "rejected", "merged", "all"]
# Provenance columns of records_frame, before the pack's fields; named so no field key can clash
# (keys are lower-case ASCII, these start with an underscore).
PROVENANCE = ("_status", "_annex", "_file", "_sheet", "_row", "_reporting_unit", "_reasons")


def open_pack(ref: str | Path) -> Pack:
    """A built-in pack by id (`jl-761-2020`), a pack folder or a pack workbook (申报包.xlsx); raises PackError with every
    pack-check error when the pack is not sound (the same check the command makes)."""
    from toolkit.packs.loader import check_pack_dir, load_pack

    errors = [f for f in check_pack_dir(ref) if f.severity == "error"]
    if errors:
        raise PackError("申报包有错误：" + "；".join(f.message for f in errors))
    return load_pack(ref)


def check_inbox(pack: Pack, inputs: Sequence[str | Path], *, unit_name: str = "",
                expected_units: Sequence[str] | None = None, decisions: dict[str, str] | None = None,
                limits: Limits | None = None, jobs: int | None = None) -> Batch:
    """Read, validate and de-duplicate an inbox (folders or files), writing nothing.
    `decisions`: pair id -> 合并/保留 (toolkit.merge.decisions.read_decisions reads them from a 汇总表)."""
    return process(pack, [Path(p) for p in inputs], decisions=decisions, expected_units=expected_units,
                   unit_name=unit_name, limits=limits, jobs=jobs)


def run(pack: Pack, inputs: Sequence[str | Path], out_dir: str | Path, **settings: Any) -> RunResult:
    """Everything `shenbao run` does, outputs included; `settings` are RunSettings' fields
    (org, decisions, previous, expected_units, unit_name, today, limits)."""
    return run_job(pack, [Path(p) for p in inputs], Path(out_dir), RunSettings(**settings))


def records_frame(batch: Batch, which: Which = "accepted") -> pandas.DataFrame:
    """One row per record: provenance columns (PROVENANCE) then every field of the records'
    annexes, values as read and normalised (amounts in the pack's unit). `which`: the projects of
    the 汇总表 (accepted), the refused rows with their reasons (rejected), the duplicates merged
    away (merged), or all three."""
    import pandas

    rows: list[dict[str, Any]] = []
    keys: dict[str, None] = {}
    for status, record, reasons in _records(batch, which):
        annex = batch.pack.annex(record.annex)
        keys.update(dict.fromkeys(annex.field_keys))
        rows.append({"_status": status, "_annex": record.annex, "_file": record.file, "_sheet": record.sheet,
                     "_row": record.row, "_reporting_unit": record.reporting_unit, "_reasons": reasons,
                     **record.values})
    return pandas.DataFrame(rows, columns=[*PROVENANCE, *keys])


def findings_frame(source: Batch | Iterable[Finding]) -> pandas.DataFrame:
    """Every finding as a row: code, severity, message, file, sheet, row, cell, field, clause, value."""
    import pandas

    findings = source.findings if isinstance(source, Batch) else list(source)
    columns = ["code", "severity", "message", "file", "sheet", "row", "cell", "field", "clause", "value"]
    return pandas.DataFrame([{c: getattr(f, c) for c in columns} for f in findings], columns=columns)


def _records(batch: Batch, which: Which) -> Iterable[tuple[str, Any, str]]:
    if which in ("accepted", "all"):
        for r in batch.accepted:
            yield "accepted", r, ""
    if which in ("rejected", "all"):
        for r in batch.validation.rejected:
            yield "rejected", r, "；".join(f.message for f in batch.validation.reasons_for(r))
    if which in ("merged", "all"):
        for dup, kept in batch.dedup.merged:
            yield "merged", dup, f"与 {kept.where} 重复，已合并"
