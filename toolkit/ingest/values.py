"""One cell as a county typed it -> the value the pack declares (numbers, units, dates, 是/否, options).

`normalise(field, raw)` never raises and never guesses silently: a value it cannot read comes back
as a `problem` (Chinese, quoting what was there, saying what to write instead) with `value=None`;
a value it had to interpret (a unit converted, an Excel date serial, an alias) carries a `note`.
`raw` is what python-calamine returns: str, float, int, bool, date, datetime, time, or None.

Decisions where a clerk's writing is ambiguous (each one is tested in tests/test_values.py):
- `约500`, `500左右`, `500-600` are problems, not 500: a total built on a guess is worse than a
  question back to the county.
- `万`/`亿` written after a number are the units 万元/亿元 in a money column (`3.5万` in a 万元
  column is 3.5 万元, not 35000 万元), and a plain multiplier elsewhere. `千`/`百` are only
  multipliers (`5千` is 5000 of the column's unit), the same as the Chinese `五千`.
- A lone `一` may be a dash typed with the Chinese IME or the numeral 1: a problem.
- `有`/`无` in a 是/否 column: a problem (for `近三年无重大事故`, `有` means 否).
- A month written is kept a month (`2020年7月` -> `2020-07`, never the 1st); a real Excel date,
  which carries no precision, is cut to the field's precision.
- The float 2020.1 (a clerk typed 2020.10 into a General cell) could be January or October: a problem.
- An unknown option is returned as cleaned text without a problem: the JSON Schema enum check
  reports it with the list of options, so the message lives in one place.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Literal

from toolkit.formats import FIXED_RE, MOBILE_RE, compact, to_halfwidth
from toolkit.packs.model import Field
from toolkit.textnorm import clean


@dataclass(frozen=True)
class Parsed:
    value: Any  # the normalised value; None for a blank cell
    problem: str | None  # Chinese reason when the raw value could not be read (then value is None)
    note: str | None = None  # Chinese remark when something was interpreted
    doubt: str | None = None  # Chinese remark when the cell may mean otherwise: a clerk should look


# Cells that mean "nothing here" in a number, date, option or code column (compared after
# `clean` and case-folding). Plain text keeps `无` (a 备注 of 无 is an answer); 是/否 columns treat
# 无/暂无 as ambiguous. Any run of dashes or slashes (`--`, `——`, `//`) is blank too.
BLANK_MARKERS = frozenset({"-", "--", "—", "——", "/", "无", "暂无", "空", "n/a", "na", "不涉及", "不适用"})
_DASH_RUN = re.compile(r"[-—–―─‐‑−_/\\]+")
_AMBIGUOUS_YESNO = frozenset({"有", "无", "暂无"})

# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in). Serials are accepted only
# for 1990-01-01 ... 2100-12-31, so 2020 or 500 is never mistaken for a date.
EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_MIN = (date(1990, 1, 1) - EXCEL_EPOCH).days
SERIAL_MAX = (date(2100, 12, 31) - EXCEL_EPOCH).days
YEAR_MIN, YEAR_MAX = 1900, 2100  # the range toolkit.packs.schemas.check_partial_date accepts

# A float carries 15-16 significant digits; past 1e15 even whole numbers stop being exact.
_LIMIT = Decimal(10) ** 15
_Q6 = Decimal("0.000001")

_MAGNITUDES = (("十万", 10**5), ("百万", 10**6), ("千万", 10**7), ("十亿", 10**9),
               ("百亿", 10**10), ("千亿", 10**11), ("万", 10**4), ("亿", 10**8),
               ("十", 10), ("百", 100), ("千", 1000))  # longest first
# Measure words a count is written with; `12个` in a 项 column is still 12.
COUNTERS = frozenset("个项家台套座处户人名次件条所栋辆张份批".replace("", " ").split())

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
              "三": 3, "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
              "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_NUMERAL = "".join([*_CN_DIGITS, *_CN_SMALL, *_CN_BIG])
_ARABIC = re.compile(
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?P<exp>e[-+]?\d{1,3})?"
    r"(?P<mag>十万|百万|千万|十亿|百亿|千亿|万|亿|百|千)?", re.IGNORECASE)
_SPLIT_UNIT = re.compile(rf"(?P<body>.*?)(?P<unit>[^0-9.,{_CN_NUMERAL}点]*)")
_APPROX = re.compile(r"约|大概|左右|上下|余|多|以上|以下|以内|不到|不足|超过|近|逾|差不多")
_RANGE = re.compile(rf"[\d{_CN_NUMERAL}元](?:-|~|至|到|—|–)+[\d{_CN_NUMERAL}]")


# ---------------------------------------------------------------- helpers other stages reuse

def is_blank(text: str) -> bool:
    """A cell left empty or holding one of the BLANK_MARKERS."""
    s = clean(text).casefold()
    return not s or s in BLANK_MARKERS or bool(_DASH_RUN.fullmatch(s))


def parse_number(text: str) -> tuple[Decimal, str | None] | None:
    """`1,200.5` -> (1200.5, None); `500万元` -> (500, "万元"); `一千二百万` -> (1200, "万"); `40%` -> (40, "%").

    The unit is returned as written (`万` is not turned into `万元`: that depends on the column).
    None when the text is not one number: words, ranges, approximations (`约500`, `500-600`).
    """
    half = to_halfwidth(unicodedata.normalize("NFKC", text)).strip()
    # Spaces are only thousands separators: `1 200` is 1200, `12 34` is two numbers.
    for run in re.finditer(r"\d+(?:\s+\d+)+", half):
        groups = run.group().split()
        if len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
            return None
    s = clean(half).replace("−", "-")
    if not s or _APPROX.search(s) or _RANGE.search(s):
        return None
    s = s.removeprefix("人民币").removesuffix("整")
    sign = 1
    if s[:1] in ("-", "+", "负"):
        sign, s = (1 if s[0] == "+" else -1), s[1:]
    m = _SPLIT_UNIT.fullmatch(s)
    if not m or not m["body"]:
        return None
    body = _parse_body(m["body"])
    if body is None:
        return None
    value, magnitude = body
    unit = magnitude + m["unit"]
    return sign * value, unit or None


def convert_unit(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """`convert_unit(Decimal("0.12"), "亿元", "万元")` -> 1200. Raises ValueError if not convertible."""
    factor = _unit_factor(from_unit, to_unit)
    if factor is None:
        raise ValueError(f"无法把单位“{from_unit}”换算为“{to_unit}”")
    return value * factor


def excel_serial_date(serial: float) -> date | None:
    """Excel's day number -> date, only within 1990-2100 (a plausible project date)."""
    if not SERIAL_MIN <= serial < SERIAL_MAX + 1:  # also False for nan
        return None
    return EXCEL_EPOCH + timedelta(days=int(serial))


