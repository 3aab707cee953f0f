"""Checks of Chinese identifiers and contact numbers, used as JSON Schema formats.

Each check takes the normalised text (half-width, no spaces) and returns None when the value is
good, or a Chinese reason when it is not, so a message can say *why* a code is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

# GB 32100-2015 统一社会信用代码: the code's own alphabet (no I, O, S, V, Z) and weights.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")
# 登记管理部门代码 (first character) and what the first two characters say of the entity.
USCC_KINDS: dict[str, str] = {
    "11": "机关", "12": "事业单位", "13": "中央编办直接管理机构编制的群众团体", "19": "其他机构编制",
    "21": "外国常驻新闻机构", "29": "其他外交", "31": "司法行政（律师执业机构）",
    "41": "文化（外国在华文化中心）", "51": "社会团体", "52": "民办非企业单位", "53": "基金会",
    "59": "其他民政", "61": "旅游（外国旅游部门常驻代表机构）", "71": "宗教活动场所",
    "81": "工会", "91": "企业", "92": "个体工商户", "93": "农民专业合作社",
    "A1": "军队", "N1": "农村集体经济组织", "Y1": "其他",
}
# Entities that are not 独立法人 (an independent legal person).
USCC_NOT_LEGAL_PERSON = frozenset({"92"})

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")

# Province-level division codes (GB/T 2260), the first two digits of any division code.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# China's country code before a mobile number: +86, 86, 0086 (`+86 139…`, `86-139…`).
COUNTRY_CODE = re.compile(r"^(?:\+86|0086|86)(?=1[3-9]\d{9}$)")
# 区号 0xx or 0xxx, then a 7-8 digit number, an optional extension; 400/800 service numbers.
FIXED_RE = re.compile(r"^(0\d{2,3})-?([2-9]\d{6,7})(-\d{1,6})?$|^[48]00-?\d{3}-?\d{4}$")
# A local fixed line written without its 区号 (`88881234`): the unit's own city is implied.
LOCAL_FIXED_RE = re.compile(r"^[2-9]\d{6,7}(-\d{1,6})?$")
POSTCODE_RE = re.compile(r"^[0-8]\d{5}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")

_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (`１２００`, `（`) to half-width."""
    return text.translate(_FULLWIDTH)


def compact(text: str) -> str:
    """Half-width, upper case, without spaces or separators a clerk types into codes."""
    return re.sub(r"[\s\-－—_]", "", to_halfwidth(text)).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 组织机构代码 check character of the 8-character body."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(first8, weights, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_uscc(code: str) -> str | None:
    if len(code) != 18:
        return f"统一社会信用代码应为18位，现为{len(code)}位"
    if not USCC_RE.match(code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z），或第3-8位不是行政区划代码"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位不符（第18位应为 {expected}，现为 {code[17]}）"
    if code[:2] not in USCC_KINDS:
        return f"统一社会信用代码前两位 {code[:2]} 不是已知的登记管理部门和机构类别"
    # Characters 9-17 are the GB 11714 organisation code, with a check digit of its own: a code
    # whose last character was recomputed over a mistyped body passes the first check, not this one.
    return check_uscc_org_code(code)


def check_uscc_org_code(code: str) -> str | None:
    """The embedded 组织机构代码 (characters 9-17) carries its own check digit."""
    body = code[8:16]
    if not re.fullmatch(r"[0-9A-Z]{8}", body):
        return "统一社会信用代码第9-16位不是有效的组织机构代码"
    expected = org_code_check_char(body)
    if code[16] != expected:
        return f"统一社会信用代码中组织机构代码的校验位不符（第17位应为 {expected}，现为 {code[16]}）"
    return None


def uscc_region(code: str) -> str:
    """Characters 3-8: the registering authority's division code (`22xxxx` is 吉林)."""
    return code[2:8]


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def check_idcard(code: str, today: date | None = None) -> str | None:
    if len(code) != 18:
        return f"身份证号码应为18位，现为{len(code)}位"
    if not ID_RE.match(code):
        return "身份证号码前17位应为数字，第18位为数字或 X"
    if code[:2] not in PROVINCE_CODES:
        return f"身份证号码前两位 {code[:2]} 不是有效的省级行政区划代码"
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return f"身份证号码中的出生日期 {code[6:14]} 不是有效日期"
    if born.year < 1900 or born > (today or date.today()):
        return f"身份证号码中的出生日期 {code[6:14]} 不合理"
    expected = id_check_char(code[:17])
    if code[17] != expected:
        return f"身份证号码校验位不符（第18位应为 {expected}，现为 {code[17]}）"
    return None


def check_mobile(text: str) -> str | None:
    number = COUNTRY_CODE.sub("", text.replace(" ", "").replace("-", ""), count=1)
    if MOBILE_RE.match(number):
        return None
    return "手机号码应为以1开头的11位数字"


def check_fixed_phone(text: str) -> str | None:
    if FIXED_RE.match(text) or LOCAL_FIXED_RE.match(text):
        return None
    return "固定电话应写作“区号-号码”，如 0431-88905678"


# One number as most are written (`13912345678`, `0431-88905678`), ASCII digits only: a text it
# matches whole is a good mobile or fixed line for check_mobile or check_fixed_phone too, so
# check_phone says so at once; any other text is split and checked part by part.
_PLAIN_PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[2-9][0-9]{6,7}(?:-[0-9]{1,6})?")
_PHONE_SEPARATORS = re.compile(r"[、,，;；/]")


def check_phone(text: str) -> str | None:
    """A mobile or a fixed-line number; several separated by 、 or ; are each checked."""
    if _PLAIN_PHONE.fullmatch(text):
        return None
    return check_phone_parts(text)


def check_phone_parts(text: str) -> str | None:
    """check_phone the general way: each part alone, as a mobile, else as a fixed line."""
    for part in _PHONE_SEPARATORS.split(text):
        part = part.strip()
        if check_mobile(part) and check_fixed_phone(part):
            return f"“{part}”不是有效的手机号码或固定电话（固定电话写作 0431-88905678）"
    return None


def check_postcode(text: str) -> str | None:
    return None if POSTCODE_RE.match(text) else "邮政编码应为6位数字"


def check_email(text: str) -> str | None:
    return None if EMAIL_RE.match(text) else "电子邮箱格式不正确"


def check_division_code(text: str) -> str | None:
    if not re.fullmatch(r"\d{6}", text):
        return "行政区划代码应为6位数字"
    if text[:2] not in PROVINCE_CODES:
        return f"行政区划代码前两位 {text[:2]} 不是有效的省级代码"
    return None


# Format name (as used in pack fields and JSON Schemas) -> check.
CHECKS: dict[str, Callable[[str], str | None]] = {
    "uscc": check_uscc,
    "idcard": check_idcard,
    "mobile": check_mobile,
    "fixed-phone": check_fixed_phone,
    "phone": check_phone,
    "postcode": check_postcode,
    "email": check_email,
    "division-code": check_division_code,
}

FORMAT_TITLES: dict[str, str] = {
    "uscc": "统一社会信用代码（18位）",
    "idcard": "居民身份证号码（18位）",
    "mobile": "手机号码（11位）",
    "fixed-phone": "固定电话（区号-号码）",
    "phone": "手机号码或固定电话",
    "postcode": "邮政编码（6位）",
    "email": "电子邮箱",
    "division-code": "行政区划代码（6位）",
}
