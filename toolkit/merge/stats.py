"""The figures of a summary: computed once from the accepted records, written into the summary
workbook (a hidden sheet), and read back by the letter, so no number is ever typed twice.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from toolkit.errors import ShenbaoError
from toolkit.findings import Finding
from toolkit.ingest.records import FileReport, Record
from toolkit.packs.model import Annex, Pack
from toolkit.runtime.atomic import shown_path
from toolkit.textnorm import clean

STATS_SHEET = "_shenbao_summary"
STATS_MARKER = "shenbao-summary"


@dataclass
class Bucket:
    """Projects sharing one value of a dimension (a category, a department, a stage, a unit)."""

    value: str
    count: int = 0
    sums: dict[str, float] = field(default_factory=dict)


@dataclass
class RejectedBucket:
    value: str
    count: int
    reasons: list[tuple[str, int]]  # (the rule's title or the problem, how many projects)


@dataclass
class SummaryStats:
    pack_id: str
    pack_version: str
    annex: str
    unit: str  # 万元
    unit_name: str  # who compiled the summary (长春市), or "" when unknown
    projects: int
    totals: dict[str, float]
    breakdowns: dict[str, list[Bucket]]  # dimension key (route, category, stage, reporting_unit) -> buckets
    rows_read: int = 0
    rejected: int = 0
    duplicates_merged: int = 0
    suspected_duplicates: int = 0
    rejected_by: list[RejectedBucket] = field(default_factory=list)
    expected_units: list[str] = field(default_factory=list)
    reported_units: list[str] = field(default_factory=list)
    not_reported: list[str] = field(default_factory=list)
    expected_basis: str = ""  # where expected_units come from, or why nothing is checked (Chinese)
    files: dict[str, int] = field(default_factory=dict)  # ok / error / skipped

    def to_dict(self) -> dict[str, Any]:
        """What `dataclasses.asdict` gives, built directly: asdict copies every value through
        a generic deep copy, slow with a bucket per reporting unit, and this runs per workbook."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["totals"] = dict(self.totals)
        out["breakdowns"] = {k: [{**vars(b), "sums": dict(b.sums)} for b in buckets]
                             for k, buckets in self.breakdowns.items()}
        out["rejected_by"] = [{**vars(b), "reasons": [tuple(r) for r in b.reasons]} for b in self.rejected_by]
        for name in ("expected_units", "reported_units", "not_reported"):
            out[name] = list(out[name])
        out["files"] = dict(self.files)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummaryStats:
        # Keys a later version added are left out: a summary made by a newer shenbao (a city's)
        # still gives its figures to an older one (the province's).
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["breakdowns"] = {k: [Bucket(**b) for b in v] for k, v in data.get("breakdowns", {}).items()}
        data["rejected_by"] = [RejectedBucket(b["value"], b["count"], [(str(r[0]), int(r[1])) for r in b["reasons"]])
                               for b in data.get("rejected_by", [])]
        return cls(**data)


def exact_amount(value: Any) -> Decimal | None:
    """An amount as the Decimal its text shows (None when it is not a number), so sums come out
    as a clerk adds them: 0.1 + 0.2 shows as 0.3 万元 in the letter."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return None


def exact_total(amounts: Iterable[Decimal | None]) -> Decimal:
    """The sum of `exact_amount`s. Blanks (None) and zeros add nothing; `sum` adds the rest at C speed."""
    return sum(filter(None, amounts), Decimal(0))


def dimensions(pack: Pack, annex: Annex) -> list[str]:
    """What the summary breaks down by: the routing, then every choice field of the summary's
    columns and group_by (category, stage, ...), then the reporting unit."""
    out: list[str] = []
    if pack.routing:
        out.append("route")
    summary_keys = [*(pack.summary.group_by if pack.summary else ()), *(pack.summary.columns if pack.summary else ())]
    for key in summary_keys:
        if key in annex.field_keys and key not in out:
            f = annex.field(key)
            if f.type == "choice" and (f.required or key in (pack.summary.group_by if pack.summary else ())):
                out.append(key)
    out.append("reporting_unit")
    return out


def dimension_value(pack: Pack, record: Record, key: str) -> str:
    if key == "route":
        return pack.route_of(record.values.get(pack.routing.field if pack.routing else "")) or "（未分类）"
    if key == "reporting_unit":
        return record.reporting_unit or "（未注明）"
    value = record.values.get(key)
    return str(value) if value not in (None, "") else "（未填写）"


def dimension_values(pack: Pack, records: Sequence[Record], key: str,
                     column: Sequence[Any] | None = None) -> list[str]:
    """`dimension_value` of each of `records`, with what `key` needs decided once. `column`: the
    records' values of the field the key reads (`dimension_field`), when fetched already."""
    if key == "reporting_unit":
        return [r.reporting_unit or "（未注明）" for r in records]
    if column is None:
        name = dimension_field(pack, key)
        column = [r.values.get(name) for r in records]
    if key == "route":
        route_of = pack.route_of
        return [route_of(v) or "（未分类）" for v in column]
    return [v if type(v) is str and v else "（未填写）" if v is None or v == "" else str(v) for v in column]


