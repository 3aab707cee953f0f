#!/usr/bin/env python
"""Write a realistic county inbox of any size for pack jl-761-2020.

    python bench/generate.py N OUT [--rows 50] [--seed 761] [--mixed]

Deterministic (one seeded generator, fixed file times). N files of ~ROWS projects each:
- most are the pack's own template, written once by `toolkit.template.write_templates` and filled by
  splicing rows into its sheet XML (the stamp, styles, lists and validations stay as written, so
  every copy is read as the template; openpyxl per file would cost ~0.3 s each);
- ~3 % are a county's own layout (九台区: amounts in 亿元, 已完成/已落实; 农安县: a notes sheet first,
  projects under stage headings, dates as 2020/9), made by scripts/make_samples.py's layouts;
- ~1 % of the rows are bad (an approximate amount, a mistyped credit code, a blank project name,
  a completed investment above the total), and a few projects are sent twice by two counties
  (exact duplicates) or renamed slightly (suspected duplicates).

`--mixed`: the inbox a city meets when counties do not keep to the template: half the files in a
county's own layout (bench/mixed.py: title lines, one- or two-level headers, other column orders
and titles, amounts in 万元/亿元/元, dates and yes/no written their own way), and of every hundred
files one .xls and one .ods (LibreOffice, when installed) and one .csv.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import make_samples as ms  # noqa: E402
import mixed  # noqa: E402

from toolkit.findings import column_letter  # noqa: E402
from toolkit.packs.loader import load_pack  # noqa: E402
from toolkit.template import write_templates  # noqa: E402

PACK_ID = "jl-761-2020"
FILE_TIME = ms.fixed_time(2020, 7, 16)
OWN_EVERY = 33  # one file in 33 is a county's own layout
CATEGORIES = ["数字政务基础设施", "大数据中心", "通信基础设施", "5G基础设施", "人工智能", "工业互联网"]
STAGES = ["续建项目", "新开工项目", "谋划项目"]
# 13 topics and 8 applicants: a county's projects from one applicant never share a topic.
TOPICS = ["智慧社区平台", "政务云扩容", "城市大数据中心", "基站新建与改造", "智能工厂改造", "工业互联网平台应用",
          "智慧农业物联网", "医学影像辅助诊断", "智慧停车诱导", "雪亮工程视频联网", "数字乡村服务", "教育城域专网",
          "应急指挥调度系统"]
STREETS = ["东风", "红旗", "西安", "南湖", "北环", "光明", "和平", "幸福", "建设", "胜利", "新华", "长青"]
OPERATORS = ["中国移动通信集团吉林有限公司{}分公司", "中国联合网络通信有限公司{}分公司", "中国电信股份有限公司{}分公司",
             "中国铁塔股份有限公司{}分公司"]
APPLICANTS = ["政务服务和数字化建设管理局", "工业和信息化局", "农业农村局", "数据科技有限公司", "智能装备有限公司",
              "卫生健康局", "教育局", "城市管理局"]


# Two characters and 县, as a real county is named: a place the dedupe rule can read (names that
# differ only in their county are two projects), no digits (read from a file name as a date or a
# copy number) and no 第/批/版 (a batch or revision word). 61 × 61 = 3,721 names before they repeat.
_SYLLABLES = "安平和兴宁远清河永丰长乐临江桂林云梦城武陵华容石门田通化柳辉南靖宇东梨树伊集抚松洮镇赉榆扶余乾大龙井珲春汪敦图蛟舒吉德惠岭"  # each once


def county_name(i: int) -> str:
    n = len(_SYLLABLES)
    return f"{_SYLLABLES[(i // n) % n]}{_SYLLABLES[i % n]}县"


def project(people: ms.People, rng: random.Random, county: str, i: int, j: int) -> dict[str, Any]:
    category = CATEGORIES[(i + j) % len(CATEGORIES)]
    stage = STAGES[(i * 7 + j) % len(STAGES)]
    if category in ("通信基础设施", "5G基础设施"):  # only the operators may build these
        # A branch's registered name carries a place, never the synthetic county (not a real place):
        # pack identities.carriers matches the legal names' real forms.
        applicant = OPERATORS[(i + j) % len(OPERATORS)].format(STREETS[i % len(STREETS)])
    else:
        applicant = county + APPLICANTS[(i + 3 * j) % len(APPLICANTS)]
    total = float(rng.randint(500, 20000))
    share = 0.6 if category == "大数据中心" else 0.3
    more: dict[str, Any] = {"bigdata_investment": round(total * share, 1)}
    if category == "人工智能":
        more["ai_subtype"] = "融合应用"
    name = f"{county}{STREETS[j % len(STREETS)]}片区{TOPICS[j % len(TOPICS)]}项目"
    if j >= len(STREETS) * len(TOPICS) // 4:
        name = name.replace("项目", f"（{j // 10}号地块）项目")
    return ms.p761(people, county, name, category, stage, applicant, "建设平台与配套设施，购置设备",
                   total, region=f"22{i % 100:02d}{j % 100:02d}", **more)


def spoil(row: dict[str, Any], k: int) -> None:
    """One of the mistakes a county makes."""
    kind = k % 4
    if kind == 0:
        row["total_investment"] = f"约{int(row['total_investment'])}"
    elif kind == 1:
        row["uscc"] = ms.bad_check_char(row["uscc"])
    elif kind == 2:
        row["project_name"] = None
    else:
        row["completed_investment"] = row["total_investment"] * 2


class TemplateFiller:
    """The template written once; each copy is its zip with rows spliced into the data sheet."""

    def __init__(self, work: Path) -> None:
        pack = load_pack(PACK_ID)
        annex = pack.annex("projects")
        written = write_templates(pack, work, ["projects"])[0]
        with zipfile.ZipFile(written) as zf:
            self.entries = [(info, zf.read(info.filename)) for info in zf.infolist()]
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(written)) as book:
            rows = book.get_sheet_by_name(annex.sheet_name).to_python(skip_empty_area=False)
        header = next(r for r in range(len(rows)) if rows[r] and rows[r][0] == "序号")
        self.last_header = header + (2 if any(f.group for f in annex.fields) else 1)  # 1-based
        self.columns: dict[str, int] = {}
        for c in range(1, len(rows[header])):
            for r in (self.last_header - 1, header):
                key = next((f.key for f in annex.fields if f.header == rows[r][c]), None)
                if key:
                    self.columns[key] = c + 1
                    break
        book_xml = next(d for i, d in self.entries if i.filename == "xl/workbook.xml").decode()
        rels = next(d for i, d in self.entries if i.filename == "xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{re.escape(annex.sheet_name)}"[^>]*r:id="(rId\d+)"', book_xml)
        assert rid is not None
        target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
        assert target is not None
        self.part = "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")
        self.width = max(self.columns.values())

    def cell(self, r: int, c: int, value: Any) -> str:
        ref = f"{column_letter(c)}{r}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    def write(self, path: Path, rows: list[dict[str, Any]], unit_line: str) -> Path:
        out = []
        for i, values in enumerate(rows, 1):
            r = self.last_header + i
            cells = [self.cell(r, 1, i)]
            cells += [self.cell(r, c, values[k]) for k, c in sorted(self.columns.items(), key=lambda kc: kc[1])
                      if values.get(k) is not None]
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
        last = self.last_header + len(rows)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info, data in self.entries:
                if info.filename == self.part:
                    xml = data.decode()
                    xml = re.sub(r'<c r="A2"([^>]*?) t="s"><v>\d+</v></c>',
                                 lambda m: f'<c r="A2"{m.group(1)} t="inlineStr"><is><t>{escape(unit_line)}</t></is></c>',
                                 xml, count=1)
                    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{column_letter(self.width)}{max(last, 4)}"/>', xml)
                    xml = xml.replace("</sheetData>", "".join(out) + "</sheetData>", 1)
                    data = xml.encode()
                zout.writestr(info, data)
        return path


def generate(n: int, out: Path, rows_per_file: int = 50, seed: int = 761, mixed_layouts: bool = False) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    people = ms.People(seed)
    work = Path(tempfile.mkdtemp(prefix="shenbao-bench-"))
    written: list[Path] = []
    annex = load_pack(PACK_ID).annex("projects")
    office: dict[str, list[Path]] = {".xls": [], ".ods": []}
    try:
        filler = TemplateFiller(work)
        spoiled = 0
        previous: list[dict[str, Any]] = []
        for i in range(1, n + 1):
            county = county_name(i)
            count = max(1, rows_per_file + rng.randint(-5, 5))
            rows = [project(people, rng, county, i, j) for j in range(count)]
            own = i % (2 if mixed_layouts else OWN_EVERY) == 0
            for row in rows:
                if rng.random() < 0.01 and not (own and spoiled % 4 in (0, 3)):  # own layouts do sums
                    spoil(row, spoiled)
                    spoiled += 1
            if previous and i % 25 == 0:
                rows.append(dict(previous[0]))  # the same project sent by two counties: merged
            if previous and i % 40 == 0:
                twin = dict(previous[1])
                twin["project_name"] = str(twin["project_name"]).replace("项目", "建设项目")
                rows.append(twin)  # renamed slightly: a suspected duplicate
            previous = rows
            when = datetime(2020, 7, 10 + i % 10, 9 + i % 8, i % 60)
            if mixed_layouts and i % 100 == 31:
                path = mixed.write_csv(out / f"{county}.csv", annex, rows)
            elif mixed_layouts and own:
                path = mixed.write_own(out / f"{county}.xlsx", annex, rows, county, when, rng)
                if i % 100 in (10, 20):
                    office[".xls" if i % 100 == 10 else ".ods"].append(path)
            elif own:
                # Own layouts write every row but group by stage (农安) or keep order (九台).
                layout = ms.nongan_layout if (i // OWN_EVERY) % 2 else ms.jiutai_layout
                path = layout(rows, out / f"{county}.xlsx", when)
            else:
                line = ms.UNIT_LINE_761.format(unit=f"{county}政务服务和数字化建设管理局",
                                               date=f"{when.year}年{when.month}月{when.day}日")
                path = filler.write(out / f"{county}.xlsx", rows, line)
            os.utime(path, (FILE_TIME + i, FILE_TIME + i))
            written.append(path)
        for ext, paths in office.items():
            for before, after in zip(paths, mixed.convert_some(paths, ext), strict=True):
                written[written.index(before)] = after
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of workbooks")
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--rows", type=int, default=50, help="projects per workbook (±5)")
    parser.add_argument("--seed", type=int, default=761)
    parser.add_argument("--mixed", action="store_true", help="half own layouts, a few .xls/.ods/.csv")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    files = generate(args.n, args.out, args.rows, args.seed, args.mixed)
    print(f"wrote {len(files)} workbooks to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
