"""Amounts implausible for their unit: a figure typed in 元 into a 万元 column.

`8000000` in 总投资（万元） reads as 800 亿元 and would make the city's total in the letter absurd; it
is almost always 800 万元 typed in 元. Such a value gets a `value.check` warning at its cell naming
the likely slip; the number itself is never changed (the clerk decides). An amount is implausible,
in the pack's `plausibility` (toolkit.packs.model.Plausibility, defaults for 万元):
- at or above `max_amount` (100 亿元);
- at or above `median_factor` (1,000) times the batch's median of the same field, when the batch
  has `median_min_count` values of it (this needs the whole batch, so it runs with the group
  rules in `validate`, after every file is read);
- a whole number of 万元 written in 元: a multiple of `yuan_multiple` (10,000) at or above
  `yuan_from` (10 亿元) — 200000 万元 may be a flagship, but it is also 20 万元 typed in 元.
Money is exact here: values are read back through `Decimal(repr(x))`, thresholds are Decimals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from toolkit.findings import Finding
from toolkit.ingest.records import Record
from toolkit.packs.model import Field, Pack

# How many 万元 one unit is.
_IN_WAN = {"元": Decimal("0.0001"), "万元": Decimal(1), "亿元": Decimal(10000)}


def money_fields(pack: Pack) -> dict[str, dict[str, Field]]:
    """Per data annex, the amount fields the checks apply to: numbers with a money unit, limited
    to `plausibility.fields` when the pack names them."""
    chosen = pack.plausibility.fields
    return {a.id: {f.key: f for f in a.fields
                   if f.type == "number" and f.unit in _IN_WAN and (chosen is None or f.key in chosen)}
            for a in pack.data_annexes}


def _amount(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return _exact(value)


def _show(value: Decimal) -> str:
    """`8000000`, `800`, `0.08`: plain digits, no exponent, no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plausibility_findings(pack: Pack, records: Sequence[Record]) -> list[tuple[Record, Finding]]:
    """Each implausible amount's warning, with the record it is about."""
    rules = pack.plausibility
    wan_per_pack_unit = _IN_WAN.get(pack.unit, Decimal(1))
    max_wan = Decimal(repr(rules.max_amount)) * wan_per_pack_unit
    yuan_from_wan = Decimal(repr(rules.yuan_from)) * wan_per_pack_unit
    factor = Decimal(repr(rules.median_factor))
    fields = money_fields(pack)
    # The plain numbers first (a float per cell, as ingest leaves them): most amounts are far
    # below every bound, and only those near or above one are made exact Decimals and judged.
    amounts: dict[tuple[str, str], list[tuple[Record, float]]] = defaultdict(list)
    for r in records:
        for key in fields.get(r.annex, {}):
            value = r.values.get(key)
            if (type(value) is float or type(value) is int) and value > 0:
                amounts[(r.annex, key)].append((r, float(value)))  # an int amount is below 10^15: exact
    out: list[tuple[Record, Finding]] = []
    for (annex_id, key), found in amounts.items():
        f = fields[annex_id][key]
        unit = f.unit or pack.unit
        middle = _median(sorted(v for _, v in found)) if len(found) >= rules.median_min_count else None
        bounds = [max_wan / _IN_WAN[unit], yuan_from_wan / _IN_WAN[unit]]
        if middle is not None and middle > 0:
            bounds.append(middle * factor)
        below = float(min(bounds)) * 0.999  # a margin for the float's rounding; the test is exact
        for r, plain in found:
            if plain < below:
                continue
            value = _amount(plain)
            assert value is not None
            reasons = _reasons(value, unit, middle, max_wan, yuan_from_wan, factor, rules.yuan_multiple)
            if reasons:
                out.append((r, _finding(r, f, value, unit, reasons)))
    return out


def _median(ordered: list[float]) -> Decimal:
    """The exact median of sorted amounts (the mean of the middle two, as Decimals, for an even count)."""
    half = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(repr(ordered[half]))
    return (_exact(ordered[half - 1]) + _exact(ordered[half])) / 2


def _exact(value: float) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _reasons(value: Decimal, unit: str, middle: Decimal | None, max_wan: Decimal, yuan_from_wan: Decimal,
             factor: Decimal, multiple: int) -> list[str]:
    wan = value * _IN_WAN[unit]
    reasons = []
    if wan >= max_wan:
        reasons.append(f"达到{_show(max_wan / 10000)}亿元以上，县级申报项目很少有这样的规模")
    if middle is not None and middle > 0 and value >= middle * factor:
        reasons.append(f"是本批各项目此栏中位数（{_show(middle)} {unit}）的 {_show((value / middle).quantize(Decimal(1)))} 倍")
    if (unit != "元" and wan >= yuan_from_wan and value == value.to_integral_value()
            and value % multiple == 0 and not reasons):
        reasons.append("是以元计的整数写法（整万元）")
    return reasons


def _finding(r: Record, f: Field, value: Decimal, unit: str, reasons: Iterable[str]) -> Finding:
    cell = r.cells.get(f.key)
    where = f"{cell}：" if cell else f"第{r.row}行："
    yi = value * _IN_WAN[unit] / 10000
    as_yuan = value * _IN_WAN["元"] / _IN_WAN[unit]  # the same digits read in 元, in the column's unit
    slip = f"是否按元填写？按元计为 {_show(as_yuan)} {unit}" if unit != "元" else "请核对单位"
    message = (f"{where}“{f.title}”为 {_show(value)} {unit} = {_show(yi)} 亿元，"
               f"{'；'.join(reasons)}。{slip}。确认无误的可不修改；本栏单位为{unit}，汇总和报送函按所填数字计算")
    digits = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if cell else ""
    return Finding("value.check", "warning", message, file=r.file, sheet=r.sheet,
                   row=int(digits) if digits.isdigit() else r.row, cell=cell, field=f.key,
                   value=r.raw.get(f.key, r.values.get(f.key)))
