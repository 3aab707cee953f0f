"""Find a table annex inside a county's sheet: the header block, which column is which field,
the unit each header states, and which rows are data (not titles, subtotals, group headings or
footers). Works on the template and on a county's own layout alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from toolkit.findings import column_letter
from toolkit.packs.model import Annex
from toolkit.textnorm import clean, header_key, header_unit

HEADER_SCAN_ROWS = 30
SEQ_KEYS = frozenset({"序号", "编号", "排序", "序"})
# A 小计/合计 label is the whole cell (`合计`, `小计（省工信厅）`, `全市合计：`); a project called
# `汇总平台建设项目` merely starts with such a word and is a project.
TOTAL_RE = re.compile(r"^(全市|全省|全州|全县|全区|本页|本表)?(小计|合计|总计|共计|汇总|总合计)([(（][^)）]*[)）])?[:：]?$")
FOOTER_RE = re.compile(r"^(填表人|填报人|制表人|审核人|审核|负责人|单位负责人|联系人|联系电话|填报日期|填表日期|日期|注|备注|说明)[:：]")
HEADING_RE = re.compile(r"^([一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[部类])|[（(]\s*\d+\s*[个项]\s*[)）]$")
UNIT_LINE_RE = re.compile(r"^(填报单位|报送单位|推荐单位|单位)")


@dataclass(frozen=True)
class ColumnMap:
    col: int  # 1-based
    header: str  # the header text as the county wrote it (parent / child for two levels)
    field: str | None  # the pack's key, None for a column we do not use
    unit: str | None  # unit stated in the header, if any
    how: str  # "title" | "alias" | "seq" | "unmapped"

    @property
    def letter(self) -> str:
        return column_letter(self.col)


@dataclass(frozen=True)
class TableLayout:
    header_rows: tuple[int, ...]  # 1-based Excel rows of the header block
    columns: tuple[ColumnMap, ...]
    matched: int  # distinct fields found
    unit_line: str | None = None  # the 填报单位… line above the header, as written
    reporting_unit: str | None = None  # the unit named on that line, when filled in
    missing_required: tuple[str, ...] = ()
    duplicates: tuple[tuple[str, int, int], ...] = ()  # field, kept column, ignored column

    @property
    def first_data_row(self) -> int:
        return self.header_rows[-1] + 1

    def by_field(self) -> dict[str, ColumnMap]:
        return {c.field: c for c in self.columns if c.field}


@dataclass
class AliasIndex:
    """Normalised title/alias -> field key, for one annex. Built once per annex (for_annex) and
    never changed after: every reader of that annex shares it."""

    keys: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)
    # Cell text -> the field it names: the same header texts, and the same 是/否/options in the
    # rows searched, come back in every file.
    _fields: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)
    _columns: dict[tuple[str, str], tuple[str, str | None, str | None, str]] = field(
        default_factory=dict, repr=False, compare=False)

    @classmethod
    def for_annex(cls, annex: Annex) -> AliasIndex:
        held = _INDEXES.get(id(annex))
        if held is not None and held[0] is annex:  # the annex is kept beside it: an id is never reused
            return held[1]
        index = cls.build(annex)
        _INDEXES[id(annex)] = (annex, index)
        return index

    @classmethod
    def build(cls, annex: Annex) -> AliasIndex:
        index = cls()
        for f in annex.fields:
            for name in f.aliases:
                index.keys.setdefault(header_key(name), f.key)
                index.how.setdefault(header_key(name), "alias")
        for f in annex.fields:  # titles win over another field's alias
            index.keys[header_key(f.title)] = f.key
            index.how[header_key(f.title)] = "title"
        return index

    def match(self, text: str) -> tuple[str | None, str]:
        key = header_key(text)
        if not key:
            return None, "unmapped"
        if key in SEQ_KEYS:
            return None, "seq"
        found = self.keys.get(key)
        return (found, self.how[key]) if found else (None, "unmapped")

    def column(self, parent: str, child: str) -> tuple[str, str | None, str | None, str]:
        """map_column_general's (header, field, unit, how) for a column's header, remembered."""
        held = self._columns.get((parent, child))
        if held is None:
            mapped = map_column_general(self, 0, parent, child)
            held = (mapped.header, mapped.field, mapped.unit, mapped.how)
            if len(self._columns) >= _CELL_MEMO_LIMIT:
                self._columns.clear()
            self._columns[(parent, child)] = held
        return held

    def cell_field(self, text: str) -> str | None:
        """match(text)[0], remembered."""
        try:
            return self._fields[text]
        except KeyError:
            pass
        found = self.match(text)[0]
        if len(self._fields) >= _CELL_MEMO_LIMIT:
            self._fields.clear()
        self._fields[text] = found
        return found


_INDEXES: dict[int, tuple[Annex, AliasIndex]] = {}
_CELL_MEMO_LIMIT = 50_000


def _text(value: Any) -> str:
    return clean(value) if isinstance(value, str) else ""


def _original(value: Any) -> str:
    """A header cell as the county wrote it (trimmed), or "" when it holds no text."""
    return str(value).strip() if _text(value) else ""


def _originals(row: Sequence[Any]) -> list[str]:
    """_original of every cell of a row. A text `clean` empties is exactly one of white space
    (tests/test_layout.py checks every code point), so str.strip alone tells."""
    return [v.strip() if type(v) is str else (_original(v) if isinstance(v, str) else "") for v in row]


def _row(rows: Sequence[Sequence[Any]], r: int) -> Sequence[Any]:
    return rows[r - 1] if 0 < r <= len(rows) else ()


def _labels_single(row: Sequence[Any]) -> list[tuple[int, str]]:
    return [(c, _original(v)) for c, v in enumerate(row, 1) if _text(v)]


def _labels_double(parent: Sequence[Any], child: Sequence[Any]) -> list[tuple[int, str, str]]:
    """Per column: (col, parent label, child label). A parent merged over several children is
    written once (in its first column): carry it right while the children go on."""
    width = max(len(parent), len(child))
    out = []
    carried = ""
    for c in range(1, width + 1):
        p = _original(parent[c - 1]) if c <= len(parent) else ""
        ch = _original(child[c - 1]) if c <= len(child) else ""
        if p:
            carried = p
        elif not ch:
            carried = ""
        parent_label = p or (carried if ch else "")
        if parent_label or ch:
            out.append((c, parent_label, ch))
    return out


def _score(index: AliasIndex, labels: Sequence[str]) -> int:
    return len({f for f in (index.match(t)[0] for t in labels) if f})


def _distinct(fields: Sequence[str | None]) -> int:
    return len(set(fields) - {None})


def _double_score(parents: Sequence[str], parent_fields: Sequence[str | None],
                  children: Sequence[str], child_fields: Sequence[str | None]) -> int:
    """_score of _labels_double's labels (child, or else parent), from each row's own labels:
    a column's label is its child when it has one, else its own parent cell (a parent carried
    right only ever stands beside a child)."""
    found = {f for ch, f in zip(children, child_fields, strict=True) if ch}
    found.update(f for ch, p, f in zip(children, parents, parent_fields, strict=False) if p and not ch)
    n = len(children)  # the parent row may run on past the child row
    found.update(f for p, f in zip(parents[n:], parent_fields[n:], strict=True) if p)
    found.discard(None)
    return len(found)


def find_layout(rows: Sequence[Sequence[Any]], annex: Annex, index: AliasIndex | None = None) -> TableLayout | None:
    """The best header block in the first rows of a sheet, or None when no header is found."""
    index = index or AliasIndex.for_annex(annex)
    best: tuple[int, int, int] | None = None  # (score, start row, depth)
    last = min(len(rows), HEADER_SCAN_ROWS)
    # Per row, once: each cell's label and the field it names. A row is looked at as a header,
    # as the lower level under the row above and as the upper level over the row below; the
    # search stops at a header with every field, so the data rows below are never labelled.
    named: dict[int, tuple[list[str], list[str | None]]] = {}

    def of(r: int) -> tuple[list[str], list[str | None]]:
        if r not in named:
            labels = _originals(_row(rows, r))
            named[r] = labels, [index.cell_field(t) if t else None for t in labels]
        return named[r]

    def score_of(r: int) -> int:
        return _distinct(of(r)[1])

    for r in range(1, last + 1):
        labels, fields = of(r)
        if not any(labels):
            continue
        s1 = _distinct(fields)
        if s1 and (best is None or s1 > best[0]):
            best = (s1, r, 1)
        if r < len(rows):
            s2 = _double_score(labels, fields, *of(r + 1))
            # A parent row must add fields of its own: a `填报单位：…` line above a one-row header
            # adds none, and must not be taken for the upper level of the header.
            below = score_of(r + 1)
            if s2 > max(s1, below) and (best is None or s2 > best[0]):
                best = (s2, r, 2)
        if best is not None and best[0] >= len(annex.fields):
            break  # every field found: no row below can score higher (only a higher score wins)
    if best is None or best[0] < min(2, len(annex.fields)):
        return None
    score, start, depth = best
    if depth == 1:
        columns = [_map_column(index, c, "", t) for c, t in _labels_single(_row(rows, start))]
    else:
        columns = [_map_column(index, c, p, ch) for c, p, ch in _labels_double(_row(rows, start), _row(rows, start + 1))]
    seen: dict[str, int] = {}
    duplicates = []
    kept = []
    for col in columns:
        if col.field and col.field in seen:
            duplicates.append((col.field, seen[col.field], col.col))
            kept.append(ColumnMap(col.col, col.header, None, col.unit, "unmapped"))
            continue
        if col.field:
            seen[col.field] = col.col
        kept.append(col)
    missing = tuple(f.key for f in annex.fields if f.required and f.key not in seen)
    unit_line, unit_name = _unit_line(rows, start)
    return TableLayout(
        header_rows=tuple(range(start, start + depth)),
        columns=tuple(kept),
        matched=score,
        unit_line=unit_line,
        reporting_unit=unit_name,
        missing_required=missing,
        duplicates=tuple(duplicates),
    )


def _map_column(index: AliasIndex, col: int, parent: str, child: str) -> ColumnMap:
    return ColumnMap(col, *index.column(parent, child))


def map_column_general(index: AliasIndex, col: int, parent: str, child: str) -> ColumnMap:
    """A column's header (parent over child, either may be "") -> what the column is; _map_column
    gives the same through AliasIndex.column's memo (the same headers come back in every file)."""
    header = f"{parent} / {child}" if parent and child and parent != child else (child or parent)
    unit = header_unit(child) or header_unit(parent)
    for candidate in (child, f"{parent}{child}", parent if not child else ""):
        if not candidate:
            continue
        key, how = index.match(candidate)
        if key or how == "seq":
            return ColumnMap(col, header, key, unit, how)
    return ColumnMap(col, header, None, unit, "unmapped")


