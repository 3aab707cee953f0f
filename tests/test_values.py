"""Cell values as counties write them -> normalised values, problems and notes.

Each table is what real county workbooks hold; a row is (cell, expected value) or (cell, a piece
of the problem message). Property tests check that no input makes `normalise` raise and that
numbers, units and dates round-trip.
"""

from __future__ import annotations

import math
import random
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.ingest.values import (
    BLANK_MARKERS,
    INTERNAL_ERROR,
    Parsed,
    convert_unit,
    excel_serial_date,
    is_blank,
    normalise,
    parse_number,
)
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack
from toolkit.packs.model import Choice, Field
from toolkit.packs.schemas import check_partial_date, record_errors

PACK = load_pack("jl-761-2020")
PROJECTS = PACK.annex("projects")
F = {f.key: f for f in PROJECTS.fields}

INVESTMENT = F["total_investment"]  # number, 万元
START = F["start_date"]  # date, precision month
FEASIBILITY = F["feasibility_done"]  # bool
NO_ACCIDENT = F["no_major_accident"]  # bool, phrased in the negative
CATEGORY = F["category"]  # choice with aliases
STAGE = F["stage"]
USCC = F["uscc"]  # text, format uscc
PHONE = F["phone"]  # text, format phone
REMARKS = F["remarks"]  # plain text

COUNT = Field("sites", "建设站点数", "integer", unit="个")
BARE_COUNT = Field("items", "项目数", "integer")
YUAN = Field("grant", "补助金额", "number", unit="元")
SHARE = Field("share", "自筹比例", "number", unit="%")
DAY = Field("signed", "签约日期", "date", precision="day")
YEAR = Field("built", "建成年份", "date", precision="year")
AREAS = Field(
    "areas", "应用领域", "multichoice",
    choices=(Choice("智慧城市", aliases=("城市",)), Choice("智慧农业"), Choice("智慧交通"),
             Choice("智慧医疗", aliases=("医疗",)), Choice("新一代 信息技术")),
)
MOBILE = Field("mobile", "手机", "text", format="mobile")
FIXED = Field("tel", "办公电话", "text", format="fixed-phone")
POSTCODE = Field("postcode", "邮政编码", "text", format="postcode")
IDCARD = Field("idcard", "身份证号码", "text", format="idcard")
EMAIL = Field("email", "电子邮箱", "text", format="email")
ROWS = Field("team", "团队成员", "list", items=(Field("name", "姓名", "text"),))


def check(field: Field, raw: Any, expected: Any, **units: str | None) -> Parsed:
    got = normalise(field, raw, **units)
    assert got.problem is None, got.problem
    assert got.value == expected
    assert type(got.value) is type(expected)
    return got


def check_problem(field: Field, raw: Any, needle: str, **units: str | None) -> Parsed:
    got = normalise(field, raw, **units)
    assert got.value is None
    assert got.problem is not None and needle in got.problem, got.problem
    if isinstance(raw, str):  # the message carries what was there
        assert raw.strip()[:40] in got.problem
    return got


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize(
    ("raw", "header", "expected"),
    [
        ("500", None, 500.0),
        (" 800 ", None, 800.0),
        ("1,200.5", None, 1200.5),
        ("１２００", None, 1200.0),  # full width
        ("１，２００．５", None, 1200.5),
        ("1 200", None, 1200.0),  # space as thousands separator
        ("1234.56", None, 1234.56),
        ("500万元", None, 500.0),
        ("500万", None, 500.0),
        ("500 万元", None, 500.0),
        ("500万元", "亿元", 500.0),  # a unit written in the cell wins over the header's
        ("0.12亿元", None, 1200.0),  # exactly, via Decimal
        ("0.29亿元", None, 2900.0),  # 0.29 * 10000 is 2899.9999999999995 in floats
        ("1.2亿", None, 12000.0),
        ("1200000元", None, 120.0),
        ("1234567元", None, 123.4567),
        ("500千元", None, 50.0),
        ("3.5万", None, 3.5),  # 万 is the unit 万元 in a money column, not 35000 万元
        ("3.5万", "亿元", 3.5),
        ("1.5千万", None, 1500.0),
        ("5百万元", None, 500.0),
        ("5千", None, 5000.0),  # 千 is only a multiplier, like 五千
        ("5千元", None, 0.5),
        ("人民币500万元", None, 500.0),
        ("伍佰万元整", None, 500.0),
        ("五百", None, 500.0),
        ("一千二百万元", None, 1200.0),
        ("壹仟贰佰", None, 1200.0),
        ("两千", None, 2000.0),
        ("两千五", None, 2500.0),
        ("一千零五", None, 1005.0),
        ("十二", None, 12.0),
        ("三点五万", None, 3.5),
        ("十二亿三千万元", None, 123000.0),
        ("-500", None, -500.0),
        ("－500", None, -500.0),
        ("−500", None, -500.0),  # U+2212 minus sign
        ("负五百", None, -500.0),
        ("+500", None, 500.0),
        ("1.2E+03", None, 1200.0),
        ("0", None, 0.0),
        ("-0", None, 0.0),
        (".5", None, 0.5),
        ("500", "亿元", 5000000.0),  # the header's unit when the cell has none
        ("0.12", "亿元", 1200.0),
        ("1200000", "元", 120.0),
        ("500", "万元", 500.0),
        (500.0, None, 500.0),  # calamine's floats
        (1234.56, None, 1234.56),
        (0.12, "亿元", 1200.0),
        (500, None, 500.0),
        (1200000, "元", 120.0),
    ],
)
def test_money_as_counties_write_it(raw: Any, header: str | None, expected: float) -> None:
    check(INVESTMENT, raw, expected, header_unit=header, target_unit="万元")


