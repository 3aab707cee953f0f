"""The summary's cell memo (toolkit/outputs/summary/cells.py `CellMemo`) gives exactly the cells
and line counts worked out without it, whichever runs of records ask for them and in what order:
the whole summary's groups, a department's, the 明细's whole list, records listed out of place."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.summary_fixtures import PACK
from toolkit.ingest.records import Record
from toolkit.merge.stats import dimension_values
from toolkit.outputs.summary.cells import (
    CellMemo,
    DataRows,
    column_values,
    field_column,
    summary_columns,
)

ANNEX = PACK.annex(PACK.summary.annex if PACK.summary else PACK.annexes[0].id)
COLUMNS = [*summary_columns(PACK, ANNEX, "市（州）"),
           *(field_column(f) for f in ANNEX.fields if f.type != "list")]

VALUES = st.one_of(
    st.none(), st.just(""), st.just([]), st.booleans(), st.integers(-10**16, 10**16),
    st.floats(allow_nan=False, allow_infinity=False), st.just(float("nan")),
    st.sampled_from(["0", "1200.50", "１２３", "长春市朝阳区人工智能产业园建设项目（一期）" * 3, "a\nb\n长" * 4,
                     "2020-07", "2020-07-20", "2020", "人工智能", "智慧城市", "ＡＢＣ　全角", " x ", "x" * 40,
                     "=HYPERLINK(\"http://x\")"]),
    st.text(max_size=30), st.lists(st.sampled_from(["甲", "乙", 1]), max_size=3),
    st.sampled_from([Decimal("99999999999.99"), Decimal("-0.01"), Decimal("0")]),
)


def _record(values: dict[str, Any], n: int, unit: str | None) -> Record:
    return Record(annex=ANNEX.id, values=values, file=f"{n % 3}.xlsx", sheet="表", row=n + 5, reporting_unit=unit)


RECORDS = st.lists(
    st.builds(_record, st.dictionaries(st.sampled_from([c.key for c in COLUMNS]), VALUES, max_size=8),
              st.integers(0, 50), st.sampled_from([None, "", "长春市", "吉林市"])),
    min_size=0, max_size=25)


@settings(max_examples=60, deadline=None)
@given(RECORDS, st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25), st.booleans()), max_size=6),
       st.lists(st.integers(0, len(COLUMNS) - 1), min_size=1, max_size=8))
def test_memo_gives_the_cells_and_lines_worked_out_without_it(
        records: list[Record], asks: list[tuple[int, int, bool]], picks: list[int]) -> None:
    memo = CellMemo()
    chosen = [COLUMNS[i] for i in picks]  # some columns, maybe one twice
    for start, stop, backwards in [*asks, (0, len(records), False)]:
        run = records[start:stop][::-1] if backwards else records[start:stop]
        for columns in (chosen, COLUMNS):
            expected = column_values(PACK, columns, run)
            got = column_values(PACK, columns, run, memo)
            assert _same(got, expected)
            for key in ("route", "reporting_unit", "category", "county"):
                assert memo.dimension(PACK, run, key) == dimension_values(PACK, run, key)
            for width in (3.0, 14.0):
                plain = DataRows.__new__(DataRows)
                plain.widths, plain.memo = [width] * len(columns), None
                memoized = DataRows.__new__(DataRows)
                memoized.widths, memoized.memo = plain.widths, memo
                assert memoized.block_lines(got) == plain.block_lines(expected)


def test_a_record_listed_twice_and_runs_out_of_place() -> None:
    a, b, c = (_record({"project_name": f"项目{i}", "total_investment": i}, i, "长春市") for i in range(3))
    memo = CellMemo()
    for run in ([a, b, c], [c, a], [b, b, a], [a, b, c]):
        assert column_values(PACK, COLUMNS, run, memo) == column_values(PACK, COLUMNS, run)


def _same(got: list[list[Any]], expected: list[list[Any]]) -> bool:
    """Equal, and of the same types (1 and 1.0 and True are equal but are different cells); NaN
    is NaN."""
    def key(v: Any) -> Any:
        return (type(v), repr(v))
    return [[key(v) for v in c] for c in got] == [[key(v) for v in c] for c in expected]
