"""Who should report to a unit: the next level down in the division table (issue 16, point 3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from tests.helpers import REPO
from toolkit.cli import cli
from toolkit.merge.divisions import expected_units, find_division, load_table
from toolkit.packs.loader import load_pack

PACK = load_pack("jl-761-2020")
CHANGCHUN = ("南关区", "宽城区", "朝阳区", "二道区", "绿园区", "双阳区", "九台区", "农安县", "榆树市", "德惠市", "公主岭市")


def test_the_table_has_its_source_and_date() -> None:
    data = json.loads((REPO / "toolkit" / "merge" / "divisions.json").read_text(encoding="utf-8"))
    assert data["source"] and data["date"] == "2023"
    table = load_table()
    assert table.names["220100"] == "长春市" and table.names["320100"] == "南京市"


def test_division_of_a_unit_name() -> None:
    assert find_division("长春市") == find_division("吉林省长春市") == find_division("长春市政务服务和数字化局") == "220100"
    assert find_division("吉林省工业和信息化厅") == "220000"
    assert find_division("朝阳区") is None  # 北京's or 长春's: not guessed
    assert find_division("长春新区管委会") is None


def test_the_level_is_known() -> None:
    assert expected_units("长春市", PACK.reporting_units, []).units == CHANGCHUN
    assert expected_units("吉林省", PACK.reporting_units, []).units == PACK.reporting_units
    assert expected_units("南京市", (), []).units == (
        "玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区", "栖霞区", "雨花台区", "江宁区", "六合区", "溧水区", "高淳区")
    county = expected_units("南关区", PACK.reporting_units, [])
    assert county.units is None and "expect" in county.basis
    # No unit name, and the senders are counties, not the pack's cities: nothing is checked.
    unknown = expected_units("", PACK.reporting_units, ["南关区", "朝阳区"])
    assert unknown.units is None and "未核对" in unknown.basis and "expect" in unknown.basis
    assert expected_units("", PACK.reporting_units, ["长春市"]).units == PACK.reporting_units
    # A pack (a city's own campaign) that lists some of the city's counties as its reporting units
    # decides: 农安县, 榆树市 and 德惠市 report to 长春市, not all eleven.
    own = expected_units("长春市", ("农安县", "榆树市", "德惠市"), [])
    assert own.units == ("农安县", "榆树市", "德惠市") and "申报包" in own.basis


def _inbox(tmp_path: Path) -> Path:
    root = tmp_path / "收件箱"
    shutil.copytree(REPO / "samples" / "jl-761-2020", root)
    (root / "shenbao.toml").unlink()  # no `expect`: the level must come from --unit-name
    return root


def test_the_readme_city_command_lists_the_counties_not_reported(tmp_path: Path) -> None:
    root = _inbox(tmp_path)
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(root), "-o", str(tmp_path / "out"),
                                   "--unit-name", "长春市", "--json"])
    assert res.exit_code == 1, res.output
    assert json.loads(res.stdout)["not_reported"] == ["德惠市", "公主岭市"]
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / "out" / "报送函.docx")).paragraphs)
    assert "应报送单位11个，已报送9个，尚未报送2个：德惠市、公主岭市。" in text
    assert "尚未报送12个" not in text and "吉林市" not in text.split("应报送单位")[1]


def test_without_a_unit_name_nothing_is_checked_and_the_clerk_is_told_how(tmp_path: Path) -> None:
    root = _inbox(tmp_path)
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(root), "-o", str(tmp_path / "out")])
    assert res.exit_code == 1
    assert "未核对应报送单位" in res.output and "expect" in res.output and "未报送：" not in res.output
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / "out" / "报送函.docx")).paragraphs)
    assert "应报送单位" not in text and "尚未报送" not in text


def test_figures_with_keys_of_a_later_version_are_still_read() -> None:
    """A newer shenbao (a city's) adds keys to the summary's figures; this one reads the rest."""
    from toolkit.merge.stats import SummaryStats

    data = {"pack_id": "jl-761-2020", "pack_version": "1.1.0", "annex": "projects", "unit": "万元", "unit_name": "长春市",
            "projects": 3, "totals": {}, "breakdowns": {}, "a_key_from_later": True}
    assert SummaryStats.from_dict(data).projects == 3