@pytest.mark.parametrize("raw", ["-", "—", "——", "--", "/", "／", "无", "暂无", "空", "N/A", "n/a",
                                 "不涉及", "", "   ", None])
def test_blank_markers_in_a_number_column_are_blank(raw: Any) -> None:
    assert normalise(INVESTMENT, raw) == Parsed(None, None)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("五百左右", "无法识别的金额“五百左右”，请填写数字"),
        ("约500", "约数"),
        ("500左右", "约数"),
        ("500余万元", "约数"),
        ("近500万", "约数"),
        ("500多", "约数"),
        ("500-600", "范围"),
        ("500~600万元", "范围"),
        ("五百至六百", "范围"),
        ("40%", "百分数"),
        ("12个", "单位“个”"),
        ("2020年", "单位“年”"),
        ("待定", "无法识别的金额"),
        ("见附件", "无法识别的金额"),
        ("1,2", "无法识别的金额"),  # not a thousands separator: a typo, or two numbers
        ("1.200,5", "无法识别的金额"),
        ("12 34", "无法识别的金额"),
        ("500万600", "无法识别的金额"),
        ("3万5千", "无法识别的金额"),
        ("¥500", "无法识别的金额"),
        ("(500)", "无法识别的金额"),
        ("一", "破折号"),  # the Chinese one, typed for a dash
        ("1e999", "过大"),
        ("9999999999999999", "过大"),
    ],
)
def test_unreadable_money_is_a_problem_never_zero(raw: str, needle: str) -> None:
    check_problem(INVESTMENT, raw, needle)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (float("nan"), "数值无效"),
        (float("inf"), "数值无效"),
        (-float("inf"), "数值无效"),
        (True, "逻辑值"),
        (False, "逻辑值"),
        (date(1901, 5, 14), "若本应是数字 500"),  # a number in a date-formatted cell
        (datetime(2020, 7, 1, 8, 30), "不是金额"),
        (time(8, 30), "时刻"),
        (1e20, "过大"),
        (object(), "无法识别的金额"),
    ],
)
def test_cells_that_are_not_numbers(raw: Any, needle: str) -> None:
    check_problem(INVESTMENT, raw, needle)


@pytest.mark.parametrize(
    ("raw", "header", "note"),
    [
        ("0.12", "亿元", "按表头单位亿元换算为万元"),
        ("0.12亿元", None, "按单元格中写明的单位亿元换算为万元"),
        ("五百", None, "按中文数字读取"),
        ("1 200", None, "千位分隔"),
    ],
)
def test_interpretations_leave_a_note(raw: str, header: str | None, note: str) -> None:
    got = normalise(INVESTMENT, raw, header_unit=header)
    assert got.note is not None and note in got.note


def test_a_cell_unit_other_than_the_headers_is_read_as_written_and_put_to_the_clerk() -> None:
    got = normalise(INVESTMENT, "500万元", header_unit="亿元")
    assert got.value == 500.0 and got.problem is None
    assert got.doubt == "单元格写明了单位万元，与表头单位亿元不同，已按单元格的单位读取，请核对"
    assert normalise(INVESTMENT, "0.12亿元").doubt is None  # a unit written where none conflicts


def test_no_note_when_nothing_was_interpreted() -> None:
    assert normalise(INVESTMENT, "500", header_unit="万元").note is None
    assert normalise(INVESTMENT, 500.0).note is None


def test_target_unit_defaults_to_the_fields_unit() -> None:
    assert normalise(INVESTMENT, "0.12", header_unit="亿元").value == 1200.0


def test_a_header_unit_that_cannot_be_converted_is_a_problem() -> None:
    check_problem(INVESTMENT, "500", "“500”所在列的表头单位“个”无法换算为本栏单位“万元”", header_unit="个")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3.5万", 35000.0),  # in a 元 column 万 is 万元 = 10000 元
        ("1.2亿元", 120000000.0),
        ("500", 500.0),
        ("1,200,000", 1200000.0),
    ],
)
def test_yuan_column(raw: str, expected: float) -> None:
    check(YUAN, raw, expected)


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (COUNT, "12", 12),
        (COUNT, "12.0", 12),
        (COUNT, 12.0, 12),
        (COUNT, 12, 12),
        (COUNT, "12个", 12),
        (COUNT, "12项", 12),  # a measure word is a measure word
        (COUNT, "十二个", 12),
        (COUNT, "3万", 30000),  # outside money, 万 multiplies
        (COUNT, "1,200", 1200),
        (BARE_COUNT, "12项", 12),
        (BARE_COUNT, "3万", 30000),
    ],
)
def test_integers(field: Field, raw: Any, expected: int) -> None:
    check(field, raw, expected)


@pytest.mark.parametrize(
    ("field", "raw", "needle"),
    [
        (COUNT, "12.5", "不是整数"),
        (COUNT, 12.5, "不是整数"),
        (COUNT, "12.0000001", "不是整数"),  # never rounded into an integer
        (COUNT, "12万元", "单位“万元”"),
        (BARE_COUNT, "12万元", "本栏（不带单位）"),
        (COUNT, "40%", "百分数"),
        (COUNT, "约12个", "约数"),
    ],
)
def test_integer_problems(field: Field, raw: Any, needle: str) -> None:
    check_problem(field, raw, needle)


@pytest.mark.parametrize(("raw", "expected"), [("40%", 40.0), ("40", 40.0), ("40.5％", 40.5), (40.0, 40.0)])
def test_percent_column_keeps_the_percent(raw: Any, expected: float) -> None:
    check(SHARE, raw, expected)


