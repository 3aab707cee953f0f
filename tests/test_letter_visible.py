"""The letter reads what the clerk sees (issue 18 point 7): a summary whose visible rows no
longer match the figures it carries stops `shenbao letter` with exit code 2 and says where."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import REPO
from toolkit.cli import cli
from toolkit.merge.stats import read_stats

SAMPLES = REPO / "samples" / "jl-761-2020"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("visible") / "结果"
    done = CliRunner().invoke(cli, ["run", "jl-761-2020", str(SAMPLES), "-o", str(out)])
    assert done.exit_code == 1, done.output  # the samples plant rejected rows
    return out


def copy_of(results: Path, tmp_path: Path) -> Path:
    target = tmp_path / "汇总表.xlsx"
    shutil.copy(results / "汇总表.xlsx", target)
    return target


def first_project_row(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    return next(r for r in range(3, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, (int, float)))


def letter(summary: Path, tmp_path: Path) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["letter", "jl-761-2020", str(summary), "-o", str(tmp_path / "报送函.docx")])
    return done.exit_code, done.output


def test_an_untouched_summary_gives_its_letter(results: Path, tmp_path: Path) -> None:
    code, output = letter(copy_of(results, tmp_path), tmp_path)
    assert code == 0, output
    assert (tmp_path / "报送函.docx").is_file()


def test_ten_rows_deleted_from_both_sheets_stop_the_letter(results: Path, tmp_path: Path) -> None:
    summary = copy_of(results, tmp_path)
    stats = read_stats(summary)
    assert stats is not None and stats.projects == 34
    wb = openpyxl.load_workbook(summary)
    for name in ("汇总表", "明细"):
        ws = wb[name]
        first = first_project_row(ws)
        for _ in range(10):  # the clerk deletes ten project rows, one at a time
            row = next(r for r in range(first, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, (int, float)))
            ws.delete_rows(row)
    wb.save(summary)
    code, output = letter(summary, tmp_path)
    assert code == 2, output
    assert "现有 24 个项目，生成时为 34 个" in output and "“汇总表”页" in output and "“明细”页" in output
    assert "未生成报送函" in output and not (tmp_path / "报送函.docx").exists()


def test_an_amount_edited_by_hand_stops_the_letter(results: Path, tmp_path: Path) -> None:
    summary = copy_of(results, tmp_path)
    wb = openpyxl.load_workbook(summary)
    ws = wb["明细"]
    header = [ws.cell(r, c).value for r in (3, 4) for c in range(1, ws.max_column + 1)]
    column = header.index("总投资（万元）") % ws.max_column + 1
    row = first_project_row(ws)
    ws.cell(row, column).value = float(ws.cell(row, column).value) + 0.01  # one 分 of a 万元 column: 100 元
    wb.save(summary)
    code, output = letter(summary, tmp_path)
    assert code == 2, output
    assert "“明细”页“总投资”合计现为" in output and "“汇总表”页" not in output


def test_a_departments_summary_is_checked_against_its_own_figures(results: Path, tmp_path: Path) -> None:
    part = next(results.glob("汇总表-*.xlsx"))
    code, output = letter(part, tmp_path)
    assert code == 0, output
