"""Labels and values of a Word form: what the notice's own form (a .docx, toolkit/ingest/worddoc.py)
says for each field of a form annex, read as people fill it, with the place of each value.

- a label cell and the value cell right of it (`单位名称 | XX公司`), or the value typed after the
  label's colon or spaces (`单位名称：XX公司`), on the cover too (`项目名称：…`); a label alone on
  its row with its text on the next; blank rows are skipped;
- a label inside a block (`项目联系人信息 | 姓名 | …`) is read with the block's name (`联系人姓名`)
  when the pack knows that name, else on its own; a block name split over two unmerged rows
  (`项目` / `责任人信息`) is one name;
- the financial grid (`2017 | 2018 | 2019` over `总资产（万元） | …`, or a year per row) through the
  pack's `grid` section; a list field's rows (`指标名称 | 指标值`) under its header; a table split
  in two (continued on the next page) is read as one, block, grid and list carried over;
- a □ list: the options ticked (☑ ■ √ ✓ ☒, Wingdings boxes) are the choice; a blank inside an
  option (`面向行业：____`, `其他（请注明）____`, `公有云 ____（服务商名称）`) is the field the pack
  names so.

Labels are matched through the pack's titles and aliases (the Excel form reader's AliasIndex), so a
label the notice's form writes differently is an alias in the pack, never a rule here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.ingest.layout import AliasIndex
from toolkit.ingest.values import BOX_MARKS, TICKS, box_options, normalise
from toolkit.ingest.worddoc import WordCell, WordDoc
from toolkit.packs.model import Annex, Field, Section
from toolkit.textnorm import clean, header_key

_BRACKETED = re.compile(r"[（(][^（()）]*[）)]")
_NOTE = re.compile(r"[（(]([^（()）]*)[）)]")
_COLON = re.compile(r"[:：]")
_SPACED = re.compile(r"(\S+)[ \t\u3000]+(\S.*)", re.S)
_SEPARATORS = re.compile(r"[，,、;；\s]+")
_SPAN_SPLIT = re.compile(r"至|到|～|~|——|—|－")
_FILLER = re.compile(r"[\s_＿\u3000]+")
_PLACEHOLDER = re.compile(r"\d{1,2}[.、．]?|\.{2,}|…+|．{2,}")
_NUMBERING = re.compile(r"^\d{1,2}\s*[.、．)）]\s*")
_SKELETON = re.compile(r"(?:20)?(?:年(?:月(?:日)?)?)?")  # `20    年     月     日` left as printed


@dataclass(frozen=True)
class Place:
    where: str  # `表格 2 第 3 行 第 2 列` | `正文 第 4 段`: the record's cell for the field
    sheet: str  # `表格 2` | `正文`
    row: int
    order: tuple[int, int, int]  # document order: tables first by number, then paragraphs


@dataclass
class Found:
    text: str
    place: Place
    label: str
    chosen: list[str] | None = None  # the ticked options of a □ list


def _cell_place(table: int, row: int, cell: WordCell) -> Place:
    return Place(f"表格 {table} 第 {row} 行 第 {cell.col} 列", f"表格 {table}", row, (table, row, cell.col))


def blank(text: str) -> bool:
    return not _FILLER.sub("", text)


def _tidy(text: str) -> str:
    """A value as typed on the form's underline: the underscores and padding dropped."""
    return re.sub(r"[_＿]{2,}", "", text).strip(" \t\r\n\u3000：:")


def skeleton(text: str) -> bool:
    """The printed `20  年  月  日` of a date left unfilled."""
    return bool(_SKELETON.fullmatch(_FILLER.sub("", text)))


def _item_text(text: str) -> str:
    """An item's cell without the form's printed numbering: `1`, `...` alone are blank, and
    `1.平台服务企业数` is `平台服务企业数`."""
    if _PLACEHOLDER.fullmatch(text.strip()):
        return ""
    return _NUMBERING.sub("", text.strip())


def _no_brackets(text: str) -> str:
    return _BRACKETED.sub("", text)


def _year(text: str) -> str:
    return header_key(text).removesuffix("度").removesuffix("年")


