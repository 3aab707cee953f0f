#!/usr/bin/env python
"""Write `samples/<pack-id>/`: for each built-in pack, one inbox as a city clerk receives it.

    python scripts/make_samples.py               # rewrite samples/ (the committed ones)
    python scripts/make_samples.py --out DIR     # write the same inboxes elsewhere (tests)
    python scripts/make_samples.py --no-office   # skip the .xls/.ods made with LibreOffice

Deterministic: one fixed random seed, fixed dates, fixed file times (no clock), zip entries with a
fixed timestamp, so a rerun gives the same cell values (and, for the .xlsx, the same bytes).

Most workbooks are the pack's own template (written by `write_templates`) filled in below the
header with openpyxl, as a county would in Excel; a few are a county's own layout (title,
填报单位 line, two-level header, headings between groups, 小计/合计, a footer, amounts in 亿元 or
written as text, dates written ten ways); the .xls and .ods are made from such a layout with
LibreOffice headless. Each pack's inbox carries a handful of realistic problems, listed in
samples/README.md with the finding codes a clerk should see; tests/test_samples.py checks them.
"""

from __future__ import annotations

import argparse
import calendar
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from toolkit.packs.examples import make_idcard, make_mobile, make_uscc
from toolkit.packs.loader import load_history, load_pack
from toolkit.packs.model import Annex, Pack
from toolkit.template import template_name, write_templates
from toolkit.xlsx.ziptimes import fix_entry_times

ROOT = Path(__file__).resolve().parents[1]
SEED = 20200710
ZIP_TIME = (2020, 7, 16, 9, 0, 0)
OFFICE_EXTS = (".xls", ".ods")

Row = dict[str, Any]


# ------------------------------------------------------------------ people, codes, phones

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["建国", "立新", "海涛", "丽娟", "志强", "春梅", "晓东", "秀英", "国庆", "文博", "雪松", "红霞", "宏伟",
         "子涵", "宇航", "俊杰", "淑华", "永刚", "凤霞", "德福", "一鸣", "思远", "晓燕", "振华", "桂芝", "明辉",
         "玉兰", "鹏飞", "静怡", "长春", "松涛", "博文", "雅琴", "立军", "佳琪", "云峰", "婷婷", "德胜"]


class People:
    """Names, codes and phone numbers from one seeded generator; one code per unit name."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.codes: dict[str, str] = {}

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def uscc(self, unit: str, region: str, kind: str | None = None) -> str:
        """The unit's credit code: 11 机关, 12 事业单位, 91 企业 (guessed from the name)."""
        if unit not in self.codes:
            kind = kind or unit_kind(unit)
            self.codes[unit] = make_uscc(self.rng, region=region, kind=kind)
        return self.codes[unit]

    def mobile(self) -> str:
        return make_mobile(self.rng)

    def fixed(self, area: str = "0431") -> str:
        return f"{area}-{self.rng.randint(8100_0000, 8999_9999)}"

    def phone(self, area: str = "0431") -> str:
        return self.mobile() if self.rng.random() < 0.6 else self.fixed(area)

    def idcard(self, region: str) -> str:
        return make_idcard(self.rng, region=region)


def unit_kind(unit: str) -> str:
    if re.search(r"(公司|集团|有限|股份|厂)", unit):
        return "91"
    if re.search(r"(中心|医院|学校|研究院|研究所|站|馆)$", unit):
        return "12"
    return "11"


def bad_check_char(code: str) -> str:
    """The same code with its check character changed: what a mistyped last character gives."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    wrong = alphabet[(alphabet.index(code[-1]) + 7) % len(alphabet)]
    return code[:-1] + wrong


# ------------------------------------------------------------------ files

def fixed_time(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> float:
    return float(calendar.timegm((year, month, day, hour, minute, 0)))


def tidy_zip(path: Path, stamp: datetime) -> None:
    """Fixed entry times and document dates, so the same content gives the same bytes."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso, data)
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    os.replace(tmp, path)


def save(wb: openpyxl.Workbook, path: Path, author: str, when: datetime) -> Path:
    wb.properties.creator = author
    wb.properties.lastModifiedBy = author
    wb.properties.created = when
    wb.properties.modified = when
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    tidy_zip(path, when)
    stamp = fixed_time(when.year, when.month, when.day, when.hour, when.minute)
    os.utime(path, (stamp, stamp))
    return path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, ext: str, target: Path, when: datetime) -> Path:
    """`src` -> `target` (.xls or .ods) with LibreOffice headless, in a private profile."""
    exe = soffice()
    assert exe is not None
    filters = {".xls": "xls:MS Excel 97", ".ods": "ods"}
    with tempfile.TemporaryDirectory(prefix="lo-") as work:
        profile = Path(tempfile.gettempdir()) / f"lo-{uuid.uuid4().hex}"
        try:
            subprocess.run(
                [exe, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                 "--convert-to", filters[ext], "--outdir", work, str(src)],
                check=True, timeout=180, capture_output=True,
            )
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        made = Path(work) / f"{src.stem}{ext}"
        if not made.exists():
            raise RuntimeError(f"LibreOffice did not write {made.name}")
        shutil.copyfile(made, target)
    if ext == ".ods":
        fix_entry_times(target, when)  # LibreOffice dates each part with the time it wrote it
    stamp = fixed_time(when.year, when.month, when.day, when.hour, when.minute)
    os.utime(target, (stamp, stamp))
    return target


# ------------------------------------------------------------------ the pack's own templates

def template_book(pack: Pack, annex_id: str, work: Path) -> tuple[openpyxl.Workbook, Annex]:
    annex = pack.annex(annex_id)
    folder = work / f"tpl-{pack.id}-{pack.version}-{annex_id}"
    path = folder / template_name(annex)
    if not path.exists():
        write_templates(pack, folder, [annex_id])
    return openpyxl.load_workbook(path), annex


def fill_table(pack: Pack, annex_id: str, rows: Sequence[Row], path: Path, work: Path, *,
               unit_line: str | None, author: str, when: datetime) -> Path:
    """The template of a table annex with `rows` typed in below the header, as in Excel."""
    wb, annex = template_book(pack, annex_id, work)
    ws = wb[annex.sheet_name]
    header = next(r for r in range(1, 12) if ws.cell(r, 1).value == "序号")
    last_header = header + (1 if any(f.group for f in annex.fields) else 0)
    columns: dict[str, int] = {}
    for c in range(2, ws.max_column + 1):
        for r in (last_header, header):
            key = next((f.key for f in annex.fields if f.header == ws.cell(r, c).value), None)
            if key:
                columns[key] = c
                break
    if unit_line is not None:
        ws.cell(2, 1, unit_line)
    for i, values in enumerate(rows, 1):
        r = last_header + i
        ws.cell(r, 1, i)
        for key, value in values.items():
            if key in columns and value is not None:
                ws.cell(r, columns[key], value)
    return save(wb, path, author, when)


def fill_form(pack: Pack, annex_id: str, values: Row, path: Path, work: Path, *,
              author: str, when: datetime) -> Path:
    """A form annex filled through its `sb_` names (list rows: `sb_<key>_<n>_<item>`)."""
    wb, annex = template_book(pack, annex_id, work)
    cells: dict[str, tuple[str, str]] = {}
    for name, dn in wb.defined_names.items():
        if name.startswith("sb_"):
            dest = list(dn.destinations)
            if dest:
                sheet, ref = dest[0]
                cells[name] = (sheet, ref.replace("$", "").split(":")[0])
    for f in annex.fields:
        value = values.get(f.key)
        if value is None:
            continue
        if f.type == "list":
            for n, item in enumerate(value, 1):
                for key, v in item.items():
                    sheet, ref = cells[f"sb_{f.key}_{n}_{key}"]
                    wb[sheet][ref] = v
        else:
            sheet, ref = cells[f"sb_{f.key}"]
            wb[sheet][ref] = value
    return save(wb, path, author, when)


# ------------------------------------------------------------------ a county's own layout

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SONG = "宋体"


@dataclass(frozen=True)
class Col:
    title: str
    key: str | None  # the canonical value it shows; None for 序号
    width: float = 12
    parent: str | None = None  # the merged upper header over a run of columns


