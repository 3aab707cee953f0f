"""How the pack workbook looks: header styles, column widths, frozen headers, dropdowns, 说明 page."""

from __future__ import annotations

from typing import Any

from toolkit.packs.source import meta_schema
from toolkit.packs.workbook_layout import (
    LABELS,
    Column,
    KeyValueSheet,
    TableSheet,
)

README_LINES = (
    "申报包工作簿（申报包.xlsx）",
    "",
    "一个申报包就是一次申报活动：通知、附件模板的各列、可选项、审核规则、汇总表和报送函。",
    "在本工作簿中填写各页，然后运行：",
    "    shenbao pack-build 申报包.xlsx -o 申报包目录     （检查并生成 pack.json）",
    "    shenbao template 申报包.xlsx -o 模板              （生成下发各地的空白模板）",
    "    shenbao run 申报包.xlsx 收件箱 -o 结果             （审核、汇总、报送函）",
    "",
    "各页：",
    "  基本信息  通知标题、文号、发文单位、日期、金额单位、填报单位、版本",
    "  附件      每行一个附件（表格、表单或 Word 文档）",
    "  字段      每行一列（或表单中的一项）：名称、编号、类型、单位、必填、选项、别名、提示、用途",
    "  选项      可选项列表：每行一个选项，可写归口部门和别名",
    "  规则      审核规则：条款、适用条件、检查、提示语、错误/提醒",
    "  汇总表    汇总表的列、分组、合计和标题",
    "  报送函    报送函的主送机关、标题、开头和结尾",
    "  修订记录  每个版本改了什么（当前版本必须有一行）",
    "",
    "规则可以用字段名称写，字段名称放在方括号里：",
    "    [总投资] >= 500",
    "    [项目类别] 是 \"大数据中心\" 或 \"数字政务基础设施\"",
    "    [大数据投资] >= [总投资] * 0.5",
    "    [建设单位] 已填        [建设单位] 未填",
    "    条件之间用 并且 / 或者 连接，可以加括号；全角符号（＞＝ ≥ ≤ “” （））也可以。",
    "也可以照旧写 CEL 表达式（total_investment >= 500.0）。",
    "",
    "第 1 行是列名，第 2 行（灰色）是填写说明，从第 3 行起填写；以“示例：”开头的行是示例，",
    "请改写（并去掉“示例：”）或删除。带下拉箭头的列请从下拉中选择。",
    "“其他（JSON）”列供高级用法：写 JSON 对象，其中各项原样并入这一行。",
)


def write_readme(ws: Any) -> None:
    from openpyxl.styles import Font

    ws.title = "说明"
    for line in README_LINES:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 100


def _dropdown(ws: Any, col: Column, letter: str, first: int, last: int) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    values = enum_labels(col)
    if not values:
        return
    dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
    dv.error = "请从下拉列表中选择"
    dv.showErrorMessage = False  # a raw value (number, `error`) is accepted too
    ws.add_data_validation(dv)
    dv.add(f"{letter}{first}:{letter}{last}")


def enum_labels(col: Column) -> list[str]:
    if not col.codec.startswith("enum:"):
        return []
    table = LABELS.get(col.codec.split(":", 1)[1], {})
    if col.enum_schema:
        node: Any = meta_schema()
        for part in col.enum_schema.split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        raw = node.get("enum", []) if isinstance(node, dict) else []
        return [table.get(str(v), str(v)) for v in raw]
    return list(table.values())


def style_table(ws: Any, sheet: TableSheet, rows: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for i, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        head = ws.cell(1, i)
        head.font = Font(bold=True)
        head.fill = head_fill
        note = ws.cell(2, i)
        note.font = Font(italic=True, color="808080", size=9)
        note.alignment = Alignment(wrap_text=True, vertical="top")
        _dropdown(ws, col, letter, 3, max(rows + 2, 500))
        for r in range(3, rows + 3):
            ws.cell(r, i).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"


def style_kv(ws: Any, sheet: KeyValueSheet, rows: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for letter, width in zip("ABCD", (16, 60, 40, 22), strict=True):
        ws.column_dimensions[letter].width = width
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    by_member = {c.member: c for c in sheet.rows}
    for r in range(2, rows + 2):
        ws.cell(r, 1).font = Font(bold=True)
        ws.cell(r, 2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(r, 3).font = Font(italic=True, color="808080", size=9)
        ws.cell(r, 4).font = Font(color="A0A0A0", size=9)
        col = by_member.get(str(ws.cell(r, 4).value))
        if col is not None:
            _dropdown(ws, col, "B", r, r)
    ws.freeze_panes = "A2"
