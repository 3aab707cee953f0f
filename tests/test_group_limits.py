"""Per-applicant limits count projects, not rows: a project sent as a 推荐汇总表 row and a 申报表
form is one project, and so are three forms of three projects three. A rule's `when` is honoured,
and `counts` says whether every project sent counts or only those passing the other rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.criteria_cases import make_record, template_cells
from tests.helpers import mutated_pack
from tests.inbox_fixtures import code
from tests.test_criteria_js_zhjs import BASE
from tests.test_packs import _codes
from toolkit.ingest.records import Record
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack
from toolkit.packs.model import Pack
from toolkit.validate import validate

PACK = load_pack("js-zhjs-2020")
TABLE, FORM = PACK.annex("recommended"), PACK.annex("application")
TELECOM = {"applicant": "中国电信股份有限公司南京分公司", "uscc": code("91320100MA2000000"), "category": "数字基建类"}
NAMES = ["江宁区5G智慧园区专网", "鼓楼区千兆光网城市示范", "浦口区物联网感知平台"]
RULE = "criteria.max-two-per-applicant"


def row(name: str, n: int, file: str = "江宁区推荐项目汇总表.xlsx", **changes: Any) -> Record:
    return make_record(TABLE, {**BASE, **TELECOM, "project_name": name, **changes}, template_cells(PACK, TABLE), file,
                       4 + n)


def form(name: str, file: str, **changes: Any) -> Record:
    values = {**example_record(FORM), **{k: v for k, v in BASE.items() if k in FORM.field_keys}, **TELECOM,
              "unit_type": "国有企业", "partner_uscc": None, "partner_role": None, "project_name": name, **changes}
    return make_record(FORM, values, template_cells(PACK, FORM), file)


def refused_by_limit(pack: Pack, records: list[Record]) -> list[Record]:
    result = validate(pack, records)
    return [r for r in records if any(f.code == RULE for f in result.reasons_for(r))]


def test_the_base_records_pass() -> None:
    records = [row(NAMES[0], 1), form(NAMES[1], "申报表（中国电信）.xlsx")]
    result = validate(PACK, records)
    assert [f for f in result.findings if f.is_error] == [] and result.accepted == records


def test_three_forms_from_one_applicant_are_three_projects() -> None:
    forms = [form(name, f"申报表{'(' + str(i) + ')' if i else ''}.xlsx") for i, name in enumerate(NAMES)]
    assert refused_by_limit(PACK, forms) == forms
    assert refused_by_limit(PACK, forms[:2]) == []


def test_two_table_rows_and_one_form_are_three_projects() -> None:
    records = [row(NAMES[0], 1), row(NAMES[1], 2), form(NAMES[2], "申报表.xlsx")]
    assert refused_by_limit(PACK, records) == records
    result = validate(PACK, records)
    (message,) = {f.message.split("（共")[1] for f in result.findings if f.code == RULE}
    assert message.startswith(" 3 个：江宁区推荐项目汇总表.xlsx 第5行；江宁区推荐项目汇总表.xlsx 第6行；申报表.xlsx ")


def test_a_project_sent_as_a_row_and_a_form_counts_once() -> None:
    """Its form written “…建设项目”: still the same project (a warning shows both spellings)."""
    records = [row(NAMES[0], 1), row(NAMES[1], 2), form(NAMES[1] + "建设项目", "申报表.xlsx")]
    result = validate(PACK, records)
    assert refused_by_limit(PACK, records) == [] and result.accepted == records
    assert [f.code for f in result.findings] == ["project.linked"]


def with_rule(tmp_path: Path, **changes: Any) -> Pack:
    def change(raw: dict[str, Any]) -> None:
        rule = next(c for c in raw["criteria"] if c["id"] == "max-two-per-applicant")
        rule.update(changes)

    return load_pack(mutated_pack(tmp_path, change, base="js-zhjs-2020"))


def test_when_on_a_group_rule_is_honoured(tmp_path: Path) -> None:
    """Only 数字基建类 projects counted: a third project of another category does not count."""
    pack = with_rule(tmp_path, when="category == '数字基建类'")
    records = [row(NAMES[0], 1), row(NAMES[1], 2), form(NAMES[2], "申报表.xlsx", category="数字治理类")]
    assert refused_by_limit(pack, records) == []
    assert refused_by_limit(PACK, records) == records  # the shipped rule counts every category
    records[2] = form(NAMES[2], "申报表.xlsx")
    assert refused_by_limit(pack, records) == records


@pytest.mark.parametrize(("counts", "refused"), [("all", 3), ("passing", 0)])
def test_counts_says_whether_projects_refused_otherwise_count(tmp_path: Path, counts: str, refused: int) -> None:
    """Three projects, one refused for its amount (299 万元): “推荐项目不超过2个” (passing) holds with
    the two that pass; “申报项目数不超过2个” (all) counts the third too."""
    pack = with_rule(tmp_path, counts=counts)
    records = [row(NAMES[0], 1), row(NAMES[1], 2), form(NAMES[2], "申报表.xlsx", total_investment=299.0,
                                                         civil_investment=0.0)]
    assert len(refused_by_limit(pack, records)) == refused
    result = validate(pack, records)
    assert result.rejected[-1:] == [records[2]]  # refused for its amount either way
    assert len(result.accepted) == 2 - (refused and 2)


def test_pack_check_asks_what_a_group_limit_counts(tmp_path: Path) -> None:
    def drop_counts(raw: dict[str, Any]) -> None:
        rule = next(c for c in raw["criteria"] if c["id"] == "max-two-per-applicant")
        del rule["counts"]

    assert _codes(mutated_pack(tmp_path / "a", drop_counts, base="js-zhjs-2020")) == ["pack.group-counts"]

    def counts_on_a_row_rule(raw: dict[str, Any]) -> None:
        raw["criteria"][0]["counts"] = "passing"

    assert set(_codes(mutated_pack(tmp_path / "b", counts_on_a_row_rule, base="js-zhjs-2020"))) == {"pack.group-counts"}

    def bad_value(raw: dict[str, Any]) -> None:
        next(c for c in raw["criteria"] if c["id"] == "max-two-per-applicant")["counts"] = "some"

    assert _codes(mutated_pack(tmp_path / "c", bad_value, base="js-zhjs-2020")) == ["pack.shape"]
