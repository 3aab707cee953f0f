"""The benchmark's inbox generator writes what a real inbox holds, read as such by the toolkit
(the benchmark itself is run on demand: `python bench/run.py`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from toolkit.merge.pipeline import process
from toolkit.packs.loader import load_pack

ROOT = Path(__file__).resolve().parents[1]


def _generate_module():
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_generated_inbox_reads_as_template_copies_own_layouts_bad_rows_and_duplicates(tmp_path: Path) -> None:
    generate = _generate_module()
    files = generate.generate(66, tmp_path / "inbox", rows_per_file=8)
    assert len(files) == 66
    batch = process(load_pack("jl-761-2020"), [tmp_path / "inbox"], jobs=1)
    assert [f.status for f in batch.ingested.files] == ["ok"] * 66
    versions = [f.template_version for f in batch.ingested.files]
    assert versions.count(None) == 2  # files 33 and 66: a county's own layout
    counts = batch.counts
    assert counts["rows_read"] == sum(f.rows for f in batch.ingested.files) > 66 * 3
    assert counts["rejected"] > 0 and counts["duplicates_merged"] > 0 and counts["suspected_duplicates"] > 0
    assert counts["rows_read"] == counts["accepted"] + counts["rejected"] + counts["duplicates_merged"]


def test_the_mixed_inbox_is_read_whole_in_every_layout(tmp_path: Path) -> None:
    """bench/generate.py --mixed: half own layouts (other orders, titles, units, two-level
    headers), a .xls (LibreOffice, when installed) and a .csv; every file read, every row counted."""
    import shutil

    generate = _generate_module()
    files = generate.generate(32, tmp_path / "inbox", rows_per_file=6, mixed_layouts=True)
    suffixes = [f.suffix for f in files]
    assert suffixes[30] == ".csv"
    assert suffixes[9] == (".xls" if shutil.which("soffice") else ".xlsx") and suffixes[19] in (".ods", ".xlsx")
    batch = process(load_pack("jl-761-2020"), [tmp_path / "inbox"], jobs=1)
    assert [f.status for f in batch.ingested.files] == ["ok"] * 32
    own = [f for f in batch.ingested.files if f.template_version is None]
    assert len(own) >= 16  # the even files, and the .csv
    counts = batch.counts
    assert counts["rows_read"] == sum(f.rows for f in batch.ingested.files) >= 32 * 1
    assert counts["rows_read"] == counts["accepted"] + counts["rejected"] + counts["duplicates_merged"]
    # Own layouts' amounts in 亿元 or 元 are read back in 万元: the totals stay those of the rows.
    assert counts["rejected"] <= counts["rows_read"] // 10
