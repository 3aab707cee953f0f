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
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.atomic import explain
from toolkit.collector import collector_paused
from toolkit.errors import EXIT_FINDINGS, EXIT_OK, OutputError
from toolkit.ingest.guard import Limits
from toolkit.ingest.inbox import Progress
from toolkit.packs.model import Pack
from toolkit.pipeline import Batch, process

LOCK_NAME = ".shenbao.lock"
SUMMARY_NAME = "汇总表.xlsx"
REPORT_NAME = "校验报告.xlsx"
RETURNS_DIR = "退回修改"
LETTER_NAME = "报送函.docx"
MANIFEST_NAME = "manifest.json"
CHANGES_NAME = "本期变化.xlsx"
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


@dataclass
class RunResult:
    batch: Batch
    out_dir: Path
    outputs: dict[str, str]
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        c = self.batch.counts
        unreadable = any(f.status == "error" for f in self.batch.ingested.files)
        return EXIT_FINDINGS if c["rejected"] or unreadable else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        """The machine contract (schemas/run-result.schema.json)."""
        batch = self.batch
        return {
            "pack": batch.pack.id,
            "pack_version": batch.pack.version,
            "toolkit_version": __version__,
            "files": [{"path": f.path, "status": f.status, "rows": f.rows, "message": f.message or "",
                       "annex": f.annex, "template_version": f.template_version} for f in batch.ingested.files],
            "counts": batch.counts,
            "totals": {"projects": batch.stats.projects,
                       "total_investment": batch.stats.totals.get("total_investment", 0.0),
                       "unit": batch.pack.unit},
            "findings": [_finding_json(f) for f in batch.findings],
            "not_reported": batch.stats.not_reported,
            "changes": None if batch.changes is None else {
                s: batch.changes.count(s) for s in ("新增", "变更", "撤销", "无变化")},
            "outputs": self.outputs,
            "warnings": self.warnings,
        }