def test_percent_column_flags_a_fraction_that_may_be_a_percent_format() -> None:
    got = check(SHARE, 0.4, 0.4)  # Excel stores a cell shown as 40% as 0.4
    assert got.doubt is not None and "40%" in got.doubt and "0.4%" in got.doubt
    check_problem(SHARE, "40万元", "单位“万元”")


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020年7月", "2020-07"),  # a month stays a month, not the 1st
        ("2020年07月", "2020-07"),
        ("2020 年 7 月", "2020-07"),
        ("2020年7月份", "2020-07"),
        ("2020.07", "2020-07"),
        ("2020.7", "2020-07"),
        ("2020.10", "2020-10"),  # as text, 2020.10 is October
        ("2020.1", "2020-01"),  # and 2020.1 January (only the float 2020.1 is ambiguous)
        ("2020/7", "2020-07"),
        ("2020-07", "2020-07"),
        ("202007", "2020-07"),
        ("２０２０年７月", "2020-07"),
        ("二〇二〇年七月", "2020-07"),
        ("二零二零年十二月", "2020-12"),
        ("2020/7/1", "2020-07-01"),  # the day written is kept
        ("2020.7.1", "2020-07-01"),
        ("2020-07-01", "2020-07-01"),
        ("2020年7月1日", "2020-07-01"),
        ("2020年7月1号", "2020-07-01"),
        ("二〇二〇年七月三十一日", "2020-07-31"),
        ("20200701", "2020-07-01"),
        ("2020-07-01 00:00:00", "2020-07-01"),
        ("2020/7/1 8:30", "2020-07-01"),
        ("2020-07-01T08:30:00", "2020-07-01"),
        ("2020年", "2020"),
        ("2020", "2020"),
        ("2020年度", "2020"),
        ("44013", "2020-07"),  # an Excel serial as text, cut to the field's month
        (44013, "2020-07"),
        (44013.0, "2020-07"),
        (44013.75, "2020-07"),
        (2020, "2020"),
        (2020.0, "2020"),
        (2020.07, "2020-07"),  # 2020.07 typed into a General cell
        (2020.7, "2020-07"),
        (2020.12, "2020-12"),
        (202007, "2020-07"),
        (20200701, "2020-07-01"),
        (date(2020, 7, 15), "2020-07"),  # real dates carry no precision: cut to the field's
        (datetime(2020, 7, 15, 8, 30), "2020-07"),
    ],
)
def test_month_dates_keep_the_precision_written(raw: Any, expected: str) -> None:
    check(START, raw, expected)


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (DAY, date(2020, 7, 15), "2020-07-15"),
        (DAY, datetime(2020, 7, 15, 23, 59), "2020-07-15"),
        (DAY, 44013, "2020-07-01"),
        (DAY, "2020年7月", "2020-07"),  # written as a month, kept a month: the schema reports it
        (YEAR, date(2020, 7, 15), "2020"),
        (YEAR, 44013, "2020"),
        (YEAR, "2020年7月", "2020-07"),
    ],
)
def test_real_dates_are_cut_to_the_field_precision(field: Field, raw: Any, expected: str) -> None:
    check(field, raw, expected)


@pytest.mark.parametrize(
    ("raw", "note"),
    [
        (44013, "Excel 日期序号 44013 读作 2020-07-01"),
        ("44013", "Excel 日期序号 44013 读作 2020-07-01"),
        (2020.07, "Excel 把 2020.07 存成了数字，读作 2020-07"),
        ("2020年7月底", "按月份读取"),
        ("2020年底", "按年份读取"),
    ],
)
def test_date_interpretations_leave_a_note(raw: Any, note: str) -> None:
    got = normalise(START, raw)
    assert got.note is not None and note in got.note


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("2020-13", "没有13月"),
        ("2020年2月30日", "2020年2月没有30日"),
        ("2019-02-29", "2019年2月没有29日"),
        ("下半年", "请写作 2020年7月 或 2020-07"),
        ("2020年第三季度", "请写作 2020年7月 或 2020-07"),
        ("三季度", "无法识别的日期"),
        ("7月", "无法识别的日期"),
        ("20.7", "无法识别的日期"),
        ("2020年7月至8月", "无法识别的日期"),
        ("待定", "无法识别的日期"),
        ("1850年", "年份 1850 不合理"),
        ("12345", "无法识别的日期"),  # a serial outside 1990-2100 is no date
        ("7/1/2020", "无法识别的日期"),
    ],
)
def test_unreadable_dates_name_the_accepted_forms(raw: str, needle: str) -> None:
    check_problem(START, raw, needle)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (2020.1, "分不清是2020年1月还是2020年10月"),  # the float 2020.1 was typed 2020.1 or 2020.10
        (500, "无法识别的日期“500”"),
        (1.5, "无法识别的日期"),
        (float("nan"), "数值无效"),
        (True, "逻辑值"),
        (time(8, 30), "时刻"),
        (date(1850, 1, 1), "年份 1850 不合理"),
    ],
)
def test_cells_that_are_not_dates(raw: Any, needle: str) -> None:
    check_problem(START, raw, needle)


def test_date_hint_follows_the_precision() -> None:
    check_problem(DAY, "下半年", "2020年7月1日 或 2020-07-01")
    check_problem(YEAR, "下半年", "2020年")


@pytest.mark.parametrize("raw", ["-", "/", "—", "无", "", None])
def test_blank_dates(raw: Any) -> None:
    assert normalise(START, raw) == Parsed(None, None)


