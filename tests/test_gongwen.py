"""The GB/T 9704 style module: the helpers the cover letter added (发文字号, 附件说明, 署名 and
成文日期, 附注, 版记) and the page set-up that makes 28 三号 characters fit a line."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from toolkit import gongwen


@pytest.mark.parametrize(("typed", "expected"), [
    ("吉政数办函〔2020〕579号", "吉政数办函〔2020〕579号"),
    ("长政数函[2020]012号", "长政数函〔2020〕12号"),
    ("长政数函（2020）12号", "长政数函〔2020〕12号"),
    ("长政数函(２０２０)12号", "长政数函〔2020〕12号"),
    ("长政数函【2020】第5号", "长政数函〔2020〕5号"),
    ("长政数函［2020］ 5", "长政数函〔2020〕5号"),
    ("无文号", "无文号"),
    ("[2020]5号", "[2020]5号"),  # no 机关代字: left for the clerk to see
])
def test_document_number(typed: str, expected: str) -> None:
    assert gongwen.document_number(typed) == expected


def test_text_width_chars() -> None:
    assert gongwen.text_width_chars("2020年7月10日") == 6.5
    assert gongwen.text_width_chars("附件：") == 3
    assert gongwen.text_width_chars("1.") == 1


def test_28_characters_fit_a_line() -> None:
    advance = gongwen.BODY_SIZE_PT + gongwen.CHAR_SPACING_TWIPS / 20
    assert gongwen.CHARS_PER_LINE * advance <= gongwen.TEXT_WIDTH_MM / 25.4 * 72
    assert (gongwen.CHARS_PER_LINE + 1) * advance > gongwen.TEXT_WIDTH_MM / 25.4 * 72
    assert gongwen.CHAR_SPACING_TWIPS == -5


def test_setup_document_defaults(tmp_path: Path) -> None:
    d = docx.Document()
    gongwen.setup_document(d)
    path = tmp_path / "x.docx"
    d.save(str(path))
    d = docx.Document(str(path))
    defaults = d.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    # The default size is the body's, so nothing measured from it (the line grid) is off.
    assert defaults.find(qn("w:sz")).get(qn("w:val")) == "32"
    assert defaults.find(qn("w:spacing")).get(qn("w:val")) == "-5"
    normal = d.styles["Normal"].element.rPr
    assert normal.find(qn("w:spacing")).get(qn("w:val")) == "-5"
    grid = d.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:charSpace")) is None
    assert grid.get(qn("w:linePitch")) == "579"


def paragraph_indents(p: Paragraph) -> tuple[float, ...]:
    f = p.paragraph_format
    return tuple(round(x.pt, 1) if x is not None else 0.0 for x in (f.left_indent, f.first_line_indent, f.right_indent))


def test_annex_note_layout() -> None:
    d = docx.Document()
    gongwen.setup_document(d)
    one = gongwen.add_annex_note(d, ["长春市汇总表"])
    assert [p.text for p in one] == ["附件：长春市汇总表"]
    # 左空二字, and a wrapped line starts under the name's first character (after 附件：).
    assert paragraph_indents(one[0]) == (5 * 16, -3 * 16, 0)
    several = gongwen.add_annex_note(d, ["甲汇总表", "乙汇总表。"])
    assert [p.text for p in several] == ["附件：1.甲汇总表", "2.乙汇总表"]
    assert paragraph_indents(several[0]) == (6 * 16, -4 * 16, 0)
    assert paragraph_indents(several[1]) == (6 * 16, -1 * 16, 0)


def test_signature_centred_over_the_date() -> None:
    d = docx.Document()
    gongwen.setup_document(d)
    name, day = gongwen.add_signature(d, "长春市某局", "2020年7月10日")
    assert name.alignment == day.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # The date 右空四字; the five-character name centred over its 6.5 characters.
    assert paragraph_indents(day)[2] == 4 * 16
    assert paragraph_indents(name)[2] == (4 + 0.75) * 16
    long_name, day2 = gongwen.add_signature(d, "长春市政务服务和数字化建设管理局", "2020年7月10日")
    # A name wider than the date stays 右空二字 and the date centres under it.
    assert paragraph_indents(long_name)[2] == 2 * 16
    assert paragraph_indents(day2)[2] == (2 + 8 - 3.25) * 16


def test_document_number_lines() -> None:
    d = docx.Document()
    gongwen.setup_document(d)
    letter = gongwen.add_document_number(d, "长政数函〔2020〕35号")
    assert letter.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    report = gongwen.add_document_number(d, "长政数〔2020〕35号", upward=True, signer="王某某")
    assert report.text == "长政数〔2020〕35号\t签发人：王某某"
    assert report.paragraph_format.left_indent == Pt(16)
    (tab,) = report.paragraph_format.tab_stops
    assert round(tab.position.pt, 1) == round(156 / 25.4 * 72 - 16, 1)
    fonts = [r._element.get_or_add_rPr().find(qn("w:rFonts")).get(qn("w:eastAsia")) for r in report.runs]
    assert fonts == ["仿宋_GB2312", "仿宋_GB2312", "楷体_GB2312"]


def test_note_and_copy_to() -> None:
    d = docx.Document()
    gongwen.setup_document(d)
    note = gongwen.add_note(d, "联系人：张明，联系电话：0431-88880000")
    assert note.text == "（联系人：张明，联系电话：0431-88880000）"
    assert note.paragraph_format.first_line_indent == Pt(32)
    (line,) = gongwen.add_copy_to(d, ["甲局", "乙局。"])
    assert line.text == "抄送：甲局，乙局。"
    assert all(r.font.size == Pt(14) for r in line.runs)
    assert paragraph_indents(line) == (14 + 3 * 14, -3 * 14, 14)
    ppr = line._p.pPr
    assert ppr is not None
    for edge in ("top", "bottom"):  # the thick rules above and below
        border = ppr.find(f"{qn('w:pBdr')}/{qn(f'w:{edge}')}")
        assert border.get(qn("w:sz")) == str(gongwen.RULE_THICK_EIGHTHS) == "8"
    # At the foot of the text block (a frame whose foot is the block's): one line of 4号 here.
    frame = ppr.find(qn("w:framePr"))
    assert frame.get(qn("w:vAnchor")) == "margin"
    assert int(frame.get(qn("w:y"))) == round((gongwen.TEXT_HEIGHT_MM / 25.4 * 72 - gongwen.LINE_SPACING_PT) * 20)
    (plain,) = gongwen.add_copy_to(d, ["甲局"], rules=False)  # 信函格式: no rules (10.1)
    assert plain._p.pPr.find(qn("w:pBdr")) is None and plain._p.pPr.find(qn("w:framePr")) is not None
