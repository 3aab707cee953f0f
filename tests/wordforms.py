"""The notice's own Word form, 附件4-1 申报书 (seed 004), filled as enterprises fill it: built with
python-docx in tmp_path for the Word-form tests.

The layout follows the seed: a cover with `项目名称：…` lines, then 一、项目基本信息 as one table of
five grid columns — label/value rows, □ lists for 项目类别 and 提供服务类型 (with `面向行业：` and
`其他（请注明）` blanks inside the options), the 项目责任单位信息 block (its name in a vertically
merged cell), the 2017–2019 grid, the 责任人 and 联系人 blocks, 项目基本情况 and the 工业互联网
capabilities. Options change how it was filled: the tick used, a table split in two, the block
name split over two unmerged rows (`项目` / `责任人信息`, as in the seed's text), values typed after
the label's colon, units typed with the numbers, blank rows, Wingdings boxes.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

CATEGORIES = ["行业级工业互联网平台项目", "企业级工业互联网平台项目", "制造业服务化项目", "新型创新研发机构项目",
              "公共服务项目", "上平台用平台项目", "工业软件项目", "两化融合创新示范项目"]
SERVICE_LINES = [["研发设计协同", "定制化服务", "供应链管理", "网络化协同制造"],
                 ["设计与制造协同", "设备管理服务", "产品全生命周期管理"],
                 ["产业集群服务", "系统整体解决方案", "信息技术增值服务"]]

# 长春云智工业互联网科技有限公司, as in samples/jl-gyhlw-2020 (its Excel 申报书), typed as text.
YUNZHI: dict[str, Any] = {
    "project_name": "云智汽车零部件企业级工业互联网平台项目", "org_name": "长春云智工业互联网科技有限公司",
    "resp_name": "于佳琪", "tech_lead": "黄德福", "period": "2020年1月至2021年12月", "fill_date": "2020年6月28日",
    "expected_completion": "2021年12月", "category": "企业级工业互联网平台项目", "industry": "汽车零部件",
    "service_types": ["网络化协同制造", "设备管理服务"], "service_other": "",
    "org_nature": "民营企业", "address": "吉林省长春市朝阳区", "postcode": "130000", "region": "长春市朝阳区",
    "supervisor": "无", "org_phone": "0431-81587637", "uscc": "91220104B0QJHQEJ3L", "org_fax": "0431-82605559",
    "founded": "2016年8月", "org_email": "office@example.com.cn",
    "grid": [["5200", "6800", "8900"], ["35.6", "38.1", "40.2"], ["3100", "4600", "6200"],
             ["186", "276", "372"], ["320", "510", "760"]],
    "resp_gender": "男", "resp_id_type": "居民身份证", "resp_id_number": "220104199112135739",
    "resp_employer": "长春云智工业互联网科技有限公司", "resp_position": "总经理", "resp_education": "硕士研究生",
    "resp_major": "机械工程", "resp_mobile": "18945689315", "resp_phone": "0431-88364285", "resp_fax": "",
    "resp_email": "gm@example.com.cn", "contact_name": "朱松涛", "contact_employer": "长春云智工业互联网科技有限公司",
    "contact_mobile": "17918332825", "contact_phone": "0431-87226806", "contact_fax": "",
    "contact_email": "xm@example.com.cn", "total_investment": "1800", "cloud_provider": "华为云计算技术有限公司",
    "platform_status": "平台已上线设备管理、能耗管理模块，已与3户省内零部件企业签订使用协议",
    "service_value_2020": "860", "patents": "18", "autonomy": ["平台级"], "provincial_projects": "2",
    "standards": "1", "protocols": "46", "cloud_software": "8", "industrial_apps": "35", "mechanism_models": "60",
    "registered_users": "420", "developers": "38", "data_storage": "自主研发的数据存储与管理系统",
    "data_collection": "自主研发的解决方案", "data_collection_vendor": "", "data_stock_tb": "36",
    "security_libs": "4", "new_tech_functions": "6", "full_cloud_arch": "是", "deploy_mode": "混合云",
    "public_cloud_provider": "华为云",
}
GRID_LABELS = ["总资产（万元）", "负债率", "主营业务收入（万元）", "税金（万元）", "利润（万元）"]
COLS = 5


def _sym(paragraph: Any, char: str) -> None:
    run = paragraph.add_run()
    sym = OxmlElement("w:sym")
    sym.set(qn("w:font"), "Wingdings 2")
    sym.set(qn("w:char"), char)
    run._r.append(sym)


def _fill(cell: Any, text: str | Sequence[Sequence[tuple[bool, str]]], *, mark: str, wingdings: bool) -> None:
    """Plain text (lines as paragraphs), or lines of (ticked, option) written as a □ list."""
    cell.text = ""
    paragraphs = [cell.paragraphs[0]]
    lines: Sequence[Any] = text.split("\n") if isinstance(text, str) else text
    for i, line in enumerate(lines):
        p = paragraphs[0] if i == 0 else cell.add_paragraph()
        if isinstance(line, str):
            p.add_run(line)
            continue
        for ticked, option in line:
            if wingdings:
                _sym(p, "F052" if ticked else "F0A3")
            else:
                p.add_run(mark if ticked else "□")
            p.add_run(option)


class FormBuilder:
    def __init__(self, *, mark: str = "☑", wingdings: bool = False) -> None:
        self.doc = docx.Document()
        self.mark, self.wingdings = mark, wingdings
        self.table: Any = None

    def para(self, text: str) -> None:
        self.doc.add_paragraph(text)

    def new_table(self, cols: int = COLS) -> None:
        if self.table is not None:
            self.para("")  # the page break between the two parts of a split table
        self.table = self.doc.add_table(rows=0, cols=cols)
        self.table.style = "Table Grid"

    def row(self, *spans: tuple[int, Any]) -> list[Any]:
        """One row: (columns spanned, text or option lines) per cell."""
        cells = self.table.add_row().cells
        out, c = [], 0
        for width, value in spans:
            cell = cells[c]
            if width > 1:
                cell = cell.merge(cells[c + width - 1])
            _fill(cell, value, mark=self.mark, wingdings=self.wingdings)
            out.append(cell)
            c += width
        return out

    def block(self, name: str, rows: Sequence[Sequence[tuple[int, Any]]], *, merged: bool = True) -> list[list[Any]]:
        """Rows under a block name in column 1: one vertically merged cell, or (merged=False) the
        name split over the first two rows as in the seed's text (`项目` / `责任人信息`)."""
        first = None
        out = []
        for i, spans in enumerate(rows):
            if merged:
                label = name if i == 0 else ""
            else:
                label = "项目" if i == 0 else (name.removeprefix("项目") if i == 1 else "")
            cells = self.row((1, label), *spans)
            out.append(cells)
            if merged:
                if first is None:
                    first = cells[0]
                else:
                    first = first.merge(cells[0])
                    _fill(first, name, mark=self.mark, wingdings=self.wingdings)
        return out

    def save(self, path: Path) -> Path:
        self.doc.save(str(path))
        return path


