"""`shenbao run`: the whole job into one output folder, safe on a shared drive.

Outputs are written into a staging folder inside OUT and moved into place only when all of them
are complete, so an interrupted run leaves the previous outputs as they were. A lock file keeps two
runs from writing the same OUT at once. `manifest.json` records what went in and what came out.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import math
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.errors import EXIT_FINDINGS, EXIT_OK, OutputError
from toolkit.findings import Finding
from toolkit.ingest.guard import Limits
from toolkit.ingest.inbox import Progress, require_something_read

# The outputs' names: one list, which ingest also reads to know our own outputs in an inbox.
from toolkit.ingest.ours import (
    CHANGES_NAME,
    LETTER_NAME,
    MANIFEST_NAME,
    REPORT_NAME,
    RETURNS_DIR,
    SUMMARY_NAME,
)
from toolkit.ingest.units import ReplacePolicy
from toolkit.merge.pipeline import Batch, process
from toolkit.packs.model import Pack
from toolkit.run.commit import STAGING_PREFIX, commit, discard_staging, recover
from toolkit.run.outlock import LOCK_NAME as LOCK_NAME
from toolkit.run.outlock import output_lock
from toolkit.runtime.atomic import explain, os_error, shown_path
from toolkit.runtime.collector import collector_paused

RETURN_PARTS = 4  # return copies are written in this many tasks, to share them out evenly


@dataclass
class RunSettings:
    org: Path | None = None
    decisions: Path | None = None
    previous: Path | None = None
    expected_units: list[str] | None = None
    unit_name: str = ""
    today: date | None = None
    limits: Limits = field(default_factory=Limits)  # shenbao.toml [limits]
    policy: ReplacePolicy = field(default_factory=ReplacePolicy)  # shenbao.toml count_every_file, keep
    use_decisions: bool = True  # without `decisions`: reuse those filled into OUT/汇总表.xlsx (--no-decisions)


@dataclass
class RunResult:
    batch: Batch
    out_dir: Path
    outputs: dict[str, Any]  # key -> path; "summaries_by_department" -> a list of paths
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        c = self.batch.counts
        unreadable = any(f.status == "error" for f in self.batch.ingested.files)
        return EXIT_FINDINGS if c["rejected"] or unreadable else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        """The machine contract (schemas/run-result.schema.json). Never NaN or Infinity, which
        JSON has no words for (JavaScript's JSON.parse refuses them): null, and a finding."""
        batch = self.batch
        data = {
            "pack": batch.pack.id,
            "pack_version": batch.pack.version,
            "toolkit_version": __version__,
            "files": [{"path": f.path, "status": f.status, "rows": f.rows, "message": f.message or "",
                       "annex": f.annex, "template_version": f.template_version} for f in batch.ingested.files],
            "counts": batch.counts,
            "totals": {"projects": batch.stats.projects,
                       "total_investment": _total(batch),
                       "unit": batch.pack.unit},
            "findings": [_finding_json(f) for f in batch.findings],
            "not_reported": batch.stats.not_reported,
            "changes": None if batch.changes is None else {
                s: batch.changes.count(s) for s in ("新增", "变更", "撤销", "无变化")},
            "outputs": self.outputs,
            "warnings": self.warnings,
        }
        replaced: list[str] = []
        data = finite(data, "", replaced)
        for where in replaced:
            if not re.fullmatch(r"findings\[\d+\]\.value", where):  # a cell's own finding says it already
                data["findings"].append({
                    "code": "value.not-finite", "severity": "warning",
                    "message": f"结果中 {where} 不是有限的数（NaN 或无穷大），JSON 中写作 null，请核对有关单元格",
                    "file": None, "sheet": None, "row": None, "cell": None, "field": None, "clause": None})
        return data


def finite(value: Any, where: str, replaced: list[str]) -> Any:
    """`value` with every NaN and ±Infinity replaced by None, the places noted in `replaced`."""
    if isinstance(value, float) and not math.isfinite(value):
        replaced.append(where)
        return None
    if isinstance(value, dict):
        return {k: finite(v, f"{where}.{k}" if where else str(k), replaced) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v, f"{where}[{i}]", replaced) for i, v in enumerate(value)]
    return value


def _total(batch: Any) -> float | None:
    """The summary's main amount (the pack's `total` role); None when the pack declares none."""
    key = batch.pack.total_key
    return batch.stats.totals.get(key, 0.0) if key else None


