"""The fast paths that reach past a library's public surface, each with its plain reference.

Every speed-up that edits another library's behaviour, or the interpreter's, is named here, with
what it replaces and how it is held to that reference. `SHENBAO_REFERENCE` (a comma-separated list
of the names below, or `all`) runs the plain reference instead, for a benchmark
(`bench/seams.py`) or to rule a fast path out when something looks wrong; outputs are the same
either way (checked there, and by the tests named in each entry). bench/README.md says what each
fast path buys now, as measured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Seam:
    name: str
    where: str  # the module that holds the fast path
    fast: str  # what it does
    reference: str  # what runs instead under SHENBAO_REFERENCE
    held_by: str  # the tests that pin the fast path to its reference


SEAMS = (
    Seam("share", "toolkit/runtime/parallel.py",
         "the main process reads its share of the files beside the forked workers (`_map_sharing`), "
         "and writes output files beside one worker fewer (`iter_tasks(share=True)`: a forked worker "
         "copies the pages of the batch it walks, so one fewer is a copy of the batch fewer)",
         "a ProcessPoolExecutor of workers, the main process only waiting for their results",
         "tests/test_parallel.py (order, progress, failures, a dying worker, either way) and "
         "tests/test_seams.py (the output tasks either way)"),
    Seam("exit", "toolkit/cli.py",
         "the console process ends with os._exit after flushing, the finished batch left alive",
         "the interpreter's ordinary exit: the batch freed object by object, modules torn down",
         "tests/test_cli.py (the pipe flushed first) and tests/test_seams.py (same output and code either way)"),
    Seam("lean", "toolkit/runtime/lean.py",
         "the CEL bindings imported without their interactive shell (cel.cli: typer, rich, …)",
         "`import cel`, the whole package",
         "tests/test_lean.py"),
)
NAMES = frozenset(s.name for s in SEAMS)


def reference(name: str) -> bool:
    """Whether `SHENBAO_REFERENCE` asks for the plain reference of the fast path `name`."""
    if name not in NAMES:
        raise KeyError(f"no fast path named {name!r}: {sorted(NAMES)}")
    chosen = {part.strip() for part in os.environ.get("SHENBAO_REFERENCE", "").split(",") if part.strip()}
    return "all" in chosen or name in chosen
