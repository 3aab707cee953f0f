"""Hostile and broken files (issue 9): bounded time and memory, clear refusals, nothing lost.

Every inbox file is untrusted. Each attack below is built by code (tests/hostile_files.py) and
must end as a per-file status with a Chinese message, never as a crash, a resolved entity, a
formula in our outputs, a file written outside OUT, or a half-replaced output folder.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from python_calamine import CalamineWorkbook

from tests import hostile_files as hf
from tests.fixtures_files import one_sheet_xlsx
from tests.helpers import REPO, mutated_pack
from tests.inbox_fixtures import gbk_csv, own_layout_two_level
from toolkit.cli import cli
from toolkit.errors import ShenbaoError
from toolkit.ingest import readers
from toolkit.ingest.guard import Limits, check_zip, unsafe_name
from toolkit.ingest.readers import read_file
from toolkit.merge.pipeline import process
from toolkit.packs.loader import check_pack_dir, load_pack
from toolkit.run.job import LOCK_NAME
from toolkit.run.settings import load_settings

SAMPLES = REPO / "samples" / "jl-761-2020"
SECRET = "TOPSECRET-3f9a1c"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["run", *args])


def samples_inbox(root: Path) -> Path:
    """The 761 sample inbox without its shenbao.toml (whose paths are relative to samples/)."""
    root.mkdir(parents=True)
    for path in SAMPLES.iterdir():
        if path.is_file() and path.name != "shenbao.toml":
            shutil.copy2(path, root / path.name)
    return root


def everything_in(out: Path) -> bytes:
    """Every byte we wrote under OUT, with the parts of our zip outputs (xlsx, docx) inflated."""
    chunks = []
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        chunks.append(data)
        if data[:2] == b"PK":
            with zipfile.ZipFile(path) as zf:
                chunks += [zf.read(n) for n in zf.namelist()]
    return b"\n".join(chunks)


def formulas(path: Path) -> list[str]:
    """The text of every <f> element in an xlsx's sheets."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r"<f(?:\s[^>]*)?>(.*?)</f>", zf.read(name).decode("utf-8"), re.S)
    return found


def status_of(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in data["files"] if Path(f["path"]).name == name)


# --------------------------------------------------------------------------- XML entities


@pytest.mark.parametrize("build", [hf.xxe_in_sheet, hf.xxe_in_shared_strings, hf.dtd_after_a_long_comment],
                         ids=["sheet", "sharedStrings", "after 2 MB of comment"])
