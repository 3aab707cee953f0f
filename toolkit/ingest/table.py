"""Rows of a table annex -> records, each value normalised and each unreadable cell a finding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from toolkit.findings import Finding, column_letter
from toolkit.ingest.layout import TableLayout, classify_row
from toolkit.ingest.records import Record, RowCells
from toolkit.ingest.values import Parsed, normalise, unreadable_severity, unreadable_text
from toolkit.packs.model import Annex, Field


@dataclass
class TableRead:
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


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
    plan = [(col.col - 1, f, f.key, col.unit, letters[col.col]) for col, f in mapped]
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
        for index, f, key, unit, letter in plan:
            raw = row[index] if index < width else None
            if raw is not None:
                raws[key] = raw
            parsed = _normalise(f, raw, unit)
            if parsed.problem or parsed.doubt:
                cell = f"{letter}{r}"
                out.findings.append(Finding(
                    "value.unreadable" if parsed.problem else "value.check",
                    unreadable_severity(f) if parsed.problem else "warning",
                    f"{cell}：“{f.title}”{unreadable_text(f, parsed.problem) if parsed.problem else parsed.doubt}",
                    file=file, sheet=sheet, row=r, cell=cell, field=key, value=_shown(raw),
                ))
            values[key] = parsed.value
        for col in extras:
            value = row[col.col - 1] if col.col <= len(row) else None
            if value is not None and value != "":
                record.extra[col.header] = value
        if record.hidden:
            out.findings.append(Finding(
                "value.hidden-row", "warning",
                f"第{r}行是隐藏行，已按正常数据读取；如该项目不应报送，请删除该行",
                file=file, sheet=sheet, row=r,
            ))
        out.records.append(record)
    return out


# Categories, stages, dates, units, applicants and yes/no answers repeat on every row of every
# file: each (field, value, header unit) is read once. The field itself is kept beside its
# results, so an id is never reused for another field while its entries live.
_CACHE: dict[tuple[int, type, Any, str | None], tuple[Field, Parsed]] = {}
_CACHE_LIMIT = 200_000
_CACHED_TYPES = (str, int, float, bool, type(None))


def _normalise(f: Field, raw: Any, header_unit: str | None) -> Parsed:
    if type(raw) not in _CACHED_TYPES:
        return normalise(f, raw, header_unit=header_unit, target_unit=f.unit)
    key = (id(f), type(raw), raw, header_unit)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is f:
        return hit[1]
    parsed = normalise(f, raw, header_unit=header_unit, target_unit=f.unit)
    if isinstance(parsed.value, (list, dict, set)):
        return parsed  # a record's own list, never shared with another record
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[key] = (f, parsed)
    return parsed


def _shown(raw: Any) -> Any:
    return raw if raw is None or isinstance(raw, (str, int, float, bool)) else str(raw)