# ---------------------------------------------------------------- 是/否

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True), ("否", False), ("√", True), ("×", False), ("✓", True), ("✗", False),
        ("☑", True), ("☐", False), ("Y", True), ("N", False), ("y", True), ("yes", True),
        ("No", False), ("TRUE", True), ("false", False), ("True", True), ("1", True), ("0", False),
        (1, True), (0, False), (1.0, True), (0.0, False), (True, True), (False, False),
        ("已完成", True), ("未完成", False), ("完成", True), ("已落实", True), ("未落实", False),
        ("已编制", True), ("未编制", False), ("不是", False), ("是。", True), (" 否 ", False),
        ("已开展", True), ("已经完成", True), ("已批复", True),  # 已… in general
        ("尚未编制", False), ("没有完成", False), ("暂未落实", False), ("还没有", False),
        ("没有", False), ("未", False),
    ],
)
def test_yes_no(raw: Any, expected: bool) -> None:
    check(FEASIBILITY, raw, expected)


def test_general_prefixes_leave_a_note() -> None:
    assert normalise(FEASIBILITY, "已开展").note == "“已开展”读作“是”"
    assert normalise(FEASIBILITY, "尚未编制").note == "“尚未编制”读作“否”"
    assert normalise(FEASIBILITY, "是").note is None


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("有", "无法判断是或否"),  # for 近三年无重大事故, 有 means 否
        ("无", "无法判断是或否"),
        ("暂无", "无法判断是或否"),
        ("已申请未批复", "无法识别的是/否"),  # contradicts itself
        ("X", "无法识别的是/否"),  # a cross may mean ticked
        ("☒", "无法识别的是/否"),
        ("可能", "无法识别的是/否"),
        ("是否", "无法识别的是/否"),
        ("有事故", "无法识别的是/否"),
        (2, "不能读作是或否"),
        (0.5, "不能读作是或否"),
        (date(2020, 7, 1), "不能读作是或否"),
    ],
)
def test_yes_no_problems(raw: Any, needle: str) -> None:
    check_problem(NO_ACCIDENT, raw, needle)


@pytest.mark.parametrize("raw", ["-", "/", "—", "空", "N/A", "不涉及", "不适用", "", None])
def test_blank_yes_no(raw: Any) -> None:
    assert normalise(FEASIBILITY, raw) == Parsed(None, None)


# ---------------------------------------------------------------- options

@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (CATEGORY, "大数据中心", "大数据中心"),
        (CATEGORY, " 大数据中心 ", "大数据中心"),
        (CATEGORY, "大数据 中心", "大数据中心"),
        (CATEGORY, "数字政务", "数字政务基础设施"),  # alias
        (CATEGORY, "数字政务基础设施项目", "数字政务基础设施"),
        (CATEGORY, "人工智能类", "人工智能"),  # 类 suffix, unambiguous
        (CATEGORY, "工业互联网类项目", "工业互联网"),
        (CATEGORY, "AI", "人工智能"),
        (CATEGORY, "ai", "人工智能"),  # case-folded
        (CATEGORY, "ＡＩ", "人工智能"),  # full width
        (CATEGORY, "5g", "5G基础设施"),
        (CATEGORY, "５Ｇ基础设施", "5G基础设施"),
        (CATEGORY, "【大数据中心】", "大数据中心"),
        (CATEGORY, "（人工智能）", "人工智能"),
        (CATEGORY, "□大数据中心 ☑人工智能", "人工智能"),  # a form's check boxes
        (STAGE, "新开工", "新开工项目"),
        (STAGE, "续建", "续建项目"),
        (STAGE, "谋划类项目", "谋划项目"),
        (STAGE, "新建", "新开工项目"),
    ],
)
def test_choices(field: Field, raw: Any, expected: str) -> None:
    check(field, raw, expected)


def test_alias_leaves_a_note_but_the_value_itself_does_not() -> None:
    assert normalise(CATEGORY, "AI").note == "“AI”按“人工智能”读取"
    assert normalise(CATEGORY, "人工智能").note is None
    assert normalise(CATEGORY, " 人工 智能 ").note is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("区块链", "区块链"),  # unknown: kept, the schema's enum check lists the options
        ("其它 类", "其它类"),
        ("基础设施", "基础设施"),  # matches several options' words: not guessed
    ],
)
def test_unknown_choice_is_returned_cleaned_without_a_problem(raw: str, expected: str) -> None:
    assert normalise(CATEGORY, raw) == Parsed(expected, None)


def test_unknown_choice_is_reported_by_the_schema() -> None:
    record = {**example_record(PROJECTS), "category": normalise(CATEGORY, "区块链").value}
    errors = record_errors(PACK, PROJECTS, record)
    assert [e.field for e in errors] == ["category"]


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("☑大数据中心 ☑人工智能", "勾选了多项（大数据中心、人工智能），本栏只能选一项"),
        (True, "不是选项"),
        (float("nan"), "不是选项"),
    ],
)
def test_choice_problems(raw: Any, needle: str) -> None:
    check_problem(CATEGORY, raw, needle)


def test_choice_with_no_box_ticked_is_blank_with_a_note() -> None:
    assert normalise(STAGE, "□谋划项目 □新开工项目") == Parsed(None, None, "选项均未勾选")