def test_xxe_is_refused_and_the_secret_never_reaches_an_output(tmp_path: Path, build: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    inbox = tmp_path / "in"
    inbox.mkdir()
    build(inbox / "外部实体.xlsx", secret)
    own_layout_two_level(inbox / "南关区.xlsx")
    gbk_csv(inbox / "宽城区.csv")  # something readable beside it: with nothing read, the run stops (exit 1)
    res = run("jl-761-2020", str(inbox), "-o", str(tmp_path / "out"), "--json")
    assert res.exit_code == 1, res.stderr
    data = json.loads(res.stdout)
    entry = status_of(data, "外部实体.xlsx")
    assert entry["status"] == "error" and "DTD" in entry["message"]
    assert [f["code"] for f in data["findings"] if f["file"] == "外部实体.xlsx"] == ["file.unsafe"]
    assert status_of(data, "南关区.xlsx")["status"] == "ok"
    assert SECRET.encode() not in everything_in(tmp_path / "out")
    assert SECRET not in res.stdout + res.stderr


@pytest.mark.parametrize("build", [hf.xxe_in_sheet, hf.xxe_in_shared_strings], ids=["sheet", "sharedStrings"])
def test_xxe_is_not_resolved_even_past_the_guard(tmp_path: Path, build: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: with the guard switched off, the parsers themselves never fetch the file."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    monkeypatch.setattr(readers, "check_zip", lambda *a: None)
    outcome = read_file(build(tmp_path / "x.xlsx", secret))
    values = [] if outcome.workbook is None else [v for s in outcome.workbook.sheets for r in s.rows for v in r]
    assert SECRET not in " ".join(str(v) for v in values)
    assert outcome.status in ("ok", "error")


@pytest.mark.parametrize("part", [hf.SHARED, hf.SHEET1])
def test_billion_laughs_is_refused_in_bounded_time(tmp_path: Path, part: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hf.billion_laughs(tmp_path / "笑.xlsx", part)
    start = time.monotonic()
    outcome = read_file(path)
    assert (outcome.status, [f.code for f in outcome.findings]) == ("error", ["file.unsafe"])
    # And the parsers behind the guard do not expand it either.
    monkeypatch.setattr(readers, "check_zip", lambda *a: None)
    assert read_file(path).status == "error"
    assert time.monotonic() - start < 5


# --------------------------------------------------------------------------- decompression bombs


def test_zip_bomb_is_refused_fast_and_the_batch_goes_on(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    hf.zip_bomb(inbox / "炸弹.xlsx", inflated_mb=256)
    assert (inbox / "炸弹.xlsx").stat().st_size < 2_000_000  # 256 MB inflated from a small file
    own_layout_two_level(inbox / "南关区.xlsx")
    gbk_csv(inbox / "宽城区.csv")  # something readable beside it: with nothing read, the run stops (exit 1)
    start = time.monotonic()
    batch = process(load_pack("jl-761-2020"), [inbox])
    assert time.monotonic() - start < 10
    files = {f.path: f for f in batch.ingested.files}
    assert files["炸弹.xlsx"].status == "error"
    assert files["南关区.xlsx"].status == "ok" and files["南关区.xlsx"].rows > 0
    (finding,) = [f for f in batch.findings if f.file == "炸弹.xlsx"]
    assert finding.code == "file.too-large" and finding.severity == "error"
    assert "炸弹.xlsx" in finding.message and "200 MB" in finding.message
    assert "[limits]" in finding.message and "max_unzipped_mb" in finding.message


def test_one_part_inflating_a_thousandfold_is_refused_under_the_total(tmp_path: Path) -> None:
    path = hf.zip_bomb(tmp_path / "b.xlsx", inflated_mb=40)  # under 200 MB, but ~1000:1
    refusal = check_zip(path, Limits())
    assert refusal is not None and refusal.code == "file.too-large" and "max_compression_ratio" in refusal.message
    assert check_zip(path, Limits(max_compression_ratio=5000)) is None  # the limit is what decides


def test_a_directory_that_lies_about_sizes_is_refused(tmp_path: Path) -> None:
    outcome = read_file(hf.lying_sizes(tmp_path / "假.xlsx"))
    assert (outcome.status, [f.code for f in outcome.findings]) == ("error", ["file.too-large"])
    assert "与实际不符" in (outcome.message or "")


def test_too_many_members(tmp_path: Path) -> None:
    outcome = read_file(hf.many_members(tmp_path / "多.xlsx"))
    assert [f.code for f in outcome.findings] == ["file.too-large"]
    assert "10000" in (outcome.message or "") and "max_zip_members" in (outcome.message or "")


def test_real_workbooks_pass_the_guard() -> None:
    for path in SAMPLES.iterdir():
        assert check_zip(path, Limits()) is None, path.name


def test_the_guard_hands_the_sheet_scan_the_parts_it_inflated() -> None:
    """The workbook, its relationships and its sheets, byte for byte as the zip holds them (the
    scan then reads them from here, not from the file again)."""
    for path in [p for p in SAMPLES.iterdir() if p.suffix in (".xlsx", ".xlsm")]:
        kept: dict[str, bytes] = {}
        assert check_zip(path, Limits(), kept) is None
        with zipfile.ZipFile(path) as zf:
            wanted = {n for n in zf.namelist() if n.startswith("xl/worksheets/")} | {"xl/workbook.xml",
                                                                                    "xl/_rels/workbook.xml.rels"}
            assert set(kept) == wanted & set(zf.namelist()), path.name
            assert all(kept[n] == zf.read(n) for n in kept)


def test_a_sheet_whose_checksum_is_wrong_is_still_called_corrupt(tmp_path: Path) -> None:
    """A part that inflates but does not match its CRC is not handed on by the guard: reading it
    from the file fails as it always did, and the file is refused as corrupt."""
    import xlsxwriter

    good = tmp_path / "原.xlsx"
    wb = xlsxwriter.Workbook(str(good))
    wb.add_worksheet("项目表").write_number("A1", 12345)
    wb.close()
    bad = tmp_path / "坏.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    data = bad.read_bytes()
    assert data.count(b"<v>12345</v>") == 1
    bad.write_bytes(data.replace(b"<v>12345</v>", b"<v>12346</v>"))  # stored: inflates, checksum wrong
    kept: dict[str, bytes] = {}
    assert check_zip(bad, Limits(), kept) is None
    assert "xl/worksheets/sheet1.xml" not in kept and "xl/workbook.xml" in kept
    outcome = read_file(bad)
    assert outcome.status == "error" and [f.code for f in outcome.findings] == ["file.corrupt"]


def test_huge_dimension_claim_refuses_that_sheet(tmp_path: Path) -> None:
    outcome = read_file(hf.huge_dimension(tmp_path / "大.xlsx"))
    assert "file.sheet-too-large" in [f.code for f in outcome.findings]


# --------------------------------------------------------------------------- limits in shenbao.toml


def test_limits_table_in_settings(tmp_path: Path) -> None:
    toml = tmp_path / "shenbao.toml"
    toml.write_text("[limits]\nmax_unzipped_mb = 500\nmax_rows = 2000\n", encoding="utf-8")
    limits = load_settings(toml).limits
    assert (limits.max_unzipped_mb, limits.max_rows, limits.max_zip_members) == (500, 2000, Limits().max_zip_members)
    for bad, words in [("[limits]\nmax_unzipped = 5\n", "不认识的项：max_unzipped"),
                       ("[limits]\nmax_rows = 0\n", "大于 0 的整数"),
                       ("[limits]\nmax_rows = \"many\"\n", "大于 0 的整数"),
                       ("limits = 5\n", "[limits]")]:
        toml.write_text(bad, encoding="utf-8")
        with pytest.raises(ShenbaoError, match=re.escape(words)):
            load_settings(toml)


def test_limits_reach_the_readers_through_run(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    own_layout_two_level(inbox / "南关区.xlsx")
    gbk_csv(inbox / "宽城区.csv")  # something readable beside it: with nothing read, the run stops (exit 1)
    (inbox / "shenbao.toml").write_text('pack = "jl-761-2020"\n[limits]\nmax_zip_members = 3\n', encoding="utf-8")
    res = run(str(inbox), "-o", str(tmp_path / "out"), "--json")
    data = json.loads(res.stdout)
    entry = status_of(data, "南关区.xlsx")
    assert entry["status"] == "error" and "max_zip_members" in entry["message"], entry


@pytest.mark.parametrize("command", ["ingest", "validate", "merge"])
def test_limits_in_the_inbox_reach_the_stage_commands_too(tmp_path: Path, command: str) -> None:
    from toolkit.cli import cli

    inbox = tmp_path / "in"
    inbox.mkdir()
    own_layout_two_level(inbox / "南关区.xlsx")
    gbk_csv(inbox / "宽城区.csv")  # something readable beside it: with nothing read, the run stops (exit 1)
    (inbox / "shenbao.toml").write_text('pack = "jl-761-2020"\n[limits]\nmax_zip_members = 3\n', encoding="utf-8")
    args = [command, "jl-761-2020", str(inbox), "-o", str(tmp_path / "out")]
    res = CliRunner().invoke(cli, [*args, "--json"] if command != "merge" else args)
    assert res.exit_code == 1, res.output
    if command == "merge":  # the file is counted as unreadable, and exit code 1 says so
        assert "无法读取 1" in res.output
        return
    text = res.stdout if command == "validate" else (tmp_path / "out" / "读取结果.json").read_text(encoding="utf-8")
    assert "max_zip_members" in text and "file.too-large" in text


@pytest.mark.parametrize("command", ["ingest", "validate", "merge"])
def test_limits_in_a_config_file_reach_the_stage_commands(tmp_path: Path, command: str) -> None:
    """`--config` names the settings file, as for run: its [limits] apply, not the inbox's."""
    from toolkit.cli import cli

    inbox = tmp_path / "in"
    inbox.mkdir()
    own_layout_two_level(inbox / "南关区.xlsx")
    gbk_csv(inbox / "宽城区.csv")  # something readable beside it: with nothing read, the run stops (exit 1)
    config = tmp_path / "设置.toml"
    config.write_text('[limits]\nmax_zip_members = 3\n', encoding="utf-8")
    args = [command, "jl-761-2020", str(inbox), "-o", str(tmp_path / "out")]

    def said(res: Any) -> str:
        if command == "ingest":
            return (tmp_path / "out" / "读取结果.json").read_text(encoding="utf-8")
        return res.output

    plain = CliRunner().invoke(cli, args)
    assert "无法读取 1" not in said(plain) and "max_zip_members" not in said(plain)  # without it the file is read
    res = CliRunner().invoke(cli, [*args, "--config", str(config)])
    assert res.exit_code == 1, res.output
    assert ("无法读取 1" if command == "merge" else "max_zip_members") in said(res), said(res)


# --------------------------------------------------------------------------- path tricks


@pytest.mark.parametrize("member", ["../../evil.txt", "xl/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt",
                                    "..\\..\\evil.txt"])
def test_member_names_that_climb_out_are_refused(tmp_path: Path, member: str) -> None:
    assert unsafe_name(member)
    inbox = tmp_path / "in"
    inbox.mkdir()
    hf.with_member(inbox / "路径.xlsx", member)
    own_layout_two_level(inbox / "南关区.xlsx")
    gbk_csv(inbox / "宽城区.csv")  # something readable beside it: with nothing read, the run stops (exit 1)
    res = run("jl-761-2020", str(inbox), "-o", str(tmp_path / "out"), "--json")
    data = json.loads(res.stdout)
    entry = status_of(data, "路径.xlsx")
    assert entry["status"] == "error" and "文件夹之外" in entry["message"]
    assert [f["code"] for f in data["findings"] if f["file"] == "路径.xlsx"] == ["file.unsafe"]
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert written == {"in", "out"}  # nothing beside OUT, and no evil.txt anywhere
    assert not list(tmp_path.rglob("evil*")) and not Path("/tmp/evil.txt").exists()


def test_ordinary_member_names_are_safe() -> None:
    for name in ("xl/worksheets/sheet1.xml", "[Content_Types].xml", "xl/media/image..png", "a..b/c"):
        assert not unsafe_name(name)


def test_county_file_named_with_windows_forbidden_characters(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    own_layout_two_level(inbox / '南关区<>:"|?*.xlsx')
    out = tmp_path / "out"
    res = run("jl-761-2020", str(inbox), "-o", str(out))
    assert res.exit_code == 1, res.stderr
    copies = [p.relative_to(out).as_posix() for p in (out / "退回修改").rglob("*") if p.is_file()]
    assert copies == ["退回修改/南关区＜＞：＂｜？＊（退回修改）.xlsx"]


# --------------------------------------------------------------------------- macros


def test_xlsm_is_read_and_its_return_copy_has_no_macros(tmp_path: Path) -> None:
    from tests.test_returns import add_macro

    inbox = tmp_path / "in"
    inbox.mkdir()
    add_macro(own_layout_two_level(tmp_path / "plain.xlsx"), inbox / "南关区.xlsm")
    out = tmp_path / "out"
    data = json.loads(run("jl-761-2020", str(inbox), "-o", str(out), "--json").stdout)
    entry = status_of(data, "南关区.xlsm")
    assert entry["status"] == "ok" and entry["rows"] > 0
    copies = [p for p in (out / "退回修改").rglob("*") if p.is_file()]
    assert [p.name for p in copies] == ["南关区（退回修改）.xlsx"]
    for path in out.rglob("*"):
        if path.is_file() and path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as zf:
                assert not [n for n in zf.namelist() if "vba" in n.lower()], path
                assert b"macroEnabled" not in zf.read("[Content_Types].xml"), path


# --------------------------------------------------------------------------- formula injection


def test_formula_like_county_text_is_text_in_every_output(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    hf.injected_county(inbox / "农安县.xlsx", accepted=3)
    out = tmp_path / "out"
    res = run("jl-761-2020", str(inbox), "-o", str(out), "--json")
    data = json.loads(res.stdout)
    assert data["counts"]["accepted"] == 3 and data["counts"]["rejected"] == 3, data["counts"]
    outputs = [out / "汇总表.xlsx", out / "校验报告.xlsx", *(out / "退回修改").rglob("*.xlsx")]
    assert len(outputs) == 3
    payloads = [text.strip() for text in hf.INJECTIONS]
    for path in outputs:
        for formula in formulas(path):  # the summary's own 小计/合计 are formulas; no county text is
            assert not any(p.lstrip("=+-@") in formula for p in payloads), (path.name, formula)
        with CalamineWorkbook.from_path(str(path)) as book:
            texts = {str(v) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for v in row}
        blob = "\n".join(texts)
        reached = [p for p in hf.INJECTIONS if p.strip() in blob]
        assert reached, path.name  # the county's text is there, as text
    summary_names = set(project_names(out / "汇总表.xlsx"))
    assert {f"{hf.INJECTIONS[i]}项目{i}" for i in range(3)} <= summary_names


def project_names(summary: Path) -> list[Any]:
    """The 项目名称 column of a summary's 明细 sheet, in order."""
    with CalamineWorkbook.from_path(str(summary)) as book:
        rows: list[list[Any]] = book.get_sheet_by_name("明细").to_python()
    header = next(i for i, r in enumerate(rows) if "项目名称" in r)
    col = rows[header].index("项目名称")
    return [r[col] for r in rows[header + 1:]]


# --------------------------------------------------------------------------- a pack is data


PAYLOAD = "__import__('os').system('touch {marker}')"


@pytest.mark.parametrize("where", ["check", "when"])
def test_a_pack_cannot_run_code(tmp_path: Path, where: str) -> None:
    marker = tmp_path / "pwned"
    payload = PAYLOAD.format(marker=marker)

    def plant(raw: dict[str, Any]) -> None:
        raw["criteria"][0][where] = payload

    folder = mutated_pack(tmp_path, plant)
    codes = {f.code for f in check_pack_dir(folder)}
    assert codes and codes <= {"pack.bad-expression", "pack.unknown-function", "pack.unknown-field"}, codes
    inbox = tmp_path / "in"
    inbox.mkdir()
    own_layout_two_level(inbox / "南关区.xlsx")
    gbk_csv(inbox / "宽城区.csv")  # something readable beside it: with nothing read, the run stops (exit 1)
    res = run(str(folder), str(inbox), "-o", str(tmp_path / "out"))
    assert res.exit_code == 2 and res.stderr.startswith("错误："), res.stderr
    res = CliRunner().invoke(cli, ["pack-check", str(folder)])
    assert res.exit_code == 1
    assert not marker.exists()


def test_a_message_placeholder_cannot_reach_python_attributes(tmp_path: Path) -> None:
    def plant(raw: dict[str, Any]) -> None:
        raw["criteria"][0]["message"] = "{total_investment.__class__.__mro__}{__import__}"

    folder = mutated_pack(tmp_path, plant)
    assert {f.code for f in check_pack_dir(folder)} == {"pack.unknown-placeholder"}


# --------------------------------------------------------------------------- output faults


@pytest.fixture
def previous_run(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    inbox = samples_inbox(tmp_path / "in")
    out = tmp_path / "out"
    assert run("jl-761-2020", str(inbox), "-o", str(out)).exit_code == 1
    return inbox, out, snapshot(out)


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _fail_replace(monkeypatch: pytest.MonkeyPatch, error: OSError, when: Any) -> None:
    real = os.replace

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if when(Path(src), Path(dst)):
            raise error
        real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize(("error", "words"), [
    (PermissionError(errno.EACCES, "Permission denied"), "Excel"),
    (OSError(errno.ENOSPC, "No space left on device"), "磁盘空间不足"),
])
def test_summary_locked_or_disk_full_exits_3_and_leaves_previous_outputs(
        previous_run: tuple[Path, Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch,
        error: OSError, words: str) -> None:
    inbox, out, before = previous_run
    # The summary is open in Excel: replacing it (or moving it aside) fails, and nothing else may change.
    _fail_replace(monkeypatch, error, lambda src, dst: "汇总表.xlsx" in (src.name, dst.name) and ".shenbao-staging" not in str(dst))
    res = run("jl-761-2020", str(inbox), "-o", str(out))
    assert res.exit_code == 3, res.stdout + res.stderr
    assert res.stderr.startswith("错误：") and words in res.stderr and "Traceback" not in res.stderr
    assert snapshot(out) == before
    assert not list(out.glob(".shenbao-staging-*")) and not list(out.glob(".*.old-*")) and not (out / LOCK_NAME).exists()


def test_disk_full_while_writing_exits_3_and_leaves_previous_outputs(
        previous_run: tuple[Path, Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, out, before = previous_run
    _fail_replace(monkeypatch, OSError(errno.ENOSPC, "No space left on device"), lambda src, dst: True)
    res = run("jl-761-2020", str(inbox), "-o", str(out))
    assert res.exit_code == 3 and "磁盘空间不足" in res.stderr, res.stderr
    assert snapshot(out) == before
    assert not list(out.glob(".shenbao-staging-*")) and not (out / LOCK_NAME).exists()


def test_read_only_out_exits_3(previous_run: tuple[Path, Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, out, before = previous_run
    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).parent == out and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)  # what a read-only share does to a root-owned CI too
    res = run("jl-761-2020", str(inbox), "-o", str(out))
    assert res.exit_code == 3 and res.stderr.startswith("错误：") and str(out) in res.stderr, res.stderr
    monkeypatch.undo()
    assert snapshot(out) == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores a read-only folder")
def test_really_read_only_out_exits_3(previous_run: tuple[Path, Path, dict[str, bytes]]) -> None:
    inbox, out, before = previous_run
    out.chmod(0o555)
    try:
        res = run("jl-761-2020", str(inbox), "-o", str(out))
    finally:
        out.chmod(0o755)
    assert res.exit_code == 3 and res.stderr.startswith("错误："), res.stderr
    assert snapshot(out) == before


# --------------------------------------------------------------------------- a mixed inbox


def hostile_files(root: Path) -> list[str]:
    """One of each hostile or broken file; returns their names."""
    secret = root.parent / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    builders = {
        "外部实体表.xlsx": lambda p: hf.xxe_in_sheet(p, secret),
        "外部实体串.xlsx": lambda p: hf.xxe_in_shared_strings(p, secret),
        "笑声.xlsx": hf.billion_laughs,
        "炸弹.xlsx": hf.zip_bomb,
        "炸弹比例.xlsx": lambda p: hf.zip_bomb(p, 40),
        "假大小.xlsx": hf.lying_sizes,
        "多部件.xlsx": hf.many_members,
        "越界.xlsx": lambda p: hf.with_member(p, "../../evil.txt"),
        "绝对路径.xlsx": lambda p: hf.with_member(p, "/tmp/evil.txt"),
        "盘符.xlsx": lambda p: hf.with_member(p, "C:/evil.txt"),
        "范围过大.xlsx": hf.huge_dimension,
    }
    for name, build in builders.items():
        build(root / name)
    whole = (SAMPLES / "南关区.xlsx").read_bytes()
    (root / "截断.xlsx").write_bytes(whole[: len(whole) // 3])
    (root / "空文件.xlsx").write_bytes(b"")
    (root / "网页.xls").write_bytes(b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    (root / "乱码.xlsx").write_bytes(os.urandom(4096))
    one_sheet_xlsx(root / "空表.xlsx")
    return [*builders, "截断.xlsx", "空文件.xlsx", "网页.xls", "乱码.xlsx", "空表.xlsx"]


def test_good_files_plus_every_hostile_one_give_the_good_summary(tmp_path: Path) -> None:
    good = samples_inbox(tmp_path / "good")
    mixed = samples_inbox(tmp_path / "mixed")
    hostile = hostile_files(mixed)
    alone = json.loads(run("jl-761-2020", str(good), "-o", str(tmp_path / "out-good"), "--json").stdout)
    start = time.monotonic()
    res = run("jl-761-2020", str(mixed), "-o", str(tmp_path / "out-mixed"), "--json")
    assert time.monotonic() - start < 60
    assert res.exit_code == 1, res.stderr
    both = json.loads(res.stdout)
    assert both["counts"] == alone["counts"]
    assert both["totals"] == alone["totals"]
    names = project_names(tmp_path / "out-good" / "汇总表.xlsx")
    assert len([n for n in names if n]) == alone["counts"]["accepted"]
    assert project_names(tmp_path / "out-mixed" / "汇总表.xlsx") == names
    for name in hostile:
        entry = status_of(both, name)
        assert entry["status"] in ("error", "skipped") and entry["message"], entry
    good_names = {f["path"] for f in alone["files"]}
    assert [f for f in both["files"] if f["path"] in good_names] == alone["files"]
    assert SECRET.encode() not in everything_in(tmp_path / "out-mixed")


def test_readme_lists_every_limit_with_its_default() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## 安全与限制", 1)[1].split("\n## ", 1)[0]
    listed = dict(re.findall(r"^\| `(\w+)` \| `(\d+)` \|", section, re.M))
    assert listed == {f.name: str(f.default) for f in dataclasses.fields(Limits)}
