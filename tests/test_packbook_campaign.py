"""A provincial officer authors a new campaign in a workbook through the commands alone: pack-new,
openpyxl filling the sheets as Excel would, pack-build, template, two counties filling the
templates, and run on the workbook itself; the verdicts are checked end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import load_workbook

from tests.inbox_fixtures import code
from toolkit.cli import cli

BASIC = {
    "申报包名称": "数字乡村试点项目申报", "年度": 2026, "省份": "吉林省", "金额单位": "万元",
    "通知标题": "关于组织申报2026年数字乡村试点项目的通知", "文号": "吉数字办〔2026〕8号",
    "发文单位": "吉林省数字乡村建设领导小组办公室", "发文日期": "2026-03-02", "截止日期": "2026-04-30",
    "填报单位称谓": "县（市、区）", "填报单位": "农安县\n榆树市\n德惠市", "归口字段": "项目类别", "归口说明": "归口部门",
}
ANNEXES = [
    {"附件代号": "projects", "附件编号": "附件1", "附件名称": "数字乡村试点项目汇总表", "种类": "表格", "工作表名": "项目表",
     "填报方式": "每个单位一份", "填表说明": "每个项目填一行。\n金额单位：万元。"},
    {"附件代号": "progress", "附件编号": "附件2", "附件名称": "试点项目实施进度表", "种类": "表格", "工作表名": "进度表",
     "填报方式": "每个单位一份"},
]
FIELDS = [
    {"附件": "projects", "字段名称": "所在县（市、区）", "字段编号": "county", "类型": "文本", "用途": "所在地"},
    {"附件": "projects", "字段名称": "项目名称", "字段编号": "project_name", "类型": "文本", "必填/选填": "必填",
     "用途": "项目名称"},
    {"附件": "projects", "字段名称": "项目类别", "字段编号": "category", "类型": "单选", "必填/选填": "必填",
     "选项列表": "项目类别"},
    {"附件": "projects", "字段名称": "建设单位", "字段编号": "applicant", "类型": "文本", "用途": "申报单位",
     "别名": "项目单位\n实施单位"},
    {"附件": "projects", "字段名称": "统一社会信用代码", "字段编号": "uscc", "类型": "文本", "格式": "统一社会信用代码",
     "用途": "统一社会信用代码"},
    {"附件": "projects", "字段名称": "总投资", "字段编号": "total_investment", "类型": "数值", "单位": "万元",
     "必填/选填": "必填", "用途": "总投资", "最小值": 0},
    {"附件": "projects", "字段名称": "其中：数字化投资", "字段编号": "digital_investment", "类型": "数值", "单位": "万元"},
    {"附件": "projects", "字段名称": "计划开工时间", "字段编号": "start_date", "类型": "日期", "日期精度": "年月"},
    {"附件": "progress", "字段名称": "项目名称", "字段编号": "project_name", "类型": "文本", "必填/选填": "必填",
     "用途": "项目名称"},
    {"附件": "附件2", "字段名称": "本年计划投资", "类型": "数值", "单位": "万元"},  # no key: one is made
]
CHOICES = [
    {"列表名称": "项目类别", "选项": "智慧农业", "归口部门": "省农业农村厅", "别名": "数字农业"},
    {"列表名称": "项目类别", "选项": "乡村治理", "归口部门": "省委网信办"},
    {"列表名称": "项目类别", "选项": "惠民服务", "归口部门": "省政务服务和数字化局", "别名": "便民服务\n惠民服务类"},
]
RULES = [
    {"规则编号": "min-investment", "条款": "二(一)", "附件": "projects", "标题": "总投资不低于200万元",
     "检查": "[总投资] ≥ 200", "相关字段": "总投资", "提示语": "总投资 {总投资} 万元，低于200万元", "错误/提醒": "错误"},
    {"规则编号": "digital-share", "条款": "二(二)", "附件": "projects", "标题": "数字化投资占总投资30%以上",
     "适用条件": "[项目类别] 是 “智慧农业” 或 “乡村治理”", "检查": "[其中：数字化投资] >= [总投资] * 0.3",
     "相关字段": "digital_investment", "提示语": "数字化投资 {其中：数字化投资} 万元，不足总投资的30%", "错误/提醒": "错误"},
    {"规则编号": "applicant-given", "条款": "二(三)", "附件": "projects", "检查": "[建设单位] 已填",
     "相关字段": "建设单位", "提示语": "请填写建设单位", "错误/提醒": "错误"},
    {"规则编号": "start-this-year", "条款": "二(四)", "附件": "projects",
     "适用条件": "[计划开工时间] 已填", "检查": "[计划开工时间] ＞＝ \"2026-01\"", "相关字段": "计划开工时间",
     "提示语": "计划开工时间 {start_date} 早于2026年，请核实", "错误/提醒": "提醒"},
    {"规则编号": "not-individual", "条款": "二(五)", "附件": "projects", "适用条件": "[统一社会信用代码] 已填",
     "检查": "uscc_kind([统一社会信用代码]) 不是 '92'", "相关字段": "uscc",
     "提示语": "统一社会信用代码以92开头，为个体工商户，请核实", "错误/提醒": "提醒"},
]
SUMMARY = {"附件": "projects", "标题": "{unit_name}{year}年数字乡村试点项目汇总表",
           "列": "reporting_unit\n项目名称\n项目类别\n建设单位\n总投资\n其中：数字化投资",
           "合计": "total_investment\ndigital_investment"}
LETTER = {"主送机关": "吉林省数字乡村建设领导小组办公室", "标题": "关于报送{unit_name}数字乡村试点项目的函",
          "开头": "根据《{notice_title}》（{notice_number}）要求，现将我市试点项目函告如下："}


def fill_table(ws: Any, rows: list[dict[str, Any]]) -> None:
    """Rows under the headers (row 1), from row 3; the example row is overwritten."""
    heads = {c.value: c.column for c in ws[1]}
    ws.delete_rows(3, ws.max_row)
    for i, row in enumerate(rows):
        for head, value in row.items():
            ws.cell(3 + i, heads[head], value)


def fill_kv(ws: Any, values: dict[str, Any]) -> None:
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for label, value in values.items():
        ws.cell(rows[label], 2, value)


def author(path: Path) -> None:
    book = load_workbook(path)
    fill_kv(book["基本信息"], BASIC)
    fill_table(book["附件"], ANNEXES)
    fill_table(book["字段"], FIELDS)
    fill_table(book["选项"], CHOICES)
    fill_table(book["规则"], RULES)
    fill_kv(book["汇总表"], SUMMARY)
    fill_kv(book["报送函"], LETTER)
    book.save(path)


def county_file(template: Path, target: Path, rows: list[dict[str, Any]]) -> Path:
    """A county fills the 附件1 template as Excel would: one row per project under the headers."""
    book = load_workbook(template)
    ws = book["项目表"]
    header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "序号")
    columns = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    for i, row in enumerate(rows):
        ws.cell(header_row + 1 + i, 1, i + 1)
        for head, value in row.items():
            ws.cell(header_row + 1 + i, columns[head], value)
    book.save(target)
    return target


def test_pack_new_reports_its_examples_until_they_are_filled(tmp_path: Path) -> None:
    book = tmp_path / "申报包.xlsx"
    runner = CliRunner()
    assert runner.invoke(cli, ["pack-new", "jl-szxc-2026", "-o", str(book)]).exit_code == 0
    assert runner.invoke(cli, ["pack-new", "jl-szxc-2026", "-o", str(book)]).exit_code == 2  # never overwritten
    wb = load_workbook(book)
    assert wb["字段"]["A3"].value.startswith("示例：")
    assert any("文本" in dv.formula1 for dv in wb["字段"].data_validations.dataValidation)
    result = runner.invoke(cli, ["pack-build", str(book), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    for sheet in ("附件", "字段", "选项", "规则"):
        assert f"{sheet}!A3：第3行是示例行" in result.output
    for sheet in ("附件", "字段", "选项", "规则"):
        wb[sheet].delete_rows(3)
    wb.save(book)
    result = runner.invoke(cli, ["pack-build", str(book), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "基本信息!B4：" in result.output and "title" in result.output  # 申报包名称 not filled
    assert "附件!A3：" in result.output  # no annex yet
    assert not (tmp_path / "out").exists()


def test_a_new_campaign_authored_in_a_workbook_runs_end_to_end(tmp_path: Path) -> None:
    runner = CliRunner()
    book = tmp_path / "申报包.xlsx"
    assert runner.invoke(cli, ["pack-new", "jl-szxc-2026", "-o", str(book)]).exit_code == 0
    author(book)

    built = runner.invoke(cli, ["pack-build", str(book), "-o", str(tmp_path / "pack")])
    assert built.exit_code == 0, built.output
    raw = json.loads((tmp_path / "pack" / "pack.json").read_text(encoding="utf-8"))
    rules = {c["id"]: c for c in raw["criteria"]}
    assert rules["digital-share"]["when"] == "category in ['智慧农业', '乡村治理']"
    assert rules["digital-share"]["check"] == "digital_investment >= total_investment * 0.3"
    assert rules["digital-share"]["message"] == "数字化投资 {digital_investment} 万元，不足总投资的30%"
    assert rules["min-investment"]["check"] == "total_investment >= 200.0"
    assert rules["not-individual"]["check"] == "uscc_kind(uscc) != '92'"
    assert raw["summary"]["columns"] == ["reporting_unit", "project_name", "category", "applicant",
                                         "total_investment", "digital_investment"]
    assert raw["routing"] == {"field": "category", "title": "归口部门"}
    assert [f["key"] for f in raw["annexes"][1]["fields"]][1].startswith("f_")
    assert raw["choice_lists"]["项目类别"][0] == {"value": "智慧农业", "route": "省农业农村厅", "aliases": ["数字农业"]}

    made = runner.invoke(cli, ["template", str(book), "-o", str(tmp_path / "模板")])
    assert made.exit_code == 0, made.output
    templates = sorted(p.name for p in (tmp_path / "模板").iterdir())
    # the annexes and the 填报说明 beside them (a workbook keeps no history: no change note)
    assert templates == ["填报说明.docx", "附件1 数字乡村试点项目汇总表.xlsx", "附件2 试点项目实施进度表.xlsx"]
    template = tmp_path / "模板" / templates[1]
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    county_file(template, inbox / "农安县.xlsx", [
        {"所在县（市、区）": "农安县", "项目名称": "农安县智慧农业平台", "项目类别": "智慧农业",
         "建设单位": "农安县农业农村局", "统一社会信用代码": code("11220122MB0000002"), "总投资（万元）": 1000,
         "其中：数字化投资（万元）": 300, "计划开工时间": "2026年3月"},  # exactly 30%: passes
        {"所在县（市、区）": "农安县", "项目名称": "农安县乡村治理网格", "项目类别": "乡村治理",
         "总投资（万元）": 150, "其中：数字化投资（万元）": 100, "计划开工时间": "2026年5月"},
    ])
    county_file(template, inbox / "榆树市.xlsx", [
        {"所在县（市、区）": "榆树市", "项目名称": "榆树市惠民服务一网通", "项目类别": "便民服务",
         "建设单位": "榆树市政务服务中心", "统一社会信用代码": code("11220182MB0000003"), "总投资（万元）": 200,
         "其中：数字化投资（万元）": 10, "计划开工时间": "2025年11月"},
        {"所在县（市、区）": "榆树市", "项目名称": "榆树市智慧农业示范", "项目类别": "智慧农业",
         "建设单位": "榆树市某农机服务部", "统一社会信用代码": code("92220182MA0000004"), "总投资（万元）": 800,
         "其中：数字化投资（万元）": 239.99, "计划开工时间": "2026年4月"},
    ])

    out = tmp_path / "结果"
    ran = runner.invoke(cli, ["run", str(book), str(inbox), "-o", str(out), "--json", "--unit-name", "长春市"])
    assert ran.exit_code == 1, ran.output  # two projects rejected
    result = json.loads(ran.stdout)
    assert result["pack"] == "jl-szxc-2026"
    assert result["counts"]["rows_read"] == 4
    assert (result["counts"]["accepted"], result["counts"]["rejected"]) == (2, 2)
    verdicts = sorted((Path(f["file"]).name, f["row"], f["code"], f["severity"]) for f in result["findings"]
                      if f["code"].startswith("criteria."))
    first = min(row for _, row, _, _ in verdicts)  # the template's first data row
    assert verdicts == sorted([
        ("农安县.xlsx", first + 1, "criteria.applicant-given", "error"),
        ("农安县.xlsx", first + 1, "criteria.min-investment", "error"),
        ("榆树市.xlsx", first, "criteria.start-this-year", "warning"),
        ("榆树市.xlsx", first + 1, "criteria.digital-share", "error"),
        ("榆树市.xlsx", first + 1, "criteria.not-individual", "warning"),
    ])
    assert result["not_reported"] == ["德惠市"]
    assert result["totals"]["total_investment"] == 1200  # the accepted: 1000 + 200
    assert any(name.endswith(".docx") for name in result["outputs"].values())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("申报包") and p != book]