@pytest.mark.parametrize("raw", ["-", "/", "无", "", None])
def test_blank_choices(raw: Any) -> None:
    assert normalise(CATEGORY, raw) == Parsed(None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("智慧城市、智慧农业", ["智慧城市", "智慧农业"]),
        ("智慧城市,智慧农业", ["智慧城市", "智慧农业"]),
        ("智慧城市，智慧农业；智慧交通", ["智慧城市", "智慧农业", "智慧交通"]),
        ("智慧城市;智慧农业", ["智慧城市", "智慧农业"]),
        ("智慧城市/智慧农业", ["智慧城市", "智慧农业"]),
        ("智慧城市\n智慧农业", ["智慧城市", "智慧农业"]),
        ("智慧城市 智慧农业", ["智慧城市", "智慧农业"]),
        ("智慧农业、智慧城市", ["智慧农业", "智慧城市"]),  # in the order written
        ("智慧城市、城市、智慧城市", ["智慧城市"]),  # no duplicates, aliases included
        ("医疗、智慧交通", ["智慧医疗", "智慧交通"]),
        ("☑智慧城市 □智慧农业 ☑智慧交通", ["智慧城市", "智慧交通"]),
        ("☑智慧城市、□智慧农业、☑医疗", ["智慧城市", "智慧医疗"]),
        ("新一代 信息技术、智慧城市", ["新一代 信息技术", "智慧城市"]),  # an option with a space
        ("智慧城市、区块链", ["智慧城市", "区块链"]),  # unknown kept for the enum check
        ("智慧城市、、", ["智慧城市"]),
        ("智慧城市", ["智慧城市"]),
        (["智慧城市", "医疗"], ["智慧城市", "智慧医疗"]),  # a form stage may pass a list
    ],
)
def test_multichoice(raw: Any, expected: list[str]) -> None:
    check(AREAS, raw, expected)


def test_multichoice_list_with_a_non_option_is_a_problem() -> None:
    check_problem(AREAS, ["智慧城市", True], "不是选项")


def test_multichoice_alias_note_and_blanks() -> None:
    assert normalise(AREAS, "医疗、智慧交通").note == "“医疗”按“智慧医疗”读取"
    assert normalise(AREAS, "-") == Parsed(None, None)
    assert normalise(AREAS, "、 ,") == Parsed(None, None)
    assert normalise(AREAS, "□智慧城市 □智慧农业") == Parsed(None, None)


# ---------------------------------------------------------------- codes and phones

@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (USCC, "91220101MA1XXXXX9x", "91220101MA1XXXXX9X"),
        (USCC, "9122 0101 MA1X-XXXX 9X", "91220101MA1XXXXX9X"),
        (USCC, "９１２２０１０１ＭＡ１Ｘ", "91220101MA1X"),
        (USCC, "'91220101MA1XXXXX9X", "91220101MA1XXXXX9X"),  # a CSV's text marker
        (IDCARD, "220102 19800101 123x", "22010219800101123X"),
        (IDCARD, 220102800101123.0, "220102800101123"),  # 15-digit code, exact in a float
        (POSTCODE, 130000.0, "130000"),
        (POSTCODE, 130000, "130000"),
        (POSTCODE, "130 000", "130000"),
        (MOBILE, 13912345678.0, "13912345678"),
        (MOBILE, "139-1234-5678", "13912345678"),
        (MOBILE, "139 1234 5678", "13912345678"),
        (PHONE, 13912345678.0, "13912345678"),
        (PHONE, "0431-88905678", "0431-88905678"),  # the 区号 dash stays
        (PHONE, "0431－88905678", "0431-88905678"),
        (PHONE, "0431—88905678", "0431-88905678"),
        (PHONE, "0431 - 88905678", "0431-88905678"),
        (PHONE, "0431 88905678", "0431-88905678"),
        (PHONE, "(0431)88905678", "0431-88905678"),
        (PHONE, "（0431）8890 5678", "0431-88905678"),
        (PHONE, "0431-88905678转123", "0431-88905678-123"),
        (PHONE, "139 1234 5678", "13912345678"),
        (PHONE, "0431-88905678、13912345678", "0431-88905678、13912345678"),
        (PHONE, "0431-88905678；13912345678", "0431-88905678;13912345678"),
        (PHONE, "0431-88905678/13912345678", "0431-88905678/13912345678"),
        (PHONE, "13912345678 13812345678", "13912345678、13812345678"),
        (FIXED, "0431-88905678", "0431-88905678"),
        (PHONE, "88881234", "88881234"),  # a local fixed line, as written
        (PHONE, 88881234.0, "88881234"),
        (PHONE, "+86 139 1234 5678", "+8613912345678"),
        (PHONE, "+86-13912345678", "+8613912345678"),
        (PHONE, "86-139-1234-5678", "86-139-1234-5678"),  # digits and dashes stay as written (valid)
        (PHONE, "0086 13912345678", "+8613912345678"),
        (MOBILE, "+86 13912345678", "+8613912345678"),
        (EMAIL, " xm@example.com ", "xm@example.com"),
        (EMAIL, "ｘｍ＠example.com", "xm@example.com"),
    ],
)
def test_codes_and_phones(field: Field, raw: Any, expected: str) -> None:
    check(field, raw, expected)


@pytest.mark.parametrize(
    ("field", "raw", "needle"),
    [
        (USCC, 9.12201011234568e17, "代码被 Excel 存成了数字，末几位已丢失"),
        (USCC, 912201011234567890, "请把该列设为文本格式后重新填写"),
        (IDCARD, 2.20102198001011e17, "末几位已丢失"),
        (USCC, "9.12201011234568E+17", "末几位已丢失"),  # copied from the cell's display
        (PHONE, 4318890567.0, "开头的 0 已丢失（现为 4318890567）"),
        (FIXED, 43188905678.0, "开头的 0 已丢失"),
        (POSTCODE, 10000.0, "开头的 0 已丢失"),
        (USCC, True, "不是代码"),
        (PHONE, date(2020, 7, 1), "不是号码"),
        (USCC, float("nan"), "数值无效"),
    ],
)
def test_code_problems(field: Field, raw: Any, needle: str) -> None:
    check_problem(field, raw, needle)


