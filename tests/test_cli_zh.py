"""Every word a clerk sees from the command line is Chinese: help pages, usage lines, metavars
and click's own error messages (toolkit/clizh.py)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from toolkit import clizh
from toolkit.cli import cli

COMMANDS = sorted(cli.commands)  # type: ignore[attr-defined]


def invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.output


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_pages_hold_no_english(command: str | None) -> None:
    code, out = invoke(*([command] if command else []), "-h")
    assert code == 0
    assert clizh.english_words(out) == [], out
    assert "用法：" in out and "[选项]" in out


def test_main_help_shows_the_run_command() -> None:
    _, out = invoke("-h")
    steps = out.split("常用步骤：")[1].split("选项：")[0]
    assert "shenbao run " in steps and "shenbao template " in steps


@pytest.mark.parametrize("args", [
    ["run", "jl-761-2020", "收件箱", "-o", "README.md"],  # -o names a file, not a folder
    ["run", "--bogus"],
    ["runn"],
    ["packs", "多余的参数"],
    ["template", "jl-761-2020", "--annex"],
    ["ingest", "jl-761-2020", "收件箱"],  # -o is required
    ["schema"],
])
def test_usage_errors_are_chinese(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("x", encoding="utf-8")
    (tmp_path / "收件箱").mkdir()
    code, out = invoke(*args)
    assert code == 2, out
    assert out.startswith("用法错误："), out
    assert clizh.english_words(out) == [], out


def test_english_words_sees_clicks_words() -> None:
    """The check above can fail: click's English is found."""
    english = "Usage: shenbao [OPTIONS] COMMAND [ARGS]... Error: Invalid value for '-o': Directory is a file. [required]"
    assert set(clizh.english_words(english)) >= {"Usage", "OPTIONS", "COMMAND", "Error", "Invalid", "Directory",
                                                 "file", "required"}


def click_sources() -> str:
    folder = Path(click.__file__).parent
    return "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))


def test_every_translated_text_is_one_click_prints() -> None:
    """A click release that rewords a text would show it in English again: fail here instead."""
    source = click_sources()
    flat = re.sub(r'"\s*\n\s*"', "", source)  # texts click writes over several lines
    for text in [*clizh.MESSAGES, *(t for pair in clizh.PLURALS for t in pair)]:
        literal = text.replace("\n", "\\n").replace("\t", "\\t")
        assert f'"{literal}"' in flat or f"'{literal}'" in flat, text


def test_placeholders_are_kept() -> None:
    names = re.compile(r"\{(\w+)")
    for english, chinese in clizh.MESSAGES.items():
        assert set(names.findall(chinese)) <= set(names.findall(english)), english
    for pair, chinese in clizh.PLURALS.items():
        assert set(names.findall(chinese)) <= set(names.findall(pair[0])) | set(names.findall(pair[1])), pair


def test_chinese_wrapping_counts_columns() -> None:
    lines = clizh.fill("应报送的单位：一个每行一个单位名称的文本文件，或用“、”分隔的名称；默认用申报包中的名单。", 30)
    assert all(clizh.width_of(line) <= 30 for line in lines)
    assert not any(line[0] in "，。；：）" for line in lines)
    assert "".join(lines).startswith("应报送的单位")
    assert clizh.join_lines(["各项数", "目）。输出 manifest.json", "and more"]) == "各项数目）。输出 manifest.json and more"
    assert clizh.fill("see shenbao.toml please", 12) == ["see", "shenbao.toml", "please"]  # words stay whole
