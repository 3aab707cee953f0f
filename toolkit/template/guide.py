"""The `填表说明` sheet: the notice, the annex's instructions, and one row per field saying
whether it is required, its unit and what to write (choices, format, date precision)."""

from __future__ import annotations

from collections.abc import Iterator

from xlsxwriter.workbook import Workbook

from toolkit.packs.model import Annex, Field, Pack
from toolkit.template.describe import notice_lines, requirement
from toolkit.template.styles import REQUIRED_NOTE, Styles, fitted_height, print_setup

GUIDE_SHEET = "填表说明"
COLUMNS = (("列名", 30), ("是否必填", 10), ("单位", 8), ("填写要求/可选项", 70))
TOTAL_WIDTH = sum(w for _, w in COLUMNS)


def guide_fields(annex: Annex) -> Iterator[tuple[str, Field]]:
    """(name shown, field) for every field, with a list's items under their list."""
    for f in annex.fields:
        yield f.header, f
        if f.type == "list":
            for item in f.items:
                yield f"{f.title}：{item.header}", item


def write_guide(wb: Workbook, styles: Styles, pack: Pack, annex: Annex) -> None:
    ws = wb.add_worksheet(GUIDE_SHEET)
    last = len(COLUMNS) - 1
    for col, (_, width) in enumerate(COLUMNS):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, last, f"{annex.file_stem} 填表说明", styles.title)
    ws.set_row(0, 36)
    row = 1
    wrap = styles.make(text_wrap=True, valign="top")
    bold = styles.make(bold=True, valign="vcenter")

    def line(text: str, fmt: object = wrap) -> None:
        nonlocal row
        ws.merge_range(row, 0, row, last, text, fmt)
        ws.set_row(row, fitted_height([(text, TOTAL_WIDTH)], minimum=18))
        row += 1

    for text in notice_lines(pack):
        line(text)
    row += 1
    line("一、填写要求", bold)
    instructions = [*annex.instructions, REQUIRED_NOTE,
                    "带下拉箭头的单元格请从列表中选择；选中单元格时会显示填写提示。",
                    "请勿删除或修改隐藏的工作表，它们记录模板版本，汇总时用于核对。"]
    for n, text in enumerate(instructions, 1):
        line(f"{n}. {text}")
    row += 1
    what = "栏目" if annex.kind == "form" else "列"
    line(f"二、各{what}填写要求", bold)
    titles = [title for title, _ in COLUMNS]
    if annex.kind == "form":
        titles[0] = "栏目"
    for col, title in enumerate(titles):
        ws.write_string(row, col, title, styles.header())
    header_row = row
    row += 1
    cell = styles.make(border=1, text_wrap=True, valign="vcenter")
    required_cell = styles.make(border=1, text_wrap=True, valign="vcenter", align="center",
                                font_color="#C00000", bold=True)
    center = styles.make(border=1, text_wrap=True, valign="vcenter", align="center")
    for name, f in guide_fields(annex):
        need = requirement(f, pack.year)
        ws.write_string(row, 0, name, cell)
        ws.write_string(row, 1, "必填" if f.required else "选填", required_cell if f.required else center)
        ws.write_string(row, 2, f.unit or "", center)
        ws.write_string(row, 3, need, cell)
        ws.set_row(row, fitted_height([(name, COLUMNS[0][1]), (need, COLUMNS[3][1])]))
        row += 1
    print_setup(ws, "A4", landscape=False, repeat=(header_row, header_row))