def unreadable_severity(field: Field) -> Literal["error", "warning"]:
    """An unreadable cell refuses its project only where the field is required: an optional one
    (a loan's term, a second phone) is asked about, and the rules that need it still decide."""
    return "error" if field.required else "warning"


def unreadable_text(field: Field, problem: str) -> str:
    if field.required:
        return problem
    return f"{problem}（本栏非必填，项目照常审核，此格按未填写处理；请改正后重报）"


# ---------------------------------------------------------------- the entry point

INTERNAL_ERROR = "程序未能读取单元格"  # the property tests check no input ever reaches this

def normalise(field: Field, raw: Any, *, header_unit: str | None = None,
              target_unit: str | None = None) -> Parsed:
    """Read one cell for `field`. `header_unit` is the unit the county's header stated
    (`计划总投资（亿元）`), `target_unit` the pack's unit (defaults to `field.unit`)."""
    if field.type == "list":
        return Parsed(raw, None)  # forms build lists from several cells elsewhere
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed(None, None)
    try:
        if field.type in ("number", "integer"):
            target = target_unit if target_unit is not None else field.unit
            return _number(field, raw, header_unit, target)
        if field.type == "date":
            return _date(field, raw)
        if field.type == "bool":
            return _bool(raw)
        if field.type == "choice":
            return _choice(field, raw)
        if field.type == "multichoice":
            return _multichoice(field, raw)
        if field.format:
            return _code(field, raw)
        return _text(raw)
    except Exception as exc:  # a bug here must cost one cell, never the batch
        return Parsed(None, f"{INTERNAL_ERROR}“{_show(raw)}”（{type(exc).__name__}），请改为常规写法；如仍出错请告知维护人员")


# ---------------------------------------------------------------- numbers

