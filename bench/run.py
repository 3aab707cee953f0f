#!/usr/bin/env python
"""Time `shenbao run` against the cost of just reading and writing the same files.

    python bench/run.py --sizes 100 600 1000 3000 [--rows 50] [--repeat 3] [--keep] [--no-pandas] [--mixed]

For each size an inbox is generated (bench/generate.py, cached under bench/.inboxes/) and, in one
run of this script, each of these is timed in its own subprocess, so its peak memory (max RSS,
from os.wait4) is its own:

- read floor:  python-calamine reading every cell of every sheet of every file;
- write floor: xlsxwriter (constant_memory) writing each file's table rows once, x 25 columns;
- shenbao:     `shenbao run` end to end (summary, report, return copies, letter, manifest);
- pandas:      pandas.read_excel(engine="openpyxl") of every file + concat + to_excel;
- pandas+calamine: the strongest script a user would write: pandas.read_excel(engine="calamine")
               (read_csv for .csv) + concat + to_excel(engine="xlsxwriter");
- honest floor: the same files read with calamine on all cores, plus the cells `run` wrote (every
               output workbook's sheets, rows and columns, counted after its first run) written with
               plain xlsxwriter constant_memory on all cores.

`--mixed` measures the mixed inbox (bench/generate.py --mixed: half own layouts, a few
.xls/.ods/.csv) instead of the template copies. Memory is reported twice: the largest single
process's max RSS (os.wait4), and the peak PSS of the whole process tree (main process and
workers, sampled from /proc every 20 ms in one more run of its own, untimed: sampling slows the
process it reads; PSS shares pages the processes share).

Each is run `--repeat` times, in rounds (read, write, shenbao, pandas, then again), and its
median time is reported (peak memory: the largest of its runs): on a shared machine one run of the
same command can be 15 % slower than the next, and a ratio of two single runs inherits both.

Prints a table with the ratios and writes bench/RESULTS.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACK = "jl-761-2020"

READ_FLOOR = r"""
import sys, json
from pathlib import Path
from typing import Any
from python_calamine import CalamineWorkbook
rows = cells = table_rows = 0
for p in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix in (".xlsx", ".xls", ".ods")):
    with CalamineWorkbook.from_path(str(p)) as book:
        longest = 0
        for name in book.sheet_names:
            data = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            rows += len(data)
            longest = max(longest, len(data))
            for r in data:
                cells += len(r)
        table_rows += longest  # the sheet that holds the table: its rows are what gets written
print(json.dumps({"rows": rows, "cells": cells, "table_rows": table_rows}))
"""

WRITE_FLOOR = r"""
import sys
import xlsxwriter
rows, cols = int(sys.argv[2]), int(sys.argv[3])
wb = xlsxwriter.Workbook(sys.argv[1], {"constant_memory": True})
ws = wb.add_worksheet()
row = ["长春市南关区政务云扩容项目", 1200.5, "2020-07", "是", "中国移动通信集团吉林有限公司长春分公司"]
for r in range(rows):
    for c in range(cols):
        ws.write(r, c, row[c % len(row)])
wb.close()
"""

READ_PARALLEL = r"""
import os, sys, csv, json
from multiprocessing import Pool
from pathlib import Path
from python_calamine import CalamineWorkbook

def read(p):
    cells = 0
    if p.suffix == ".csv":
        with open(p, encoding="utf-8-sig", newline="") as f:
            return sum(len(r) for r in csv.reader(f))
    with CalamineWorkbook.from_path(str(p)) as book:
        for name in book.sheet_names:
            for r in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
                cells += len(r)
    return cells

if __name__ == "__main__":
    files = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix in (".xlsx", ".xls", ".ods", ".csv"))
    with Pool(os.cpu_count()) as pool:
        print(json.dumps({"cells": sum(pool.map(read, files, chunksize=8))}))
"""

# Writes what `run` wrote: argv[1] a JSON list of workbooks, each a list of (rows, cols) per sheet.
WRITE_PARALLEL = r"""
import os, sys, json, tempfile
from multiprocessing import Pool
import xlsxwriter

ROW = ["长春市南关区政务云扩容项目", 1200.5, "2020-07", "是", "中国移动通信集团吉林有限公司长春分公司"]

def write(job):
    i, sheets, folder = job
    wb = xlsxwriter.Workbook(os.path.join(folder, f"{i}.xlsx"), {"constant_memory": True})
    for rows, cols in sheets:
        ws = wb.add_worksheet()
        for r in range(rows):
            for c in range(cols):
                ws.write(r, c, ROW[c % len(ROW)])
    wb.close()

