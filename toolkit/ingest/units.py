"""Who sent a file, and when one file of a sender replaces another.

The sender is read from what the file says (the 填报单位 line, the unit column when every row names
one unit, a form's 统一社会信用代码 or 申报单位); the file name is the last resort, and a template's own
name or a mail client's `(1)` / `副本` says nothing about who sent it.

A file replaces another only on evidence: the same sender, the same annex, and either the newer
name marks a revision (修改、更正、第二版…) or the newer file repeats most of the older one's projects.
Two batches (第一批 / 第二批), files sharing no project, files of different senders: all count. A
replaced file is reported, never added twice; when in doubt both count and dedupe merges exact
duplicates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath

from toolkit.textnorm import clean

REVISION_RE = re.compile(r"[（(【\[]?(修改版|更正版|修订版|修改稿?|修订稿?|更正稿?|更新|最新|重报|补报|第[二三四五2-5]版|v\d+|V\d+|终稿|定稿)[)）】\]]?")
NOISE_RE = re.compile(r"[（(【\[]?(\d{1,4}[年.\-/_]?\d{0,2}[月.\-/_]?\d{0,2}日?|副本|copy|\d)[)）】\]]?$")
SEP_RE = re.compile(r"[\s_\-—·.]+")
# What a mail client or Windows adds to a file of the same name: `(1)`, `- 副本`, `- 副本 (2)`, `Copy of`.
MAIL_SUFFIX_RE = re.compile(r"(?:[\s_\-—]*(?:的?副本|复件|拷贝|-?copy)(?:[(（]\d{1,3}[)）])?|[(（]\d{1,3}[)）])$", re.I)
MAIL_PREFIX_RE = re.compile(r"^(?:副本|复件|copyof)[\s_\-—]*", re.I)
BATCH_RE = re.compile(r"第([一二三四五六七八九十\d]+)批")
# Everything but letters, digits and CJK: names compared without quotes, brackets and spaces.
_SQUASH_RE = re.compile(r"[^\w]|_", re.UNICODE)
# `吉林省长春市南关区` -> `南关区`; `长春市` and `公主岭市` stay as they are.
_PROVINCE_RE = re.compile(r"^.{2,8}?(?:省|自治区)(?=.{2,})")
_CITY_RE = re.compile(r"^.{2,10}?(?:市|自治州|州|盟|地区)(?=.{2,}(?:区|县|市|旗)$)")
_STAMP_RE = re.compile(r"[（(]?(?:盖章|公章|章)[)）]?$")


def squash(text: str) -> str:
    """Letters, digits and CJK of `clean(text)`. A text without white space is squashed without
    `clean`: its spaces need no removing (_SQUASH_RE drops all that NFKC makes), and the width
    fold is part of NFKC; most are project names met once, which `clean`'s cache would only churn."""
    if isinstance(text, str) and not _SPACE_RE.search(text):
        return _SQUASH_RE.sub("", unicodedata.normalize("NFKC", text))
    return squash_general(text)


def squash_general(text: str) -> str:
    return _SQUASH_RE.sub("", clean(text))


_SPACE_RE = re.compile(r"[\s\u3000\u00a0]")  # what `clean` folds away (textnorm._SPACES)


def _strip_mail(stem: str) -> str:
    previous = None
    while previous != stem:
        previous = stem
        stem = MAIL_PREFIX_RE.sub("", MAIL_SUFFIX_RE.sub("", stem).strip()).strip()
    return stem


def unit_key_from_name(path: str, defaults: Iterable[str] = ()) -> str:
    """`南关区（修改）.xlsx`, `南关区 - 副本 (2).xlsx` -> `南关区`; "" when the name names no one
    (a template's own name `defaults`, with or without a mail client's `(1)`)."""
    stem = _strip_mail(clean(PurePath(path).stem))
    stem = BATCH_RE.sub("", REVISION_RE.sub("", stem))
    squashed_defaults = _squashed(tuple(defaults))
    if squashed_defaults:
        squashed = squash(stem)
        for default in squashed_defaults:
            if default in squashed:
                # What is left beside the template's name may still name the sender (`南关区-附件1 …`).
                stem = squashed.replace(default, "")
                break
    previous = None
    while previous != stem:
        previous = stem
        stem = _strip_mail(NOISE_RE.sub("", stem).strip())
    return SEP_RE.sub("", stem)


@lru_cache(maxsize=64)  # the same few template names, for every file of a batch
def _squashed(defaults: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({s for s in map(squash, defaults) if s}, key=len, reverse=True))


def sender_key(name: str) -> str:
    """The form in which two senders are compared: `吉林省长春市南关区（盖章）` and `南关区` agree."""
    text = _STAMP_RE.sub("", clean(name))
    text = _PROVINCE_RE.sub("", text)
    text = _CITY_RE.sub("", text)
    return squash(text)


