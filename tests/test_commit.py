"""The switch from the last run's outputs to this run's survives a kill at any step
(toolkit/run/commit.py): right after the kill the folder either holds one complete set or shows the
notice, and once the next run has started (`recover`) it holds exactly the old or exactly the new
set, with the manifest that lists it."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from toolkit.run import commit as commit_mod
from toolkit.run.commit import (
    BACKUP_PREFIX,
    JOURNAL_NAME,
    NOTICE_NAME,
    STAGING_PREFIX,
    commit,
    recover,
)
from toolkit.run.job import earlier_outputs
from toolkit.run.outlock import LOCK_NAME


class Killed(BaseException):
    """What the hook raises in place of SIGKILL: nothing in the commit catches it."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_set(folder: Path, files: dict[str, str], returns: dict[str, str], tag: str) -> dict[str, Any]:
    """A set of outputs as a run writes them, with its manifest; the manifest is returned."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, Any] = {}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        outputs[name] = {"path": name, "sha256": _sha(folder / name)}
    (folder / "退回修改").mkdir()
    for name, text in returns.items():
        (folder / "退回修改" / name).write_text(text, encoding="utf-8")
    outputs["returns"] = {"path": "退回修改", "files": sorted(returns)}
    manifest = {"run": tag, "outputs": outputs}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest


def consistent_set(out: Path, hidden_too: bool = True) -> str:
    """Which run's set `out` holds ("old"/"new"), asserting it is complete and matches its manifest
    (and that nothing else is there; hidden leftovers aside when not `hidden_too`)."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {"manifest.json"}
    for entry in manifest["outputs"].values():
        path = out / entry["path"]
        listed.add(entry["path"])
        if "sha256" in entry:
            assert _sha(path) == entry["sha256"], entry
        else:
            assert sorted(p.name for p in path.iterdir()) == entry["files"]
    present = {p.name for p in out.iterdir() if p.name != LOCK_NAME and (hidden_too or not p.name.startswith("."))}
    assert present == listed, (present, listed)
    return str(manifest["run"])


OLD = ({"汇总表.xlsx": "old summary", "报送函.docx": "old letter", "本期变化.xlsx": "old changes"},
       {"南关区（退回修改）.xlsx": "old return"})
NEW = ({"汇总表.xlsx": "new summary", "报送函.docx": "new letter", "汇总表-省工信厅.xlsx": "new split"},
       {"朝阳区（退回修改）.xlsx": "new return"})