if __name__ == "__main__":
    books = json.load(open(sys.argv[1]))
    with tempfile.TemporaryDirectory() as folder, Pool(os.cpu_count()) as pool:
        pool.map(write, [(i, b, folder) for i, b in enumerate(books)], chunksize=1)
"""

PANDAS_CALAMINE = r"""
import sys, warnings
from pathlib import Path
import pandas as pd
warnings.simplefilter("ignore")
frames = []
for p in sorted(Path(sys.argv[1]).rglob("*")):
    if p.suffix == ".csv":
        frames.append(pd.read_csv(p, header=None))
    elif p.suffix in (".xlsx", ".xls", ".ods"):
        frames.append(pd.read_excel(p, sheet_name=0, engine="calamine", header=None))
pd.concat(frames, ignore_index=True).to_excel(sys.argv[2], index=False, engine="xlsxwriter")
"""

PANDAS = r"""
import sys, warnings
from pathlib import Path
from typing import Any
import pandas as pd
warnings.simplefilter("ignore")
frames = []
for p in sorted(Path(sys.argv[1]).rglob("*.xlsx")):
    frames.append(pd.read_excel(p, sheet_name=0, engine="openpyxl", header=None))
pd.concat(frames, ignore_index=True).to_excel(sys.argv[2], index=False)
"""


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """The peak PSS of a process and its descendants, sampled every 20 ms while it runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib = pid, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak_kib = max(self.peak_kib, sum(map(_pss_kib, _tree(self.pid))))
            self.done.wait(0.02)


def child(argv: list[str], sample: bool = False) -> tuple[float, float, str, float]:
    """Run one measurement: (seconds, peak RSS of its largest process in MiB, stdout, peak PSS of
    its process tree in MiB; 0 unless `sample`, or where /proc has no smaps_rollup).

    Sampling is for a run of its own, never a timed one: reading smaps_rollup walks the whole
    address space under the process's memory lock, every 20 ms, for each process of the tree,
    and made `run` take twice as long (600 mixed files: 20.7-25.4 s sampled, 11.3 s not)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        sampler = TreeSampler(proc.pid)
        if sample:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if sample:
            sampler.done.set()
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    rss = usage.ru_maxrss / 1024  # KiB on Linux
    if proc.returncode not in (0, 1):  # shenbao exits 1 when some rows are rejected
        raise SystemExit(f"{argv[:4]} failed with exit code {proc.returncode}")
    return seconds, rss, text, sampler.peak_kib / 1024


def written_shapes(out: Path) -> list[list[tuple[int, int]]]:
    """What `run` wrote: for each output workbook, each sheet's (rows, columns)."""
    from python_calamine import CalamineWorkbook

    books = []
    for path in sorted(out.rglob("*.xlsx")):
        with CalamineWorkbook.from_path(str(path)) as book:
            sheets = []
            for name in book.sheet_names:
                rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                sheets.append((len(rows), max((len(r) for r in rows), default=0)))
        books.append(sheets)
    return books


def inbox_folder(n: int, rows: int, mixed: bool) -> Path:
    return HERE / ".inboxes" / f"{n}x{rows}{'-mixed' if mixed else ''}"


def inbox(n: int, rows: int, mixed: bool = False) -> Path:
    folder = inbox_folder(n, rows, mixed)
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(folder), "--rows", str(rows),
                        *(["--mixed"] if mixed else [])], check=True)
        marker.write_text("ok")
    return folder


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = []
    for mod in ("toolkit", "python_calamine", "xlsxwriter", "openpyxl", "pandas"):
        try:
            from importlib.metadata import version

            name = {"toolkit": "shenbao", "python_calamine": "python-calamine"}.get(mod, mod)
            versions.append(f"{name} {version(name)}")
        except Exception:
            pass
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "ram": ram, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "versions": ", ".join(versions)}