def _options(options: Sequence[str], chosen: Sequence[str], extra: dict[str, str] | None = None) -> list[list[tuple[bool, str]]]:
    return [[(o in chosen, o + (extra or {}).get(o, ""))] for o in options]


def application_docx(path: Path, v: dict[str, Any] | None = None, *, mark: str = "☑", wingdings: bool = False,
                     split: bool = True, seed_blocks: bool = False, colon: Sequence[str] = (),
                     units: bool = False, blank_rows: bool = True, spaced: Sequence[str] = (),
                     transposed: bool = False) -> Path:
    """附件4-1 申报书 filled with `v` (YUNZHI by default). `colon`: labels whose value is typed after
    the label's colon in the label cell, the value cell left empty; `spaced`: after spaces.
    `transposed`: the 2017–2019 figures as a year per row."""
    v = {**YUNZHI, **(v or {})}
    b = FormBuilder(mark=mark, wingdings=wingdings)

    def pair(label: str, key: str) -> tuple[tuple[int, Any], tuple[int, Any]]:
        value = str(v[key])
        if label in colon:
            return (1, f"{label}：{value}"), (1, "")
        if label in spaced:
            return (1, f"{label}\u3000{value}"), (1, "")
        return (1, label), (1, value)

    for line in ("附件4-1", "2020年度省级工业互联网及制造业服务化示范项目申报书",
                 f"项目名称：{v['project_name']}", f"项目责任单位：{v['org_name']}",
                 f"项目责任人（法人代表）：{v['resp_name']}", f"项目技术负责人：{v['tech_lead']}",
                 f"项目年限：{v['period']}", f"填报日期：{v['fill_date']}", "吉林省工业和信息化厅", "吉林省财政厅",
                 "填 写 说 明", "一、请严格按照表中要求填写各项。", "二、申报书由项目责任单位编写，并报送所属市（县）工信局。",
                 "六、填报格式说明：请用A4幅面编辑，正文字体为3号仿宋体，单倍行距。", "一、项目基本信息", "（一）项目基本信息表"):
        b.para(line)
    b.new_table()
    money = "万元" if units else ""
    b.row((2, "项目名称"), (3, v["project_name"]))
    if blank_rows:
        b.row((2, ""), (3, ""))
    b.row((2, "预计完成时间"), (3, v["expected_completion"]))
    industry = {"行业级工业互联网平台项目": "，面向行业：", "企业级工业互联网平台项目": "，企业所属行业："}
    chosen = v["category"] if isinstance(v["category"], list) else [v["category"]]  # a list: ticked twice
    filled = {k: t + (v["industry"] if k in chosen else "____________") for k, t in industry.items()}
    b.row((2, "项目类别"), (3, _options(CATEGORIES, chosen, filled)))
    services = [[(o in v["service_types"], o) for o in line] for line in SERVICE_LINES]
    services.append([(bool(v["service_other"]), "其他（请注明）" + v["service_other"])])
    b.row((2, "提供服务类型"), (3, services))
    unit_rows = [
        [*pair("单位名称", "org_name"), *pair("单位性质", "org_nature")],
        [*pair("通讯地址", "address"), *pair("邮政编码", "postcode")],
        [*pair("所在地区", "region"), *pair("单位主管部门", "supervisor")],
        [*pair("联系电话", "org_phone"), *pair("组织机构代码/统一社会信用代码", "uscc")],
        [*pair("传真号码", "org_fax"), *pair("单位成立时间", "founded")],
        [pair("电子信箱", "org_email")[0], (3, pair("电子信箱", "org_email")[1][1])],
    ]
    b.block("项目责任单位信息", unit_rows)
    if transposed:  # a year per row, a figure per column: a table of its own, six columns wide
        b.new_table(cols=6)
        b.row((1, "年度"), *((1, label) for label in GRID_LABELS))
        for n, year in enumerate(("2017年", "2018年", "2019年")):
            b.row((1, year), *((1, values[n]) for values in v["grid"]))
        b.new_table()
    else:
        b.row((2, ""), (1, "2017"), (1, "2018"), (1, "2019"))
        for label, values in zip(GRID_LABELS, v["grid"], strict=True):
            unit = money if "万元" in label else ""
            b.row((2, label), *((1, f"{x}{unit}") for x in values))
    if split:
        b.para("（续表）")
        b.new_table()
    resp = [
        [*pair("姓名", "resp_name"), *pair("性别", "resp_gender")],
        [*pair("证件类型", "resp_id_type"), *pair("证件号码", "resp_id_number")],
        [*pair("工作单位", "resp_employer"), *pair("职称/职务", "resp_position")],
        [*pair("最高学历", "resp_education"), *pair("从事专业", "resp_major")],
        [*pair("移动电话", "resp_mobile"), *pair("固定电话", "resp_phone")],
        [*pair("传真号码", "resp_fax"), *pair("电子信箱", "resp_email")],
    ]
    b.block("项目责任人信息", resp, merged=not seed_blocks)
    if blank_rows:
        b.row((1, ""), (1, ""), (1, ""), (1, ""), (1, ""))
    contact = [
        [*pair("姓名", "contact_name"), *pair("工作单位", "contact_employer")],
        [*pair("移动电话", "contact_mobile"), *pair("固定电话", "contact_phone")],
        [*pair("传真号码", "contact_fax"), *pair("电子信箱", "contact_email")],
    ]
    b.block("项目联系人信息", contact)
    total = f"{v['total_investment']}{money}"
    b.block("项目\n基本\n情况\n（可提供合作云平台服务商相关资质）", [
        [(1, "项目总投资（万元）"), (3, total)],
        [(1, "合作云平台服务商"), (3, v["cloud_provider"])],
        [(1, "平台当前建设运营情况"), (3, v["platform_status"])],
        [(1, "2020年规划为平台使用企业\n提供的服务总额"), (3, v["service_value_2020"])],
        [(1, "创新能力"), (1, "拥有行业创新相关核心技术专利或软件著作权（项）"), (2, v["patents"])],
        [(1, "自主可控"), (1, _options(["芯片级", "服务器级", "数据库级", "平台级"], v["autonomy"])), (2, "")],
        [(1, "项目实施"), (1, "牵头承担信息通信、云计算、大数据、物联网、人工智能、信息物理系统、工业信息安全、互联网应用、"
                          "工业互联网相关领域的省部级项目"), (2, v["provincial_projects"])],
        [(1, "标准制定"), (1, "牵动参与制定相关行业级、国家级标准数量（个）"), (2, v["standards"])],
    ])
    storage = [["数据存储与管理"], *_options(["第三方数据存储与管理系统", "自主研发的数据存储与管理系统"], [v["data_storage"]])]
    collection = [["数据采集解决方案能力"],
                  *_options(["集成第三方解决方案", "自主研发的解决方案"], [v["data_collection"]],
                            {"集成第三方解决方案": "（请注明厂商）" + v["data_collection_vendor"]})]
    arch = [["是否具有完整的云计算架构"], *_options(["是", "否"], [v["full_cloud_arch"]])]
    providers = {"公有云": f" {v['public_cloud_provider'] if v['deploy_mode'] == '公有云' else ''}（服务商名称）",
                 "混合云": f" {v['public_cloud_provider'] if v['deploy_mode'] == '混合云' else ''}（公有云服务商名称）"}
    deploy = [["云部署模式"], *_options(["私有云", "公有云", "混合云"], [v["deploy_mode"]], providers)]

    b.block("工业互联网项目已具备能力（注：所填指标数量需提供相关证明材料）", [
        [(1, "工业设备管理能力"), (1, "支持的工业协议数量（个）"), (2, v["protocols"])],
        [(1, "软件应用管理能力"), (1, "云化设计、管理类工业软件数量（个）（注：现有工业软件的云化部署）"), (2, v["cloud_software"])],
        [(1, ""), (1, "工业APP数量（个）\n(注：基于平台开发与部署，面向特定 场景的应用软件）"), (2, v["industrial_apps"])],
        [(1, ""), (1, "工业机理模型、微服务组件数量（个）"), (2, v["mechanism_models"])],
        [(1, "用户与开发者管理能力"), (1, "平台注册用户数（名）"), (2, v["registered_users"])],
        [(1, ""), (1, "平台开发者数量（名）\n(注：至少上传过1个微服务或1个工业 APP)"), (2, v["developers"])],
        [(1, "数据资源管理能力"), (3, _label_then_options(storage))],
        [(1, ""), (3, _label_then_options(collection))],
        [(1, "存储和计算服务"), (1, "平台积累的工业数据存量（TB)"), (2, v["data_stock_tb"])],
        [(1, "安全防护能力"), (1, "平台安全防护的工具库、病毒库、漏洞库数量（个)"), (2, v["security_libs"])],
        [(1, "新技术应用服务能力"), (1, "基于人工智能、区块链等新技术的业务功能数量（个）"), (2, v["new_tech_functions"])],
        [(1, "架构设计"), (3, _label_then_options(arch))],
        [(1, ""), (3, _label_then_options(deploy))],
    ])
    return b.save(path)


