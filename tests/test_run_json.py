"""`shenbao run --json` prints exactly one JSON object on every exit code, valid against
schemas/run-result.schema.json: the results on 0 and 1, an `error` on 2, 3 and 4; never NaN or
Infinity, which JSON has no words for (JavaScript's JSON.parse refuses them)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from tests.inbox_fixtures import build_inbox, header_only, own_layout_two_level
from toolkit.cli import cli
from toolkit.packs.source import builtin_root

SCHEMA = json.loads((builtin_root() / "run-result.schema.json").read_text(encoding="utf-8"))


def strict(text: str) -> Any:
    """JSON as JavaScript reads it: NaN, Infinity and -Infinity are errors."""
    def refuse(word: str) -> Any:
        raise ValueError(f"{word} is not JSON")

    return json.loads(text, parse_constant=refuse)


def one_object(res: Result, exit_code: int) -> dict[str, Any]:
    assert res.exit_code == exit_code, (res.stdout, res.stderr)
    data = strict(res.stdout)  # the whole of stdout is one JSON value ...
    assert isinstance(data, dict)  # ... and that is an object
    jsonschema.validate(data, SCHEMA)
    if exit_code >= 2:
        assert data["error"]["exit_code"] == exit_code and data["error"]["message"]
        assert "pack" not in data
        assert data["error"]["message"] in res.stderr  # the same Chinese line as on stderr
    else:
        assert "error" not in data
    return data


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["run", *args])


def test_exit_0_clean_inbox(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    header_only(tmp_path / "in" / "绿园区.xlsx")
    one_object(run("jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--json"), 0)


def test_exit_1_rejected_rows(tmp_path: Path) -> None:
    inbox = build_inbox(tmp_path / "收件箱")
    data = one_object(run("jl-761-2020", str(inbox), "-o", str(tmp_path / "out"), "--json"), 1)
    assert data["counts"]["rejected"] > 0


def test_exit_1_nothing_read_is_an_error_object(tmp_path: Path) -> None:
    """An inbox without one readable file: exit 1, no results, an error the schema knows."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "说明.txt").write_text("不是表格", encoding="utf-8")
    res = run("jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--json")
    assert res.exit_code == 1
    data = strict(res.stdout)
    jsonschema.validate(data, SCHEMA)
    assert data["error"]["code"] == "nothing-read" and data["error"]["exit_code"] == 1
    assert "counts" not in data and not (tmp_path / "out" / "报送函.docx").exists()


@pytest.mark.parametrize(("args", "code"), [
    (["--no-such-option"], "usage"),  # click's own usage error
    ([], "usage"),  # no inbox: a usage error of ours
    (["no-such-pack"], "pack"),
])
def test_exit_2_usage_and_pack_errors(tmp_path: Path, args: list[str], code: str) -> None:
    (tmp_path / "in").mkdir()
    header_only(tmp_path / "in" / "绿园区.xlsx")
    if args == ["no-such-pack"]:
        argv = ["no-such-pack", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--json"]
    elif args:
        argv = ["jl-761-2020", str(tmp_path / "in"), *args, "--json"]
    else:
        argv = ["jl-761-2020", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"), "--json"]
    data = one_object(run(*argv), 2)
    assert data["error"]["code"] == code


def test_exit_2_when_cancelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.outputs.letter

    def cancel(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(toolkit.outputs.letter, "write_letter", cancel)
    (tmp_path / "in").mkdir()
    header_only(tmp_path / "in" / "绿园区.xlsx")
    data = one_object(run("jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--json"), 2)
    assert data["error"]["code"] == "cancelled"


def test_exit_3_outputs_not_written(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    header_only(tmp_path / "in" / "绿园区.xlsx")
    (tmp_path / "file").write_text("x")
    data = one_object(run("jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "file" / "out"), "--json"), 3)
    assert data["error"]["code"] == "output"


def test_exit_4_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.run.job

    def bug(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(toolkit.run.job, "process", bug)
    (tmp_path / "in").mkdir()
    header_only(tmp_path / "in" / "绿园区.xlsx")
    data = one_object(run("jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--json"), 4)
    assert data["error"]["code"] == "internal" and "a bug" not in data["error"]["message"]


def nan_workbook(path: Path, replace: dict[bytes, bytes]) -> Path:
    """南关区's own layout with cells rewritten in the sheet XML: `<v>NaN</v>` is read as a float
    NaN (python-calamine), as `<v>inf</v>` is infinity."""
    src = own_layout_two_level(path.with_name("src.xlsx"))
    with zipfile.ZipFile(src) as z:
        items = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet2.xml"
    for old, new in replace.items():
        assert old in items[sheet]
        items[sheet] = items[sheet].replace(old, new)
    with zipfile.ZipFile(path, "w") as z:
        for n, x in items.items():
            z.writestr(n, x)
    src.unlink()
    return path


def test_nan_and_infinity_cells_are_null_with_a_finding(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    nan_workbook(tmp_path / "in" / "南关区.xlsx",
                 {b"<v>3000</v>": b"<v>NaN</v>", b"<v>0.08</v>": b"<v>-Infinity</v>", b"<v>600</v>": b"<v>inf</v>"})
    res = run("jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--json")
    assert "NaN" not in res.stdout and "Infinity" not in res.stdout
    data = one_object(res, 1)
    cells = {f["cell"]: f for f in data["findings"] if f["field"] == "total_investment"}
    for cell, shown in (("I10", "nan"), ("I7", "-inf")):
        assert cells[cell]["value"] is None and shown in cells[cell]["message"]


def test_a_non_finite_number_anywhere_else_is_null_with_its_own_finding() -> None:
    from toolkit.run.job import finite

    replaced: list[str] = []
    assert finite({"totals": {"x": float("inf")}, "a": [1.0, float("nan")]}, "", replaced) == {
        "totals": {"x": None}, "a": [1.0, None]}
    assert replaced == ["totals.x", "a[1]"]


@pytest.mark.parametrize("command", ["validate", "ingest"])
def test_other_commands_json_has_no_nan_either(tmp_path: Path, command: str) -> None:
    (tmp_path / "in").mkdir()
    nan_workbook(tmp_path / "in" / "南关区.xlsx", {b"<v>3000</v>": b"<v>NaN</v>"})
    res = CliRunner().invoke(cli, [command, "jl-761-2020", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--json"])
    assert res.exit_code == 1, res.output
    strict(res.stdout)


def test_a_non_finite_total_is_null_and_a_finding_in_the_run_result(tmp_path: Path) -> None:
    from toolkit.merge.pipeline import process
    from toolkit.packs.loader import load_pack
    from toolkit.run.job import RunResult

    (tmp_path / "in").mkdir()
    own_layout_two_level(tmp_path / "in" / "南关区.xlsx")
    batch = process(load_pack("jl-761-2020"), [tmp_path / "in"])
    batch.stats.totals["total_investment"] = float("inf")  # whatever a future sum might give
    data = RunResult(batch, tmp_path, {k: "x" for k in ("summary", "report", "returns", "letter", "manifest")}).to_json()
    jsonschema.validate(data, SCHEMA)
    strict(json.dumps(data))
    assert data["totals"]["total_investment"] is None
    added = [f for f in data["findings"] if f["code"] == "value.not-finite"]
    assert len(added) == 1 and "totals.total_investment" in added[0]["message"]
