"""Dropdowns and input tips: the data validation of each field, with its choices on a hidden sheet.

Choices never go inline into the validation: Excel caps an inline list at 255 characters and
splits values on commas. They live on the hidden sheet `_lists`, one column per distinct list,
and each validation points at a workbook defined name (`sblist_category`), which Excel 2007, WPS
and LibreOffice all accept across sheets and keep when they re-save the file.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from toolkit.findings import column_letter
from toolkit.packs.model import Field
from toolkit.template.describe import (
    MESSAGE_LIMIT,
    TITLE_LIMIT,
    choice_values,
    input_message,
    input_title,
    truncate,
)

LIST_SHEET = "_lists"
LIST_NAME_PREFIX = "sblist_"
# Numeric validations need two bounds; these stand for "no bound" and are far beyond any amount.
NO_LOWER = -1e15
NO_UPPER = 1e15


class ListSheet:
    """Collects the distinct choice lists of a workbook and writes them to the hidden sheet."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._names: dict[tuple[str, ...], str] = {}
        self._columns: list[tuple[str, tuple[str, ...]]] = []

    def name_for(self, key: str, values: tuple[str, ...]) -> str:
        """The defined name of a list holding `values`; equal lists share one column."""
        if values in self._names:
            return self._names[values]
        taken = {n for n, _ in self._columns}
        name = f"{LIST_NAME_PREFIX}{key}"
        n = 2
        while name in taken:
            name = f"{LIST_NAME_PREFIX}{key}_{n}"
            n += 1
        self._names[values] = name
        self._columns.append((name, values))
        return name

    def write(self) -> None:
        """Add the hidden, protected list sheet (only when some field has a dropdown)."""
        if not self._columns:
            return
        ws = self._wb.add_worksheet(LIST_SHEET)
        for col, (name, values) in enumerate(self._columns):
            ws.write_string(0, col, name)
            for row, value in enumerate(values, start=1):
                ws.write_string(row, col, value)
            letter = column_letter(col + 1)
            ref = f"='{LIST_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
            if self._wb.define_name(name, ref) != 0:
                raise ValueError(f"invalid list name {name}")
            ws.set_column(col, col, 24)
        ws.protect()
        ws.hide()


def field_validation(f: Field, year: int, lists: ListSheet, list_key: str | None = None) -> dict[str, Any] | None:
    """xlsxwriter data-validation options for a value cell of `f`, or None when there is
    nothing to check and nothing to say. `list_key` names its dropdown list (an item of a
    list field passes `indicators_kind`, not the bare item key)."""
    message = input_message(f, year)
    base: dict[str, Any] = {"ignore_blank": True}
    if message:
        base.update(input_title=input_title(f), input_message=message)
    values = choice_values(f)
    if f.type in ("choice", "bool") and values:
        options = "、".join(values)
        return {
            **base,
            "validate": "list",
            # Every yes/no field shares one list: `sblist_bool`.
            "source": f"={lists.name_for('bool' if f.type == 'bool' else list_key or f.key, values)}",
            "error_type": "stop",
            "error_title": truncate(f"“{f.title}”只能从下拉列表选择", TITLE_LIMIT),
            "error_message": truncate(f"请从下拉列表中选择：{options}", MESSAGE_LIMIT),
        }
    if f.is_numeric:
        kind = "整数" if f.type == "integer" else "数字"
        unit = f"（单位：{f.unit}）" if f.unit else ""
        return {
            **base,
            "validate": "integer" if f.type == "integer" else "decimal",
            **_bounds(f),
            "error_type": "stop",
            "error_title": truncate(f"“{f.title}”应填{kind}", TITLE_LIMIT),
            "error_message": truncate(f"请只填{kind}{unit}，不要写单位或其他文字。{message}", MESSAGE_LIMIT),
        }
    if f.type == "text" and f.max_length:
        return {
            **base,
            "validate": "length",
            "criteria": "<=",
            "value": f.max_length,
            # A warning, not a stop: the clerk may keep a long text and shorten it later.
            "error_type": "warning",
            "error_title": truncate(f"“{f.title}”太长", TITLE_LIMIT),
            "error_message": truncate(f"不超过{f.max_length}字，请精简。", MESSAGE_LIMIT),
        }
    if message:
        return {**base, "validate": "any"}
    return None


def _bounds(f: Field) -> dict[str, Any]:
    """The numeric criteria: the declared bounds, or any number at all (which still stops
    `500万元` or `0.12亿` being typed into an amount column)."""
    cast = int if f.type == "integer" else float
    if f.minimum is not None and f.maximum is not None:
        return {"criteria": "between", "minimum": cast(f.minimum), "maximum": cast(f.maximum)}
    if f.minimum is not None:
        return {"criteria": ">=", "value": cast(f.minimum)}
    if f.maximum is not None:
        return {"criteria": "<=", "value": cast(f.maximum)}
    return {"criteria": "between", "minimum": cast(NO_LOWER), "maximum": cast(NO_UPPER)}


def apply_validation(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int,
                     options: dict[str, Any] | None) -> None:
    if options is None:
        return
    # xlsxwriter only warns and drops a validation it finds invalid; a template without its
    # dropdowns must never ship silently.
    if ws.data_validation(first_row, first_col, last_row, last_col, dict(options)) != 0:
        raise ValueError(f"invalid data validation: {options}")
