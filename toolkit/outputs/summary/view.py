"""What one summary workbook shows, taken from a `Batch`: the whole batch, or the part of it one
confirming department (归口部门) receives when the summary is split.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from toolkit.errors import ShenbaoError
from toolkit.findings import Finding
from toolkit.ingest.records import Record
from toolkit.merge.dedupe import dedupe
from toolkit.merge.pipeline import Batch
from toolkit.merge.stats import (
    SummaryStats,
    compute_stats,
    dimension_value,
    dimension_values,
    unit_matches,
)
from toolkit.outputs.summary.cells import Amounts, CellMemo, partial_date
from toolkit.packs.model import Annex, Pack

PLACEHOLDERS = frozenset({"（未分类）", "（未填写）", "（未注明）"})
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ReviewPair:
    """A row of the 疑似重复 sheet: a pair still to decide, or one decided on an earlier run
    (listed with its decision, so a clerk's answers carry over to the next run)."""

    a: Record
    b: Record
    reason: str
    score: float
    pair_id: str
    decision: str | None = None


@dataclass
class View:
    pack: Pack
    annex: Annex
    title: str
    unit_name: str
    date: str  # as printed after 填报日期; "" leaves the blank for a pen
    records: list[Record]  # accepted projects, in summary order
    rejected: list[tuple[Record, list[Finding]]]
    pairs: list[ReviewPair]
    stats: SummaryStats
    copies: dict[int, list[Record]] = field(default_factory=dict)  # id(kept) -> merged copies
    split_value: str = ""
    amounts: Amounts = field(default_factory=Amounts, repr=False)  # shared by the split views
    memo: CellMemo = field(default_factory=CellMemo, repr=False)  # shared by the split views


    @property
    def group_keys(self) -> list[str]:
        keys = self.pack.summary.group_by if self.pack.summary else ()
        return [k for k in keys if (k == "route" and self.pack.routing) or k in self.annex.field_keys]

    def copies_of(self, record: Record) -> list[Record]:
        return self.copies.get(id(record), [])

    @property
    def unit_label(self) -> str:
        """The reporting-unit column's header: the pack's label (市（州）) when the rows come from
        the units the pack lists, else 填报单位 (a city's summary lists counties)."""
        units = [r.reporting_unit for r in self.records if r.reporting_unit]
        if units and all(any(unit_matches(u, seen) for u in self.pack.reporting_units) for seen in units):
            return self.pack.reporting_unit_label
        return "填报单位"


def summary_title(pack: Pack, annex: Annex, unit_name: str) -> str:
    template = pack.summary.title if pack.summary else f"{{unit_name}}{annex.title}"
    return template.replace("{unit_name}", unit_name).replace("{year}", str(pack.year))


def date_text(date: str | None) -> str:
    if not date:
        return ""
    return partial_date(date) if _ISO_DAY.match(date.strip()) else date.strip()


def _ranks(batch: Batch, key: str) -> Callable[[str], tuple[int, str]]:
    declared = [b.value for b in batch.stats.breakdowns.get(key, [])]
    rank = {v: i for i, v in enumerate(declared)}
    return lambda v: (rank.get(v, len(rank)), v)


def ordered(batch: Batch, records: Sequence[Record], keys: Sequence[str]) -> list[Record]:
    """Groups in the pack's order (departments, then categories as declared); inside a group the
    batch's own order (file, row). `sorted` is stable. Each key's values are worked out a column
    at a time, and ranked once per distinct value."""
    columns = []
    for k in keys:
        values = dimension_values(batch.pack, records, k)
        rank = _ranks(batch, k)
        ranks = {v: rank(v) for v in set(values)}
        columns.append(list(map(ranks.__getitem__, values)))
    sort_keys = list(zip(*columns, strict=True)) if columns else [()] * len(records)
    return [records[i] for i in sorted(range(len(records)), key=sort_keys.__getitem__)]


def _pairs(batch: Batch, records: Sequence[Record]) -> list[ReviewPair]:
    pending = [ReviewPair(s.a, s.b, s.reason, s.score, s.pair_id) for s in batch.dedup.suspects]
    pending_ids = {p.pair_id for p in pending}
    merged = [ReviewPair(s.a, s.b, s.reason, s.score, s.pair_id, "合并") for s in batch.dedup.merged_also]
    also = {id(s.b) for s in batch.dedup.merged_also}
    for dup, kept in batch.dedup.merged:
        if id(dup) in also:
            continue
        alone = dedupe(batch.pack, [kept, dup])  # an exact copy merges again; a suspected one was the clerk's 合并
        if not alone.merged and alone.suspects:
            s = alone.suspects[0]
            merged.append(ReviewPair(kept, dup, s.reason, s.score, s.pair_id, "合并"))
    # Pairs answered 保留 on an earlier run, as dedupe found them (no second search over every
    # row): those whose projects both stayed in the summary.
    staying = {id(r) for r in records}
    both_kept = [ReviewPair(s.a, s.b, s.reason, s.score, s.pair_id, "保留") for s in batch.dedup.kept_apart
                 if id(s.a) in staying and id(s.b) in staying and s.pair_id not in pending_ids]
    return [*pending, *merged, *both_kept]


def whole_view(batch: Batch, unit_name: str, date: str | None) -> View:
    pack, annex = batch.pack, batch.annex
    unit = unit_name or batch.stats.unit_name
    records = [r for r in batch.accepted if r.annex == annex.id]
    copies: dict[int, list[Record]] = defaultdict(list)
    for dup, kept in batch.dedup.merged:
        copies[id(kept)].append(dup)
    rejected = list(batch.rejected_projects)
    view = View(pack, annex, summary_title(pack, annex, unit), unit, date_text(date), records, rejected,
                _pairs(batch, records), replace(batch.stats, unit_name=unit), dict(copies))
    view.records = ordered(batch, records, view.group_keys)
    return view


def split_key(pack: Pack, split: bool) -> str | None:
    if pack.summary and pack.summary.split_by:
        return pack.summary.split_by
    if not split:
        return None
    keys = pack.summary.group_by if pack.summary else ()
    if not keys:
        raise ShenbaoError(f"申报包 {pack.id} 的汇总表没有分组（group_by），无法按分组分册输出")
    return keys[0]


@dataclass(frozen=True)
class SplitPart:
    """The records of one value of the split key (one 归口部门): a split workbook's view before
    its figures are counted (`split_view`, in the task that writes it)."""

    value: str
    records: list[Record]
    rejected: list[tuple[Record, list[Finding]]]
    pairs: list[ReviewPair]


def split_parts(batch: Batch, whole: View, key: str) -> list[SplitPart]:
    """One part per value of `key` (per 归口部门 for 761), in the pack's order."""
    pack = batch.pack

    record_values = dimension_values(pack, whole.records, key)
    values = dict(zip(map(id, whole.records), record_values, strict=True))  # id(record) -> its value, once

    def value_of(r: Record) -> str:
        found = values.get(id(r))
        if found is None:
            found = values[id(r)] = dimension_value(pack, r, key)
        return found

    records_by: dict[str, list[Record]] = defaultdict(list)
    for r, value in zip(whole.records, record_values, strict=True):
        records_by[value].append(r)
    rejected_by: dict[str, list[tuple[Record, list[Finding]]]] = defaultdict(list)
    for r, why in whole.rejected:
        rejected_by[value_of(r)].append((r, why))
    shown = [*records_by, *(v for v in rejected_by if v not in PLACEHOLDERS)]
    rank = _ranks(batch, key)
    return [SplitPart(value, records_by.get(value, []), rejected_by.get(value, []),
                      [p for p in whole.pairs if value in (value_of(p.a), value_of(p.b))])
            for value in sorted(set(shown), key=rank)]


def split_view(batch: Batch, whole: View, part: SplitPart) -> View:
    """The view of one split workbook, its figures counted over its own records."""
    merged = sum(len(whole.copies_of(r)) for r in part.records)
    stats = compute_stats(
        batch.pack, batch.annex, part.records, rejected=part.rejected,
        rows_read=len(part.records) + len(part.rejected) + merged, duplicates_merged=merged,
        suspected_duplicates=sum(p.decision is None for p in part.pairs), files=batch.ingested.files,
        expected_units=whole.stats.expected_units, unit_name=whole.unit_name,
        expected_basis=whole.stats.expected_basis,
    )
    return replace(whole, title=f"{whole.title}（{part.value}）", records=part.records, rejected=part.rejected,
                   pairs=part.pairs, stats=stats, split_value=part.value)
