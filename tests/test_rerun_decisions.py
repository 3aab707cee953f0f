"""Clerks' decisions survive a rerun (issue 16, point 6)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from tests.fixtures_files import soffice_convert
from tests.helpers import REPO
from toolkit.cli import cli
from toolkit.merge.decisions import DECISION, PAIR_ID, PAIRS_SHEET, read_decisions


def run(inbox: Path, out: Path, *extra: str) -> tuple[Result, dict[str, Any]]:
    res = CliRunner().invoke(cli, ["run", str(inbox), "-o", str(out), "--json", *extra])
    assert res.exit_code == 1, res.output  # the sample inbox has refused rows on purpose
    return res, json.loads(res.stdout)


def fill(summary: Path, word: str) -> None:
    """The clerk opens the summary and writes `word` into every pair's 处理意见 (openpyxl saves as Excel would)."""
    wb = openpyxl.load_workbook(summary)
    ws = wb[PAIRS_SHEET]
    for row in ws.iter_rows():
        texts = [c.value for c in row]
        if PAIR_ID in texts and DECISION in texts:
            header, col = row[0].row, texts.index(DECISION) + 1
            break
    else:
        raise AssertionError("no pairs table")
    for r in range(header + 1, ws.max_row + 1):
        if ws.cell(r, 1).value is not None:
            ws.cell(r, col, word)
    wb.save(summary)


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    root = tmp_path / "收件箱"
    shutil.copytree(REPO / "samples" / "jl-761-2020", root)
    shutil.copy(REPO / "samples" / "org.example.toml", tmp_path / "org.example.toml")
    return root


def test_a_rerun_keeps_the_filled_decisions(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, first = run(inbox, out)
    assert (first["counts"]["duplicates_merged"], first["counts"]["suspected_duplicates"]) == (1, 1)
    fill(out / "汇总表.xlsx", "合并")
    res, second = run(inbox, out)
    assert (second["counts"]["duplicates_merged"], second["counts"]["suspected_duplicates"]) == (2, 0)
    c = second["counts"]
    assert c["rows_read"] == 43 == c["accepted"] + c["rejected"] + c["duplicates_merged"]
    said = [w for w in second["warnings"] if "沿用了输出目录中上次生成的 汇总表.xlsx" in w]
    assert said and "1 条" in said[0] and "--no-decisions" in said[0]
    assert "沿用了" in res.stderr  # --json: the notes go to stderr
    # The new summary carries the decision on: a third run still has it.
    assert list(read_decisions(out / "汇总表.xlsx").values()) == ["合并"]
    _, third = run(inbox, out)
    assert third["counts"]["duplicates_merged"] == 2
    # The report says so, and the manifest names the summary the decisions came from.
    report = openpyxl.load_workbook(out / "校验报告.xlsx")["汇总"]
    assert any(row[0] == "处理意见" and "沿用了" in (row[2] or "") for row in report.iter_rows(values_only=True))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["decisions"]["path"] == str(out / "汇总表.xlsx")


def test_told_otherwise_the_decisions_are_not_used(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    fill(out / "汇总表.xlsx", "合并")
    _, data = run(inbox, out, "--no-decisions")
    assert data["counts"]["suspected_duplicates"] == 1
    assert not [w for w in data["warnings"] if "沿用" in w]
    fill(out / "汇总表.xlsx", "合并")
    with (inbox / "shenbao.toml").open("a", encoding="utf-8") as fh:
        fh.write("use_decisions = false\n")
    _, data = run(inbox, out)
    assert data["counts"]["suspected_duplicates"] == 1


def test_a_word_that_is_not_a_decision_stops_the_rerun(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    fill(out / "汇总表.xlsx", "删掉")
    res = CliRunner().invoke(cli, ["run", str(inbox), "-o", str(out)])
    assert res.exit_code == 2 and "删掉" in res.stderr and "--no-decisions" in res.stderr


@pytest.mark.office
def test_decisions_in_a_summary_saved_by_libreoffice_survive(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    fill(out / "汇总表.xlsx", "保留")
    saved = soffice_convert(out / "汇总表.xlsx", "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    shutil.move(saved, out / "汇总表.xlsx")
    _, data = run(inbox, out)
    assert (data["counts"]["duplicates_merged"], data["counts"]["suspected_duplicates"]) == (1, 0)
    assert [w for w in data["warnings"] if "保留 1 条" in w]


def _workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_the_pairs_sheet_is_read_alone_and_the_big_sheets_are_left_unparsed(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A summary's 汇总表 and 明细 hold every project and no decision: only 疑似重复 is parsed."""
    from toolkit.ingest import readers

    path = _workbook(tmp_path / "汇总表.xlsx", {
        "汇总表": [["序号", "项目名称"], *[[i, f"项目{i}"] for i in range(1, 50)]],
        PAIRS_SHEET: [[PAIR_ID, "项目名称", DECISION], ["a1b2c3", "甲", "合并"], ["d4e5f6", "乙", "保留"]],
        "明细": [["项目名称"], ["甲"]],
    })
    parsed: list[str] = []
    real = readers._scan_sheet

    def scan(xml: bytes) -> Any:
        parsed.append(xml.decode("utf-8", "replace"))
        return real(xml)

    monkeypatch.setattr(readers, "_scan_sheet", scan)
    assert read_decisions(path) == {"a1b2c3": "合并", "d4e5f6": "保留"}
    assert len(parsed) == 1  # 疑似重复 alone: 汇总表 and 明细 were never scanned nor parsed
    outcome = readers.read_file(path, only=frozenset({PAIRS_SHEET}))
    assert outcome.workbook is not None and [s.name for s in outcome.workbook.sheets] == [PAIRS_SHEET]


def test_decisions_on_another_sheet_are_still_found(tmp_path: Path) -> None:
    """A workbook whose 疑似重复 sheet lacks the two columns (or that has none) is read whole, for
    any other sheet holding them, as before."""
    without = _workbook(tmp_path / "意见.xlsx", {
        PAIRS_SHEET: [["说明：见下一页"]],
        "处理意见表": [[PAIR_ID, DECISION], ["a1b2c3", "保留"]],
    })
    assert read_decisions(without) == {"a1b2c3": "保留"}
    elsewhere = _workbook(tmp_path / "意见2.xlsx", {"Sheet1": [[PAIR_ID, DECISION], ["a1b2c3", "合并"]]})
    assert read_decisions(elsewhere) == {"a1b2c3": "合并"}
