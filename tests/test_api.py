"""The Python API (toolkit.api): the same batch, counts and findings as `shenbao run --json`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit import api
from toolkit.cli import cli
from toolkit.errors import PackError
from toolkit.packs.source import builtin_root

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "jl-761-2020"


def test_check_inbox_agrees_with_the_command(tmp_path: Path) -> None:
    pack = api.open_pack("jl-761-2020")
    batch = api.check_inbox(pack, [SAMPLES], unit_name="长春市")
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(SAMPLES), "-o", str(tmp_path / "out"), "--json",
                                   "--unit-name", "长春市"])
    data = json.loads(res.stdout)
    assert batch.counts == data["counts"]
    assert sorted(f.code for f in batch.findings) == sorted(f["code"] for f in data["findings"])
    assert not (tmp_path / "api-wrote-nothing").exists()


def test_frames_hold_every_row_read_with_provenance() -> None:
    pack = api.open_pack("jl-761-2020")
    batch = api.check_inbox(pack, [SAMPLES])
    everything = api.records_frame(batch, "all")
    c = batch.counts
    assert len(everything) == c["rows_read"]  # every row read is in one of the three
    assert everything["_status"].value_counts().to_dict() == {
        k: v for k, v in (("accepted", c["accepted"]), ("rejected", c["rejected"]),
                          ("merged", c["duplicates_merged"])) if v}
    accepted = api.records_frame(batch)
    assert list(accepted.columns[:len(api.PROVENANCE)]) == list(api.PROVENANCE)
    assert "total_investment" in accepted.columns and len(accepted) == c["accepted"]
    rejected = api.records_frame(batch, "rejected")
    assert (rejected["_reasons"].str.len() > 0).all()  # each refused row says why
    findings = api.findings_frame(batch)
    assert len(findings) == len(batch.findings)
    assert set(findings["severity"]) <= {"error", "warning"}


def test_open_pack_refuses_a_pack_with_errors(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(builtin_root() / "jl-761-2020", folder)
    raw = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    raw["criteria"][0]["check"] = "no_such_field >= 1.0"
    (folder / "pack.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PackError, match="no_such_field"):
        api.open_pack(folder)


def test_run_writes_the_outputs(tmp_path: Path) -> None:
    pack = api.open_pack("jl-761-2020")
    result = api.run(pack, [SAMPLES], tmp_path / "out", unit_name="长春市")
    assert Path(result.outputs["summary"]).exists() and Path(result.outputs["letter"]).exists()
    assert result.batch.counts["accepted"] > 0