def _number(field: Field, raw: Any, header_unit: str | None, target: str | None) -> Parsed:
    if (type(raw) is float and field.type == "number" and target != "%"
            and (header_unit is None or header_unit == target or target is None)):
        itself = float_as_itself(raw)
        if itself is not None:
            return Parsed(itself, None)
    # The messages below are written only for a cell that gets one: most cells get none.
    notes: list[str] = []
    doubts: list[str] = []
    written: str | None = None
    if isinstance(raw, bool):
        return Parsed(None, f"单元格是逻辑值（{_show(raw)}），不是{_noun(field, target)}，请填写数字")
    if isinstance(raw, (date, time)):
        return Parsed(None, _not_a_number_but_date(raw, _noun(field, target)))
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed(None, f"单元格的数值无效（{raw!r}），请填写数字")
        # repr is the shortest text that is this float: 1234.56 stays 1234.56, not 1234.5599999…
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    elif isinstance(raw, str):
        if is_blank(raw):
            return Parsed(None, None)
        text = clean(raw)
        if target in _DURATION_MONTHS and (duration := _duration(text)) is not None:
            months, unit = duration
            value = months / _DURATION_MONTHS[target]
            if unit != target:
                notes.append(f"“{_show(raw)}”按 {_plain(value)} {target}读取")
            return _finish(field, value, raw, notes)
        if text == "一":
            return Parsed(None, f"“{_show(raw)}”可能是破折号，也可能是数字1，请填写数字或留空")
        parsed = parse_number(raw)
        if parsed is None:
            if _RANGE.search(text):
                return Parsed(None, f"{_unreadable(field, raw, target)}（这是一个范围，请填写一个确切的数）")
            if _APPROX.search(text):
                return Parsed(None, f"{_unreadable(field, raw, target)}（这是约数，不按约数猜测，请填写确切的数）")
            return Parsed(None, _unreadable(field, raw, target))
        value, written = parsed
        if re.search(r"\d\s+\d", raw):
            notes.append(f"“{_show(raw)}”中的空格按千位分隔读取")
        if re.search(f"[{''.join(_CN_DIGITS)}]", text) or text.lstrip("-+负")[:1] in ("十", "拾"):
            notes.append(f"“{_show(raw)}”按中文数字读取")
    else:
        return Parsed(None, _unreadable(field, raw, target))

    if target is None:
        header_unit = None  # a count column has nothing to convert a header unit into
    if written is not None:
        factor = _unit_factor(written, target or "")
        if factor is None:
            return Parsed(None, _unit_mismatch(raw, written, target, _noun(field, target)))
        if factor != 1:
            notes.append(f"按单元格中写明的单位{written}换算为{target}" if target
                         else f"“{_show(raw)}”中的“{written}”按倍数读取")
        elif header_unit and _unit_factor(header_unit, target or "") not in (None, 1):
            doubts.append(f"单元格写明了单位{written}，与表头单位{header_unit}不同，已按单元格的单位读取，请核对")
    elif header_unit:
        factor = _unit_factor(header_unit, target or "")
        if factor is None:
            return Parsed(None, f"“{_show(raw)}”所在列的表头单位“{header_unit}”无法换算为本栏单位“{target}”，请按模板表头填写")
        if factor != 1:
            notes.append(f"按表头单位{header_unit}换算为{target}")
    else:
        factor = Decimal(1)
    if target == "%" and isinstance(raw, float) and 0 < abs(raw) <= 1:
        doubts.append(f"读作 {raw:g}%；若该单元格设为百分比格式，{raw!r} 即 {raw * 100:g}%，请核对")
    return _finish(field, value * factor, raw, notes, doubts)


def _noun(field: Field, target: str | None) -> str:
    return "金额" if _is_money(target) else ("整数" if field.type == "integer" else "数字")


def _unreadable(field: Field, raw: Any, target: str | None) -> str:
    return f"无法识别的{_noun(field, target)}“{_show(raw)}”，请填写数字"


def float_as_itself(raw: float) -> float | None:
    """The commonest number cell: a float of at most 6 decimals, in a "number" column (not %)
    whose header states no other unit. What `_number`'s general path gives it is itself
    (quantized to 6 places, unchanged), with -0.0 made 0.0; None when the general path must read it."""
    if -1e15 < raw < 1e15:  # also False for nan
        text = repr(raw)
        if "e" not in text and len(text) - text.index(".") <= 7:
            return raw + 0.0
    return None


# A duration column's unit -> how many months it is; what a clerk writes of a loan's term:
# `12个月`, `18个月`, `一年期`, `三年期`, `两年`, `2年`, `半年`, `一年半`, `1.5年`.
_DURATION_MONTHS = {"年": Decimal(12), "个月": Decimal(1), "月": Decimal(1)}
_DURATION = re.compile(r"(?P<num>[^年月半]*?)(?P<unit>年|个月|月)(?P<half>半)?(?:期|期限)?")


def _duration(text: str) -> tuple[Decimal, str] | None:
    """A written duration as (months, the unit written), or None when it is not one."""
    if text in ("半年", "半年期"):
        return Decimal(6), "年"
    m = _DURATION.fullmatch(text)
    if m is None or not m["num"]:
        return None
    number = parse_number(m["num"])
    if number is None or number[1] is not None or number[0] < 0:
        return None
    unit = "个月" if m["unit"] == "月" else m["unit"]
    months = number[0] * _DURATION_MONTHS[unit]
    if m["half"]:
        if unit != "年":
            return None  # `3个月半` is no usual writing
        months += 6
    return months, unit


def _plain(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".")


def _finish(field: Field, value: Decimal, raw: Any, notes: list[str], doubts: Sequence[str] = ()) -> Parsed:
    note = "；".join(notes) or None
    doubt = "；".join(doubts) or None
    if abs(value) >= _LIMIT:  # before quantize, which would overflow the Decimal context
        return _too_big(raw)
    if field.type == "integer":
        if value != value.to_integral_value():
            return Parsed(None, f"“{_show(raw)}”不是整数，本栏应填写整数")
        return Parsed(int(value), None, note, doubt)
    # + 0.0 turns -0.0 into 0.0, so `-0` does not print as a negative zero in the summary.
    number = float(value.quantize(_Q6, rounding=ROUND_HALF_UP)) + 0.0
    return _too_big(raw) if abs(number) >= 1e15 else Parsed(number, None, note, doubt)


