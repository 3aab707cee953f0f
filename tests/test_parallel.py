"""Files read and checked in worker processes give the batch a single process gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.ingest.records import Record
from toolkit.merge.pipeline import process, share_raw
from toolkit.packs.loader import load_pack
from toolkit.runtime import parallel

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="worker processes are forked")


def _picture(batch):  # everything a later stage reads from the batch
    return (
        batch.counts,
        [(f.path, f.status, f.rows, f.message, f.annex, f.sheet) for f in batch.ingested.files],
        [(r.file, r.sheet, r.row, r.values) for r in batch.accepted],
        [(r.file, r.row) for r in batch.validation.rejected],
        batch.findings,
        [(s.a.file, s.a.row, s.b.file, s.b.row, s.reason) for s in batch.dedup.suspects],
        batch.stats,
    )


@needs_fork
@pytest.mark.parametrize("pack_id", ["jl-761-2020", "js-zhjs-2020", "jl-gyhlw-2020", "jl-zgsz-2023"])
def test_two_workers_give_the_batch_one_process_gives(pack_id: str) -> None:
    pack = load_pack(pack_id)
    one = process(pack, [SAMPLES / pack_id], jobs=1)
    two = process(pack, [SAMPLES / pack_id], jobs=2)
    assert one.counts["rows_read"] > 0
    assert _picture(two) == _picture(one)


@needs_fork
def test_progress_counts_every_file_once_in_order() -> None:
    seen: list[tuple[int, int, str]] = []
    batch = process(load_pack("jl-761-2020"), [SAMPLES / "jl-761-2020"], jobs=2,
                    progress=lambda i, n, name: seen.append((i, n, name)))
    names = [f.path for f in batch.ingested.files]
    assert [s[0] for s in seen] == list(range(1, len(names) + 1))
    assert {s[1] for s in seen} == {len(names)}
    assert [s[2] for s in seen] == names


def test_jobs_follow_the_inbox_size_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHENBAO_JOBS", raising=False)
    assert parallel.default_jobs(3) == 1  # a few files: no workers
    monkeypatch.setenv("SHENBAO_JOBS", "3")
    assert parallel.default_jobs(3) == 3
    monkeypatch.setenv("SHENBAO_JOBS", "x")
    assert parallel.default_jobs(3) == 1


@needs_fork
def test_a_worker_failure_reaches_the_caller() -> None:
    def work(item: int) -> int:
        if item == 3:
            raise ValueError("boom")
        return item

    with pytest.raises(ValueError, match="boom"):
        list(parallel.map_ordered(work, list(range(6)), jobs=2))
    assert list(parallel.map_ordered(lambda x: x * 2, list(range(20)), jobs=2)) == [x * 2 for x in range(20)]


@needs_fork
def test_tasks_run_side_by_side_and_return_in_order(tmp_path: Path) -> None:
    import os

    def task(i: int):
        def run() -> tuple[int, int]:
            (tmp_path / f"{i}.txt").write_text(str(i))
            return i, os.getpid()

        return run

    results = parallel.run_tasks([task(i) for i in range(5)], parallel.MIN_ROWS_FOR_TASKS, jobs=2)
    assert [r[0] for r in results] == list(range(5))
    assert os.getpid() not in {r[1] for r in results}  # written by the workers
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i}.txt" for i in range(5)]
    assert [r[0] for r in parallel.run_tasks([task(7)], parallel.MIN_ROWS_FOR_TASKS, jobs=2)] == [7]  # one task: here
    small = parallel.run_tasks([task(i) for i in range(3)], parallel.MIN_ROWS_FOR_TASKS - 1, jobs=2)
    assert {r[1] for r in small} == {os.getpid()}  # a small batch: in turn, here


@needs_fork
@pytest.mark.parametrize("reference", ["", "share"])
def test_tasks_shared_with_this_process_return_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         reference: str) -> None:
    """With `share`, this process runs tasks itself beside one worker (two jobs) instead of
    waiting on two workers; under SHENBAO_REFERENCE=share, the plain pool of two. The same files
    and results, in the tasks' order, either way."""
    import os

    monkeypatch.setenv("SHENBAO_REFERENCE", reference)

    def task(i: int):
        def run() -> tuple[int, int]:
            (tmp_path / f"{i}.txt").write_text(str(i))
            return i, os.getpid()

        return run

    results = parallel.run_tasks([task(i) for i in range(9)], parallel.MIN_ROWS_FOR_TASKS, jobs=2, share=True)
    assert [r[0] for r in results] == list(range(9))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{i}.txt" for i in range(9))
    workers = {r[1] for r in results} - {os.getpid()}
    assert len(workers) == 1 if reference == "" else 1 <= len(workers) <= 2  # a quick worker may take all
    assert (os.getpid() in {r[1] for r in results}) == (reference == "")  # shared: this process wrote some


