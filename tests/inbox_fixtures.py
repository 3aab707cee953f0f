"""A county inbox made by code: the template, an older template, own layouts, and unusable files.

Each builder returns the path it wrote. `build_inbox` writes the whole mixed inbox the ingest
tests read, and returns what each file should come to.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter

from toolkit.formats import org_code_check_char, uscc_check_char
from toolkit.packs.loader import load_history, load_pack
from toolkit.packs.model import Pack
from toolkit.template import write_templates


def code(first17: str) -> str:
    """A valid code from a draft: the organisation-code check digit and the final check fixed."""
    first17 = first17[:16] + org_code_check_char(first17[8:16])
    return first17 + uscc_check_char(first17)


USCC_A = code("11220102MB0000000")
USCC_B = code("91220101MA0000001")


def write_rows(path: Path, sheets: dict[str, list[list[Any]]], hidden_rows: dict[str, list[int]] | None = None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        for r in (hidden_rows or {}).get(name, []):
            ws.set_row(r - 1, None, None, {"hidden": True})
    wb.close()
    return path


def own_layout_two_level(path: Path) -> Path:
    """南关区: title, 填报单位 line, a notes sheet first, two-level header with a merged parent,
    text numbers with units, a group heading, a blank line, a hidden row, 合计 and a footer."""
    header1 = ["序号", "县（市、区）", "项目名称", "类别", "项目阶段", "项目单位", "信用代码", "建设内容",
               "投资情况（万元）", None, "开工时间", "进展", "责任人", "联系方式", "县里自加的列"]
    header2 = [None] * 8 + ["总投资", "完成投资"] + [None] * 5
    rows = [
        ["长春市南关区2020年“761”工程智能信息网新增入库项目表"],
        ["填报单位（盖章）：长春市南关区   填报日期：2020年7月15日    单位：万元"],
        header1, header2,
        ["一、数字政务基础设施（2个）"],
        [1, "南关区", "南关区政务云扩容项目", "数字政务", "新建", "长春市南关区政务服务中心", USCC_A, "扩容800核",
         "1,200万元", "１００", "2020.9", "已完成可研", "王建国", "0431-88905678", "备注甲"],
        [2, "南关区", "南关区一网通办平台项目", "数字政务基础设施", "新开工项目", "长春市南关区政务服务中心", USCC_A,
         "平台建设", 0.08, None, "2020年10月", "招标中", "王建国", "13904310001", None],
        [None] * 15,
        ["二、大数据中心（1个）"],
        [3, "南关区", "南关区城市大数据中心", "大数据中心", "续建", "吉林省某数据科技有限公司", USCC_B, "机房",
         3000, "五百万元", "2019年5月", "主体完工", "李四", "13904310002", None],
        ["合计", None, None, None, None, None, None, None, 4280, 600],
        ["填表人：赵六", None, "审核人：钱七", None, "联系电话：0431-88905678"],
    ]
    # Row 10 (the 大数据中心 project) is hidden by the county: still read, with a warning.
    return write_rows(path, {"填表说明": [["请按要求填写"], ["金额单位：万元"]], "项目表": rows}, {"项目表": [10]})


def own_layout_yi_yuan(path: Path) -> Path:
    """朝阳区: one header row, other column order and titles, amounts in 亿元."""
    rows = [
        ["项目名称", "所在县区", "计划总投资（亿元）", "建设单位", "统一社会信用代码", "项目类型", "项目状态",
         "主要建设内容", "目前进展", "项目负责人"],
        ["朝阳区智慧停车平台", "朝阳区", 0.12, "长春市朝阳区城市管理局", USCC_A, "数字政务基础设施", "谋划",
         "停车诱导", "编制建议书", "孙八"],
        ["朝阳区人工智能视觉检测项目", "朝阳区", "0.5亿元", "吉林省某智能科技有限公司", USCC_B, "人工智能", "续建项目",
         "产线检测", "设备安装", "周九"],
    ]
    return write_rows(path, {"Sheet1": rows})


def gbk_csv(path: Path) -> Path:
    with open(path, "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["县（市、区）", "项目名称", "项目类别", "项目阶段", "建设单位", "统一社会信用代码", "建设内容及规模",
                    "总投资（万元）", "进展情况", "项目责任人"])
        w.writerow(["宽城区", "宽城区智慧社区平台", "数字政务基础设施", "续建项目", "长春市宽城区民政局", USCC_A,
                    "社区平台", "800", "试运行", "吴十"])
    return path


def header_only(path: Path) -> Path:
    rows = [["县（市、区）", "项目名称", "项目类别", "项目阶段", "建设单位", "总投资（万元）"]]
    return write_rows(path, {"项目表": rows})


def filled_template(pack: Pack, path: Path, rows: list[dict[str, Any]]) -> Path:
    """The pack's own template, filled in by a county (openpyxl, as a script or Excel would)."""
    annex = pack.annex("projects")
    tmp = path.parent / f".tpl-{path.stem}"
    written = write_templates(pack, tmp, ["projects"])[0]
    wb = openpyxl.load_workbook(written)
    ws = wb[annex.sheet_name]
    header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "序号")
    last_header = header_row + (1 if any(f.group for f in annex.fields) else 0)
    columns = {}
    for c in range(2, ws.max_column + 1):
        for r in (last_header, header_row):
            text = ws.cell(r, c).value
            match = next((f.key for f in annex.fields if f.header == text), None)
            if match:
                columns[match] = c
                break
    for i, values in enumerate(rows):
        r = last_header + 1 + i
        ws.cell(r, 1, i + 1)
        for key, value in values.items():
            ws.cell(r, columns[key], value)
    wb.save(path)
    shutil.rmtree(tmp)
    return path