def _label_then_options(rows: list[Any]) -> list[Any]:
    """A cell holding its label on the first line and the □ list under it."""
    return [rows[0][0], *rows[1:]]


def other_docx(path: Path, title: str, paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> Path:
    """A Word document that is no form: 建设方案, 承诺书."""
    doc = docx.Document()
    doc.add_paragraph(title)
    for text in paragraphs:
        doc.add_paragraph(text)
    if table:
        t = doc.add_table(rows=0, cols=len(table[0]))
        for row in table:
            for cell, text in zip(t.add_row().cells, row, strict=True):
                cell.text = text
    doc.save(str(path))
    return path


def word97(path: Path, stream: str = "WordDocument") -> Path:
    """A minimal OLE2 compound file with a `WordDocument` stream, as an old .doc is (with
    `EncryptedPackage`, as an encrypted .docx is)."""
    sector = 512
    header = bytearray(sector)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIII", header, 0x2C, 1, 1, 0, 4096)
    struct.pack_into("<IIII", header, 0x3C, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))

    def entry(name: str, kind: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[: len(encoded)] = encoded
        struct.pack_into("<HB", raw, 64, len(encoded), kind)
        return bytes(raw)

    directory = entry("Root Entry", 5) + entry(stream, 2) + bytes(256)
    path.write_bytes(bytes(header) + fat + directory)
    return path


# 长春云智's 4-3 绩效目标, as in samples/jl-gyhlw-2020 (its Excel form).
YUNZHI_GOALS: dict[str, Any] = {
    "project_name": YUNZHI["project_name"], "applicant": YUNZHI["org_name"], "total_investment": "1800",
    "overall_goal": "建成面向汽车零部件企业的企业级工业互联网平台，提升设备综合效率。",
    "quantitative": [("平台连接工业设备数", "≥5000台"), ("工业APP数量", "60个"), ("设备综合效率提升", "10%")],
    "qualitative": [("促进智能化发展", "推动零部件企业设备上云")],
}


def performance_docx(path: Path, v: dict[str, Any] | None = None, *, numbered: bool = False) -> Path:
    """附件4-3 绩效目标 as in the seed: four label/value rows, then 绩效指标 | 指标类别 | 指标名称 | 指标值
    with the printed `1`, `2`, `...` rows; the unused ones are left as printed. `numbered`: the
    enterprise kept the number and wrote after it (`1.平台连接工业设备数`)."""
    v = {**YUNZHI_GOALS, **(v or {})}
    b = FormBuilder()
    for line in ("附件4-3", "2020年工业互联网建设及制造业服务化", "示范项目绩效目标"):
        b.para(line)
    b.new_table()
    for label, key in (("申报项目名称", "project_name"), ("项目申报单位", "applicant"),
                       ("项目计划总投资", "total_investment"), ("总体目标", "overall_goal")):
        b.row((2, label), (3, v[key]))
    rows: list[list[tuple[int, Any]]] = [[(1, "指标类别"), (2, "指标名称"), (1, "指标值")]]
    spans = []
    for kind, key in (("定量指标", "quantitative"), ("定性指标", "qualitative")):
        items = list(v[key])
        start = len(rows)
        for n in range(max(len(items), 2) + 1):
            if n < len(items):
                name, value = items[n]
                name = f"{n + 1}.{name}" if numbered else name
            else:
                name, value = (str(n + 1) if n <= len(items) else "..."), ""
            rows.append([(1, kind if n == 0 else ""), (2, name), (1, value)])
        spans.append((start, len(rows) - 1, kind))
    cells = b.block("绩效指标", rows)
    for start, end, kind in spans:
        merged = cells[start][1].merge(cells[end][1])
        _fill(merged, kind, mark="☑", wingdings=False)
    b.row((5, "注：1.绩效指标分为定量指标和定性指标两类。其中定量指标包括核心技术指标、产量规模等方面（指标名称），相关指标值须量化可考核。"))
    return b.save(path)


def pairs_docx(path: Path, title: str, rows: Sequence[Sequence[tuple[str, Any]]], *, mark: str = "☑",
               above: bool = False) -> Path:
    """A Word form of plain label/value rows (智慧江苏重点工程申报表): per row one or two (label,
    value) pairs; a value that is a list of (ticked, option) is written as a □ list on one line.
    `above`: a row of one pair is written as the label on its row and the text on the next."""
    b = FormBuilder(mark=mark)
    b.para(title)
    b.new_table()
    for pairs in rows:
        if above and len(pairs) == 1:
            b.row((5, pairs[0][0]))
            b.row((5, pairs[0][1]))
            continue
        widths = (1, 1, 1, 2) if len(pairs) == 2 else (1, 4)
        texts = [x for label, value in pairs for x in (label, [value] if isinstance(value, list) else value)]
        b.row(*zip(widths, texts, strict=True))
    return b.save(path)