def dimension_field(pack: Pack, key: str) -> str:
    """The field a breakdown's values come from (the routed field for `route`); "" for the
    reporting unit, which is not a field."""
    if key == "route":
        return pack.routing.field if pack.routing else ""
    return "" if key == "reporting_unit" else key


def field_columns(records: Sequence[Record], keys: Sequence[str]) -> list[list[Any]]:
    """Each of `keys`' value (None where missing) in every record, as one column per key, from a
    single pass over the records: they lie all over memory, and a pass per key fetches each again."""
    if not records:
        return [[] for _ in keys]
    return [list(column) for column in zip(*[tuple(map(r.values.get, keys)) for r in records], strict=True)]


def exact_amounts(values: Iterable[Any]) -> list[Decimal | None]:
    """`exact_amount` of each value; a float (the commonest) made Decimal without the call."""
    return [Decimal(repr(v)) if type(v) is float else exact_amount(v) for v in values]


def unit_matches(expected: str, seen: str) -> bool:
    a, b = clean(expected), clean(seen)
    return bool(a and b) and (a in b or b in a)


def reported_units(expected: Sequence[str], seen: Iterable[str]) -> list[str]:
    """The `expected` units that some unit `seen` matches (`unit_matches`), each of `seen` cleaned
    once rather than once for every expected unit (3,000 files: a dozen times 3,000 cleans)."""
    seen_clean = [b for b in map(clean, seen) if b]
    out = []
    for unit in expected:
        a = clean(unit)
        if a and any(a in b or b in a for b in seen_clean):
            out.append(unit)
    return out


def compute_stats(
    pack: Pack,
    annex: Annex,
    accepted: Sequence[Record],
    *,
    rejected: Sequence[tuple[Record, Sequence[Finding]]] = (),
    rows_read: int = 0,
    duplicates_merged: int = 0,
    suspected_duplicates: int = 0,
    files: Sequence[FileReport] = (),
    expected_units: Sequence[str] | None = None,
    unit_name: str = "",
    expected_basis: str | None = None,
) -> SummaryStats:
    """`expected_units`: who should report (None: the next level down from `unit_name`, see
    toolkit.merge.divisions); `expected_basis`: what that list is, when the caller knows it."""
    sum_fields = [k for k in (pack.summary.sum_fields if pack.summary else ()) if k in annex.field_keys]
    keys = dimensions(pack, annex)
    # Every field the figures read, fetched in one pass over the records; each amount made
    # Decimal once, for the totals and every breakdown.
    read = list(dict.fromkeys([*sum_fields, *(f for f in map(partial(dimension_field, pack), keys) if f)]))
    columns = dict(zip(read, field_columns(accepted, read), strict=True))
    amounts = {k: exact_amounts(columns[k]) for k in sum_fields}
    totals = {k: float(exact_total(amounts[k])) for k in sum_fields}
    breakdowns: dict[str, list[Bucket]] = {}
    for key in keys:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, value in enumerate(dimension_values(pack, accepted, key, columns.get(dimension_field(pack, key)))):
            groups[value].append(i)
        order = _order(pack, annex, key, list(groups))
        breakdowns[key] = [Bucket(v, len(groups[v]), {k: float(exact_total(map(amounts[k].__getitem__, groups[v]))) for k in sum_fields})
                           for v in order]
    rejected_by: list[RejectedBucket] = []
    category_key = next((k for k in keys if k not in ("route", "reporting_unit")), None)
    by_value: dict[str, list[Sequence[Finding]]] = defaultdict(list)
    for record, reasons in rejected:
        by_value[dimension_value(pack, record, category_key) if category_key else "全部"].append(reasons)
    titles = {f"criteria.{c.id}": c.title or c.id for c in pack.criteria}
    for value in _order(pack, annex, category_key or "", list(by_value)):
        counter: Counter[str] = Counter()
        for reasons in by_value[value]:
            # Each label once per project, in the order found: a set's order changes with the hash
            # seed and would reorder tied reasons from one run to the next.
            for label in dict.fromkeys(titles.get(f.code, _problem_label(f)) for f in reasons if f.is_error):
                counter[label] += 1
        rejected_by.append(RejectedBucket(value, len(by_value[value]), counter.most_common()))
    seen = {r.reporting_unit for r in accepted if r.reporting_unit} | {r.reporting_unit for r, _ in rejected if r.reporting_unit}
    seen |= {f.reporting_unit or Path(f.path).stem for f in files if f.status == "ok"}
    if expected_units is not None:
        expected = list(expected_units)
        basis = expected_basis if expected_basis is not None else (
            "设置的应报送单位名单（expect）" if expected else "设置为不核对应报送单位（expect = []）")
    else:
        from toolkit.merge.divisions import expected_units as next_level

        found = next_level(unit_name, pack.reporting_units, sorted(seen))
        expected, basis = list(found.units or ()), found.basis
    reported = reported_units(expected, seen)
    status = Counter(f.status for f in files)
    return SummaryStats(
        pack_id=pack.id, pack_version=pack.version, annex=annex.id, unit=pack.unit, unit_name=unit_name,
        projects=len(accepted), totals=totals, breakdowns=breakdowns, rows_read=rows_read,
        rejected=len(rejected), duplicates_merged=duplicates_merged, suspected_duplicates=suspected_duplicates,
        rejected_by=rejected_by, expected_units=expected, reported_units=reported,
        not_reported=[u for u in expected if u not in reported], expected_basis=basis,
        files={k: status.get(k, 0) for k in ("ok", "error", "skipped")},
    )