TEMPLATE_ROW = {
    "county": "农安县", "project_name": "农安县智慧农业大数据中心", "category": "大数据中心", "stage": "续建项目",
    "applicant": "农安县农业农村局", "uscc": code("11220122MB0000002"), "scope": "数据中心机房与平台",
    "total_investment": 2000, "bigdata_investment": 1500, "completed_investment": 300,
    "start_date": "2020年3月", "end_date": "2021年12月", "progress": "主体完工", "responsible_person": "郑一",
    "phone": "13904310003",
}


def build_inbox(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    pack = load_pack("jl-761-2020")
    own_layout_two_level(root / "南关区.xlsx")
    own_layout_yi_yuan(root / "朝阳区.xlsx")
    gbk_csv(root / "宽城区.csv")
    header_only(root / "绿园区.xlsx")
    filled_template(pack, root / "农安县.xlsx", [TEMPLATE_ROW])
    old = load_history(pack, "1.0.0")
    old_row = {k: v for k, v in TEMPLATE_ROW.items() if k not in ("progress", "responsible_person")}
    filled_template(old, root / "榆树市.xlsx", [{**old_row, "county": "榆树市", "project_name": "榆树市政务外网项目",
                                                "category": "数字政务基础设施", "stage": "新建项目",
                                                "bigdata_investment": None}])
    sub = root / "二道区"
    sub.mkdir()
    first = own_layout_yi_yuan(sub / "二道区.xlsx")
    corrected = own_layout_yi_yuan(sub / "二道区（修改）.xlsx")
    import os

    os.utime(first, (1_600_000_000, 1_600_000_000))
    os.utime(corrected, (1_600_000_100, 1_600_000_100))
    whole = (root / "南关区.xlsx").read_bytes()
    (root / "双阳区.xlsx").write_bytes(whole[: len(whole) // 2])
    (root / "九台区.xlsx").write_bytes(b"")
    (root / "~$南关区.xlsx").write_bytes(b"\x00" * 165)
    (root / "Thumbs.db").write_bytes(b"\x00" * 10)
    (root / "通知.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    write_rows(root / "德惠市.xlsx", {"Sheet1": [["本县无项目，特此说明"]]})
    return root