@pytest.mark.parametrize("raw", ["-", "/", "—", "无", "", None])
def test_blank_codes(raw: Any) -> None:
    assert normalise(PHONE, raw) == Parsed(None, None)
    assert normalise(USCC, raw) == Parsed(None, None)


def test_a_number_with_decimals_in_a_code_field_is_a_problem() -> None:
    check_problem(POSTCODE, 1300.5, "“1300.5”是负数或带小数的数字，不是代码")
    check_problem(USCC, -1, "不是代码")
    check_problem(PHONE, 8890.5678, "不是号码")


# ---------------------------------------------------------------- plain text and lists

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  南关区  ", "南关区"),
        ("第一行\n第二行", "第一行\n第二行"),  # inner line breaks kept
        ("第一行\r\n第二行\n", "第一行\n第二行"),
        ("\u3000建设内容\u00a0", "建设内容"),
        ("=SUM(A1:A3)", "=SUM(A1:A3)"),  # data, not a formula
        ("+86 139", "+86 139"),
        ("-主体工程已完工", "-主体工程已完工"),
        ("@张三", "@张三"),
        ("无", "无"),  # a 备注 of 无 is an answer
        ("５Ｇ基站", "５Ｇ基站"),  # kept as written; matching uses textnorm.clean
        (2020.0, "2020"),
        (2020, "2020"),
        (1.5, "1.5"),
        (date(2020, 7, 1), "2020-07-01"),
        (datetime(2020, 7, 1), "2020-07-01"),
        (datetime(2020, 7, 1, 8, 30), "2020-07-01 08:30:00"),
        (time(8, 30), "08:30:00"),
        (True, "TRUE"),
    ],
)
def test_plain_text(raw: Any, expected: str) -> None:
    check(REMARKS, raw, expected)


@pytest.mark.parametrize("raw", ["/", "-", "—", "——", " - ", "", "  ", None])
def test_blank_text(raw: Any) -> None:
    assert normalise(REMARKS, raw) == Parsed(None, None)


def test_text_nan_is_a_problem() -> None:
    check_problem(REMARKS, float("nan"), "数值无效")


@pytest.mark.parametrize("raw", [None, [], [{"name": "张三"}], "原样", 5])
def test_list_passes_through(raw: Any) -> None:
    got = normalise(ROWS, raw)
    assert got == Parsed(raw, None) and got.value is raw


# ---------------------------------------------------------------- helpers

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500", (Decimal("500"), None)),
        ("1,200.5", (Decimal("1200.5"), None)),
        ("500万元", (Decimal("500"), "万元")),
        ("500万", (Decimal("500"), "万")),
        ("0.12亿元", (Decimal("0.12"), "亿元")),
        ("一千二百万", (Decimal("1200"), "万")),
        ("一千二百万元", (Decimal("1200"), "万元")),
        ("两千", (Decimal("2000"), None)),
        ("40%", (Decimal("40"), "%")),
        ("12个", (Decimal("12"), "个")),
        ("5万平方米", (Decimal("5"), "万平方米")),
        ("-3.5", (Decimal("-3.5"), None)),
        ("约500", None),
        ("500-600", None),
        ("abc", None),
        ("", None),
        ("万元", None),
    ],
)
def test_parse_number(text: str, expected: tuple[Decimal, str | None] | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        ("0.12", "亿元", "万元", "1200"),
        ("1", "万元", "元", "10000"),
        ("1234567", "元", "万元", "123.4567"),
        ("3.5", "万", "万元", "3.5"),  # 万 alone is 万元 in money
        ("3.5", "万", "元", "35000"),
        ("500", "千元", "万元", "50"),
        ("12", "个", "项", "12"),
        ("3", "万", "个", "30000"),
        ("5", "万平方米", "平方米", "50000"),
        ("40", "%", "%", "40"),
    ],
)
def test_convert_unit(value: str, source: str, target: str, expected: str) -> None:
    assert convert_unit(Decimal(value), source, target) == Decimal(expected)


@pytest.mark.parametrize(("source", "target"), [("%", "万元"), ("元", "个"), ("万元", "%"), ("年", "万元")])
def test_convert_unit_refuses_unrelated_units(source: str, target: str) -> None:
    with pytest.raises(ValueError, match="无法把单位"):
        convert_unit(Decimal(1), source, target)


def test_blank_markers_are_blank() -> None:
    assert all(is_blank(m) for m in BLANK_MARKERS)
    assert is_blank("N/A") and is_blank(" —— ") and is_blank("－") and is_blank("")
    assert not is_blank("0") and not is_blank("-5") and not is_blank("否")


def test_a_bug_costs_one_cell_not_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(field: Field, raw: Any) -> Parsed:
        raise ZeroDivisionError

    monkeypatch.setattr("toolkit.ingest.values._date", broken)
    got = normalise(START, "2020年7月")
    assert got.value is None and got.problem is not None
    assert got.problem.startswith(INTERNAL_ERROR) and "“2020年7月”" in got.problem


def test_excel_serial_date_only_in_a_plausible_range() -> None:
    assert excel_serial_date(44013) == date(2020, 7, 1)
    assert excel_serial_date(32874) == date(1990, 1, 1)
    assert excel_serial_date(2020) is None
    assert excel_serial_date(float("nan")) is None
    assert excel_serial_date(10**9) is None


