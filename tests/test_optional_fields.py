"""A field the template marks 选填 never refuses a project by being blank.

For every data annex of every pack, each optional field is blanked in a record where every field
holds a valid value: no new error may follow, except from a rule with a `when` (a field the notice
requires only in a case, e.g. 两化融合自评估 for a 制造业企业, 5户本地企业 for a platform project).
"""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.ingest.records import Record
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack
from toolkit.packs.source import builtin_ids
from toolkit.validate import RowChecker

OPTIONAL = [(pack_id, annex.id, f.key) for pack_id in builtin_ids() for annex in load_pack(pack_id).data_annexes
            for f in annex.fields if not f.required]


def errors(checker: RowChecker, annex_id: str, values: dict[str, Any]) -> set[str]:
    record = Record(annex_id, values, "甲.xlsx", "Sheet1", 5)
    return {f.code for f in checker.check(record) if f.is_error}


@pytest.mark.parametrize(("pack_id", "annex_id", "key"), OPTIONAL)
def test_a_blank_optional_field_refuses_only_where_the_notice_asks_for_it(pack_id: str, annex_id: str,
                                                                           key: str) -> None:
    pack = load_pack(pack_id)
    checker = RowChecker(pack)
    for seed in range(3):
        full = example_record(pack.annex(annex_id), seed)
        new = errors(checker, annex_id, {**full, key: None}) - errors(checker, annex_id, full)
        conditional = {f"criteria.{c.id}" for c in pack.criteria if c.annex == annex_id and c.when}
        assert new <= conditional, f"{pack_id} {annex_id}.{key} 选填，留空却被拒：{sorted(new - conditional)}"


def test_other_with_its_note_is_a_valid_service_type() -> None:
    """工业互联网 4-1 提供服务类型: □其他（请注明）."""
    pack = load_pack("jl-gyhlw-2020")
    checker = RowChecker(pack)
    full = example_record(pack.annex("application"))
    assert "schema.enum" not in errors(checker, "application", {**full, "service_types": ["其他"],
                                                                 "service_other": "工业数据治理服务"})
    assert errors(checker, "application", {**full, "service_types": None, "service_other": None}) \
        == errors(checker, "application", full)
