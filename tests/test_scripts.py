"""The scheduled-run example really runs: dated output folder, one log line per run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_scheduled_run_writes_a_dated_folder_and_a_log_line(tmp_path: Path) -> None:
    env = {**os.environ, "SHENBAO": f"{sys.executable} -m toolkit"}
    results = tmp_path / "结果"
    for _ in range(2):
        done = subprocess.run(["bash", str(REPO / "scripts" / "scheduled_run.sh"), str(REPO / "samples" / "jl-761-2020"),
                               str(results)], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stderr  # the samples hold rejected rows on purpose
    lines = (results / "shenbao.log").read_text(encoding="utf-8").splitlines()
    runs = [line for line in lines if "退出码=1" in line]
    assert len(runs) == 2 and all("读取43 通过34 未通过8" in line for line in runs)
    dated = [p for p in results.iterdir() if p.is_dir() and not p.is_symlink()]
    assert dated and all((p / "汇总表.xlsx").is_file() and (p / "result.json").is_file() for p in dated)
