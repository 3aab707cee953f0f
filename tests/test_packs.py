"""Every built-in pack loads and passes its own lint; pack-check catches what officers get wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import mutated_pack, write_pack
from toolkit.errors import PackError
from toolkit.packs.changes import changes_since, diff_packs
from toolkit.packs.loader import check_pack_dir, history_versions, load_history, load_pack
from toolkit.packs.source import builtin_ids

EXPECTED_PACKS = {"jl-761-2020", "js-zhjs-2020", "jl-gyhlw-2020", "jl-zgsz-2023"}


def test_all_four_campaigns_ship() -> None:
    assert EXPECTED_PACKS <= set(builtin_ids())


@pytest.mark.parametrize("pack_id", builtin_ids())  # every pack in schemas/, not a list kept here
def test_builtin_pack_is_clean(pack_id: str) -> None:
    assert check_pack_dir(pack_id) == []
    pack = load_pack(pack_id)
    assert pack.id == pack_id
    assert pack.changelog[-1].version == pack.version or any(e.version == pack.version for e in pack.changelog)
    for annex in pack.data_annexes:
        assert annex.fields, annex.id
        for f in annex.fields:
            assert f.hint or f.type == "list" or f.key in ("remarks",), f"{pack_id}.{f.key} has no input hint"
    for crit in pack.criteria:
        assert crit.clause and crit.message


def test_761_routes_every_category_to_its_department() -> None:
    pack = load_pack("jl-761-2020")
    assert pack.route_of("大数据中心") == "省政务服务和数字化局"
    assert pack.route_of("数字政务基础设施") == "省政务服务和数字化局"
    assert pack.route_of("人工智能") == "省工信厅"
    assert pack.route_of("工业互联网") == "省工信厅"
    assert pack.route_of("5G基础设施") == "省通信管理局"
    assert pack.route_of("通信基础设施") == "省通信管理局"
    assert len(pack.reporting_units) == 12


def test_pack_can_be_loaded_from_a_folder(tmp_path: Path) -> None:
    folder = mutated_pack(tmp_path, lambda raw: raw.update(id="my-pack"))
    assert load_pack(folder).id == "my-pack"
    assert load_pack(folder / "pack.json").id == "my-pack"


def _codes(folder: Path) -> list[str]:
    return [f.code for f in check_pack_dir(folder)]


def _set_criterion(index: int, **values: Any) -> Any:
    def change(raw: dict[str, Any]) -> None:
        raw["criteria"][index].update(values)

    return change


def test_bad_json_is_one_finding_with_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "pack.json").write_text('{"id": "x",\n "version": }', encoding="utf-8")
    findings = check_pack_dir(folder)
    assert [f.code for f in findings] == ["pack.unreadable"]
    assert "第2行" in findings[0].message


def test_shape_errors_are_all_reported_in_chinese(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        del raw["notice"]["number"]
        raw["annexes"][0]["fields"][0]["type"] = "textt"
        raw["unit"] = "美元"

    findings = check_pack_dir(mutated_pack(tmp_path, change))
    messages = "\n".join(f.message for f in findings)
    assert len(findings) == 3
    assert {f.code for f in findings} == {"pack.shape"}
    assert "缺少必填项 number" in messages
    assert "textt" in messages and "美元" in messages


def test_criterion_naming_an_undeclared_field(tmp_path: Path) -> None:
    folder = mutated_pack(tmp_path, _set_criterion(0, check="bigdata_invest >= total_investment * 0.5"))
    findings = check_pack_dir(folder)
    assert [f.code for f in findings] == ["pack.unknown-field"]
    assert "bigdata_invest" in findings[0].message and "bigdata-share" in findings[0].message


def test_criterion_on_several_annexes_is_checked_on_each(tmp_path: Path) -> None:
    ok = mutated_pack(tmp_path / "ok", _set_criterion(1, annex=["projects"]))
    assert _codes(ok) == []
    folder = mutated_pack(tmp_path / "bad", _set_criterion(1, annex=["projects", "nowhere"]))
    findings = check_pack_dir(folder)
    assert [f.code for f in findings] == ["pack.unknown-annex"] and "nowhere" in findings[0].message


def test_criterion_with_a_syntax_error(tmp_path: Path) -> None:
    assert _codes(mutated_pack(tmp_path, _set_criterion(1, check="total_investment >= "))) == ["pack.bad-expression"]


def test_criterion_with_an_unknown_function(tmp_path: Path) -> None:
    folder = mutated_pack(tmp_path, _set_criterion(1, check="open('x') == 1"))
    assert _codes(folder) == ["pack.unknown-function"]


def test_criterion_message_placeholder_must_be_known(tmp_path: Path) -> None:
    folder = mutated_pack(tmp_path, _set_criterion(1, message="总投资 {total} 万元"))
    assert _codes(folder) == ["pack.unknown-placeholder"]


def test_empty_choice_list(tmp_path: Path) -> None:
    folder = mutated_pack(tmp_path, lambda raw: raw["choice_lists"].update(stage=[]))
    assert "pack.empty-choices" in _codes(folder)


def test_choice_field_pointing_at_a_missing_list(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["annexes"][0]["fields"][2]["choices"] = "categories"

    assert _codes(mutated_pack(tmp_path, change)) == ["pack.unknown-choice-list"]


def test_duplicate_keys_and_ambiguous_aliases(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        fields = raw["annexes"][0]["fields"]
        fields[1]["key"] = fields[0]["key"]
        fields[3]["aliases"].append("项目 类别")  # normalises like category's title

    codes = _codes(mutated_pack(tmp_path, change))
    assert "pack.duplicate-field" in codes and "pack.ambiguous-alias" in codes


def test_summary_must_name_declared_numeric_fields(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["summary"]["columns"].append("budget")
        raw["summary"]["sum_fields"].append("project_name")

    codes = _codes(mutated_pack(tmp_path, change))
    assert codes == ["pack.unknown-field", "pack.sum-not-numeric"]


def test_routing_needs_a_route_on_every_choice(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        del raw["choice_lists"]["category"][0]["route"]

    findings = check_pack_dir(mutated_pack(tmp_path, change))
    assert [f.code for f in findings] == ["pack.missing-route"]
    assert "大数据中心" in findings[0].message


def test_current_version_needs_a_changelog_entry(tmp_path: Path) -> None:
    assert _codes(mutated_pack(tmp_path, lambda raw: raw.update(version="1.2.0"))) == ["pack.changelog"]


def test_load_pack_refuses_a_bad_pack_with_the_reasons(tmp_path: Path) -> None:
    folder = mutated_pack(tmp_path, _set_criterion(0, field="nope"))
    with pytest.raises(PackError, match="nope"):
        load_pack(folder)


def test_unknown_pack_lists_the_known_ones() -> None:
    with pytest.raises(PackError, match="jl-761-2020"):
        load_pack("no-such-pack")


def test_history_and_changes_since() -> None:
    pack = load_pack("jl-761-2020")
    assert history_versions(pack) == ["1.0.0"]
    old = load_history(pack, "1.0.0")
    lines = diff_packs(old, pack)
    assert any("新增列“进展情况”（必填）" in line for line in lines)
    assert any("新增列“项目责任人”（必填）" in line for line in lines)
    assert any("增加“新开工项目”，去掉“新建项目”" in line for line in lines)
    text = changes_since(pack, "1.0.0")
    assert "1.0.0 → 1.1.0" in text and "修订说明" in text
    with pytest.raises(PackError, match=r"1\.0\.0"):
        load_history(pack, "0.9.0")


def test_diff_sees_renames_units_and_removals(tmp_path: Path) -> None:
    base = load_pack("jl-761-2020")

    def change(raw: dict[str, Any]) -> None:
        fields = raw["annexes"][0]["fields"]
        fields[0]["title"] = "所在县区"
        fields[9]["unit"] = "亿元"
        del fields[-1]

    new = load_pack(mutated_pack(tmp_path, change))
    lines = "\n".join(diff_packs(base, new))
    assert "列“所在县（市、区）”改名为“所在县区”" in lines
    assert "“总投资”的单位由万元改为亿元" in lines
    assert "删除列“备注”" in lines


def test_minimal_pack_written_by_hand(tmp_path: Path) -> None:
    raw = {
        "id": "demo", "version": "0.1.0", "title": "演示", "year": 2024, "unit": "万元",
        "notice": {"title": "关于演示的通知", "number": "演办〔2024〕1号", "issuer": "演示局", "date": "2024-01-02"},
        "annexes": [{"id": "t", "number": "附件1", "title": "表", "kind": "table",
                     "fields": [{"key": "name", "role": "project_name", "title": "名称", "type": "text",
                                 "required": True}]}],
        "criteria": [],
        "changelog": [{"version": "0.1.0", "date": "2024-01-02", "changes": ["首次发布"]}],
    }
    folder = write_pack(tmp_path, raw)
    assert check_pack_dir(folder) == []
    assert load_pack(folder).annex("t").field("name").required


def _companion(**values: Any) -> Any:
    def change(raw: dict[str, Any]) -> None:
        rule = next(c for c in raw["criteria"] if c["id"] == "performance-sent")
        rule.update(values)

    return change


def test_companion_rules_are_checked(tmp_path: Path) -> None:
    """jl-gyhlw-2020's 申报书 needs its 绩效目标: pack-check names a missing companion annex or a
    match field that either annex does not declare."""
    assert _codes(mutated_pack(tmp_path / "ok", _companion(), base="jl-gyhlw-2020")) == []
    assert _codes(mutated_pack(tmp_path / "a", _companion(companion="no-such-annex"), base="jl-gyhlw-2020")) == [
        "pack.companion-rule"]
    bad = mutated_pack(tmp_path / "b", _companion(match_on={"project": "project_name", "project_name": "name"}),
                       base="jl-gyhlw-2020")
    assert _codes(bad) == ["pack.unknown-field", "pack.unknown-field"]