def revision_rank(path: str) -> int:
    """A higher number means a later revision by what the name says."""
    stem = clean(PurePath(path).stem)
    match = re.search(r"第([二三四五2-5])版|[vV](\d+)", stem)
    if match:
        text = match.group(1) or match.group(2)
        return {"二": 2, "三": 3, "四": 4, "五": 5}.get(text, int(text) if text.isdigit() else 1)
    return 1 if REVISION_RE.search(stem) else 0


def batch_of(path: str) -> str | None:
    """`第二批` in a file's name: a batch, which never replaces another batch."""
    match = BATCH_RE.search(clean(PurePath(path).stem))
    return match.group(1) if match else None


@dataclass(frozen=True)
class Submission:
    """What one file read says about itself, for deciding replacements."""

    path: str
    sender: str | None  # as the clerk reads it: 南关区, 长春市, 吉林省华晟汽车零部件有限公司
    source: str  # where the sender was read: 填报单位一行 / 所在县（市、区）列 / 统一社会信用代码 / 文件名
    annex: str | None
    projects: frozenset[str]  # the projects' names (role project_name), squashed
    mtime: float
    key: str | None = None  # how senders are compared (sender_key, or the credit code)
    named: str = ""  # the sender the file name names ("" when it names none: unit_key_from_name)
    one_project: bool = False  # a form, one project per file: another project is never its revision

    @property
    def sender_key(self) -> str | None:
        return self.key if self.key is not None else (sender_key(self.sender) if self.sender else None)


@dataclass(frozen=True)
class Replacement:
    newer: str  # the file that replaces this one
    evidence: str  # why, in Chinese


@dataclass(frozen=True)
class ReplacePolicy:
    """shenbao.toml: `count_every_file = true` (no file replaces another) and `keep = [...]`
    (these files count, and each replaces the other files of its sender)."""

    count_every_file: bool = False
    keep: tuple[str, ...] = ()

    def keeps(self, path: str) -> bool:
        name = PurePath(path).name
        return any(k == path or k == name for k in self.keep)


def _order(s: Submission) -> tuple[int, float, str]:
    return (revision_rank(s.path), s.mtime, s.path)


def _evidence(older: Submission, newer: Submission) -> str | None:
    """Why `newer` replaces `older` (both of one sender and annex), or None."""
    a, b = batch_of(older.path), batch_of(newer.path)
    if a is not None and b is not None and a != b:
        return None  # two batches both count
    if older.named and newer.named and sender_key(older.named) != sender_key(newer.named):
        return None  # the contents agree, the names do not: in doubt, both count
    if (older.one_project or newer.one_project) and older.projects and newer.projects \
            and not older.projects & newer.projects:
        return None  # one applicant's two projects (forms): both count, whatever the names say
    if revision_rank(newer.path) > revision_rank(older.path):
        found = REVISION_RE.search(clean(PurePath(newer.path).stem))
        word = found.group(1) if found else "修改"
        return f"后者的文件名注明为修改后的版本（“{word}”）"
    if older.projects:
        common = len(older.projects & newer.projects)
        if 2 * common > len(older.projects):
            return f"后者重复了本文件 {len(older.projects)} 个项目中的 {common} 个（按项目名称比对），视为重新报送"
    return None


def find_replacements(submissions: Sequence[Submission], policy: ReplacePolicy | None = None) -> dict[str, Replacement]:
    """Replaced file -> the file that replaces it and the evidence. Only files with a known
    sender take part; each is compared with the newer files of the same sender and annex."""
    policy = policy or ReplacePolicy()
    if policy.count_every_file:
        return {}
    groups: dict[tuple[str, str | None], list[Submission]] = {}
    for s in submissions:
        key = s.sender_key
        if key:
            groups.setdefault((key, s.annex), []).append(s)
    out: dict[str, Replacement] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        kept = [s for s in group if policy.keeps(s.path)]
        if kept:
            chosen = max(kept, key=_order)
            for s in group:
                if not policy.keeps(s.path):
                    out[s.path] = Replacement(chosen.path, f"设置文件 shenbao.toml 的 keep 指定保留“{chosen.path}”")
            continue
        group = sorted(group, key=_order)
        for i, older in enumerate(group):
            for newer in reversed(group[i + 1:]):
                evidence = _evidence(older, newer)
                if evidence is not None:
                    out[older.path] = Replacement(newer.path, evidence)
                    break
    return out


def one_value(values: Iterable[object]) -> str | None:
    """The single unit every non-blank value names, or None (no value, or several units)."""
    seen: dict[str, str] = {}
    for value in values:
        if value is None:
            continue
        text = clean(value)
        if not text:
            continue
        seen.setdefault(sender_key(text), text)
        if len(seen) > 1:
            return None
    return next(iter(seen.values()), None)
