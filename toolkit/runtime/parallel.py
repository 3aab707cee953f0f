"""Per-file work across the machine's cores, results in input order.

Reading a workbook, mapping its header, normalising its values and checking its rows depend on
that file alone, so they are shared out: with forked workers the main process reads its share
beside them (`share=True`, one worker fewer than the cores), its results needing no pickling.
What spans files (a unit's resubmissions, duplicates, 同一申报单位不超过2个项目) runs afterwards
in the main process over every file's result. The output files are written by worker processes
too (`iter_tasks`), while the main process writes the letter.

Workers are forked where the system can (Linux, macOS): they inherit the loaded pack and the
compiled checks without pickling them. Where it cannot (Windows), a work function that lives at
module level with an `initializer` still runs in spawned workers, which start afresh and are
handed the pack once, so a large inbox is shared out there too (each such worker costs about half
a second to start, so more files a worker are needed first). A small inbox, or `SHENBAO_JOBS=1`,
runs in this process. The results are the same either way, in the same order.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

from toolkit.seams import reference

T = TypeVar("T")
R = TypeVar("R")

MIN_FILES_PER_WORKER = 16  # below this, starting workers costs more than it saves
MIN_FILES_PER_SPAWNED_WORKER = 64  # a spawned worker imports everything again first
MAX_WORKERS = 8
MIN_ROWS_FOR_TASKS = 2000  # output tasks of a smaller batch take less than starting a worker
START_METHOD: str | None = None  # None: fork where available, else spawn; tests set "spawn"

_work: Callable[[Any], Any] | None = None  # the function workers run, set before forking


def default_jobs(n_items: int, spawnable: bool = False) -> int:
    """Workers worth starting for `n_items` files: `SHENBAO_JOBS` when set, else one per core
    (at most MAX_WORKERS) when there are enough files to share."""
    if (chosen := _env_jobs()) is not None:
        return chosen
    method = start_method(spawnable)
    if method is None:
        return 1
    per_worker = MIN_FILES_PER_WORKER if method == "fork" else MIN_FILES_PER_SPAWNED_WORKER
    return max(1, min(cores(), MAX_WORKERS, n_items // per_worker))


def _env_jobs() -> int | None:
    """`SHENBAO_JOBS=N` (a whole number above 0) chooses the number of processes."""
    env = os.environ.get("SHENBAO_JOBS", "").strip()
    return int(env) if env.isdigit() and int(env) > 0 else None


def start_method(spawnable: bool) -> str | None:
    """How workers start: "fork", "spawn" (only for module-level work), or None (no workers)."""
    if START_METHOD is not None:
        return START_METHOD if START_METHOD == "fork" or spawnable else None
    if can_fork():
        return "fork"
    return "spawn" if spawnable else None


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Run first in every worker: when the process that started it dies (kill -9, a closed
    window), the worker ends too, instead of sleeping on for minutes with hundreds of MB.

    Linux: the kernel sends SIGKILL at the parent's death (prctl PR_SET_PDEATHSIG). Everywhere,
    also a thread that waits on the pipe multiprocessing keeps open to the parent (its other end
    closes when the parent dies, however it dies) and ends the worker then."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the pipe watch below still ends the worker
            pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)
    watched = multiprocessing.parent_process()
    if watched is not None:
        threading.Thread(target=_end_with, args=(watched,), daemon=True, name="shenbao-parent-watch").start()


def _end_with(parent: Any) -> None:
    parent.join()  # returns when the parent's end of the pipe is closed: it has exited
    os._exit(1)


def _start_spawned(parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def _run(item: Any) -> Any:
    assert _work is not None
    return _work(item)


def _run_chunk(items: Sequence[Any]) -> list[Any]:
    assert _work is not None
    return [_work(item) for item in items]


def map_ordered(work: Callable[[T], R], items: Sequence[T], jobs: int | None = None,
                done: Callable[[int, T], None] | None = None, *,
                initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = (),
                share: bool = False, ahead: int = 2) -> Generator[R, None, None]:
    """`work(item)` for every item, yielded in the items' order; `done(i, item)` (1-based) is
    called in this process as each result arrives, for progress lines.

    With an `initializer`, `work` must be a module-level function that finds what it needs where
    `initializer(*initargs)` put it (the caller runs it here too): then it can also run in spawned
    workers. Without one, `work` may be any function (a closure), run in forked workers only.
    With `share`, where workers are forked, this process is one of the `jobs`: it does its share
    of the items itself (`_map_sharing`) instead of only waiting for the workers' results, each
    worker holding `ahead` chunks queued."""
    global _work
    spawnable = initializer is not None
    method = start_method(spawnable)
    jobs = default_jobs(len(items), spawnable) if jobs is None else jobs
    if jobs <= 1 or len(items) < 2 or method is None:
        for i, item in enumerate(items, 1):
            if done:
                done(i, item)
            yield work(item)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    _work = work
    ctx = multiprocessing.get_context(method)
    forked = method == "fork"  # a forked worker inherits what the initializer set up here
    if share and forked and not reference("share"):  # SHENBAO_REFERENCE=share: the plain pool
        try:  # broken workers are handled inside: what it yielded is never yielded again
            yield from _map_sharing(work, items, jobs, done, max(1, min(8, len(items) // (jobs * 16))), ctx, ahead)
        finally:
            _work = None
        return
    chunk = max(1, min(8, len(items) // (jobs * 8)))
    finished = 0
    try:
        run: Callable[[Any], Any] = _run if forked else work
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_start_spawned,
                                 initargs=(os.getpid(), None if forked else initializer,
                                           () if forked else initargs)) as pool:
            for i, (item, result) in enumerate(zip(items, pool.map(run, items, chunksize=chunk), strict=True), 1):
                if done:
                    done(i, item)
                finished = i
                yield result
    except BrokenProcessPool:
        # A worker could not start or was killed (a frozen program, a virus scanner, memory):
        # what is left is done here, in turn, rather than the run failing.
        for i, item in enumerate(items[finished:], finished + 1):
            if done:
                done(i, item)
            yield work(item)
    finally:
        _work = None


def _map_sharing(work: Callable[[T], R], items: Sequence[T], jobs: int, done: Callable[[int, T], None] | None,
                 chunk: int, ctx: Any, ahead: int) -> Generator[R, None, None]:
    """`map_ordered` with `jobs - 1` forked workers and this process sharing the items. Each
    worker keeps `ahead` chunks queued: as soon as one of its chunks is done, the next is handed
    to it (from the pool's thread, by the chunk's done-callback, even while this process is in
    the middle of an item of its own), so that a worker never runs dry while items are left.
    This process takes the next item nobody has, one at a time, and both finish together. Its own
    results need no pickling. Results are yielded in the items' order. Should the workers break
    (killed, out of memory), what they had is done here."""
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    n = len(items)
    results: dict[int, R] = {}  # item index -> its result, until yielded
    queued: dict[Future[list[R]], int] = {}  # a worker's chunk -> the index of its first item
    busy: set[Future[list[R]]] = set()  # the chunks of `queued` not done yet
    lock = threading.RLock()  # `handed`, `queued`, `busy` and `state`: this thread and the pool's
    handed = 0  # items handed out, to a worker or to this process
    given = 0  # items yielded
    state = {"broken": False, "closing": False}

    def top_up(pool: ProcessPoolExecutor) -> None:
        """Hands the workers chunks until each has `ahead` not done (the lock held)."""
        nonlocal handed
        while not state["broken"] and not state["closing"] and len(busy) < ahead * (jobs - 1) and handed < n:
            try:
                future = pool.submit(_run_chunk, items[handed:handed + chunk])
            except BrokenProcessPool:  # the pool noticed a dead worker first
                state["broken"] = True
                return
            except RuntimeError:  # shutting down: this process is done or failing
                state["closing"] = True
                return
            queued[future] = handed
            busy.add(future)
            handed = min(handed + chunk, n)
            future.add_done_callback(lambda f: finished(f, pool))

    def finished(future: Future[list[R]], pool: ProcessPoolExecutor) -> None:
        with lock:
            busy.discard(future)
            top_up(pool)

    with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=ctx, initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        try:
            while given < n:
                with lock:
                    top_up(pool)
                    ready = [f for f in queued if f.done()]
                    starts = [queued.pop(f) for f in ready]
                for future, first in zip(ready, starts, strict=True):
                    try:
                        results.update(enumerate(future.result(), first))
                    except BrokenProcessPool:
                        with lock:
                            state["broken"] = True
                while given in results:
                    if done:
                        done(given + 1, items[given])
                    given += 1
                    yield results.pop(given - 1)
                if given >= n:
                    break
                with lock:
                    if state["broken"] or (handed >= n and not queued):
                        mine = given  # an item a broken worker had
                    elif handed < n:
                        mine = handed
                        handed += 1
                    else:
                        mine = -1
                        waiting = list(queued)
                if mine >= 0:
                    results[mine] = work(items[mine])
                else:
                    wait(waiting, return_when=FIRST_COMPLETED)
        finally:
            with lock:
                state["closing"] = True


def run_tasks(tasks: Sequence[Callable[[], R]], rows: int, jobs: int | None = None, *,
              share: bool = False, ahead: int = 2) -> list[R]:
    """Independent tasks (each writes its own output file) for a batch of `rows` projects; their
    results (small: paths, lines) in the tasks' order. Side by side, one per core, when the batch
    has MIN_ROWS_FOR_TASKS rows or more; in turn here otherwise, or with `SHENBAO_JOBS=1`.
    `share`: see `iter_tasks`."""
    return list(iter_tasks(tasks, rows, jobs, share=share, ahead=ahead))


def iter_tasks(tasks: Sequence[Callable[[], R]], rows: int, jobs: int | None = None, *,
               share: bool = False, ahead: int = 2) -> Generator[R, None, None]:
    """`run_tasks`, each result yielded as soon as it and those before it are done, so that this
    process can use the first ones while the workers go on with the rest. In turn (the small
    batch), each task runs when its result is asked for.

    With `share` (where workers are forked), this process runs tasks itself beside `jobs - 1`
    workers (`_map_sharing`), instead of waiting on `jobs` of them: each forked worker that walks
    the batch makes its own copy of every page it touches (CPython writes reference counts into
    the objects), so a worker fewer is a copy of the batch fewer (3,000 files: ~600 MiB). Give
    the largest tasks first: the workers are handed the first ones, `ahead` each at once (two:
    a worker never waits for this process to finish a task of its own before its next; one,
    for a first task as long as the others together, which the worker then writes alone)."""
    if rows < MIN_ROWS_FOR_TASKS:
        return (task() for task in tasks)
    if jobs is None:
        jobs = _env_jobs() or min(cores(), MAX_WORKERS)
    jobs = min(jobs, len(tasks))
    return map_ordered(_task_runner(tasks), list(range(len(tasks))), jobs, share=share, ahead=ahead)


def _task_runner(tasks: Sequence[Callable[[], R]]) -> Callable[[int], R]:
    def run(i: int) -> R:
        return tasks[i]()

    return run
