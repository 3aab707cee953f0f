"""Field roles: the pack says which field is the project name, the applicant, its code, the main
amount and the locality; stages ask the pack, so a pack whose keys are named otherwise works the
same (dedupe, review sheets, totals, the letter, monthly changes)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from toolkit.cli import cli
from toolkit.packs.loader import check_pack_dir, load_pack
from toolkit.packs.source import builtin_root

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "jl-761-2020"
RENAMED = {"project_name": "xmmc", "applicant": "jsdw", "uscc": "xydm", "total_investment": "ztz"}


def renamed_pack(tmp_path: Path) -> Path:
    """The 761 pack with its role fields' keys renamed everywhere (fields, rules, summary)."""
    target = tmp_path / "jl-761-2020"
    shutil.copytree(builtin_root() / "jl-761-2020", target)
    text = (target / "pack.json").read_text(encoding="utf-8")
    for old, new in RENAMED.items():
        text = re.sub(rf"(?<![a-z_]){old}(?![a-z_])", new, text)
        for member in ("role", "format"):  # these name a role and a code format, not a field
            text = text.replace(f'"{member}": "{new}"', f'"{member}": "{old}"')
    (target / "pack.json").write_text(text, encoding="utf-8")
    return target


def test_roles_are_declared_in_every_builtin_pack() -> None:
    for pack_id in ("jl-761-2020", "jl-gyhlw-2020", "jl-zgsz-2023", "js-zhjs-2020"):
        pack = load_pack(pack_id)
        for annex in pack.data_annexes:
            assert annex.role_key("project_name"), (pack_id, annex.id)
            assert annex.role_key("applicant"), (pack_id, annex.id)
        assert pack.summary is not None
    assert load_pack("jl-761-2020").total_key == "total_investment"
    assert load_pack("jl-gyhlw-2020").total_key is None  # its 4-5 汇总表 has no amount


def test_pack_check_reports_duplicate_and_missing_roles(tmp_path: Path) -> None:
    pack_dir = tmp_path / "p"
    shutil.copytree(builtin_root() / "jl-761-2020", pack_dir)
    raw = json.loads((pack_dir / "pack.json").read_text(encoding="utf-8"))
    fields = raw["annexes"][0]["fields"]
    for f in fields:
        if f["key"] == "applicant":
            f["role"] = "project_name"  # two fields claim the project name
    (pack_dir / "pack.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    assert ("pack.duplicate-role", "error") in {(f.code, f.severity) for f in check_pack_dir(pack_dir)}
    for f in fields:
        f.pop("role", None)  # and now none does
    (pack_dir / "pack.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    found = {(f.code, f.severity) for f in check_pack_dir(pack_dir)}
    assert found == {("pack.missing-role", "warning")}


def test_a_pack_with_other_keys_gives_the_same_run(tmp_path: Path) -> None:
    """Same samples, same verdicts, same duplicates, same total: nothing reads a literal key."""
    pack_dir = renamed_pack(tmp_path)
    assert [f for f in check_pack_dir(pack_dir) if f.severity == "error"] == []
    results = {}
    for name, pack in (("builtin", "jl-761-2020"), ("renamed", str(pack_dir))):
        res = CliRunner().invoke(cli, ["run", pack, str(SAMPLES), "-o", str(tmp_path / name), "--json"])
        assert res.exit_code == 1, res.output  # the samples have refused rows on purpose
        results[name] = json.loads(res.stdout)
    a, b = results["builtin"], results["renamed"]
    assert a["counts"] == b["counts"]
    assert a["counts"]["duplicates_merged"] >= 1 and a["counts"]["suspected_duplicates"] >= 1
    assert a["totals"]["total_investment"] == b["totals"]["total_investment"] > 0
    assert sorted(f["code"] for f in a["findings"]) == sorted(f["code"] for f in b["findings"])


def test_no_stage_reads_a_campaign_key() -> None:
    """Code reads a record's field through the pack (roles, summary columns, rules), never by a
    key one of the campaigns happens to use."""
    keys = "project_name|applicant|enterprise|uscc|total_investment|county|city|org_name|category|stage"
    literal = re.compile(rf"""(\.get\(|\[)\s*["']({keys})["']""")
    toolkit = Path(__file__).resolve().parent.parent / "toolkit"
    found = [f"{path.relative_to(toolkit)}:{n}: {line.strip()}"
             for path in sorted(toolkit.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if literal.search(line)]
    assert found == []
