"""The five closing lines of `shenbao run`: read, passed, to check, outputs, the exit in words."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from tests.inbox_fixtures import header_only
from toolkit.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "jl-761-2020"


def closing(output: str) -> list[str]:
    return output.rstrip("\n").split("\n")[-5:]


def test_a_run_with_findings_ends_with_five_lines(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(SAMPLES), "-o", str(tmp_path / "out"),
                                   "--unit-name", "长春市"])
    assert res.exit_code == 1
    read, passed, check, out, verdict = closing(res.stdout)
    assert re.fullmatch(r"读取：10 个文件（9 个已读取，1 个跳过），共 43 个项目", read)
    assert passed.startswith("结果：34 个项目入汇总表，总投资 75,700.00 万元（7.57 亿元）；8 个未通过")
    assert "1 个重复已合并" in passed
    assert check.startswith("请核实：") and "疑似重复 1 对" in check and "未报送：德惠市、公主岭市" in check
    assert out.startswith(f"输出：{tmp_path / 'out'}（汇总表.xlsx、校验报告.xlsx、退回修改/、报送函.docx")
    assert verdict.startswith("结论：已完成，但有未通过的项目") and verdict.endswith("（退出码 1）")


def test_a_clean_run_says_it_can_be_sent(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    header_only(inbox / "南关区.xlsx")
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(inbox), "-o", str(tmp_path / "out"),
                                   "--expect", "南关区"])
    read, passed, check, _, verdict = closing(res.stdout)
    assert res.exit_code == 0, res.output
    assert read == "读取：1 个文件（1 个已读取），共 0 个项目" and passed.startswith("结果：0 个项目入汇总表")
    assert check == "请核实：没有需要核实的事项"
    assert verdict == "结论：全部通过，可以报送（退出码 0）"
