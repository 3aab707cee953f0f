#!/usr/bin/env python
"""What each fast path of toolkit/seams.py buys now: `shenbao run` timed with it and with its
plain reference (SHENBAO_REFERENCE=name), alternately, on the same inbox.

    python bench/seams.py [--sizes 100 600] [--repeat 5] [--mixed]

For each size and fast path, the run is timed `--repeat` times each way, in rounds (fast,
reference, fast, ...), and the medians of the wall time and of the CPU time (user + system of the
process and its workers, from os.wait4) are printed with their difference. The CPU time is the
steadier figure on a shared machine; the wall time is what a clerk waits. Each run's counts
(`--json`) must agree with the fast path's, or the script stops: a reference that changes the
result is a bug.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from run import PACK, inbox  # noqa: E402  (bench/run.py: the cached inboxes)

from toolkit.seams import SEAMS  # noqa: E402


def timed(folder: Path, reference: str) -> tuple[float, float, dict[str, object]]:
    out = Path(tempfile.mkdtemp(prefix="shenbao-seam-"))
    env = {**os.environ, "SHENBAO_REFERENCE": reference}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "run", PACK, str(folder), "-o", str(out / "o"),
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            cwd=HERE.parent)
    assert proc.stdout is not None
    printed = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    shutil.rmtree(out, ignore_errors=True)
    counts = json.loads(printed).get("counts", {})
    return wall, usage.ru_utime + usage.ru_stime, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 600])
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mixed", action="store_true", help="the mixed inbox (own layouts, .xls/.ods/.csv)")
    parser.add_argument("--only", nargs="+", choices=[s.name for s in SEAMS], help="these fast paths only")
    args = parser.parse_args(argv)
    print("| files | fast path | wall, fast | wall, reference | CPU, fast | CPU, reference | the fast path saves (CPU) |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        folder = inbox(n, args.rows, args.mixed)
        timed(folder, "")  # warm the page cache and the bytecode
        for seam in SEAMS:
            if args.only and seam.name not in args.only:
                continue
            runs: dict[str, list[tuple[float, float]]] = {"": [], seam.name: []}
            expected = None
            for _ in range(args.repeat):
                for reference in ("", seam.name):
                    wall, cpu, counts = timed(folder, reference)
                    if expected is None:
                        expected = counts
                    elif counts != expected:
                        raise SystemExit(f"{seam.name}: counts differ with the reference: {counts} != {expected}")
                    runs[reference].append((wall, cpu))
            fw, fc = (statistics.median(x) for x in zip(*runs[""], strict=True))
            rw, rc = (statistics.median(x) for x in zip(*runs[seam.name], strict=True))
            print(f"| {n:,} | {seam.name} | {fw:.2f} s | {rw:.2f} s | {fc:.2f} s | {rc:.2f} s | "
                  f"{rc - fc:+.2f} s ({(rc - fc) / rc:+.0%}) |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