@needs_fork
@pytest.mark.parametrize("ahead", [1, 2])
def test_a_worker_holds_ahead_tasks_and_this_process_takes_the_rest(ahead: int) -> None:
    """A worker is handed `ahead` tasks at once; this process runs the others while it works.
    `merge` writes its summaries with one ahead: the whole summary (as long as the departments'
    together) alone in the worker, the departments here, not the whole and one department there
    and two here."""
    import os
    import time

    def task(i: int):
        def run() -> tuple[int, int]:
            if i == 0:
                time.sleep(1.5)  # the long task: this process is long done with the rest
            return i, os.getpid()

        return run

    results = parallel.run_tasks([task(i) for i in range(4)], parallel.MIN_ROWS_FOR_TASKS, jobs=2, share=True,
                                 ahead=ahead)
    assert [r[0] for r in results] == list(range(4))
    worker = [i for i, pid in results if pid != os.getpid()]
    assert worker == list(range(ahead))


@needs_fork
def test_a_worker_that_finished_its_tasks_gets_the_next_before_this_process_does() -> None:
    """While this process runs a long task, the worker finishes the two it was handed. It is
    handed the next two before this process takes another: its finished tasks no longer count
    as held (they did, and this process took the next task while the worker sat idle)."""
    import os
    import time

    def task(i: int):
        def run() -> tuple[int, int]:
            if i == 2:
                time.sleep(1.0)  # this process's first task: the worker is long done with 0 and 1
            return i, os.getpid()

        return run

    results = parallel.run_tasks([task(i) for i in range(6)], parallel.MIN_ROWS_FOR_TASKS, jobs=2, share=True)
    assert [r[0] for r in results] == list(range(6))
    here = [i for i, pid in results if pid == os.getpid()]
    assert here[0] == 2 and 3 not in here, here


@needs_fork
def test_a_failing_task_reaches_the_caller_when_this_process_shares_the_tasks() -> None:
    def task(i: int):
        def run() -> int:
            if i == 4:
                raise ValueError("boom")
            return i

        return run

    with pytest.raises(ValueError, match="boom"):
        parallel.run_tasks([task(i) for i in range(6)], parallel.MIN_ROWS_FOR_TASKS, jobs=2, share=True)


@needs_fork
def test_each_result_arrives_while_later_tasks_still_run(tmp_path: Path) -> None:
    """`iter_tasks` hands over a result as soon as it is done: here the second task waits for
    what this process does with the first (as the letter is written beside the return copies)."""
    import time

    go = tmp_path / "go"

    def first() -> str:
        return "first"

    def second() -> str:
        deadline = time.monotonic() + 30
        while not go.exists():
            if time.monotonic() > deadline:
                return "never told"
            time.sleep(0.01)
        return "second"

    results = parallel.iter_tasks([first, second], parallel.MIN_ROWS_FOR_TASKS, jobs=2)
    assert next(results) == "first"
    go.write_text("go")
    assert list(results) == ["second"]


def test_a_small_batch_runs_each_task_when_its_result_is_asked_for(tmp_path: Path) -> None:
    ran: list[int] = []

    def task(i: int):
        return lambda: ran.append(i) or i

    results = parallel.iter_tasks([task(0), task(1)], parallel.MIN_ROWS_FOR_TASKS - 1)
    assert ran == []
    assert next(results) == 0 and ran == [0]
    assert list(results) == [1] and ran == [0, 1]


