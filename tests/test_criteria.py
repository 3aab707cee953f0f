"""CEL criteria: bounds as Chinese law reads them, skipping, blanks, and safe messages."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.criteria import (
    compile_criterion,
    evaluate_row,
    months_between,
    render_message,
    row_variables,
)
from toolkit.packs.examples import example_record
from toolkit.packs.loader import load_pack

PACK = load_pack("jl-761-2020")
ANNEX = PACK.annex("projects")


def outcome(rule_id: str, **values: Any) -> str:
    rule = next(c for c in PACK.criteria if c.id == rule_id)
    record = {**example_record(ANNEX), **values}
    return evaluate_row(compile_criterion(rule), row_variables(PACK, ANNEX, record)).status


def test_500_wanyuan_is_enough_not_less_than_includes_the_bound() -> None:
    assert outcome("min-investment", category="大数据中心", total_investment=500) == "pass"
    assert outcome("min-investment", category="大数据中心", total_investment=499.99) == "fail"
    assert outcome("min-investment", category="人工智能", total_investment=1) == "skip"


def test_fifty_percent_includes_the_bound() -> None:
    assert outcome("bigdata-share", category="大数据中心", total_investment=1000, bigdata_investment=500) == "pass"
    assert outcome("bigdata-share", category="大数据中心", total_investment=1000, bigdata_investment=400) == "fail"


def test_blank_needed_value_fails_and_blank_condition_skips() -> None:
    assert outcome("planning-proposal", stage="谋划项目", proposal_done=None) == "fail"
    assert outcome("planning-proposal", stage=None) == "skip"


def test_new_projects_start_within_the_campaign_year() -> None:
    assert outcome("new-start-this-year", stage="新开工项目", start_date="2020-12") == "pass"
    assert outcome("new-start-this-year", stage="新开工项目", start_date="2021-01") == "fail"


@pytest.mark.parametrize(("uscc", "status"), [("91220101MA00000000", "pass"), ("91320101MA00000000", "fail")])
def test_registered_in_jilin(uscc: str, status: str) -> None:
    assert outcome("ai-registered-in-jilin", category="人工智能", uscc=uscc) == status


def test_individual_business_is_not_a_legal_person() -> None:
    assert outcome("ai-legal-person", category="人工智能", uscc="92220101MA00000000") == "fail"


def test_telecom_builders() -> None:
    assert outcome("telecom-builder", category="5G基础设施", applicant="中国移动通信集团吉林有限公司") == "pass"
    assert outcome("telecom-builder", category="5G基础设施", applicant="长春某科技有限公司") == "fail"


def test_message_placeholders_are_plain_substitution() -> None:
    assert render_message("占 {ratio}%，{x}", {"ratio": 40.0, "x": None}) == "占 40%，（空）"
    assert render_message("{a.__class__} {0}", {"a": 1}) == "{a.__class__} {0}"


def test_months_between() -> None:
    assert months_between("2019-01", "2021-01") == 24
    assert months_between("2020-07-15", "2020-09") == 2
