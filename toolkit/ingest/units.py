"""Which reporting unit sent a file, and which of several files from one unit counts.

A county that corrects its table sends it again (`南关区（修改）.xlsx`, `南关区-更正版.xlsx`); only
the newest counts, and the superseded one is reported, never added twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from toolkit.textnorm import clean

REVISION_RE = re.compile(r"[（(【\[]?(修改版|更正版|修订版|修改稿?|修订稿?|更正稿?|更新|最新|重报|补报|第[二三四五2-5]版|v\d+|V\d+|终稿|定稿)[)）】\]]?")
NOISE_RE = re.compile(r"[（(【\[]?(\d{1,4}[年.\-/_]?\d{0,2}[月.\-/_]?\d{0,2}日?|副本|copy|\d)[)）】\]]?$")
SEP_RE = re.compile(r"[\s_\-—·.]+")


def unit_key_from_name(path: str) -> str:
    """`南关区（修改）.xlsx` and `南关区.xlsx` -> `南关区`; used only to pair resubmissions."""
    stem = PurePath(path).stem
    stem = REVISION_RE.sub("", clean(stem))
    previous = None
    while previous != stem:
        previous = stem
        stem = NOISE_RE.sub("", stem).strip()
    return SEP_RE.sub("", stem)


def revision_rank(path: str) -> int:
    """A higher number means a later revision by what the name says."""
    stem = clean(PurePath(path).stem)
    match = re.search(r"第([二三四五2-5])版|[vV](\d+)", stem)
    if match:
        text = match.group(1) or match.group(2)
        return {"二": 2, "三": 3, "四": 4, "五": 5}.get(text, int(text) if text.isdigit() else 1)
    return 1 if REVISION_RE.search(stem) else 0


@dataclass(frozen=True)
class Candidate:
    path: str
    unit_key: str
    mtime: float


def pick_newest(candidates: list[Candidate]) -> tuple[list[Candidate], dict[str, str]]:
    """Keep the newest file of each unit; returns the kept ones and superseded path -> kept path.

    Newest means: the highest revision named in the file name, then the latest modification time,
    then the name, so the choice is stable across reruns.
    """
    by_unit: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_unit.setdefault(c.unit_key, []).append(c)
    kept: list[Candidate] = []
    superseded: dict[str, str] = {}
    for group in by_unit.values():
        group.sort(key=lambda c: (revision_rank(c.path), c.mtime, c.path))
        winner = group[-1]
        kept.append(winner)
        for loser in group[:-1]:
            superseded[loser.path] = winner.path
    kept.sort(key=lambda c: c.path)
    return kept, superseded