@dataclass
class OwnSheet:
    """A county's hand-made table, row by row, with the styling clerks give it."""

    ws: Worksheet
    cols: Sequence[Col]
    r: int = 0
    data_rows: list[int] = field(default_factory=list)

    @property
    def last(self) -> int:
        return len(self.cols)

    def merged_line(self, text: str, *, size: int = 11, bold: bool = False, height: float = 22,
                    align: str = "left") -> None:
        self.r += 1
        self.ws.cell(self.r, 1, text).font = Font(name=SONG, size=size, bold=bold)
        self.ws.cell(self.r, 1).alignment = Alignment(horizontal=align, vertical="center")
        self.ws.merge_cells(start_row=self.r, start_column=1, end_row=self.r, end_column=self.last)
        self.ws.row_dimensions[self.r].height = height

    def title(self, text: str) -> None:
        self.merged_line(text, size=16, bold=True, height=36, align="center")

    def header(self) -> None:
        two = any(c.parent for c in self.cols)
        top = self.r + 1
        bottom = top + (1 if two else 0)
        head = Font(name=SONG, size=10, bold=True)
        centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for i, col in enumerate(self.cols, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = col.width
            if col.parent:
                self.ws.cell(bottom, i, col.title)
                if i == 1 or self.cols[i - 2].parent != col.parent:
                    self.ws.cell(top, i, col.parent)
                    end = i
                    while end < len(self.cols) and self.cols[end].parent == col.parent:
                        end += 1
                    self.ws.merge_cells(start_row=top, start_column=i, end_row=top, end_column=end)
            else:
                self.ws.cell(top, i, col.title)
                if two:
                    self.ws.merge_cells(start_row=top, start_column=i, end_row=bottom, end_column=i)
            for r in range(top, bottom + 1):
                self.ws.cell(r, i).font = head
                self.ws.cell(r, i).alignment = centre
                self.ws.cell(r, i).border = BOX
        for r in range(top, bottom + 1):
            self.ws.row_dimensions[r].height = 30
        self.r = bottom
        self.ws.freeze_panes = self.ws.cell(bottom + 1, 1)

    def row(self, values: Sequence[Any], *, bold: bool = False) -> int:
        self.r += 1
        for i, value in enumerate(values, 1):
            cell = self.ws.cell(self.r, i, value)
            cell.font = Font(name=SONG, size=10, bold=bold)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.border = BOX
        return self.r

    def data(self, values: Sequence[Any]) -> int:
        r = self.row(values)
        self.data_rows.append(r)
        return r

    def heading(self, text: str) -> None:
        self.merged_line(text, bold=True, size=10, height=20)
        self.ws.cell(self.r, 1).border = BOX

    def blank(self) -> None:
        self.r += 1

    def total(self, label: str, sums: dict[str, float]) -> None:
        values: list[Any] = [None] * self.last
        values[1] = label
        for i, col in enumerate(self.cols):
            if col.key in sums:
                values[i] = round(sums[col.key], 4)
        self.row(values, bold=True)

    def footer(self, parts: Sequence[tuple[int, str]]) -> None:
        self.r += 2
        for col, text in parts:
            self.ws.cell(self.r, col, text).font = Font(name=SONG, size=10)

    def print_setup(self) -> None:
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = self.ws.PAPERSIZE_A3
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True


def month_text(iso: str | None, style: str) -> str | None:
    """`2020-09` as a county writes it: `2020.9`, `2020年9月`, `2020/9`, `2020-09`."""
    if iso is None:
        return None
    year, month = iso.split("-")[:2]
    m = int(month)
    return {"dot": f"{year}.{m}", "cn": f"{year}年{m}月", "slash": f"{year}/{m}", "iso": iso}[style]


def own_cells(project: Row, cols: Sequence[Col], seq: int, render: Callable[[str, Any], Any]) -> list[Any]:
    """A project's row in an own layout: `project["written"]` overrides how a value is written."""
    written = project.get("written", {})
    out: list[Any] = []
    for col in cols:
        if col.key is None:
            out.append(seq)
        elif col.key in written:
            out.append(written[col.key])
        else:
            out.append(render(col.key, project.get(col.key)))
    return out


def group_sums(projects: Sequence[Row], keys: Sequence[str], scale: float = 1.0) -> dict[str, float]:
    """What a county adds up in a 小计/合计 row: the amounts, leaving out a guess (`五百左右`)."""
    sums: dict[str, float] = {}
    for key in keys:
        amounts = [p[key] for p in projects if isinstance(p.get(key), (int, float))
                   and "左右" not in str(p.get("written", {}).get(key, ""))]
        if amounts:
            sums[key] = sum(amounts) / scale
    return sums


# ================================================================== jl-761-2020 (长春市)

CC_REGION = {"南关区": "220102", "宽城区": "220103", "朝阳区": "220104", "二道区": "220105", "绿园区": "220106",
             "双阳区": "220112", "九台区": "220113", "农安县": "220122", "榆树市": "220182", "德惠市": "220183",
             "公主岭市": "220184", "长春市": "220100"}
CMCC = "中国移动通信集团吉林有限公司长春分公司"
CUCC = "中国联合网络通信有限公司长春市分公司"
CTCC = "中国电信股份有限公司长春分公司"
TOWER = "中国铁塔股份有限公司长春市分公司"
CC_TRANSPORT = "长春市交通运输局"


def p761(people: People, county: str, name: str, category: str, stage: str, applicant: str, scope: str,
         total: float, *, region: str | None = None, **more: Any) -> Row:
    """One 761 project with everything a clean row needs; `more` overrides or adds."""
    region = region or (CC_REGION["长春市"] if applicant in (CMCC, CUCC, CTCC, TOWER, CC_TRANSPORT) else CC_REGION[county])
    row: Row = {
        "county": county, "project_name": name, "category": category, "stage": stage,
        "applicant": applicant, "uscc": people.uscc(applicant, region), "scope": scope,
        "total_investment": total, "responsible_person": people.name(), "phone": people.phone(),
    }
    if stage == "谋划项目":
        row.update(proposal_done="是", feasibility_done="否", funding_secured="否",
                   start_date="2021-04", end_date="2022-10", progress="项目建议书已编制完成，正在开展前期论证")
    elif stage == "新开工项目":
        row.update(proposal_done="是", feasibility_done="是", funding_secured="是",
                   start_date="2020-09", end_date="2021-10", progress="可研报告已批复，正在开展招标")
    else:
        row.update(proposal_done="是", feasibility_done="是", funding_secured="是",
                   start_date="2019-09", end_date="2020-12", completed_investment=round(total * 0.45, 1),
                   progress="主体工程已完工，正在联调测试")
    if category == "工业互联网":
        row.update(enterprise_type="制造业企业", self_assessment_done="是", no_major_accident="是", pledge_given="是")
    row.update(more)
    return row


def data_761(people: People) -> dict[str, list[Row]]:
    P = p761
    n = people
    out: dict[str, list[Row]] = {}
    out["南关区"] = [
        P(n, "南关区", "南关区“一网通办”政务服务平台升级项目", "数字政务基础设施", "续建项目",
          "长春市南关区政务服务和数字化建设管理局",
          "升级区级政务服务平台，对接省“吉事办”，新增电子证照、“好差评”模块，覆盖12个街道便民服务中心", 860,
          completed_investment=420, start_date="2019-10", progress="电子证照模块已上线，“好差评”模块联调中"),
        P(n, "南关区", "南关区城市运行大数据中心建设项目", "大数据中心", "新开工项目", "长春南关城市发展投资集团有限公司",
          "新建数据中心机房200个机柜，建设城市运行数据汇聚、治理、分析平台和领导驾驶舱", 3200,
          bigdata_investment=2100, end_date="2021-12"),
        P(n, "南关区", "南关区智慧社区综合服务平台项目", "数字政务基础设施", "谋划项目", "长春市南关区民政局",
          "建设社区网格化管理、居家养老、社区服务“一张网”，覆盖68个社区", 650),
        P(n, "南关区", "南关区5G基站新建工程", "5G基础设施", "新开工项目", CMCC,
          "新建5G宏基站120个、室内分布系统30套，实现城区主要街道和商圈连续覆盖", 4800,
          start_date="2020-08", end_date="2020-12", progress="已完成站址勘察，40个基站已开工"),
        # Planted: a 新开工项目 that will only start next year (一(一)6).
        P(n, "南关区", "南关区智慧停车诱导系统建设项目", "数字政务基础设施", "新开工项目", "长春市南关区城市管理局",
          "建设停车诱导屏45块、路内泊位地磁检测8000个及停车信息管理平台", 780,
          start_date="2021-03", end_date="2021-12", progress="可研报告已批复，资金已落实，计划2021年3月开工"),
        P(n, "南关区", "南关区人工智能医学影像辅助诊断应用项目", "人工智能", "续建项目", "吉林省康联医疗科技有限公司",
          "在区内6家医院部署肺结节、骨折等AI影像辅助诊断系统，建设区域影像云平台", 1500,
          ai_subtype="融合应用", start_date="2019-06", completed_investment=900),
    ]
    shared_5g = dict(category="5G基础设施", stage="新开工项目", applicant=TOWER,
                     scope="新建及改造5G基站站址360个，统筹城区杆塔、楼顶资源共建共享，共享率90%以上", total=6800)
    out["宽城区"] = [
        # Planted: a 大数据中心 whose big-data part is 900 of 2600 万元 (34.6%, under 50%) (一(一)1).
        P(n, "宽城区", "宽城区政务大数据中心建设项目", "大数据中心", "新开工项目", "长春市宽城区政务服务和数字化建设管理局",
          "建设政务云机房及网络、安全设施，建设数据共享交换平台（其中大数据存储、分析和应用部分900万元）", 2600,
          bigdata_investment=900, start_date="2020-08", end_date="2021-10"),
        P(n, "宽城区", "宽城区智慧教育云平台项目", "数字政务基础设施", "续建项目", "长春市宽城区教育局",
          "建设区级教育云平台、智慧校园管理系统，覆盖全区42所中小学", 1200, completed_investment=600,
          end_date="2021-06"),
        # Planted (with 二道区): the same project sent by two counties.
        P(n, "宽城区", "长春市城区5G基站共建共享工程（2020年）", **shared_5g,
          start_date="2020-07", end_date="2020-12", progress="已完成规划选址，累计开通基站110个",
          responsible_person="孟凡宇", phone="13904317788"),
        P(n, "宽城区", "宽城区工业互联网标识解析二级节点应用项目", "工业互联网", "续建项目", "长春北辰轨道装备有限公司",
          "建设轨道客车零部件行业标识解析二级节点应用，接入上下游企业80家", 1800, completed_investment=700),
        P(n, "宽城区", "宽城区光纤宽带网络提速改造工程", "通信基础设施", "续建项目", CUCC,
          "老旧小区光纤到户改造5.6万户，新建OLT设备48台", 2300, completed_investment=1500,
          start_date="2019-05", end_date="2020-11"),
    ]
    out["朝阳区"] = [
        P(n, "朝阳区", "朝阳区“互联网+监管”平台建设项目", "数字政务基础设施", "新开工项目", "长春市朝阳区市场监督管理局",
          "建设“双随机、一公开”监管、信用监管和风险预警系统", 1200, start_date="2020-09", end_date="2021-06",
          written={"total_investment": "1,200", "completed_investment": "—"}),
        P(n, "朝阳区", "朝阳区12345政务服务便民热线整合项目", "数字政务基础设施", "续建项目", "长春市朝阳区政务服务中心",
          "整合区内各类政务服务热线，建设智能语音导航和工单管理系统", 500, completed_investment=260,
          start_date="2019-10", end_date="2020-10",
          written={"total_investment": "500万元", "start_date": "2019年10月", "end_date": "2020年10月"}),
        P(n, "朝阳区", "长春市智慧交通一期项目", "人工智能", "续建项目", CC_TRANSPORT,
          "建设交通大数据平台、AI信号配时优化系统，改造路口信号机260处", 4500, ai_subtype="融合应用",
          completed_investment=2000, start_date="2019-08", end_date="2021-06",
          progress="一期平台已上线，路口信号机改造完成150处", responsible_person="邵立军", phone="0431-88776655"),
        P(n, "朝阳区", "朝阳区智能制造视觉检测系统产业化项目", "人工智能", "新开工项目", "吉林省光谷智能装备有限公司",
          "研发汽车零部件表面缺陷AI视觉检测设备，建设年产300台套生产线", 2800, ai_subtype="产品产业化",
          start_date="2020-08", end_date="2021-12", written={"start_date": "2020年8月", "end_date": "2021年12月"}),
        # Planted: an amount nobody can add up (`五百左右`).
        P(n, "朝阳区", "朝阳区城区通信管道及光缆迁改工程", "通信基础设施", "续建项目", CTCC,
          "配合道路改造迁改通信管道12公里、光缆86皮长公里", 500, completed_investment=200,
          start_date="2020-03", end_date="2020-12", written={"total_investment": "五百左右"}),
        P(n, "朝阳区", "朝阳区5G网络深度覆盖工程", "5G基础设施", "新开工项目", CUCC,
          "新建5G基站95个，重点覆盖红旗街商圈、高校园区和医院", 3600, start_date="2020-08", end_date="2020-12"),
    ]
    out["二道区"] = [
        P(n, "二道区", "二道区智慧城管综合指挥平台项目", "数字政务基础设施", "续建项目", "长春市二道区城市管理局",
          "建设城管综合指挥平台，接入视频监控1200路，实现网格化巡查和案件闭环处置", 1100, completed_investment=500),
        # Planted: a 谋划项目 whose 项目建议书 is not done (一(一)5).
        P(n, "二道区", "二道区数字乡村综合服务平台项目", "数字政务基础设施", "谋划项目", "长春市二道区农业农村局",
          "建设涉农数据资源库和数字乡村综合服务平台，覆盖全区36个行政村", 600, proposal_done="否",
          progress="正在开展前期调研，项目建议书编制中"),
        P(n, "二道区", "长春市城区5G基站共建共享工程（2020年）", **shared_5g,
          start_date="2020-07", end_date="2020-12", progress="已完成规划选址，累计开通基站110个",
          responsible_person="孟凡宇", phone="13904317788"),
        # Planted (with 朝阳区 长春市智慧交通一期项目): the same project under another name.
        P(n, "二道区", "长春市智慧交通项目（一期）", "人工智能", "续建项目", CC_TRANSPORT,
          "建设交通大数据平台和AI信号配时优化系统，改造路口信号机260处", 4500, ai_subtype="融合应用",
          completed_investment=2100, start_date="2019-08", end_date="2021-06",
          progress="平台已上线运行，信号机改造完成160处", responsible_person="邵立军", phone="0431-88776655"),
        P(n, "二道区", "二道区汽车零部件企业工业互联网平台应用项目", "工业互联网", "新开工项目", "长春东环汽车零部件有限公司",
          "建设设备联网和生产管理平台，实现冲压、焊装车间320台设备数据采集", 1600),
    ]
    lvyuan = [
        P(n, "绿园区", "绿园区政务服务“好差评”系统建设项目", "数字政务基础设施", "续建项目", "长春市绿园区政务服务和数字化建设管理局",
          "建设政务服务“好差评”系统，接入区、街道、社区三级服务窗口", 560, completed_investment=300),
        P(n, "绿园区", "绿园区汽车零部件智能工厂建设项目", "人工智能", "新开工项目", "长春瑞丰汽车零部件有限公司",
          "建设底盘零部件智能工厂，引进焊接机器人48台，建设MES和智能仓储系统", 5600, ai_subtype="智能制造",
          start_date="2020-10", end_date="2021-12"),
        P(n, "绿园区", "绿园区工业互联网平台建设项目", "工业互联网", "续建项目", "吉林省云启信息技术有限公司",
          "建设面向装备制造的工业互联网平台，开发工业APP 30个，服务区内企业120家", 2100,
          enterprise_type="新一代信息技术类企业", self_assessment_done=None),
        P(n, "绿园区", "绿园区通信基础设施提升工程", "通信基础设施", "新开工项目", CTCC,
          "新建通信管道18公里，改造机房6处，提升西部新城光网覆盖", 1350, start_date="2020-09", end_date="2020-12"),
    ]
    # The first file was sent on the 1.0.0 template (no 进展情况/项目责任人 columns, 新建项目) ...
    out["绿园区_old"] = [{**row, "stage": "新建项目" if row["stage"] == "新开工项目" else row["stage"]} for row in lvyuan]
    # ... the corrected one on the 1.1.0 template, with one project added.
    out["绿园区"] = [*lvyuan,
                  P(n, "绿园区", "绿园区城市大数据中心二期项目", "大数据中心", "谋划项目", "长春绿园城市建设投资有限公司",
                    "建设城市大数据中心二期，新增机柜300个，建设数据治理和开放平台", 5200, bigdata_investment=3600)]
    out["九台区"] = [
        P(n, "九台区", "九台区政务云平台扩容项目", "数字政务基础设施", "续建项目", "长春市九台区政务服务和数字化建设管理局",
          "政务云扩容计算资源800核、存储500TB，迁移部门业务系统26个", 1200, completed_investment=500),
        P(n, "九台区", "九台区城市运营管理中心建设项目", "大数据中心", "新开工项目", "长春九台城市发展集团有限公司",
          "建设城市运营管理中心，汇聚城市管理、应急、交通数据，建设大数据分析平台", 3500,
          bigdata_investment=2200, start_date="2020-10", end_date="2021-12"),
        # Planted: an AI project by a company registered in 江苏 (32…) (一(二)申报条件1).
        P(n, "九台区", "九台区智能网联汽车测试场景应用项目", "人工智能", "新开工项目", "江苏智行未来科技有限公司",
          "建设智能网联汽车封闭测试场景12类，部署路侧感知单元和边缘计算设备", 8000, region="320115",
          ai_subtype="融合应用", start_date="2020-09", end_date="2021-12"),
        P(n, "九台区", "九台区农村5G网络覆盖工程", "5G基础设施", "续建项目", CMCC,
          "新建农村5G基站86个，覆盖全区15个乡镇（街道）所在地", 2600, completed_investment=1500,
          start_date="2020-03", end_date="2020-12"),
        P(n, "九台区", "九台区智慧农业病虫害AI识别平台项目", "人工智能", "谋划项目", "长春市九台区农业技术推广中心",
          "建设农作物病虫害图像识别模型和监测预警平台，布设虫情测报灯40台", 600, ai_subtype="融合应用"),
    ]
    out["农安县"] = [
        P(n, "农安县", "农安县“互联网+政务服务”一体化平台项目", "数字政务基础设施", "续建项目", "农安县政务服务和数字化建设管理局",
          "建设县乡村三级政务服务一体化平台，实现高频事项“一网通办”", 900, completed_investment=650),
        P(n, "农安县", "农安县乡村通信基础设施提升工程", "通信基础设施", "续建项目", CMCC,
          "行政村光纤网络升级改造，新建光缆420皮长公里", 1500, completed_investment=800),
        # Planted: a credit code whose check character is mistyped.
        P(n, "农安县", "农安县智慧粮库人工智能监测项目", "人工智能", "新开工项目", "吉林省丰泽粮食物联网科技有限公司",
          "建设粮情AI监测系统，部署测温、虫害识别和视频分析设备，覆盖12个粮库", 1300, ai_subtype="融合应用",
          start_date="2020-09", end_date="2021-09"),
        P(n, "农安县", "农安县县域大数据中心建设项目", "大数据中心", "新开工项目", "农安县城市发展投资有限公司",
          "建设县域大数据中心机房及数据资源平台，汇聚县直部门数据", 2000, bigdata_investment=1300,
          start_date="2020-08", end_date="2021-08"),
        P(n, "农安县", "农安县“雪亮工程”视频资源整合项目", "数字政务基础设施", "谋划项目", "农安县公安局",
          "整合县内公共视频资源3600路，建设视频共享和智能分析平台", 800),
    ]
    out["农安县"][2]["uscc"] = bad_check_char(out["农安县"][2]["uscc"])
    out["榆树市"] = [
        # Planted: a 数字政务 project under 500万元 (一(一)4).
        P(n, "榆树市", "榆树市电子政务外网升级改造项目", "数字政务基础设施", "新开工项目", "榆树市政务服务和数字化建设管理局",
          "电子政务外网核心设备升级，乡镇节点带宽提升至百兆", 380, start_date="2020-09", end_date="2020-12"),
        # Planted: a 5G project by a company that is not a telecom operator (二、2).
        P(n, "榆树市", "榆树市5G智慧农业基站建设工程", "5G基础设施", "新开工项目", "吉林省恒信网络工程有限公司",
          "在农业示范区新建5G基站24个，支撑农田物联网监测", 960, start_date="2020-09", end_date="2020-12"),
        P(n, "榆树市", "榆树市智慧水务管理平台项目", "数字政务基础设施", "续建项目", "榆树市水利局",
          "建设供水管网监测、水质在线监测和智慧水务管理平台", 980, completed_investment=520),
        P(n, "榆树市", "榆树市稻米加工企业工业互联网改造项目", "工业互联网", "新开工项目", "吉林省榆禾米业有限公司",
          "建设稻米加工生产线设备联网、质量追溯和能耗管理系统", 1300, start_date="2020-10", end_date="2021-09"),
        P(n, "榆树市", "榆树市农村光网和4G/5G补盲工程", "通信基础设施", "续建项目", CTCC,
          "新建光缆260皮长公里，补盲基站38个", 1700, completed_investment=900),
        P(n, "榆树市", "榆树市人工智能产业支撑公共服务平台项目", "人工智能", "谋划项目", "榆树市工业和信息化局",
          "建设面向农产品加工企业的AI算法训练资源库和测试服务平台", 900, ai_subtype="产业支撑体系"),
    ]
    return out


UNIT_LINE_761 = "填报单位（盖章）：{unit}            填报日期：{date}            单位：万元"
FOOTER_761 = [(2, "填表人：{filler}"), (7, "审核人：{checker}"), (11, "联系电话：{phone}")]


def chaoyang_layout(rows: list[Row], path: Path, when: datetime) -> Path:
    """朝阳区: its own two-level table (投资情况（万元） over three amounts), projects grouped by
    category under `一、…` headings with 小计, 合计 and a 填表人 footer; text amounts and dates."""
    money = "投资情况（万元）"
    cols = [
        Col("序号", None, 5), Col("项目名称", "project_name", 30), Col("所在县（市、区）", "county", 10),
        Col("项目类别", "category", 10), Col("人工智能类别", "ai_subtype", 10), Col("项目阶段", "stage", 8),
        Col("项目单位", "applicant", 24), Col("统一社会信用代码", "uscc", 21), Col("主要建设内容", "scope", 36),
        Col("总投资", "total_investment", 10, money), Col("其中大数据部分投资", "bigdata_investment", 10, money),
        Col("完成投资", "completed_investment", 10, money),
        Col("开工时间", "start_date", 9), Col("竣工时间", "end_date", 9), Col("项目建议书", "proposal_done", 7),
        Col("可研报告", "feasibility_done", 7), Col("资金是否落实", "funding_secured", 7), Col("目前进展", "progress", 24),
        Col("项目负责人", "responsible_person", 8), Col("联系电话", "phone", 14), Col("备注", "remarks", 10),
    ]
    words = {"数字政务基础设施": "数字政务", "人工智能": "人工智能", "通信基础设施": "通信", "5G基础设施": "5G"}
    stages = {"新开工项目": "新建", "续建项目": "续建", "谋划项目": "谋划"}

    def render(key: str, value: Any) -> Any:
        if key == "category":
            return words.get(value, value)
        if key == "stage":
            return stages[value]
        if key in ("start_date", "end_date"):
            return month_text(value, "dot")
        return value

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "朝阳区"
    sheet = OwnSheet(ws, cols)
    sheet.title("长春市朝阳区2020年“761”工程智能信息网新增入库项目表")
    sheet.merged_line(UNIT_LINE_761.format(unit="长春市朝阳区政务服务和数字化建设管理局", date="2020年7月16日"))
    sheet.header()
    groups = [("一、数字政务基础设施", rows[0:2]), ("二、人工智能", rows[2:4]), ("三、通信及5G基础设施", rows[4:6])]
    seq = 0
    amounts = ["total_investment", "bigdata_investment", "completed_investment"]
    for i, (heading, members) in enumerate(groups):
        if i:
            sheet.blank()
        sheet.heading(heading)
        for p in members:
            seq += 1
            sheet.data(own_cells(p, cols, seq, render))
        sheet.total("小计", group_sums(members, amounts))
    sheet.total("合计", group_sums(rows, amounts))
    sheet.footer([(c, t.format(filler="赵玉兰", checker="钱德胜", phone="0431-85671234")) for c, t in FOOTER_761])
    sheet.print_setup()
    return save(wb, path, "朝阳区政数局", when)


def jiutai_layout(rows: list[Row], path: Path, when: datetime) -> Path:
    """九台区: one header row in its own order, amounts in 亿元 as the header says, 已完成/已落实."""
    cols = [
        Col("序号", None, 5), Col("项目名称", "project_name", 30), Col("建设单位", "applicant", 24),
        Col("统一社会信用代码", "uscc", 21), Col("项目类别", "category", 12), Col("AI子类", "ai_subtype", 9),
        Col("项目状态", "stage", 8), Col("建设内容", "scope", 36), Col("计划总投资（亿元）", "total_investment", 10),
        Col("其中：大数据投资（亿元）", "bigdata_investment", 10), Col("已完成投资（亿元）", "completed_investment", 10),
        Col("开工年月", "start_date", 10), Col("竣工时间", "end_date", 10), Col("建议书是否完成", "proposal_done", 8),
        Col("可研是否完成", "feasibility_done", 8), Col("资金落实", "funding_secured", 8), Col("项目进展", "progress", 24),
        Col("负责人", "responsible_person", 8), Col("联系电话", "phone", 14), Col("县（市、区）", "county", 8),
    ]
    words = {"数字政务基础设施": "数字政务基础设施项目", "大数据中心": "大数据中心项目", "人工智能": "人工智能项目",
             "5G基础设施": "5G基站"}
    done = {"proposal_done": ("已完成", "未完成"), "feasibility_done": ("已完成", "未完成"),
            "funding_secured": ("已落实", "未落实")}

    def render(key: str, value: Any) -> Any:
        if key == "category":
            return words.get(value, value)
        if key == "stage":
            return value.removesuffix("项目")
        if key in ("total_investment", "bigdata_investment", "completed_investment"):
            return None if value is None else round(value / 10000, 4)
        if key in ("start_date", "end_date"):
            return month_text(value, "cn")
        if key in done:
            return done[key][0] if value == "是" else done[key][1]
        return value

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "入库项目"
    sheet = OwnSheet(ws, cols)
    sheet.title("九台区“761”工程智能信息网新增入库项目汇总表")
    sheet.merged_line("填报单位（盖章）：长春市九台区政务服务和数字化建设管理局        填报日期：2020年7月17日        单位：亿元")
    sheet.header()
    for seq, p in enumerate(rows, 1):
        sheet.data(own_cells(p, cols, seq, render))
    sheet.total("合计", group_sums(rows, ["total_investment", "bigdata_investment", "completed_investment"], 10000))
    sheet.footer([(2, "填表人：汪静怡"), (8, "审核人：韦振华"), (12, "联系电话：0431-82345678")])
    sheet.print_setup()
    return save(wb, path, "九台区政数局", when)


def nongan_layout(rows: list[Row], path: Path, when: datetime) -> Path:
    """农安县: a notes sheet first; one header row; projects under （一）续建 / （二）新开工 /
    （三）谋划 headings with a blank line between; dates as 2020/9; a 合计 row and a footer."""
    cols = [
        Col("序号", None, 5), Col("所属县区", "county", 8), Col("项目名称", "project_name", 30),
        Col("投资主体", "applicant", 24), Col("社会信用代码", "uscc", 21), Col("所属领域", "category", 12),
        Col("人工智能类别", "ai_subtype", 9), Col("建设阶段", "stage", 8), Col("建设内容和规模", "scope", 36), Col("项目总投资（万元）", "total_investment", 10),
        Col("大数据存储分析和应用投资（万元）", "bigdata_investment", 12), Col("截至目前完成投资（万元）", "completed_investment", 10),
        Col("开工时间", "start_date", 9), Col("完工时间", "end_date", 9), Col("项目建议书是否完成", "proposal_done", 8),
        Col("可行性研究报告是否完成", "feasibility_done", 8), Col("建设资金是否落实", "funding_secured", 8),
        Col("进展情况", "progress", 24), Col("项目责任人", "responsible_person", 8), Col("联系方式", "phone", 14),
    ]

    def render(key: str, value: Any) -> Any:
        if key in ("start_date", "end_date"):
            return month_text(value, "slash")
        if key == "stage":
            return value.removesuffix("项目")
        return value

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "农安县“761”工程智能信息网新增入库项目填报说明"
    notes["A2"] = "1.本表按项目阶段分组填写；2.金额单位：万元；3.联系人：县政数局 刘洋 0431-83221234"
    notes.column_dimensions["A"].width = 80
    ws = wb.create_sheet("项目表")
    sheet = OwnSheet(ws, cols)
    sheet.title("农安县“761”工程智能信息网新增入库项目表")
    sheet.merged_line("填报单位（盖章）：农安县政务服务和数字化建设管理局        填报日期：2020年7月17日")
    sheet.header()
    groups = [("（一）续建项目", "续建项目"), ("（二）新开工项目", "新开工项目"), ("（三）谋划项目", "谋划项目")]
    seq = 0
    for i, (heading, stage) in enumerate(groups):
        if i:
            sheet.blank()
        sheet.heading(heading)
        for p in (p for p in rows if p["stage"] == stage):
            seq += 1
            sheet.data(own_cells(p, cols, seq, render))
    sheet.total("合计", group_sums(rows, ["total_investment", "bigdata_investment", "completed_investment"]))
    sheet.footer([(2, "填表人：刘洋"), (5, "审核人：陈雅琴"), (9, "联系电话：0431-83221234")])
    sheet.print_setup()
    return save(wb, path, "农安县政数局", when)


def build_761(out: Path, work: Path, office: bool) -> list[Path]:
    pack = load_pack("jl-761-2020")
    old = load_history(pack, "1.0.0")
    people = People(SEED + 761)
    data = data_761(people)
    written: list[Path] = []

    def template(county: str, rows: list[Row], when: datetime, *, file: str | None = None,
                 p: Pack = pack, unit: str | None = None) -> None:
        line = UNIT_LINE_761.format(unit=unit or f"长春市{county}政务服务和数字化建设管理局",
                                    date=f"{when.year}年{when.month}月{when.day}日")
        written.append(fill_table(p, "projects", rows, out / (file or f"{county}.xlsx"), work,
                                  unit_line=line, author=f"{county}政数局", when=when))

    template("南关区", data["南关区"], datetime(2020, 7, 15, 16, 20))
    template("宽城区", data["宽城区"], datetime(2020, 7, 16, 10, 5))
    written.append(chaoyang_layout(data["朝阳区"], out / "朝阳区.xlsx", datetime(2020, 7, 16, 11, 30)))
    template("二道区", data["二道区"], datetime(2020, 7, 16, 15, 45))
    template("绿园区", data["绿园区_old"], datetime(2020, 7, 14, 17, 10), p=old)
    template("绿园区", data["绿园区"], datetime(2020, 7, 17, 9, 40), file="绿园区（修改）.xlsx")
    template("双阳区", [], datetime(2020, 7, 17, 14, 0))
    template("榆树市", data["榆树市"], datetime(2020, 7, 18, 8, 50))
    own = [("九台区", ".xls", jiutai_layout, datetime(2020, 7, 17, 10, 15)),
           ("农安县", ".ods", nongan_layout, datetime(2020, 7, 17, 16, 30))]
    for county, ext, layout, when in own:
        target = out / f"{county}{ext}"
        if office:
            source = layout(data[county], work / f"{county}.xlsx", when)
            written.append(convert(source, ext, target, when))
        else:
            written.append(target)
    return written


# ================================================================== js-zhjs-2020 (南京市)

NJ_REGION = {"玄武区": "320102", "秦淮区": "320104", "建邺区": "320105", "鼓楼区": "320106", "浦口区": "320111",
             "栖霞区": "320113", "江宁区": "320115", "市本级": "320100"}
NJ_TELECOM = "中国电信股份有限公司南京分公司"


def pzh(people: People, county: str, name: str, category: str, applicant: str, total: float, start: str, end: str,
        summary: str, **more: Any) -> Row:
    region = NJ_REGION["市本级"] if applicant == NJ_TELECOM else NJ_REGION[county]
    row: Row = {
        "city": "南京市", "county": county, "project_name": name, "category": category, "applicant": applicant,
        "uscc": people.uscc(applicant, region), "total_investment": total, "civil_investment": 0,
        "start_date": start, "end_date": end, "is_continuation": "否", "summary": summary,
        "contact": people.name(), "phone": people.phone("025"),
    }
    row.update(more)
    return row


def data_zhjs(people: People) -> dict[str, list[Row]]:
    P = pzh
    n = people
    out: dict[str, list[Row]] = {}
    out["江宁区"] = [
        P(n, "江宁区", "江宁区“城市大脑”数字治理平台", "数字治理类", "南京市江宁区数据局", 2800, "2020-01", "2021-12",
          "汇聚全区38个部门数据，建设城市运行监测、事件联动处置和决策分析平台"),
        # Planted 1/3: 中国电信南京分公司 has three projects in two tables (limit two, 四(一)).
        P(n, "江宁区", "江宁开发区5G+工业互联网融合应用示范工程", "数字基建类", NJ_TELECOM, 3500, "2020-03", "2021-12",
          "建设5G专网和边缘计算节点，为区内60家制造企业提供设备上云和远程运维服务", civil_investment=200),
        # Planted: co-built with a partner, but no 权属及分工 (一(一)、四(一)).
        P(n, "江宁区", "江宁区智慧医疗影像云平台", "数字治理类", "南京市江宁医院", 1600, "2020-04", "2022-03",
          "建设区域医学影像云平台，实现全区18家医疗机构影像互认共享", partner="南京医联智影科技有限公司"),
        P(n, "江宁区", "江宁区千兆光网城市建设工程", "数字基建类", NJ_TELECOM, 4200, "2019-06", "2021-05",
          "新建千兆光网覆盖全区城镇家庭和重点企业，部署10G PON端口2万个"),
        P(n, "江宁区", "江宁区智能网联汽车测试服务平台", "数字经济类", "南京智驭网联科技有限公司", 1600, "2019-09", "2021-08",
          "建设智能网联汽车仿真测试和数据服务平台，为整车和零部件企业提供测试认证服务", civil_investment=300),
        # Planted: 520万元 in all, 260 of it civil works: 260万元 of information work (二、7).
        P(n, "江宁区", "江宁区网络安全态势感知平台", "网络安全类", "南京市江宁区委网络安全和信息化委员会办公室", 520,
          "2020-05", "2022-04", "建设覆盖区级政务网络的安全监测、通报预警和应急处置平台，含安全运营中心机房改造",
          civil_investment=260),
        P(n, "江宁区", "江宁区智慧教育资源公共服务平台", "数字治理类", "南京市江宁区教育局", 980, "2020-02", "2021-12",
          "建设区级教育资源公共服务平台和智慧课堂应用，覆盖全区120所中小学"),
    ]
    out["鼓楼区"] = [
        P(n, "鼓楼区", "鼓楼区“一网统管”城市运行管理平台", "数字治理类", "南京市鼓楼区城市运行管理中心", 1800,
          "2019-11", "2021-10", "建设城市运行“一网统管”平台，整合城管、应急、市场监管等12类事件处置流程"),
        # Planted 2/3 … and 3/3 in another county's table.
        P(n, "鼓楼区", "鼓楼区5G智慧商圈示范工程", "数字基建类", NJ_TELECOM, 2600, "2020-04", "2022-03",
          "在新街口、湖南路商圈建设5G网络和智慧导览、无感支付等应用"),
        # Planted: construction began in October 2018, before January 2019 (二、7).
        P(n, "鼓楼区", "鼓楼区工业信息安全监测服务平台", "网络安全类", "南京鼎安信息安全技术有限公司", 900, "2018-10",
          "2020-09", "建设工业控制系统安全监测和漏洞预警服务平台，服务全市重点工业企业"),
        # Planted: the second phase of a project already built (续期建设, 四(一)).
        P(n, "鼓楼区", "鼓楼区政务服务“不见面审批”平台二期工程", "数字治理类", "南京市鼓楼区政务服务管理办公室", 1200,
          "2020-06", "2022-05", "在一期平台基础上扩展移动端审批、电子证照调用和智能客服", is_continuation="是"),
        # Planted: eight months, far from the two years the notice expects (a warning, 二、7).
        P(n, "鼓楼区", "鼓楼区数字文旅服务平台", "数字经济类", "南京云游文化科技有限公司", 750, "2020-03", "2020-10",
          "建设覆盖区内景区、博物馆的数字文旅服务平台，提供预约、导览和客流监测"),
        P(n, "鼓楼区", "鼓楼区智慧养老服务平台", "数字治理类", "南京市鼓楼区民政局", 680, "2020-01", "2021-12",
          "建设居家养老信息平台和紧急呼叫系统，服务全区2.6万名老年人", partner="南京康颐健康科技有限公司",
          ownership_note="平台及数据归区民政局所有；康颐公司负责开发和三年运维"),
    ]
    out["浦口区"] = [
        P(n, "浦口区", "浦口区智慧水务管理平台", "数字治理类", "南京市浦口区水务局", 1100, "2020-02", "2021-12",
          "建设河湖水情监测、排水管网监测和防汛调度平台"),
        P(n, "浦口区", "浦口区工业互联网标识解析应用服务平台", "数字经济类", "南京浦联智能制造科技有限公司", 2200,
          "2019-07", "2021-06", "建设装备制造行业标识解析应用服务平台，接入企业150家", civil_investment=400),
        P(n, "浦口区", "浦口区“雪亮工程”视频资源共享平台", "数字治理类", "南京市公安局浦口分局", 1500, "2019-05", "2021-04",
          "整合全区公共视频资源1.2万路，建设视频共享和智能分析平台"),
        P(n, "浦口区", "浦口区数据中心网络安全防护体系建设", "网络安全类", "南京浦口数据科技有限公司", 680, "2020-04",
          "2022-03", "建设区数据中心等级保护三级安全防护体系和安全运营服务"),
        P(n, "浦口区", "浦口区农村电商公共服务平台", "数字经济类", "南京市浦口区商务局", 450, "2020-01", "2021-12",
          "建设农村电商公共服务平台和农产品溯源系统，服务全区农业经营主体"),
        P(n, "浦口区", "浦口区智慧交通信号控制系统", "数字治理类", "南京市浦口区交通运输局", 1300, "2020-05", "2022-04",
          "改造路口信号机180处，建设区域自适应信号控制系统"),
    ]
    return out


def forms_zhjs(people: People) -> list[tuple[str, Row]]:
    """Two 市本级 申报表 (one per project), sent straight to the city."""
    n = people
    big_data = "南京市大数据管理局"
    security = "南京云盾网络安全技术有限公司"
    return [
        ("智慧江苏重点工程申报表（南京市大数据管理局）.xlsx", {
            "project_name": "南京市城市运行“一网统管”数字底座", "category": "数字治理类", "city": "南京市",
            "county": "市本级", "total_investment": 4800, "civil_investment": 0, "start_date": "2020-03",
            "end_date": "2022-02", "is_continuation": "否", "approval": "宁发改投字〔2020〕118号",
            "in_plan": "是", "applicant": big_data, "uscc": n.uscc(big_data, "320100"), "unit_type": "行政机关",
            "legal_rep": n.name(), "address": "南京市建邺区江东中路265号", "postcode": "210019",
            "contact": "沈一鸣", "contact_title": "数据资源处副处长", "phone": "025-68787766", "mobile": n.mobile(),
            "email": "shenym@nanjing.example.cn",
            "summary": "建设全市统一的城市运行数字底座，汇聚时空、物联感知和部门业务数据，支撑“一网统管”应用。",
            "content": "建设城市信息模型（CIM）基础平台、物联感知接入平台、数据中台和城市运行指标体系；接入感知设备12万个。",
            "innovation": "融合5G、物联网和人工智能技术，实现城市运行状态实时感知和智能预警。",
            "autonomy": "核心平台采用国产数据库和国产服务器，按等级保护三级建设安全防护体系。",
            "effect": "实现城市运行事件自动发现和联动处置，事件平均处置时长缩短30%。",
            "management": "实行项目法人负责制、招标投标制和工程监理制，成立项目领导小组。",
        }),
        ("智慧江苏重点工程申报表（南京云盾网络安全技术有限公司）.xlsx", {
            "project_name": "南京市工业互联网安全监测与态势感知平台", "category": "网络安全类", "city": "南京市",
            "county": "建邺区", "total_investment": 1200, "civil_investment": 0, "start_date": "2020-05",
            "end_date": "2022-04", "is_continuation": "否", "approval": "建邺区备案（2020-320105-65-03-512345）",
            "in_plan": "是", "applicant": security, "uscc": n.uscc(security, "320105"), "unit_type": "民营企业",
            "legal_rep": n.name(), "address": "南京市建邺区云龙山路88号", "postcode": "210019",
            "contact": "韩思远", "contact_title": "项目总监", "phone": "025-86661234", "mobile": n.mobile(),
            "email": "hansy@yundun.example.com",
            "summary": "建设面向全市工业企业的工业互联网安全监测与态势感知平台，提供安全监测、预警通报和应急响应服务。",
            "content": "部署工业流量探针200套，建设安全监测分析平台、漏洞库和威胁情报库，接入重点工业企业300家。",
            "innovation": "采用人工智能算法识别工业协议异常流量。",
            "autonomy": "平台软件自主研发，已取得软件著作权12项。",
            "effect": "提升全市工业企业网络安全防护水平，形成可推广的工业信息安全服务模式。",
            "management": "建立项目管理和质量保证体系，聘请第三方监理。",
        }),
    ]


def build_zhjs(out: Path, work: Path) -> list[Path]:
    pack = load_pack("js-zhjs-2020")
    people = People(SEED + 2)
    data = data_zhjs(people)
    written = []
    times = {"江宁区": datetime(2020, 7, 27, 10, 0), "鼓楼区": datetime(2020, 7, 28, 15, 30),
             "浦口区": datetime(2020, 7, 29, 9, 20)}
    for county, rows in data.items():
        line = f"推荐单位（盖章）：南京市{county}工业和信息化局            填报日期：2020年7月{times[county].day}日            单位：万元"
        written.append(fill_table(pack, "recommended", rows, out / f"{county}推荐项目汇总表.xlsx", work,
                                  unit_line=line, author=f"{county}工信局", when=times[county]))
    for i, (name, values) in enumerate(forms_zhjs(people)):
        written.append(fill_form(pack, "application", values, out / name, work, author=values["applicant"],
                                 when=datetime(2020, 7, 20 + i, 14, 0)))
    return written


# ================================================================== jl-gyhlw-2020 (长春市工信局)

def gyhlw_application(people: People, *, org: str, region_code: str, region: str, name: str, category: str,
                      enterprise_type: str, founded: str, finance: dict[str, tuple[float, float, float]],
                      **more: Any) -> Row:
    """A 4-1 申报书 with every block filled; `finance` holds the 2017–2019 columns per indicator."""
    resp, contact = people.name(), people.name()
    row: Row = {
        "tech_lead": people.name(), "fill_date": "2020-06-28", "period_start": "2020-01", "period_end": "2021-12",
        "project_name": name, "expected_completion": "2021-12", "category": category,
        "org_name": org, "org_nature": "民营企业", "address": f"吉林省{region}", "postcode": "130000",
        "region": region, "supervisor": "无", "org_phone": people.fixed(), "uscc": people.uscc(org, region_code),
        "org_fax": people.fixed(), "founded": founded, "org_email": "office@example.com.cn",
        "resp_name": resp, "resp_gender": "男", "resp_id_type": "居民身份证", "resp_id_number": people.idcard(region_code),
        "resp_employer": org, "resp_position": "总经理", "resp_education": "硕士研究生", "resp_major": "机械工程",
        "resp_mobile": people.mobile(), "resp_phone": people.fixed(), "resp_email": "gm@example.com.cn",
        "contact_name": contact, "contact_employer": org, "contact_mobile": people.mobile(),
        "contact_phone": people.fixed(), "contact_email": "xm@example.com.cn",
        "enterprise_type": enterprise_type, "self_assessment_done": "是", "no_major_accident": "是", "pledge_given": "是",
        "patents": 18, "provincial_projects": 2, "standards": 1, "autonomy": "平台级",
    }
    for label, (y17, y18, y19) in finance.items():
        row.update({f"{label}_2017": y17, f"{label}_2018": y18, f"{label}_2019": y19})
    row.update(more)
    return row


def data_gyhlw(people: People) -> list[dict[str, Any]]:
    n = people
    A = "长春华晟汽车零部件有限公司"
    B = "长春云智工业互联网科技有限公司"
    C = "吉林省数联智造科技有限公司"
    D = "长春鑫达机械制造有限公司"
    E = "长春启明软件技术有限公司"
    return [
        {
            "short": "华晟汽车零部件",
            # Planted: lost 326.5万元 in 2019 (申报单位须为非亏损企业, 二(一)).
            "application": gyhlw_application(
                n, org=A, region_code="220106", region="长春市绿园区", name="汽车零部件全生命周期管理服务化项目",
                category="制造业服务化项目", enterprise_type="制造业企业", founded="2009-04",
                finance={"total_assets": (42600, 45800, 47200), "debt_ratio": (58.2, 61.5, 66.8),
                         "revenue": (38600, 36200, 31500), "tax": (1260, 980, 620), "profit": (860, 210, -326.5)},
                service_types="产品全生命周期管理、设备管理服务", funding_secured="是", project_started="是",
                total_investment=2600, industry="汽车零部件",
                platform_status="已建成产品追溯和售后服务系统，为一汽等整车企业提供零部件全生命周期数据服务"),
            "performance": {
                "overall_goal": "建成汽车零部件全生命周期管理服务平台，由单一产品制造向“产品+服务”转型。",
                "quantitative": [{"name": "服务整车及零部件企业数", "value": "≥30家"},
                                 {"name": "服务性收入占主营业务收入比重", "value": "15%"},
                                 {"name": "产品不良品率降低", "value": "20%"}],
                "qualitative": [{"name": "促进产业转型升级", "value": "形成汽车零部件服务型制造示范"}],
            },
        },
        {
            "short": "云智工业互联网",
            # Planted: an enterprise-level platform used by only 3 local enterprises (二(二): 5 or more).
            "application": gyhlw_application(
                n, org=B, region_code="220104", region="长春市朝阳区", name="云智汽车零部件企业级工业互联网平台项目",
                category="企业级工业互联网平台项目", enterprise_type="新一代信息技术类企业", founded="2016-08",
                finance={"total_assets": (5200, 6800, 8900), "debt_ratio": (35.6, 38.1, 40.2),
                         "revenue": (3100, 4600, 6200), "tax": (186, 276, 372), "profit": (320, 510, 760)},
                industry="汽车零部件", service_types="设备管理服务、网络化协同制造", total_investment=1800,
                cloud_provider="华为云计算技术有限公司", service_value_2020=860, local_users=3,
                cloud_contract_provided="是", protocols=46, cloud_software=8, industrial_apps=35, mechanism_models=60,
                registered_users=420, developers=38, data_storage="自主研发的数据存储与管理系统",
                data_collection="自主研发的解决方案", data_stock_tb=36, security_libs=4, new_tech_functions=6,
                full_cloud_arch="是", deploy_mode="混合云", public_cloud_provider="华为云",
                platform_status="平台已上线设备管理、能耗管理模块，已与3户省内零部件企业签订使用协议",
                self_assessment_done=None),
            "performance": {
                "overall_goal": "建成面向汽车零部件企业的企业级工业互联网平台，提升设备综合效率。",
                "quantitative": [{"name": "平台连接工业设备数", "value": "≥5000台"},
                                 {"name": "工业APP数量", "value": "60个"},
                                 {"name": "设备综合效率提升", "value": "10%"}],
                "qualitative": [{"name": "促进智能化发展", "value": "推动零部件企业设备上云"}],
            },
        },
        {
            "short": "数联智造",
            "application": gyhlw_application(
                n, org=C, region_code="220102", region="长春市南关区", name="吉林省装备制造行业工业互联网平台项目",
                category="行业级工业互联网平台项目", enterprise_type="新一代信息技术类企业", founded="2014-03",
                finance={"total_assets": (12800, 15600, 19200), "debt_ratio": (42.3, 44.0, 45.6),
                         "revenue": (8600, 11200, 14800), "tax": (520, 680, 890), "profit": (980, 1350, 1820)},
                industry="装备制造", service_types="研发设计协同、供应链管理、产业集群服务", total_investment=4200,
                cloud_provider="中国电信股份有限公司吉林分公司", service_value_2020=2200, local_users=28,
                cloud_contract_provided="是", protocols=120, cloud_software=15, industrial_apps=86,
                mechanism_models=140, registered_users=1560, developers=96,
                data_storage="自主研发的数据存储与管理系统", data_collection="集成第三方解决方案",
                data_collection_vendor="研华科技（中国）有限公司", data_stock_tb=120, security_libs=6,
                new_tech_functions=12, full_cloud_arch="是", deploy_mode="私有云",
                platform_status="平台已服务省内装备制造企业28户，上线设备远程运维、协同设计等应用",
                self_assessment_done=None),
            # Planted: a 定量指标 whose value is words, not a number (二(十)).
            "performance": {
                "overall_goal": "建成吉林省装备制造行业级工业互联网平台，服务全省装备制造企业数字化转型。",
                "quantitative": [{"name": "平台服务企业数", "value": "≥200户"},
                                 {"name": "协同设计效率", "value": "显著提升"},
                                 {"name": "工业APP数量", "value": "150个"}],
                "qualitative": [{"name": "推动产业升级", "value": "带动装备制造产业链协同发展"},
                                {"name": "提升质量安全", "value": "设备故障预警能力明显增强"}],
            },
        },
        {
            "short": "鑫达机械",
            # Passes: 提供服务类型 left blank (选填), and the city's 4-5 writes the project
            # “…服务化建设项目”: one project with its 4-1, a warning shows both spellings.
            "application": gyhlw_application(
                n, org=D, region_code="220106", region="长春市绿园区", name="鑫达农机装备远程运维服务化项目",
                category="制造业服务化项目", enterprise_type="制造业企业", founded="2011-09",
                finance={"total_assets": (18600, 19900, 21400), "debt_ratio": (48.1, 47.5, 46.2),
                         "revenue": (15800, 16900, 18300), "tax": (610, 660, 720), "profit": (540, 620, 705)},
                funding_secured="是", project_started="是", total_investment=1500, industry="农机装备",
                platform_status="远程运维系统已接入本企业售出的1200台农机"),
            "listed_as": "鑫达农机装备远程运维服务化建设项目",
            "performance": {
                "overall_goal": "建成农机装备远程运维服务体系，服务收入占比明显提高。",
                "quantitative": [{"name": "接入远程运维的农机数量", "value": "≥3000台"},
                                 {"name": "服务性收入占主营业务收入比重", "value": "12%"}],
                "qualitative": [{"name": "促进产业转型升级", "value": "由卖农机向卖服务转型"}],
            },
        },
        {
            "short": "启明软件",
            # Passes: 提供服务类型 “其他” with the service written out (the form's □其他（请注明）).
            "application": gyhlw_application(
                n, org=E, region_code="220104", region="长春市朝阳区", name="启明工业数据治理软件研发与应用项目",
                category="工业软件项目", enterprise_type="新一代信息技术类企业", founded="2015-05",
                finance={"total_assets": (3600, 4300, 5100), "debt_ratio": (30.2, 31.8, 33.0),
                         "revenue": (2900, 3500, 4200), "tax": (170, 210, 255), "profit": (260, 340, 415)},
                service_types="其他", service_other="工业数据治理与质量评估服务", total_investment=900,
                industry="软件和信息技术服务", software_finished="是", software_copyright="是",
                software_test_report="是", self_assessment_done=None),
            "performance": {
                "overall_goal": "工业数据治理软件在省内制造企业推广应用。",
                "quantitative": [{"name": "应用企业数", "value": "≥40家"},
                                 {"name": "数据质量问题发现率提升", "value": "30%"}],
                "qualitative": [{"name": "提升质量安全", "value": "提升企业数据质量管理水平"}],
            },
        },
    ]


def build_gyhlw(out: Path, work: Path) -> list[Path]:
    pack = load_pack("jl-gyhlw-2020")
    people = People(SEED + 4)
    written: list[Path] = []
    recommended = []
    for i, project in enumerate(data_gyhlw(people)):
        app = project["application"]
        when = datetime(2020, 6, 28, 10, 0) + timedelta(days=i)
        written.append(fill_form(pack, "application", app, out / f"{project['short']}-附件4-1申报书.xlsx", work,
                                 author=app["org_name"], when=when))
        perf = {"project_name": app["project_name"], "applicant": app["org_name"],
                "total_investment": app["total_investment"], **project["performance"]}
        written.append(fill_form(pack, "performance", perf, out / f"{project['short']}-附件4-3绩效目标.xlsx", work,
                                 author=app["org_name"], when=when))
        recommended.append({"project_name": project.get("listed_as", app["project_name"]), "enterprise": app["org_name"],
                            "category": app["category"], "contact": app["contact_name"],
                            "mobile": app["contact_mobile"]})
    written.append(fill_table(
        pack, "recommended", recommended, out / "长春市申报信息汇总表.xlsx", work,
        unit_line="推荐单位（盖章）：长春市工业和信息化局            填报日期：2020年7月3日            单位：万元",
        author="长春市工信局", when=datetime(2020, 7, 3, 15, 0)))
    return written


# ================================================================== jl-zgsz-2023 (省工信厅)

ZG_REGION = {"昌邑区": "220202", "龙潭区": "220203", "船营区": "220204", "丰满区": "220211", "蛟河市": "220281",
             "磐石市": "220284", "铁西区": "220302", "铁东区": "220303", "梨树县": "220322", "双辽市": "220382",
             "东昌区": "220502", "二道江区": "220503", "辉南县": "220523", "集安市": "220582", "通化县": "220521",
             "延吉市": "222401", "敦化市": "222403", "珲春市": "222404", "和龙市": "222406", "龙井市": "222405"}
A1, A2, A3, A4, A5, A6, A7 = ("中小企业“智改数转”行动", "工业软件推广应用行动", "智能装备创新突破行动",
                              "实施系统解决方案供应商培育行动", "实施龙头骨干企业引航示范行动", "实施产业链协同升级行动",
                              "实施工业互联网赋能行动")


def pzg(people: People, county: str, enterprise: str, sector: str, action: str, name: str, content: str,
        total: float, start: str, end: str, loan: tuple[float, float, str] | None = None, **more: Any) -> Row:
    row: Row = {
        "county": county, "enterprise": enterprise, "uscc": people.uscc(enterprise, ZG_REGION[county]),
        "sector": sector, "action": action, "project_name": name, "content": content, "total_investment": total,
        "start_date": start, "end_date": end, "contact": people.name(), "phone": people.phone(),
    }
    if loan:
        # 三(一) subsidises loans obtained in the campaign's year: taken out when the work starts,
        # or late in 2023 for a project starting later
        row.update(loan_amount=loan[0], loan_term_years=loan[1], loan_bank=loan[2],
                   loan_date=start if start.startswith("2023") else "2023-11")
    row.update(more)
    return row


def data_zgsz(people: People) -> dict[str, list[Row]]:
    P = pzg
    n = people
    return {
        "吉林市": [
            P(n, "龙潭区", "吉林市恒泰石化有限公司", "石化", A7, "化工装置DCS升级及5G智能工厂建设项目",
              "升级DCS控制系统，建设5G专网、设备预测性维护和安全生产监测平台", 12000, "2023-06", "2024-12",
              (6000, 3, "中国工商银行吉林分行")),
            # Planted: a loan of 2.5亿元, over the 2亿元 cap for interest subsidy (a warning, 三(一)).
            P(n, "昌邑区", "吉林市博润碳纤维有限公司", "原材料", A5, "碳纤维原丝生产数字化车间建设项目",
              "建设原丝聚合、纺丝工序数字化车间，部署在线质量检测和MES系统", 38000, "2023-09", "2025-06",
              (25000, 5, "国家开发银行吉林省分行")),
            P(n, "船营区", "吉林市瑞康药业有限公司", "医药", A1, "口服固体制剂车间数字化改造项目",
              "建设符合GMP要求的生产执行系统和质量管理系统，实现批记录电子化", 3500, "2023-05", "2024-06"),
            # Planted: a loan for six months (0.5年), under the one-year term (a warning, 三(一)).
            P(n, "蛟河市", "蛟河市长白山山珍食品有限公司", "食品", A1, "山野菜加工生产线智能化改造项目",
              "引进自动分选、包装设备，建设生产数据采集和追溯系统", 1800, "2023-07", "2024-05",
              (800, 0.5, "吉林银行蛟河支行")),
            P(n, "丰满区", "吉林市北方重工机械制造有限公司", "装备", A3, "大型铸锻件智能装备研制及应用项目",
              "研制大型锻件智能操作机，建设锻造车间数字孪生系统", 4200, "2023-08", "2025-03",
              (2000, 2, "中国建设银行吉林分行")),
        ],
        "四平市": [
            P(n, "铁西区", "四平巨元换热设备有限公司", "装备", A4, "换热器智能制造系统解决方案推广项目",
              "为省内换热器企业建设数字化车间解决方案，建设焊接工艺数据库", 5600, "2023-04", "2024-10",
              (3000, 3, "中国银行四平分行")),
            P(n, "铁东区", "四平东风汽车零部件有限公司", "汽车", A2, "MES和ERP系统集成应用项目",
              "部署MES、ERP、WMS系统并实现集成，覆盖冲压、焊装两个车间", 1200, "2023-06", "2024-06"),
            # Planted: a loan of 9500万元 on a project of 8000万元 in all (an error, 三(一)).
            P(n, "梨树县", "梨树县金穗玉米深加工有限公司", "食品", A6, "玉米深加工产业链协同平台建设项目",
              "建设玉米收储、加工、销售产业链协同平台，带动上下游企业40家", 8000, "2023-05", "2025-04",
              (9500, 3, "中国农业银行梨树县支行")),
            P(n, "双辽市", "双辽市鑫源新型建材有限公司", "原材料", A1, "新型墙材生产线智能化改造项目",
              "建设窑炉温控、能耗监测和设备联网系统", 2300, "2023-08", "2024-08"),
            P(n, "铁西区", "四平市吉春制药有限公司", "医药", A5, "中药提取智能工厂建设项目",
              "建设中药提取、浓缩工序自动化控制和质量追溯系统", 2600, "2023-09", "2025-03",
              (1000, 1, "吉林银行四平分行")),
        ],
        "通化市": [
            P(n, "东昌区", "通化长白药业股份有限公司", "医药", A5, "中药注射剂智能工厂建设项目",
              "建设中药注射剂智能生产线和数字化质量管理系统，打造智能制造示范工厂", 15000, "2023-06", "2025-06",
              (8000, 3, "中国工商银行通化分行")),
            P(n, "通化县", "通化山葡萄酒业有限公司", "食品", A1, "葡萄酒酿造车间数字化改造项目",
              "建设发酵温控、灌装线数据采集和产品追溯系统", 1600, "2023-07", "2024-07"),
            P(n, "二道江区", "通化鑫达钢铁有限公司", "原材料", A7, "钢铁冶炼5G全连接工厂建设项目",
              "建设5G专网，实现高炉、转炉设备联网和远程操控，建设能源管控中心", 22000, "2023-05", "2025-05",
              (15000, 5, "中国建设银行通化分行")),
            P(n, "集安市", "集安市参源人参制品有限公司", "医药", A1, "人参饮片生产线数字化改造项目",
              "建设饮片生产线自动化控制和批次追溯系统", 900, "2023-08", "2024-06"),
            P(n, "辉南县", "辉南县宏达汽车配件有限公司", "汽车", A6, "汽车配件供应链协同数字化项目",
              "接入整车企业供应链协同平台，建设订单、库存和物流协同系统", 1400, "2023-09", "2024-09",
              (500, 2, "吉林辉南农村商业银行")),
        ],
        "延边朝鲜族自治州": [
            P(n, "敦化市", "敦化市长白化工有限公司", "石化", A1, "精细化工生产装置安全监测数字化改造项目",
              "建设重大危险源在线监测、设备管理和安全生产信息化平台", 3200, "2023-06", "2024-06",
              (1500, 2, "中国银行延边分行")),
            P(n, "珲春市", "珲春市海之源食品有限公司", "食品", A1, "海产品加工车间智能化改造项目",
              "引进自动化加工设备，建设冷链仓储管理和质量追溯系统", 2100, "2023-05", "2024-05"),
            P(n, "延吉市", "延边汽车零部件制造有限公司", "汽车", A6, "汽车线束产业链协同制造项目",
              "建设线束产品协同设计和订单协同平台，对接整车企业供应链系统", 4600, "2023-07", "2025-01",
              (2500, 3, "延边农村商业银行")),
            P(n, "龙井市", "延边敖东医药科技有限公司", "医药", A2, "医药企业工业软件集成应用项目",
              "部署PLM、LIMS和MES系统，实现研发、检验、生产数据贯通", 1900, "2023-08", "2024-12"),
            P(n, "和龙市", "和龙市长白山装备制造有限公司", "装备", A3, "林业机械智能装备研制项目",
              "研制林业智能采伐装备，建设装配车间数字化管理系统", 3800, "2023-09", "2025-06",
              (2000, 3, "中国工商银行延边分行")),
        ],
    }


def build_zgsz(out: Path, work: Path) -> list[Path]:
    pack = load_pack("jl-zgsz-2023")
    people = People(SEED + 2023)
    written = []
    for i, (city, rows) in enumerate(data_zgsz(people).items()):
        when = datetime(2023, 9, 8 + i, 10, 0)
        line = (f"填报单位（盖章）：{city}工业和信息化局            填报日期：{when.year}年{when.month}月{when.day}日"
                "            单位：万元")
        written.append(fill_table(pack, "reserve", rows, out / f"{city}.xlsx", work, unit_line=line,
                                  author=f"{city}工信局", when=when))
    return written


# ================================================================== driver

PACKS = ("jl-761-2020", "js-zhjs-2020", "jl-gyhlw-2020", "jl-zgsz-2023")


# Each inbox's shenbao.toml: what the clerk of that level would set once (shenbao run reads it).
SETTINGS = {
    'jl-761-2020': '# 长春市汇总各县（市、区）报来的“761”项目表时的设置（shenbao run 自动读取本文件）。\npack = "jl-761-2020"\nunit_name = "长春市"\norg = "../org.example.toml"\nexpect = ["南关区", "宽城区", "朝阳区", "二道区", "绿园区", "双阳区", "九台区", "农安县", "榆树市", "德惠市", "公主岭市"]\n',
    'js-zhjs-2020': '# 南京市汇总各区推荐项目时的设置（shenbao run 自动读取本文件）。\npack = "js-zhjs-2020"\nunit_name = "南京市"\nexpect = ["江宁区", "鼓楼区", "浦口区", "玄武区", "秦淮区", "建邺区", "栖霞区", "雨花台区", "六合区", "溧水区", "高淳区"]\n',
    'jl-gyhlw-2020': '# 长春市汇总本市企业申报材料时的设置：申报单位是企业，不设应报送名单。\npack = "jl-gyhlw-2020"\nunit_name = "长春市"\nexpect = []\n',
    'jl-zgsz-2023': '# 省工业和信息化厅汇总各市（州）报来的储备库项目时的设置；应报送单位用申报包中的名单。\npack = "jl-zgsz-2023"\nunit_name = "吉林省工业和信息化厅"\n',
}


def build(out_root: Path, office: bool | None = None) -> dict[str, list[Path]]:
    """Write every pack's inbox under `out_root`; `office=None` uses LibreOffice when installed.

    Each inbox is rebuilt from scratch, except that the .xls/.ods are kept as they are when they
    are not made this time (no LibreOffice): the committed ones stay."""
    if office is None:
        office = soffice() is not None
    if not office:
        print("注意：未找到 LibreOffice（soffice），未重新生成 .xls/.ods 样例，保留已有文件。", file=sys.stderr)
    out_root.mkdir(parents=True, exist_ok=True)
    made: dict[str, list[Path]] = {}
    with tempfile.TemporaryDirectory(prefix="shenbao-samples-") as tmp:
        work = Path(tmp)
        for pack_id in PACKS:
            stage = work / "out" / pack_id
            stage.mkdir(parents=True)
            if pack_id == "jl-761-2020":
                files = build_761(stage, work, office)
            elif pack_id == "js-zhjs-2020":
                files = build_zhjs(stage, work)
            elif pack_id == "jl-gyhlw-2020":
                files = build_gyhlw(stage, work)
            else:
                files = build_zgsz(stage, work)
            target = out_root / pack_id
            target.mkdir(parents=True, exist_ok=True)
            for old in target.iterdir():
                if old.is_file() and (office or old.suffix not in OFFICE_EXTS):
                    old.unlink()
            for f in files:
                if f.exists():
                    shutil.copy2(f, target / f.name)
            (target / "shenbao.toml").write_text(SETTINGS[pack_id], encoding="utf-8")
            made[pack_id] = [target / f.name for f in files]
    return made


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成 samples/ 下每个申报包的示例收件箱。")
    parser.add_argument("--out", type=Path, default=ROOT / "samples", help="输出目录（默认 samples/）")
    parser.add_argument("--no-office", action="store_true", help="不用 LibreOffice 生成 .xls/.ods")
    args = parser.parse_args(argv)
    made = build(args.out, office=False if args.no_office else None)
    for pack_id, files in made.items():
        present = [f for f in files if f.exists()]
        print(f"{pack_id}: {len(present)} 个文件")
        for f in present:
            print(f"  {f.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
