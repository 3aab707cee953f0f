"""The `shenbao` command through click's CliRunner: help, version, exit codes, Chinese messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import mutated_pack
from toolkit import __version__
from toolkit.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"shenbao {__version__}"


def test_help_is_chinese_and_lists_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert out.startswith("用法：shenbao")
    for name in ("packs", "pack-check", "template", "schema"):
        assert name in out


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_chinese_help_with_an_example(name: str) -> None:
    code, out, _ = run(name, "-h")
    assert code == 0
    assert "示例：" in out and f"shenbao {name}" in out.split("示例：", 1)[1]
    assert "选项：" in out and "Options" not in out


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from toolkit.cli import cli\n"
        "cli.main(['--help'], prog_name='shenbao', standalone_mode=False)\n"
        "heavy = [m for m in ('pandas','openpyxl','cel','jsonschema','docx','xlsxwriter') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "用法：shenbao" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="


def test_the_console_entry_ends_with_the_command_s_code_and_all_it_printed(tmp_path: Path) -> None:
    """`main` ends the process itself (os._exit): what went to a pipe is flushed first."""
    listed = subprocess.run([sys.executable, "-m", "toolkit", "packs", "--json"], capture_output=True, text=True)
    assert listed.returncode == 0
    assert {"jl-761-2020"} <= {row["id"] for row in json.loads(listed.stdout)}
    missing = subprocess.run([sys.executable, "-m", "toolkit", "run", "jl-761-2020", str(tmp_path / "无此文件夹"),
                              "-o", str(tmp_path / "out")], capture_output=True, text=True)
    assert missing.returncode == 2
    assert "找不到收件文件夹" in missing.stderr


def test_only_the_console_process_keeps_its_batch_to_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Called from Python (here CliRunner) a command's batch is freed when it returns; the console
    entry, which ends the process right after, leaves it for the exit to drop."""
    from toolkit import cli as module

    samples = Path(__file__).resolve().parents[1] / "samples" / "jl-761-2020"
    code, _, _ = run("run", "jl-761-2020", str(samples), "-o", str(tmp_path / "a"), "--json")
    assert code == 1 and module._kept == []
    monkeypatch.setattr(module, "_console", True)
    monkeypatch.setattr(module, "_kept", [])
    code, _, _ = run("run", "jl-761-2020", str(samples), "-o", str(tmp_path / "b"), "--json")
    assert code == 1 and [type(k).__name__ for k in module._kept] == ["RunResult"]


def test_packs_lists_every_campaign() -> None:
    code, out, _ = run("packs", "--json")
    assert code == 0
    ids = {row["id"] for row in json.loads(out)}
    assert {"jl-761-2020"} <= ids
    code, out, _ = run("packs")
    assert code == 0 and "附件4-1 2020年度省级工业互联网" in out  # the annex number apart from its title


def test_pack_check_good_pack() -> None:
    code, out, _ = run("pack-check", "jl-761-2020")
    assert code == 0 and "检查通过" in out


def test_pack_check_broken_pack_exits_1_with_reasons(tmp_path: Path) -> None:
    folder = mutated_pack(tmp_path, lambda raw: raw["criteria"][0].update(check="nope > 1"))
    code, out, err = run("pack-check", str(folder))
    assert code == 1
    assert "“nope”" in out and "1 处错误" in err


def test_pack_check_json_matches_library(tmp_path: Path) -> None:
    from toolkit.packs.loader import check_pack_dir

    folder = mutated_pack(tmp_path, lambda raw: raw["choice_lists"].update(stage=[]))
    code, out, _ = run("pack-check", str(folder), "--json")
    data = json.loads(out)
    assert code == 1 and data["valid"] is False
    assert data["findings"] == [f.to_dict() for f in check_pack_dir(folder)]


def test_unknown_pack_is_a_chinese_usage_error() -> None:
    code, out, err = run("template", "no-such-pack", "-o", "x")
    assert code == 2
    assert err.startswith("错误：找不到申报包“no-such-pack”")
    assert "Traceback" not in err + out


def test_bad_option_is_a_chinese_usage_error() -> None:
    code, _, err = run("template", "--bogus")
    assert code == 2 and err.startswith("用法错误：没有选项 --bogus")


def test_changes_since() -> None:
    code, out, _ = run("template", "jl-761-2020", "--changes-since", "1.0.0")
    assert code == 0
    assert "新增列“进展情况”（必填）" in out


def test_changes_since_says_how_each_rule_changed() -> None:
    _, out, _ = run("template", "jl-761-2020", "--changes-since", "1.0.0")
    assert "有调整" not in out  # what changed, not only that something did
    # in words, as the pack workbook writes rules: field titles, not CEL keys
    assert "适用范围由“[项目阶段] 为 ‘新建项目’”改为“[项目阶段] 为 ‘新开工项目’”" in out
    assert "判断条件由“[建设单位].matches(‘移动|联通|电信|广电|铁塔’)”改为“listed(‘carriers’, [建设单位], [统一社会信用代码])”" in out


def test_changes_since_with_out_writes_templates_and_the_note(tmp_path: Path) -> None:
    """-o was ignored: the note only went to the console, and no template was written."""
    code, out, _ = run("template", "jl-761-2020", "--changes-since", "1.0.0", "-o", str(tmp_path / "模板"))
    assert code == 0
    note = tmp_path / "模板" / "模板变更说明（1.0.0→1.1.0）.txt"
    assert note.read_bytes().startswith(b"\xef\xbb\xbf")  # Notepad reads it as UTF-8
    assert "新增列“进展情况”（必填）" in note.read_text(encoding="utf-8-sig")
    assert list((tmp_path / "模板").glob("附件1*.xlsx"))
    assert str(note) in out


def test_changes_since_unknown_version() -> None:
    code, _, err = run("template", "jl-761-2020", "--changes-since", "0.1.0")
    assert code == 2 and "已发布的版本：1.0.0、1.1.0" in err


def test_schema_command_prints_the_annex_schema() -> None:
    code, out, _ = run("schema", "jl-761-2020", "projects")
    assert code == 0
    schema = json.loads(out)
    assert schema["properties"]["uscc"]["format"] == "uscc"
    assert "total_investment" in schema["required"]


def test_internal_errors_never_show_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.packs.source as source

    def boom() -> list[str]:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(source, "builtin_ids", boom)
    code, _, err = run("packs")
    assert code == 4 and "程序内部错误" in err and "kaboom" not in err
    code, _, err = run("--debug", "packs")
    assert code == 4 and "kaboom" in err
