"""Named lists of legal entities a pack declares (the carriers who alone may build 5G), and the
CEL functions that read them.

A notice sometimes says *who* may do something ("只有具有相关资质的移动、联通、电信、广电、铁塔公司
可以建设"). Which companies those are is data, so the pack declares them under `identities`:

    "identities": {"carriers": {
        "title": "基础电信企业（中国移动、中国联通、中国电信）、中国广电（吉视传媒）和中国铁塔在吉林的公司及其市、县分公司",
        "names": ["中国移动通信集团吉林有限公司", "中国移动通信集团吉林有限公司{地名}分公司", …],
        "codes": ["91220000…"]}}

A name is a legal name as registered; `{地名}` stands for a place (长春, 长春市, 农安县, 长白山保护开发区,
written with or without brackets), so `…有限公司{地名}分公司` covers every 市/县 branch. Names are
compared after folding width, spaces and bracket shapes (`（长春）分公司` and `(长春)分公司` are one
form), never by substring: 长春移动互联科技有限公司 contains 移动 and is not a carrier. `codes` (a
统一社会信用代码, or the first characters of one) identify a member whatever name it wrote.

Rules read a list through functions bound to their own pack (another campaign declares its own
lists, no code change):
- `listed('carriers', applicant, uscc)` is true when the name (or the code, when the list gives
  codes; `uscc` may be left out or null) is one of the list's members;
- `list_title('carriers')` is the list's title, for a message that says who may do it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from toolkit.textnorm import clean

PLACE = "{地名}"
# A place name inside a legal name: Chinese characters, optionally in brackets. Deliberately
# no digits, letters or punctuation: a branch is named after where it is.
_PLACE_RE = r"\(?[\u4e00-\u9fff]{1,20}\)?"
_BRACKETS = str.maketrans({"（": "(", "）": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "【": "(", "】": ")"})
# A unit that is part of another one's legal person: a branch, not an 独立法人.
_BRANCH = re.compile(r"(分公司|分厂|分行|分店|营业部|办事处|分支机构|代表处)\)?$")


def fold_name(name: object) -> str:
    """A legal name in the one form names are compared in: half width, no spaces, round brackets."""
    return clean(name).translate(_BRACKETS)


def is_branch_name(name: object) -> bool:
    """The name of a 分公司 or other branch (分支机构), which is not an independent legal person.
    A blank is an error, as for every function a rule calls (the rule says what is missing)."""
    if name is None:
        raise TypeError("参数为空")
    return bool(_BRANCH.search(fold_name(name)))


@dataclass(frozen=True)
class NamedList:
    id: str
    title: str
    names: tuple[str, ...]
    codes: tuple[str, ...] = ()

    @property
    def _pattern(self) -> re.Pattern[str]:
        return _compiled(self.names)

    def has_name(self, name: object) -> bool:
        return name is not None and bool(self._pattern.fullmatch(fold_name(name)))

    def has_code(self, code: object) -> bool:
        if code is None or not self.codes:
            return False
        folded = re.sub(r"\s", "", clean(code)).upper()
        return any(folded.startswith(c.upper()) for c in self.codes)

    def has(self, name: object, code: object = None) -> bool:
        return self.has_name(name) or self.has_code(code)


@lru_cache(maxsize=64)
def _compiled(names: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for name in names:
        pieces = [re.escape(fold_name(p)) for p in name.split(PLACE)]
        parts.append(_PLACE_RE.join(pieces))
    return re.compile("|".join(f"(?:{p})" for p in parts) or "(?!)")


def named_lists(raw: Mapping[str, Any]) -> dict[str, NamedList]:
    """The `identities` of a pack.json, by id."""
    return {key: NamedList(key, spec.get("title", key), tuple(spec.get("names", ())), tuple(spec.get("codes", ())))
            for key, spec in raw.items()}


# The functions `pack_functions` gives every pack; pack-check knows them by these names.
PACK_FUNCTION_NAMES = ("listed", "list_title")


class ListFunctions:
    """The CEL functions that read a pack's own named lists. A class, not closures: the pack (and
    so these) is pickled to spawned worker processes. An unknown list id is an error (the rule
    cannot be evaluated), never "not listed": pack-check reports it before any run."""

    def __init__(self, lists: Mapping[str, NamedList]) -> None:
        self.lists = dict(lists)

    def find(self, list_id: str) -> NamedList:
        try:
            return self.lists[str(list_id)]
        except KeyError:
            raise ValueError(f"申报包中没有名单“{list_id}”（identities）") from None

    def listed(self, list_id: str, name: Any, *code: Any) -> bool:
        """`listed('carriers', applicant)` or `listed('carriers', applicant, uscc)`. A blank given
        is an error, as for every function a rule calls: the rule then says what is missing."""
        if name is None or any(c is None for c in code):
            raise TypeError("参数为空")
        return self.find(list_id).has(name, code[0] if code else None)

    def list_title(self, list_id: str) -> str:
        return self.find(list_id).title


def pack_functions(lists: Mapping[str, NamedList]) -> dict[str, Callable[..., Any]]:
    """The CEL functions bound to a pack's named lists, by the names rules call them."""
    functions = ListFunctions(lists)
    return {"listed": functions.listed, "list_title": functions.list_title}