def _finding_json(f: Any) -> dict[str, Any]:
    data = f.to_dict()
    data.pop("extra", None)
    value = data.get("value")
    if value is not None and not isinstance(value, (str, int, float, bool)):
        data["value"] = str(value)
    return data


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """One run per OUT at a time; a lock left by a dead process on this machine is taken over."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出目录 {out_dir}：{exc.strerror or exc}") from None
    lock = out_dir / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                other = json.loads(lock.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                other = {}
            same_host = other.get("host") == me["host"]
            if same_host and isinstance(other.get("pid"), int) and not _pid_alive(other["pid"]):
                with contextlib.suppress(OSError):
                    lock.unlink()
                continue
            who = f"{other.get('host', '?')} 上的进程 {other.get('pid', '?')}（{other.get('started', '?')} 开始）"
            raise OutputError(f"输出目录 {out_dir} 正被另一个 shenbao 使用：{who}。请等它结束后再运行；"
                              f"如确认没有在运行，请删除 {lock}") from None
        except OSError as exc:
            raise OutputError(f"无法在 {out_dir} 中创建锁文件：{exc.strerror or exc}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh, ensure_ascii=False)
        break
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _move_into_place(staging: Path, out_dir: Path) -> None:
    """All staged outputs replace their old versions, or none does.

    Every old output is first moved aside (a file open in Excel on Windows cannot be renamed, so
    a locked 汇总表 stops the run here, before anything changed), then the new ones are moved in.
    On any failure the new ones are removed and the old ones put back.
    """
    items = sorted(staging.iterdir())
    aside: list[tuple[Path, Path]] = []  # (output, where its old version waits)
    placed: list[Path] = []
    target = out_dir
    try:
        for item in items:
            target = out_dir / item.name
            if target.exists() or target.is_symlink():
                backup = out_dir / f".{item.name}.old-{os.getpid()}"
                os.replace(target, backup)
                aside.append((target, backup))
        for item in items:
            target = out_dir / item.name
            os.replace(item, target)
            placed.append(target)
    except OSError as exc:
        for path in placed:
            _remove(path)
        for original, backup in reversed(aside):
            with contextlib.suppress(OSError):
                os.replace(backup, original)
        raise OutputError(f"{explain(exc, target)}；原有的输出文件未改动") from None
    for _, backup in aside:
        _remove(backup)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def run_job(pack: Pack, inputs: Sequence[Path], out_dir: Path, settings: RunSettings | None = None,
            progress: Progress | None = None) -> RunResult:
    settings = settings or RunSettings()
    out_dir = Path(out_dir)
    decisions: dict[str, str] = {}
    if settings.decisions:
        from toolkit.decisions import read_decisions

        decisions = read_decisions(settings.decisions)
    org = None
    if settings.org:
        from toolkit.letter import read_org

        org = read_org(settings.org)
    # The collector is kept out of the whole job, not just each stage: let back in between them,
    # it walks the batch's objects once more (0.05 s at 1,000 files) and finds nothing to free.
    with output_lock(out_dir), collector_paused():
        batch = process(pack, inputs, decisions=decisions, expected_units=settings.expected_units,
                        unit_name=settings.unit_name, progress=progress, exclude=[out_dir],
                        limits=settings.limits, meanwhile=load_output_modules)
        try:
            staging = Path(tempfile.mkdtemp(prefix=".shenbao-staging-", dir=out_dir))
        except OSError as exc:
            raise OutputError(explain(exc, out_dir)) from None
        try:
            outputs, warnings, checksums = _write_outputs(batch, staging, settings, org)
            manifest = _manifest(batch, settings, outputs, staging, checksums)
            (staging / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
            outputs["manifest"] = MANIFEST_NAME
            _move_into_place(staging, out_dir)
        except OSError as exc:
            raise OutputError(explain(exc, out_dir)) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    shown = {k: str(out_dir / v) for k, v in outputs.items()}
    return RunResult(batch, out_dir, shown, warnings)


# What writing the outputs imports (the letter aside, which this process writes itself).
OUTPUT_MODULES = ("toolkit.report", "toolkit.returns", "toolkit.returns_xml", "toolkit.returns_xml.listsheet",
                  "toolkit.summary", "toolkit.summary.table", "toolkit.summary.review", "toolkit.summary.figures",
                  "toolkit.fastsheet", "toolkit.decisions", "toolkit.template.stamp")


def load_output_modules() -> None:
    """Imported while the workers read the files, when this process would only wait for them:
    the workers that write the outputs are forked later and find them loaded, instead of each
    importing them again (lxml, xlsxwriter's writers, the patcher: 30 ms a worker)."""
    for name in OUTPUT_MODULES:
        importlib.import_module(name)


def _write_outputs(batch: Batch, staging: Path, settings: RunSettings,
                   org: Any) -> tuple[dict[str, str], list[str], list[dict[str, Any]]]:
    """Every output but the manifest; and, for the manifest, the inputs with their checksums."""
    from toolkit.parallel import iter_tasks
    from toolkit.report import write_report
    from toolkit.returns import ReturnJob, return_jobs, write_return_jobs
    from toolkit.summary import summary_tasks

    today = settings.today.isoformat() if settings.today else None
    views = summary_tasks(batch, staging / SUMMARY_NAME, unit_name=settings.unit_name, date=today)

    def report() -> list[str]:
        write_report(batch, staging / REPORT_NAME)
        return []

    problems: list[str] = []
    copies = return_jobs(batch, staging / RETURNS_DIR, problems=problems)

    def returns(part: Sequence[ReturnJob]) -> list[str]:
        found: list[str] = []
        write_return_jobs(batch, part, problems=found)
        return found

    # Every workbook is written from the batch alone: side by side on a large batch, the largest
    # (the whole summary) first, the return copies in a few parts so that both cores finish together.
    size = max(1, -(-len(copies) // RETURN_PARTS))
    parts = [copies[i:i + size] for i in range(0, len(copies), size)] or [[]]
    tasks: list[Callable[[], Any]] = [*views, *(partial(returns, p) for p in parts), report]
    with contextlib.closing(iter_tasks(tasks, len(batch.accepted))) as done:
        # This process would only wait for the workers. Once they are at work (the first result
        # is in: the tasks start when it is asked for), it checksums the inputs for the manifest
        # and loads the letter's modules, then writes the letter as soon as the summaries it reads
        # are done, beside the return copies and the report still being written.
        summaries: list[Path] = [next(done)]
        inputs = _input_entries(batch, staging.parent)
        from toolkit.letter import write_letter

        summaries += [next(done) for _ in views[1:]]
        # The summaries were written a moment ago from these very figures: no visible check.
        letter = write_letter(batch.pack, summaries, staging / LETTER_NAME, org, today=settings.today,
                              check_visible=False)
        for lines in done:
            problems.extend(lines)
    outputs = {"summary": SUMMARY_NAME, "report": REPORT_NAME, "returns": RETURNS_DIR, "letter": LETTER_NAME}
    if settings.previous:
        from toolkit.monthly import compare, read_previous, write_changes

        previous = read_previous(batch.pack, batch.annex, settings.previous)
        current = [r for r in batch.accepted if r.annex == batch.annex.id]
        batch.changes = compare(batch.annex, current, previous)
        write_changes(batch.annex, batch.changes, staging / CHANGES_NAME)
        outputs["changes"] = CHANGES_NAME
    extra = [p.name for p in summaries if p.name != SUMMARY_NAME]
    if extra:
        outputs["summaries_by_department"] = "、".join(extra)
    return outputs, [*problems, *letter.warnings], inputs


def _input_entries(batch: Batch, out_dir: Path) -> list[dict[str, Any]]:
    """Each file of the inbox (as `discover` finds them, the output folder left out) with its
    size and SHA-256, for the manifest."""
    from toolkit.ingest.readers import discover

    inputs = []
    for path in discover(batch.inputs, [out_dir]):
        with contextlib.suppress(OSError):
            inputs.append({"path": str(path), "sha256": sha256(path), "bytes": path.stat().st_size})
    return inputs


def _manifest(batch: Batch, settings: RunSettings, outputs: dict[str, str], staging: Path,
              inputs: list[dict[str, Any]]) -> dict[str, Any]:
    decisions = None
    if settings.decisions:
        decisions = {"path": str(settings.decisions), "sha256": sha256(settings.decisions)}
    produced: dict[str, dict[str, Any]] = {}
    for key, name in outputs.items():
        path = staging / name
        if path.is_file():
            produced[key] = {"path": name, "sha256": sha256(path)}
        elif path.is_dir():
            produced[key] = {"path": name, "files": sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())}
    return {
        "toolkit_version": __version__,
        "pack": {"id": batch.pack.id, "version": batch.pack.version},
        "template_versions_seen": sorted({f.template_version for f in batch.ingested.files if f.template_version}),
        "inputs": inputs,
        "decisions": decisions,
        "org": str(settings.org) if settings.org else None,
        "previous": {"path": str(settings.previous), "sha256": sha256(settings.previous)} if settings.previous else None,
        "counts": batch.counts,
        "totals": {"projects": batch.stats.projects, **batch.stats.totals},
        "outputs": produced,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
