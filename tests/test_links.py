"""Links and odd entries in an inbox (issue 16, point 7): a per-file status, never exit 4."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import REPO
from toolkit.cli import cli
from toolkit.ingest.readers import discover, read_file


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    root = tmp_path / "收件箱"
    root.mkdir()
    shutil.copy(REPO / "samples" / "jl-761-2020" / "南关区.xlsx", root / "南关区.xlsx")
    try:
        (root / "环1.xlsx").symlink_to(root / "环2.xlsx")
        (root / "环2.xlsx").symlink_to(root / "环1.xlsx")
        (root / "自己.xlsx").symlink_to(root / "自己.xlsx")
        (root / "断开.xlsx").symlink_to(root / "已删除的朝阳区.xlsx")
        os.mkdir(root / "子目录")
        (root / "子目录" / "回到上级").symlink_to(root, target_is_directory=True)
    except OSError:
        pytest.skip("symlinks are not allowed here (Windows without developer mode)")
    return root


LINKS = ["断开.xlsx", "环1.xlsx", "环2.xlsx", "自己.xlsx"]


def test_each_link_gets_its_own_status(inbox: Path) -> None:
    found = [p.name for p in discover([inbox])]
    assert sorted(found) == sorted(["南关区.xlsx", *LINKS])
    loop = read_file(inbox / "环1.xlsx")
    assert loop.status == "skipped" and "循环" in (loop.message or "")
    broken = read_file(inbox / "断开.xlsx")
    assert broken.status == "error" and "已删除的朝阳区.xlsx" in (broken.message or "") and "不存在" in (broken.message or "")


def test_a_run_over_an_inbox_with_bad_links_finishes(inbox: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(inbox), "-o", str(tmp_path / "out"), "--json"])
    assert res.exit_code == 1, res.output  # the dangling link is a file that cannot be read; not 4
    data = json.loads(res.stdout)
    status = {f["path"]: (f["status"], f["rows"]) for f in data["files"]}
    assert status == {"南关区.xlsx": ("ok", 6), "断开.xlsx": ("error", 0), "环1.xlsx": ("skipped", 0),
                      "环2.xlsx": ("skipped", 0), "自己.xlsx": ("skipped", 0)}
    c = data["counts"]
    assert c["rows_read"] == 6 == c["accepted"] + c["rejected"] + c["duplicates_merged"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    checksums = {Path(i["path"]).name: i["sha256"] for i in manifest["inputs"]}
    assert checksums.keys() == {"南关区.xlsx", *LINKS}  # every file of the inbox is listed
    assert len(checksums.pop("南关区.xlsx")) == 64 and set(checksums.values()) == {None}  # links have no checksum


def test_the_inbox_itself_a_dangling_link(tmp_path: Path) -> None:
    link = tmp_path / "收件箱"
    link.symlink_to(tmp_path / "不存在")
    res = CliRunner().invoke(cli, ["ingest", "jl-761-2020", str(link), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "程序内部错误" not in res.output  # an INBOX that does not exist: a usage error
