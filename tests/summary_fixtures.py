"""County workbooks of the 761 campaign for two cities, for the summary tests.

Each county's own table (title, 填报单位 line, one header row of the pack's headers) written by
xlsxwriter with every text cell as a string, so a project name `=HYPERLINK(...)` arrives as text,
the way it does when a county types it after an apostrophe or sends a CSV. Between them the
counties cover every category (all three 归口部门), one rejected project, one exact duplicate
and one suspected pair.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from tests.inbox_fixtures import code
from toolkit.packs.loader import load_pack
from toolkit.packs.model import Pack

PACK = load_pack("jl-761-2020")
HYPERLINK = '=HYPERLINK("http://x","y")'


def project(county: str, name: str, category: str, applicant: str, uscc17: str, total: float,
            **more: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "county": county, "project_name": name, "category": category, "stage": "续建项目",
        "applicant": applicant, "uscc": code(uscc17), "scope": "建设内容", "total_investment": total,
        "start_date": "2019年5月", "end_date": "2021年12月", "progress": "主体完工",
        "responsible_person": "王建国", "phone": "13904310001",
    }
    row.update(more)
    return row


SMART_CITY = dict(applicant="长春市南关区城市管理局", uscc17="11220102MB0000011")

COUNTIES: dict[str, dict[str, list[dict[str, Any]]]] = {
    "长春市": {
        "南关区": [
            project("南关区", "南关区政务云扩容项目", "数字政务基础设施", "长春市南关区政务服务中心",
                    "11220102MB0000010", 1200.1, completed_investment=300.1, scope="+扩容800核"),
            project("南关区", HYPERLINK, "数字政务基础设施", "长春市南关区数据局", "11220102MB0000012", 600.2,
                    completed_investment=600.2),
            project("南关区", "南关区城市大数据中心", "大数据中心", "吉林省南关数据科技有限公司",
                    "91220102MA0000013", 3000, bigdata_investment=2000, stage="谋划项目", proposal_done="是"),
            project("南关区", "南关区智慧城管平台（一期）", "数字政务基础设施", total=800, **SMART_CITY),
            project("南关区", "南关区小型数据机房", "大数据中心", "长春市南关区教育局", "11220102MB0000014", 300,
                    bigdata_investment=200),
        ],
        "朝阳区": [
            project("朝阳区", "南关区智慧城管平台项目一期", "数字政务基础设施", total=850, **SMART_CITY),
            project("朝阳区", "朝阳区人工智能视觉检测项目", "人工智能", "吉林省朝阳智能科技有限公司", "91220104MA0000020",
                    5000, ai_subtype="智能制造", stage="新开工项目", feasibility_done="是", funding_secured="是",
                    start_date="2020年9月"),
            project("朝阳区", "朝阳区工业互联网平台", "工业互联网", "吉林省朝阳互联科技有限公司", "91220104MA0000021",
                    1500.3, enterprise_type="新一代信息技术类企业", pledge_given="是", no_major_accident="是"),
            project("南关区", "南关区政务云扩容项目", "数字政务基础设施", "长春市南关区政务服务中心",
                    "11220102MB0000010", 1200.1, completed_investment=300.1, scope="+扩容800核"),
        ],
    },
    "吉林市": {
        "船营区": [
            project("船营区", "船营区5G基站建设", "5G基础设施", "中国移动通信集团吉林有限公司吉林分公司",
                    "91220204MA0000030", 4000.5),
            project("船营区", "船营区政务数据共享平台", "数字政务基础设施", "吉林市船营区政务服务中心",
                    "11220204MB0000031", 700),
        ],
        "丰满区": [
            project("丰满区", "丰满区通信管线改造", "通信基础设施", "中国联通吉林市分公司",
                    "91220211MA0000040", 900.05),
            project("丰满区", "丰满区智能工厂改造", "人工智能", "吉林省丰满精工制造有限公司", "91220211MA0000041",
                    2500.25, ai_subtype="产品产业化"),
            project("丰满区", "@丰满区大数据应用中心", "大数据中心", "吉林市丰满区大数据中心", "12220211MB0000042",
                    1000, bigdata_investment=600.1),
        ],
    },
}
# What the city summaries must hold: every project but the rejected one and the exact copy.
ACCEPTED = {"长春市": 7, "吉林市": 5}


def write_county(path: Path, unit: str, rows: list[dict[str, Any]], pack: Pack = PACK) -> Path:
    annex = pack.annex("projects")
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("项目表")
    ws.write_string(0, 0, f"{unit}“761”工程智能信息网新增入库项目表")
    ws.write_string(1, 0, f"填报单位（盖章）：{unit}    填报日期：2020年7月15日    单位：万元")
    ws.write_string(2, 0, "序号")
    for c, f in enumerate(annex.fields, start=1):
        ws.write_string(2, c, f.header)
    for r, row in enumerate(rows, start=3):
        ws.write_number(r, 0, r - 2)
        for c, f in enumerate(annex.fields, start=1):
            value = row.get(f.key)
            if isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, str(value))
    wb.close()
    return path


def build_city(root: Path, city: str) -> Path:
    """The inbox of one city: one workbook per county."""
    folder = root / city
    folder.mkdir(parents=True, exist_ok=True)
    for county, rows in COUNTIES[city].items():
        write_county(folder / f"{county}.xlsx", county, rows)
    return folder
