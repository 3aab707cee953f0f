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

import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import date

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Mm, Pt, RGBColor
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
# 28 三号 characters are 448 pt, wider than the 442 pt line: characters are condensed by this
# much (in twentieths of a point, Word's unit for character spacing) so that 28 fit. Word's
# character grid (docGrid linesAndChars with a negative charSpace) would do it in Word, but
# LibreOffice then gives each 16 pt character two 15.8 pt cells: 14 characters a line.
CHAR_SPACING_TWIPS = -math.ceil((BODY_SIZE_PT - CHAR_PITCH_PT) * 20)
FIRST_LINE_INDENT_PT = 2 * BODY_SIZE_PT  # 首行缩进两个字
# 页码: 一字线 and number, 四号, the line 7 mm below the text block, 空一字 from the edge.
PAGE_NUMBER_GAP_MM = 7
FOOTER_DISTANCE_MM = MARGIN_BOTTOM_MM - PAGE_NUMBER_GAP_MM - round(PAGE_NUMBER_SIZE_PT * 1.3 / 72 * 25.4)
HEADER_DISTANCE_MM = 15
DASH = "—"
# 成文日期 右空四字 (7.3.5.1); 附件说明 and 附注 左空二字 (7.3.4, 7.3.6); 发文机关署名 of an unsealed
# document 右空二字; 版记 (抄送) 4号 with 左右各空一字 (7.4.2).
DATE_RIGHT_CHARS = 4
SIGNATURE_RIGHT_CHARS = 2
NOTE_LEFT_CHARS = 2
COPY_TO_SIZE_PT = 14.0
COPY_TO_SIDE_CHARS = 1
# 版记 rules (7.4.1): first and last thick (0.35 mm), the ones between thin (0.25 mm). Word
# measures borders in eighths of a point.
RULE_THICK_EIGHTHS = round(0.35 / 25.4 * 72 * 8)
RULE_THIN_EIGHTHS = round(0.25 / 25.4 * 72 * 8)


def chinese_date(value: date | str) -> str:
    """`2020-07-10` -> `2020年7月10日`: the way official documents write dates (7.3.5.1)."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.year}年{d.month}月{d.day}日"


# 〔2020〕: the year of a 发文字号 in 六角括号 (7.2.4); clerks type [], （）, 【】 or ［］ instead.
_DOC_NUMBER_RE = re.compile(
    r"^\s*(?P<prefix>.*?)\s*[\[［(（【〔〖]\s*(?P<year>\d{4})\s*[\]］)）】〕〗]\s*第?\s*(?P<seq>\d+)\s*号?\s*$"
)


def document_number(text: str) -> str:
    """`长政数函[2020]012号` -> `长政数函〔2020〕12号`: the year in 六角括号, no 第, no leading zeros
    (7.2.4 发文顺序号不加“第”字，不编虚位). Text that is not a 发文字号 comes back as it was."""
    m = _DOC_NUMBER_RE.match(text)
    if not m or not m["prefix"]:
        return text.strip()
    # int(): `\d` also takes full-width digits (２０２０), which a 发文字号 writes as 2020.
    return f"{m['prefix']}〔{int(m['year'])}〕{int(m['seq'])}号"


def text_width_chars(text: str) -> float:
    """Width in 字 of the body font: CJK and full-width characters take one, the rest half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)


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
    # Chinese text is zh-CN; Latin-script text, digits included, is en-US, as in Word's own
    # Chinese templates. With zh-CN there too, LibreOffice breaks a figure anywhere ("20" at the
    # end of a line, "400 万元" on the next), as it may break between any two Chinese characters.
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


# Children of w:rPr that follow w:spacing, and w:sz, in the schema's order.
_RPR_AFTER_SZ = ("w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
                 "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", *_RPR_AFTER_SZ)


