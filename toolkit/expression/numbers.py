"""Amounts as exact decimals: how a cell's number becomes one, how rules compute with them, and how
a message shows one without rounding it onto (or across) the bound it failed.

A clerk reads 512.31 and 212.31 and subtracts to 300; the binary doubles a spreadsheet stores
subtract to 299.99999999999994. Rules compute on decimals, so the verdict is the clerk's.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

# + - * of amounts with up to 15 significant digits (all Excel keeps) are exact within 50 digits;
# a division is rounded at the 50th. No trap: x / 0 is ±Infinity and 0 / 0 NaN, as doubles are.
CONTEXT = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN, traps=[])


def from_float(value: float) -> Decimal:
    """The number the clerk wrote, for the double a record holds: its shortest text (repr), as
    ingest itself reads a cell (toolkit/ingest/values.py, which also cuts a formula's
    0.30000000000000004 to six decimals, 0.3, before the record holds it)."""
    return Decimal(repr(value))


def exact(value: Any) -> Any:
    """`value` with every float (also inside lists and their items) as a Decimal."""
    kind = type(value)
    if kind is float:
        return from_float(value)
    if kind is list:
        return [exact(v) for v in value]
    if kind is dict:
        return {k: exact(v) for k, v in value.items()}
    return value


def plain(value: Decimal) -> str:
    """A decimal in plain notation with no trailing zeros: 500, 0.0000001, -0 (as CEL's string()
    shows a double)."""
    if not value.is_finite():
        return {"Infinity": "inf", "-Infinity": "-inf"}.get(str(value), "NaN")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# Bounds a notice writes (50%, 300万元, 2亿元 = 20000万元, a share of 0.5) have at most this many
# decimals in their unit.
BOUND_DECIMALS = 1
MAX_DECIMALS = 12


def shown(value: Decimal | float | int) -> str:
    """A number for a message: an amount exact, trailing zeros trimmed, thousands grouped (1,234.5).

    A value with up to MAX_DECIMALS decimals is shown exactly (49.999, 2.000001). A longer one, a
    quotient such as 599 / 1200 = 49.91666…, is cut to two decimals (49.92), but never onto a
    number a bound could be: while the last decimal shown is 0 (49.99999 -> 50.00) it takes one
    more (50.000, …, 49.99999), so "49.99999%，低于 50%" explains itself where "50%，低于 50%"
    contradicted itself."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        value = from_float(value)
    elif isinstance(value, int):
        return str(value)  # a count or a year (2020), as written
    if not value.is_finite():
        return plain(value)
    digits = _decimals_shown(value)
    text = f"{CONTEXT.quantize(value, Decimal(1).scaleb(-digits)):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _decimals_shown(value: Decimal) -> int:
    exponent = value.normalize(CONTEXT).as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    if decimals <= MAX_DECIMALS:
        return decimals
    for digits in range(BOUND_DECIMALS + 1, decimals):
        rounded = CONTEXT.quantize(value, Decimal(1).scaleb(-digits))
        if rounded != CONTEXT.quantize(rounded, Decimal(1).scaleb(-(digits - 1))):
            return digits  # its last decimal is not 0: no bound is written this way
    return decimals
