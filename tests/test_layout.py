"""Finding the header, mapping columns and classifying rows in county layouts."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.ingest.layout import AliasIndex, classify_row, find_layout
from toolkit.ingest.units import revision_rank, unit_key_from_name
from toolkit.packs.loader import load_pack

PACK = load_pack("jl-761-2020")
ANNEX = PACK.annex("projects")

TWO_LEVEL: list[list[Any]] = [
    ["长春市南关区2020年“761”工程项目表"],
    ["填报单位（盖章）：长春市南关区   填报日期：2020年7月15日    单位：万元"],
    ["序号", "县（市、区）", "项目名称", "类别", "项目阶段", "项目单位", "信用代码", "建设内容",
     "投资情况（万元）", None, "开工时间", "进展", "责任人", "自定义列"],
    [None, None, None, None, None, None, None, None, "总投资", "完成投资", None, None, None, None],
    [1, "南关区", "政务云扩容", "数字政务", "新建", "某局", "x", "c", 1200, 10, "2020.7", "p", "张三", "备用"],
    [None] * 14,
    ["一、大数据中心（1个）"],
    [2, "南关区", "大数据中心", "大数据中心", "续建", "某公司", "y", "c", 800, 100, "2019.5", "p", "李四", None],
    ["合计", None, None, None, None, None, None, None, 2000, 110],
    ["填表人：王五", None, "审核人：赵六", None, "联系电话：0431-88905678"],
]


def test_two_level_header_with_merged_parent() -> None:
    layout = find_layout(TWO_LEVEL, ANNEX)
    assert layout is not None
    assert layout.header_rows == (3, 4)
    by_field = layout.by_field()
    assert by_field["total_investment"].letter == "I" and by_field["total_investment"].unit == "万元"
    assert by_field["completed_investment"].letter == "J"
    assert by_field["county"].how == "alias" and by_field["project_name"].how == "title"
    assert [c.letter for c in layout.columns if c.how == "seq"] == ["A"]
    assert [c.header for c in layout.columns if c.how == "unmapped"] == ["自定义列"]
    assert layout.reporting_unit == "长春市南关区"
    assert "uscc" not in layout.missing_required and "progress" not in layout.missing_required


def test_rows_are_classified_without_losing_projects() -> None:
    layout = find_layout(TWO_LEVEL, ANNEX)
    assert layout is not None
    kinds = [classify_row(row, layout, frozenset({1})) for row in TWO_LEVEL[4:]]
    assert kinds == ["data", "blank", "heading", "data", "total", "footer"]
    half_filled = [None, None, "只填了项目名称"] + [None] * 11
    assert classify_row(half_filled, layout, frozenset({1})) == "data"


def test_columns_in_any_order_and_unit_in_header() -> None:
    rows = [["计划总投资（亿元）", "项目名称", "建设单位", "统一社会信用代码"], [0.12, "x", "y", "z"]]
    layout = find_layout(rows, ANNEX)
    assert layout is not None and layout.header_rows == (1,)
    col = layout.by_field()["total_investment"]
    assert (col.letter, col.unit) == ("A", "亿元")
    assert set(layout.missing_required) >= {"county", "category", "stage"}


def test_no_header_found() -> None:
    assert find_layout([["说明"], ["本表请各县填写"]], ANNEX) is None


def test_titles_win_over_other_fields_aliases() -> None:
    index = AliasIndex.for_annex(ANNEX)
    assert index.match("项目名称") == ("project_name", "title")
    assert index.match("其中：大数据存储、分析和应用投资（万元）")[0] == "bigdata_investment"
    assert index.match(" 总 投 资 ")[0] == "total_investment"
    assert index.match("序号") == (None, "seq")


@pytest.mark.parametrize(
    ("name", "key", "rank"),
    [("南关区.xlsx", "南关区", 0), ("南关区（修改）.xlsx", "南关区", 1), ("南关区-更正版.xlsx", "南关区", 1),
     ("南关区 2020.7.15.xlsx", "南关区", 0), ("朝阳区第二版.xlsx", "朝阳区", 2), ("宽城区v3.xlsx", "宽城区", 3)],
)
def test_resubmission_names(name: str, key: str, rank: int) -> None:
    assert unit_key_from_name(name) == key
    assert revision_rank(name) == rank


def test_stamp_line_right_above_a_one_row_header_is_not_a_parent_row() -> None:
    rows = [["填报单位（盖章）：长春市南关区"], ["序号", "项目名称", "建设单位", "总投资（万元）"], [1, "甲", "乙", 5]]
    layout = find_layout(rows, ANNEX)
    assert layout is not None and layout.header_rows == (2,)
    assert [c.header for c in layout.columns] == ["序号", "项目名称", "建设单位", "总投资（万元）"]
    assert layout.reporting_unit == "长春市南关区"


def test_blank_unit_on_the_template_line_is_not_a_name() -> None:
    rows = [["标题"], ["填报单位（盖章）：            填报日期：    年  月  日            单位：万元"],
            ["序号", "项目名称", "建设单位", "总投资（万元）"]]
    layout = find_layout(rows, ANNEX)
    assert layout is not None and layout.reporting_unit is None


@pytest.mark.parametrize("label", ["合计", "小计", "小计（省工信厅）", "全市合计", "合计：", "总计"])
def test_total_rows(label: str) -> None:
    layout = find_layout(TWO_LEVEL, ANNEX)
    assert layout is not None
    assert classify_row([label, None, None, None, None, None, None, None, 100], layout, frozenset({1})) == "total"


def test_a_project_named_like_a_total_is_a_project() -> None:
    layout = find_layout(TWO_LEVEL, ANNEX)
    assert layout is not None
    row = [3, "南关区", "汇总平台建设项目", "数字政务", "续建", "某局", "x", "c", 900]
    assert classify_row(row, layout, frozenset({1})) == "data"


def test_a_table_read_a_column_at_a_time_gives_each_cell_its_own_reading() -> None:
    """read_table reads a column's distinct cells once and shares the result down the column:
    every record's value, raw cell and finding must be what reading that cell alone gives, with
    1, 1.0, True, "1", -0.0 and blanks mixed in one column (equal as keys, not as cells)."""
    from datetime import datetime

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.ingest.table import read_table
    from toolkit.ingest.values import normalise, unreadable_text

    header = ["项目名称", "计划总投资（亿元）", "项目建议书是否完成", "计划开工时间", "项目类别", "统一社会信用代码"]
    layout = find_layout([header], ANNEX)
    assert layout is not None
    mapped = [(c, ANNEX.field(c.field)) for c in layout.columns if c.field]
    assert len(mapped) == len(header)
    cell = st.one_of(st.none(), st.sampled_from([1, 1.0, True, False, 0, 0.0, -0.0, "1", "是", "否", "", " ",
                                                 "大数据中心", "2020.7", "约100", "1.5亿", datetime(2020, 7, 1)]),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=4))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), min_size=1, max_size=8))
    def agree(rows: list[list[Any]]) -> None:
        table = read_table([header, *rows], layout, ANNEX, file="f.xlsx", sheet="s")
        by_row = {r.row: r for r in table.records}
        for r, row in enumerate(rows, start=2):
            record = by_row.get(r)
            if record is None:
                continue  # set aside as blank, heading or total, as before
            for col, f in mapped:
                raw = row[col.col - 1]
                alone = normalise(f, raw, header_unit=col.unit, target_unit=f.unit)
                got = record.values[f.key]
                assert got == alone.value and type(got) is type(alone.value), (f.key, raw, got, alone)
                assert record.raw.get(f.key) is (raw if raw is not None else None)
                said = [x for x in table.findings if x.row == r and x.field == f.key]
                # an unreadable cell of an optional field says so (toolkit.ingest.values.unreadable_text)
                expected = unreadable_text(f, alone.problem) if alone.problem else alone.doubt
                assert [x.message.split("”", 1)[1] for x in said] == [m for m in (expected,) if m]

    agree()


def _classify_cell_by_cell(row: list[Any], layout: Any, seq_cols: frozenset[int]) -> str:
    """classify_row as first written, a cell at a time: the reference for the counted one."""
    from toolkit.ingest.layout import FOOTER_RE, HEADING_RE, TOTAL_RE
    from toolkit.textnorm import clean

    filled = [(c, v) for c, v in enumerate(row, 1) if v is not None and not (isinstance(v, str) and not v.strip())]
    if not filled:
        return "blank"
    texts = [clean(v) for v in [v for _, v in filled if isinstance(v, str)][:3]]
    first_text = texts[0] if texts else ""
    if any(TOTAL_RE.match(t) for t in texts):
        return "total"
    if FOOTER_RE.match(first_text) and len(filled) <= 4:
        return "footer"
    mapped = {c.col for c in layout.columns if c.field}
    if len(filled) == 1:
        c, v = filled[0]
        if isinstance(v, str) and (HEADING_RE.search(clean(v)) or c not in mapped or c in seq_cols):
            return "heading"
    return "data"


def test_rows_are_classified_as_cell_by_cell() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    layout = find_layout(TWO_LEVEL, ANNEX)
    assert layout is not None
    cell = st.one_of(st.none(), st.sampled_from(["", " ", "　", "合计", "小计", "一、大数据中心（1个）", "填表人：王五",
                                                 "南关区", "x", 0, 1.5, False]), st.text(max_size=3))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(cell, max_size=14))
    def agree(row: list[Any]) -> None:
        assert classify_row(row, layout, frozenset({1})) == _classify_cell_by_cell(row, layout, frozenset({1}))

    agree()
    footer = ["填表人：王五", None, "审核人：赵六", " ", "联系电话：0431", 5, 6]
    for n in range(1, len(footer) + 1):  # 1 to 5 cells filled (None and " " are not): footer up to 4, then data
        row = footer[:n]
        assert classify_row(row, layout, frozenset({1})) == _classify_cell_by_cell(row, layout, frozenset({1}))
    assert classify_row(footer[:6], layout, frozenset({1})) == "footer"
    assert classify_row(footer, layout, frozenset({1})) == "data"


def _chars_clean_may_change() -> list[str]:
    """Every character `clean` may read as something else (NFKC or the width fold) or drop
    (white space): the others are left as they are. Blocks that NFKC and the width fold leave
    unchanged and that hold no white space are passed over whole, at C speed."""
    import re
    import sys
    import unicodedata

    from toolkit.formats import to_halfwidth

    out: list[str] = []
    for start in range(0, sys.maxunicode + 1, 256):
        block = "".join(map(chr, (cp for cp in range(start, start + 256) if not 0xD800 <= cp <= 0xDFFF)))
        if unicodedata.is_normalized("NFKC", block) and to_halfwidth(block) == block and not re.search(r"\s", block):
            continue
        out += [c for c in block if c.isspace() or to_halfwidth(c) != c or unicodedata.normalize("NFKC", c) != c]
    return out


def test_only_ji_and_hui_clean_into_ji_or_hui_and_only_white_space_cleans_away() -> None:
    """What classify_row's shortcut and find_layout's labels rest on, over every code point:
    no character but 计 and 汇 themselves becomes one under `clean` (so a total label, which
    needs one, is never hidden in another character), and `clean` empties a character exactly
    when str.strip() does."""
    from toolkit.textnorm import clean

    chars = _chars_clean_may_change()
    assert "\u3000" in chars and "\uff08" in chars and "\u2f29" in chars  # 　 （ ⼩
    for c in chars:
        assert (clean(c) == "") == (c.strip() == ""), hex(ord(c))
        assert c in "计汇" or not set(clean(c)) & set("计汇"), hex(ord(c))


def test_the_common_row_shortcut_classifies_as_the_general_path() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.ingest.layout import classify_row_general

    layout = find_layout(TWO_LEVEL, ANNEX)
    assert layout is not None
    cell = st.one_of(st.none(), st.sampled_from(["", " ", "　", "合计", "小计", "总计：", "全市合计", "本页小计（省工信厅）",
                                                 "汇总平台建设项目", "会计", "一、大数据中心（1个）", "填表人：王五",
                                                 "南关区", "x", "合 计", "⾦", 0, 1.5, False]),
                     st.text(alphabet="合计汇总小全市：:（）() 　x", max_size=4), st.text(max_size=3))

    @settings(max_examples=400, deadline=None)
    @given(st.lists(cell, max_size=14), st.frozensets(st.integers(1, 14), max_size=2))
    def agree(row: list[Any], seq: frozenset[int]) -> None:
        assert classify_row(row, layout, seq) == classify_row_general(row, layout, seq)

    agree()


def test_row_labels_and_double_scores_are_what_the_cell_by_cell_search_gives() -> None:
    """find_layout labels each row once (_originals) and scores a two-row header from the two
    rows' labels (_double_score): against _original cell by cell and _score of _labels_double."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.ingest.layout import _double_score, _labels_double, _original, _originals, _score

    index = AliasIndex.for_annex(ANNEX)
    assert AliasIndex.for_annex(ANNEX) is index  # built once per annex
    titles = [f.title for f in ANNEX.fields] + [a for f in ANNEX.fields for a in f.aliases]
    cell = st.one_of(st.none(), st.sampled_from([*titles, "", " ", "　", "序号", "投资情况（万元）", "总投资", "其中：",
                                                 " 项目名称 ", "项目\u3000名称", 3, 1.5]),
                     st.text(max_size=3))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(cell, max_size=10), st.lists(cell, max_size=10))
    def agree(parent: list[Any], child: list[Any]) -> None:
        p, ch = _originals(parent), _originals(child)
        assert p == [_original(v) for v in parent] and ch == [_original(v) for v in child]
        for t in p + ch:
            assert index.cell_field(t) == index.match(t)[0]
        pf = [index.cell_field(t) if t else None for t in p]
        cf = [index.cell_field(t) if t else None for t in ch]
        labels = [c or q for _, q, c in _labels_double(parent, child)]
        assert _double_score(p, pf, ch, cf) == _score(index, labels)

    agree()