def test_example_records_are_fixed_points_and_pass_the_schema() -> None:
    """Values already in the pack's form come back unchanged, so re-reading a 汇总表 is safe."""
    for seed in range(5):
        record = example_record(PROJECTS, seed=seed)
        parsed = {f.key: normalise(f, record.get(f.key)) for f in PROJECTS.fields}
        assert {k: p.problem for k, p in parsed.items() if p.problem} == {}
        normalised = {k: p.value for k, p in parsed.items()}
        assert normalised == {f.key: record.get(f.key) for f in PROJECTS.fields}
        assert record_errors(PACK, PROJECTS, normalised) == []


def test_a_county_row_normalises_into_a_valid_record() -> None:
    """One row as a county really wrote it (header in 亿元), checked by the pack's schema."""
    cells: dict[str, Any] = {
        "county": " 南关区 ", "project_name": "吉林省政务云灾备中心", "category": "数字政务基础设施项目",
        "stage": "新开工", "applicant": "吉林省某数据有限公司", "uscc": example_record(PROJECTS)["uscc"].lower(),
        "scope": "建设灾备机房", "total_investment": "0.12", "bigdata_investment": "一千万元",
        "completed_investment": "-", "start_date": 44013, "end_date": "2021.12", "progress": "已完成可研",
        "proposal_done": "√", "feasibility_done": "已完成", "funding_secured": "是",
        "responsible_person": "张三", "phone": "0431 88905678", "remarks": "/",
    }
    headers = {"total_investment": "亿元"}
    record = {}
    for f in PROJECTS.fields:
        got = normalise(f, cells.get(f.key), header_unit=headers.get(f.key))
        assert got.problem is None, (f.key, got.problem)
        record[f.key] = got.value
    assert record["total_investment"] == 1200.0 and record["bigdata_investment"] == 1000.0
    assert record["start_date"] == "2020-07" and record["end_date"] == "2021-12"
    assert record["category"] == "数字政务基础设施" and record["stage"] == "新开工项目"
    assert record["completed_investment"] is None and record["remarks"] is None
    assert record_errors(PACK, PROJECTS, record) == []


# ---------------------------------------------------------------- properties

FIELDS = [
    INVESTMENT, YUAN, SHARE, COUNT, BARE_COUNT, START, DAY, YEAR, FEASIBILITY, NO_ACCIDENT,
    CATEGORY, STAGE, AREAS, USCC, PHONE, MOBILE, FIXED, POSTCODE, IDCARD, EMAIL, REMARKS, ROWS,
    *PROJECTS.fields,
]
UNITS = st.sampled_from([None, "万元", "亿元", "元", "千元", "个", "%", "平方米"])
CELL_CHARS = "0123456789.,-+ 元万亿千百十%约年月日号/．，、；☑□√×是否已未一二三四五六七八九〇两点"
RAW = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet=CELL_CHARS, max_size=12),  # dense in the characters the parsers look at
    st.floats(),
    st.integers(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.lists(st.text(max_size=5), max_size=3),
)
VALUE_TYPES: dict[str, type] = {
    "number": float, "integer": int, "date": str, "bool": bool, "choice": str, "multichoice": list,
    "text": str,
}


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(FIELDS), RAW, UNITS, UNITS)
def test_normalise_never_raises_and_keeps_its_promises(field: Field, raw: Any, header: str | None,
                                                       target: str | None) -> None:
    got = normalise(field, raw, header_unit=header, target_unit=target)
    assert isinstance(got, Parsed)
    assert got.problem is None or (got.value is None and got.problem.strip())
    assert not (got.problem or "").startswith(INTERNAL_ERROR), got.problem
    assert got.note is None or isinstance(got.note, str)
    value: Any = got.value
    if value is None or field.type == "list":
        return
    if field.type == "number":
        assert math.isfinite(value) and abs(value) < 1e15
    if field.type == "date":
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value)
        assert check_partial_date(value) is None
    if field.type == "multichoice":
        assert len(set(value)) == len(value) and all(value)
    assert type(value) is VALUE_TYPES[field.type]  # exactly: True is an int, but no number


@settings(max_examples=800, deadline=None)
@given(st.sampled_from([f for f in FIELDS if f.type != "list"]), RAW)
def test_normalised_values_are_fixed_points(field: Field, raw: Any) -> None:
    """Reading a value twice changes nothing: a 汇总表 read back gives the same record."""
    first = normalise(field, raw)
    if first.value is not None:
        again = normalise(field, first.value)
        assert again.problem is None and again.value == first.value


SIX_PLACES = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 6))


@given(st.one_of(SIX_PLACES, st.integers(min_value=-(10**12), max_value=10**12)))
def test_numbers_round_trip_through_text(x: float) -> None:
    assert normalise(INVESTMENT, str(x)).value == x
    assert normalise(INVESTMENT, f"{x}万元", header_unit="亿元").value == x  # the cell's unit wins
    assert normalise(INVESTMENT, x).value == x


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integers_round_trip(n: int) -> None:
    assert normalise(COUNT, str(n)).value == n
    assert normalise(COUNT, f"{n}个").value == n
    assert normalise(COUNT, float(n) if abs(n) < 2**53 else n).value == n


