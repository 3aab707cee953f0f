"""What goes down with the blank templates: the 填报说明 and, for a corrected template, the
模板变更说明 (`shenbao template PACK -o DIR`).

The 填报说明 is a Word document, what a county clerk opens and prints: the campaign, the notice
and its 文号, the deadline, which annexes to fill and how (one per unit or one per project, which
sheet, the annex's own instructions), every field with its unit, 必填/选填 and what to write (the
same words as the template's input tips and 填表说明 sheet: toolkit/template/describe.py), the
choice lists with the departments they go to, and whom to ask. The 模板变更说明 is the text of
`--changes-since` against the version before this one (toolkit/packs/changes.py). Both are written
through `atomic_path`, like the templates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from toolkit import __version__
from toolkit.gongwen import (
    BODY_FONT,
    add_body_paragraph,
    add_heading,
    add_page_number_footer,
    add_title,
    chinese_date,
    set_run_font,
    setup_document,
)
from toolkit.packs.model import Annex, Field, Pack
from toolkit.runtime.atomic import atomic_path, write_bytes
from toolkit.template.describe import requirement
from toolkit.template.guide import guide_fields
from toolkit.template.styles import AUTHOR, REQUIRED_NOTE, template_datetime

GUIDE_NAME = "填报说明.docx"
TABLE_SIZE_PT = 10.5  # 五号: a field table of a dozen rows stays on a page or two
FIELD_COLUMNS = (("栏目", 4.2), ("必填", 1.3), ("单位", 1.4), ("填写要求/可选项", 8.7))  # cm, 15.6 in all
CHOICE_COLUMNS = (("选项", 5.0), ("归口部门", 4.5), ("也可写作", 6.1))
KIND_WORDS = {"table": "表格", "form": "表单", "document": "Word 文档"}
PER_WORDS = {"unit": "每个填报单位填一份，每个项目一行", "project": "每个项目填一份"}


def change_note_name(since: str, version: str) -> str:
    return f"模板变更说明（{since}→{version}）.txt"


def write_change_note(path: Path, text: str) -> Path:
    """A text for clerks who open it in Notepad: UTF-8 with a BOM and Windows line ends."""
    return write_bytes(path, text.replace("\n", "\r\n").encode("utf-8-sig"))


def _cn(number: int) -> str:
    return "一二三四五六七八九十"[number - 1] if 1 <= number <= 10 else str(number)


def how_to_fill(annex: Annex) -> str:
    """One line for an annex: what it is and how it is filled."""
    if annex.kind == "document":
        need = "每个项目须报送，" if annex.required else ""
        return f"Word 文档：{need}按文档中的要求填写、签章后随申报材料报送"
    where = f"在“{annex.sheet_name}”工作表中填写" if annex.kind == "table" else "在下发的表单中逐栏填写"
    text = f"{KIND_WORDS[annex.kind]}：{PER_WORDS.get(annex.per, '')}，{where}"
    if annex.role == "summary":
        text += "；这是汇总上报的附件：各级汇总本级的项目后填写、盖章上报"
    if annex.word_form is not None:
        text += "；也可以填写通知所附的 Word 申报书（.docx）报送"
    return text


def _lists(annexes: Sequence[Annex]) -> list[tuple[str, Field]]:
    """(list name, a field using it) for every choice list the annexes use, once each."""
    seen: dict[str, Field] = {}
    for annex in annexes:
        for _, f in guide_fields(annex):
            if f.type in ("choice", "multichoice") and f.choices:
                seen.setdefault(f.choice_list or f.title, f)
    return list(seen.items())


def build_guide(pack: Pack, annexes: Sequence[Annex]) -> Document:
    doc = docx.Document()
    setup_document(doc)
    n = pack.notice
    add_title(doc, f"{pack.title}填报说明")
    add_body_paragraph(doc, f"依据{n.issuer}《{n.title}》（{n.number}，{chinese_date(n.date)}印发）。"
                            f"本说明随模板（版本 {pack.version}）下发，各栏要求与模板中的提示一致。")
    section = 0

    def heading(text: str) -> None:
        nonlocal section
        section += 1
        add_heading(doc, f"{_cn(section)}、{text}", 1)

    heading("报送时间和方式")
    if n.deadline:
        add_body_paragraph(doc, f"报送截止日期：{chinese_date(n.deadline)}。")
    if n.recurring:
        add_body_paragraph(doc, f"报送频次：{n.recurring}。")
    add_body_paragraph(doc, "请使用本次下发的模板填写，不要增删、合并或改名列（栏目），不要删除隐藏的工作表（记录模板版本，"
                            "汇总时用于核对）；金额只填数字，单位以表头为准。" + REQUIRED_NOTE)
    heading("需要填写的附件")
    for i, annex in enumerate(annexes, 1):
        add_body_paragraph(doc, f"{i}. {annex.file_stem}（{how_to_fill(annex)}）。")
        for text in annex.instructions:
            add_body_paragraph(doc, text)
    for annex in (a for a in annexes if a.kind != "document"):
        heading(f"{annex.file_stem} 各{'栏目' if annex.kind == 'form' else '列'}填写要求")
        rows = [(name, "必填" if f.required else "选填", f.unit or "", requirement(f, pack.year))
                for name, f in guide_fields(annex)]
        _table(doc, FIELD_COLUMNS, rows)
    lists = _lists(annexes)
    if lists:
        heading("选项列表")
        add_body_paragraph(doc, "带下拉箭头的单元格从下列选项中选择；“也可写作”一栏的写法读取时视同该选项。")
        for _, f in lists:
            routed = any(c.route for c in f.choices)
            columns = CHOICE_COLUMNS if routed else (CHOICE_COLUMNS[0], (CHOICE_COLUMNS[2][0], 10.6))
            add_body_paragraph(doc, f"“{f.title}”的选项{'（可多选，用“、”分隔）' if f.type == 'multichoice' else ''}：")
            _table(doc, columns, [(c.value + (f"（{c.note}）" if c.note else ""), *([c.route or ""] if routed else []),
                                   "、".join(c.aliases)) for c in f.choices])
    heading("联系方式")
    add_body_paragraph(doc, f"填报中有问题请联系：{n.contact}。" if n.contact
                       else f"填报中有问题请联系上级主管部门（联系方式见《{n.title}》）。")
    add_page_number_footer(doc.sections[0])
    props = doc.core_properties
    when = template_datetime(pack)
    props.author = props.last_modified_by = AUTHOR
    props.created = props.modified = when
    props.revision = 1
    props.title = f"{pack.title}填报说明"
    props.category = pack.id
    props.keywords = f"{pack.id} {pack.version} 填报说明"
    props.comments = f"由 shenbao {__version__} 根据申报包 {pack.id} {pack.version} 生成"
    return doc


def _table(doc: Document, columns: Sequence[tuple[str, float]], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    for col, (_, width) in zip(table.columns, columns, strict=True):
        col.width = Cm(width)
    for row_values, bold in ((tuple(c for c, _ in columns), True), *((r, False) for r in rows)):
        cells = table.rows[0].cells if bold else table.add_row().cells
        for cell, text, (_, width) in zip(cells, row_values, columns, strict=True):
            cell.width = Cm(width)
            p = cell.paragraphs[0]
            fmt = p.paragraph_format
            fmt.first_line_indent = Pt(0)
            fmt.space_before = fmt.space_after = Pt(1)
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            snap = OxmlElement("w:snapToGrid")  # the body's 28.95 pt line grid is for 三号 text
            snap.set(qn("w:val"), "0")
            p._p.get_or_add_pPr().insert(0, snap)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if bold else WD_ALIGN_PARAGRAPH.LEFT
            set_run_font(p.add_run(text), BODY_FONT, TABLE_SIZE_PT, bold)
    doc.add_paragraph()


def write_guide_document(pack: Pack, annexes: Sequence[Annex], target: Path) -> Path:
    from toolkit.xlsx.ziptimes import fix_entry_times

    with atomic_path(target) as tmp:
        build_guide(pack, annexes).save(str(tmp))
        fix_entry_times(tmp, template_datetime(pack))  # the same pack version, the same bytes
    return target


def write_handouts(pack: Pack, target: Path, annex_ids: Sequence[str] | None = None,
                   since: str | None = None) -> list[Path]:
    """The papers that go down beside the templates in `target`: the 填报说明 of the chosen annexes
    and, when the pack has an earlier version (or `since` names one), the 模板变更说明."""
    from toolkit.packs.changes import changes_since, previous_version
    from toolkit.template import choose_annexes

    since = since or previous_version(pack)
    note = changes_since(pack, since) if since else None  # an unknown version: PackError, before writing
    written = [write_guide_document(pack, choose_annexes(pack, annex_ids), target / GUIDE_NAME)]
    if note is not None and since is not None:
        written.append(write_change_note(target / change_note_name(since, pack.version), note))
    return written
