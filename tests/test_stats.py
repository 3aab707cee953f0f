"""Figures of a batch (toolkit/stats.py) that the summary and the letter print."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Ten rejected projects, each failing two criteria: the two reasons tie at ten.
SCRIPT = """
import json
from toolkit.findings import Finding
from toolkit.ingest.records import Record
from toolkit.packs.loader import load_pack
from toolkit.pipeline import summary_annex
from toolkit.stats import compute_stats

pack = load_pack("jl-761-2020")
codes = [f"criteria.{c.id}" for c in pack.criteria][:2]
rejected = [(Record("projects", {"category": "人工智能"}, "a.xlsx", "Sheet1", row),
             [Finding(code, "error", "x", row=row) for code in codes]) for row in range(10)]
stats = compute_stats(pack, summary_annex(pack), [], rejected=rejected)
print(json.dumps([b.reasons for b in stats.rejected_by], ensure_ascii=False))
"""


def test_tied_rejection_reasons_keep_one_order_whatever_the_hash_seed() -> None:
    seen = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True).stdout
        seen.add(out)
    assert len(seen) == 1
    reasons = json.loads(seen.pop())[0]
    assert [count for _, count in reasons] == [10, 10]
    assert reasons[0][0] == "大数据中心项目大数据部分投资占50%以上"  # the first the findings name