def _too_big(raw: Any) -> Parsed:
    return Parsed(None, f"数值“{_show(raw)}”过大（超过10的15次方），请核对")


def _parse_body(body: str) -> tuple[Decimal, str] | None:
    m = _ARABIC.fullmatch(body)
    if m:
        value = Decimal(m["num"].replace(",", "") + (m["exp"] or ""))
        mag = m["mag"] or ""
        if mag.endswith(("万", "亿")):  # 万/亿 are units of money: keep them as the unit written
            return value * (_magnitude(mag[:-1]) or 1), mag[-1]
        return value * (_magnitude(mag) or 1), ""
    if any(c not in _CN_NUMERAL + "点" for c in body):
        return None
    return _parse_chinese(body)


def _parse_chinese(body: str) -> tuple[Decimal, str] | None:
    """`五百` -> (500, ""), `一千二百万` -> (1200, "万"), `三点五亿` -> (3.5, "亿")."""
    if "点" in body:
        mag = ""
        if body[-1] in _CN_BIG:
            mag, body = _big_name(body[-1]), body[:-1]
        whole, _, frac = body.partition("点")
        number = _chinese_int(whole) if whole else None
        if number is None or not frac or any(c not in _CN_DIGITS for c in frac):
            return None
        return Decimal(f"{number}.{''.join(str(_CN_DIGITS[c]) for c in frac)}"), mag
    number = _chinese_int(body)
    if number is None:
        return None
    for big in ("亿", "万"):  # the largest order written is the unit, as in `1200万`
        if any(c in _CN_BIG and _big_name(c) == big for c in body):
            return Decimal(number) / _CN_BIG[big], big
    return Decimal(number), ""


def _big_name(c: str) -> str:
    return "亿" if _CN_BIG[c] == 10**8 else "万"


