"""Cells of a summary: how a record's value is shown, sums in Decimal, columns and their formats.

Everything a county typed goes in with `write_string`: a project name `=HYPERLINK(...)` or
`+86 139...` stays the text it was, in Excel, WPS and LibreOffice alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

from toolkit.fastsheet import Sheet
from toolkit.ingest.records import Record
from toolkit.packs.model import Annex, Field, Pack
from toolkit.stats import exact_amount
from toolkit.template.styles import Styles, lines_needed, row_height
from toolkit.template.table import column_width

SEQ_WIDTH = 6
# (sheet, id(record)) -> the row's values and wrapped lines, for a record written on several
# workbooks with the same columns (the whole summary and its split per 归口部门).
RowMemo = dict[tuple[str, int], tuple[list[Any], int]]
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
    wanted = ["project_name", "applicant", "enterprise", "uscc",
              *(k for k in (pack.summary.group_by if pack.summary else ()) if k != "route"),
              "category", *(pack.summary.sum_fields[:1] if pack.summary else ())]
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

    def total(self, records: Iterable[Record], key: str) -> Decimal:
        memo = self._memo.setdefault(key, {})
        total = Decimal(0)
        for record in records:
            found = memo.get(id(record), _UNSEEN)
            if found is _UNSEEN:
                found = memo[id(record)] = exact_amount(record.values.get(key))
            if found is not None:
                total += found
        return total


_UNSEEN = Decimal("NaN")  # a marker only, compared by identity


def record_value(pack: Pack, record: Record, column: Column) -> Any:
    if column.key == "reporting_unit":
        return record.reporting_unit or None
    if column.key == "route":
        return pack.route_of(record.values.get(pack.routing.field)) if pack.routing else None
    return shown(column.field, record.values.get(column.key))


def row_values(pack: Pack, columns: Sequence[Column]) -> Callable[[Record], list[Any]]:
    """`record_value` for each of `columns`, with what each column needs decided once rather than
    once per cell; a plain text, the commonest value, is taken as it is."""
    routing = pack.routing.field if pack.routing else None
    plan = [(c.key, c.field, 1 if c.key == "reporting_unit" else 2 if c.key == "route" else
             3 if c.field.type == "date" else 0) for c in columns]

    def values(record: Record) -> list[Any]:
        get = record.values.get
        out: list[Any] = []
        for key, f, kind in plan:
            if kind == 1:
                out.append(record.reporting_unit or None)
            elif kind == 2:
                out.append(pack.route_of(get(routing)) if routing else None)
            else:
                value = get(key)
                if type(value) is str and kind == 0:
                    out.append(value or None)
                else:
                    out.append(shown(f, value))
        return out

    return values


class DataRows:
    """The data rows of one sheet: 序号 in column 0, then `columns` from column 1, in the house
    value formats, each row as tall as its tallest wrapped text. Formats and widths are worked out
    once per sheet; a row's wrapped lines (`lines`) depend only on its values and the columns'
    widths, so a row written again with the same columns (a split workbook) can reuse them."""

    def __init__(self, ws: Sheet, styles: Styles, columns: Sequence[Column]) -> None:
        self.ws = ws
        seq_format = styles.make(border=1, align="center", valign="vcenter")
        self.row_formats = [seq_format, *(styles.value(c.field) for c in columns)]
        self.widths = [c.width for c in columns]
        self.usable = [max(w - 1, 1) for w in self.widths]

    def lines(self, values: Sequence[Any]) -> int:
        """The wrapped lines of the row's tallest text. A text of n characters is at most 2n wide,
        so one that cannot need more lines than found so far (every short one) is not measured."""
        most = 1
        for value, usable, width in zip(values, self.usable, self.widths, strict=True):
            if isinstance(value, str) and (2 * len(value) > most * usable or "\n" in value):
                most = max(most, lines_needed(value, width))
        return most

    def render(self, memo: RowMemo | None, key: tuple[str, int],
               values_of: Callable[[], list[Any]]) -> tuple[list[Any], int]:
        """A row's values and wrapped lines, taken from `memo` when the row was rendered before."""
        if memo is None:
            values = values_of()
            return values, self.lines(values)
        found = memo.get(key)
        if found is None:
            values = values_of()
            found = memo[key] = (values, self.lines(values))
        return found

    def write(self, row: int, n: int, values: Sequence[Any], lines: int | None = None) -> None:
        self.ws.put_row(row, 0, [n, *values], self.row_formats)
        self.ws.set_row(row, row_height(self.lines(values) if lines is None else lines))


def safe_file_part(text: str) -> str:
    """A value as part of a file name on Windows (`省工信厅`, never a `/`)."""
    return text.translate(str.maketrans('\\/:*?"<>|', "＼／：＊？＂＜＞｜")).strip().rstrip(".") or "未分类"
