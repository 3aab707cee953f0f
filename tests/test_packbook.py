"""Packs authored in a workbook (申报包.xlsx): export -> build is a round trip for every built-in
pack, every pack-check error names the sheet and cell, and every command taking PACK takes one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import builtin_raw
from openpyxl import load_workbook

from toolkit.cli import cli
from toolkit.packs.loader import check_pack_dir, load_pack
from toolkit.packs.source import builtin_ids


def export(tmp_path: Path, pack_id: str = "jl-761-2020") -> Path:
    target = tmp_path / "申报包.xlsx"
    result = CliRunner().invoke(cli, ["pack-export", pack_id, "-o", str(target)])
    assert result.exit_code == 0, result.output
    return target


def edit(path: Path, sheet: str, cell: str, value: object) -> None:
    book = load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def row_of(path: Path, sheet: str, column: str, value: str) -> int:
    ws = load_workbook(path)[sheet]
    heads = [c.value for c in ws[1]]
    col = heads.index(column) + 1
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, col).value == value:
            return r
    raise AssertionError(f"{value} not in {sheet}")


@pytest.mark.parametrize("pack_id", builtin_ids())
def test_export_then_build_gives_an_equal_pack(tmp_path: Path, pack_id: str) -> None:
    book = export(tmp_path, pack_id)
    result = CliRunner().invoke(cli, ["pack-build", str(book), "-o", str(tmp_path / "built")])
    assert result.exit_code == 0, result.output
    built = json.loads((tmp_path / "built" / "pack.json").read_text(encoding="utf-8"))
    assert built == builtin_raw(pack_id)


def test_workbook_has_chinese_sheets_dropdowns_and_frozen_headers(tmp_path: Path) -> None:
    book = load_workbook(export(tmp_path))
    assert book.sheetnames == ["说明", "基本信息", "附件", "字段", "选项", "规则", "汇总表", "报送函", "修订记录"]
    fields = book["字段"]
    assert [c.value for c in fields[1]][:5] == ["附件", "上级字段", "字段名称", "字段编号", "类型"]
    assert fields.freeze_panes == "A3"
    lists = {dv.formula1 for dv in fields.data_validations.dataValidation}
    assert any("数值" in f and "单选" in f for f in lists)
    assert any("总投资" in f and "统一社会信用代码" in f for f in lists)  # 用途 (role)
    assert fields.column_dimensions["C"].width >= 20
    rules = {dv.formula1 for dv in book["规则"].data_validations.dataValidation}
    assert '"错误,提醒"' in rules
    r = row_of(tmp_path / "申报包.xlsx", "字段", "字段编号", "total_investment")
    assert fields[f"E{r}"].value == "数值" and fields[f"G{r}"].value == "必填" and fields[f"L{r}"].value == "总投资"


def test_an_error_names_the_sheet_and_cell(tmp_path: Path) -> None:
    book = export(tmp_path)
    r = row_of(book, "字段", "字段编号", "total_investment")
    edit(book, "字段", f"E{r}", "数字")  # not a type
    result = CliRunner().invoke(cli, ["pack-build", str(book), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"字段!E{r}：“类型”应从下拉列表中选择：文本、数值、整数、日期、是否、单选、多选、列表；现为“数字”" in result.output
    assert not (tmp_path / "out" / "pack.json").exists()


def test_a_misspelled_title_in_a_rule_is_named_with_did_you_mean(tmp_path: Path) -> None:
    book = export(tmp_path)
    r = row_of(book, "规则", "规则编号", "min-investment")
    edit(book, "规则", f"G{r}", "[总投姿] >= 500")
    findings = check_pack_dir(book)
    assert [f.message for f in findings if f.is_error] == [
        f"规则!G{r}：规则“[总投姿] >= 500”：没有名为“总投姿”的字段，是不是“总投资”？"]
    assert findings[0].sheet == "规则" and findings[0].cell == f"G{r}"


def test_a_misspelled_key_names_the_cell_and_the_nearest_field(tmp_path: Path) -> None:
    book = export(tmp_path)
    r = row_of(book, "规则", "规则编号", "min-investment")
    edit(book, "规则", f"G{r}", "total_investmen >= 500.0")
    errors = [f for f in check_pack_dir(book) if f.is_error]
    assert len(errors) == 1
    assert errors[0].message.startswith(f"规则!G{r}：规则“min-investment”")
    assert "是不是“total_investment”" in errors[0].message


def test_sense_errors_name_their_cells(tmp_path: Path) -> None:
    book = export(tmp_path)
    edit(book, "基本信息", "B3", "9.9.9")  # version without a 修订记录 row
    r = row_of(book, "字段", "字段编号", "scope")
    edit(book, "字段", f"F{r}", "万元")  # a unit on a text field
    errors = {f.message.split("：")[0] for f in check_pack_dir(book) if f.is_error}
    assert errors == {"基本信息!B3", f"字段!F{r}"}


def test_every_error_names_a_cell(tmp_path: Path) -> None:
    book = export(tmp_path)
    wb = load_workbook(book)
    wb["汇总表"]["B4"] = "project_name\nno_such_column"
    wb["附件"]["D3"] = "表格表"
    wb["选项"]["B3"] = None
    wb.save(book)
    errors = [f for f in check_pack_dir(book) if f.is_error]
    assert errors and all(f.sheet and f.cell and f.message.startswith(f"{f.sheet}!{f.cell}：") for f in errors)


def test_commands_take_a_pack_workbook(tmp_path: Path) -> None:
    from toolkit.template.stamp import read_stamp

    book = export(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    runner = CliRunner()
    assert runner.invoke(cli, ["pack-check", str(book)]).exit_code == 0
    result = runner.invoke(cli, ["template", str(book), "-o", str(tmp_path / "模板")])
    assert result.exit_code == 0, result.output
    runner.invoke(cli, ["template", "jl-761-2020", "-o", str(tmp_path / "模板2")])
    for made in (tmp_path / "模板").glob("*.xlsx"):
        assert read_stamp(made) == read_stamp(tmp_path / "模板2" / made.name)
        assert read_stamp(made) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "模板", "模板2"])
    assert load_pack(book) == load_pack("jl-761-2020").__class__(**{**load_pack("jl-761-2020").__dict__, "path": None})


def test_a_workbook_that_is_not_one(tmp_path: Path) -> None:
    bad = tmp_path / "申报包.xlsx"
    bad.write_bytes(b"not a zip")
    result = CliRunner().invoke(cli, ["template", str(bad), "-o", str(tmp_path / "t")])
    assert result.exit_code == 2 and f"申报包工作簿 {bad} 打不开：它不是 .xlsx 格式的文件" in result.output
    assert "另存为 .xlsx" in result.output and "BadZipFile" not in result.output
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "无此.xlsx"), str(tmp_path), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "找不到申报包工作簿" in result.output


@pytest.mark.parametrize("how", ["no-parts", "bad-xml"])
def test_a_damaged_workbook_is_named_in_chinese_without_an_exception_name(tmp_path: Path, how: str) -> None:
    """A zip that is no workbook (openpyxl: KeyError), or an xlsx with a part that is no XML (an
    XML syntax error): the clerk reads what failed and what to do, naming the file, never the
    name of a Python exception."""
    import zipfile

    book = export(tmp_path)
    bad = tmp_path / "坏的申报包.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(bad, "w") as out:
        if how == "no-parts":
            out.writestr("readme.txt", "x")
        else:
            for info in src.infolist():
                out.writestr(info, b"<broken" if info.filename == "xl/workbook.xml" else src.read(info))
    result = CliRunner().invoke(cli, ["template", str(bad), "-o", str(tmp_path / "t")])
    assert result.exit_code == 2
    assert f"申报包工作簿 {bad} 打不开：文件里缺少或损坏了 Excel 工作簿应有的内容" in result.output
    assert not any(name in result.output for name in ("KeyError", "XMLSyntaxError", "ParseError"))
    [finding] = check_pack_dir(bad)
    assert finding.code == "pack.unreadable" and finding.message.startswith(f"申报包工作簿 {bad} 打不开")


def test_run_with_the_workbook_named_in_shenbao_toml_gives_the_built_in_packs_results(tmp_path: Path) -> None:
    import shutil

    from helpers import REPO

    inbox = tmp_path / "收件箱"
    shutil.copytree(REPO / "samples" / "jl-761-2020", inbox)
    shutil.copy(REPO / "samples" / "org.example.toml", tmp_path / "org.example.toml")
    export(inbox, "jl-761-2020")
    toml = inbox / "shenbao.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('pack = "jl-761-2020"', 'pack = "申报包.xlsx"'),
                    encoding="utf-8")
    runner = CliRunner()
    by_workbook = runner.invoke(cli, ["run", str(inbox), "-o", str(tmp_path / "a"), "--json"])
    by_id = runner.invoke(cli, ["run", "jl-761-2020", str(inbox), "-o", str(tmp_path / "b"), "--json"])
    assert by_workbook.exit_code == by_id.exit_code == 1, by_workbook.output
    a, b = json.loads(by_workbook.stdout), json.loads(by_id.stdout)
    assert a["pack"] == "jl-761-2020" and a["counts"] == b["counts"] and a["totals"] == b["totals"]
    kept = [f for f in a["files"] if f["path"] == "申报包.xlsx"]
    assert [(f["status"], f["rows"]) for f in kept] == [("skipped", 0)]  # not read as a county's table
    assert [(f["code"], f["row"]) for f in a["findings"]] == [(f["code"], f["row"]) for f in b["findings"]]


def test_members_the_workbook_has_no_column_for_still_round_trip(tmp_path: Path) -> None:
    """Members added to the pack format later (by other work) travel in 其他（JSON） or their own rows."""
    import copy

    from toolkit.packs.workbook import compile_workbook, export_workbook

    raw = copy.deepcopy(builtin_raw("js-zhjs-2020"))
    raw["annexes"][0]["fields"][0]["docx_label"] = "项目名称："
    raw["annexes"][0]["word_fields"] = ["project_name"]
    raw["annexes"][1]["fields"][0]["items"] = []
    raw["criteria"][0]["counts"] = {"by": "uscc", "at_most": 2}
    raw["criteria"][1]["annex"] = ["recommended"]
    raw["choice_lists"]["category"].append({"value": "其他类", "weight": 3})
    raw["summary"]["annex_number"] = "附件2"
    raw["letter"]["attachments"] = ["附件1", "附件2"]
    raw["notice"]["url"] = "https://example.invalid/notice"
    raw["future_member"] = {"a": [1, 2.5, None, True]}
    raw["changelog"][0]["author"] = "省数据局"
    raw["annexes"][0]["fields"][1]["example"] = "123"
    raw["annexes"][0]["fields"][2]["example"] = 123
    raw["annexes"][0]["instructions"] = ["[注] 第一条", "第二条\n续行"]
    book = export_workbook(raw, tmp_path / "申报包.xlsx")
    compiled = compile_workbook(book)
    assert [f.message for f in compiled.findings] == []
    assert compiled.raw == raw


def test_the_python_api_opens_a_pack_workbook(tmp_path: Path) -> None:
    from toolkit import api
    from toolkit.errors import PackError

    book = export(tmp_path)
    assert api.open_pack(book).criteria == load_pack("jl-761-2020").criteria
    edit(book, "基本信息", "B3", "9.9.9")
    with pytest.raises(PackError, match="基本信息!B3"):
        api.open_pack(book)
