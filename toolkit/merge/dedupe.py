"""Duplicates: exact ones are merged into one row, suspected ones are flagged for the clerk.

Exact: the same credit code and the same project name (after width/space normalisation), or the
same row pasted twice. Suspected: names that agree once brackets, the way a phase is written and the
words 项目/工程/建设 are set aside (or are very close, by rapidfuzz), with the same applicant or
credit code — never when the phase (一期/二期) or the place (长春市/吉林市) differs. Pairs are only
sought inside blocks (same credit code, same applicant), so the cost grows with the rows, not with
their square.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz, process

from toolkit.findings import Finding
from toolkit.ingest.records import Record
from toolkit.packs.model import Pack
from toolkit.textnorm import FUZZY_THRESHOLD, NAME_PUNCT, NameParts, clean, name_parts

Decision = str  # "合并" | "保留"


# What a project is named by, which the pack says through its fields' roles (Pack.role_value).
def _code(pack: Pack, r: Record) -> str:
    return clean(pack.role_value(r, "uscc")).upper()


def _applicant(pack: Pack, r: Record) -> str:
    return NAME_PUNCT.sub("", clean(pack.role_value(r, "applicant")))


def _name(pack: Pack, r: Record) -> Any:
    return pack.role_value(r, "project_name")


def _where(r: Record) -> str:
    return f"{r.file} 第{r.row}行"


@dataclass(frozen=True)
class Suspect:
    a: Record
    b: Record
    reason: str
    score: float
    pair_id: str


@dataclass
class DedupeResult:
    kept: list[Record] = field(default_factory=list)
    merged: list[tuple[Record, Record]] = field(default_factory=list)  # (copy removed, row kept)
    suspects: list[Suspect] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    kept_apart: list[Suspect] = field(default_factory=list)  # suspected pairs the clerk answered 保留
    # Pairs suspected elsewhere (`also`) that the clerk answered 合并: a second look at the pair
    # alone (as the review sheet takes for the others) would not find them again.
    merged_also: list[Suspect] = field(default_factory=list)

    def copies_of(self, kept: Record) -> list[Record]:
        return [dup for dup, k in self.merged if k is kept]


def pair_id(pack: Pack, a: Record, b: Record) -> str:
    """Stable across reruns and row moves: made of what identifies each project, not its row."""
    keys = sorted(f"{_code(pack, r)}|{_applicant(pack, r)}|{clean(_name(pack, r))}|{r.reporting_unit or ''}"
                  for r in (a, b))
    return hashlib.sha1("||".join(keys).encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class _Keys:
    """What identifies one record, worked out once (a record is in several pairs)."""

    code: str
    applicant: str
    parts: NameParts

    @classmethod
    def of(cls, pack: Pack, r: Record) -> _Keys:
        return cls(_code(pack, r), _applicant(pack, r), name_parts(_name(pack, r)))

    @classmethod
    def from_plain(cls, plain: PlainKeys) -> _Keys:
        code, applicant, exact, core, phases, place = plain
        return cls(code, applicant, NameParts(exact, core, frozenset(phases), place))


# A record's keys as plain values (cheap to send from a worker process): code, applicant, the
# name's exact form, core, phases and place.
PlainKeys = tuple[str, str, str, str, tuple[int, ...], str]


def record_keys(pack: Pack, r: Record) -> PlainKeys:
    """What dedupe works out for `r`, worked out where the record is read (`dedupe(known=...)`)."""
    k = _Keys.of(pack, r)
    return k.code, k.applicant, k.parts.exact, k.parts.core, tuple(sorted(k.parts.phases)), k.parts.place


def identity(pack: Pack, r: Record) -> tuple[str, str, str]:
    """What says which project a record is, as dedupe sees it: its name as written (width and
    spaces normalised), its credit code and its applicant, each "" when blank."""
    k = _Keys.of(pack, r)
    return k.parts.exact, k.code, k.applicant


def _exact(a: Record, b: Record, ka: _Keys, kb: _Keys) -> bool:
    if a.values == b.values:  # the same row pasted twice
        return True
    return bool(ka.code) and ka.code == kb.code and ka.parts.exact == kb.parts.exact


def _suspect_reason(ka: _Keys, kb: _Keys) -> tuple[str, float] | None:
    pa, pb = ka.parts, kb.parts
    if not pa.core or not pb.core:
        return None
    if pa.phases != pb.phases:
        return None  # 一期 and 二期 are different projects
    if pa.place and pb.place and pa.place != pb.place:
        return None  # 长春市… and 吉林市… are different projects
    same_code = bool(ka.code) and ka.code == kb.code
    same_applicant = bool(ka.applicant) and ka.applicant == kb.applicant
    if not (same_code or same_applicant):
        return None
    who = "统一社会信用代码相同" if same_code else "建设单位相同"
    if pa.core == pb.core:
        detail = "名称去掉括号、期次写法和“项目/工程/建设”等字样后相同"
        if pa.phases:
            detail += f"（均为{'、'.join(f'{p}期' for p in sorted(pa.phases))}）"
        return f"{detail}，且{who}", 100.0
    score = float(fuzz.ratio(pa.core, pb.core))
    if score >= FUZZY_THRESHOLD:
        return f"名称高度相似（相似度 {score:.0f}%），且{who}", score
    return None


def _put_to_clerk(pack: Pack, result: DedupeResult, removed: set[int], decisions: Mapping[str, Decision],
                  first: tuple[int, Record], second: tuple[int, Record], reason: str, score: float, *,
                  also: bool = False) -> None:
    """A suspected pair: merged or kept apart as the clerk answered on an earlier run, else put to
    the clerk (the second record gets the finding, on its project name's cell)."""
    _, a = first
    j, b = second
    name_a = clean(_name(pack, a))
    pid = pair_id(pack, a, b)
    decision = decisions.get(pid)
    if decision == "合并":
        removed.add(j)
        result.merged.append((b, a))
        if also:
            result.merged_also.append(Suspect(a, b, reason, score, pid))
        result.findings.append(_dup_finding(
            pack, b, "dup.exact", f"经人工确认与 {_where(a)} 的“{name_a}”为同一项目，已合并（疑似重复编号 {pid}）",
            f"经核对，本行与 {_where(a)} 的“{name_a}”是同一项目，汇总时只计一次；请删去重复的一行后再报"))
    elif decision == "保留":
        result.kept_apart.append(Suspect(a, b, reason, score, pid))  # the clerk said these are two projects
    else:
        result.suspects.append(Suspect(a, b, reason, score, pid))
        result.findings.append(_dup_finding(
            pack, b, "dup.suspect",
            f"疑似与 {_where(a)} 的“{name_a}”重复：{reason}；请在汇总表“疑似重复”页填写处理意见（合并/保留）",
            f"本行项目疑似与 {_where(a)} 的“{name_a}”是同一项目（{reason}）：如是同一项目，"
            "请删去重复的一行；如不是，请在备注中写明两者的区别", pair_id=pid, other=_where(a)))


def _dup_finding(pack: Pack, b: Record, code: str, message: str, to_sender: str, **extra: Any) -> Finding:
    """A duplicate's warning on the second record of its pair, at that record's project-name cell
    (a return copy's note sits on the name, not on 序号); `to_sender`: the words for the county."""
    field = pack.role_key(b.annex, "project_name")
    return Finding(code, "warning", message, file=b.file, sheet=b.sheet, row=b.row,
                   cell=b.cells.get(field) if field else None, field=field, value=_name(pack, b),
                   extra={**extra, "to_sender": to_sender})


SMALL_BLOCK = 32  # above this a block's near names are sought by one matrix of scores (cdist)


# What a name's duplicates must share with it (`_suspect_reason`): its phases and its place.
Kind = tuple[tuple[int, ...], str]


def _candidate_pairs(blocks: Mapping[str, list[int]], cores: Sequence[str],
                     kinds: Sequence[Kind] | None = None) -> list[tuple[int, int]]:
    """The pairs that can be duplicates, in index order: any two with the same name (block
    `n:`), and, inside a block of one credit code or applicant, any two whose core names are at
    least FUZZY_THRESHOLD alike (as any two with the same core are). A pair left out could be
    neither exact (the same row has the same name; the same code and name share block `n:`) nor
    suspected (that needs the score), so the result is that of looking at every pair of every
    block. Only the score is worked out for the pairs of small blocks, before anything else is
    looked at; a large block (a province's 中国铁塔, thousands of projects) is scored as one
    matrix (cdist), not pair by pair. (rapidfuzz's cpdist would score all the small blocks' pairs
    at once, but needs numpy, whose import costs more than the loop saves below 100,000 pairs.)

    `kinds` (each record's phases and place, given when every record is of one annex): a code or
    applicant block is scored only within its `_sub_blocks`, the pairs whose phases agree and
    whose places do not differ. Any other pair is neither suspected (`_suspect_reason` refuses
    it) nor exact (an exact pair has one name, and so one phase and place). A company that builds
    in every county (3,000 files: blocks of 1,173 projects, 499 places) is scored county by
    county: 344,786 candidate pairs, 344,593 of them refused afterwards, became 193."""
    pairs: set[tuple[int, int]] = set()
    near: set[tuple[int, int]] = set()  # pairs of small code/applicant blocks, to be scored
    scored: set[tuple[int, ...]] = set()  # a code's block is often its applicant's too: scored once
    for key, members in blocks.items():
        if len(members) < 2:
            continue
        if key.startswith("n:"):
            pairs.update(combinations(members, 2))  # members are in index order, so each pair is too
            continue
        for sub in _sub_blocks(members, kinds) if kinds is not None else [members]:
            if len(sub) < 2:
                continue
            if len(sub) <= SMALL_BLOCK:
                near.update(combinations(sub, 2))
            elif (whole := tuple(sub)) not in scored:
                scored.add(whole)
                block = [cores[m] for m in sub]
                scores = process.cdist(block, block, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, workers=1)
                pairs.update((sub[x], sub[y]) for x, y in zip(*scores.nonzero(), strict=True) if x < y)
    ratio = fuzz.ratio  # 0 below the cutoff
    pairs.update(p for p in near - pairs if ratio(cores[p[0]], cores[p[1]], score_cutoff=FUZZY_THRESHOLD))
    return sorted(pairs)


def _sub_blocks(members: list[int], kinds: Sequence[Kind]) -> list[list[int]]:
    """`members` (in index order) as blocks, each in index order, whose pairs are all the pairs
    of `members` with the same phases and no two different places: for each phase, those of one
    place with those of none (or those of none alone). The whole block when that would score more
    pairs than the block has (many placeless names beside many places)."""
    groups: dict[tuple[int, ...], tuple[dict[str, list[int]], list[int]]] = {}
    for m in members:
        phases, place = kinds[m]
        placed, placeless = groups.setdefault(phases, ({}, []))
        if place:
            placed.setdefault(place, []).append(m)
        else:
            placeless.append(m)
    subs: list[list[int]] = []
    for placed, placeless in groups.values():
        if not placed:
            subs.append(placeless)
        for one in placed.values():
            subs.append(sorted(one + placeless) if placeless else one)
    if sum(len(s) * (len(s) - 1) for s in subs) > len(members) * (len(members) - 1):
        return [members]
    return subs


def dedupe(pack: Pack, records: Sequence[Record], decisions: Mapping[str, Decision] | None = None,
           known: Mapping[int, PlainKeys] | None = None,
           also: Sequence[tuple[Record, Record, str]] = ()) -> DedupeResult:
    """Merge exact duplicates (the first in file order is kept), flag suspected ones, and apply the
    clerk's decisions (pair id -> 合并/保留) from a previous run's review sheet. `known`: records'
    keys (`record_keys`) by id(record), worked out already where the files were read. `also`:
    pairs of `records` suspected elsewhere (a 4-5 row and a 申报书 whose enterprise cannot be told
    the same or not, toolkit/validate/projects.py), with the reason, put to the clerk the same way."""
    decisions = decisions or {}
    result = DedupeResult()
    removed: set[int] = set()
    known = known or {}
    plain = [given if (given := known.get(id(r))) is not None else record_keys(pack, r) for r in records]
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, (code, applicant, exact, *_) in enumerate(plain):
        for key in (f"c:{code}" if code else "", f"a:{applicant}" if applicant else "", f"n:{exact}"):
            if key:
                blocks[key].append(i)
    made: dict[int, _Keys] = {}  # the keys of records in candidate pairs, as objects, once

    def keys(i: int) -> _Keys:
        k = made.get(i)
        if k is None:
            k = made[i] = _Keys.from_plain(plain[i])
        return k

    # Phases and places tell pairs apart only where one annex's field names every project.
    kinds = [(p[4], p[5]) for p in plain] if len({r.annex for r in records}) <= 1 else None
    for i, j in _candidate_pairs(blocks, [p[3] for p in plain], kinds):
        if i in removed or j in removed:
            continue
        a, b = records[i], records[j]
        if _exact(a, b, keys(i), keys(j)):
            removed.add(j)
            result.merged.append((b, a))
            name_a = clean(_name(pack, a))
            result.findings.append(_dup_finding(
                pack, b, "dup.exact", f"与 {_where(a)} 的“{name_a}”完全重复，已合并为一条（保留 {_where(a)}）",
                f"本行与 {_where(a)} 的“{name_a}”完全相同，汇总时只计一次；请删去重复的一行后再报"))
            continue
        found = _suspect_reason(keys(i), keys(j))
        if found is None:
            continue
        _put_to_clerk(pack, result, removed, decisions, (i, a), (j, b), *found)
    index = {id(r): i for i, r in enumerate(records)}
    seen = {p.pair_id for p in (*result.suspects, *result.kept_apart)}
    for a, b, reason in also:
        i, j = sorted((index[id(a)], index[id(b)]))
        if i in removed or j in removed or pair_id(pack, records[i], records[j]) in seen:
            continue
        seen.add(pair_id(pack, records[i], records[j]))
        _put_to_clerk(pack, result, removed, decisions, (i, records[i]), (j, records[j]), reason, 100.0,
                      also=True)
    result.kept = [r for i, r in enumerate(records) if i not in removed]
    return result