def _prepare(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "out"
    write_set(out, *OLD, tag="old")
    staging = out / f"{STAGING_PREFIX}test"
    write_set(staging, *NEW, tag="new")
    return out, staging


def _steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(commit_mod, "on_step", lambda k, what: seen.append(what))
    out, staging = _prepare(tmp_path / "count")
    commit(staging, out, remove=earlier_outputs(out))
    monkeypatch.setattr(commit_mod, "on_step", None)
    assert consistent_set(out) == "new"  # 本期变化.xlsx of the earlier run is gone with it
    return seen


def test_a_kill_at_every_step_leaves_the_old_or_the_new_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    steps = _steps(tmp_path, monkeypatch)
    assert len(steps) >= 15 and steps[-1] == "remove staging"
    outcomes = []
    for k in range(1, len(steps) + 1):
        base = tmp_path / f"k{k}"
        out, staging = _prepare(base)

        def stop(i: int, what: str, k: int = k) -> None:
            if i == k:
                raise Killed(what)

        monkeypatch.setattr(commit_mod, "on_step", stop)
        with pytest.raises(Killed):
            commit(staging, out, remove=earlier_outputs(out))
        monkeypatch.setattr(commit_mod, "on_step", None)
        # Right after the kill: one complete set, or the notice says the outputs are being replaced.
        if not (out / NOTICE_NAME).exists():
            consistent_set(out, hidden_too=False)
        journal = (out / JOURNAL_NAME).exists()
        line = recover(out)  # what the next run does first
        assert consistent_set(out) in ("old", "new")
        assert line is None or line.startswith(f"输出文件夹 {out}")
        leftovers = [p.name for p in out.iterdir() if p.name.startswith((".shenbao-", "输出正在更新"))]
        assert leftovers == [], k
        outcomes.append((steps[k - 1], journal, consistent_set(out)))
    kinds = {o for _, _, o in outcomes}
    assert kinds == {"old", "new"}  # killed before the placing: old; after: new
    firsts = [o for _, _, o in outcomes]
    assert firsts == sorted(firsts, key=lambda o: o == "new")  # old, ..., old, new, ..., new


def test_recover_reports_the_leftovers_of_dead_runs_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_set(out, *OLD, tag="old")
    (out / f"{STAGING_PREFIX}abc").mkdir()
    (out / f"{STAGING_PREFIX}abc" / "汇总表.xlsx").write_text("half")
    (out / f"{BACKUP_PREFIX}77").mkdir()
    (out / ".shenbao.lock.4242.tmp").write_text("{}")  # killed between writing its lock and linking it
    (out / ".报送函.docx.old-123").write_text("older letter")  # what versions before the journal left
    (out / "报送函.docx").rename(out / ".报送函.docx.old-99")  # ... sometimes the only copy
    line = recover(out)
    assert line is not None and "\n" not in line
    assert "清理了中断的运行留下的" in line and "放回了" in line and "报送函.docx" in line
    assert consistent_set(out) == "old"
    assert (out / "报送函.docx").read_text(encoding="utf-8") == "old letter"
    assert recover(out) is None  # nothing left to do


def test_an_open_owner_file_refuses_the_switch_before_anything_moves(tmp_path: Path) -> None:
    from toolkit.errors import OutputError

    out, staging = _prepare(tmp_path)
    (out / "~$汇总表.xlsx").write_text("owner")  # 汇总表.xlsx is open in Excel/WPS
    with pytest.raises(OutputError) as err:
        commit(staging, out, remove=earlier_outputs(out))
    assert "~$汇总表.xlsx" in err.value.message and "原有的输出文件未改动" in err.value.message
    assert STAGING_PREFIX not in err.value.message
    (out / "~$汇总表.xlsx").unlink()
    assert consistent_set(out, hidden_too=False) == "old"  # the run removes its staging (discard_staging)


def test_an_open_return_copy_refuses_the_switch(tmp_path: Path) -> None:
    from toolkit.errors import OutputError

    out, staging = _prepare(tmp_path)
    (out / "退回修改" / "~$南关区（退回修改）.xlsx").write_text("owner")
    with pytest.raises(OutputError, match="退回修改/~\\$南关区"):
        commit(staging, out, remove=earlier_outputs(out))


def test_a_refused_move_puts_everything_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows refuses to move a file open in Excel: the switch stops and undoes its moves."""
    from toolkit.errors import OutputError

    out, staging = _prepare(tmp_path)
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(src) == out / "汇总表.xlsx":
            raise PermissionError(13, "The process cannot access the file", str(src))
        real(src, dst)

    monkeypatch.setattr(commit_mod.os, "replace", replace)
    with pytest.raises(OutputError) as err:
        commit(staging, out, remove=earlier_outputs(out))
    monkeypatch.setattr(commit_mod.os, "replace", real)
    assert "汇总表.xlsx" in err.value.message and "原有的输出文件未改动" in err.value.message
    assert consistent_set(out) == "old"


KILLED_RUN = """
import sys
from toolkit.cli import cli
cli.main(["run", "jl-761-2020", sys.argv[1], "-o", sys.argv[2]], standalone_mode=False)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_a_real_kill_during_the_switch_is_settled_by_the_next_run(tmp_path: Path) -> None:
    """`shenbao run` killed with SIGKILL at several steps of its switch (SHENBAO_TEST_COMMIT_KILL),
    each time over the outputs of a complete earlier run."""
    from click.testing import CliRunner

    from tests.helpers import REPO
    from toolkit.cli import cli

    samples = REPO / "samples" / "jl-761-2020"
    first = tmp_path / "first"
    assert CliRunner().invoke(cli, ["run", "jl-761-2020", str(samples), "-o", str(first)]).exit_code == 1
    old_manifest = (first / "manifest.json").read_text(encoding="utf-8")
    states = []
    for k in (3, 7, 13, 15, 17, 21):
        out = tmp_path / f"k{k}"
        subprocess.run(["cp", "-a", str(first), str(out)], check=True)
        env = {**os.environ, "SHENBAO_TEST_COMMIT_KILL": str(k), "SHENBAO_JOBS": "1"}
        done = subprocess.run([sys.executable, "-c", KILLED_RUN, str(samples), str(out)], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == -signal.SIGKILL, done.stderr
        assert (out / NOTICE_NAME).exists() or (out / LOCK_NAME).exists()
        (out / LOCK_NAME).unlink()  # the dead run's lock; the stale-lock takeover has its own tests
        recover(out)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        entries = [e for v in manifest["outputs"].values() for e in (v if isinstance(v, list) else [v])]
        for entry in entries:
            if "sha256" in entry:
                assert _sha(out / entry["path"]) == entry["sha256"], (k, entry)
        state = "old" if (out / "manifest.json").read_text(encoding="utf-8") == old_manifest else "new"
        states.append(state)
        listed = {e["path"] for e in entries} | {"manifest.json"}
        assert {p.name for p in out.iterdir()} == listed, (k, state)
    assert set(states) == {"old", "new"}


def test_other_commands_settle_a_half_switched_folder_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from tests.inbox_fixtures import own_layout_two_level
    from toolkit.cli import cli

    out, staging = _prepare(tmp_path)

    def stop(i: int, what: str) -> None:
        if what == "aside 报送函.docx":
            raise Killed(what)

    monkeypatch.setattr(commit_mod, "on_step", stop)
    with pytest.raises(Killed):
        commit(staging, out, remove=earlier_outputs(out))
    monkeypatch.setattr(commit_mod, "on_step", None)
    assert not (out / "manifest.json").exists() and (out / NOTICE_NAME).exists()
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    own_layout_two_level(inbox / "南关区.xlsx")
    res = CliRunner().invoke(cli, ["validate", "jl-761-2020", str(inbox), "-o", str(out)])
    assert res.exit_code == 1, res.output  # own_layout_two_level's three rows fail the criteria
    assert "已恢复为之前的全部输出" in res.stderr
    assert (out / "汇总表.xlsx").read_text(encoding="utf-8") == "old summary"
    assert not (out / NOTICE_NAME).exists() and not (out / JOURNAL_NAME).exists()
    (out / "校验报告.xlsx").unlink()
    assert consistent_set(out) == "old"


def test_a_damaged_journal_was_written_before_anything_moved(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_set(out, *OLD, tag="old")
    (out / JOURNAL_NAME).write_bytes(b"\x00\x00")
    line = recover(out)
    assert line is not None and "无法读取的替换日志" in line
    assert not (out / JOURNAL_NAME).exists() and consistent_set(out) == "old"