def _set_default_size(rpr: CT_RPr, size_pt: float) -> None:
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.insert_element_before(el, *(("w:szCs",) if tag == "w:sz" else ()), *_RPR_AFTER_SZ)
        el.set(qn("w:val"), str(round(size_pt * 2)))


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
            # The character grid counts its pitch from the default size (Word and LibreOffice
            # alike): at python-docx's 11 pt a 三号 character takes two cells, not one.
            _set_default_size(rpr, BODY_SIZE_PT)
            _set_char_spacing(rpr, CHAR_SPACING_TWIPS)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_SIZE_PT)
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr, BODY_FONT)
    _set_char_spacing(rpr, CHAR_SPACING_TWIPS)
    _set_language(rpr)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_SPACING_PT)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.widow_control = False


def _set_grid(section: Section) -> None:
    """The line grid: 22 lines a page (Word's 文档网格, 只指定行网格). The 28 characters a
    line come from `CHAR_SPACING_TWIPS`, which every office suite honours alike."""
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_SPACING_PT * 20)))
    grid.attrib.pop(qn("w:charSpace"), None)


def _set_char_spacing(rpr: CT_RPr, twips: int) -> None:
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        rpr.insert_element_before(spacing, *_RPR_AFTER_SPACING)
    spacing.set(qn("w:val"), str(twips))


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


def add_blank_line(doc: Document) -> Paragraph:
    """An empty line of the grid (空一行)."""
    return add_plain_line(doc, "", align=WD_ALIGN_PARAGRAPH.LEFT)


def add_document_number(doc: Document, number: str, *, upward: bool = False,
                        signer: str | None = None) -> Paragraph:
    """The 发文字号 line. A 函 in the 信函格式 puts it flush right (10.1); an upward document
    (报告, 请示) puts it 左空一字 with `签发人：` and the name (楷体) flush right 空一字 on the
    same line (7.2.4, 7.2.5)."""
    if not upward:
        return add_plain_line(doc, number, align=WD_ALIGN_PARAGRAPH.RIGHT)
    p = add_plain_line(doc, number, align=WD_ALIGN_PARAGRAPH.LEFT, left_indent_pt=BODY_SIZE_PT)
    if signer is not None:
        tab_pt = TEXT_WIDTH_MM / 25.4 * 72 - BODY_SIZE_PT  # 空一字 from the right; tabs count from the margin
        p.paragraph_format.tab_stops.add_tab_stop(Pt(tab_pt), WD_TAB_ALIGNMENT.RIGHT)
        set_run_font(p.add_run("\t签发人："), BODY_FONT, BODY_SIZE_PT)
        set_run_font(p.add_run(signer), HEADING2_FONT, BODY_SIZE_PT)
    return p


def add_recipient(doc: Document, name: str) -> Paragraph:
    """主送机关: 顶格, closed by a full-width colon (7.3.2)."""
    return add_plain_line(doc, f"{name.rstrip(':：')}：", align=WD_ALIGN_PARAGRAPH.JUSTIFY)


def annex_note_numbers(names: Sequence[str], numbers: Sequence[str] = ()) -> list[str]:
    """Each line's number with its point: the annexes' own numbers when given (`4-5.`, the
    notice's annex the 汇总表 is), else `1.` `2.` … for several and nothing for one (7.3.4)."""
    if numbers:
        return [f"{n}." for n in numbers]
    return [f"{i}." if len(names) > 1 else "" for i in range(1, len(names) + 1)]


def add_annex_note(doc: Document, names: Sequence[str], numbers: Sequence[str] = ()) -> list[Paragraph]:
    """附件说明 (7.3.4): `附件：` 左空二字; several annexes numbered `1.` `2.` … (or by their own
    numbers), each name without closing punctuation, a long name wrapping under its own first
    character."""
    out: list[Paragraph] = []
    label = "附件："
    label_chars = text_width_chars(label)
    for i, (name, number) in enumerate(zip(names, annex_note_numbers(names, numbers), strict=True), start=1):
        lead = (label if i == 1 else "") + number
        # The name's first character is where every wrapped line starts; what precedes it on
        # the first line hangs to the left of it.
        name_at = NOTE_LEFT_CHARS + label_chars + text_width_chars(number)
        p = add_plain_line(doc, lead + name.rstrip("。；;，,."), align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                           left_indent_pt=name_at * BODY_SIZE_PT)
        p.paragraph_format.first_line_indent = Pt(-text_width_chars(lead) * BODY_SIZE_PT)
        out.append(p)
    return out


