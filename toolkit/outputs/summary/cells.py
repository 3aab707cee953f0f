"""Cells of a summary: how a record's value is shown, sums in Decimal, columns and their formats.

Everything a county typed goes in with `write_string`: a project name `=HYPERLINK(...)` or
`+86 139...` stays the text it was, in Excel, WPS and LibreOffice alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from itertools import repeat
from typing import Any, cast

from toolkit.ingest.records import Record
from toolkit.merge.stats import dimension_values, exact_amounts, exact_total
from toolkit.packs.model import Annex, Field, Pack
from toolkit.template.styles import Styles, display_width, lines_needed, row_height
from toolkit.template.table import column_width
from toolkit.xlsx.fastsheet import Sheet

SEQ_WIDTH = 6
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: a pack field, or a pseudo-column (reporting unit, route) given the
    shape of a text field so the house header and cell styles serve it too."""

    key: str
    field: Field

    @property
    def width(self) -> float:
        return column_width(self.field)


def text_column(key: str, title: str, width: float = 14) -> Column:
    return Column(key, Field(key=key, title=title, type="text", width=width))


def field_column(f: Field, *, grouped: bool = True) -> Column:
    """A field's column. Red "required" headers are the template's instruction to a county, not a
    summary's; `grouped=False` drops the parent header where a column stands without its siblings."""
    return Column(f.key, replace(f, required=False, group=f.group if grouped else None))


def summary_columns(pack: Pack, annex: Annex, unit_label: str) -> list[Column]:
    """The pack's summary columns: its fields, plus the pseudo-columns it names."""
    out: list[Column] = []
    for key in pack.summary.columns if pack.summary else annex.field_keys:
        if key == "reporting_unit":
            out.append(text_column(key, unit_label, 12))
        elif key == "route" and pack.routing:
            out.append(text_column(key, pack.routing.title, 16))
        elif key in annex.field_keys:
            out.append(field_column(annex.field(key)))
    return out


def key_fields(pack: Pack, annex: Annex) -> list[str]:
    """The few fields that name a project on the review sheets (未通过, 疑似重复)."""
    roles = (annex.role_key(r) for r in ("project_name", "applicant", "uscc"))
    wanted = [*(k for k in roles if k),
              *(k for k in (pack.summary.group_by if pack.summary else ()) if k != "route"),
              *([pack.routing.field] if pack.routing else []), *([pack.total_key] if pack.total_key else [])]
    return [k for k in dict.fromkeys(wanted) if k in annex.field_keys]


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 40 -> 四十: the numbers of 一、/（一） headings."""
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{'' if tens == 1 else _DIGITS[tens]}十{_DIGITS[ones] if ones else ''}"
    return str(n)


@lru_cache(maxsize=4096)  # a batch's dates are few and repeat on every row
def partial_date(value: str) -> str:
    """`2020-07` -> `2020年7月`: the way clerks write dates, and read back by ingest as it was."""
    m = _ISO_DATE.match(value)
    if not m:
        return value
    year, month, day = m.groups()
    return f"{year}年" + (f"{int(month)}月" if month else "") + (f"{int(day)}日" if day else "")


def shown(f: Field | None, value: Any) -> Any:
    """A record's value as a cell: a number stays a number in a numeric column, all else is text."""
    if value is None or value == "" or value == []:
        return None
    if f is not None and f.is_numeric and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if f is not None and f.type == "date" and isinstance(value, str):
        return partial_date(value)
    return str(value)


class Amounts:
    """Sums of records' amounts as a clerk adds them (0.1 + 0.2 is 0.3, `stats.exact_amount`),
    each record's value turned into a Decimal once for all the sums it enters: every level of
    subtotal, the total, the figures, the split workbooks."""

    def __init__(self) -> None:
        self._memo: dict[str, dict[int, Decimal | None]] = {}

    def each(self, records: Iterable[Record], key: str) -> list[Decimal | None]:
        """Each record's amount (None when blank), in the records' order."""
        memo = self._memo.setdefault(key, {})
        records = records if isinstance(records, (list, tuple)) else list(records)
        ids = list(map(id, records))
        try:
            return list(map(memo.__getitem__, ids))
        except KeyError:  # records not seen before: each made Decimal once, for all later sums
            new = [r for r in records if id(r) not in memo]
            memo.update(zip(map(id, new), exact_amounts([r.values.get(key) for r in new]), strict=True))
            return list(map(memo.__getitem__, ids))

    def total(self, records: Iterable[Record], key: str) -> Decimal:
        return exact_total(self.each(records, key))


def record_value(pack: Pack, record: Record, column: Column) -> Any:
    if column.key == "reporting_unit":
        return record.reporting_unit or None
    if column.key == "route":
        return pack.route_of(record.values.get(pack.routing.field)) if pack.routing else None
    return shown(column.field, record.values.get(column.key))