def test_a_column_mapped_through_the_memo_is_mapped_as_the_general_path() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.ingest.layout import _map_column, map_column_general

    index = AliasIndex.for_annex(ANNEX)
    titles = [f.title for f in ANNEX.fields] + [a for f in ANNEX.fields for a in f.aliases]
    label = st.one_of(st.sampled_from([*titles, "", "序号", "投资情况（万元）", "总投资", "完成投资", "其中：", "单位：亿元",
                                       "计划总投资（亿元）", "（元）"]), st.text(max_size=4))

    @settings(max_examples=300, deadline=None)
    @given(st.integers(1, 30), label, label)
    def agree(col: int, parent: str, child: str) -> None:
        for _ in range(2):  # the second time from the memo
            assert _map_column(index, col, parent, child) == map_column_general(index, col, parent, child)

    agree()


def test_squash_without_clean_is_squash_through_clean() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.ingest.units import squash, squash_general

    words = st.sampled_from(["长春市", "（二期）", "Ａ", "e\u0301", "\u0301", "¨", "ﬁ", "⼩", "_", "·", "　", " ", "\u00a0",
                             "\u2003", "①", "Ⅷ", "㈱", "项目", "-", "\t"])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.one_of(words, st.text(max_size=3)), max_size=6).map("".join))
    def agree(text: str) -> None:
        assert squash(text) == squash_general(text)

    agree()


def test_name_parts_skipping_the_phase_passes_is_name_parts_with_them() -> None:
    """name_parts runs PHASE_RE only over a name holding 期 or 阶段, which the pattern needs."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.textnorm import (
        NAME_PUNCT,
        NOISE_WORDS,
        PHASE_RE,
        PLACE_RE,
        _phase_number,
        clean,
        name_parts,
    )

    words = st.sampled_from(["长春市", "南关区", "第二期", "二期", "3期", "一阶段", "第十阶段", "期", "阶段", "项目", "工程",
                             "（", "）", "建设", "　", "Ａ", "期二", "两期"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(words, st.text(max_size=3)), max_size=6).map("".join))
    def agree(name: str) -> None:
        text = clean(name)
        place = PLACE_RE.match(text)
        core = NOISE_WORDS.sub("", NAME_PUNCT.sub("", PHASE_RE.sub("", text)))
        parts = name_parts(name)
        assert (parts.exact, parts.core, parts.phases, parts.place) == (
            text, core, frozenset(_phase_number(m.group(1)) for m in PHASE_RE.finditer(text)),
            place.group(1) if place else "")

    agree()
