"""Form annexes: read by the template's cell names, lists row by row, or by labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from tests.inbox_fixtures import write_rows
from toolkit.ingest.inbox import ingest
from toolkit.packs.loader import load_pack
from toolkit.template import write_templates
from toolkit.validate import validate

PACK = load_pack("jl-gyhlw-2020")


def fill_form(annex_id: str, path: Path, values: dict[str, Any]) -> Path:
    template = write_templates(PACK, path.parent.parent / "templates", [annex_id])[0]
    wb = openpyxl.load_workbook(template)
    for name, value in values.items():
        for sheet, ref in wb.defined_names[name].destinations:
            wb[sheet][ref.replace("$", "").split(":")[0]] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_form_read_by_the_template_names(tmp_path: Path) -> None:
    path = fill_form("application", tmp_path / "in" / "甲公司.xlsx",
                     {"sb_project_name": "长春某工业互联网平台项目", "sb_profit_2019": "-35万元", "sb_total_assets_2019": "1.2亿元"})
    result = ingest(PACK, [tmp_path / "in"])
    (report,) = result.files
    assert (report.status, report.annex, report.rows) == ("ok", "application", 1)
    (record,) = result.records
    assert record.values["project_name"] == "长春某工业互联网平台项目"
    assert record.values["profit_2019"] == -35.0 and record.values["total_assets_2019"] == 12000.0
    check = openpyxl.load_workbook(path)
    dest = next(iter(check.defined_names["sb_profit_2019"].destinations))
    assert record.cells["profit_2019"] == dest[1].replace("$", "")
    codes = {f.code for f in validate(PACK, result.records, result.findings).findings}
    assert "criteria.not-loss-making" in codes


def test_indicator_lists_are_read_row_by_row(tmp_path: Path) -> None:
    fill_form("performance", tmp_path / "in" / "甲公司绩效目标.xlsx", {
        "sb_project_name": "长春某工业互联网平台项目",
        "sb_quantitative_1_name": "平台接入设备", "sb_quantitative_1_value": "5000台",
        "sb_quantitative_2_name": "服务企业", "sb_quantitative_2_value": "大幅提升",
        "sb_qualitative_1_name": "带动转型", "sb_qualitative_1_value": "促进产业升级",
    })
    result = ingest(PACK, [tmp_path / "in"])
    (record,) = result.records
    assert record.annex == "performance"
    assert record.values["quantitative"] == [
        {"name": "平台接入设备", "value": "5000台"}, {"name": "服务企业", "value": "大幅提升"}]
    assert record.values["qualitative"] == [{"name": "带动转型", "value": "促进产业升级"}]
    codes = [f.code for f in validate(PACK, result.records, result.findings).findings]
    assert "criteria.perf-quantitative-measurable" in codes


def test_a_form_without_names_is_read_by_its_labels(tmp_path: Path) -> None:
    rows = [["2020年度省级工业互联网及制造业服务化示范项目申报书"],
            ["项目名称", "吉林某数字工厂项目", "预计完成时间", "2021年12月"],
            ["单位名称", "吉林某装备制造有限公司", "统一社会信用代码", "91220101MA0000001X"]]
    (tmp_path / "in").mkdir()
    write_rows(tmp_path / "in" / "乙公司.xlsx", {"申报书": rows})
    result = ingest(PACK, [tmp_path / "in"])
    (record,) = result.records
    assert record.annex == "application"
    assert record.values["project_name"] == "吉林某数字工厂项目" and record.cells["project_name"] == "B2"
    assert record.values["expected_completion"] == "2021-12" and record.cells["expected_completion"] == "D2"
    assert record.values["uscc"] == "91220101MA0000001X"


def test_unreadable_form_cell_rejects_the_form(tmp_path: Path) -> None:
    fill_form("application", tmp_path / "in" / "丙公司.xlsx",
              {"sb_project_name": "吉林某项目", "sb_profit_2019": "亏损约三十万"})
    result = ingest(PACK, [tmp_path / "in"])
    (finding,) = [f for f in result.findings if f.code == "value.unreadable"]
    (record,) = result.records
    assert finding.row != record.row  # the cell is further down the form than its first field
    checked = validate(PACK, result.records, result.findings)
    assert checked.rejected == [record] and finding in checked.reasons_for(record)
    located = [f for f in checked.findings if f.cell]
    assert all(f.row == int("".join(ch for ch in f.cell or "" if ch.isdigit())) for f in located)
