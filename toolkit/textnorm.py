"""Text normalisation shared by header mapping, choice matching and duplicate detection, and the
parts of a project name as linking (validate/projects.py) and dedupe (merge/dedupe.py) compare it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from toolkit.formats import to_halfwidth

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_BRACKETS = re.compile(r"[()\[\]【】〔〕<>《》「」]")
_PREFIX = re.compile(r"^(其中|含|包括)[:：]?")
_PUNCT = re.compile(r"[:：,，、.。;；'\"“”‘’*＊_\-—/\\]")
# A unit written in a header: `（万元）`, `(亿元)`, `单位：元`.
UNIT_IN_HEADER = re.compile(r"[（(]\s*(万元|亿元|元|千元)\s*[）)]|单位[:：]\s*(万元|亿元|元|千元)")


def clean(text: object) -> str:
    """NFKC-normalised, trimmed text with inner runs of white space folded to nothing."""
    if text is None:
        return ""
    return _clean(text if isinstance(text, str) else str(text))


@lru_cache(maxsize=1 << 16)  # headers, choices and units repeat across every file of a batch
def _clean(text: str) -> str:
    # Spaces go before and after NFKC: a letter and its combining mark split by a space would
    # otherwise only merge on a second pass, and clean() must give the same result twice.
    folded = _SPACES.sub("", to_halfwidth(text))
    return _SPACES.sub("", unicodedata.normalize("NFKC", folded))


def header_key(text: object) -> str:
    """The form in which a header is compared with a field's title and aliases.

    `其中：大数据存储、分析和应用投资（万元）` -> `大数据存储分析和应用投资`: width, spaces, brackets,
    punctuation, a leading `其中：` and the unit are set aside (the unit is read separately).
    """
    return _header_key(clean(text))


@lru_cache(maxsize=1 << 14)
def _header_key(s: str) -> str:
    s = UNIT_IN_HEADER.sub("", s)
    s = _PREFIX.sub("", s)
    s = _BRACKETS.sub("", s)
    s = _PUNCT.sub("", s)
    return s.lower()


def header_unit(text: object) -> str | None:
    match = UNIT_IN_HEADER.search(clean(text))
    if not match:
        return None
    return match.group(1) or match.group(2)


# Project names: compared by their core, once brackets, the way a phase is written and the words
# 项目/工程/建设 are set aside; two names at least FUZZY_THRESHOLD alike (rapidfuzz ratio) are near.
FUZZY_THRESHOLD = 90.0
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
PHASE_RE = re.compile(r"第?([一二两三四五六七八九十\d]+)(期|阶段)")
PLACE_RE = re.compile(r"^((?:[\u4e00-\u9fa5]{1,7}?(?:省|自治区|市|自治州|州|地区|盟|县|自治县|区|旗|新区|管委会))+)")
NOISE_WORDS = re.compile(r"项目|工程|建设")
NAME_PUNCT = re.compile(r"[()（）\[\]【】〔〕<>《》“”\"'‘’·、，,。.\-—_\s]")



def _phase_number(text: str) -> int:
    return int(text) if text.isdigit() else _CN_DIGITS.get(text, sum(_CN_DIGITS.get(c, 0) for c in text))


@dataclass(frozen=True)
class NameParts:
    exact: str  # width/space normalised full name
    core: str  # without brackets, phases and 项目/工程/建设
    phases: frozenset[int]
    place: str


def name_parts(name: Any) -> NameParts:
    text = clean(name)
    # PHASE_RE needs 期 or 阶段, which few names hold: the others skip its two passes.
    phased = "期" in text or "阶段" in text
    phases = frozenset(_phase_number(m.group(1)) for m in PHASE_RE.finditer(text)) if phased else frozenset()
    place_match = PLACE_RE.match(text)
    place = place_match.group(1) if place_match else ""
    core = PHASE_RE.sub("", text) if phased else text
    core = NAME_PUNCT.sub("", core)
    core = NOISE_WORDS.sub("", core)
    return NameParts(text, core, phases, place)
