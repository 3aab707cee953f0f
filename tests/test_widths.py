"""Text widths and row heights (toolkit/template/styles.py): the fast `display_width` and the
short-cut in `lines_needed` give exactly what counting with `unicodedata` per character gives."""

from __future__ import annotations

import math
import random
import sys
import unicodedata
from collections.abc import Iterator

import pytest

from toolkit.template import styles
from toolkit.template.styles import display_width, fitted_height, lines_needed


def reference_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def reference_lines(text: str, width: float) -> int:
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(reference_width(part) / usable)) for part in text.split("\n"))


@pytest.fixture
def fresh_table() -> Iterator[None]:
    """The width table fills as characters are met; leave it as small as a real run finds it."""
    styles._WIDE.clear()
    yield
    styles._WIDE.clear()


@pytest.mark.usefixtures("fresh_table")
def test_display_width_matches_unicodedata_for_every_code_point() -> None:
    wrong = [hex(c) for c in range(sys.maxunicode + 1) if display_width(chr(c)) != reference_width(chr(c))]
    assert wrong == []


@pytest.mark.usefixtures("fresh_table")
def test_the_width_table_stays_bounded() -> None:
    text = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 2 * styles._WIDE_LIMIT))
    assert display_width(text) == reference_width(text)
    assert len(styles._WIDE) <= styles._WIDE_LIMIT


@pytest.mark.parametrize("text", [
    "", "abc", "长春市朝阳区人工智能产业园建设项目（一期）", "91220101MA0Y5X7K3Q", "“智能终端”—…·²½①",
    "ｆｕｌｌ　ｗｉｄｔｈ ﾊﾝｶｸ", "𠀀𪚥 astral 😀", "mixed 中文 and\nnew 行\n\n", "\ud800 lone surrogate",
])
def test_display_width_of_mixed_text(text: str) -> None:
    assert display_width(text) == reference_width(text)


def test_lines_needed_matches_counting_every_character() -> None:
    rng = random.Random(761)
    alphabet = "ab1 .，。、（）“”—中文项目建设长春\n😀ｆ"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        width = rng.choice([1, 1.5, 2, 6, 8, 9.5, 12, 14, 16, 22, 30, 60])
        assert lines_needed(text, width) == reference_lines(text, width), (text, width)


def test_fitted_height() -> None:
    assert fitted_height([]) == 20
    assert fitted_height([("短", 14), ("", 2)]) == 20
    assert fitted_height([("一二三四五六七", 14)]) == 2 * styles.POINTS_PER_LINE + 4
    assert fitted_height([("a\nb\nc", 30)], minimum=15) == 3 * styles.POINTS_PER_LINE + 4
