"""`shenbao run`: the JSON contract, exit codes, the manifest, atomic outputs, the lock, reruns."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from python_calamine import CalamineWorkbook

from tests.inbox_fixtures import build_inbox, own_layout_two_level
from toolkit.cli import cli
from toolkit.packs.source import builtin_root
from toolkit.run.job import LOCK_NAME

SCHEMA = json.loads((builtin_root() / "run-result.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_inbox(tmp_path_factory.mktemp("run") / "收件箱")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["run", *args])


def test_json_contract_invariant_and_exit_code(inbox: Path, tmp_path: Path) -> None:
    res = run("jl-761-2020", str(inbox), "-o", str(tmp_path / "out"), "--json", "--unit-name", "长春市")
    assert res.exit_code == 1, res.stderr  # the inbox has unreadable files and rejected rows
    data = json.loads(res.stdout)  # stdout is exactly one JSON object
    jsonschema.validate(data, SCHEMA)
    c = data["counts"]
    assert c["rows_read"] == c["accepted"] + c["rejected"] + c["duplicates_merged"] == 10
    assert {f["status"] for f in data["files"]} == {"ok", "error", "skipped"}
    for key in ("summary", "report", "returns", "letter", "manifest"):
        assert Path(data["outputs"][key]).exists(), key


def test_manifest_records_inputs_and_versions(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run("jl-761-2020", str(inbox), "-o", str(out))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pack"] == {"id": "jl-761-2020", "version": "1.1.0"}
    assert manifest["template_versions_seen"] == ["1.0.0", "1.1.0"]
    names = {Path(i["path"]).name for i in manifest["inputs"]}
    assert "南关区.xlsx" in names and all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["counts"]["rows_read"] == 10
    assert not list(out.glob(".shenbao-staging-*")) and not (out / LOCK_NAME).exists()


def test_clean_inbox_exits_0(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    # A county file with every row acceptable is rare in fixtures; a header-only file is clean.
    from tests.inbox_fixtures import header_only

    header_only(tmp_path / "in" / "绿园区.xlsx")
    res = run("jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "输出：" in res.stdout


def test_interrupted_run_leaves_previous_outputs(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert run("jl-761-2020", str(inbox), "-o", str(out)).exit_code == 1
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    import toolkit.outputs.letter

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt  # the clerk closes the window while the letter is being written

    monkeypatch.setattr(toolkit.outputs.letter, "write_letter", crash)
    res = run("jl-761-2020", str(inbox), "-o", str(out))
    assert res.exit_code == 2 and "已取消" in res.stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert not list(out.glob(".shenbao-staging-*")) and not (out / LOCK_NAME).exists()


def test_second_run_on_the_same_out_is_refused(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    import socket

    (out / LOCK_NAME).write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": "now"}),
                                 encoding="utf-8")
    res = run("jl-761-2020", str(inbox), "-o", str(out))
    assert res.exit_code == 3
    assert "正被另一个 shenbao 使用" in res.stderr


def test_stale_lock_of_a_dead_process_is_taken_over(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    import socket

    (out / LOCK_NAME).write_text(json.dumps({"pid": 2**22 + 12345, "host": socket.gethostname()}), encoding="utf-8")
    assert run("jl-761-2020", str(inbox), "-o", str(out)).exit_code == 1
    assert not (out / LOCK_NAME).exists()


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_rerun_gives_the_same_outputs(inbox: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    run("jl-761-2020", str(inbox), "-o", str(a))
    run("jl-761-2020", str(inbox), "-o", str(b))
    for name in ("汇总表.xlsx", "校验报告.xlsx"):
        assert _cells(a / name) == _cells(b / name), name


def test_settings_file_supplies_pack_out_and_unit(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    own_layout_two_level(inbox / "南关区.xlsx")
    (inbox / "shenbao.toml").write_text('pack = "jl-761-2020"\nunit_name = "长春市"\nout = "../结果"\n', encoding="utf-8")
    res = run(str(inbox), "--json")
    assert res.exit_code == 1, res.stderr  # own_layout_two_level's rows fail the criteria
    data = json.loads(res.stdout)
    assert data["pack"] == "jl-761-2020" and (tmp_path / "结果" / "汇总表.xlsx").is_file()


def test_bad_settings_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "shenbao.toml").write_text('pakc = "x"\n', encoding="utf-8")
    res = run(str(tmp_path), "-o", str(tmp_path / "o"))
    assert res.exit_code == 2 and "不认识的项：pakc" in res.stderr


def test_unwritable_out_exits_3(inbox: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run("jl-761-2020", str(inbox), "-o", str(blocker / "out"))
    assert res.exit_code == 3 and res.stderr.startswith("错误：")


def test_output_inside_the_inbox_is_not_read_back(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    own_layout_two_level(inbox / "南关区.xlsx")
    (inbox / "shenbao.toml").write_text('pack = "jl-761-2020"\nout = "结果"\n', encoding="utf-8")
    first = json.loads(run(str(inbox), "--json").stdout)
    second = json.loads(run(str(inbox), "--json").stdout)  # 收件箱/结果/汇总表.xlsx now exists
    assert [f["path"] for f in second["files"]] == [f["path"] for f in first["files"]] == ["南关区.xlsx"]
    assert second["counts"] == first["counts"]


def test_samples_settings_name_the_units_that_have_not_reported(tmp_path: Path) -> None:
    from tests.helpers import REPO

    res = run(str(REPO / "samples" / "jl-761-2020"), "-o", str(tmp_path / "out"), "--json")
    data = json.loads(res.stdout)
    assert res.exit_code == 1 and data["pack"] == "jl-761-2020"
    assert data["not_reported"] == ["德惠市", "公主岭市"]
    assert "shenbao.toml" not in {f["path"] for f in data["files"]}
    c = data["counts"]
    assert (c["rows_read"], c["accepted"], c["rejected"], c["duplicates_merged"], c["suspected_duplicates"]) == (43, 34, 8, 1, 1)


def test_previous_month_marks_new_changed_and_withdrawn(tmp_path: Path) -> None:
    import shutil

    from tests.helpers import REPO

    july = tmp_path / "七月"
    run("jl-761-2020", str(REPO / "samples" / "jl-761-2020"), "-o", str(july))
    august_inbox = tmp_path / "八月收件箱"
    shutil.copytree(REPO / "samples" / "jl-761-2020", august_inbox)
    shutil.copy(REPO / "samples" / "org.example.toml", tmp_path)  # the copied shenbao.toml names ../org.example.toml
    (august_inbox / "榆树市.xlsx").unlink()  # 榆树市's projects are gone this month
    res = run("jl-761-2020", str(august_inbox), "-o", str(tmp_path / "八月"), "--previous", str(july / "汇总表.xlsx"), "--json")
    data = json.loads(res.stdout)
    jsonschema.validate(data, SCHEMA)
    july_data = json.loads(run("jl-761-2020", str(REPO / "samples" / "jl-761-2020"), "-o", str(tmp_path / "x"), "--json").stdout)
    gone = july_data["counts"]["accepted"] - data["counts"]["accepted"]
    assert gone > 0
    assert data["changes"] == {"新增": 0, "变更": 0, "撤销": gone, "无变化": data["counts"]["accepted"]}
    cells = _cells(tmp_path / "八月" / "本期变化.xlsx")["本期变化"]
    assert sum(1 for row in cells if row and row[0] == "撤销") == gone


OUTPUT_IMPORTS_SCRIPT = """
import sys
from pathlib import Path
import toolkit.outputs.letter
import toolkit.runtime.parallel as parallel
from toolkit.run import job as run
from toolkit.packs.loader import load_pack

