"""Amounts implausible for their unit get a value.check warning naming the slip; never a change.

Bounds in the notice's unit (万元): 100 亿元 = 1,000,000 万元; 1,000× the batch median; a whole
number of 万元 written in 元 (a multiple of 10,000) from 10 亿元 = 100,000 万元 up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from tests.helpers import mutated_pack
from tests.summary_fixtures import COUNTIES, write_county
from tests.test_validate import BASE, CELLS, record
from toolkit.cli import cli
from toolkit.packs.loader import load_pack
from toolkit.validate import validate

PACK = load_pack("jl-761-2020")


def checks(*totals: float, pack: Any = PACK) -> list[Any]:
    records = [record({"total_investment": t}, row=5 + i) for i, t in enumerate(totals)]
    result = validate(pack, records)
    assert len(result.accepted) == len(totals)  # a warning never refuses the project
    return [f for f in result.findings if f.code == "value.check"]


def test_eight_million_in_a_wanyuan_column_is_questioned_and_kept() -> None:
    (finding,) = checks(8000000)
    assert finding.severity == "warning" and finding.field == "total_investment"
    assert (finding.file, finding.sheet, finding.cell, finding.row) == ("南关区.xlsx", "入库项目表", CELLS["total_investment"], 5)
    assert "8000000 万元 = 800 亿元" in finding.message and "是否按元填写？按元计为 800 万元" in finding.message
    assert finding.message.startswith(f"{CELLS['total_investment']}：“总投资”")


@pytest.mark.parametrize(("total", "questioned"), [
    (999999.99, False), (1000000.01, True), (1000000.5, True),  # 100 亿元 and above (not whole 万元 in 元)
    (90000, False), (100000, True), (110000, True), (100001, False), (105000, False),  # whole 万元 in 元, from 10 亿元
    (99999.99, False),
])
def test_bounds_of_a_single_amount(total: float, questioned: bool) -> None:
    assert bool(checks(total)) is questioned


def test_a_thousand_times_the_batch_median() -> None:
    """Projects of 555 万元: 555,000 万元 (55.5 亿元) is 1,000× the median, questioned; 554,999.99 is not."""
    found = checks(555, 555, 555, 555, 555, 555000)
    assert [f.row for f in found] == [10] and "中位数（555 万元）的 1000 倍" in found[0].message
    assert checks(555, 555, 555, 555, 555, 554999.99) == []


def test_the_median_needs_enough_values() -> None:
    assert checks(555, 555000) == []  # two values say nothing about the batch


def test_the_median_counts_every_file_of_the_batch() -> None:
    records = [record({"total_investment": 555.0}, row=5 + i, file=f"县{i}.xlsx") for i in range(5)]
    records.append(record({"total_investment": 555000.5}, row=5, file="县9.xlsx"))
    found = [f for f in validate(PACK, records).findings if f.code == "value.check"]
    assert [(f.file, f.row) for f in found] == [("县9.xlsx", 5)]


def test_every_amount_field_is_checked() -> None:
    result = validate(PACK, [record({"total_investment": 9000000, "completed_investment": 9000000})])
    fields = sorted(f.field for f in result.findings if f.code == "value.check")
    assert fields == ["completed_investment", "total_investment"]


def test_thresholds_are_declared_in_the_pack(tmp_path: Path) -> None:
    def lower(raw: dict[str, Any]) -> None:
        raw["plausibility"] = {"max_amount": 50000, "yuan_from": 1000000, "fields": ["total_investment"]}

    pack = load_pack(mutated_pack(tmp_path, lower))
    assert pack.plausibility.max_amount == 50000
    assert checks(49999.99, pack=pack) == [] and len(checks(50000, pack=pack)) == 1
    assert checks(100000, pack=pack) == [] or "5 亿" not in checks(100000, pack=pack)[0].message
    result = validate(pack, [record({"total_investment": 60000, "completed_investment": 60000})])
    assert [f.field for f in result.findings if f.code == "value.check"] == ["total_investment"]


def test_a_pack_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    from toolkit.packs.loader import check_pack_dir

    folder = mutated_pack(tmp_path, lambda raw: raw.update(plausibility={"fields": ["total_investmnet"]}))
    assert any(f.code == "pack.unknown-field" and "total_investmnet" in f.message for f in check_pack_dir(folder))


def test_the_return_copy_marks_the_cell_and_the_number_is_unchanged(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    rows = [dict(r) for r in COUNTIES["长春市"]["南关区"]]
    rows[0]["total_investment"] = 8000000
    write_county(inbox / "南关区.xlsx", "南关区", rows)
    out = tmp_path / "结果"
    result = CliRunner().invoke(cli, ["run", "jl-761-2020", str(inbox), "-o", str(out)])
    # 1 for 南关区's row under the minimum investment; the doubtful amount is only a warning.
    assert result.exit_code == 1, result.output
    assert "1 处数值可能填错（如按元填在万元栏）" in result.output  # the closing lines name it first
    column = openpyxl.utils.get_column_letter(1 + [f.key for f in PACK.annex("projects").fields].index("total_investment") + 1)
    cell = f"{column}4"
    copy = openpyxl.load_workbook(next((out / "退回修改").glob("*.xlsx")))
    marked = copy["项目表"][cell]
    assert marked.value == 8000000 and marked.comment is not None
    assert "8000000 万元 = 800 亿元" in marked.comment.text
    summary = openpyxl.load_workbook(out / "汇总表.xlsx")
    assert any(c.value == 8000000 for row in summary["明细"].iter_rows() for c in row)  # kept as written


def test_base_record_of_the_761_tests_is_not_questioned() -> None:
    assert BASE["total_investment"] == 1200.0 and checks(1200.0) == []