@needs_fork
def test_summaries_written_side_by_side_are_the_files_written_in_turn(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    from toolkit.outputs import summary

    batch = process(load_pack("jl-761-2020"), [SAMPLES / "jl-761-2020"], jobs=1)
    in_turn = summary.write_summary(batch, tmp_path / "a", date="2020-07-20")
    monkeypatch.setattr(parallel, "MIN_ROWS_FOR_TASKS", 0)
    monkeypatch.setenv("SHENBAO_JOBS", "2")
    apart = summary.write_summary(batch, tmp_path / "b", date="2020-07-20")
    assert len(in_turn) > 2  # the whole summary and one per 归口部门
    assert [p.name for p in apart] == [p.name for p in in_turn]
    for a, b in zip(in_turn, apart, strict=True):
        assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest(), a.name


@needs_fork
def test_a_run_writing_its_outputs_side_by_side_writes_the_same_files(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Summaries, report and return copies written in worker processes are the files written
    in turn, byte for byte; the letter and manifest name the same things."""
    import json

    from click.testing import CliRunner

    from toolkit.cli import cli

    def run(out: Path) -> dict:
        result = CliRunner().invoke(cli, ["run", "jl-761-2020", str(SAMPLES / "jl-761-2020"), "-o", str(out),
                                          "--json"])
        assert result.exit_code == 1, result.output
        return json.loads(result.stdout)

    in_turn = run(tmp_path / "a")
    monkeypatch.setattr(parallel, "MIN_ROWS_FOR_TASKS", 0)
    monkeypatch.setenv("SHENBAO_JOBS", "2")
    apart = run(tmp_path / "b")
    assert apart["counts"] == in_turn["counts"] and apart["findings"] == in_turn["findings"]
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.xlsx"))
    assert len(files) > 8 and files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.xlsx"))
    for name in files:
        assert _parts(tmp_path / "a" / name) == _parts(tmp_path / "b" / name), name


def _parts(path: Path) -> dict[str, bytes]:
    """A workbook's parts, but the time it was made (the report's docProps carry it)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def test_spawned_workers_as_on_windows_give_the_same_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no fork: the files are read by spawned workers, handed the pack once."""
    monkeypatch.setattr(parallel, "START_METHOD", "spawn")
    assert parallel.start_method(spawnable=True) == "spawn"
    assert parallel.start_method(spawnable=False) is None  # closures (the output tasks) stay here
    assert parallel.default_jobs(parallel.MIN_FILES_PER_SPAWNED_WORKER - 1, spawnable=True) == 1
    pack = load_pack("js-zhjs-2020")
    one = process(pack, [SAMPLES / "js-zhjs-2020"], jobs=1)
    spawned = process(pack, [SAMPLES / "js-zhjs-2020"], jobs=2)
    assert _picture(spawned) == _picture(one)


@needs_fork
@pytest.mark.parametrize("share", [False, True])
def test_workers_that_die_leave_the_work_to_this_process(share: bool) -> None:
    """A worker killed (a virus scanner, memory) or unable to start: the rest is done here."""
    import os

    here = os.getpid()

    def work(x: int) -> int:
        if os.getpid() != here:
            os._exit(1)  # the worker dies without a word
        return x * 2

    seen: list[int] = []
    results = list(parallel.map_ordered(work, list(range(40)), jobs=2, done=lambda i, _: seen.append(i), share=share))
    assert results == [x * 2 for x in range(40)]
    assert seen == list(range(1, 41))


@needs_fork
@pytest.mark.parametrize("jobs", [2, 3])
@pytest.mark.parametrize("n", [2, 7, 64, 301])
def test_this_process_takes_its_share_and_results_keep_their_order(jobs: int, n: int) -> None:
    """With `share`, this process reads chunks itself beside the workers (its results need no
    pickling): every item once, results and progress in the items' order, both at work."""
    import os

    here = os.getpid()
    seen: list[tuple[int, int]] = []
    out = list(parallel.map_ordered(lambda x: (x * 3, os.getpid()), list(range(n)), jobs=jobs,
                                    done=lambda i, item: seen.append((i, item)), share=True))
    assert [r[0] for r in out] == [x * 3 for x in range(n)]
    assert seen == [(i + 1, i) for i in range(n)]
    if n >= 64:
        pids = {r[1] for r in out}
        assert here in pids and pids - {here}


@needs_fork
@pytest.mark.parametrize("where", ["worker", "here"])
def test_a_failure_reaches_the_caller_when_this_process_shares_the_work(where: str) -> None:
    import os

    here = os.getpid()

    def work(item: int) -> int:
        if (os.getpid() == here) == (where == "here"):
            raise ValueError("boom")
        return item

    with pytest.raises(ValueError, match="boom"):
        list(parallel.map_ordered(work, list(range(200)), jobs=2, share=True))


@needs_fork
def test_a_pool_found_broken_while_handing_out_work_leaves_the_rest_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool may say it is broken when the next chunk is handed to it rather than in a
    result: the rest is done here, and nothing already yielded comes again."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    real = ProcessPoolExecutor.submit
    handed: list[int] = []

    def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        handed.append(1)
        if len(handed) > 1:
            raise BrokenProcessPool("a worker died")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    seen: list[int] = []
    out = list(parallel.map_ordered(lambda x: x * 2, list(range(100)), jobs=2, done=lambda i, _: seen.append(i),
                                    share=True))
    assert out == [x * 2 for x in range(100)]
    assert seen == list(range(1, 101))


ORPHAN_SCRIPT = """
import os, sys, time
from toolkit.runtime import parallel
parallel.START_METHOD = sys.argv[3]
if sys.argv[4] == "watch":  # as on macOS: no parent-death signal, only the watch of the parent's pipe
    import types
    parallel.sys = types.SimpleNamespace(platform="darwin")
folder = sys.argv[1]

def work(i):
    open(os.path.join(folder, str(os.getpid())), "w").close()
    time.sleep(120)
    return i

for _ in parallel.map_ordered(work, list(range(12)), jobs=3, share=sys.argv[2] == "share"):
    pass
"""


def _gone(pid: int) -> bool:
    import os

    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie has ended
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


@pytest.mark.skipif(not parallel.can_fork(), reason="killing the parent with SIGKILL: POSIX")
@pytest.mark.parametrize(("share", "how"), [("share", "signal"), ("plain", "signal"), ("share", "watch"), ("plain", "watch")])
def test_workers_end_when_their_parent_is_killed(tmp_path: Path, share: str, how: str) -> None:
    """A run killed with kill -9 leaves no worker behind (issue 19: they slept on for minutes)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, str(tmp_path), share, "fork", how])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = [int(p.name) for p in tmp_path.iterdir() if int(p.name) != parent.pid]
            if len(workers) >= 2:
                break
            time.sleep(0.05)
        assert len(workers) >= 2, "the workers did not start"
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(_gone(pid) for pid in workers):
            time.sleep(0.05)
        left = [pid for pid in workers if not _gone(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert left == []
    finally:
        if parent.poll() is None:
            parent.kill()


ORPHAN_RUN_SCRIPT = """
import os, sys, time
from pathlib import Path
from toolkit.runtime import parallel
from toolkit.merge import pipeline
from toolkit.packs.loader import load_pack
from toolkit.run.job import run_job

parallel.MIN_FILES_PER_WORKER = 1
folder = Path(sys.argv[2])
real = pipeline.ingest_file

def slow(*args, **kwargs):
    (folder / str(os.getpid())).touch()
    time.sleep(120)  # a county file that takes long: the clerk closes the window meanwhile
    return real(*args, **kwargs)

pipeline.ingest_file = slow
run_job(load_pack("jl-761-2020"), [Path(sys.argv[1])], Path(sys.argv[3]))
"""


@pytest.mark.skipif(not parallel.can_fork(), reason="killing the parent with SIGKILL: POSIX")
def test_a_run_killed_while_its_workers_read_leaves_no_worker(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    samples = Path(__file__).resolve().parents[1] / "samples" / "jl-761-2020"
    pids = tmp_path / "pids"
    pids.mkdir()
    env = {**os.environ, "SHENBAO_JOBS": "3"}
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_RUN_SCRIPT, str(samples), str(pids), str(tmp_path / "out")],
                              env=env)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:
            workers = [int(p.name) for p in pids.iterdir() if int(p.name) != parent.pid]
            time.sleep(0.05)
        assert len(workers) >= 2, "the workers did not start"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(_gone(pid) for pid in workers):
            time.sleep(0.05)
        left = [pid for pid in workers if not _gone(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert left == []
    finally:
        if parent.poll() is None:
            parent.kill()


_CELL = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                  st.just(0.0), st.just(-0.0), st.decimals(allow_nan=False, places=2),
                  st.sampled_from(["", " ", "是", "否", "１２３", "123", "1.0", "长春市", "（未填写）", "ＡＢＣ"]),
                  st.text(max_size=6))


@given(st.lists(st.tuples(st.dictionaries(st.sampled_from("abcd"), _CELL, max_size=4),
                          st.dictionaries(st.sampled_from("abcd"), _CELL, max_size=4),
                          st.dictionaries(st.sampled_from("xy"), _CELL, max_size=2)), max_size=8))
def test_shared_raw_cells_equal_the_cells_read(rows: list[tuple[dict, dict, dict]]) -> None:
    """`share_raw` leaves every cell's text, value and type as read (only which object holds an
    equal string changes), and shares each string of a file once."""
    records = [Record("A1", dict(values), "f.xlsx", "S", i, raw=dict(raw), extra=dict(extra))
               for i, (values, raw, extra) in enumerate(rows)]
    share_raw(records)

    def typed(cells: dict) -> list[tuple[str, type, str]]:  # repr tells 0.0 from -0.0 and NaN apart
        return [(k, type(v), repr(v)) for k, v in cells.items()]

    for record, (values, raw, extra) in zip(records, rows, strict=True):
        assert typed(record.values) == typed(values)
        assert typed(record.raw) == typed(raw)
        assert typed(record.extra) == typed(extra)
        assert list(record.raw) == list(raw) and list(record.extra) == list(extra)
    held = [v for r in records for cells in (r.raw, r.extra) for v in cells.values() if type(v) is str]
    assert len({id(v) for v in held}) == len(set(held))  # one object per text among the cells
    values = [v for r in records for v in r.values.values() if type(v) is str]
    assert all(id(v) in set(map(id, values)) for v in held if v in values)  # a value's own text


def test_the_read_cache_is_dropped_once_the_files_are_read() -> None:
    """What reading cached (toolkit/ingest/table.py) does not stay through the outputs."""
    from toolkit.ingest import table

    batch = process(load_pack("jl-761-2020"), [SAMPLES / "jl-761-2020"], jobs=1)
    assert batch.counts["rows_read"] > 0 and not table._MEMOS