seen = {}
real = run.load_output_modules
def loading():
    seen["before"] = set(sys.modules)
    real()
    seen["after"] = set(sys.modules)
run.load_output_modules = loading
first = parallel.iter_tasks
def in_turn(tasks, rows, jobs=None, **how):
    seen["tasks"] = set(sys.modules)
    return first(tasks, 0, jobs, **how)  # every task here, so what it imports shows in this process
parallel.iter_tasks = in_turn
run.run_job(load_pack("jl-761-2020"), [Path(sys.argv[1])], Path(sys.argv[2]))
ours = ("toolkit", "xlsxwriter", "lxml", "openpyxl", "xml")
print(sorted(m for m in set(sys.modules) - seen["tasks"] if m.startswith(ours)))
print(len([m for m in seen["after"] - seen["before"] if m.startswith(ours)]))
"""


def test_the_output_modules_are_loaded_before_the_outputs_are_written(tmp_path: Path) -> None:
    """`load_output_modules` (called while the files are read) leaves nothing for the output
    tasks to import: forked afterwards, the workers find it all loaded. A module the outputs come
    to need and the list misses shows here."""
    import subprocess
    import sys

    samples = Path(__file__).resolve().parents[1] / "samples" / "jl-761-2020"
    done = subprocess.run([sys.executable, "-c", OUTPUT_IMPORTS_SCRIPT, str(samples), str(tmp_path / "out")],
                          capture_output=True, text=True, check=True, env={**os.environ, "SHENBAO_JOBS": "1"})
    missed, loaded = done.stdout.strip().splitlines()
    assert missed == "[]"
    assert int(loaded) > 5  # it did load them, while the files were read


@pytest.mark.parametrize("jobs", [1, 2])
def test_meanwhile_runs_once_when_the_first_file_is_in(jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.merge.pipeline import process
    from toolkit.packs.loader import load_pack
    from toolkit.runtime import parallel

    if jobs == 2 and not parallel.can_fork():
        pytest.skip("worker processes are forked")
    monkeypatch.setattr(parallel, "MIN_FILES_PER_WORKER", 1)
    samples = Path(__file__).resolve().parents[1] / "samples" / "jl-761-2020"
    calls: list[int] = []
    seen: list[int] = []
    batch = process(load_pack("jl-761-2020"), [samples], jobs=jobs, meanwhile=lambda: calls.append(len(seen)),
                    progress=lambda i, n, name: seen.append(i))
    assert calls == [1]  # once, when the first file's result was in
    assert len(seen) == len(batch.ingested.files) > 1


def test_the_manifest_has_the_checksum_of_the_bytes_read_not_of_a_later_file(
        inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A county file replaced after it was read (a colleague saving a correction meanwhile): the
    manifest records the file whose rows are in the summary, not the one found afterwards."""
    import hashlib
    import shutil

    from toolkit.ingest import inbox as inbox_module

    copy = tmp_path / "in"
    shutil.copytree(inbox, copy)
    target = copy / "南关区.xlsx"
    original = hashlib.sha256(target.read_bytes()).hexdigest()
    real = inbox_module.read_file

    def read_then_replace(path: Path, **kwargs: Any) -> Any:
        outcome = real(path, **kwargs)
        if Path(path).name == "南关区.xlsx":
            Path(path).write_bytes(b"replaced after it was read")
        return outcome

    monkeypatch.setenv("SHENBAO_JOBS", "1")
    monkeypatch.setattr(inbox_module, "read_file", read_then_replace)
    out = tmp_path / "out"
    run("jl-761-2020", str(copy), "-o", str(out))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = next(i for i in manifest["inputs"] if Path(i["path"]).name == "南关区.xlsx")
    assert entry["sha256"] == original != hashlib.sha256(target.read_bytes()).hexdigest()


