"""Where a project came from, when it is read from a summary (汇总表) written one level down.

A summary's 明细 sheet lists every project with the file, sheet and row it was read from at that
level and the earlier levels it came through. Read at the next level up, those columns become
`Record.chain` (earliest first), so a province's report can still name the county's own row. The
column titles are declared here, once, for the summary writer and for ingest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from toolkit.ingest.records import Record

UNIT = "填报单位"
FILE = "来源文件"
SHEET = "来源工作表"
ROW = "来源行号"
EARLIER = "更早来源"
COPIES = "重复来源"
COLUMNS = (UNIT, FILE, SHEET, ROW, EARLIER, COPIES)
SEPARATOR = "\n"  # a file name never holds a line break


def origin(record: Record) -> str:
    """`农安县.xlsx / 入库项目表 / 第5行（农安县）`: one link of a chain."""
    return f"{record.where}（{record.reporting_unit}）" if record.reporting_unit else record.where


def provenance_values(record: Record, copies: Sequence[Record] = ()) -> dict[str, Any]:
    """The provenance cells a summary writes for `record` (and the copies merged into it)."""
    return {
        UNIT: record.reporting_unit or "",
        FILE: record.file,
        SHEET: record.sheet,
        ROW: record.row,
        EARLIER: SEPARATOR.join(record.chain),
        COPIES: SEPARATOR.join(origin(c) for c in copies),
    }


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def restore_chain(records: Iterable[Record]) -> None:
    """Turn the provenance columns of a summary's 明细 rows (ingest keeps them in `extra`) into
    `chain`; they are not data of the project, so they leave `extra`."""
    for record in records:
        found = {k: record.extra.pop(k) for k in COLUMNS if k in record.extra}
        file = _text(found.get(FILE))
        if not file:
            continue
        earlier = tuple(line for line in _text(found.get(EARLIER)).split(SEPARATOR) if line.strip())
        row = _text(found.get(ROW))
        # The same form as `Record.where`, from the cells.
        where = " / ".join(p for p in (file, _text(found.get(SHEET)), f"第{row}行" if row else "") if p)
        unit = _text(found.get(UNIT))
        record.chain = (*record.chain, *earlier, f"{where}（{unit}）" if unit else where)
