"""Month over month: new, changed (which fields), unchanged, withdrawn."""

from __future__ import annotations

from typing import Any

from toolkit.ingest.records import Record
from toolkit.merge.monthly import CHANGED, NEW, SAME, WITHDRAWN, compare, describe
from toolkit.packs.loader import load_pack

ANNEX = load_pack("jl-761-2020").annex("projects")


def rec(name: str, **values: Any) -> Record:
    base = {"project_name": name, "uscc": "11220100013544617X", "applicant": "长春市交通运输局",
            "total_investment": 1200.0, "progress": "招标中"}
    return Record("projects", {**base, **values}, "南关区.xlsx", "表", 5)


def test_new_changed_same_withdrawn() -> None:
    previous = [rec("长春市智慧交通一期项目"), rec("南关区政务云"), rec("朝阳区停车平台")]
    current = [rec("长春市智慧交通项目（一期）", total_investment=1500.0, progress="已开工"),  # renamed and changed
               rec("南关区政务云"), rec("宽城区智慧社区")]
    changes = compare(ANNEX, current, previous)
    status = {c.record.values["project_name"]: c.status for c in changes.items}
    assert status == {"长春市智慧交通项目（一期）": CHANGED, "南关区政务云": SAME, "宽城区智慧社区": NEW,
                      "朝阳区停车平台": WITHDRAWN}
    changed = next(c for c in changes.items if c.status == CHANGED)
    assert set(changed.fields) == {"project_name", "total_investment", "progress"}
    assert "总投资：1,200 → 1,500" in describe(ANNEX, changed)
    assert (changes.count(NEW), changes.count(CHANGED), changes.count(WITHDRAWN)) == (1, 1, 1)


def test_a_different_phase_is_a_different_project() -> None:
    changes = compare(ANNEX, [rec("长春市智慧交通二期项目")], [rec("长春市智慧交通一期项目")])
    assert sorted(c.status for c in changes.items) == sorted([NEW, WITHDRAWN])


def test_amounts_equal_to_the_cent_are_unchanged() -> None:
    changes = compare(ANNEX, [rec("甲", total_investment=1200.001)], [rec("甲", total_investment=1200.0)])
    assert [c.status for c in changes.items] == [SAME]