def test_manifest_lists_every_output_and_a_rerun_drops_the_earlier_runs_extras(tmp_path: Path) -> None:
    """Each department summary has its own entry; 本期变化.xlsx of an earlier --previous run goes
    when this run does not write it again, and files the toolkit did not write stay."""
    import hashlib

    from tests.helpers import REPO

    samples = REPO / "samples" / "jl-761-2020"
    july, out = tmp_path / "七月", tmp_path / "out"
    run("jl-761-2020", str(samples), "-o", str(july))
    run("jl-761-2020", str(samples), "-o", str(out), "--previous", str(july / "汇总表.xlsx"))
    assert (out / "本期变化.xlsx").exists()
    (out / "我的笔记.txt").write_text("the clerk's own file", encoding="utf-8")
    data = json.loads(run("jl-761-2020", str(samples), "-o", str(out), "--json").stdout)
    jsonschema.validate(data, SCHEMA)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for v in manifest["outputs"].values() for e in (v if isinstance(v, list) else [v])]
    names = {e["path"] for e in entries}
    splits = {p.name for p in out.glob("汇总表-*.xlsx")}
    assert len(splits) == 3 and splits <= names
    assert sorted(Path(p).name for p in data["outputs"]["summaries_by_department"]) == sorted(splits)
    for e in entries:
        if "sha256" in e:
            assert hashlib.sha256((out / e["path"]).read_bytes()).hexdigest() == e["sha256"]
    assert not (out / "本期变化.xlsx").exists()
    assert {p.name for p in out.iterdir()} == names | {"manifest.json", "我的笔记.txt"}


@pytest.mark.skipif(os.name != "posix", reason="file modes and the umask are POSIX")
@pytest.mark.parametrize(("mask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o002, 0o664, 0o775)])
def test_outputs_honour_the_umask(inbox: Path, tmp_path: Path, mask: int, file_mode: int, dir_mode: int) -> None:
    """Colleagues on a shared drive can open every output (they were 0600: issue 19)."""
    import stat

    out = tmp_path / "out"
    old = os.umask(mask)
    try:
        run("jl-761-2020", str(inbox), "-o", str(out))
    finally:
        os.umask(old)
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*")}
    assert len(modes) > 8 and any(n.startswith("退回修改/") for n in modes)
    for name, mode in modes.items():
        assert mode == (dir_mode if (out / name).is_dir() else file_mode), (name, oct(mode))


def test_no_return_copy_is_made_from_a_file_replaced_after_it_was_read(
        inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its marks would fall on cells of another file: the copy is left out, and the clerk told."""
    import shutil

    from tests.inbox_fixtures import header_only
    from toolkit.ingest import inbox as inbox_module

    copy = tmp_path / "in"
    shutil.copytree(inbox, copy)
    first = run("jl-761-2020", str(copy), "-o", str(tmp_path / "first"), "--json")
    copies = json.loads(first.stdout)["outputs"]["returns"]
    assert (Path(copies) / "南关区（退回修改）.xlsx").exists()
    real = inbox_module.read_file

    def read_then_replace(path: Path, **kwargs: Any) -> Any:
        outcome = real(path, **kwargs)
        if Path(path).name == "南关区.xlsx":
            header_only(Path(path))  # a colleague saves another version meanwhile
        return outcome

    monkeypatch.setenv("SHENBAO_JOBS", "1")
    monkeypatch.setattr(inbox_module, "read_file", read_then_replace)
    res = run("jl-761-2020", str(copy), "-o", str(tmp_path / "out"), "--json")
    data = json.loads(res.stdout)
    assert not (tmp_path / "out" / "退回修改" / "南关区（退回修改）.xlsx").exists()
    assert any(w.startswith("南关区.xlsx：文件在读取之后被修改") for w in data["warnings"]), data["warnings"]
