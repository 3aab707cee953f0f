"""The annex a notice has the city send up (role summary, 附件4-5 or a 附件2 汇总表 compiled from the
county tables): declared like any other annex, its number printed above the 汇总表's title and its
number and title in the letter's 附件说明; a pack that declares none keeps today's output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import docx
from click.testing import CliRunner
from helpers import builtin_raw, mutated_pack, write_pack
from openpyxl import load_workbook

from toolkit.cli import cli
from toolkit.packs.loader import check_pack_dir, load_pack

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def annex_lines(letter: Path) -> list[str]:
    return [p.text for p in docx.Document(str(letter)).paragraphs if p.text.startswith(("附件：", "2.", "1."))]


def run(pack: str | Path, inbox: Path, out: Path, *extra: str) -> Any:
    result = CliRunner().invoke(cli, ["run", str(pack), str(inbox), "-o", str(out), "--unit-name", "长春市", *extra])
    assert result.exit_code in (0, 1), result.output
    return result


def city_summary_pack(tmp_path: Path) -> Path:
    """761 with the notice's 附件2: the city's 汇总表, its own columns, its rows taken from the
    county tables (附件1) through summary.from_forms."""
    raw = builtin_raw("jl-761-2020")
    projects = raw["annexes"][0]
    keep = ("county", "project_name", "category", "applicant", "uscc", "total_investment")  # uscc: exact duplicates
    fields = [dict(f) for f in projects["fields"] if f["key"] in keep]
    raw["annexes"].append({"id": "city-summary", "number": "附件2", "title": "“761”工程智能信息网新增入库项目汇总表",
                           "kind": "table", "role": "summary", "sheet": "汇总表", "fields": fields})
    raw["summary"] = {"annex": "city-summary", "title": "{unit_name}“761”工程智能信息网新增入库项目汇总表",
                      "columns": ["reporting_unit", *keep], "group_by": ["category"],
                      "sum_fields": ["total_investment"],
                      "from_forms": [{"annex": "projects", "fields": {k: k for k in keep}}]}
    return write_pack(tmp_path, raw)


def test_a_city_summary_annex_from_county_tables_is_labelled_and_named_in_the_letter(tmp_path: Path) -> None:
    pack = city_summary_pack(tmp_path)
    assert [f.message for f in check_pack_dir(pack) if f.is_error] == []
    out = tmp_path / "out"
    run(pack, SAMPLES / "jl-761-2020", out)
    sheet = load_workbook(out / "汇总表.xlsx")["汇总表"]
    assert sheet["A1"].value == "附件2"
    assert sheet["A1"].font.name == "黑体"
    assert sheet["A2"].value == "长春市“761”工程智能信息网新增入库项目汇总表"
    assert sheet["A4"].value == "序号"
    assert sheet.print_title_rows == "$4:$5"  # the two header rows, one lower
    projects = [r for r in sheet.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    baseline = tmp_path / "baseline"
    run("jl-761-2020", SAMPLES / "jl-761-2020", baseline)
    base_rows = [r for r in load_workbook(baseline / "汇总表.xlsx")["明细"].iter_rows(min_row=4, values_only=True)
                 if isinstance(r[0], int)]
    assert len(projects) == len(base_rows) > 0  # every county row became a row of 附件2
    assert annex_lines(out / "报送函.docx") == ["附件：2.“761”工程智能信息网新增入库项目汇总表"]
    # The letter command reads the labelled 汇总表 back (its visible check finds the header one row lower).
    letter = tmp_path / "函.docx"
    result = CliRunner().invoke(cli, ["letter", str(pack), str(out / "汇总表.xlsx"), "-o", str(letter)])
    assert result.exit_code == 0, result.output
    assert annex_lines(letter) == ["附件：2.“761”工程智能信息网新增入库项目汇总表"]


def test_the_industrial_internet_4_5_is_the_annex_the_city_sends_up(tmp_path: Path) -> None:
    assert load_pack("jl-gyhlw-2020").summary_annex.id == "recommended"  # type: ignore[union-attr]
    out = tmp_path / "out"
    run("jl-gyhlw-2020", SAMPLES / "jl-gyhlw-2020", out)
    sheet = load_workbook(out / "汇总表.xlsx")["汇总表"]
    assert sheet["A1"].value == "附件4-5"
    assert sheet["A2"].value == "长春市省级工业互联网及制造业服务化示范项目申报信息汇总表"
    assert annex_lines(out / "报送函.docx") == ["附件：4-5.省级工业互联网及制造业服务化示范项目申报信息汇总表"]
    # Only the sheet the unit stamps carries the number; 明细 keeps its title on the first row.
    assert load_workbook(out / "汇总表.xlsx")["明细"]["A1"].value.endswith("（明细）")
    # The labelled 汇总表 is still an input one level up: the province reads the city's projects.
    up = tmp_path / "省收件箱"
    up.mkdir()
    shutil.copy(out / "汇总表.xlsx", up / "长春市.xlsx")
    result = CliRunner().invoke(cli, ["run", "jl-gyhlw-2020", str(up), "-o", str(tmp_path / "省"),
                                      "--unit-name", "吉林省工业和信息化厅", "--json"])
    city = [r for r in sheet.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert json.loads(result.stdout)["counts"]["rows_read"] == len(city) > 0


def test_a_pack_that_declares_no_summary_annex_keeps_its_layout_and_letter(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run("jl-761-2020", SAMPLES / "jl-761-2020", out)
    sheet = load_workbook(out / "汇总表.xlsx")["汇总表"]
    assert sheet["A1"].value.endswith("新增入库项目汇总表")
    assert str(sheet["A2"].value).startswith("填报单位（盖章）")
    assert sheet["A3"].value == "序号"
    lines = annex_lines(out / "报送函.docx")
    assert lines[0] == "附件：1.汇总表" and len(lines) > 1
    assert all(line.startswith(f"{i}.汇总表-省") for i, line in enumerate(lines[1:], start=2))


def test_a_summary_annex_must_be_the_summarys_own_table(tmp_path: Path) -> None:
    def two(raw: dict[str, Any]) -> None:
        raw["annexes"][2]["role"] = "summary"  # 4-3, a form, beside 4-5

    errors = [f.message for f in check_pack_dir(mutated_pack(tmp_path, two, "jl-gyhlw-2020")) if f.is_error]
    assert "有 2 个附件的用途是“汇总”（performance、recommended），只能有一个" in errors
    assert any(m.startswith("附件 附件4-3（performance） 的用途是“汇总”，但汇总表汇总的是附件“recommended”") for m in errors)
    assert "附件 附件4-3（performance） 的用途是“汇总”，应为表格（kind table）" in errors
    assert len(errors) == 3


def test_the_workbook_sets_the_role_in_the_annex_sheet_and_names_its_cell(tmp_path: Path) -> None:
    book = tmp_path / "申报包.xlsx"
    assert CliRunner().invoke(cli, ["pack-export", "jl-gyhlw-2020", "-o", str(book)]).exit_code == 0
    ws = load_workbook(book)["附件"]
    heads = [c.value for c in ws[1]]
    col = heads.index("用途") + 1
    roles = {ws.cell(r, 1).value: ws.cell(r, col).value for r in range(3, ws.max_row + 1)}
    assert roles["recommended"] == "汇总" and roles["application"] is None
    wb = load_workbook(book)
    wb["附件"].cell(3, col).value = "汇总"  # 4-1 too
    wb.save(book)
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    result = CliRunner().invoke(cli, ["pack-build", str(book), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    letter = ws.cell(3, col).column_letter
    assert f"附件!{letter}3：附件 附件4-1（application） 的用途是“汇总”，应为表格（kind table）" in result.output
