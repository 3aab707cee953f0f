"""Word documents in the national format for official documents, GB/T 9704-2012 (党政机关公文格式).

The values of the standard live here once, for the document annexes of a template and for the
cover letter (报送函): A4 paper, a 156 × 225 mm text block of 22 lines × 28 characters, 仿宋_GB2312
三号 body, 方正小标宋简体 二号 title, 黑体/楷体_GB2312 headings, page numbers `— 1 —` in 宋体 四号,
odd pages right and even pages left.

python-docx's `font.name` sets only the Latin font: Word then shows Chinese in the theme's East
Asian font (等线). `set_run_font` and `setup_document` therefore write `w:rFonts w:eastAsia`
explicitly and strip the theme references from the document defaults.
"""

from __future__ import annotations

from datetime import date

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

# Paper and margins (GB/T 9704-2012 5.2): the text block is 156 × 225 mm.
PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_TOP_MM = 37
MARGIN_BOTTOM_MM = 35
MARGIN_LEFT_MM = 28
MARGIN_RIGHT_MM = 26
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
TEXT_HEIGHT_MM = PAGE_HEIGHT_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM  # 225

# Type (5.2.2): 三号 = 16 pt, 二号 = 22 pt, 四号 = 14 pt.
BODY_FONT = "仿宋_GB2312"
BODY_SIZE_PT = 16.0
TITLE_FONT = "方正小标宋简体"
TITLE_SIZE_PT = 22.0
HEADING1_FONT = "黑体"  # 一级标题 “一、”
HEADING2_FONT = "楷体_GB2312"  # 二级标题 “（一）”
ANNEX_LABEL_FONT = "黑体"  # 附件标识 “附件1”, top left (8 附件说明)
PAGE_NUMBER_FONT = "宋体"
PAGE_NUMBER_SIZE_PT = 14.0
LATIN_FALLBACK = "Times New Roman"

# 22 lines of 28 characters a page: 225 mm / 22 lines ≈ 28.95 pt, the value offices set as
# 固定值; 156 mm / 28 characters ≈ 15.8 pt of pitch for 16 pt type.
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_SPACING_PT = 28.95
CHAR_PITCH_PT = TEXT_WIDTH_MM / 25.4 * 72 / CHARS_PER_LINE
FIRST_LINE_INDENT_PT = 2 * BODY_SIZE_PT  # 首行缩进两个字
# 页码: 一字线 and number, 四号, the line 7 mm below the text block, 空一字 from the edge.
PAGE_NUMBER_GAP_MM = 7
FOOTER_DISTANCE_MM = MARGIN_BOTTOM_MM - PAGE_NUMBER_GAP_MM - round(PAGE_NUMBER_SIZE_PT * 1.3 / 72 * 25.4)
HEADER_DISTANCE_MM = 15
DASH = "—"


def chinese_date(value: date | str) -> str:
    """`2020-07-10` -> `2020年7月10日`: the way official documents write dates (7.3.5.1)."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.year}年{d.month}月{d.day}日"


def _rfonts(rpr: CT_RPr) -> BaseOxmlElement:
    # get_or_add keeps the schema order of rPr children (rStyle must stay first).
    rfonts: BaseOxmlElement = rpr.get_or_add_rFonts()
    # Theme attributes win over explicit names in Word; drop them so our names are used.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    return rfonts


def _set_fonts(rpr: CT_RPr, name: str) -> None:
    rfonts = _rfonts(rpr)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    rfonts.set(qn("w:hint"), "eastAsia")


def set_run_font(run: Run, name: str, size_pt: float, bold: bool = False) -> Run:
    """Font of a run for Chinese and Latin text alike, with its size and weight."""
    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    _set_fonts(run._element.get_or_add_rPr(), name)
    return run


def _set_language(rpr: CT_RPr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        # Keep the schema order: only these may follow w:lang inside w:rPr.
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def setup_document(doc: Document) -> None:
    """A4, the GB/T 9704 margins and line grid, and a Normal style in 仿宋_GB2312 三号, zh-CN."""
    for section in doc.sections:
        section.page_width = Mm(PAGE_WIDTH_MM)
        section.page_height = Mm(PAGE_HEIGHT_MM)
        section.top_margin = Mm(MARGIN_TOP_MM)
        section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
        section.left_margin = Mm(MARGIN_LEFT_MM)
        section.right_margin = Mm(MARGIN_RIGHT_MM)
        section.header_distance = Mm(HEADER_DISTANCE_MM)
        section.footer_distance = Mm(FOOTER_DISTANCE_MM)
        _set_grid(section)
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            _set_fonts(rpr, BODY_FONT)
            _set_language(rpr)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_SIZE_PT)
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr, BODY_FONT)
    _set_language(rpr)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_SPACING_PT)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.widow_control = False


def _set_grid(section: Section) -> None:
    """The document grid: 22 lines × 28 characters (Word's 文档网格)."""
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_SPACING_PT * 20)))
    # charSpace: the pitch's difference from the font size, in 1/4096 pt.
    grid.set(qn("w:charSpace"), str(round((CHAR_PITCH_PT - BODY_SIZE_PT) * 4096)))


