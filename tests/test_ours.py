"""Our own outputs in an inbox (issue 16, point 4): a province inbox holding a city's output folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fixtures_files import soffice_convert
from tests.helpers import REPO
from toolkit.cli import cli
from toolkit.ingest import ours
from toolkit.ingest.inbox import ingest
from toolkit.packs.loader import load_pack
from toolkit.run import job as run_module

PACK = load_pack("jl-761-2020")
SPLITS = ["汇总表-省工信厅.xlsx", "汇总表-省政务服务和数字化局.xlsx", "汇总表-省通信管理局.xlsx"]
RETURNS = ["九台区", "二道区", "农安县", "南关区", "双阳区", "宽城区", "朝阳区", "榆树市"]


def test_the_names_are_the_ones_run_writes() -> None:
    for name in ("SUMMARY_NAME", "REPORT_NAME", "RETURNS_DIR", "LETTER_NAME", "MANIFEST_NAME", "CHANGES_NAME"):
        assert getattr(ours, name) == getattr(run_module, name)


@pytest.fixture(scope="module")
def city_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """长春市's whole output folder, as `shenbao run` wrote it from the sample inbox."""
    out = tmp_path_factory.mktemp("city") / "长春市"
    res = CliRunner().invoke(cli, ["run", str(REPO / "samples" / "jl-761-2020"), "-o", str(out)])
    assert res.exit_code == 1, res.output  # the samples' planted rejections
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", "报送函.docx", "校验报告.xlsx", "汇总表.xlsx", "退回修改", *SPLITS])
    return out


def province_inbox(tmp_path: Path, city_output: Path, manifest: bool = True) -> Path:
    root = tmp_path / "省收件箱"
    shutil.copytree(city_output, root / "长春市")
    if not manifest:
        (root / "长春市" / "manifest.json").unlink()
    return root


def test_a_city_output_folder_gives_its_summary_only(tmp_path: Path, city_output: Path) -> None:
    root = province_inbox(tmp_path, city_output)
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(root), "-o", str(tmp_path / "out"), "--unit-name", "吉林省",
                                   "--json"])
    data = json.loads(res.stdout)
    files = {f["path"]: (f["status"], f["rows"]) for f in data["files"]}
    assert files.pop("长春市/汇总表.xlsx") == ("ok", 34)
    expected = ["长春市/manifest.json", "长春市/报送函.docx", "长春市/校验报告.xlsx", *(f"长春市/{s}" for s in SPLITS),
                *(f"长春市/退回修改/{u}（退回修改）.xlsx" for u in RETURNS)]
    assert files == {p: ("skipped", 0) for p in expected}
    messages = {f["path"]: f["message"] for f in data["files"]}
    assert all("shenbao 生成的" in messages[p] and "manifest.json" in messages[p] for p in expected)
    c = data["counts"]
    assert c["rows_read"] == 34 == c["accepted"] + c["rejected"] + c["duplicates_merged"]
    assert c["duplicates_merged"] == 0 and not [f for f in data["findings"] if f["code"] == "dup.exact"]
    assert res.exit_code == 0, res.output
    assert data["not_reported"] == [u for u in PACK.reporting_units if u != "长春市"]


def test_without_the_manifest_the_report_and_splits_are_known_by_content(tmp_path: Path, city_output: Path) -> None:
    root = province_inbox(tmp_path, city_output, manifest=False)
    result = ingest(PACK, [root])
    status = {f.path: (f.status, f.rows) for f in result.files}
    assert status["长春市/汇总表.xlsx"] == ("ok", 34)
    assert status["长春市/校验报告.xlsx"] == ("skipped", 0)
    assert {status[f"长春市/{s}"] for s in SPLITS} == {("skipped", 0)}
    messages = {f.path: f.message or "" for f in result.files}
    assert "校验报告" in messages["长春市/校验报告.xlsx"]
    assert "都在同一文件夹的“长春市/汇总表.xlsx”中" in messages[f"长春市/{SPLITS[0]}"]
    # A return copy outside an output folder is a county's file sent back: read.
    assert status["长春市/退回修改/南关区（退回修改）.xlsx"] == ("ok", 6)


def test_a_split_that_is_not_beside_its_summary_is_read(tmp_path: Path, city_output: Path) -> None:
    """The 省工信厅 receives each city's split on its own: that is its input."""
    root = tmp_path / "工信厅收件箱"
    root.mkdir()
    shutil.copy(city_output / SPLITS[0], root / SPLITS[0])
    result = ingest(PACK, [root])
    assert [(f.path, f.status, f.rows) for f in result.files] == [(SPLITS[0], "ok", 11)]


@pytest.mark.office
def test_a_city_summary_and_split_saved_by_libreoffice(tmp_path: Path, city_output: Path) -> None:
    """The city clerk opened both in LibreOffice and saved them: the split is still known by content."""
    root = tmp_path / "省收件箱" / "长春市"
    root.mkdir(parents=True)
    for name in ("汇总表.xlsx", SPLITS[0]):
        saved = soffice_convert(city_output / name, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo" / name)
        shutil.move(saved, root / name)
    result = ingest(PACK, [root.parent])
    status = {f.path: (f.status, f.rows) for f in result.files}
    assert status == {"长春市/汇总表.xlsx": ("ok", 34), f"长春市/{SPLITS[0]}": ("skipped", 0)}
    assert result.rows_read == 34


def test_a_changes_table_without_its_manifest_is_known_by_content(tmp_path: Path, city_output: Path) -> None:
    """本期变化.xlsx lists projects under their own titles: copied alone into an inbox, it is
    recognised as ours, not read as a county's rows."""
    second = tmp_path / "八月"
    res = CliRunner().invoke(cli, ["run", str(REPO / "samples" / "jl-761-2020"), "-o", str(second),
                                   "--previous", str(city_output / "汇总表.xlsx")])
    assert res.exit_code == 1, res.output
    root = tmp_path / "收件箱"
    root.mkdir()
    shutil.copy(second / "本期变化.xlsx", root / "本期变化.xlsx")
    shutil.copy(REPO / "samples" / "jl-761-2020" / "南关区.xlsx", root / "南关区.xlsx")
    result = ingest(PACK, [root])
    status = {f.path: (f.status, f.rows, f.message) for f in result.files}
    assert status["南关区.xlsx"][:2] == ("ok", 6)
    assert status["本期变化.xlsx"] == ("skipped", 0, "这是 shenbao 生成的本期变化表（不是报送的申报表），已跳过")