def add_signature(doc: Document, issuer: str, date_text: str) -> list[Paragraph]:
    """发文机关署名 over the 成文日期 (7.3.5.2): the date 右空四字 and the name centred over it;
    a name wider than the date stays 右空二字 and the date centres under it instead."""
    issuer_w, date_w = text_width_chars(issuer), text_width_chars(date_text)
    axis = max(DATE_RIGHT_CHARS + date_w / 2, SIGNATURE_RIGHT_CHARS + issuer_w / 2)
    out = []
    for text, width in ((issuer, issuer_w), (date_text, date_w)):
        out.append(add_plain_line(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT,
                                  right_indent_pt=(axis - width / 2) * BODY_SIZE_PT))
    return out


def add_note(doc: Document, text: str) -> Paragraph:
    """附注 (7.3.6): 居左空二字, in parentheses, the line under the 成文日期 — where offices put
    the 联系人 and 联系电话."""
    body = text.strip().removeprefix("（").removesuffix("）")
    p = add_plain_line(doc, f"（{body}）", align=WD_ALIGN_PARAGRAPH.LEFT)
    p.paragraph_format.first_line_indent = Pt(NOTE_LEFT_CHARS * BODY_SIZE_PT)
    return p


_PPR_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                   "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                   "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                   "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
                   "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                   "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def add_copy_to(doc: Document, names: Sequence[str], *, rules: bool = True) -> list[Paragraph]:
    """版记 with its 抄送机关 (7.4.1, 7.4.2): between a thick rule above and a thick rule below,
    `抄送：` in 4号仿宋 左右各空一字, names separated by ， and closed by a 句号, a wrapped
    line aligned with the first name. The 信函格式's 版记 has no rules (10.1): `rules=False`.
    It stands at the foot of the last page, its last line on the text block's last line
    (7.4.1): a frame at a fixed place of the text block. The rules are the paragraph's own top
    and bottom borders: LibreOffice draws them across the frame, the text block's width (rule
    paragraphs of their own inside a frame lose their borders and the frame its place there)."""
    text = "，".join(n.strip().rstrip("。，,、") for n in names if n.strip())
    label = "抄送："
    side = COPY_TO_SIDE_CHARS * COPY_TO_SIZE_PT
    line = f"{label}{text}。"
    p = _paragraph(doc, line, BODY_FONT, COPY_TO_SIZE_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    p.paragraph_format.left_indent = Pt(side + text_width_chars(label) * COPY_TO_SIZE_PT)
    p.paragraph_format.first_line_indent = Pt(-text_width_chars(label) * COPY_TO_SIZE_PT)
    p.paragraph_format.right_indent = Pt(side)
    if rules:
        _borders(p, ("top", "bottom"), RULE_THICK_EIGHTHS)
    _at_foot(p, _copy_to_lines(line, label) * LINE_SPACING_PT)
    return [p]


def _copy_to_lines(line: str, label: str) -> int:
    """Lines the 抄送 paragraph takes: its width in 4号 characters over what a line holds."""
    per_line = (TEXT_WIDTH_MM / 25.4 * 72 - 2 * COPY_TO_SIDE_CHARS * COPY_TO_SIZE_PT) / COPY_TO_SIZE_PT
    first = per_line  # the label hangs into the left indent: the first line holds as many
    rest = per_line - text_width_chars(label)
    width = text_width_chars(line)
    return 1 if width <= first else 1 + math.ceil((width - first) / rest)


def _at_foot(p: Paragraph, height_pt: float) -> None:
    """A frame for the paragraph, as wide as the text block, its foot on the text block's foot."""
    y = round((TEXT_HEIGHT_MM / 25.4 * 72 - height_pt) * 20)
    frame = OxmlElement("w:framePr")
    for attr, value in (("w:w", str(round(TEXT_WIDTH_MM / 25.4 * 1440))), ("w:hSpace", "0"),
                        ("w:wrap", "around"), ("w:vAnchor", "margin"), ("w:hAnchor", "margin"),
                        ("w:x", "0"), ("w:y", str(y))):
        frame.set(qn(attr), value)
    p._p.get_or_add_pPr().insert_element_before(frame, *_PPR_AFTER_FRAMEPR)


def _borders(p: Paragraph, edges: Sequence[str], eighths: int) -> None:
    borders = OxmlElement("w:pBdr")
    for edge in edges:
        line = OxmlElement(f"w:{edge}")
        for attr, value in (("w:val", "single"), ("w:sz", str(eighths)), ("w:space", "0"), ("w:color", "auto")):
            line.set(qn(attr), value)
        borders.append(line)
    p._p.get_or_add_pPr().insert_element_before(borders, *_PPR_AFTER_PBDR)


_PPR_AFTER_FRAMEPR = ("w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", *_PPR_AFTER_PBDR)


# 信函格式 (10.1): the 发文机关标志 in red 小标宋, its top edge 30 mm from the top of the page; a red
# double line 4 mm under it (thick over thin) and another 20 mm from the foot of the page (thin
# over thick), each 170 mm long and centred; no page number on the first page.
LETTERHEAD_TOP_MM = 30
LETTERHEAD_SIZE_PT = 26.0  # the usual size of a 信函 标志; the standard leaves it to the office
LETTERHEAD_RED = "FF0000"
LETTERHEAD_GAP_MM = 4
LETTERHEAD_LINE_MM = 170
LETTERHEAD_FOOT_MM = 20
# Word draws a double border as its lines and the gap: 4.5 pt in all, the thick line about 3 pt.
LETTERHEAD_BORDER_EIGHTHS = 36


def _line_indents(paragraph: Paragraph) -> None:
    """Indents that stretch a paragraph's border to LETTERHEAD_LINE_MM, centred on the page."""
    side = (PAGE_WIDTH_MM - LETTERHEAD_LINE_MM) / 2
    paragraph.paragraph_format.left_indent = Mm(side - MARGIN_LEFT_MM)
    paragraph.paragraph_format.right_indent = Mm(side - MARGIN_RIGHT_MM)


def _red_double_line(paragraph: Paragraph, edge: str, style: str, space_pt: float) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{edge}")
    for attr, value in (("w:val", style), ("w:sz", str(LETTERHEAD_BORDER_EIGHTHS)),
                        ("w:space", str(round(space_pt))), ("w:color", LETTERHEAD_RED)):
        line.set(qn(attr), value)
    borders.append(line)
    ppr.insert_element_before(borders, *_PPR_AFTER_PBDR)
    _line_indents(paragraph)


def add_letterhead(section: Section, issuer: str) -> None:
    """The first page of a 函 in the 信函格式: its own header with the 发文机关标志 and the upper
    red double line, its own footer with the lower one and no page number. The header is taller
    than the top margin, so Word and LibreOffice start the first page's text under the line."""
    section.different_first_page_header_footer = True
    section.header_distance = Mm(LETTERHEAD_TOP_MM)
    header = section.first_page_header
    header.is_linked_to_previous = False
    p = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LETTERHEAD_SIZE_PT * 1.15)
    run = set_run_font(p.add_run(issuer), TITLE_FONT, LETTERHEAD_SIZE_PT)
    run.font.color.rgb = RGBColor.from_string(LETTERHEAD_RED)
    _red_double_line(p, "bottom", "thickThinSmallGap", LETTERHEAD_GAP_MM / 25.4 * 72)
    footer = section.first_page_footer
    footer.is_linked_to_previous = False
    q = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    qfmt = q.paragraph_format
    qfmt.space_before = qfmt.space_after = Pt(0)
    qfmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    qfmt.line_spacing = Pt(1)
    _red_double_line(q, "bottom", "thinThickSmallGap", 0)
    # The footer ends LETTERHEAD_FOOT_MM from the foot of the page; the page numbers of the other
    # pages keep their place (7 mm under the text block) by standing that much higher in theirs.
    lift = FOOTER_DISTANCE_MM - LETTERHEAD_FOOT_MM
    section.footer_distance = Mm(LETTERHEAD_FOOT_MM)
    for other in (section.footer, section.even_page_footer):
        for paragraph in other.paragraphs:
            paragraph.paragraph_format.space_after = Mm(lift)