_UNIT_NAME = re.compile(r"(?:填报单位|报送单位|推荐单位)(?:[（(]盖章[)）])?[:：]\s*([^\s:：]{2,40}?)(?=\s|填报日期|日期|单位[:：]|$)")


def _unit_line(rows: Sequence[Sequence[Any]], header_start: int) -> tuple[str | None, str | None]:
    """The `填报单位（盖章）：长春市南关区  填报日期：…  单位：万元` line above the header, if any."""
    for r in range(header_start - 1, 0, -1):
        cells = [str(v).strip() for v in _row(rows, r) if isinstance(v, str) and v.strip()]
        if not cells:
            continue
        line = "  ".join(cells)
        if UNIT_LINE_RE.match(clean(cells[0])) or "填报日期" in line:
            text = line.replace("\u3000", " ")
            match = _UNIT_NAME.search(text)
            name = match.group(1) if match else None
            if match and re.match(r"(填报|填表)?日期", text[match.start(1):]):
                name = None  # the unit was left blank: what follows is the date label
            if name and set(name) <= set("_＿ 　-—"):
                name = None
            return line, name
    return None, None


RowKind = str  # "data" | "blank" | "total" | "heading" | "footer"


def classify_row(row: Sequence[Any], layout: TableLayout, seq_cols: frozenset[int]) -> RowKind:
    """What a row below the header is. Only rows that are clearly not projects are set aside;
    a half-filled project row is data (its blanks become findings), never silently dropped."""
    strings = [v for v in row if isinstance(v, str)]
    # The common project row, at C speed: no text of spaces (so every cell not None is filled),
    # more than 4 cells filled (no footer, no lone heading), and no 计 or 汇 in its first three
    # texts, which every TOTAL_RE label needs; no other character becomes either under `clean`
    # (tests/test_layout.py checks every code point).
    if all(map(str.strip, strings)) and len(row) - row.count(None) > 4:
        head = "".join(strings[:3])
        if "计" not in head and "汇" not in head:
            return "data"
    return classify_row_general(row, layout, seq_cols)


def classify_row_general(row: Sequence[Any], layout: TableLayout, seq_cols: frozenset[int]) -> RowKind:
    """classify_row without its shortcut for the common project row: the reference it is tested against."""
    strings = [v for v in row if isinstance(v, str)]
    shown = [v for v in strings if v.strip()]  # a text of spaces is as blank as an empty cell
    filled = len(row) - row.count(None) - (len(strings) - len(shown))  # counted at C speed, not cell by cell
    if not filled:
        return "blank"
    texts = [clean(v) for v in shown[:3]]  # only these are looked at
    first_text = texts[0] if texts else ""
    if any(TOTAL_RE.match(t) for t in texts):
        return "total"
    if FOOTER_RE.match(first_text) and filled <= 4:
        return "footer"
    if filled == 1:
        c, v = next((c, v) for c, v in enumerate(row, 1) if v is not None and not (isinstance(v, str) and not v.strip()))
        mapped = {m.col for m in layout.columns if m.field}
        if isinstance(v, str) and (HEADING_RE.search(clean(v)) or c not in mapped or c in seq_cols):
            return "heading"
    return "data"
