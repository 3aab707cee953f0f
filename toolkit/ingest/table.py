"""Rows of a table annex -> records, each value normalised and each unreadable cell a finding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from toolkit.findings import Finding, column_letter
from toolkit.ingest.layout import TableLayout, classify_row
from toolkit.ingest.records import Record, RowCells
from toolkit.ingest.values import (
    Parsed,
    code_text,
    float_as_itself,
    normalise,
    plain_text,
    unreadable_severity,
    unreadable_text,
)
from toolkit.packs.model import Annex, Field


@dataclass
class TableRead:
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


# Types whose cell texts repeat down a column and across files (是/否, options, dates, `500万元`):
# their str cells are read once per (field, header unit). Plain text and codes are mostly unique
# (names, credit codes, phones), so remembering them would only cost memory.
_MEMO_TYPES = frozenset({"bool", "choice", "date", "number", "integer"})
_MEMOS: dict[tuple[int, str | None], tuple[Field, dict[str, Parsed]]] = {}
_MEMO_LIMIT = 20_000  # per column: past it the column's memo starts again


def forget_memos() -> None:
    """Drop the remembered readings of repeated cell texts (`_MEMOS`): once a batch is read the
    records hold the values they use, and the memos would otherwise stay alive through the
    outputs. A later read (a return copy's) fills them again."""
    _MEMOS.clear()

# How a column's str cells are read first (anything else, and whatever these leave, goes to
# values.normalise): _GENERAL none, _PLAIN values.plain_text, _CODE values.code_text, _MEMO memo.
_GENERAL, _PLAIN, _CODE, _MEMO = 0, 1, 2, 3


@dataclass(frozen=True)
class _Column:
    """How one mapped column is read, worked out once per table rather than per cell."""

    index: int  # 0-based
    key: str
    way: int  # _GENERAL, _PLAIN, _CODE or _MEMO, for str cells
    memo: dict[str, Parsed]  # str cell -> its reading, for _MEMO (empty and unused otherwise)
    floats: bool  # a float reads as itself (values.float_as_itself)
    field: Field
    unit: str | None  # the header's unit
    letter: str


def _column(index: int, f: Field, unit: str | None, letter: str) -> _Column:
    memo: dict[str, Parsed] = {}
    way = _GENERAL
    if f.type in _MEMO_TYPES:
        slot = (id(f), unit)
        held = _MEMOS.get(slot)
        if held is None or held[0] is not f:  # the field is kept beside it: an id is never reused
            held = _MEMOS[slot] = (f, {})
        way, memo = _MEMO, held[1]
    elif f.type == "text":
        way = _CODE if f.format else _PLAIN
    floats = f.type == "number" and f.unit != "%" and (unit is None or unit == f.unit or f.unit is None)
    return _Column(index, f.key, way, memo, floats, f, unit, letter)


def read_table(
    rows: Sequence[Sequence[Any]],
    layout: TableLayout,
    annex: Annex,
    *,
    file: str,
    sheet: str,
    hidden_rows: frozenset[int] = frozenset(),
    reporting_unit: str | None = None,
) -> TableRead:
    out = TableRead()
    fields = {f.key: f for f in annex.fields}
    mapped = [(c, fields[c.field]) for c in layout.columns if c.field]
    extras = [c for c in layout.columns if not c.field and c.how != "seq"]
    seq_cols = frozenset(c.col for c in layout.columns if c.how == "seq")
    letters = {c.col: column_letter(c.col) for c in layout.columns}
    columns = {f.key: letters[col.col] for col, f in mapped}  # every row's cells: these letters and its number
    # A tuple per column, unpacked in the loop: ~720k cells in 600 files go through it.
    plan = [(c.index, c.key, c.way, c.memo, c.floats, c.field.format, c)
            for c in (_column(col.col - 1, f, col.unit, letters[col.col]) for col, f in mapped)]
    for r in range(layout.first_data_row, len(rows) + 1):
        row = rows[r - 1]
        kind = classify_row(row, layout, seq_cols)
        if kind != "data":
            out.skipped[kind] += 1
            continue
        record = Record(annex=annex.id, values=dict.fromkeys(fields), file=file, sheet=sheet, row=r,
                        cells=RowCells(columns, r),
                        reporting_unit=reporting_unit, hidden=r in hidden_rows)
        values, raws = record.values, record.raw
        width = len(row)
        for index, key, way, memo, floats, fmt, col in plan:
            raw = row[index] if index < width else None
            if raw is None:
                continue  # an empty cell reads as None (values.normalise), which values already holds
            raws[key] = raw
            # The steps of _cell below, inline: each shortcut gives what values.normalise gives.
            if type(raw) is str:
                if way == _PLAIN:
                    text = plain_text(raw)
                    if text is not None:
                        values[key] = text
                        continue
                elif way == _CODE:
                    text = code_text(raw, fmt)
                    if text is not None:
                        values[key] = text
                        continue
                elif way == _MEMO:
                    parsed = memo.get(raw) or _remember(col, raw)
                    values[key] = parsed.value if parsed.problem is None and parsed.doubt is None \
                        else _said(out, col, parsed, raw, r, file, sheet)
                    continue
            elif floats and type(raw) is float:
                number = float_as_itself(raw)
                if number is not None:
                    values[key] = number
                    continue
            parsed = normalise(col.field, raw, header_unit=col.unit, target_unit=col.field.unit)
            values[key] = parsed.value if parsed.problem is None and parsed.doubt is None \
                else _said(out, col, parsed, raw, r, file, sheet)
        for extra in extras:
            value = row[extra.col - 1] if extra.col <= width else None
            if value is not None and value != "":
                record.extra[extra.header] = value
        if record.hidden:
            out.findings.append(Finding(
                "value.hidden-row", "warning",
                f"第{r}行是隐藏行，已按正常数据读取；如该项目不应报送，请删除该行",
                file=file, sheet=sheet, row=r,
            ))
        out.records.append(record)
    return out


def _remember(col: _Column, raw: str) -> Parsed:
    """A str cell of a _MEMO column read and kept for the next time it is met."""
    parsed = normalise(col.field, raw, header_unit=col.unit, target_unit=col.field.unit)
    if isinstance(parsed.value, (list, dict, set)):
        return parsed  # a record's own list, never shared with another record
    if len(col.memo) >= _MEMO_LIMIT:
        col.memo.clear()
    col.memo[raw] = parsed
    return parsed


def _said(out: TableRead, col: _Column, parsed: Parsed, raw: Any, r: int, file: str, sheet: str) -> Any:
    """The finding for a cell that could not be read or may mean otherwise; the cell's value."""
    f = col.field
    cell = f"{col.letter}{r}"
    out.findings.append(Finding(
        "value.unreadable" if parsed.problem else "value.check",
        unreadable_severity(f) if parsed.problem else "warning",
        f"{cell}：“{f.title}”{unreadable_text(f, parsed.problem) if parsed.problem else parsed.doubt}",
        file=file, sheet=sheet, row=r, cell=cell, field=col.key, value=_shown(raw),
    ))
    return parsed.value


def _cell(col: _Column, raw: Any) -> Parsed:
    """One filled cell as read_table reads it, shortcuts and memos included (the loop there has
    these steps inline): what the tests hold equal to values.normalise."""
    if type(raw) is str:
        text = None
        if col.way == _PLAIN:
            text = plain_text(raw)
        elif col.way == _CODE:
            text = code_text(raw, col.field.format)
        elif col.way == _MEMO:
            return col.memo.get(raw) or _remember(col, raw)
        if text is not None:
            return Parsed(text, None)
    elif col.floats and type(raw) is float:
        value = float_as_itself(raw)
        if value is not None:
            return Parsed(value, None)
    return normalise(col.field, raw, header_unit=col.unit, target_unit=col.field.unit)


def _normalise(f: Field, raw: Any, header_unit: str | None) -> Parsed:
    """`raw` read for `f` under a header stating `header_unit`, the way read_table reads it."""
    if raw is None:
        return Parsed(None, None)
    return _cell(_column(0, f, header_unit, "A"), raw)


def _shown(raw: Any) -> Any:
    return raw if raw is None or isinstance(raw, (str, int, float, bool)) else str(raw)
