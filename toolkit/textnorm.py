"""Text normalisation shared by header mapping, choice matching and duplicate detection."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
