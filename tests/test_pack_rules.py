"""pack-check runs every row rule (toolkit/packs/rulecheck.py): a rule that would fail on a county's
record, or never fire, is a pack error naming the rule, not a surprise at run time (issue 18)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import mutated_pack
from toolkit.findings import Finding
from toolkit.packs.loader import check_pack_dir


def _set(index: int, **values: Any) -> Any:
    def change(raw: dict[str, Any]) -> None:
        raw["criteria"][index].update(values)

    return change


def _errors(tmp_path: Path, index: int, **values: Any) -> list[Finding]:
    return [f for f in check_pack_dir(mutated_pack(tmp_path, _set(index, **values))) if f.is_error]


def test_a_number_compared_with_a_text_is_a_pack_error(tmp_path: Path) -> None:
    """It parsed, and then refused 7 of 12 valid projects with believable reasons."""
    (finding,) = _errors(tmp_path, 1, check="total_investment >= '500'")
    assert finding.code == "pack.rule-error"
    assert "min-investment" in finding.message and "total_investment >= '500'" in finding.message
    assert "无法计算" in finding.message


def test_a_when_that_cannot_be_evaluated_is_a_pack_error(tmp_path: Path) -> None:
    """It switched the rule off on every record."""
    (finding,) = _errors(tmp_path, 1, when="total_investment > '5'")
    assert finding.code == "pack.rule-error" and "when" in finding.message


def test_a_misspelled_choice_is_named_with_a_suggestion(tmp_path: Path) -> None:
    (finding,) = _errors(tmp_path, 0, when="category == '大数据中心类'")
    assert finding.code == "pack.unknown-choice"
    assert "大数据中心类" in finding.message and "是不是“大数据中心”" in finding.message
    (listed,) = _errors(tmp_path / "b", 1, when="category in ['大数据中心', '数字政务设施']")
    assert "数字政务设施" in listed.message and "数字政务基础设施" in listed.message


def test_a_literal_of_another_type_than_its_field_is_a_pack_error(tmp_path: Path) -> None:
    (finding,) = _errors(tmp_path, 2, check="proposal_done == 'true'")
    assert finding.code == "pack.rule-error" and "planning-proposal" in finding.message


def test_a_check_must_say_true_or_false(tmp_path: Path) -> None:
    (finding,) = _errors(tmp_path, 1, check="total_investment + 1.0")
    assert finding.code == "pack.rule-error" and "true/false" in finding.message


def test_values_must_evaluate_where_the_check_fails(tmp_path: Path) -> None:
    (finding,) = _errors(tmp_path, 1, check="total_investment < 0.0", values={"x": "total_investment * 2"})
    assert finding.code == "pack.rule-error" and "values.x" in finding.message


def test_a_failure_on_the_blank_record_that_is_not_about_a_blank(tmp_path: Path) -> None:
    (finding,) = _errors(tmp_path, 1, check="total_investment == null ? 'a'.matches('(') : true")
    assert finding.code == "pack.rule-error" and "全部留空" in finding.message


def test_valid_cel_we_do_not_evaluate_is_a_pack_error_naming_the_rule(tmp_path: Path) -> None:
    (finding,) = _errors(tmp_path, 1, check="total_investment >= 500u")
    assert finding.code == "pack.unsupported-expression" and "min-investment" in finding.message
    (function,) = _errors(tmp_path / "b", 1, check="applicant.lowerAscii() == 'x'")
    assert function.code == "pack.unknown-function" and "lowerAscii" in function.message


def test_exact_arithmetic_needs_no_epsilon(tmp_path: Path) -> None:
    """The rule a provincial officer writes from the README is accepted as it is."""
    assert _errors(tmp_path, 0, check="bigdata_investment <= total_investment * 0.3") == []


def test_every_rule_is_reported_in_one_pass(tmp_path: Path) -> None:
    """A rule that does not parse does not hide another rule that does not evaluate."""
    def change(raw: dict[str, Any]) -> None:
        raw["criteria"][0]["check"] = "bigdata_investment >= "
        raw["criteria"][1]["check"] = "total_investment >= '500'"
        raw["criteria"][2]["when"] = "stage == '谋划'"

    codes = sorted(f.code for f in check_pack_dir(mutated_pack(tmp_path, change)))
    assert codes == ["pack.bad-expression", "pack.rule-error", "pack.unknown-choice"]
