"""Per-file work across the machine's cores, results in input order.

Reading a workbook, mapping its header, normalising its values and checking its rows depend on
that file alone, so they run in worker processes; what spans files (a unit's resubmissions,
duplicates, 同一申报单位不超过2个项目) runs afterwards in the main process over every file's result.

Workers are forked: they inherit the loaded pack and the compiled checks without pickling them.
Where fork is not available (Windows), or the inbox is small, the work runs in this process: the
results are the same either way, in the same order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_FILES_PER_WORKER = 16  # below this, starting workers costs more than it saves
MAX_WORKERS = 8

_work: Callable[[Any], Any] | None = None  # the function workers run, set before forking


def default_jobs(n_items: int) -> int:
    """Workers worth starting for `n_items` files: `SHENBAO_JOBS` when set, else one per core
    (at most MAX_WORKERS) when there are enough files to share."""
    env = os.environ.get("SHENBAO_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    if not can_fork():
        return 1
    return max(1, min(cores(), MAX_WORKERS, n_items // MIN_FILES_PER_WORKER))


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run(item: Any) -> Any:
    assert _work is not None
    return _work(item)


def map_ordered(work: Callable[[T], R], items: Sequence[T], jobs: int | None = None,
                done: Callable[[int, T], None] | None = None) -> Iterator[R]:
    """`work(item)` for every item, yielded in the items' order; `done(i, item)` (1-based) is
    called in this process as each result arrives, for progress lines."""
    global _work
    jobs = default_jobs(len(items)) if jobs is None else jobs
    if jobs <= 1 or len(items) < 2 or not can_fork():
        for i, item in enumerate(items, 1):
            if done:
                done(i, item)
            yield work(item)
        return
    from concurrent.futures import ProcessPoolExecutor

    _work = work
    try:
        ctx = multiprocessing.get_context("fork")
        chunk = max(1, min(8, len(items) // (jobs * 8)))
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            for i, (item, result) in enumerate(zip(items, pool.map(_run, items, chunksize=chunk), strict=True), 1):
                if done:
                    done(i, item)
                yield result
    finally:
        _work = None


def run_tasks(tasks: Sequence[Callable[[], R]], jobs: int | None = None) -> list[R]:
    """Independent tasks (each writes its own output file) side by side, one per core; their
    results (small: paths, lines) in the tasks' order. `SHENBAO_JOBS=1` runs them here in turn."""
    if jobs is None:
        env = os.environ.get("SHENBAO_JOBS", "").strip()
        jobs = int(env) if env.isdigit() and int(env) > 0 else min(cores(), MAX_WORKERS)
    jobs = min(jobs, len(tasks))
    return list(map_ordered(lambda i: tasks[i](), list(range(len(tasks))), jobs))
