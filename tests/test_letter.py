"""The cover letter (报送函): written from a summary workbook's figures, read back with
python-docx, and (marked `office`) converted to PDF by LibreOffice.

The summary workbooks here are minimal: a visible sheet and the hidden `_shenbao_summary` sheet
from `stats_rows`, over the figures of `process` on the test inbox, so the letter is tested on
the same figures the summary stage writes.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import shutil
import subprocess
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
import xlsxwriter
from click.testing import CliRunner
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt

from tests.helpers import REPO
from tests.inbox_fixtures import TEMPLATE_ROW, build_inbox, filled_template
from toolkit import gongwen
from toolkit.cli import cli
from toolkit.errors import ShenbaoError
from toolkit.merge.pipeline import process
from toolkit.merge.stats import STATS_SHEET, SummaryStats, read_stats, stats_rows
from toolkit.outputs.letter import Org, amount, combine, in_yi, money, read_org, write_letter
from toolkit.packs.loader import load_pack
from toolkit.packs.model import Pack
from toolkit.packs.source import builtin_ids

SUMMARY_STEM = "长春市2020年“761”工程智能信息网新增入库项目汇总表"
ORG_TOML = """\
"发文机关" = "长春市政务服务和数字化建设管理局"
"发文字号" = "长政数函[2020]035号"
"联系人" = "张明"
"联系电话" = "0431-88880000"
"成文日期" = 2020-07-05
"抄送" = ["长春市发展和改革委员会", "长春市工业和信息化局"]
"""


# -- fixtures -------------------------------------------------------------------------------

def write_summary(path: Path, stats: SummaryStats) -> Path:
    """A summary workbook as far as the letter is concerned: the figures in the hidden sheet, and
    a 汇总表 that shows as many projects and the same totals (the first row holds each total)."""
    wb = xlsxwriter.Workbook(str(path))
    table = wb.add_worksheet("汇总表")
    table.write(0, 0, path.stem)
    annex = load_pack(stats.pack_id).annex(stats.annex)
    keys = [k for k in stats.totals if k in annex.field_keys]
    table.write_row(2, 0, ["序号", *(annex.field(k).header for k in keys)])
    for i in range(stats.projects):
        table.write_row(3 + i, 0, [i + 1, *((stats.totals[k] if i == 0 else 0) for k in keys)])
    ws = wb.add_worksheet(STATS_SHEET)
    for r, (key, value) in enumerate(stats_rows(stats)):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    ws.hide()
    wb.close()
    return path


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack("jl-761-2020")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_inbox(tmp_path_factory.mktemp("letter") / "inbox")


@pytest.fixture(scope="module")
def summary(pack: Pack, inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    stats = process(pack, [inbox], unit_name="长春市").stats
    return write_summary(tmp_path_factory.mktemp("summary") / f"{SUMMARY_STEM}.xlsx", stats)


@pytest.fixture(scope="module")
def org_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("org") / "单位信息.toml"
    path.write_text(ORG_TOML, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def letter_path(pack: Pack, summary: Path, org_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("out") / "报送函.docx"
    result = write_letter(pack, summary, target, read_org(org_file))
    assert result.path == target and result.warnings == []
    return target


def texts(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def east_asia(run: Any) -> str | None:
    rfonts = run._element.rPr.find(qn("w:rFonts"))
    return None if rfonts is None else rfonts.get(qn("w:eastAsia"))


def by_text(path: Path) -> dict[str, Any]:
    return {p.text: p for p in docx.Document(str(path)).paragraphs}


# -- the page and the type ------------------------------------------------------------------

def test_page_size_and_margins(letter_path: Path) -> None:
    section = docx.Document(str(letter_path)).sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin, section.bottom_margin,
             section.left_margin, section.right_margin)
    assert [round(x.mm, 1) if x is not None else None for x in sizes] == [210, 297, 37, 35, 28, 26]
    assert section.page_width is not None and section.left_margin is not None and section.right_margin is not None
    emu_per_mm = 36000
    assert round((section.page_width - section.left_margin - section.right_margin) / emu_per_mm, 1) == 156


def test_title_and_body_fonts(letter_path: Path) -> None:
    d = docx.Document(str(letter_path))
    title = next(p for p in d.paragraphs if p.text.startswith("关于报送"))
    assert title.text == "关于报送长春市“761”工程智能信息网新增入库项目的函"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    for run in title.runs:
        assert east_asia(run) == "方正小标宋简体" and run.font.size == Pt(22)
    opening = next(p for p in d.paragraphs if p.text.startswith("根据"))
    body = [opening, *(p for p in d.paragraphs if "本次共报送项目" in p.text or p.text == "特此函告。")]
    assert len(body) == 3
    for p in body:
        assert p.paragraph_format.first_line_indent == Pt(32)
        assert p.paragraph_format.line_spacing == Pt(gongwen.LINE_SPACING_PT)
        for run in p.runs:
            assert east_asia(run) == "仿宋_GB2312" and run.font.size == Pt(16)
    headings = {p.text: east_asia(p.runs[0]) for p in d.paragraphs if re.match(r"^[一二三]、|^（[一二三四]）", p.text)}
    assert headings == {"一、总体情况": "黑体", "二、分类情况": "黑体", "三、未推荐项目情况": "黑体",
                        "（一）按归口部门": "楷体_GB2312", "（二）按项目类别": "楷体_GB2312",
                        "（三）按项目阶段": "楷体_GB2312", "（四）按报送单位": "楷体_GB2312"}
    rpr = d.styles["Normal"].element.rPr
    assert rpr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_page_numbers_odd_right_even_left(letter_path: Path) -> None:
    d = docx.Document(str(letter_path))
    section = d.sections[0]
    assert d.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        instr = "".join(t.text or "" for t in footer._element.iter(qn("w:instrText")))
        assert instr.split()[0] == "PAGE"
        assert p.text == "— 1 —" and p.alignment == align
        assert {east_asia(r) for r in p.runs} == {"宋体"} and {r.font.size for r in p.runs} == {Pt(14)}


# -- the words and the numbers --------------------------------------------------------------

def test_numbers_come_from_the_summary(letter_path: Path, summary: Path) -> None:
    stats = read_stats(summary)
    assert stats is not None
    # The figures of the test inbox (tests/inbox_fixtures.py); the letter must say exactly these.
    assert (stats.projects, stats.totals["total_investment"], stats.rows_read, stats.rejected) == (2, 2800.0, 10, 8)
    lines = texts(letter_path)
    assert "各地共申报项目10个，经审核，符合要求的项目2个，不符合要求未予推荐的项目8个。" in lines
    assert ("长春市本次共报送项目2个，总投资2800万元，其中大数据存储、分析和应用投资1500万元；"
            "累计完成投资300万元。") in lines
    # 长春市 collects from its 11 counties (the division table), not from the pack's 12 cities.
    assert "应报送单位11个，已报送7个，尚未报送4个：双阳区、九台区、德惠市、公主岭市。" in lines
    assert stats.expected_basis == "长春市的下一级单位（据行政区划表（2023年））"
    assert "归口省政务服务和数字化局的项目2个，总投资2800万元。" in lines
    assert "大数据中心项目1个，总投资2000万元；数字政务基础设施项目1个，总投资800万元。" in lines
    assert "续建项目2个，总投资2800万元。" in lines
    # Every bucket of every breakdown is in the letter with its count and its sum.
    body = "\n".join(lines)
    for dim, buckets in stats.breakdowns.items():
        for b in buckets:
            assert re.search(rf"{re.escape(b.value)}(项目|的项目)?{b.count}个，总投资{amount(b.sums['total_investment'])}万元",
                             body), (dim, b)


def test_rejected_projects_one_sentence_per_category(letter_path: Path, summary: Path) -> None:
    stats = read_stats(summary)
    assert stats is not None
    lines = texts(letter_path)
    start = lines.index("三、未推荐项目情况")
    assert lines[start + 1] == "经审核，共有8个项目不符合要求，未予推荐，具体情况如下："
    sentences = lines[start + 2:lines.index("特此函告。")]
    assert [s.split("项目")[0] for s in sentences] == [b.value for b in stats.rejected_by]
    assert sentences[0] == "大数据中心项目1个，主要原因是不符合“大数据中心项目大数据部分投资占50%以上”的要求。"
    for sentence, bucket in zip(sentences, stats.rejected_by, strict=True):
        assert sentence.startswith(f"{bucket.value}项目{bucket.count}个，主要原因是")
        assert sentence.count("。") == 1 and sentence.endswith("。")
        assert bucket.reasons[0][0] in sentence
        assert sentence.endswith("等。") == (len(bucket.reasons) > 3)


def test_header_signature_date_and_copy(letter_path: Path) -> None:
    lines = texts(letter_path)
    paragraphs = by_text(letter_path)
    assert lines[0] == "长政数函〔2020〕35号"  # 六角括号, no leading zero
    assert paragraphs[lines[0]].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert lines[2] == "吉林省政务服务和数字化建设管理局："
    assert lines[3].startswith("根据《关于进一步做好“761”工程智能信息网项目推动工作的函》（吉政数办函〔2020〕579号）要求")
    closing = lines.index("特此函告。")
    assert lines[closing + 1:] == [
        f"附件：{SUMMARY_STEM}",
        "长春市政务服务和数字化建设管理局",
        "2020年7月5日",
        "（联系人：张明，联系电话：0431-88880000）",
        "抄送：长春市发展和改革委员会，长春市工业和信息化局。",
    ]
    date_line = paragraphs["2020年7月5日"]
    assert date_line.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # The 16-character 署名 sits 右空二字; the date (6 characters wide) centres under it.
    assert date_line.paragraph_format.right_indent == Pt((2 + 16 / 2 - 6 / 2) * 16)
    # The page bearing the seal keeps the closing line with it (7.3.5.4).
    assert paragraphs["特此函告。"].paragraph_format.keep_with_next


def test_date_written_without_zero_padding(pack: Pack, summary: Path, tmp_path: Path) -> None:
    result = write_letter(pack, summary, tmp_path / "a.docx", Org(date=date(2021, 1, 9)))
    assert "2021年1月9日" in texts(result.path)
    assert not any(re.search(r"年0\d月|月0\d日", t) for t in texts(result.path))


def test_several_summaries_are_numbered_annexes(pack: Pack, summary: Path, tmp_path: Path) -> None:
    second = tmp_path / "长春市汇总表（省工信厅）.xlsx"
    shutil.copy(summary, second)
    result = write_letter(pack, [summary, second], tmp_path / "b.docx", Org(date=date(2020, 7, 10)))
    lines = texts(result.path)
    at = lines.index(f"附件：1.{SUMMARY_STEM}")
    assert lines[at + 1] == "2.长春市汇总表（省工信厅）"
    # The same figures in both workbooks count once.
    assert "长春市本次共报送项目2个，总投资2800万元，其中大数据存储、分析和应用投资1500万元；累计完成投资300万元。" in lines


def test_large_total_also_in_yi(pack: Pack, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [{**TEMPLATE_ROW, "total_investment": 9000.5, "bigdata_investment": 6000},
            {**TEMPLATE_ROW, "project_name": "农安县政务云平台", "category": "数字政务基础设施",
             "bigdata_investment": None, "total_investment": 3345.17}]
    filled_template(pack, inbox / "农安县.xlsx", rows)
    stats = process(pack, [inbox], unit_name="农安县").stats
    path = write_summary(tmp_path / "农安县汇总表.xlsx", stats)
    read = read_stats(path)
    assert read is not None and read.totals["total_investment"] == 12345.67 and read.projects == 2
    lines = texts(write_letter(pack, path, tmp_path / "c.docx", Org(date=date(2020, 7, 10))).path)
    assert ("农安县本次共报送项目2个，总投资12345.67万元（约1.23亿元），其中大数据存储、分析和应用投资6000万元；"
            "累计完成投资600万元。") in lines
    # No rejections: no third part.
    assert "三、未推荐项目情况" not in lines and "二、分类情况" in lines


@pytest.mark.parametrize(("value", "expected"), [
    (2800.0, "2800"), (1234.5, "1234.5"), (0.1 + 0.2, "0.3"), (12345.675, "12345.68"), (0.0, "0"),
])
def test_amount(value: float, expected: str) -> None:
    assert amount(value) == expected


def test_money_in_yi() -> None:
    assert money(9999.99, "万元") == "9999.99万元"
    assert money(10000, "万元") == "10000万元（1.00亿元）"
    assert money(12345.67, "万元") == "12345.67万元（约1.23亿元）"
    assert in_yi(12000) == "1.20亿元"
    assert money(20000, "元") == "20000元"


# -- without an organisation file, and bad ones ---------------------------------------------

def test_without_org_marked_blanks_and_warnings(pack: Pack, summary: Path, tmp_path: Path) -> None:
    result = write_letter(pack, summary, tmp_path / "d.docx", today=date(2020, 7, 15))
    lines = texts(result.path)
    assert lines[0] == "【请填写：发文字号】"
    assert "【请填写：发文机关】" in lines and "2020年7月15日" in lines
    assert "（联系人：【请填写：联系人】，联系电话：【请填写：联系电话】）" in lines
    assert not any(t.startswith("抄送") for t in lines)
    assert any("没有指定单位信息文件（--org）" in w for w in result.warnings)
    assert any("2020年7月15日" in w and "成文日期" in w for w in result.warnings)
    # The blanks are highlighted runs of their own; the rest of the line is not.
    note = by_text(result.path)["（联系人：【请填写：联系人】，联系电话：【请填写：联系电话】）"]
    marked = [(r.text, r.font.highlight_color) for r in note.runs]
    assert marked == [("（联系人：", None), ("【请填写：联系人】", WD_COLOR_INDEX.YELLOW), ("，联系电话：", None),
                      ("【请填写：联系电话】", WD_COLOR_INDEX.YELLOW), ("）", None)]
    assert all(east_asia(r) == "仿宋_GB2312" for r in note.runs)


def test_org_with_missing_keys_warns_each(pack: Pack, summary: Path, tmp_path: Path) -> None:
    org = tmp_path / "org.toml"
    org.write_text('"发文机关" = "长春市某局"\n"成文日期" = "2020年7月10日"\n', encoding="utf-8")
    result = write_letter(pack, summary, tmp_path / "e.docx", read_org(org))
    assert sorted(w.split("“")[1].split("”")[0] for w in result.warnings) == ["发文字号", "联系人", "联系电话"]
    assert "长春市某局" in texts(result.path)


@pytest.mark.parametrize(("content", "message"), [
    ('发文机关 = 长春市\n', "第1行“发文机关 = 长春市”格式有误"),
    ('"联系人电话" = "0431-88880000"\n', "“联系人电话”不是可用的项目"),
    ('"成文日期" = "7月5日"\n', "“成文日期”应为日期"),
    ('"成文日期" = "2020年2月30日"\n', "“成文日期”应为日期"),
    ('"发文机关" = 12\n', "“发文机关”应为文字"),
    ('"抄送" = [1, 2]\n', "“抄送”应为单位名称"),
])
def test_bad_org_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "单位信息.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ShenbaoError) as err:
        read_org(path)
    assert message in err.value.message and "单位信息.toml" in err.value.message


def test_missing_org_file(tmp_path: Path) -> None:
    with pytest.raises(ShenbaoError, match="无法读取单位信息文件"):
        read_org(tmp_path / "nothing.toml")


def test_org_as_clerks_write_it(tmp_path: Path) -> None:
    """Keys without quotes, a BOM (Notepad), GBK, the year in square brackets, 抄送 as text."""
    path = tmp_path / "org.toml"
    text = '发文机关 = "长春市某局"\n发文字号 = "长政数函[2020]第012号"\n抄送 = "甲局、乙局"\n成文日期 = "2020.7.5"\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    org = read_org(path)
    assert (org.issuer, org.number, org.cc, org.date) == ("长春市某局", "长政数函〔2020〕12号", ("甲局", "乙局"), date(2020, 7, 5))
    path.write_bytes(text.encode("gbk"))
    assert read_org(path).issuer == "长春市某局"


def test_example_org_file_reads() -> None:
    org = read_org(REPO / "samples" / "org.example.toml")
    assert org.issuer and org.number and org.date and org.cc
    assert org.number == gongwen.document_number(org.number)
    assert "长春市" in org.issuer


def test_not_a_summary(pack: Pack, tmp_path: Path) -> None:
    plain = tmp_path / "别的表.xlsx"
    wb = xlsxwriter.Workbook(str(plain))
    wb.add_worksheet("Sheet1").write(0, 0, "项目名称")
    wb.close()
    with pytest.raises(ShenbaoError, match=re.escape("别的表.xlsx 不是 shenbao 写出的汇总表")):
        write_letter(pack, plain, tmp_path / "f.docx")
    with pytest.raises(ShenbaoError, match="找不到汇总表"):
        write_letter(pack, tmp_path / "没有.xlsx", tmp_path / "f.docx")
    assert not (tmp_path / "f.docx").exists()


def test_summary_of_another_pack(summary: Path, tmp_path: Path) -> None:
    with pytest.raises(ShenbaoError, match="是申报包 jl-761-2020 的汇总表，不是 js-zhjs-2020 的"):
        write_letter(load_pack("js-zhjs-2020"), summary, tmp_path / "g.docx")


def test_target_must_be_docx(pack: Pack, summary: Path, tmp_path: Path) -> None:
    with pytest.raises(ShenbaoError, match=r"\.docx"):
        write_letter(pack, summary, tmp_path / "报送函.doc")


# -- several summaries, the kind of document ------------------------------------------------

def test_combine_whole_and_parts_and_separate_units(pack: Pack, inbox: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    shutil.copy(inbox / "农安县.xlsx", one)
    shutil.copy(inbox / "宽城区.csv", two)
    whole = process(pack, [one, two]).stats
    a, b = process(pack, [one]).stats, process(pack, [two]).stats
    assert (a.projects, b.projects, whole.projects) == (1, 1, 2)
    # The whole beside its parts counts once, in any order.
    assert combine([whole, a, b]) is whole and combine([a, b, whole]) is whole
    # Summaries of different units add up.
    both = combine([a, b])
    assert both.projects == 2 and both.totals == whole.totals
    assert {x.value: x.count for x in both.breakdowns["category"]} == {x.value: x.count for x in whole.breakdowns["category"]}


def test_report_kind(pack: Pack, summary: Path, tmp_path: Path) -> None:
    report = dataclasses.replace(pack, letter={**pack.letter, "kind": "报告", "closing": "",
                                               "title": "关于报送{unit_name}项目情况的报告"})
    result = write_letter(report, summary, tmp_path / "h.docx", Org(number="长政数〔2020〕3号", date=date(2020, 7, 10)))
    lines = texts(result.path)
    assert lines[0] == "长政数〔2020〕3号\t签发人：【请填写：签发人】"
    assert "特此报告。" in lines and "关于报送长春市项目情况的报告" in lines
    assert any("签发人" in w for w in result.warnings)


def test_cli_letter(summary: Path, org_file: Path, tmp_path: Path) -> None:
    from toolkit.cli import cli

    target = tmp_path / "报送函.docx"
    result = CliRunner().invoke(cli, ["letter", "jl-761-2020", str(summary), "-o", str(target), "--org", str(org_file)])
    assert result.exit_code == 0, result.output
    assert "长春市本次共报送项目2个" in "\n".join(texts(target))


@pytest.mark.parametrize("pack_id", builtin_ids())
def test_every_pack_over_its_samples(pack_id: str, tmp_path: Path) -> None:
    """Each built-in pack's letter over samples/<pack-id>/ (written by scripts/make_samples.py)."""
    folder = REPO / "samples" / pack_id
    if not folder.is_dir():
        pytest.skip(f"no samples/{pack_id}")
    pack = load_pack(pack_id)
    stats = process(pack, [folder], unit_name="长春市").stats
    summary = write_summary(tmp_path / f"{pack_id}汇总表.xlsx", stats)
    result = write_letter(pack, summary, tmp_path / "报送函.docx", Org(date=date(2020, 7, 10)))
    lines = texts(result.path)
    # What the document says is what `compose` said, line for line.
    assert "\n".join(lines) == result.letter.text
    assert not any("{" in t or "}" in t for t in lines), "a placeholder of the pack's wording was not filled"
    overview = next(t for t in lines if "本次共报送项目" in t)
    assert overview.startswith(f"长春市本次共报送项目{stats.projects}个")
    total = "total_investment" if "total_investment" in stats.totals else next(iter(stats.totals), None)
    if total:
        assert f"{amount(stats.totals[total])}万元" in overview
    headings = [t for t in lines if re.match(r"^[一二三四]、", t)]
    assert headings == ["一、总体情况", "二、分类情况", *(["三、未推荐项目情况"] if stats.rejected else [])]
    assert lines[-3:] == ["【请填写：发文机关】", "2020年7月10日", "（联系人：【请填写：联系人】，联系电话：【请填写：联系电话】）"]


