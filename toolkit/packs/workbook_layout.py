"""The pack workbook's sheets and columns: one declared list that export, build and pack-new share.

A pack workbook (申报包.xlsx) is a table-shaped view of pack.json. Each table sheet is a list of
objects of pack.json (annexes, fields, choices, criteria, changelog entries), one row each; each
key-value sheet (基本信息, 汇总表, 报送函) is one object, one member a row. A column or row names the
member it holds and a codec saying how the cell is written. Members no column names (ones added to
the pack format later) travel in the 其他（JSON） column, so they round-trip without code here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

OTHER = "其他（JSON）"
KEY_HEADER = "键（勿改）"
# A table sheet: headings in row 1, notes in row 2, data from row 3. A key-value sheet: these headings.
HEADER_ROW = 1
NOTE_ROW = 2
DATA_ROW = 3
KV_HEADERS = ("项目", "内容", "说明", KEY_HEADER)

# Chinese labels of enumerated values; a value without a label is shown as itself, so a value the
# meta-schema gains later still works (the dropdown lists it raw).
LABELS: dict[str, dict[str, str]] = {
    "type": {"text": "文本", "number": "数值", "integer": "整数", "date": "日期", "bool": "是否",
             "choice": "单选", "multichoice": "多选", "list": "列表"},
    "annex_kind": {"table": "表格", "form": "表单", "document": "文档"},
    "per": {"project": "每个项目一份", "unit": "每个单位一份"},
    "annex_role": {"summary": "汇总"},
    "required": {"true": "必填", "false": "选填"},
    "role": {"project_name": "项目名称", "applicant": "申报单位", "uscc": "统一社会信用代码",
             "total": "总投资", "locality": "所在地"},
    "format": {"uscc": "统一社会信用代码", "idcard": "身份证号码", "mobile": "手机号码",
               "fixed-phone": "固定电话", "phone": "电话", "postcode": "邮政编码", "email": "电子邮箱",
               "division-code": "行政区划代码"},
    "precision": {"year": "年", "month": "年月", "day": "年月日"},
    "rule_kind": {"row": "逐条检查", "group": "分组计数", "companion": "配套材料"},
    "severity": {"error": "错误", "warning": "提醒"},
}


@dataclass(frozen=True)
class Column:
    header: str
    member: str  # the member of the row's object (for key-value sheets: a dotted path)
    codec: str = "text"  # text | int | number | bool | lines | json | any | pairs | enum:<labels> | refs
    width: int = 14
    note: str = ""
    enum_schema: str = ""  # meta-schema pointer of the enum, for the dropdown


@dataclass(frozen=True)
class TableSheet:
    name: str
    columns: tuple[Column, ...]
    note: str


@dataclass(frozen=True)
class KeyValueSheet:
    name: str
    rows: tuple[Column, ...]
    note: str


ANNEX_SHEET = TableSheet("附件", (
    Column("附件代号", "id", width=16, note="小写字母、数字和连字符，如 projects；可留空。字段、规则可用代号、编号或名称指附件"),
    Column("附件编号", "number", width=10, note="通知中的编号，如 附件1"),
    Column("附件名称", "title", width=40),
    Column("种类", "kind", "enum:annex_kind", 8, "表格：每行一个项目；表单：每份一个项目；文档：Word 说明",
           "$defs/annex/properties/kind"),
    Column("用途", "role", "enum:annex_role", 8, "汇总：市里汇总上报的附件（如附件4-5），生成的汇总表即此附件，"
           "左上角印附件编号，报送函的附件说明写它；只能有一个，须是“汇总表”页所汇总的附件",
           "$defs/annex/properties/role"),
    Column("工作表名", "sheet", width=16, note="最多 31 个字"),
    Column("填报方式", "per", "enum:per", 14, enum_schema="$defs/annex/properties/per"),
    Column("纸张", "paper", "enum:", 6, enum_schema="$defs/annex/properties/paper"),
    Column("签章行", "signature_line", width=30),
    Column("填表说明", "instructions", "lines", 40, "一行一条"),
    Column("正文段落", "paragraphs", "lines", 40, "文档的正文，一行一段"),
    Column("版式（JSON）", "sections", "json", 20, "表单的分段版式"),
    Column("附加校验（JSON）", "schema_extra", "json", 16),
    Column(OTHER, "", "json", 16),
), "每行一个附件。")

FIELD_SHEET = TableSheet("字段", (
    Column("附件", "@annex", "text", 14, "附件代号（见“附件”表）"),
    Column("上级字段", "@parent", "text", 12, "列表字段的子项：填所属列表字段的编号"),
    Column("字段名称", "title", width=22, note="表头上显示的名称，不含单位"),
    Column("字段编号", "key", width=20, note="小写字母、数字和下划线，如 total_investment；可留空，自动生成"),
    Column("类型", "type", "enum:type", 8, enum_schema="$defs/field/properties/type"),
    Column("单位", "unit", width=8, note="数值的单位，如 万元"),
    Column("必填/选填", "required", "enum:required", 9),
    Column("选项列表", "choices", "choices", 18, "“选项”表中的列表名称；或直接写选项，一行一个"),
    Column("别名", "aliases", "lines", 20, "各地表头的其他写法，一行一个"),
    Column("填写提示", "hint", width=30),
    Column("分组", "group", width=12),
    Column("用途", "role", "enum:role", 14, "项目名称、申报单位、统一社会信用代码、总投资、所在地",
           "$defs/field/properties/role"),
    Column("格式", "format", "enum:format", 14, enum_schema="$defs/field/properties/format"),
    Column("日期精度", "precision", "enum:precision", 8, enum_schema="$defs/field/properties/precision"),
    Column("最小值", "minimum", "number", 8),
    Column("最大值", "maximum", "number", 8),
    Column("最多字数", "max_length", "int", 8),
    Column("列宽", "width", "number", 6),
    Column("示例", "example", "any", 14),
    Column("行数", "rows", "int", 6, "列表字段在表单中预留的行数"),
    Column(OTHER, "", "json", 16),
), "每行一个字段，按在模板中的先后顺序。")

CHOICE_SHEET = TableSheet("选项", (
    Column("列表名称", "@list", width=16, note="字段的“选项列表”填这个名称"),
    Column("选项", "value", width=28),
    Column("归口部门", "route", width=24, note="按此分送审核的部门（基本信息中“归口字段”指向的列表才需要）"),
    Column("别名", "aliases", "lines", 28, "各地的其他写法，一行一个"),
    Column("备注", "note", width=30),
    Column(OTHER, "", "json", 16),
), "每行一个选项；同一列表的选项写在相邻的行，列表名称相同。")

RULE_SHEET = TableSheet("规则", (
    Column("规则编号", "id", width=22, note="小写字母、数字和连字符；可留空，按行自动编号"),
    Column("条款", "clause", width=12, note="通知中的条款，如 一(一)4"),
    Column("附件", "annex", "refs", 14, "规则检查的附件代号；多个时一行一个"),
    Column("种类", "kind", "enum:rule_kind", 10, "逐条检查（默认）、分组计数、配套材料",
           "$defs/criterion/properties/kind"),
    Column("标题", "title", width=30),
    Column("适用条件", "when", "rule", 34, "如 [项目类别] 是 \"大数据中心\"；空着表示每条都适用"),
    Column("检查", "check", "rule", 34, "如 [总投资] >= 500"),
    Column("相关字段", "field", width=16, note="提示指向的字段（字段名称或编号）"),
    Column("分组字段", "group_by", width=14, note="分组计数：按哪个字段计数"),
    Column("上限", "max_count", "int", 6, "分组计数：每组最多几条"),
    Column("配套附件", "companion", width=14, note="配套材料：每条须有的另一附件"),
    Column("对应字段", "match_on", "pairs", 22, "配套材料：本附件字段 = 配套附件字段，一行一对"),
    Column("提示语", "message", width=40, note="不符合时的提示；{字段编号} 处填入取值"),
    Column("提示语中的值", "values", "pairs", 22, "名称 = 表达式，一行一个"),
    Column("错误/提醒", "severity", "enum:severity", 9, "错误：不予入库；提醒：请核实",
           "$defs/criterion/properties/severity"),
    Column(OTHER, "", "json", 16),
), "每行一条审核规则。")

CHANGELOG_SHEET = TableSheet("修订记录", (
    Column("版本", "version", width=10, note="如 1.0.0；基本信息中的版本须在这里有说明"),
    Column("日期", "date", width=12, note="2020-05-01"),
    Column("变更说明", "changes", "lines", 60, "一行一条"),
    Column(OTHER, "", "json", 16),
), "每行一个发布的版本。")

BASIC_SHEET = KeyValueSheet("基本信息", (
    Column("申报包编号", "id", note="小写字母、数字和连字符，如 jl-761-2020"),
    Column("版本", "version", note="如 1.0.0；每次修改后下发前加一"),
    Column("申报包名称", "title"),
    Column("年度", "year", "int"),
    Column("省份", "province"),
    Column("金额单位", "unit", "enum:", enum_schema="properties/unit"),
    Column("通知标题", "notice.title"),
    Column("文号", "notice.number", note="如 吉政数办函〔2020〕579号"),
    Column("发文单位", "notice.issuer"),
    Column("发文日期", "notice.date", note="2020-05-01"),
    Column("截止日期", "notice.deadline"),
    Column("报送周期", "notice.recurring"),
    Column("通知来源", "notice.source"),
    Column("联系人", "notice.contact", note="填报中有问题时找谁：姓名和电话，写入填报说明"),
    Column("填报单位称谓", "reporting_unit_label", note="如 市（州）"),
    Column("填报单位", "reporting_units", "lines", note="一行一个"),
    Column("归口字段", "routing.field", note="按哪个字段的选项分送归口部门（字段名称或编号）"),
    Column("归口说明", "routing.title", note="如 归口部门"),
), "一项一行：在“内容”列填写。")

SUMMARY_SHEET = KeyValueSheet("汇总表", (
    Column("附件", "annex", note="汇总哪个附件（附件代号）"),
    Column("标题", "title", note="可用 {unit_name}、{year}"),
    Column("列", "columns", "lines", note="字段编号，一行一个；reporting_unit 为填报单位"),
    Column("分组", "group_by", "lines"),
    Column("合计", "sum_fields", "lines", note="合计的数值字段"),
    Column("分表", "split_by"),
    Column("纸张", "paper", "enum:", enum_schema="$defs/summary/properties/paper"),
    Column("盖章栏", "stamp_label"),
    Column("表尾", "footer", "lines"),
    Column("取自表单（JSON）", "from_forms", "json"),
), "汇总表的版式；没有汇总表时整页留空。")

LETTER_SHEET = KeyValueSheet("报送函", (
    Column("文种", "kind"),
    Column("主送机关", "recipient"),
    Column("标题", "title", note="可用 {unit_name}"),
    Column("开头", "opening", note="可用 {notice_title}、{notice_number}"),
    Column("结尾", "closing"),
), "报送函的措辞。")

TABLE_SHEETS = (ANNEX_SHEET, FIELD_SHEET, CHOICE_SHEET, RULE_SHEET, CHANGELOG_SHEET)
KV_SHEETS = (BASIC_SHEET, SUMMARY_SHEET, LETTER_SHEET)
SHEET_ORDER = ("说明", "基本信息", "附件", "字段", "选项", "规则", "汇总表", "报送函", "修订记录")
PACK_WORKBOOK_SHEETS = frozenset({"基本信息", "字段", "规则", "修订记录"})  # how ingest tells one from a county file
EXAMPLE_MARK = "示例"  # a row whose first cell starts with this is guidance, skipped when building


def label_of(codec: str, value: Any) -> str:
    table = LABELS.get(codec.split(":", 1)[1] if codec.startswith("enum:") else "", {})
    key = "true" if value is True else "false" if value is False else str(value)
    return table.get(key, key)


def enum_value(codec: str, text: str) -> Any:
    """A cell of an enumerated column -> the pack value (label or the raw value)."""
    table = LABELS.get(codec.split(":", 1)[1], {})
    for value, label in table.items():
        if text in (label, value):
            return {"true": True, "false": False}.get(value, value) if codec == "enum:required" else value
    if codec == "enum:required" and text in ("是", "否"):
        return text == "是"
    return text


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def to_cell(codec: str, value: Any) -> Any:
    """A pack value -> what the cell holds."""
    if codec.startswith("enum:"):
        return label_of(codec, value)
    if codec in ("int", "number"):
        return value
    if codec == "lines":
        if isinstance(value, list) and value and all(isinstance(v, str) and v and "\n" not in v
                                                     and not v.startswith("[") for v in value):
            return "\n".join(value)
        return _json_text(value)
    if codec == "refs":
        return value if isinstance(value, str) else _json_text(value)
    if codec == "pairs":
        if isinstance(value, dict) and value and all(isinstance(v, str) and "\n" not in v for v in value.values()):
            return "\n".join(f"{k} = {v}" for k, v in value.items())
        return _json_text(value)
    if codec == "any":
        if isinstance(value, str):
            return _json_text(value) if _parses_as_json(value) else value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        return _json_text(value)
    if codec == "json":
        return _json_text(value)
    if isinstance(value, str):
        return '""' if value == "" else value
    return _json_text(value)


def _parses_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


class CellError(ValueError):
    """A cell that cannot be read as its column says; the message is Chinese."""


def cell_text(value: Any) -> str | None:
    """A cell's content as text, None when blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def from_cell(codec: str, value: Any) -> Any:
    """A cell -> the pack value; None when the member is absent. Raises CellError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if codec in ("int", "number"):
        if isinstance(value, bool):
            raise CellError("应填数字")
        if isinstance(value, (int, float)):
            if codec == "int":
                if float(value).is_integer():
                    return int(value)
                raise CellError(f"应填整数，现为 {value}")
            return value
        text = str(value).strip().replace("，", "").replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise CellError(f"应填数字，现为“{value}”") from None
        if codec == "int" or (re.fullmatch(r"-?\d+", text) and codec == "number"):
            if not number.is_integer():
                raise CellError(f"应填整数，现为 {value}")
            return int(number)
        return number
    text = cell_text(value) or ""
    if codec == "json":
        return _load_json(text)
    if codec == "any":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            return json.loads(text)
        except ValueError:
            return text
    if codec.startswith("enum:"):
        return enum_value(codec, text)
    if codec in ("lines", "refs"):
        if text.startswith("["):
            loaded = _load_json(text)
            if not isinstance(loaded, list):
                raise CellError("应是一行一项的文字，或 JSON 数组")
            return loaded
        items = [line.strip() for line in text.splitlines() if line.strip()]
        if codec == "refs":
            return items[0] if len(items) == 1 else items
        return items
    if codec == "pairs":
        if text.startswith("{"):
            return _load_json(text)
        pairs: dict[str, str] = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            match = re.match(r"\s*([^=＝\s]+)\s*[=＝]\s*(.*?)\s*$", line)
            if not match:
                raise CellError(f"“{line.strip()}”应写成 名称 = 内容")
            pairs[match.group(1)] = match.group(2)
        return pairs
    if isinstance(value, str):
        return "" if value.strip() == '""' else value
    return text


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CellError(f"不是有效的 JSON：第{exc.colno}个字符附近，{exc.msg}") from None