def column_values(pack: Pack, columns: Sequence[Column], records: Sequence[Record],
                  memo: CellMemo | None = None) -> list[list[Any]]:
    """`record_value` of each of `columns` for each of `records`, a column at a time (column j
    holds every record's cell in columns[j]); with a `memo`, each record's cells are worked out
    once for every workbook of the batch (`CellMemo`)."""
    if memo is None:
        return _column_values(pack, columns, records)
    keys = [cell_key(c) for c in columns]
    by_key = dict(zip(keys, columns, strict=True))
    return memo.columns(keys, records, lambda todo, new: _column_values(pack, [by_key[k] for k in todo], new))


CellKey = tuple[str, str]  # what a column's cells are told apart by in a `CellMemo`
DIMENSION = "dimension"  # (DIMENSION, key): the memo's key of a breakdown's values (a field's type is never this)


def cell_key(column: Column) -> CellKey:
    """What a record's cell in `column` depends on besides the record (`_column_values`)."""
    return column.key, column.field.type


def _column_values(pack: Pack, columns: Sequence[Column], records: Sequence[Record]) -> list[list[Any]]:
    """`record_value` of each of `columns` for each of `records`, a column at a time (column j
    holds every record's cell in columns[j]). Each record's values are read in one pass (the
    records lie all over memory: a pass per column would fetch each of them again), then what a
    column needs is decided once, and its commonest values (a plain text, a blank, a number in a
    numeric column, a yes/no) are turned into cells inline rather than through `shown`."""
    keys = [c.key for c in columns]
    read = list(zip(*[list(map(r.values.get, keys)) for r in records], strict=True)) if records else [()] * len(keys)
    out: list[list[Any]] = []
    for column, values in zip(columns, read, strict=True):
        key, f = column.key, column.field
        if key == "reporting_unit":
            out.append([r.reporting_unit or None for r in records])
        elif key == "route":
            route_of = pack.route_of
            routed = [r.values.get(pack.routing.field) for r in records] if pack.routing else []
            out.append([route_of(v) for v in routed] if pack.routing else [None] * len(records))
        elif f.type == "date":
            out.append([partial_date(v) if type(v) is str and v else None if v is None else shown(f, v) for v in values])
        elif f.is_numeric:
            out.append([v if type(v) is int or type(v) is float else None if v is None else shown(f, v) for v in values])
        else:
            out.append([v if type(v) is str and v else None if v is None else _YES_NO[v] if type(v) is bool
                        else shown(f, v) for v in values])
    return out


class CellMemo:
    """A summary's cells, worked out once for all the workbooks of a batch: the whole summary's
    and each department's, whose rows are some of the whole's (shared by the split views as
    `Amounts` is). It keeps each record's cell under each column (by `cell_key`) and, per column
    width, which texts wrap to more than one line. In a worker that writes only some of the
    workbooks it holds what those needed, so nothing is worked out ahead of the task that needs it.

    What it saves depends on where the workbooks are written. In turn in one process (a batch
    under MIN_ROWS_FOR_TASKS rows, SHENBAO_JOBS=1) the departments' cells come from the whole's.
    Side by side, the whole summary takes one worker while the departments' (whose records do
    not overlap) go to the other, so each process works its cells out once as before; only the
    明细's reuse of the 汇总表's cells within a workbook is saved there."""

    def __init__(self) -> None:
        self._place: dict[int, int] = {}  # id(record) -> its place in the lists below, given on first sight
        self._cells: dict[CellKey, list[Any]] = {}  # column key -> each placed record's cell
        self._known: dict[CellKey, bytearray] = {}  # column key -> 1 where that cell is worked out
        # column width -> (text -> its lines, where over one; the values measured at one line)
        self._lines: dict[float, tuple[dict[Any, int], set[Any]]] = {}

    def columns(self, keys: Sequence[CellKey], records: Sequence[Record],
                compute: Callable[[list[CellKey], list[Record]], list[list[Any]]]) -> list[list[Any]]:
        """The cells of `records` under each of `keys`, a column at a time; `compute(keys, records)`
        gives, a column at a time, those not known yet. The records of a run of rows are mostly
        placed one after another (a group's, a department's), so that their cells are a slice."""
        places = self._places(records)
        size = len(self._place)
        pending: dict[bytes, list[CellKey]] = {}  # which of the records are known -> keys they are known for
        for key in dict.fromkeys(keys):
            cells, known = self._cells.setdefault(key, []), self._known.setdefault(key, bytearray())
            cells.extend([None] * (size - len(cells)))
            known.extend(bytes(size - len(known)))
            flags = bytes(known[places.start:places.stop] if isinstance(places, range) else map(known.__getitem__, places))
            if 0 in flags:
                pending.setdefault(flags, []).append(key)
        for flags, todo in pending.items():
            new = [i for i, flag in enumerate(flags) if not flag]
            new_places = [places[i] for i in new]
            for key, values in zip(todo, compute(todo, [records[i] for i in new]), strict=True):
                self._store(key, new_places, values)
        if isinstance(places, range):
            return [self._cells[k][places.start:places.stop] for k in keys]
        return [list(map(self._cells[k].__getitem__, places)) for k in keys]

    def _places(self, records: Sequence[Record]) -> range | list[int]:
        """Each record's place (new records placed at the end, in order); a range when they are
        placed one after another."""
        place = self._place
        found = list(map(place.get, map(id, records)))
        if None in found:
            for i, r in enumerate(records):
                if found[i] is None:
                    found[i] = place.setdefault(id(r), len(place))  # setdefault: a record listed twice
        places = cast(list[int], found)
        return _run(places) or places

    def _store(self, key: CellKey, places: list[int], values: list[Any]) -> None:
        cells, known = self._cells[key], self._known[key]
        run = _run(places)
        if run is not None:
            cells[run.start:run.stop] = values
            known[run.start:run.stop] = b"\x01" * len(run)
            return
        for p, value in zip(places, values, strict=True):
            cells[p] = value
            known[p] = 1

    def dimension(self, pack: Pack, records: Sequence[Record], key: str) -> list[str]:
        """`dimension_values` of `records` (the group, department, unit each is counted under)."""
        return self.columns([(DIMENSION, key)], records,
                            lambda todo, new: [dimension_values(pack, new, k[1]) for k in todo])[0]

    def tall(self, values: Sequence[Any], width: float) -> dict[Any, int]:
        """The texts among `values` (and maybe others) that need more than one line in a column
        `width` wide, with their lines (`DataRows.tall`); each distinct value is measured once."""
        tall, short = self._lines.setdefault(width, ({}, set()))
        seen = set(values)
        new = seen.difference(short, tall)
        if new:
            found = DataRows.tall(new, width)
            tall.update(found)
            short.update(new.difference(found))
        return tall if not seen.isdisjoint(tall) else {}


