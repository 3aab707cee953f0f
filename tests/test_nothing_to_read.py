"""Nothing to read is a failure, not a success (issue 16, point 5): exit 1, no 0-project letter."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from tests.fixtures_files import soffice_convert
from tests.inbox_fixtures import TEMPLATE_ROW, filled_template, header_only
from toolkit.cli import cli
from toolkit.packs.loader import load_pack
from toolkit.packs.source import builtin_root

PACK = load_pack("jl-761-2020")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_an_empty_inbox_exits_1_and_writes_no_letter(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    out = tmp_path / "out"
    res = invoke("run", "jl-761-2020", str(inbox), "-o", str(out), "--unit-name", "长春市")
    assert res.exit_code == 1
    assert "没有任何文件" in res.stderr and "未生成汇总表和报送函" in res.stderr
    assert not (out / "报送函.docx").exists() and not (out / "汇总表.xlsx").exists()
    res = invoke("merge", "jl-761-2020", str(inbox), "-o", str(tmp_path / "merged"))
    assert res.exit_code == 1 and not (tmp_path / "merged" / "汇总表.xlsx").exists()
    res = invoke("validate", "jl-761-2020", str(inbox), "-o", str(tmp_path / "checked"))
    assert res.exit_code == 1 and "没有任何文件" in res.stderr
    res = invoke("ingest", "jl-761-2020", str(inbox), "-o", str(tmp_path / "read"))
    assert res.exit_code == 1 and "没有任何文件" in res.stderr


def test_no_readable_workbook_exits_1_and_keeps_the_previous_outputs(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    out = tmp_path / "out"
    filled_template(PACK, inbox / "南关区.xlsx", [TEMPLATE_ROW])
    assert invoke("run", "jl-761-2020", str(inbox), "-o", str(out)).exit_code == 0  # one clean row
    letter = (out / "报送函.docx").read_bytes()
    (inbox / "南关区.xlsx").unlink()
    (inbox / "通知.pdf").write_bytes(b"%PDF-1.4\n")
    (inbox / "双阳区.xlsx").write_bytes(b"PK\x03\x04broken")
    res = invoke("run", "jl-761-2020", str(inbox), "-o", str(out), "--json")
    assert res.exit_code == 1
    assert "没有一个能读取的申报表（共 2 个文件，无法读取 1 个，跳过 1 个" in res.stderr
    data = json.loads(res.stdout)  # --json: one object, the error's (schemas/run-result.schema.json)
    jsonschema.validate(data, json.loads((builtin_root() / "run-result.schema.json").read_text(encoding="utf-8")))
    assert data["error"]["code"] == "nothing-read" and data["error"]["exit_code"] == 1
    assert (out / "报送函.docx").read_bytes() == letter  # the last good run's outputs stay


def test_a_header_only_workbook_is_something_read(tmp_path: Path) -> None:
    """A county with nothing to report this month sent the empty table: a real 0-project letter."""
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    header_only(inbox / "绿园区.xlsx")
    res = invoke("run", "jl-761-2020", str(inbox), "-o", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "报送函.docx").exists()


@pytest.mark.office
def test_only_a_pdf_of_the_table_exits_1(tmp_path: Path) -> None:
    """A county exported its filled table as PDF from LibreOffice and sent only that."""
    work = tmp_path / "work"
    work.mkdir()
    filled = filled_template(PACK, work / "南关区.xlsx", [TEMPLATE_ROW])
    inbox = tmp_path / "收件箱"
    pdf = soffice_convert(filled, "pdf", inbox)
    assert [p.name for p in inbox.iterdir()] == [pdf.name]
    res = invoke("run", "jl-761-2020", str(inbox), "-o", str(tmp_path / "out"))
    assert res.exit_code == 1 and "没有一个能读取的申报表" in res.stderr
    assert not (tmp_path / "out" / "报送函.docx").exists()