def _paragraph(doc: Document, text: str, font: str, size_pt: float, *, bold: bool = False,
               align: WD_ALIGN_PARAGRAPH | None = None, first_indent_pt: float = 0) -> Paragraph:
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_SPACING_PT)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(first_indent_pt)
    if align is not None:
        p.alignment = align
    if text:
        set_run_font(p.add_run(text), font, size_pt, bold)
    return p


def add_annex_label(doc: Document, text: str) -> Paragraph:
    """`附件1`: 黑体 三号, flush left on the first line (GB/T 9704 8)."""
    return _paragraph(doc, text, ANNEX_LABEL_FONT, BODY_SIZE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)


def add_title(doc: Document, text: str) -> Paragraph:
    """The title: 方正小标宋简体 二号, centred, one blank line below (7.3.1)."""
    p = _paragraph(doc, text, TITLE_FONT, TITLE_SIZE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.space_after = Pt(LINE_SPACING_PT)
    return p


def add_body_paragraph(doc: Document, text: str) -> Paragraph:
    """Body text: 仿宋_GB2312 三号, indented two characters, justified, exact line spacing."""
    return _paragraph(doc, text, BODY_FONT, BODY_SIZE_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                      first_indent_pt=FIRST_LINE_INDENT_PT)


def add_heading(doc: Document, text: str, level: int = 1) -> Paragraph:
    """`一、` headings in 黑体, `（一）` headings in 楷体_GB2312, both 三号 and indented (7.3.3)."""
    font = HEADING1_FONT if level == 1 else HEADING2_FONT
    return _paragraph(doc, text, font, BODY_SIZE_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                      first_indent_pt=FIRST_LINE_INDENT_PT)


def add_plain_line(doc: Document, text: str, *, align: WD_ALIGN_PARAGRAPH,
                   left_indent_pt: float = 0, right_indent_pt: float = 0) -> Paragraph:
    """A body-font line without first-line indent: signatures, dates, 附件说明."""
    p = _paragraph(doc, text, BODY_FONT, BODY_SIZE_PT, align=align)
    p.paragraph_format.left_indent = Pt(left_indent_pt)
    p.paragraph_format.right_indent = Pt(right_indent_pt)
    return p


def _field_run(paragraph: Paragraph, kind: str, text: str | None = None) -> Run:
    run = paragraph.add_run()
    if kind == "instr":
        el = OxmlElement("w:instrText")
        el.set(qn("xml:space"), "preserve")
        el.text = text or ""
    else:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
    run._element.append(el)
    return run


def _page_number(paragraph: Paragraph) -> None:
    """`— 1 —`: a PAGE field between em dashes, 宋体 四号."""
    runs = [paragraph.add_run(f"{DASH} ")]
    runs.append(_field_run(paragraph, "begin"))
    runs.append(_field_run(paragraph, "instr", " PAGE \\* MERGEFORMAT "))
    runs.append(_field_run(paragraph, "separate"))
    runs.append(paragraph.add_run("1"))
    runs.append(_field_run(paragraph, "end"))
    runs.append(paragraph.add_run(f" {DASH}"))
    for run in runs:
        set_run_font(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE_PT)


def add_page_number_footer(section: Section) -> None:
    """Page numbers per 7.5: odd pages at the right, even pages at the left, 空一字 from the
    edge. Turns on different odd/even footers in the document settings."""
    section._document_part.document.settings.odd_and_even_pages_header_footer = True
    for footer, align, left, right in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, 0.0, PAGE_NUMBER_SIZE_PT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, PAGE_NUMBER_SIZE_PT, 0.0),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        for run in list(p.runs):
            run._element.getparent().remove(run._element)
        p.alignment = align
        p.paragraph_format.left_indent = Pt(left)
        p.paragraph_format.right_indent = Pt(right)
        _page_number(p)