def _finding_json(f: Any) -> dict[str, Any]:
    data = f.to_dict()
    data.pop("extra", None)
    value = data.get("value")
    if value is not None and not isinstance(value, (str, int, float, bool)):
        data["value"] = str(value)
    elif isinstance(value, float) and not math.isfinite(value):
        data["value"] = None  # JSON has no NaN or Infinity; the finding's message shows what the cell held
    return data


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_job(pack: Pack, inputs: Sequence[Path], out_dir: Path, settings: RunSettings | None = None,
            progress: Progress | None = None) -> RunResult:
    settings = settings or RunSettings()
    out_dir = Path(out_dir)
    decisions: dict[str, str] = {}
    seen: dict[str, dict[str, Any]] = {"decisions": {}, "previous": {}}  # checksums of the bytes read
    reused = ""
    if settings.decisions:
        from toolkit.merge.decisions import read_decisions

        decisions = read_decisions(settings.decisions, seen["decisions"])
    org = None
    if settings.org:
        from toolkit.outputs.letter import read_org

        org = read_org(settings.org)
    # The collector is kept out of the whole job, not just each stage: let back in between them,
    # it walks the batch's objects once more (0.05 s at 1,000 files) and finds nothing to free.
    notes: list[str] = []
    with output_lock(out_dir, notes.append), collector_paused():
        settled = recover(out_dir)  # a run killed while switching the outputs: its switch settled first
        if settled:
            notes.append(settled)
        if not settings.decisions and settings.use_decisions:
            # A rerun keeps the 处理意见 the clerk filled into the last summary (read once the
            # folder holds one complete set again).
            from dataclasses import replace

            from toolkit.merge.decisions import reuse_decisions

            decisions, reused = reuse_decisions(out_dir / SUMMARY_NAME, seen["decisions"])
            if decisions:
                settings = replace(settings, decisions=out_dir / SUMMARY_NAME)  # the manifest names it
        batch = process(pack, inputs, decisions=decisions, expected_units=settings.expected_units,
                        unit_name=settings.unit_name, progress=progress, exclude=[out_dir],
                        limits=settings.limits, meanwhile=load_output_modules, policy=settings.policy)
        require_something_read(batch.ingested.files, inputs)  # nothing read: no 0-project letter
        batch.decisions_note = reused
        try:
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        except OSError as exc:
            raise OutputError(explain(exc, out_dir, "无法在输出文件夹中写入")) from None
        try:
            outputs, warnings, checksums = _write_outputs(batch, staging, settings, org, seen["previous"])
            manifest = _manifest(batch, settings, outputs, staging, checksums, seen)
            (staging / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
            outputs["manifest"] = MANIFEST_NAME
            commit(staging, out_dir, remove=earlier_outputs(out_dir))
        except Exception as exc:
            if isinstance(exc, OutputError) or os_error(exc) is None:
                raise
            raise OutputError(f"{explain(exc, _failed_path(exc, out_dir))}；原有的输出文件未改动") from None
        finally:
            discard_staging(staging, out_dir)
    shown: dict[str, Any] = {k: [str(out_dir / n) for n in v] if isinstance(v, list) else str(out_dir / v)
                             for k, v in outputs.items()}
    return RunResult(batch, out_dir, shown, [*notes, *([reused] if reused else []), *warnings])


def _failed_path(exc: BaseException, out_dir: Path) -> Path:
    """The output that could not be written, as the clerk knows it; the folder when the
    system names only a temporary file."""
    err = os_error(exc)
    name = getattr(err, "filename", None)
    if isinstance(name, str) and not Path(name).name.startswith((".~", ".shenbao")):
        return Path(shown_path(name))
    return out_dir


def earlier_outputs(out_dir: Path) -> list[str]:
    """The outputs the last run in `out_dir` wrote (its manifest says): whatever this run does
    not write again is removed with the switch, so the folder never mixes two runs' outputs.
    Files the toolkit did not write (no manifest names them) are never touched."""
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        entries = manifest.get("outputs") or {}
    except (OSError, ValueError, AttributeError):
        return []
    names: set[str] = set()
    for entry in entries.values() if isinstance(entries, dict) else ():
        for item in entry if isinstance(entry, list) else [entry]:
            found = item.get("path") if isinstance(item, dict) else item
            if isinstance(found, str):
                names.update(found.split("、"))  # before 0.x the department summaries were one joined name
    return sorted(n for n in names if n and n == Path(n).name and not n.startswith(".") and (out_dir / n).exists())


# What writing the outputs imports (the letter aside, which this process writes itself).
OUTPUT_MODULES = ("toolkit.outputs.report", "toolkit.outputs.returns_marks", "toolkit.outputs.returns",
                  "toolkit.outputs.returns_xml", "toolkit.outputs.returns_xml.listsheet", "toolkit.outputs.summary",
                  "toolkit.outputs.summary.table", "toolkit.outputs.summary.review",
                  "toolkit.outputs.summary.figures", "toolkit.xlsx.fastsheet", "toolkit.merge.decisions",
                  "toolkit.template.stamp")


def load_output_modules() -> None:
    """Imported while the workers read the files, when this process would only wait for them:
    the workers that write the outputs are forked later and find them loaded, instead of each
    importing them again (lxml, xlsxwriter's writers, the patcher: 30 ms a worker)."""
    for name in OUTPUT_MODULES:
        importlib.import_module(name)


def _write_outputs(batch: Batch, staging: Path, settings: RunSettings, org: Any,
                   previous_seen: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """Every output but the manifest; and, for the manifest, the inputs with their checksums."""
    from toolkit.outputs.report import write_report
    from toolkit.outputs.returns import ReturnJob, return_jobs, write_return_jobs
    from toolkit.outputs.summary import summary_tasks
    from toolkit.runtime.parallel import iter_tasks

    today = settings.today.isoformat() if settings.today else None
    views = summary_tasks(batch, staging / SUMMARY_NAME, unit_name=settings.unit_name, date=today)

    def report() -> tuple[list[str], list[Finding]]:
        write_report(batch, staging / REPORT_NAME)
        return [], []

    problems: list[str] = []
    copies = return_jobs(batch, staging / RETURNS_DIR, problems=problems)

    def returns(part: Sequence[ReturnJob]) -> tuple[list[str], list[Finding]]:
        lines: list[str] = []
        found: list[Finding] = []
        write_return_jobs(batch, part, problems=lines, findings=found, staged=True)
        return lines, found

    # Every workbook is written from the batch alone: side by side on a large batch, the largest
    # (the whole summary) first, the return copies in a few parts so that both cores finish together.
    # The worker is handed the whole summary and the task after it at once (it never waits for this
    # process to hand it its next): that one is a part of the return copies, short, so that the
    # department summaries, each about a third of the whole, are left to whoever is free.
    size = max(1, -(-len(copies) // RETURN_PARTS))
    parts = [partial(returns, copies[i:i + size]) for i in range(0, len(copies), size)] or [partial(returns, [])]
    tasks: list[Callable[[], Any]] = [views[0], parts[0], *views[1:], *parts[1:], report]
    with contextlib.closing(iter_tasks(tasks, len(batch.accepted), share=True)) as done:
        # This process would only wait for the workers. Once they are at work (the first result
        # is in: the tasks start when it is asked for), it lists the inputs for the manifest
        # and loads the letter's modules, then writes the letter as soon as the summaries it reads
        # are done, beside the return copies and the report still being written.
        summaries: list[Path] = [next(done)]
        inputs = _input_entries(batch)
        from toolkit.outputs.letter import write_letter

        first_part = next(done)
        problems.extend(first_part[0])
        batch.output_findings.extend(first_part[1])
        summaries += [next(done) for _ in views[1:]]
        # The summaries were written a moment ago from these very figures: no visible check.
        letter = write_letter(batch.pack, summaries, staging / LETTER_NAME, org, today=settings.today,
                              check_visible=False)
        for lines, found in done:
            problems.extend(lines)
            batch.output_findings.extend(found)
    if batch.output_findings:
        # A return copy made another way (rare): the report, written beside the copies, is
        # written again so that it lists the `file.return-fallback` warnings with the rest.
        write_report(batch, staging / REPORT_NAME)
    outputs: dict[str, Any] = {"summary": SUMMARY_NAME, "report": REPORT_NAME, "returns": RETURNS_DIR,
                               "letter": LETTER_NAME}
    if settings.previous:
        from toolkit.merge.monthly import compare, read_previous, write_changes

        previous = read_previous(batch.pack, batch.annex, settings.previous, previous_seen)
        current = [r for r in batch.accepted if r.annex == batch.annex.id]
        batch.changes = compare(batch.annex, current, previous)
        write_changes(batch.annex, batch.changes, staging / CHANGES_NAME)
        outputs["changes"] = CHANGES_NAME
    extra = [p.name for p in summaries if p.name != SUMMARY_NAME]
    if extra:
        outputs["summaries_by_department"] = extra
    return outputs, [*problems, *letter.warnings], inputs


def _input_entries(batch: Batch) -> list[dict[str, Any]]:
    """Each file of the inbox with the size and SHA-256 of the bytes its rows were read from
    (hashed by the reader as it read them, in the same pass): a file replaced after it was read
    cannot lend the manifest its checksum. A file skipped unread (an Office lock file) has none."""
    return [{"path": str(f.source if f.source is not None else f.path), "sha256": f.sha256, "bytes": f.size}
            for f in batch.ingested.files]


def _manifest(batch: Batch, settings: RunSettings, outputs: dict[str, Any], staging: Path,
              inputs: list[dict[str, Any]], seen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    decisions = {"path": str(settings.decisions), **seen["decisions"]} if settings.decisions else None
    previous = {"path": str(settings.previous), **seen["previous"]} if settings.previous else None

    def entry(name: str) -> dict[str, Any]:
        path = staging / name
        if path.is_dir():
            return {"path": name, "files": sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())}
        return {"path": name, "sha256": sha256(path)}

    # Every output a file of its own (the department summaries one entry each), so that a
    # script can check each file against its checksum, and the next run knows what to replace.
    produced: dict[str, Any] = {key: [entry(n) for n in name] if isinstance(name, list) else entry(name)
                                for key, name in outputs.items()}
    return {
        "toolkit_version": __version__,
        "pack": {"id": batch.pack.id, "version": batch.pack.version},
        "template_versions_seen": sorted({f.template_version for f in batch.ingested.files if f.template_version}),
        "inputs": inputs,
        "decisions": decisions,
        "org": str(settings.org) if settings.org else None,
        "previous": previous,
        "counts": batch.counts,
        "totals": {"projects": batch.stats.projects, **batch.stats.totals},
        "outputs": produced,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