def _problem_label(f: Finding) -> str:
    family = f.code.split(".", 1)[0]
    return {"schema": "必填项缺失或格式不符", "value": "数据无法识别", "header": "缺少必填列"}.get(family, f.code)


def _order(pack: Pack, annex: Annex, key: str, values: list[str]) -> list[str]:
    """The pack's order (choices as declared, departments as they first appear), then the rest."""
    declared: list[str] = []
    if key == "route" and pack.routing:
        for c in annex.field(pack.routing.field).choices:
            if c.route and c.route not in declared:
                declared.append(c.route)
    elif key in annex.field_keys:
        declared = list(annex.field(key).choice_values)
    elif key == "reporting_unit":
        declared = list(pack.reporting_units)
    rank = {v: i for i, v in enumerate(declared)}
    return sorted(values, key=lambda v: (rank.get(v, len(rank)), v))


def stats_rows(stats: SummaryStats) -> list[tuple[str, str]]:
    """Rows of the hidden sheet: a marker, then the JSON (split into cells under Excel's limit)."""
    text = json.dumps(stats.to_dict(), ensure_ascii=False, separators=(",", ":"))
    chunks = [text[i:i + 30000] for i in range(0, len(text), 30000)] or [""]
    return [("marker", STATS_MARKER), *((f"json{i}", c) for i, c in enumerate(chunks))]


def read_stats(path: Path) -> SummaryStats | None:
    """The figures a summary workbook carries, or None when it is not one of ours (not a
    workbook calamine can read, or no figures in it). A file that cannot be opened at all (no
    permission, gone) raises ShenbaoError saying so: it may well be ours."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        if STATS_SHEET not in wb.sheet_names:
            return None
        rows = wb.get_sheet_by_name(STATS_SHEET).to_python()
    except CalamineError:  # not a workbook, damaged, or with a password: no figures to read
        return None
    except OSError as exc:
        # calamine's OSError carries no errno, only its own words: those go in parentheses.
        raise ShenbaoError(f"无法读取汇总表 {shown_path(path)}（系统信息：{exc}）") from None
    pairs = [(str(r[0]), str(r[1])) for r in rows if len(r) >= 2 and r[0]]
    if ("marker", STATS_MARKER) not in pairs:
        return None
    text = "".join(v for k, v in pairs if k.startswith("json"))
    try:
        return SummaryStats.from_dict(json.loads(text))
    except (ValueError, TypeError, KeyError):
        return None
