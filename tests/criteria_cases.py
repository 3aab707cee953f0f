"""Shared by the per-pack criteria tests: where the pack's own template puts each field, records
at those cells, the checks every failing case must meet, and a template filled in for real.

The records are built directly (as tests/test_validate.py does for jl-761-2020), but their cells
come from the template the pack writes, so a finding's cell is the one a county would see; each
pack's file also reads one filled template back through ingest to prove the two agree.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from toolkit.findings import Finding, a1
from toolkit.ingest.forms import defined_names
from toolkit.ingest.inbox import ingest
from toolkit.ingest.records import Record
from toolkit.packs.model import Annex, Criterion, Pack
from toolkit.template import write_templates
from toolkit.template.table import first_data_row
from toolkit.validate import Validation


def template_cells(pack: Pack, annex: Annex) -> dict[str, str]:
    """Field -> A1 cell in the pack's template: a table's first data row (序号 in column A), or a
    form's named value cell. A list field has no cell of its own, as ingest reads it."""
    if annex.kind == "table":
        row = first_data_row(annex) + 1
        return {f.key: a1(row, i + 2) for i, f in enumerate(annex.fields)}
    with tempfile.TemporaryDirectory() as tmp:
        (path,) = write_templates(pack, Path(tmp), [annex.id])
        names = defined_names(path, "xlsx")
    return {f.key: a1(names[f"sb_{f.key}"][1], names[f"sb_{f.key}"][2])
            for f in annex.fields if f.type != "list"}


def row_of(cell: str) -> int:
    return int(re.sub(r"\D", "", cell))


def shift(cells: dict[str, str], row: int) -> dict[str, str]:
    """A table's cells moved to another data row."""
    return {k: re.sub(r"\d+$", str(row), v) for k, v in cells.items()}


def make_record(annex: Annex, values: dict[str, Any], cells: dict[str, str], file: str,
                row: int | None = None) -> Record:
    """A record as ingest makes it: a form's row is its first value cell's row."""
    if annex.kind == "table":
        row = row or row_of(next(iter(cells.values())))
        cells = shift(cells, row)
    else:
        row = min(row_of(c) for c in cells.values())
    return Record(annex.id, dict(values), file, annex.sheet_name, row, dict(cells))


def the_finding(pack: Pack, crit: Criterion, result: Validation, cells: dict[str, str]) -> Finding:
    """The failing case's finding for `crit`, checked for code, severity, field, cell, row, clause
    and message; an error rejects the row and a warning keeps it."""
    code = f"criteria.{crit.id}"
    found = [f for f in result.findings if f.code == code]
    assert found, result.findings
    finding = found[0]
    clause = pack.clause_text(crit.clause)
    assert clause.startswith(pack.notice.number) and clause.endswith(crit.clause)
    assert (finding.severity, finding.field, finding.clause) == (crit.severity, crit.field, clause)
    cell = cells.get(crit.field or "")
    assert finding.cell == cell
    if cell:
        assert finding.row == row_of(cell) and finding.message.startswith(f"{cell}：")
    assert finding.message.endswith(f"（{clause}）")
    assert (result.rejected != []) is (crit.severity == "error"), result.findings
    assert (result.accepted != []) is (crit.severity != "error")
    return finding


def written(value: Any) -> Any:
    """A value as a county types it into the workbook."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(value)
    return value


def fill_template(pack: Pack, annex: Annex, folder: Path, file: str, rows: list[dict[str, Any]]) -> Path:
    """The pack's own template filled in with openpyxl (as Excel would save it): a table gets one
    row per dict from its first data row, a form the single dict in its named cells."""
    (template,) = write_templates(pack, folder / ".templates", [annex.id])
    wb = openpyxl.load_workbook(template)
    ws = wb[annex.sheet_name]
    if annex.kind == "table":
        first = first_data_row(annex) + 1
        for i, values in enumerate(rows):
            ws.cell(first + i, 1, i + 1)
            for col, f in enumerate(annex.fields, 2):
                if values.get(f.key) is not None:
                    ws.cell(first + i, col, written(values[f.key]))
    else:
        (values,) = rows
        for f in annex.fields:
            if f.type == "list" or values.get(f.key) is None:
                continue
            for sheet, ref in wb.defined_names[f"sb_{f.key}"].destinations:
                wb[sheet][ref.replace("$", "").split(":")[0]] = written(values[f.key])
    inbox = folder / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    wb.save(inbox / file)
    return inbox


def ingest_one(pack: Pack, inbox: Path) -> tuple[Record, list[Finding]]:
    result = ingest(pack, [inbox])
    (record,) = result.records
    return record, result.findings


def format_pass_and_fail(pack: Pack, build: Callable[[Any], Record], cells: dict[str, str], key: str,
                         good: Any, bad: Any, needle: str) -> Finding:
    """A declared format (credit code, phone, postcode...): `good` passes the schema, `bad` is one
    `schema.format` finding at the field's cell, naming what is wrong; it rejects the row when the
    field is required, and is a warning that keeps it when the field is optional."""
    from toolkit.validate import validate

    ok = validate(pack, [build(good)])
    assert [f for f in ok.findings if f.code.startswith("schema.")] == []
    result = validate(pack, [build(bad)])
    (finding,) = [f for f in result.findings if f.code.startswith("schema.")]
    assert (finding.code, finding.field, finding.cell) == ("schema.format", key, cells[key])
    assert finding.message.startswith(f"{cells[key]}：") and needle in finding.message
    required = next(f.required for a in pack.data_annexes for f in a.fields if f.key == key)
    assert (finding.severity == "error") is required, finding
    if required:
        assert result.rejected
    else:  # nothing about this cell refuses the project
        assert not [f for f in result.findings if f.is_error and f.field == key]
    return finding