@given(st.floats(min_value=-1e10, max_value=1e10, allow_nan=False).map(lambda x: round(x, 6)))
def test_yi_yuan_converts_exactly(x: float) -> None:
    expected = float(Decimal(str(x)) * 10000)  # exact in decimal, then one rounding to float
    assert normalise(INVESTMENT, f"{x}亿元").value == expected
    assert normalise(INVESTMENT, str(x), header_unit="亿元").value == expected


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_round_trip_in_every_written_form(d: date) -> None:
    iso = d.isoformat()
    serial = (d - date(1899, 12, 30)).days
    for raw in (iso, f"{d.year}年{d.month}月{d.day}日", f"{d.year}/{d.month}/{d.day}",
                f"{d.year}.{d.month}.{d.day}", d.strftime("%Y%m%d"), d, datetime(d.year, d.month, d.day)):
        assert normalise(DAY, raw).value == iso, raw
    assert normalise(DAY, serial).value == iso
    assert normalise(START, f"{d.year}年{d.month}月").value == iso[:7]
    assert normalise(START, d).value == iso[:7]


def test_random_county_spellings_of_money_agree() -> None:
    """The same amount spelt the ways counties spell it reads the same."""
    rng = random.Random(761)
    for _ in range(200):
        wan = Decimal(rng.randint(1, 10**7)) / 100  # 0.01 ... 100000 万元
        spellings = [f"{wan}", f"{wan}万元", f"{wan}万", f"{wan * 10000}元", f"{wan / 10000}亿元",
                     f"{wan * 10}千元"]
        values = {normalise(INVESTMENT, s).value for s in spellings}
        assert values == {float(wan)}, spellings
        assert normalise(INVESTMENT, f"{wan / 10000}", header_unit="亿元").value == float(wan)


def test_excel_epoch() -> None:
    assert date(1899, 12, 30) + timedelta(days=44013) == date(2020, 7, 1)


class _Float(float):
    """A float that the plain-number shortcut of `_number` does not take (type(raw) is not float)."""


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                 st.floats(-1e9, 1e9).map(lambda x: round(x, 6)), st.sampled_from([0.0, -0.0, 1e15, -1e15, 0.5, 1e-7]),
                 st.tuples(st.integers(-10**12, 10**12), st.integers(5, 8)).map(lambda t: t[0] / 10 ** t[1])),
       st.sampled_from([None, "万元", "亿元", "%", "元"]), st.sampled_from(["万元", None, "%", "亿元"]))
def test_the_plain_number_shortcut_reads_as_the_general_path(raw: float, header_unit: str | None,
                                                             unit: str | None) -> None:
    from dataclasses import replace

    f = replace(INVESTMENT, unit=unit)
    fast = normalise(f, raw, header_unit=header_unit, target_unit=unit)
    general = normalise(f, _Float(raw), header_unit=header_unit, target_unit=unit)
    assert (fast.value, fast.problem, fast.note, fast.doubt) == (general.value, general.problem, general.note,
                                                                 general.doubt)
    if fast.value == 0:
        assert math.copysign(1, fast.value) == 1  # never a negative zero


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYabcdefnN", min_size=1, max_size=20),
                 st.sampled_from(["NA", "na", "Na", "n", "1e15", "1E5", "0431"])))
def test_an_ascii_code_reads_as_the_general_path(raw: str) -> None:
    """`_code` takes a plain ASCII letters-and-digits cell without `is_blank` and the width fold.
    What that rests on: such a cell is blank exactly when its casefold is a blank marker, and
    then it reads as blank."""
    from toolkit.ingest.values import BLANK_MARKERS, is_blank

    assert is_blank(raw) == (raw.casefold() in BLANK_MARKERS)
    for key in ("uscc", "phone"):
        parsed = normalise(F[key], raw)
        if is_blank(raw):
            assert parsed.value is None and parsed.problem is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("项目aZ09 -—_/\\－／＿﹣　\n")), max_size=6))
def test_a_text_starting_with_a_letter_is_never_a_dash_run(raw: str) -> None:
    """The shortcut of `_text`: what starts with a 汉字 or an ASCII letter or digit is kept as
    written; only dash runs (and blanks) are blank, as `clean` and _DASH_RUN decide."""
    from toolkit.ingest.values import _DASH_RUN
    from toolkit.textnorm import clean

    parsed = normalise(F["remarks"], raw)
    text = raw.replace("\r\n", "\n").strip()
    blank = not text or bool(_DASH_RUN.fullmatch(clean(text)))
    assert parsed.value == (None if blank else text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789ABCXYZabcexn-—－ +._'１Ａ　", max_size=20),
                 st.sampled_from(["", " ", "-", "--", "na", "NA", "n", "1e15", "1E5", "0431", "0431-88905678",
                                  "-0431", "0431--8890", "139-1234-5678", "91220101MA0Y3KXX1A", "ab@cd", "１２３"])),
       st.sampled_from(["uscc", "phone", "fixed-phone", "email", "postcode", "org-code"]))
def test_the_code_shortcut_reads_as_the_general_path(raw: str, fmt: str) -> None:
    """code_text, read_table's shortcut for a code column, gives what `_code` gives, or steps aside."""
    from dataclasses import replace

    from toolkit.ingest.values import code_text

    fast = code_text(raw, fmt)
    if fast is not None:
        general = normalise(replace(F["uscc"], format=fmt), raw)
        assert (fast, None, None, None) == (general.value, general.problem, general.note, general.doubt)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 1e15, -1e15, 999999999999999.9, 1e-6, 1e-7, 0.1234567])))
def test_float_as_itself_is_the_general_reading(raw: float) -> None:
    """The float shortcut (in _number and in read_table) against the general path: a header unit
    of 万 in a 万元 column converts by 1 but is not the column's own unit, so it takes that path."""
    from toolkit.ingest.values import float_as_itself

    fast = float_as_itself(raw)
    if fast is not None:
        general = normalise(INVESTMENT, raw, header_unit="万", target_unit="万元")
        assert fast == general.value and general.problem is None and general.doubt is None
        assert math.copysign(1, fast) == 1 or fast != 0