def _run(places: list[int]) -> range | None:
    """`places` as a range, when they follow one another."""
    if places and places[-1] - places[0] == len(places) - 1 and places == list(range(places[0], places[-1] + 1)):
        return range(places[0], places[-1] + 1)
    return None


_YES_NO = {True: "是", False: "否"}  # as `shown` writes a bool


class DataRows:
    """The data rows of one sheet: 序号 in column 0, then `columns` from column 1, in the house
    value formats, each row as tall as its tallest wrapped text. Formats and widths are worked out
    once per sheet. Many rows at once go in as columns (`write_block`), one row as a row (`write`)."""

    def __init__(self, ws: Sheet, styles: Styles, columns: Sequence[Column], memo: CellMemo | None = None) -> None:
        self.ws = ws
        seq_format = styles.make(border=1, align="center", valign="vcenter")
        self.row_formats = [seq_format, *(styles.value(c.field) for c in columns)]
        self.widths = [c.width for c in columns]
        self.memo = memo

    @staticmethod
    def tall(values: Iterable[Any], width: float) -> dict[Any, int]:
        """Each distinct text of `values` that wraps to more than one line in a column `width`
        wide, with its lines (`lines_needed`). Only a text that could wrap (wider than its column
        if every character were wide, or holding a line break) is measured; a one-line text's
        lines are lines_needed's, without its calls; an ASCII text no longer than the column is
        one line (a credit code, a phone number)."""
        usable = max(width - 1, 1)
        return {v: n for v in set(values) if isinstance(v, str) and (2 * len(v) > usable or "\n" in v)
                and not (len(v) <= usable and v.isascii() and "\n" not in v)
                and (n := lines_needed(v, width) if "\n" in v else math.ceil(display_width(v) / usable)) > 1}

    def block_lines(self, columns: Sequence[list[Any]]) -> list[int]:
        """`lines` of each row of `columns` (column j holds every row's value in column j), a
        column at a time; each distinct text is measured once (a county, a date, a file name
        repeat down a column), and with a memo once for every workbook of the batch."""
        most = [1] * (len(columns[0]) if columns else 0)
        for values, width in zip(columns, self.widths, strict=True):
            tall = self.tall(values, width) if self.memo is None else self.memo.tall(values, width)
            if tall:
                most = list(map(max, most, map(tall.get, values, repeat(1))))
        return most

    def write(self, row: int, n: int, values: Sequence[Any]) -> None:
        self.ws.put_row(row, 0, [n, *values], self.row_formats)
        self.ws.set_row(row, row_height(self.block_lines([[v] for v in values])[0]))

    def write_block(self, row: int, n: int, columns: Sequence[list[Any]]) -> int:
        """Rows from `row` numbered from `n`, given as columns; returns the row after them."""
        count = len(columns[0]) if columns else 0
        lines = self.block_lines(columns)
        height = {n: row_height(n) for n in set(lines)}
        heights = list(map(height.__getitem__, lines))
        self.ws.put_block(row, 0, [list(range(n, n + count)), *columns], self.row_formats, heights)
        return row + count


def safe_file_part(text: str) -> str:
    """A value as part of a file name on Windows (`省工信厅`, never a `/`)."""
    return text.translate(str.maketrans('\\/:*?"<>|', "＼／：＊？＂＜＞｜")).strip().rstrip(".") or "未分类"
