"""One return-copy interface (toolkit/outputs/returns.py `make_copy`): a copy made another way than the
best one for its file is never silent. Each way that failed and why, and what the clerk's copy
lacks, come back as a `file.return-fallback` warning in the findings, the 校验报告 and run's JSON."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner

from tests.test_returns import styled_county
from toolkit.cli import cli
from toolkit.merge.pipeline import process
from toolkit.outputs import returns_xml
from toolkit.outputs.returns import LIST_SHEET, make_copy, return_jobs, write_returns
from toolkit.packs.loader import load_pack
from toolkit.packs.source import builtin_root

PACK = load_pack("jl-761-2020")
SCHEMA = json.loads((builtin_root() / "run-result.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def patcher_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The part-by-part patcher fails on every file as a damaged zip makes it fail."""
    def broken(*_: Any, **__: Any) -> Path:
        raise zipfile.BadZipFile("Bad CRC-32 for file 'xl/media/image1.png'")

    monkeypatch.setattr(returns_xml, "patch_workbook", broken)


def inbox(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    styled_county(tmp_path / "in" / "南关区.xlsx")
    return tmp_path / "in"


def test_the_best_way_makes_no_warning(tmp_path: Path) -> None:
    batch = process(PACK, [inbox(tmp_path)])
    (job,) = return_jobs(batch, tmp_path / "out")
    made = make_copy(PACK, job.report, job.findings, job.target)
    assert made.kind == "patched" and made.fallback is None and made.path.exists()


def test_patcher_failing_falls_back_to_openpyxl_and_says_so(tmp_path: Path, patcher_fails: None) -> None:
    batch = process(PACK, [inbox(tmp_path)])
    (job,) = return_jobs(batch, tmp_path / "out")
    made = make_copy(PACK, job.report, job.findings, job.target)
    assert made.kind == "copied" and made.path == job.target
    assert made.fallback is not None and made.fallback.code == "file.return-fallback"
    problems: list[str] = []
    (copy,) = write_returns(batch, tmp_path / "out2", problems=problems)
    assert LIST_SHEET in openpyxl.load_workbook(copy).sheetnames  # the copy is still written
    (warning,) = [f for f in batch.findings if f.code == "file.return-fallback"]
    assert warning.severity == "warning" and warning.file == "南关区.xlsx"
    # The file, what failed in Chinese words, and what the clerk's copy lacks as a result.
    assert warning.message.startswith("南关区.xlsx：无法在原文件上直接标注问题（文件内部的压缩数据有损坏）")
    assert "公式的计算结果要在 Excel 中打开时重新计算" in warning.message
    assert "BadZipFile" not in warning.message and "CRC" not in warning.message
    assert problems == [warning.message]


def test_every_way_failing_leaves_no_copy_and_says_why(tmp_path: Path, patcher_fails: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.outputs.returns_openpyxl as returns_openpyxl
    from toolkit.outputs import returns

    def no_openpyxl(*_: Any, **__: Any) -> Path:
        raise TypeError("expected <class 'int'>")

    def no_rebuild(*_: Any, **__: Any) -> Path:
        raise ValueError("文件已损坏或不完整")

    monkeypatch.setattr(returns_openpyxl, "openpyxl_copy", no_openpyxl)
    monkeypatch.setattr(returns, "rebuild_workbook", no_rebuild)
    batch = process(PACK, [inbox(tmp_path)])
    problems: list[str] = []
    assert write_returns(batch, tmp_path / "out", problems=problems) == []
    (warning,) = [f for f in batch.findings if f.code == "file.return-fallback"]
    assert "文件内部有取值类型不对的设置" in warning.message and "文件已损坏或不完整" in warning.message
    assert warning.message.endswith("没有生成退回修改副本，问题见校验报告")
    assert problems == [warning.message] and "TypeError" not in warning.message


def test_validate_and_run_report_the_fallback(tmp_path: Path, patcher_fails: None) -> None:
    folder = inbox(tmp_path)
    res = CliRunner().invoke(cli, ["validate", "jl-761-2020", str(folder), "-o", str(tmp_path / "v")])
    assert res.exit_code == 1, res.output  # 南关区's rows have errors
    assert "提醒：南关区.xlsx：无法在原文件上直接标注问题" in res.stderr
    report = openpyxl.load_workbook(tmp_path / "v" / "校验报告.xlsx")
    texts = [str(c) for ws in report.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("无法在原文件上直接标注问题" in t for t in texts)

    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(folder), "-o", str(tmp_path / "r"), "--json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    jsonschema.validate(data, SCHEMA)
    (warning,) = [f for f in data["findings"] if f["code"] == "file.return-fallback"]
    assert warning["severity"] == "warning" and warning["file"] == "南关区.xlsx"
    assert warning["message"] in data["warnings"]
    report = openpyxl.load_workbook(tmp_path / "r" / "校验报告.xlsx")
    texts = [str(c) for ws in report.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any(warning["message"] in t for t in texts)


def test_the_writers_do_not_import_each_other() -> None:
    """returns -> (returns_xml, returns_openpyxl) -> returns_marks, never back up: the pieces the
    writers share live in returns_marks, which imports no writer."""
    import ast

    root = Path(__file__).resolve().parent.parent / "toolkit" / "outputs"
    lower = [root / "returns_marks.py", root / "returns_openpyxl.py", *sorted((root / "returns_xml").glob("*.py"))]
    for path in lower:
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
        assert "toolkit.outputs.returns" not in imported, path
        if path.name in ("returns_marks.py", "returns_openpyxl.py") or path.parent.name == "returns_xml":
            writers = {"toolkit.outputs.returns_openpyxl"} if path.parent.name == "returns_xml" else {"toolkit.outputs.returns_xml"}
            if path.name == "returns_marks.py":
                writers |= {"toolkit.outputs.returns_openpyxl"}
            assert not any(m == w or m.startswith(w + ".") for m in imported for w in writers), path
