"""A document annex (建设方案编制大纲, 真实性承诺书 …) as a Word file in the GB/T 9704 layout.

The annex's `paragraphs` are the seed text line by line: `一、`/`（一）` lines become headings,
signature lines (法定代表人…签章：, 公章：) sit in the right half of the page with room to sign,
and a blank date line (`年  月  日`) is right-aligned four characters from the margin, as in
official documents; everything else is body text.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from toolkit import __version__
from toolkit.gongwen import (
    BODY_SIZE_PT,
    DATE_RIGHT_CHARS,
    add_annex_label,
    add_body_paragraph,
    add_heading,
    add_page_number_footer,
    add_plain_line,
    add_title,
    setup_document,
)
from toolkit.packs.model import Annex, Pack
from toolkit.template.styles import AUTHOR, template_datetime

HEADING1_RE = re.compile(r"^[一二三四五六七八九十]+、")
HEADING2_RE = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")
HEADING_MAX = 40  # a longer `一、…` line is a numbered paragraph, not a heading
SIGNATURE_RE = re.compile(
    r"^(法定代表人|法人代表|授权代表|负责人|承诺人|申报单位|承诺单位|推荐单位|项目单位).{0,24}[:：]\s*$"
    r"|(签章|签字|签名|盖章|公章)[)）]?\s*[:：]?\s*$"
)
DATE_LINE_RE = re.compile(r"^(\d{4}|20)?\s*年\s*\d{0,2}\s*月\s*\d{0,2}\s*日$")
SIGNATURE_MAX = 30
SIGNATURE_INDENT_CHARS = 8  # the label starts here, the rest of the line is room to sign


def line_kind(text: str) -> str:
    """`blank`, `heading1`, `heading2`, `signature`, `date` or `body`."""
    s = text.strip()
    if not s:
        return "blank"
    if DATE_LINE_RE.match(s):
        return "date"
    if len(s) <= SIGNATURE_MAX and SIGNATURE_RE.search(s):
        return "signature"
    if len(s) <= HEADING_MAX and HEADING1_RE.match(s):
        return "heading1"
    if len(s) <= HEADING_MAX and HEADING2_RE.match(s):
        return "heading2"
    return "body"


def add_line(doc: Document, text: str) -> None:
    kind = line_kind(text)
    s = text.strip()
    if kind == "blank":
        add_plain_line(doc, "", align=WD_ALIGN_PARAGRAPH.LEFT)
    elif kind == "date":
        add_plain_line(doc, s, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent_pt=DATE_RIGHT_CHARS * BODY_SIZE_PT)
    elif kind == "signature":
        add_plain_line(doc, s, align=WD_ALIGN_PARAGRAPH.LEFT,
                       left_indent_pt=SIGNATURE_INDENT_CHARS * BODY_SIZE_PT)
    elif kind == "heading1":
        add_heading(doc, s, 1)
    elif kind == "heading2":
        add_heading(doc, s, 2)
    else:
        add_body_paragraph(doc, s)


def build_document(pack: Pack, annex: Annex) -> Document:
    doc = docx.Document()
    setup_document(doc)
    if annex.number:
        add_annex_label(doc, annex.number)
    add_title(doc, annex.title)
    for text in annex.paragraphs:
        add_line(doc, text)
    if annex.signature_line and annex.signature_line.strip() not in {p.strip() for p in annex.paragraphs}:
        add_line(doc, "")
        add_line(doc, annex.signature_line)
    add_page_number_footer(doc.sections[0])
    _set_properties(doc, pack, annex)
    return doc


def write_document(pack: Pack, annex: Annex, path: Path) -> None:
    from toolkit.template.styles import template_datetime
    from toolkit.xlsx.ziptimes import fix_entry_times

    build_document(pack, annex).save(str(path))
    fix_entry_times(path, template_datetime(pack))  # the same pack version, the same bytes


def _set_properties(doc: Document, pack: Pack, annex: Annex) -> None:
    """Fixed properties, so regenerating the same pack version gives the same document."""
    props = doc.core_properties
    when = template_datetime(pack)
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    props.title = annex.file_stem
    props.subject = pack.title
    props.category = pack.id
    props.keywords = f"{pack.id} {pack.version} {annex.id}"
    props.comments = f"由 shenbao {__version__} 根据申报包 {pack.id} {pack.version} 生成"
