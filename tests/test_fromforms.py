"""A project sent only as a form (4-1 申报书, 智慧江苏重点工程申报表) is a row of the summary too."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.test_packs import _codes, mutated_pack
from toolkit.merge.pipeline import process
from toolkit.outputs.summary.view import whole_view
from toolkit.packs.loader import load_pack

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _rows(batch: Any) -> list[Any]:
    return [r for r in batch.accepted if r.annex == batch.annex.id]


def test_forms_no_table_lists_are_rows_of_the_summary_read_from_the_forms() -> None:
    """智慧江苏: 南京市大数据管理局 (市本级) and 南京云盾 send 申报表 only; the counties' 推荐汇总表 do
    not list them. Both are rows of the 推荐项目汇总表, pointing at the forms' own cells."""
    batch = process(load_pack("js-zhjs-2020"), [SAMPLES / "js-zhjs-2020"], jobs=1)
    rows = _rows(batch)
    from_forms = [r for r in rows if r.file.startswith("智慧江苏重点工程申报表")]
    forms = [r for r in batch.validation.accepted if r.annex == "application"]
    assert len(from_forms) == len(forms) == 2
    for row, form in zip(from_forms, forms, strict=True):
        assert (row.file, row.sheet, row.row) == (form.file, form.sheet, form.row)
        for key in ("project_name", "applicant", "uscc", "total_investment", "start_date"):
            assert row.values[key] == form.values[key] is not None
            assert row.cells[key] == form.cells[key]
        assert row.values["remarks"] is None  # a column the form does not have
    assert batch.stats.projects == len(rows)
    assert sum(r.values["total_investment"] for r in rows) == batch.stats.totals["total_investment"]
    batch.check_accounting()
    assert batch.counts["accepted"] == len(batch.accepted)  # the form's record became its row


def test_a_form_the_table_lists_stays_behind_its_row(tmp_path: Path) -> None:
    """4-1 申报书 and the city's 4-5 汇总表 of the same projects: one row each (the table's); without
    the table the 4-5 is compiled from the forms: 依托企业, 联系人, 手机 from the form's cells. A
    申报书 sent without its 绩效目标 is rejected, and so is not a row."""
    pack = load_pack("jl-gyhlw-2020")
    both = process(pack, [SAMPLES / "jl-gyhlw-2020"], jobs=1)
    rows = _rows(both)
    assert [r.file for r in rows] == ["长春市申报信息汇总表.xlsx"] * 2  # the two projects that pass
    assert not both.dedup.suspects and not both.dedup.merged
    inbox = tmp_path / "forms"
    inbox.mkdir()
    for path in (SAMPLES / "jl-gyhlw-2020").glob("*附件4-[13]*"):  # each 申报书 with its 绩效目标
        shutil.copy(path, inbox / path.name)
    only_forms = process(pack, [inbox], jobs=1)
    forms = [r for r in only_forms.validation.accepted if r.annex == "application"]
    rows = _rows(only_forms)
    assert len(forms) == 2 and [r.file for r in rows] == [r.file for r in forms]
    by_enterprise = {r.values["enterprise"]: r for r in _rows(both)}
    for row, form in zip(rows, forms, strict=True):
        table_row = by_enterprise[row.values["enterprise"]]
        for key in ("category", "contact", "mobile"):
            assert row.values[key] == table_row.values[key], key  # what the clerk typed, from the form
        assert row.cells["enterprise"] == form.cells["org_name"]
        assert row.cells["mobile"] == form.cells["contact_mobile"]
    only_forms.check_accounting()
    for path in inbox.glob("*附件4-3*"):
        path.unlink()
    alone = process(pack, [inbox], jobs=1)
    assert _rows(alone) == [] and alone.validation.accepted == [] and len(alone.validation.rejected) == 5
    for r in alone.validation.rejected:
        assert "criteria.performance-sent" in [f.code for f in alone.validation.reasons_for(r)]


def _rename_in_table(inbox: Path, old: str, new: str, column: str = "project_name") -> None:
    import openpyxl

    table = inbox / "长春市申报信息汇总表.xlsx"
    wb = openpyxl.load_workbook(table)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == old)
    cell.value = new
    wb.save(table)


def test_a_form_named_differently_from_the_table_row_is_one_project_with_a_warning(tmp_path: Path) -> None:
    """“…平台建设项目” on the 4-5 and “…项目” on the 4-1, same enterprise: one project, one row,
    and a warning showing both spellings (not a suspected duplicate, not listed twice)."""
    inbox = tmp_path / "in"
    shutil.copytree(SAMPLES / "jl-gyhlw-2020", inbox)
    _rename_in_table(inbox, "启明工业数据治理软件研发与应用项目", "启明工业数据治理软件研发与应用平台建设项目")
    batch = process(load_pack("jl-gyhlw-2020"), [inbox], jobs=1)
    assert len(_rows(batch)) == 2 and not batch.dedup.suspects
    linked = [f for f in batch.findings if f.code == "project.linked" and f.file.startswith("启明")]
    (warning,) = linked
    assert "“启明工业数据治理软件研发与应用项目”" in warning.message
    assert "“启明工业数据治理软件研发与应用平台建设项目”" in warning.message
    assert "长春市申报信息汇总表.xlsx 第8行" in warning.message
    batch.check_accounting()


def test_an_enterprise_written_differently_without_a_code_is_put_to_the_clerk(tmp_path: Path) -> None:
    """The 4-5 (no credit code) writes the 依托企业 differently from the 4-1: it cannot be told the
    same enterprise, so the two are not linked on a guess but put on 疑似重复, both kept."""
    inbox = tmp_path / "in"
    shutil.copytree(SAMPLES / "jl-gyhlw-2020", inbox)
    _rename_in_table(inbox, "长春启明软件技术有限公司", "长春市启明软件技术公司")
    batch = process(load_pack("jl-gyhlw-2020"), [inbox], jobs=1)
    assert len(_rows(batch)) == 3
    (pair,) = batch.dedup.suspects
    assert {pair.a.file, pair.b.file} == {"长春市申报信息汇总表.xlsx", "启明软件-附件4-1申报书.xlsx"}
    assert "无法确定是否同一单位" in pair.reason
    batch.check_accounting()
    decided = process(load_pack("jl-gyhlw-2020"), [inbox], jobs=1, decisions={pair.pair_id: "合并"})
    assert len(_rows(decided)) == 2 and not decided.dedup.suspects
    decided.check_accounting()
    (answered,) = whole_view(decided, "长春市", None).pairs  # the answer stays on the 疑似重复 sheet
    assert (answered.pair_id, answered.decision) == (pair.pair_id, "合并")


def test_pack_check_knows_the_fields_a_form_fills(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["summary"]["from_forms"] = [{"annex": "projects", "fields": {"project_name": "project_name",
                                                                          "nowhere": "total_investment",
                                                                          "uscc": "no_such_field"}}]

    codes = _codes(mutated_pack(tmp_path / "a", change))
    assert codes == ["pack.unknown-field", "pack.unknown-field"]

    def unknown_annex(raw: dict[str, Any]) -> None:
        raw["summary"]["from_forms"] = [{"annex": "nowhere", "fields": {"project_name": "project_name"}}]

    assert _codes(mutated_pack(tmp_path / "b", unknown_annex)) == ["pack.unknown-annex"]
    shipped = load_pack("jl-gyhlw-2020").summary
    assert shipped is not None and [f.annex for f in shipped.from_forms] == ["application"]