def measure(n: int, rows: int, pandas: bool, repeat: int = 1, mixed: bool = False) -> dict[str, Any]:
    import json

    folder = inbox(n, rows, mixed)
    py = sys.executable
    res: dict[str, Any] = {"files": n, "mixed": mixed}
    times: dict[str, list[float]] = {}
    peaks: dict[str, list[float]] = {}
    trees: dict[str, list[float]] = {}

    def timed(key: str, argv: list[str]) -> str:
        t, m, text, _ = child(argv)
        times.setdefault(key, []).append(t)
        peaks.setdefault(key, []).append(m)
        return text

    def sampled(key: str, argv: list[str]) -> None:
        """One more run, its process tree's PSS sampled (not timed: sampling slows it)."""
        trees[key] = [child(argv, sample=True)[3]]

    with tempfile.TemporaryDirectory(prefix="shenbao-bench-") as tmp:
        shapes = Path(tmp, "shapes.json")
        for round_ in range(max(1, repeat)):
            counts = json.loads(timed("read", [py, "-c", READ_FLOOR, str(folder)]))
            res["rows"] = counts["table_rows"]
            timed("write", [py, "-c", WRITE_FLOOR, str(Path(tmp, "floor.xlsx")), str(counts["table_rows"]), "25"])
            # A new output folder each round: into the last round's, run would be a rerun, which
            # reads the clerk's decisions back from the summary it finds there first.
            out = Path(tmp, f"out-{round_}")
            timed("run", [py, "-m", "toolkit", "run", PACK, str(folder), "-o", str(out), "--json"])
            if not shapes.exists():  # what run writes is the same every round
                books = written_shapes(out)
                shapes.write_text(json.dumps(books))
                res["cells_written"] = sum(r * c for book in books for r, c in book)
            shutil.rmtree(out, ignore_errors=True)
            timed("read_all_cores", [py, "-c", READ_PARALLEL, str(folder)])
            timed("write_all_cores", [py, "-c", WRITE_PARALLEL, str(shapes)])
            timed("pandas_calamine", [py, "-c", PANDAS_CALAMINE, str(folder), str(Path(tmp, "pandas-calamine.xlsx"))])
            if pandas:
                timed("pandas", [py, "-c", PANDAS, str(folder), str(Path(tmp, "pandas.xlsx"))])
        sampled("run", [py, "-m", "toolkit", "run", PACK, str(folder), "-o", str(Path(tmp, "out-pss")), "--json"])
    for key in times:
        res[f"{key}_s"] = statistics.median(times[key])
        res[f"{key}_mb"] = max(peaks[key])
        res[f"{key}_pss"] = max(trees.get(key, [0.0]))
        res[f"{key}_all"] = times[key]
    return res


def _s(r: dict[str, Any], key: str) -> str:
    return f"{r[key + '_s']:.2f}" if f"{key}_s" in r else "–"


def _ratio(r: dict[str, Any], top: str, bottom: float) -> str:
    return f"{r[top + '_s'] / bottom:.2f}×" if f"{top}_s" in r else "–"