def _chinese_int(s: str) -> int | None:
    """Chinese numerals to an int: `二〇二〇` 2020, `三十一` 31, `两千五` 2500, `一千零五` 1005."""
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s):
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, section = 0, 0
    digit: int | None = None
    last_small, last_big = 10**4, 10**9
    prev_unit = 0  # the unit just before a trailing digit: `两千五` is 2500, not 2005
    for c in s:
        if c in _CN_DIGITS:
            if digit is not None:
                return None
            if _CN_DIGITS[c] == 0:
                prev_unit = 0
                continue
            digit = _CN_DIGITS[c]
        elif c in _CN_SMALL:
            unit = _CN_SMALL[c]
            if unit >= last_small or (digit is None and unit != 10):
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_small, prev_unit = None, unit, unit
        else:
            unit = _CN_BIG[c]
            group = section + (digit or 0)
            if unit >= last_big or group == 0:
                return None
            total = (total + group) * unit if unit == 10**8 else total + group * unit
            section, digit, last_small, last_big, prev_unit = 0, None, 10**4, unit, unit
    if digit is not None:
        section += digit * (prev_unit // 10 if prev_unit >= 10 else 1)
    return total + section


def _magnitude(prefix: str) -> int | None:
    return dict(_MAGNITUDES).get(prefix) if prefix else 1


def _split_unit(unit: str) -> tuple[int, str]:
    for prefix, factor in _MAGNITUDES:
        if unit.startswith(prefix):
            return factor, unit[len(prefix):]
    return 1, unit


def _is_money(unit: str | None) -> bool:
    return bool(unit) and _split_unit(unit or "")[1] == "元"


@lru_cache(maxsize=1024)  # a few units, met in every number cell that states or converts one
def _unit_factor(source: str, target: str) -> Decimal | None:
    """What one `source` is in `target`, or None. `万` alone means 万元 in a money column."""
    if source == target:
        return Decimal(1)
    fs, bs = _split_unit(source)
    ft, bt = _split_unit(target)
    if bs == "" and bt == "元":
        bs = "元"
    countable = {"", *COUNTERS}
    same = bs == bt or (bs == "" and bt != "%") or (bs in countable and bt in countable)
    return Decimal(fs) / Decimal(ft) if same else None


def _unit_mismatch(raw: Any, written: str, target: str | None, noun: str) -> str:
    if written == "%":
        return f"“{_show(raw)}”是百分数，本栏单位是{target or '数'}，请填写{noun}"
    where = f"本栏单位“{target}”" if target else "本栏（不带单位）"
    return f"“{_show(raw)}”中的单位“{written}”无法换算为{where}，请只填写数字"


def _not_a_number_but_date(raw: date | time, noun: str) -> str:
    if isinstance(raw, time):
        return f"单元格是时刻（{raw.isoformat()}），不是{noun}，请填写数字"
    day = raw.date() if isinstance(raw, datetime) else raw
    serial = (day - EXCEL_EPOCH).days
    return (f"单元格是日期（{day.isoformat()}），不是{noun}；若本应是数字 {serial}，"
            "请把单元格格式改为“常规”后重新填写")


# ---------------------------------------------------------------- dates

_DATE_HINT = {"year": "2020年 或 2020", "month": "2020年7月 或 2020-07",
              "day": "2020年7月1日 或 2020-07-01"}
_TIME_OF_DAY = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_CN_DATE_RUN = re.compile(r"[〇零一二两三四五六七八九十]+")
_DATE_FORMS = (
    ("day", re.compile(r"(\d{4})(\d{2})(\d{2})")),
    ("month", re.compile(r"(\d{4})(\d{2})")),
    ("year", re.compile(r"(\d{4})(?:年度?)?(?P<q>底|末|初)?")),
    ("day", re.compile(r"(\d{4})(?:年|[./-])(\d{1,2})(?:月|[./-])(\d{1,2})[日号]?")),
    ("month", re.compile(r"(\d{4})(?:年|[./-])(\d{1,2})月?份?(?P<q>初|中|底|末|上旬|中旬|下旬)?")),
)


def _date(field: Field, raw: Any) -> Parsed:
    precision = field.precision or "day"
    hint = _DATE_HINT.get(precision, _DATE_HINT["day"])
    if isinstance(raw, bool):
        return Parsed(None, f"单元格是逻辑值（{_show(raw)}），不是日期，请写作 {hint}")
    if isinstance(raw, time):
        return Parsed(None, f"单元格是时刻（{raw.isoformat()}），不是日期，请写作 {hint}")
    if isinstance(raw, date):
        return _real_date(raw, precision, hint, None)
    if isinstance(raw, (int, float)):
        return _date_number(raw, precision, hint)
    if not isinstance(raw, str):
        return Parsed(None, f"无法识别的日期“{_show(raw)}”，请写作 {hint}")
    if is_blank(raw):
        return Parsed(None, None)
    text = _TIME_OF_DAY.sub("", to_halfwidth(unicodedata.normalize("NFKC", raw)).strip())
    text = _CN_DATE_RUN.sub(lambda m: str(_chinese_int(m.group()) or m.group()), re.sub(r"\s+", "", text))
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        day = excel_serial_date(float(text))
        if day is not None:
            return _real_date(day, precision, hint, f"Excel 日期序号 {text} 读作 {day.isoformat()}")
    for kind, pattern in _DATE_FORMS:
        m = pattern.fullmatch(text)
        if m:
            parts = [int(g) for g in m.groups()[:{"year": 1, "month": 2, "day": 3}[kind]]]
            qualifier = m.groupdict().get("q")
            note = f"“{_show(raw)}”按{'年份' if kind == 'year' else '月份'}读取" if qualifier else None
            return _calendar(parts, raw, hint, note)
    return Parsed(None, f"无法识别的日期“{_show(raw)}”，请写作 {hint}")


def _calendar(parts: list[int], raw: Any, hint: str, note: str | None) -> Parsed:
    """Check year, month, day as written and give ISO text of the same precision."""
    year = parts[0]
    reason = None
    if not YEAR_MIN <= year <= YEAR_MAX:
        reason = f"年份 {year} 不合理"
    elif len(parts) > 1 and not 1 <= parts[1] <= 12:
        reason = f"没有{parts[1]}月"
    elif len(parts) > 2:
        try:
            date(year, parts[1], parts[2])
        except ValueError:
            reason = f"{year}年{parts[1]}月没有{parts[2]}日"
    if reason:
        return Parsed(None, f"日期“{_show(raw)}”无效（{reason}），请写作 {hint}")
    return Parsed("-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])]), None, note)


def _real_date(day: date, precision: str, hint: str, note: str | None) -> Parsed:
    keep = {"year": 1, "month": 2}.get(precision, 3)
    return _calendar([day.year, day.month, day.day][:keep], day, hint, note)


def _date_number(raw: float, precision: str, hint: str) -> Parsed:
    if isinstance(raw, float) and not math.isfinite(raw):
        return Parsed(None, f"单元格的数值无效（{raw!r}），请写作 {hint}")
    shown = _show(raw)
    if isinstance(raw, int) or raw.is_integer():
        n = int(raw)
        if YEAR_MIN <= n <= YEAR_MAX:
            return _calendar([n], raw, hint, None)
        digits = str(n)
        if len(digits) in (6, 8):  # 202007, 20200701 typed into a General cell
            return _calendar([int(digits[:4]), int(digits[4:6]), *([int(digits[6:])] if len(digits) == 8 else [])],
                             raw, hint, None)
    elif YEAR_MIN <= raw < YEAR_MAX + 1:
        # `2020.07` typed into a General cell became the number 2020.07; 2020.1 was 2020.1 or 2020.10.
        year, _, month = shown.partition(".")
        if month == "1":
            return Parsed(None, f"“{shown}”被 Excel 存成了数字，分不清是{year}年1月还是{year}年10月，请写作 {hint}")
        if len(month) <= 2:
            parsed = _calendar([int(year), int(month)], raw, hint, None)
            if parsed.problem is None:
                return Parsed(parsed.value, None, f"Excel 把 {shown} 存成了数字，读作 {parsed.value}")
            return parsed
    day = excel_serial_date(raw)
    if day is not None:
        return _real_date(day, precision, hint, f"Excel 日期序号 {shown} 读作 {day.isoformat()}")
    return Parsed(None, f"无法识别的日期“{shown}”，请写作 {hint}")


# ---------------------------------------------------------------- 是/否

_TRUE = frozenset({"是", "是的", "√", "✓", "✔", "☑", "y", "yes", "true", "1", "1.0", "对",
                   "完成", "已完成", "已落实", "落实", "已编制", "编制完成"})
_FALSE = frozenset({"否", "不是", "不", "×", "✗", "✘", "☐", "□", "n", "no", "false", "0", "0.0",
                    "未完成", "未落实", "未编制", "没有", "未"})
_NEGATION = re.compile(r"未|没|不|无|否|尚")
_NEGATIVE_PREFIX = re.compile(r"(?:尚未|暂未|还未|还没有?|没有|没|未)")
_YESNO_HINT = "请填写“是”或“否”"


def _bool(raw: Any) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(raw, None)
    if isinstance(raw, (int, float)):
        if raw in (0, 1):
            return Parsed(bool(raw), None)
        return Parsed(None, f"数值 {_show(raw)} 不能读作是或否，{_YESNO_HINT}")
    if not isinstance(raw, str):
        return Parsed(None, f"单元格“{_show(raw)}”不能读作是或否，{_YESNO_HINT}")
    text = clean(raw).casefold().rstrip("。.!！")
    if text in _AMBIGUOUS_YESNO:
        return Parsed(None, f"“{_show(raw)}”无法判断是或否（如“近三年无重大事故”一栏，“有”指有事故，即“否”），{_YESNO_HINT}")
    if is_blank(raw):
        return Parsed(None, None)
    if text in _TRUE:
        return Parsed(True, None)
    if text in _FALSE:
        return Parsed(False, None)
    # 已… / 未… in general (`已开展`, `尚未编制`), but only when nothing in the rest contradicts it:
    # `已申请未批复` stays a problem.
    if text.startswith("已") and not _NEGATION.search(text[1:]):
        return Parsed(True, None, f"“{_show(raw)}”读作“是”")
    m = _NEGATIVE_PREFIX.match(text)
    if m and "已" not in text and not _NEGATION.search(text[m.end():]):
        return Parsed(False, None, f"“{_show(raw)}”读作“否”")
    return Parsed(None, f"无法识别的是/否“{_show(raw)}”，{_YESNO_HINT}")


# ---------------------------------------------------------------- options

_OPEN, _CLOSE = "([【〔<《「『", ")]】〕>》」』"
_STEM_SUFFIX = re.compile(r"(?:类项目|项目类|项目|类)$")
_CHECKED, _UNCHECKED = "☑☒✓✔√■▣", "□☐○◻▢"
_MARKED = re.compile(f"([{_CHECKED}{_UNCHECKED}])([^{_CHECKED}{_UNCHECKED}]*)")
BOX_MARKS = _CHECKED + _UNCHECKED  # every mark that starts an option of a □ list
TICKS = _CHECKED  # the marks that tick one
_ITEM_SEP = re.compile(r"([、,，;；/／\s]+)")


def _choice_key(text: str) -> str:
    k = clean(text).casefold().strip("。.;；,，、:：")
    while len(k) > 1 and k[0] in _OPEN and k[-1] in _CLOSE:
        k = k[1:-1]
    return k


def _match(field: Field, text: str) -> str | None:
    """The canonical option `text` names: exact, an alias, or unambiguously up to a 项目/类 suffix."""
    key = _choice_key(text)
    if not key:
        return None
    stems: dict[str, set[str]] = {}
    for choice in field.choices:
        for name in (choice.value, *choice.aliases):
            if _choice_key(name) == key:
                return choice.value
            stems.setdefault(_STEM_SUFFIX.sub("", _choice_key(name)), set()).add(choice.value)
    stem = _STEM_SUFFIX.sub("", key)
    found = stems.get(stem, set()) if stem else set()
    return next(iter(found)) if len(found) == 1 else None


def _option_text(raw: Any) -> str | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        return _show(raw) if math.isfinite(raw) else None
    if isinstance(raw, (int, str)):
        return str(raw)
    if isinstance(raw, (date, time)):
        return raw.isoformat()
    return None


def box_options(text: str) -> list[tuple[bool, str]] | None:
    """Every option of a □ list and whether it is ticked: `□谋划项目 ☑新开工项目` ->
    [(False, "谋划项目"), (True, "新开工项目")]; None when the text has no check boxes.
    A tick typed into the box (`□√新开工项目`) ticks the option that follows it; a tick typed
    right after an option's text, with no space (`□新开工项目√`), ticks that option."""
    if not any(c in _CHECKED + _UNCHECKED for c in text):
        return None
    items: list[tuple[bool, str]] = []
    touching = False  # the previous option's text runs right up to this mark
    for mark, raw in _MARKED.findall(text):
        label = raw.strip(" \t\r\n、,，;；/")
        if not is_blank(label):
            items.append((mark in _CHECKED, label))
        elif mark in _CHECKED and touching and items:
            items[-1] = (True, items[-1][1])  # `□研发设计协同√`: the tick typed right after the option
        touching = bool(label) and raw == raw.rstrip()
    return items


def _checked_items(text: str) -> list[str] | None:
    """`□谋划项目 ☑新开工项目` -> ["新开工项目"]; None when the text has no check boxes."""
    options = box_options(text)
    return None if options is None else [label for checked, label in options if checked]


def _option_clean(text: str) -> str:
    # NFKC once more: `clean` normalises before dropping spaces, so `K ̧` only composes on a
    # second pass, and a value read back from a 汇总表 must come out the same.
    return unicodedata.normalize("NFKC", clean(text))


def _alias_note(pairs: Iterable[tuple[str, str]]) -> str | None:
    notes = [f"“{written}”按“{value}”读取" for written, value in pairs if clean(written) != clean(value)]
    return "；".join(notes) or None


def _choice(field: Field, raw: Any) -> Parsed:
    text = _option_text(raw)
    if text is None:
        return Parsed(None, f"单元格“{_show(raw)}”不是选项，请从下拉列表中选择")
    if is_blank(text):
        return Parsed(None, None)
    checked = _checked_items(text)
    if checked is not None:
        if not checked:
            return Parsed(None, None, "选项均未勾选")
        if len(checked) > 1:
            return Parsed(None, f"“{_show(raw)}”勾选了多项（{'、'.join(checked)}），本栏只能选一项")
        text = checked[0]
    value = _match(field, text)
    if value is None:
        return Parsed(_option_clean(text), None)  # the schema's enum check lists the options
    return Parsed(value, None, _alias_note([(text.strip(), value)]))


def _multichoice(field: Field, raw: Any) -> Parsed:
    if isinstance(raw, (list, tuple)):
        texts = [_option_text(r) for r in raw if r is not None]
        if None in texts:
            return Parsed(None, f"“{_show(raw)}”中有不是选项的值，请填写选项，多项用“、”分隔")
        items = [t for t in texts if t and not is_blank(t)]
    else:
        text = _option_text(raw)
        if text is None:
            return Parsed(None, f"单元格“{_show(raw)}”不是选项，请填写选项，多项用“、”分隔")
        if is_blank(text):
            return Parsed(None, None)
        checked = _checked_items(text)
        items = checked if checked is not None else _split_items(field, text)
    values: list[str] = []
    used: list[tuple[str, str]] = []
    for item in items:
        value = _match(field, item)
        if value is None:
            value = _option_clean(item)
        else:
            used.append((item.strip(), value))
        if value and value not in values:
            values.append(value)
    return Parsed(values or None, None, _alias_note(used))


def _split_items(field: Field, text: str) -> list[str]:
    """Split on 、,;/ and spaces, but keep together fragments that name one option
    (an option or alias may itself hold a space or a slash)."""
    parts = _ITEM_SEP.split(text.strip())
    frags = parts[0::2]
    items: list[str] = []
    i = 0
    while i < len(frags):
        for j in range(min(len(frags), i + 6), i, -1):
            candidate = "".join(parts[2 * i: 2 * j - 1])
            if j == i + 1 or _match(field, candidate) is not None:
                items.append(candidate)
                i = j
                break
    return [item for item in items if not is_blank(item)]


# ---------------------------------------------------------------- codes and text

_LOST_DIGITS = "代码被 Excel 存成了数字，末几位已丢失（现为 {}），请把该列设为文本格式后重新填写"
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?e\+?\d+", re.IGNORECASE)


def _code(field: Field, raw: Any) -> Parsed:
    """Codes and phone numbers: digits as text, separators a clerk types removed."""
    fmt = field.format
    noun = "号码" if fmt and "phone" in fmt else "代码"
    if isinstance(raw, bool) or isinstance(raw, (date, time)):
        return Parsed(None, f"单元格“{_show(raw)}”不是{noun}，请重新填写")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed(None, f"单元格的数值无效（{raw!r}），请重新填写")
        if abs(raw) >= 1e15:
            return Parsed(None, _LOST_DIGITS.format(str(int(raw)) if abs(raw) < 1e30 else _show(raw)))
        if raw < 0 or (isinstance(raw, float) and not raw.is_integer()):
            return Parsed(None, f"“{_show(raw)}”是负数或带小数的数字，不是{noun}，请以文本格式重新填写")
        digits = str(int(raw))
        phone = fmt in ("phone", "fixed-phone") and not MOBILE_RE.match(digits)
        if (phone and FIXED_RE.match("0" + digits)) or (fmt == "postcode" and len(digits) < 6):
            return Parsed(None, f"号码被 Excel 存成了数字，开头的 0 已丢失（现为 {digits}），请把该列设为文本格式后重新填写")
        return Parsed(digits, None)
    if not isinstance(raw, str):
        return Parsed(None, f"无法识别的单元格“{_show(raw)}”")
    if raw.isascii() and raw.isalnum():  # a credit code, digits: `is_blank` and the width fold change nothing
        if raw.casefold() in BLANK_MARKERS:
            return Parsed(None, None)
        text = raw
    elif is_blank(raw):
        return Parsed(None, None)
    else:
        text = to_halfwidth(raw).strip().lstrip("'‘’")  # a leading ' forces text in Excel; CSV keeps it
    if _SCIENTIFIC.fullmatch(text):
        return Parsed(None, _LOST_DIGITS.format(text))
    if fmt in ("phone", "fixed-phone"):
        return Parsed(_phone_text(text) or None, None)
    if fmt == "email":
        return Parsed(re.sub(r"\s+", "", text) or None, None)
    return Parsed(compact(text) or None, None)


_PLAIN_PHONE = re.compile(r"[0-9-]*")


def code_text(raw: str, fmt: str | None) -> str | None:
    """The commonest code cell, as `_code` reads it: a credit code or a number typed as ASCII
    letters and digits (and a phone of digits and dashes), which no separator, width fold or
    blank marker touches. None when `_code` must read it (tests/test_values.py holds the two equal)."""
    phone = fmt in ("phone", "fixed-phone")
    if raw.isascii() and raw.isalnum():
        if raw.casefold() in BLANK_MARKERS or _SCIENTIFIC.fullmatch(raw):
            return None
        if phone:
            return raw if raw.isdigit() else None
        return raw if fmt == "email" else raw.upper()
    if phone and _PLAIN_PHONE.fullmatch(raw) and any(c.isdigit() for c in raw):
        return raw  # 0431-88905678: not blank (it has a digit), and _phone_text keeps it as it is
    return None


def _phone_text(text: str) -> str:
    """Keep the 区号 dash and the separators between several numbers; drop other spacing."""
    if _PLAIN_PHONE.fullmatch(text):
        return text  # digits and ASCII dashes only: none of the rewrites below applies
    s = re.sub(r"[—–－﹣‐‑−]", "-", text)
    s = re.sub(r"\((0\d{2,3})\)\s*", r"\1-", s)  # (0431)88905678
    s = re.sub(r"\s*-\s*", "-", s)
    s = re.sub(r"\s*(?:转|分机|ext\.?)\s*(\d{1,6})", r"-\1", s, flags=re.IGNORECASE)
    s = re.sub(r"(?<!\d)(0\d{2,3})\s+(\d{7,8})(?!\d)", r"\1-\2", s)  # 0431 88905678
    s = re.sub(r"(-\d{3,4})\s(\d{4})(?!\d)", r"\1\2", s)  # 0431-8890 5678
    s = re.sub(r"(?<!\d)(1\d{2})[\s-](\d{4})[\s-](\d{4})(?!\d)", r"\1\2\3", s)  # 139 1234 5678
    s = re.sub(r"(?<![\d+])(?:\+86|0086|86)[\s-]*(?=1[3-9]\d{9}(?!\d))", "+86", s)  # 86-139…, +86 139…
    s = re.sub(r"\s*([、,;/])\s*", r"\1", s)
    return re.sub(r"\s+", "、", s)  # spaces left are between numbers


def plain_text(raw: str) -> str | None:
    """The commonest text cell, as `_text` reads it: trimmed, when it starts with a 汉字 or a
    letter (so it is no run of dashes); None when `_text`'s general path must read it."""
    text = raw.replace("\r\n", "\n").strip()
    if text and ("\u4e00" <= text[0] <= "\u9fff" or (text[0].isascii() and text[0].isalnum())):
        return text
    return None


def _text(raw: Any) -> Parsed:
    """Plain text as written. `=1+1` or `-主体工程` is data (a county's words), never a formula."""
    if isinstance(raw, str):
        plain = plain_text(raw)
        if plain is not None:
            return Parsed(plain, None)
        text = raw.replace("\r\n", "\n").strip()
        if not text or _DASH_RUN.fullmatch(clean(text)):
            return Parsed(None, None)
        return Parsed(text, None)
    if isinstance(raw, float) and not math.isfinite(raw):
        return Parsed(None, f"单元格的数值无效（{raw!r}），请重新填写")
    return Parsed(_show(raw, limit=None), None)


def _show(raw: Any, limit: int | None = 40) -> str:
    """A cell's value as the clerk sees it, for messages: 44013.0 shows as 44013."""
    if isinstance(raw, bool):
        text = "TRUE" if raw else "FALSE"
    elif isinstance(raw, int) and raw.bit_length() > 10_000:
        text = "（位数极多的整数）"  # str() of an int past 4300 digits raises in Python 3.11+
    elif isinstance(raw, float):
        text = str(int(raw)) if raw.is_integer() and abs(raw) < 1e15 else repr(raw)
    elif isinstance(raw, datetime):
        text = raw.date().isoformat() if raw.time() == time() else raw.isoformat(sep=" ")
    elif isinstance(raw, (date, time)):
        text = raw.isoformat()
    else:
        text = str(raw).strip()
    return text if limit is None or len(text) <= limit else text[:limit] + "…"
