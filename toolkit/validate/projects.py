"""Projects: everything sent about one project, linked into one so it gets one verdict.

A notice may ask for several papers per project: 工业互联网 wants a 4-1 申报书 and a 4-3 绩效目标
from the enterprise and a row on the county's 4-5 汇总表; 智慧江苏 a 申报表 and a row on the
推荐项目汇总表. Each paper is a record of its own annex (a *part*); a *project* is the parts that
describe it. Parts are linked when they name the same enterprise and the same project:

- the enterprise: the same 统一社会信用代码, or, where a part has no code (the 4-5 lists only the
  依托企业, the 4-3 only the 申报单位), the same enterprise name (brackets, widths and spaces
  normalised); a name written under two codes in the batch decides nothing;
- the project, inside that enterprise: the same name, or the same name once brackets, the way a
  phase is written, 项目/工程/建设 and a final 平台 are set aside (`name_parts`, toolkit/textnorm.py), or a
  name at least `FUZZY_THRESHOLD` alike, never across phases (一期/二期) or places. A link made on
  anything but the same name gives a warning showing both spellings.

A project holds at most one part of each annex: two rows of the same project on two 汇总表 are
duplicates, dedupe's business. When two projects of the enterprise fit a part equally well and
are not copies of one another, the part is not linked, and a warning names both.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from toolkit.findings import Finding
from toolkit.ingest.records import Record
from toolkit.packs.model import Annex, Pack
from toolkit.textnorm import FUZZY_THRESHOLD, NAME_PUNCT, NameParts, clean, name_parts


@dataclass
class Project:
    parts: list[Record] = field(default_factory=list)

    def part(self, annex_id: str) -> Record | None:
        return next((p for p in self.parts if p.annex == annex_id), None)


@dataclass
class Linking:
    projects: list[Project]
    findings: list[Finding]
    by_record: dict[int, Project]  # id(record) -> its project
    # Projects that may be one, left apart: the same project name, under enterprises that cannot
    # be told the same or different (one has no credit code, and the names differ). Put to the
    # clerk as suspected duplicates, with the reason.
    near: list[tuple[Project, Project, str]] = field(default_factory=list)

    def of(self, record: Record) -> Project:
        return self.by_record[id(record)]


def part_where(pack: Pack, r: Record) -> str:
    """`汇总表.xlsx 第5行` for a table's row; `华晟-申报书.xlsx B7` (the project name's cell) for a form."""
    key = pack.role_key(r.annex, "project_name")
    cell = r.cells.get(key) if key and pack.annex(r.annex).kind == "form" else None
    return f"{r.file} {cell}" if cell else f"{r.file} 第{r.row}行"


def annex_label(annex: Annex) -> str:
    """`附件4-1申报书`: how a clerk names the annex (its number and its sheet's short name)."""
    short = annex.sheet or annex.title
    return f"{annex.number}{short}" if annex.number and annex.number not in short else short


@dataclass(frozen=True)
class _Part:
    record: Record
    enterprise: str  # "c:<code>", "a:<name>" or "" (cannot be linked)
    parts: NameParts
    core: str  # the name as compared: dedupe's core without a final 平台


_DIGITS = re.compile(r"\d+")


def _core(parts: NameParts) -> str:
    core = parts.core
    return core[:-2] if core.endswith("平台") and len(core) > 2 else core


def _order(pack: Pack) -> list[str]:
    """The annexes in the order their parts are linked: the summary's table, the forms it is
    compiled from, then the rest, as the pack declares them."""
    first = [pack.summary.annex] if pack.summary else []
    first += [f.annex for f in (pack.summary.from_forms if pack.summary else ())]
    rest = [a.id for a in pack.data_annexes]
    return list(dict.fromkeys([*first, *rest]))


def _match(a: _Part, b: _Part) -> tuple[int, float, str] | None:
    """How well part `a` names the same project as `b`: (level, score, why), or None."""
    pa, pb = a.parts, b.parts
    if not pa.exact or not pb.exact:
        return None
    if pa.exact == pb.exact:
        return 3, 100.0, "名称相同"
    if pa.phases != pb.phases or (pa.place and pb.place and pa.place != pb.place) or not a.core or not b.core:
        return None
    if a.core == b.core:
        return 2, 100.0, "名称去掉括号、期次写法和“项目/工程/建设/平台”等字样后相同"
    if _DIGITS.findall(a.core) != _DIGITS.findall(b.core):
        return None  # 1号 and 10号, 2020 and 2021: alike as text, other projects
    score = float(fuzz.ratio(a.core, b.core))
    if score >= FUZZY_THRESHOLD:
        return 1, score, f"名称高度相似（相似度 {score:.0f}%）"
    return None


def link_projects(pack: Pack, records: Sequence[Record]) -> Linking:
    """Every record in exactly one project; the projects in the order of their first part."""
    def enterprise(r: Record) -> str:
        code = _code(pack, r)
        if code:
            return f"c:{code}"
        name = _applicant(pack, r)
        codes = names_codes.get(name, set())
        if len(codes) == 1:
            return f"c:{next(iter(codes))}"
        return f"a:{name}" if name else ""

    position = {id(r): i for i, r in enumerate(records)}
    if len({r.annex for r in records}) <= 1:  # one annex (a table of projects): nothing to link
        alone = [Project([r]) for r in records]
        return Linking(alone, [], {id(r): p for r, p in zip(records, alone, strict=True)})
    names_codes: dict[str, set[str]] = defaultdict(set)
    for r in records:
        code, name = _code(pack, r), _applicant(pack, r)
        if code and name:
            names_codes[name].add(code)

    order = {a: i for i, a in enumerate(_order(pack))}
    ranked = sorted(records, key=lambda r: (order.get(r.annex, len(order)), position[id(r)]))
    projects: list[Project] = []
    by_record: dict[int, Project] = {}
    linked: dict[int, list[_Part]] = defaultdict(list)  # id(project) -> its parts as compared
    annexes = list(order)
    # enterprise -> annex -> its projects that have no part of that annex yet (insertion-ordered):
    # the only candidates for a part of that annex, so a table's rows are never compared with one
    # another (a province's 中国铁塔 has thousands).
    open_for: dict[str, dict[str, dict[int, Project]]] = defaultdict(lambda: defaultdict(dict))
    findings: list[Finding] = []
    for r in ranked:
        name_key = pack.role_key(r.annex, "project_name")
        parts = name_parts(r.values.get(name_key) if name_key else None)
        part = _Part(r, enterprise(r) if name_key else "", parts, _core(parts))
        candidates = list(open_for[part.enterprise][r.annex].values()) if part.enterprise else []
        chosen = _choose(pack, part, candidates, linked, findings)
        if chosen is None:
            chosen = Project()
            projects.append(chosen)
            if part.enterprise:
                for other in annexes:
                    if other != r.annex:
                        open_for[part.enterprise][other][id(chosen)] = chosen
        elif part.enterprise:
            open_for[part.enterprise][r.annex].pop(id(chosen), None)
        chosen.parts.append(r)
        linked[id(chosen)].append(part)
        by_record[id(r)] = chosen
    for p in projects:
        p.parts.sort(key=lambda r: position[id(r)])
    projects.sort(key=lambda p: position[id(p.parts[0])])
    return Linking(projects, findings, by_record, _near(projects, linked))


def _near(projects: Sequence[Project], linked: dict[int, list[_Part]]) -> list[tuple[Project, Project, str]]:
    """Pairs of projects named alike (the same core name, phases and place) whose enterprises
    differ only as far as is known: one side has no credit code, so they may be one."""
    by_core: dict[str, list[tuple[Project, _Part]]] = defaultdict(list)
    for p in projects:
        for part in linked[id(p)]:
            if part.core and part.enterprise:
                by_core[part.core].append((p, part))
    out: list[tuple[Project, Project, str]] = []
    paired: set[tuple[int, int]] = set()
    for entries in by_core.values():
        for x, (pa, a) in enumerate(entries):
            for pb, b in entries[x + 1:]:
                key = (id(pa), id(pb))
                if pa is pb or key in paired or a.enterprise == b.enterprise:
                    continue
                if a.enterprise.startswith("c:") and b.enterprise.startswith("c:"):
                    continue  # two credit codes: two enterprises
                if a.parts.phases != b.parts.phases or (a.parts.place and b.parts.place and a.parts.place != b.parts.place):
                    continue
                paired.add(key)
                out.append((pa, pb, "项目名称相同（去掉括号、期次写法和“项目/工程/建设/平台”等字样后），"
                                    "申报单位名称写法不同且有一方没有统一社会信用代码，无法确定是否同一单位"))
    return out


def _choose(pack: Pack, part: _Part, candidates: Sequence[Project], linked: dict[int, list[_Part]],
            findings: list[Finding]) -> Project | None:
    """The project `part` belongs to among its enterprise's `candidates`, or None (a new one)."""
    scored: list[tuple[int, float, str, Project, _Part]] = []
    for project in candidates:
        if project.part(part.record.annex) is not None:
            continue  # a second part of the same annex: a duplicate, not a part
        best = max(((m, other) for other in linked[id(project)] if (m := _match(part, other)) is not None),
                   key=lambda x: (x[0][0], x[0][1]), default=None)
        if best is not None:
            (level, score, why), other = best
            scored.append((level, score, why, project, other))
    if not scored:
        return None
    top = max((s[0], s[1]) for s in scored)
    best_ones = [s for s in scored if (s[0], s[1]) == top]
    names = {s[4].parts.exact for s in best_ones}
    r = part.record
    key = pack.role_key(r.annex, "project_name")
    if len(best_ones) > 1 and len(names) > 1:
        listed = "、".join(f"{part_where(pack, s[4].record)}的“{s[4].parts.exact}”" for s in best_ones)
        findings.append(Finding(
            "project.ambiguous", "warning",
            f"{_at(r, key)}“{part.parts.exact}”可能与 {listed} 是同一项目，无法确定是哪一个，未作对应；"
            "请核对名称，改为与对应材料一致", file=r.file, sheet=r.sheet, row=_row(r, key), cell=r.cells.get(key or ""),
            field=key, value=r.values.get(key or "")))
        return None
    level, score, why, project, other = best_ones[0]
    if level < 3:
        findings.append(Finding(
            "project.linked", "warning",
            f"{_at(r, key)}项目名称“{part.parts.exact}”与 {part_where(pack, other.record)} 的“{other.parts.exact}”"
            f"写法不同（{why}，且{'统一社会信用代码' if _code(pack, r) and _code(pack, other.record) else '申报单位'}相同），"
            "按同一项目处理；请核对，并在各份材料中写成一致的名称",
            file=r.file, sheet=r.sheet, row=_row(r, key), cell=r.cells.get(key or ""), field=key,
            value=r.values.get(key or ""), extra={"other": part_where(pack, other.record), "score": score}))
    return project


def _at(r: Record, key: str | None) -> str:
    cell = r.cells.get(key) if key else None
    return f"{cell}：" if cell else f"第{r.row}行："


def _row(r: Record, key: str | None) -> int:
    cell = r.cells.get(key) if key else None
    digits = "".join(ch for ch in cell or "" if ch.isdigit())
    return int(digits) if digits else r.row


def _code(pack: Pack, r: Record) -> str:
    return clean(pack.role_value(r, "uscc")).upper()


def _applicant(pack: Pack, r: Record) -> str:
    return NAME_PUNCT.sub("", clean(pack.role_value(r, "applicant")))
