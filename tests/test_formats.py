"""Identifier checks against published codes and hand-made bad ones."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit import formats
from toolkit.packs.examples import make_idcard, make_uscc

# Codes printed on real business licences (public registry entries).
KNOWN_USCC = [
    "91110108551385082Q",  # 北京百度网讯科技有限公司
    "91350100M000100Y43",
    "911100001000080343",
    "91440300708461136T",  # 华为技术有限公司
]


@pytest.mark.parametrize("code", KNOWN_USCC)
def test_published_credit_codes_pass(code: str) -> None:
    assert formats.check_uscc(code) is None
    assert formats.check_uscc_org_code(code) is None


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        ("91110108551385082R", "校验位不符（第18位应为 Q"),
        ("9111010855138508", "应为18位，现为16位"),
        ("91110108551385O82Q", "不允许的字符"),  # letter O
        ("91AB0108551385082Q", "行政区划代码"),  # characters 3-8 must be a division code
    ],
)
def test_bad_credit_codes_say_why(code: str, needle: str) -> None:
    reason = formats.check_uscc(code)
    assert reason is not None and needle in reason


def test_credit_code_kind_and_region() -> None:
    code = make_uscc(random.Random(3), region="220104", kind="92")
    assert formats.check_uscc(code) is None
    assert formats.uscc_region(code) == "220104"
    assert code[:2] in formats.USCC_NOT_LEGAL_PERSON


def test_embedded_organisation_code_is_checked() -> None:
    good = make_uscc(random.Random(5))
    body = good[8:16]
    wrong = "0" if good[16] != "0" else "1"
    first17 = good[:16] + wrong
    bad = first17 + formats.uscc_check_char(first17)  # the final check character is right ...
    reason = formats.check_uscc(bad)  # ... but the embedded organisation code's is not
    assert reason is not None and "组织机构代码" in reason and formats.org_code_check_char(body) in reason


def test_id_card_published_example() -> None:
    assert formats.check_idcard("11010519491231002X") is None  # the GB 11643-1999 example
    assert "校验位不符" in (formats.check_idcard("110105194912310021") or "")
    assert "出生日期" in (formats.check_idcard("11010519491331002X") or "")
    assert "出生日期" in (formats.check_idcard("110105" + "20990101" + "0010", today=date(2026, 1, 1)) or "")
    assert "省级" in (formats.check_idcard("99010519491231002X") or "")


@given(st.integers(min_value=0, max_value=10_000))
def test_generated_codes_always_valid(seed: int) -> None:
    rng = random.Random(seed)
    assert formats.check_uscc(make_uscc(rng)) is None
    assert formats.check_uscc_org_code(make_uscc(rng)) is None
    assert formats.check_idcard(make_idcard(rng)) is None


@given(st.text(max_size=30))
def test_checks_never_raise(text: str) -> None:
    for check in formats.CHECKS.values():
        result = check(text)
        assert result is None or isinstance(result, str)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("13904310000", True), ("+8613904310000", True), ("0431-88905678", True),
        ("043188905678", True), ("010-62345678-123", True), ("400-810-8888", True),
        ("13904310000、0431-88905678", True), ("12345", False), ("1390431000", False),
        ("0431-1234", False),
        # local 8-digit fixed lines and mobiles with China's country code (issue 18)
        ("88881234", True), ("8888123", True), ("88881234-123", True), ("+86 13904310000", True),
        ("86-13904310000", True), ("8613904310000", True), ("008613904310000", True),
        ("18881234", False), ("0888123", False), ("86-1390431000", False), ("+85 13904310000", False),
    ],
)
def test_phone_numbers(value: str, ok: bool) -> None:
    assert (formats.check_phone(value) is None) is ok


def test_mobile_and_fixed_are_distinct() -> None:
    assert formats.check_mobile("0431-88905678") is not None
    assert formats.check_fixed_phone("13904310000") is not None


@pytest.mark.parametrize(("value", "ok"), [("130000", True), ("210008", True), ("13000", False), ("930000", False)])
def test_postcode(value: str, ok: bool) -> None:
    assert (formats.check_postcode(value) is None) is ok


@pytest.mark.parametrize(("value", "ok"), [("a.b@example.com", True), ("a@b", False), ("张三@qq.com", False)])
def test_email(value: str, ok: bool) -> None:
    assert (formats.check_email(value) is None) is ok


def test_halfwidth_and_compact() -> None:
    assert formats.to_halfwidth("１２００（万元）") == "1200(万元)"
    assert formats.compact(" 9111 0108-5513 85082q ") == "91110108551385082Q"


_PHONE_TEXT = st.one_of(
    st.text(alphabet="0123456789１２３-+ 、,;/\n", max_size=20),
    st.builds(lambda a, b: a + b, st.sampled_from(["", "0", "01", "00", "86", "+86", "1", "13", "0431-", "400-", "１"]),
              st.text(alphabet="0123456789-", max_size=14)),
    st.sampled_from(["13912345678", "0431-88905678", "043188905678", "0431-88905678-123", "1391234567８",
                     "13912345678\n", " 13912345678", "12912345678", "0431-18905678", "0431-8890567",
                     "13912345678、0431-88905678", "+8613912345678", "88905678", "400-123-4567"]))


@given(_PHONE_TEXT)
def test_a_plain_phone_taken_at_once_agrees_with_the_parts_checked_one_by_one(text: str) -> None:
    assert formats.check_phone(text) == formats.check_phone_parts(text)
