#!/usr/bin/env python
"""Time `shenbao run` against the cost of just reading and writing the same files.

    python bench/run.py --sizes 100 600 1000 3000 [--rows 50] [--repeat 3] [--keep] [--no-pandas]

For each size an inbox is generated (bench/generate.py, cached under bench/.inboxes/) and, in one
run of this script, each of these is timed in its own subprocess, so its peak memory (max RSS,
from os.wait4) is its own:

- read floor:  python-calamine reading every cell of every sheet of every file;
- write floor: xlsxwriter (constant_memory) writing each file's table rows once, x 25 columns;
- shenbao:     `shenbao run` end to end (summary, report, return copies, letter, manifest);
- pandas:      pandas.read_excel(engine="openpyxl") of every file + concat + to_excel.

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
for p in sorted(Path(sys.argv[1]).rglob("*.xlsx")):
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


def child(argv: list[str]) -> tuple[float, float, str]:
    """Run one measurement: (seconds, peak RSS in MiB, stdout)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    rss = usage.ru_maxrss / 1024  # KiB on Linux
    if proc.returncode not in (0, 1):  # shenbao exits 1 when some rows are rejected
        raise SystemExit(f"{argv[:4]} failed with exit code {proc.returncode}")
    return seconds, rss, text


def inbox(n: int, rows: int) -> Path:
    folder = HERE / ".inboxes" / f"{n}x{rows}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(folder), "--rows", str(rows)], check=True)
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


def measure(n: int, rows: int, pandas: bool, repeat: int = 1) -> dict[str, Any]:
    folder = inbox(n, rows)
    py = sys.executable
    res: dict[str, Any] = {"files": n}
    times: dict[str, list[float]] = {}
    peaks: dict[str, list[float]] = {}

    def timed(key: str, argv: list[str]) -> str:
        t, m, text = child(argv)
        times.setdefault(key, []).append(t)
        peaks.setdefault(key, []).append(m)
        return text

    with tempfile.TemporaryDirectory(prefix="shenbao-bench-") as tmp:
        for _ in range(max(1, repeat)):
            import json

            counts = json.loads(timed("read", [py, "-c", READ_FLOOR, str(folder)]))
            res["rows"] = counts["table_rows"]
            timed("write", [py, "-c", WRITE_FLOOR, str(Path(tmp, "floor.xlsx")), str(counts["table_rows"]), "25"])
            out = Path(tmp, "out")
            timed("run", [py, "-m", "toolkit", "run", PACK, str(folder), "-o", str(out), "--json"])
            if pandas:
                timed("pandas", [py, "-c", PANDAS, str(folder), str(Path(tmp, "pandas.xlsx"))])
    for key in times:
        res[f"{key}_s"] = statistics.median(times[key])
        res[f"{key}_mb"] = max(peaks[key])
        res[f"{key}_all"] = times[key]
    return res


def table(results: list[dict[str, Any]]) -> str:
    head = ("| files | rows | read floor s | write floor s | I/O floor s | shenbao run s | run / floor "
            "| pandas s | pandas / run | peak MiB (run) | peak MiB (pandas) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        floor = r["read_s"] + r["write_s"]
        pandas = r.get("pandas_s")
        p_s = f"{pandas:.2f}" if pandas else "–"
        p_ratio = f"{pandas / r['run_s']:.2f}×" if pandas else "–"
        p_mb = f"{r['pandas_mb']:.0f}" if pandas else "–"
        lines.append(
            f"| {int(r['files']):,} | {int(r['rows']):,} | {r['read_s']:.2f} | {r['write_s']:.2f} | {floor:.2f} "
            f"| {r['run_s']:.2f} | {r['run_s'] / floor:.1f}× | {p_s} | {p_ratio} | {r['run_mb']:.0f} | {p_mb} |"
        )
    return "\n".join(lines)


def spreads(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        parts = [f"{key} " + ", ".join(f"{t:.2f}" for t in r[f"{key}_all"])
                 for key in ("read", "write", "run", "pandas") if f"{key}_all" in r]
        lines.append(f"- {int(r['files']):,} files: " + "; ".join(parts))
    return "\n".join(lines)


def verdicts(results: list[dict[str, Any]]) -> list[str]:
    """Each target of issue 8 against the sizes measured: met or not, with the figure."""
    lines = []
    for r in results:
        n, floor = int(r["files"]), r["read_s"] + r["write_s"]
        ratio = r["run_s"] / floor
        if n in (600, 1000):
            lines.append(f"- {n:,} files: run / floor {ratio:.1f}× (≤ 2.5×): {'met' if ratio <= 2.5 else 'NOT met'}")
        if r.get("pandas_s"):
            faster = r["pandas_s"] / r["run_s"]
            lines.append(f"- {n:,} files: pandas / run {faster:.2f}× (≥ 3×): {'met' if faster >= 3 else 'NOT met'}")
        if n == 3000:
            ok = r["run_s"] < 60 and r["run_mb"] < 2048
            lines.append(f"- 3,000 files: {r['run_s']:.0f} s and {r['run_mb']:,.0f} MiB (< 60 s, < 2 GiB): "
                         f"{'met' if ok else 'NOT met'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="shenbao benchmark: run vs. the read/write floor vs. pandas")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 600, 1000, 3000])
    parser.add_argument("--rows", type=int, default=50, help="projects per workbook (±5)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas+openpyxl script (slow)")
    parser.add_argument("--keep", action="store_true", help="keep the generated inboxes in bench/.inboxes")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the median is reported")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    # shenbao's bytecode compiled once, as pip does when it installs a package: the pandas side's
    # packages have theirs, and where PYTHONDONTWRITEBYTECODE is set (or the checkout is editable
    # and fresh) every `shenbao run` would otherwise compile the toolkit again first.
    compileall.compile_dir(str(ROOT / "toolkit"), quiet=1)
    results = []
    for n in args.sizes:
        r = measure(n, args.rows, not args.no_pandas, args.repeat)
        results.append(r)
        print(table([r]).splitlines()[-1], flush=True)
        if not args.keep:
            shutil.rmtree(HERE / ".inboxes" / f"{n}x{args.rows}", ignore_errors=True)
    text = table(results)
    print()
    print(text)
    info = machine()
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = f"""# Benchmark results

`python bench/run.py --sizes {' '.join(map(str, args.sizes))} --rows {args.rows} --repeat {args.repeat}` on {now}.

Machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}, Python {info['python']}.
Versions: {info['versions']}.

Inbox: bench/generate.py, pack {PACK}, ~{args.rows} projects per workbook (template copies, ~3 % own
layouts, ~1 % bad rows, a few duplicates). I/O floor = read floor (python-calamine, every cell) +
write floor (xlsxwriter constant_memory writing each file's table rows once, × 25 columns, the
template's width). Peak memory is each subprocess's max RSS (for shenbao run, the largest of
its process and its worker processes).

{text}

Each time is the median of {args.repeat} run(s), taken in rounds; every run's time, in seconds:

{spreads(results)}

Targets: run / floor ≤ 2.5× at 600 and 1,000 files; pandas / run ≥ 3×; 3,000 files in < 60 s and < 2 GiB.

{chr(10).join(verdicts(results))}
"""
    args.results.write_text(body, encoding="utf-8")
    print(f"\nwrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
