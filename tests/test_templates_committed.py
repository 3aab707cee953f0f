"""The committed templates/ are what the packs produce now (compared by content, never bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document
from python_calamine import CalamineWorkbook

from tests.helpers import REPO
from toolkit.packs.loader import load_pack
from toolkit.packs.source import builtin_ids
from toolkit.template import template_name, write_templates

CASES = [(pid, a.id) for pid in builtin_ids() for a in load_pack(pid).annexes]


def committed_path(pack_id: str, annex_id: str) -> Path:
    annex = load_pack(pack_id).annex(annex_id)
    folder = "docx" if annex.kind == "document" else "xlsx"
    return REPO / "templates" / folder / pack_id / template_name(annex)


def workbook_content(path: Path) -> dict[str, Any]:
    cal = CalamineWorkbook.from_path(str(path))
    cells = {name: cal.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in cal.sheet_names}
    wb = openpyxl.load_workbook(path)
    names = {n: str(d.attr_text) for n, d in wb.defined_names.items()}
    validations = {
        ws.title: sorted((str(dv.sqref), dv.type or "", dv.formula1 or "", dv.prompt or "") for dv in ws.data_validations.dataValidation)
        for ws in wb.worksheets
    }
    merged = {ws.title: sorted(str(r) for r in ws.merged_cells.ranges) for ws in wb.worksheets}
    return {"cells": cells, "names": names, "validations": validations, "merged": merged,
            "states": {ws.title: ws.sheet_state for ws in wb.worksheets}}


@pytest.mark.parametrize(("pack_id", "annex_id"), CASES)
def test_committed_template_matches_the_pack(tmp_path: Path, pack_id: str, annex_id: str) -> None:
    committed = committed_path(pack_id, annex_id)
    assert committed.is_file(), f"missing {committed}: run python scripts/regen.py"
    (fresh,) = write_templates(load_pack(pack_id), tmp_path, [annex_id])
    if committed.suffix == ".docx":
        assert [p.text for p in Document(str(fresh)).paragraphs] == [p.text for p in Document(str(committed)).paragraphs]
    else:
        assert workbook_content(fresh) == workbook_content(committed), "templates drifted: run python scripts/regen.py"


def test_no_stray_committed_templates() -> None:
    expected = {committed_path(pid, aid) for pid, aid in CASES}
    found = {p for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert found == expected
