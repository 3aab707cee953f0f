"""Rules written with Chinese field titles translate to the same CEL as the JSON packs write, and
give the same verdicts as their CEL twins on records (at the notice's bounds)."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.packs.criteria import compile_criterion, evaluate_row, row_variables
from toolkit.packs.loader import load_pack
from toolkit.packs.model import Criterion
from toolkit.packs.rules_zh import RuleError, is_chinese_form, translate

PACK = load_pack("jl-761-2020")
ANNEX = PACK.annex("projects")
FIELDS: list[dict[str, Any]] = PACK.raw["annexes"][0]["fields"]

CASES = [
    ("[总投资] >= 500", "total_investment >= 500.0"),
    ("[总投资] ＞＝ 500", "total_investment >= 500.0"),
    ("[总投资] ≥ 500", "total_investment >= 500.0"),
    ("[总投资（万元）] ≤ 500.5", "total_investment <= 500.5"),
    ("[项目类别] 为 \"大数据中心\"", "category == '大数据中心'"),
    ("[项目类别] = “大数据中心”", "category == '大数据中心'"),
    ("[项目类别] 是 \"大数据中心\" 或 \"数字政务基础设施\"", "category in ['大数据中心', '数字政务基础设施']"),
    ("[项目类别] 不是 ‘大数据中心’ 或 ‘人工智能’", "!(category in ['大数据中心', '人工智能'])"),
    ("[其中：大数据存储、分析和应用投资] >= [总投资] * 0.5", "bigdata_investment >= total_investment * 0.5"),
    ("[建设单位] 已填", "applicant != null"),
    ("[建设单位] 未填", "applicant == null"),
    ("[所在县（市、区）] 已填", "county != null"),
    ("[项目建议书是否完成] 为 \"是\"", "proposal_done == true"),
    ("[计划开工时间] 已填 并且 [计划竣工时间] 已填", "start_date != null && end_date != null"),
    ("（[总投资] ＞ 500 或者 [项目阶段] 是 “谋划项目”） 并且 [建设单位] 已填",
     "(total_investment > 500.0 || stage == '谋划项目') && applicant != null"),
    ("[建设单位] 已填 或 [总投资] > 1", "applicant != null || total_investment > 1.0"),
    ("[项目类别] 是 \"A\" 或 \"B\" 或者 [总投资] < 100", "category in ['A', 'B'] || total_investment < 100.0"),
]


@pytest.mark.parametrize(("zh", "cel"), CASES)
def test_each_form_translates_to_the_json_packs_cel(zh: str, cel: str) -> None:
    assert is_chinese_form(zh)
    assert translate(zh, FIELDS) == cel


def test_plain_cel_is_left_alone() -> None:
    for crit in PACK.criteria:
        for source in (crit.when, crit.check):
            assert source is None or not is_chinese_form(source)


@pytest.mark.parametrize(("source", "said"), [
    ("[总投姿] >= 500", "没有名为“总投姿”的字段，是不是“总投资”？"),
    ("[总投资] >= 500 或者", "“并且/或者”的两边都要有条件"),
    ("[项目类别] 是 大数据中心", "看不懂“大数据中心”"),
    ("[项目类别] 是 \"大数据中心", "引号没有配对"),
])
def test_a_rule_that_cannot_be_read_says_why(source: str, said: str) -> None:
    with pytest.raises(RuleError) as err:
        translate(source, FIELDS)
    assert said in str(err.value)


RECORDS = [
    {"category": "大数据中心", "total_investment": 500, "bigdata_investment": 250, "applicant": "甲",
     "stage": "谋划项目", "proposal_done": True, "start_date": "2020-06", "end_date": "2021-06", "county": "南关区"},
    {"category": "大数据中心", "total_investment": 499.99, "bigdata_investment": 249.99, "applicant": None,
     "stage": "新开工项目", "proposal_done": False, "start_date": "2020-06"},
    {"category": "人工智能", "total_investment": 1000, "bigdata_investment": 100, "applicant": "乙"},
    {"category": "数字政务基础设施", "total_investment": 500.01, "stage": "续建项目", "applicant": "丙"},
    {},
]


@pytest.mark.parametrize(("zh", "cel"), CASES)
def test_translated_rules_give_the_verdicts_of_their_cel_twins(zh: str, cel: str) -> None:
    def verdicts(when: str | None, check: str) -> list[str]:
        rule = Criterion(id="r", clause="一", severity="error", annex="projects", message="m", when=when, check=check)
        compiled = compile_criterion(rule)
        return [evaluate_row(compiled, row_variables(PACK, ANNEX, r)).status for r in RECORDS]

    assert verdicts(None, translate(zh, FIELDS)) == verdicts(None, cel)
    assert verdicts(translate(zh, FIELDS), "true") == verdicts(cel, "true")
    assert set(verdicts(None, cel)) != {"pass"} or zh.endswith("已填")  # the records tell the forms apart