# -- LibreOffice ----------------------------------------------------------------------------

FONTS_CONF = REPO / "scripts" / "fonts" / "65-shenbao-gongwen.conf"


def fontconfig_file(folder: Path) -> Path:
    """The system's fontconfig plus our 公文 aliases, without installing anything into /etc."""
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <include>{FONTS_CONF}</include>\n</fontconfig>\n", encoding="utf-8")
    return path


def to_pdf(source: Path, out_dir: Path) -> Path:
    soffice = shutil.which("soffice")
    assert soffice is not None
    profile = Path("/tmp") / f"lo-{uuid.uuid4().hex}"
    env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(out_dir))}
    try:
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                        "--convert-to", "pdf", "--outdir", str(out_dir), str(source)],
                       check=True, capture_output=True, timeout=180, env=env)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = out_dir / f"{source.stem}.pdf"
    assert pdf.is_file(), "LibreOffice wrote no PDF"
    return pdf


def pdf_text(pdf: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install poppler-utils"
    return subprocess.run([tool, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")


@pytest.mark.office
def test_pdf_is_a4_with_the_totals_in_fangsong(letter_path: Path, tmp_path: Path) -> None:
    pdf = to_pdf(letter_path, tmp_path)
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes, "no /MediaBox in the PDF"
    for box in boxes:
        x0, y0, x1, y1 = (float(v) for v in box)
        # A4 is 595.28 × 841.89 pt.
        assert (round((x1 - x0) / 72 * 25.4), round((y1 - y0) / 72 * 25.4)) == (210, 297)
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", data))
    assert b"FandolFang-Regular" in fonts, (
        f"the body is not set in a 仿宋 ({fonts!r}): install texlive-lang-chinese; {FONTS_CONF.name} maps 仿宋_GB2312 to FandolFang")
    assert {b"FandolHei-Regular", b"FandolKai-Regular", b"FandolSong-Regular"} <= fonts
    text = pdf_text(pdf)
    flat = re.sub(r"\s+", "", text)
    assert "长春市本次共报送项目2个，总投资2800万元" in flat
    assert "长政数函〔2020〕35号" in flat and "2020年7月5日" in flat
    # Page numbers on every page but the first, which the 信函格式 leaves without (10.1), and
    # more than one page: odd and even footers both used.
    pages = text.split("\f")
    numbered = [p for p in pages if p.strip()]
    assert len(numbered) >= 2
    for i, page in enumerate(numbered, start=1):
        assert bool(re.search(rf"—\s*{i}\s*—", page)) == (i > 1), f"page {i}"
    assert numbered[0].startswith("长春市政务服务和数字化建设管理局")  # the 发文机关标志
    # 28 characters a line: the longest line of CJK text only holds exactly 28, not counting a
    # closing punctuation mark LibreOffice lets hang into the margin.
    wide = [line.strip().rstrip("，。：；、") for line in text.splitlines()
            if line.strip() and all(0x3000 <= ord(c) <= 0x9FFF or 0xFF00 <= ord(c) <= 0xFFEF for c in line.strip())]
    assert max(len(line) for line in wide) == gongwen.CHARS_PER_LINE


def test_adding_up_copies_the_first_summary_s_figures_and_changes_none(pack: Pack, inbox: Path, tmp_path: Path) -> None:
    """`_add_up` starts from a copy of the first summary's figures (made from its dict, not by
    copy.deepcopy): the result is what adding to a deep copy gives, and no input changes."""
    import copy

    from toolkit.outputs.letter import _add_up

    parts = []
    for name in ("农安县.xlsx", "宽城区.csv"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(inbox / name, folder)
        parts.append(process(pack, [folder]).stats)
    before = [copy.deepcopy(s) for s in parts]
    total = _add_up(parts)
    assert parts == before
    assert total.projects == sum(s.projects for s in parts) and total.breakdowns["category"]
    for bucket in total.breakdowns["category"]:
        assert all(bucket is not b and bucket.sums is not b.sums for s in parts for b in s.breakdowns["category"])


@pytest.mark.office
def test_no_figure_is_broken_across_lines_in_libreoffice(tmp_path: Path) -> None:
    """The 761 samples' letter printed "总投资 20" / "400 万元" and "7" / "900 万元": a figure must
    stay on one line, as Word keeps it."""
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(REPO / "samples" / "jl-761-2020"), "-o", str(out),
                                   "--unit-name", "长春市"])
    assert res.exit_code == 1, res.output
    text = pdf_text(to_pdf(out / "报送函.docx", tmp_path))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not re.fullmatch(r"—\s*\d+\s*—", line.strip())]
    broken = [(a, b) for a, b in itertools.pairwise(lines)
              if re.search(r"[0-9.,]$", a) and re.match(r"[0-9.,]", b)]
    assert broken == []
    assert "20400" in re.sub(r"\s+", "", text)  # the figure that was broken


def _bbox_words(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page, yMin, yMax, word) of every word pdftotext finds, pages from 1."""
    tool = shutil.which("pdftotext")
    assert tool
    xml = subprocess.run([tool, "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=60).stdout.decode()
    out = []
    for n, page in enumerate(xml.split("<page ")[1:], start=1):
        for y0, y1, word in re.findall(r'yMin="([\d.]+)"[^>]*yMax="([\d.]+)">([^<]*)</word>', page):
            out.append((n, float(y0), float(y1), word))
    return out


def test_letter_with_an_org_file_is_in_the_letter_format(letter_path: Path) -> None:
    """信函格式 (GB/T 9704 10.1): the 发文机关标志 in red over a red double line (thick over thin),
    another (thin over thick) at the foot of the first page, no page number there."""
    section = docx.Document(str(letter_path)).sections[0]
    assert section.different_first_page_header_footer
    (mark,) = [p for p in section.first_page_header.paragraphs if p.text]
    assert mark.text == "长春市政务服务和数字化建设管理局"
    assert all(str(r.font.color.rgb) == "FF0000" for r in mark.runs)
    upper = mark._p.pPr.find(f"{qn('w:pBdr')}/{qn('w:bottom')}")
    assert (upper.get(qn("w:val")), upper.get(qn("w:color"))) == ("thickThinSmallGap", "FF0000")
    lower = section.first_page_footer.paragraphs[0]._p.pPr.find(f"{qn('w:pBdr')}/{qn('w:bottom')}")
    assert (lower.get(qn("w:val")), lower.get(qn("w:color"))) == ("thinThickSmallGap", "FF0000")
    assert "PAGE" not in section.first_page_footer._element.xml
    # 170 mm lines centred on the page: the paragraph reaches past the text block on both sides.
    left, right = mark.paragraph_format.left_indent, mark.paragraph_format.right_indent
    assert round((left + right) / 36000) == gongwen.TEXT_WIDTH_MM - gongwen.LETTERHEAD_LINE_MM  # EMU per mm
    assert round(-left / 36000) == 8 and round(-right / 36000) == 6


def test_letter_without_an_org_file_has_no_letterhead(pack: Pack, summary: Path, tmp_path: Path) -> None:
    result = write_letter(pack, summary, tmp_path / "a.docx", None, today=date(2020, 7, 10))
    assert result.letter.letterhead is None
    assert not docx.Document(str(result.path)).sections[0].different_first_page_header_footer


@pytest.mark.office
def test_copy_to_stands_at_the_foot_of_the_last_page(pack: Pack, summary: Path, tmp_path: Path) -> None:
    """版记 (7.4.1): on the last page, its last line on the text block's last line; it used to
    follow the 附注 wherever that ended. With and without the 信函格式 (no rules there)."""
    foot = (gongwen.MARGIN_TOP_MM + gongwen.TEXT_HEIGHT_MM) / 25.4 * 72  # the text block's foot, in pt
    for name, org in (("信函", Org(issuer="长春市政务服务和数字化建设管理局", cc=("甲局", "乙局"), date=date(2020, 7, 5))),
                      ("版记", Org(cc=("甲局", "乙局"), date=date(2020, 7, 5)))):
        result = write_letter(pack, summary, tmp_path / f"{name}.docx", org)
        words = _bbox_words(to_pdf(result.path, tmp_path))
        last = max(page for page, *_ in words)
        copy_to = [(page, y0, y1) for page, y0, y1, word in words if word.startswith("抄送")]
        assert copy_to and copy_to[0][0] == last, name
        _, y0, y1 = copy_to[0]
        assert foot - gongwen.LINE_SPACING_PT <= y1 <= foot + 1, (name, y0, y1, foot)  # 1 pt for the glyph box
        signature = [y1 for page, _, y1, word in words if page == last and word.startswith("2020")]
        assert signature and signature[0] < y0 - gongwen.LINE_SPACING_PT  # well above it, not after it