class LabelReader:
    """One annex's labels and values gathered from one document."""

    def __init__(self, annex: Annex) -> None:
        self.annex = annex
        self.index = AliasIndex.for_annex(annex)
        word = annex.word_form
        self.spans = {header_key(s.label): s.fields for s in (word.spans if word else ())}
        self.grids = [s for s in annex.sections if s.kind == "grid"]
        self.found: dict[str, Found] = {}
        self.conflicts: list[tuple[str, Found, str, Place]] = []
        self.unplaced: list[tuple[str, str, Place]] = []  # text typed in an option with no field
        self.stray: list[tuple[str, Place]] = []  # a □ list with a tick that belongs to no option
        self.context = ""
        self.grid: tuple[Section, list[tuple[int, int]]] | None = None  # section, (grid col, column index)
        self.previous: tuple[int, int, Sequence[WordCell], bool] | None = None
        self.below: tuple[str, str] | None = None  # a label alone on its row, its value under it
        self.transposed: tuple[Section, dict[int, tuple[str, ...]]] | None = None  # grid col -> a row's fields
        self.lists = {f.key: f for f in annex.fields if f.type == "list"}
        self.list_header: dict[int, str] | None = None  # grid column -> item key, under `指标名称 | 指标值`
        self.list_field: str | None = None  # the list the rows now belong to (`定量指标`)
        self.items: dict[str, list[dict[str, tuple[str, Place]]]] = {}

    # ---------------------------------------------------------------- labels

    def key(self, text: str, context: str = "") -> str | None:
        """The field (or `@span`) a label names, read inside its block when the pack knows the
        block's name for it (`联系人` + `姓名`)."""
        bases = list(dict.fromkeys((text, _no_brackets(text))))
        candidates = [core + b for core in _cores(context) for b in bases] + bases
        for candidate in candidates:
            found, _ = self.index.match(candidate)
            if found is not None:
                return None if found in self.lists else found  # a list is read by its rows
        for candidate in candidates:
            if header_key(candidate) in self.spans:
                return "@" + header_key(candidate)
        return None

    def parse(self, text: str, context: str) -> tuple[str, str | None, str] | None:
        """(field, value typed in the same cell or None, label) when the cell is a label."""
        t = text.strip()
        if not t:
            return None
        box = next((i for i, ch in enumerate(t) if ch in BOX_MARKS), -1)
        if box == 0:
            return None  # a □ list is a value
        if box > 0:
            head = t[:box].strip().rstrip("：:")
            key = self.key(head, context)
            return (key, t[box:], head) if key else None
        colon = _COLON.search(t)
        if colon:
            head = t[:colon.start()]
            key = self.key(head, context)
            if key:
                return key, t[colon.end():], head
        key = self.key(t, context)
        if key:
            return key, None, t
        spaced = _SPACED.match(t)  # `单位名称  XX公司`: typed after the label with spaces, no colon
        if spaced:
            key = self.key(spaced.group(1), context)
            if key:
                return key, spaced.group(2), spaced.group(1)
        return None

    # ---------------------------------------------------------------- values

    def put(self, key: str, text: str, place: Place, label: str) -> None:
        text = _tidy(text)
        if key.startswith("@"):
            fields = self.spans[key[1:]]
            parts = _SPAN_SPLIT.split(text, maxsplit=len(fields) - 1) if not skeleton(text.replace("至", "")) else []
            for i, k in enumerate(fields):
                self.put(k, parts[i] if i < len(parts) else "", place, label)
            return
        prev = self.found.get(key)
        if prev is None or (blank(prev.text) and not blank(text)):
            self.found[key] = Found(text, place, label)
        elif not blank(text) and clean(text) != clean(prev.text):
            self.conflicts.append((key, prev, text, place))

    # ---------------------------------------------------------------- tables

    def table(self, number: int, rows: Sequence[Sequence[WordCell]]) -> None:
        for r, cells in enumerate(rows, 1):
            if cells:
                self.row(number, r, cells)

    def row(self, table: int, r: int, cells: Sequence[WordCell]) -> None:
        below, self.below = self.below, None
        if below is not None and len(cells) == 1 and not cells[0].above and self.parse(cells[0].text, "") is None:
            self.put(below[0], cells[0].text, _cell_place(table, r, cells[0]), below[1])
            return
        first = cells[0]
        fresh_block = False
        if first.above:
            rest = cells[1:]
        elif self._is_block(cells):
            fresh_block = True
            if self.previous is not None and self.previous[3]:
                # `项目` on one row, `责任人信息` under it (not merged): one block name; the
                # previous row's labels are read again inside it.
                self.context += first.text
                self._pairs(*self.previous[:3])
            else:
                self.context = first.text
            rest = cells[1:]
        elif blank(first.text) and len(cells) > 2:
            rest = cells[1:]
        else:
            self.context = ""
            rest = cells
        self.previous = (table, r, rest, fresh_block)
        if not rest or self._list_header(rest) or self._list_row(table, r, cells):
            return
        if self._grid_header(rest) or self._grid_row(table, r, rest):
            return
        self._pairs(table, r, rest)

    # ---------------------------------------------------------------- lists (绩效指标)

    def _list_header(self, cells: Sequence[WordCell]) -> bool:
        """`指标类别 | 指标名称 | 指标值`: the columns of the items of a list field."""
        for f in self.lists.values():
            titles = {header_key(n): i.key for i in f.items for n in (i.title, *i.aliases)}
            hits = {c.col: titles[header_key(c.text)] for c in cells if header_key(c.text) in titles}
            if len(set(hits.values())) >= min(2, len(f.items)):
                self.list_header, self.list_field = hits, None
                return True
        return False

    def _list_row(self, table: int, r: int, cells: Sequence[WordCell]) -> bool:
        """A row under the list header: `定量指标 | 平台服务企业数 | ≥50户` (the list's name in a
        merged cell on the rows after). A row without the item columns ends the list."""
        if self.list_header is None:
            return False
        header = self.list_header
        if not any(c.col in header for c in cells):
            self.list_header = self.list_field = None
            return False
        for c in cells:
            if c.col not in header:
                found, _ = self.index.match(c.text)
                if found in self.lists:
                    self.list_field = found
        if self.list_field is None:
            return False
        item = {header[c.col]: (_item_text(c.text), _cell_place(table, r, c)) for c in cells if c.col in header}
        if all(blank(text) for text, _ in item.values()):
            return True  # a row left as printed (`1`, `2`, `...`) or blank
        self.items.setdefault(self.list_field, []).append(item)
        return True

    def _is_block(self, cells: Sequence[WordCell]) -> bool:
        text = cells[0].text
        years = {_year(c) for g in self.grids for c in g.columns}
        return (len(cells) >= 3 and not blank(text) and not any(ch in BOX_MARKS for ch in text)
                and self.parse(text, "") is None and self._grid_label(text) is None and _year(text) not in years)

    def _pairs(self, table: int, r: int, cells: Sequence[WordCell]) -> None:
        i = 0
        while i < len(cells):
            cell = cells[i]
            hit = None if cell.above else self.parse(cell.text, self.context)
            if hit is None:
                i += 1
                continue
            key, inline, label = hit
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            usable = nxt is not None and not nxt.above
            nxt_label = usable and nxt is not None and self.parse(nxt.text, self.context) is not None
            if inline is not None:
                self.put(key, inline, _cell_place(table, r, cell), label)
                if usable and nxt is not None and not nxt_label:
                    self.put(key, nxt.text, _cell_place(table, r, nxt), label)
                    i += 1
            elif usable and nxt is not None:
                self.put(key, nxt.text, _cell_place(table, r, nxt), label)
                i += 1
            else:
                self.put(key, "", _cell_place(table, r, cell), label)
                if len(cells) == 1 and not key.startswith("@"):
                    self.below = key, label  # `项目简介` alone on its row: the text may be the next row
            i += 1

    def _grid_header(self, cells: Sequence[WordCell]) -> bool:
        """`2017 | 2018 | 2019` over the rows of figures, or (turned the other way) `总资产 | 负债率 …`
        over a row per year."""
        for section in self.grids:
            years = [_year(c) for c in section.columns]
            hits = [(c.col, years.index(_year(c.text))) for c in cells if _year(c.text) in years]
            if len(hits) >= 2:
                self.grid, self.transposed = (section, hits), None
                return True
            labels = {c.col: fields for c in cells if (fields := self._grid_label(c.text)) is not None}
            if len(labels) >= 2:
                self.grid, self.transposed = None, (section, labels)
                return True
        return False

    def _grid_label(self, text: str) -> tuple[str, ...] | None:
        key = header_key(_no_brackets(text))
        for section in self.grids:
            for row in section.rows:
                if key and header_key(_no_brackets(row.label)) == key:
                    return row.fields
        return None

    def _grid_row(self, table: int, r: int, cells: Sequence[WordCell]) -> bool:
        if self.transposed is not None:
            section, figures = self.transposed
            years = [_year(c) for c in section.columns]
            year = _year(cells[0].text)
            if year not in years:
                return False
            column = years.index(year)
            labels = {g.fields: g.label for g in section.rows}
            for cell in cells[1:]:
                fields = figures.get(cell.col)
                if fields is not None and column < len(fields):
                    label = f"{section.columns[column]}{labels[fields]}"
                    self.put(fields[column], cell.text, _cell_place(table, r, cell), label)
            return True
        if self.grid is None:
            return False
        fields = self._grid_label(cells[0].text)
        if fields is None:
            return False
        section, header = self.grid
        by_col = dict(header)
        values = list(cells[1:])
        positional = all(c.col in by_col for c in values)
        for n, cell in enumerate(values):
            at: int | None = by_col[cell.col] if positional else (header[n][1] if n < len(header) else None)
            if at is not None and at < len(fields):
                label = f"{section.columns[at]}{cells[0].text}"
                self.put(fields[at], cell.text, _cell_place(table, r, cell), label)
        return True

    # ---------------------------------------------------------------- cover paragraphs

    def paragraphs(self, paragraphs: Sequence[str]) -> None:
        for n, text in enumerate(paragraphs, 1):
            for line in text.split("\n"):
                hit = self.parse(line, "")
                if hit is not None and hit[1] is not None:
                    self.put(hit[0], hit[1], Place(f"正文 第 {n} 段", "正文", n, (1 << 20, n, 0)), hit[2])

    # ---------------------------------------------------------------- □ lists

    def options(self) -> None:
        """Resolve every □ list: its ticked options, and the blanks inside options (`面向行业：…`)
        as the fields they name. Ticked options' blanks first: they win over unticked ones."""
        for key, found in list(self.found.items()):
            f = self.annex.field(key)
            opts = box_options(found.text) if f.type in ("choice", "multichoice", "bool") else None
            if opts is None:
                continue
            found.chosen = []
            if sum(ch in TICKS for ch in found.text) > sum(checked for checked, _ in opts):
                self.stray.append((key, found.place))  # `□A √ □B`: whose tick? not guessed
            for checked, text in sorted(opts, key=lambda o: not o[0]):
                label, subs = self._split_option(f, text)
                for sub, value in subs:
                    if sub is None:
                        self.unplaced.append((label, value, found.place))
                    elif sub != key and not blank(value):
                        self.put(sub, value, found.place, label)
                if checked and (not subs or f.type == "bool" or self._is_choice(f, label)):
                    found.chosen.append(label)

    def _is_choice(self, f: Field, label: str) -> bool:
        value = normalise(f, label).value
        items = value if isinstance(value, list) else [value]
        return bool(items) and all(v in f.choice_values for v in items)

    def _split_option(self, f: Field, text: str) -> tuple[str, list[tuple[str | None, str]]]:
        t = text.strip()
        if f.type == "bool" or self._is_choice(f, t):
            return t, []
        colon = _COLON.search(t)
        if colon:  # `行业级工业互联网平台项目，面向行业：汽车零部件`
            left, value = t[:colon.start()], t[colon.end():]
            for sep in [*_SEPARATORS.finditer(left)]:
                key = self.key(left[sep.end():])
                if key and key != f.key:
                    return left[:sep.start()].strip(), [(key, value)]
            key = self.key(left)
            if key and key != f.key:
                return _no_brackets(left).strip(), [(key, value)]
        note = _NOTE.search(t)
        if note:  # `其他（请注明）云MES`, `公有云 阿里云（服务商名称）`
            before, typed = t[:note.start()].strip(), t[note.end():]
            core = re.sub(r"^请?注明", "", note.group(1).strip())
            label = before
            if blank(typed):
                label, typed = self._choice_prefix(f, before)
            for candidate in (t[:note.end()], label + core, core):
                key = self.key(candidate) if candidate else None
                if key and key != f.key:
                    return label, [(key, typed)]
            return label, ([(None, _tidy(typed))] if not blank(typed) else [])
        label, typed = self._choice_prefix(f, t)
        return label, ([(None, _tidy(typed))] if not blank(typed) else [])

    def _choice_prefix(self, f: Field, text: str) -> tuple[str, str]:
        """`公有云 阿里云` -> (`公有云`, `阿里云`): an option followed by what was typed after it."""
        if self._is_choice(f, text):
            return text, ""
        names = sorted({n for c in f.choices for n in (c.value, *c.aliases)}, key=len, reverse=True)
        cleaned = clean(text)
        for name in names:
            if cleaned.startswith(clean(name)):
                return name, cleaned[len(clean(name)):]
        return text, ""


def _cores(context: str) -> list[str]:
    """`项目\\n责任人\\n信息` -> [`项目责任人信息`, `项目责任人`, `责任人`]: the block's name, the
    longest first."""
    c = clean(context)
    if not c:
        return []
    shorter = c.removesuffix("信息")
    return [x for x in dict.fromkeys((c, shorter, shorter.removeprefix("项目"))) if x]


def read_labels(annex: Annex, doc: WordDoc) -> LabelReader:
    """Every label of `annex` found in `doc`, with its value and place."""
    reader = LabelReader(annex)
    for table in doc.tables:
        reader.table(table.number, table.rows)
    reader.paragraphs(doc.paragraphs)
    reader.options()
    return reader
