"""Figures of a batch (toolkit/merge/stats.py) that the summary and the letter print."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]

# Ten rejected projects, each failing two criteria: the two reasons tie at ten.
SCRIPT = """
import json
from toolkit.findings import Finding
from toolkit.ingest.records import Record
from toolkit.packs.loader import load_pack
from toolkit.merge.pipeline import summary_annex
from toolkit.merge.stats import compute_stats

pack = load_pack("jl-761-2020")
codes = [f"criteria.{c.id}" for c in pack.criteria][:2]
rejected = [(Record("projects", {"category": "人工智能"}, "a.xlsx", "Sheet1", row),
             [Finding(code, "error", "x", row=row) for code in codes]) for row in range(10)]
stats = compute_stats(pack, summary_annex(pack), [], rejected=rejected)
print(json.dumps([b.reasons for b in stats.rejected_by], ensure_ascii=False))
"""


def test_tied_rejection_reasons_keep_one_order_whatever_the_hash_seed() -> None:
    seen = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True).stdout
        seen.add(out)
    assert len(seen) == 1
    reasons = json.loads(seen.pop())[0]
    assert [count for _, count in reasons] == [10, 10]
    assert reasons[0][0] == "大数据中心项目大数据部分投资占50%以上"  # the first the findings name


def test_to_dict_is_what_asdict_gives() -> None:
    from dataclasses import asdict

    from toolkit.findings import Finding
    from toolkit.ingest.records import Record
    from toolkit.merge.pipeline import summary_annex
    from toolkit.merge.stats import compute_stats
    from toolkit.packs.loader import load_pack

    pack = load_pack("jl-761-2020")
    accepted = [Record("projects", {"category": category, "total_investment": amount, "bigdata_investment": 0.1},
                       f"{unit}.xlsx", "Sheet1", row, reporting_unit=unit)
                for row, (category, amount, unit) in enumerate([
                    ("人工智能", 1200.5, "长春市"), ("工业互联网", 0.2, "吉林市"), ("人工智能", "约100", "长春市"),
                    ("其他", True, None)])]
    rejected = [(Record("projects", {"category": "人工智能"}, "a.xlsx", "Sheet1", 9),
                 [Finding("schema.required", "error", "x", row=9)])]
    stats = compute_stats(pack, summary_annex(pack), accepted, rejected=rejected, expected_units=["长春市", "四平市"])
    assert stats.breakdowns and stats.rejected_by
    assert stats.to_dict() == asdict(stats)
    assert json.dumps(stats.to_dict(), ensure_ascii=False) == json.dumps(asdict(stats), ensure_ascii=False)
    assert stats.totals["total_investment"] == 1200.7  # 1200.5 + 0.2 exactly, text and True left out


def test_dimension_values_are_dimension_value_of_each_record() -> None:
    from toolkit.ingest.records import Record
    from toolkit.merge.stats import dimension_value, dimension_values
    from toolkit.packs.loader import load_pack

    pack = load_pack("jl-761-2020")
    odd = [None, "", "大数据中心", 0, 0.0, False, True, 12.5, "（未填写）", " "]
    records = [Record(annex="projects", file="f.xlsx", sheet="s", row=i, reporting_unit=[None, "", "农安县"][i % 3],
                      values={"category": odd[i % len(odd)], "stage": odd[(i + 3) % len(odd)]})
               for i in range(30)]
    for key in ["route", "reporting_unit", "category", "stage", "applicant"]:
        assert dimension_values(pack, records, key) == [dimension_value(pack, r, key) for r in records], key


def test_fields_fetched_in_one_pass_are_each_record_s_values() -> None:
    """compute_stats fetches every field it reads in one pass (`field_columns`) and hands the
    columns to `dimension_values`: the same values as one lookup per record and field."""
    from toolkit.ingest.records import Record
    from toolkit.merge.stats import dimension_field, dimension_values, field_columns
    from toolkit.packs.loader import load_pack

    pack = load_pack("jl-761-2020")
    records = [Record(annex="projects", file="f.xlsx", sheet="s", row=i, reporting_unit="农安县",
                      values={"category": ["大数据中心", None, 3][i % 3], **({"stage": "在建"} if i % 2 else {})})
               for i in range(7)]
    keys = ["category", "stage", "missing", "category"]
    columns = field_columns(records, keys)
    assert columns == [[r.values.get(k) for r in records] for k in keys]
    assert field_columns([], keys) == [[], [], [], []]
    for key in ["route", "reporting_unit", "category", "stage"]:
        column = field_columns(records, [dimension_field(pack, key)])[0]
        assert dimension_values(pack, records, key, column) == dimension_values(pack, records, key), key


def test_exact_amounts_are_exact_amount_of_each_value() -> None:
    from decimal import Decimal

    from toolkit.merge.stats import exact_amount, exact_amounts

    class Money(float):  # a float subclass (numpy's float64 is one) takes the general path
        pass

    values = [1.1, 0.1 + 0.2, -0.0, 1e-7, 123456789.123456, float("inf"), float("nan"), 3, -2, True, False,
              None, "1.5", Decimal("2.5"), Money(4.25), 1e22]
    assert [str(a) for a in exact_amounts(values)] == [str(exact_amount(v)) for v in values]


def test_read_stats_tells_not_ours_from_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that is no workbook is simply not a summary (None); one the system will not open is
    said to be unreadable, naming it, instead of being called "not ours"."""
    import python_calamine

    from toolkit.errors import ShenbaoError
    from toolkit.merge.stats import read_stats

    garbage = tmp_path / "汇总表.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not a workbook" * 10)
    assert read_stats(garbage) is None

    class Refused:  # the system will not open it (calamine's OSError has no errno, only words)
        @staticmethod
        def from_path(_: str) -> Any:
            raise PermissionError("Permission denied (os error 13)")

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Refused)
    with pytest.raises(ShenbaoError, match=r"无法读取汇总表 .*汇总表\.xlsx（系统信息：Permission denied"):
        read_stats(garbage)


_UNIT_NAMES = st.lists(st.one_of(
    st.sampled_from(["", " ", "南关区", "长春市南关区", "吉林省长春市南关区（盖章）", "南关区（公章）", "ＮＡＮ关区",
                     "南 关 区", "长春市", "吉林市", "公主岭市", "朝阳区", "长春市朝阳区", "123", "１２３", "（未注明）"]),
    st.text(alphabet="南关区长春市省县（）() 　１1", max_size=8)), max_size=12)


@given(_UNIT_NAMES, _UNIT_NAMES)
def test_reported_units_are_those_some_sender_matches(expected: list[str], seen: list[str]) -> None:
    from toolkit.merge.stats import reported_units, unit_matches

    assert reported_units(expected, seen) == [u for u in expected if any(unit_matches(u, s) for s in seen)]


@given(_UNIT_NAMES, _UNIT_NAMES)
def test_any_sender_matches_as_every_pair_would(units: list[str], seen: list[str]) -> None:
    from toolkit.merge.divisions import _matches, any_matches

    assert any_matches(units, seen) == any(_matches(u, s) for u in units for s in seen)