def table(results: list[dict[str, Any]]) -> str:
    head = ("| inbox | files | rows | I/O floor s (1 core) | honest floor s (all cores) | shenbao run s "
            "| run / floor | run / honest floor | pandas+openpyxl s | pandas / run | pandas+calamine s "
            "| pandas+calamine / run | peak RSS MiB (largest process) | peak PSS MiB (process tree) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        floor = r["read_s"] + r["write_s"]
        honest = r["read_all_cores_s"] + r["write_all_cores_s"]
        run = r["run_s"]
        lines.append(
            f"| {'mixed' if r.get('mixed') else 'template'} | {int(r['files']):,} | {int(r['rows']):,} | {floor:.2f} "
            f"| {honest:.2f} | {run:.2f} | {run / floor:.2f}× | {run / honest:.2f}× | {_s(r, 'pandas')} "
            f"| {_ratio(r, 'pandas', run)} | {_s(r, 'pandas_calamine')} | {_ratio(r, 'pandas_calamine', run)} "
            f"| {r['run_mb']:.0f} | {r['run_pss']:.0f} |"
        )
    return "\n".join(lines)


def spreads(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        parts = [f"{key} " + ", ".join(f"{t:.2f}" for t in r[f"{key}_all"])
                 for key in ("read", "write", "read_all_cores", "write_all_cores", "run", "pandas", "pandas_calamine")
                 if f"{key}_all" in r]
        lines.append(f"- {'mixed' if r.get('mixed') else 'template'}, {int(r['files']):,} files: " + "; ".join(parts))
    return "\n".join(lines)


def verdicts(results: list[dict[str, Any]]) -> list[str]:
    """Each target against the sizes measured: issue 8's on the template inbox, issue 22's on the
    mixed inbox (honest floor, pandas+calamine, the process tree's PSS)."""
    lines = []
    for r in results:
        n, run = int(r["files"]), r["run_s"]
        floor, honest = r["read_s"] + r["write_s"], r["read_all_cores_s"] + r["write_all_cores_s"]
        if not r.get("mixed"):
            if n in (600, 1000):
                lines.append(f"- template, {n:,} files: run / floor {run / floor:.1f}× (≤ 2.5×): "
                             f"{'met' if run / floor <= 2.5 else 'NOT met'}")
            if r.get("pandas_s"):
                faster = r["pandas_s"] / run
                lines.append(f"- template, {n:,} files: pandas+openpyxl / run {faster:.2f}× (≥ 3×): "
                             f"{'met' if faster >= 3 else 'NOT met'}")
            continue
        if n in (600, 1000):
            lines.append(f"- mixed, {n:,} files: run / honest floor {run / honest:.2f}× (≤ 1.3×): "
                         f"{'met' if run / honest <= 1.3 else 'NOT met'}")
            faster = r["pandas_calamine_s"] / run
            lines.append(f"- mixed, {n:,} files: pandas+calamine / run {faster:.2f}× (≥ 3×): "
                         f"{'met' if faster >= 3 else 'NOT met'}")
        if n == 3000:
            ok = run < 30 and r["run_pss"] < 1536
            lines.append(f"- mixed, 3,000 files: {run:.0f} s and {r['run_pss']:,.0f} MiB PSS (< 30 s, < 1.5 GiB): "
                         f"{'met' if ok else 'NOT met'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="shenbao benchmark: run vs. the read/write floors vs. pandas")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 600, 1000, 3000])
    parser.add_argument("--rows", type=int, default=50, help="projects per workbook (±5)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas+openpyxl script (slow)")
    parser.add_argument("--keep", action="store_true", help="keep the generated inboxes in bench/.inboxes")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the median is reported")
    parser.add_argument("--inbox", choices=["template", "mixed", "both"], default="both",
                        help="template copies (as before), the mixed inbox (half own layouts), or both")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    # shenbao's bytecode compiled once, as pip does when it installs a package: the pandas side's
    # packages have theirs, and where PYTHONDONTWRITEBYTECODE is set (or the checkout is editable
    # and fresh) every `shenbao run` would otherwise compile the toolkit again first.
    compileall.compile_dir(str(ROOT / "toolkit"), quiet=1)
    kinds = {"template": [False], "mixed": [True], "both": [False, True]}[args.inbox]
    results = []
    for mixed in kinds:
        for n in args.sizes:
            r = measure(n, args.rows, not args.no_pandas, args.repeat, mixed)
            results.append(r)
            print(table([r]).splitlines()[-1], flush=True)
            if not args.keep:
                shutil.rmtree(inbox_folder(n, args.rows, mixed), ignore_errors=True)
    text = table(results)
    print()
    print(text)
    info = machine()
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = f"""# Benchmark results

`python bench/run.py --sizes {' '.join(map(str, args.sizes))} --rows {args.rows} --repeat {args.repeat} --inbox {args.inbox}` on {now}.

Machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}, Python {info['python']}.
Versions: {info['versions']}.

Inboxes (bench/generate.py, pack {PACK}, ~{args.rows} projects per workbook, ~1 % bad rows, a few
duplicates): *template*, copies of the pack's template with ~3 % own layouts; *mixed*, half the
files in counties' own layouts (title lines, two-level headers, other column orders and titles,
amounts in 万元/亿元/元) and of every hundred one .xls, one .ods and one .csv.

What each comparator does:
- I/O floor (1 core): python-calamine reading every cell in one process, plus xlsxwriter
  constant_memory writing each file's table rows once × 25 columns in one process. Not a floor
  for `run`, which uses every core and writes more (kept for comparison with earlier results).
- honest floor (all cores): the same files read with python-calamine on every core, plus the
  cells `run` wrote (every output workbook's sheets, rows and columns) written with plain
  xlsxwriter constant_memory on every core. It checks nothing.
- pandas+openpyxl: read_excel(engine="openpyxl") of every .xlsx (it cannot read .xls/.ods without
  more packages; .csv is left out), concat, to_excel. No checks, one sheet.
- pandas+calamine: the strongest script a user would write: read_excel(engine="calamine") of
  every .xlsx/.xls/.ods and read_csv, concat, to_excel(engine="xlsxwriter"). No checks, no
  header mapping (own layouts' columns do not line up), one sheet.
- shenbao run: everything (headers mapped, values normalised, every rule, dedupe, the summary and
  its department splits, the report, return copies, the letter, the manifest).
Memory: peak RSS of the largest single process (os.wait4), and peak PSS of the whole process
tree (main process and workers, sampled every 20 ms from /proc in one more run of `run`, not
timed: sampling slowed the timed runs twofold).

{text}

Each time is the median of {args.repeat} run(s), taken in rounds; every run's time, in seconds:

{spreads(results)}

Targets: template inbox (issue 8): run / floor ≤ 2.5× at 600 and 1,000 files, pandas+openpyxl / run
≥ 3×. Mixed inbox (issue 22): run ≤ 1.3× the honest floor and ≥ 3× faster than pandas+calamine at
600 and 1,000 files; 3,000 files in < 30 s and < 1.5 GiB PSS for the process tree.

{chr(10).join(verdicts(results))}
"""
    args.results.write_text(body, encoding="utf-8")
    print(f"\nwrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
