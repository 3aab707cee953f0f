"""Issue 17 point 5: the notice's own Word form (附件4-1 申报书 as .docx) read into the same record as
our Excel form, filled as people fill it, through the inbox to the 汇总表."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from tests.fixtures_files import rewrite_zip, soffice_convert
from tests.helpers import mutated_pack
from tests.wordforms import YUNZHI, application_docx, other_docx, performance_docx, word97
from toolkit.cli import cli
from toolkit.ingest.inbox import ingest
from toolkit.ingest.wordform import MSG_NOT_FORM, NOT_ASKED, read_word
from toolkit.merge.pipeline import process
from toolkit.packs.loader import check_pack_dir, load_pack
from toolkit.packs.source import builtin_root

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "jl-gyhlw-2020"
PLACE = re.compile(r"^(表格 \d+ 第 \d+ 行 第 \d+ 列|正文 第 \d+ 段)$")


@pytest.fixture(scope="module")
def pack() -> Any:
    return load_pack("jl-gyhlw-2020")


@pytest.fixture(scope="module")
def excel_record(pack: Any) -> Any:
    """长春云智's 申报书 as our Excel form: the reference the Word form must read the same as."""
    (record,) = ingest(pack, [SAMPLES / "云智工业互联网-附件4-1申报书.xlsx"], jobs=1).records
    return record


def _word(pack: Any, path: Path) -> Any:
    read = read_word(pack, path, path.name)
    assert read is not None
    return read


def _asked(pack: Any) -> list[str]:
    annex = pack.annex("application")
    return [k for k in annex.field_keys if k not in annex.word_form.not_asked]


def _same(a: Any, b: Any) -> bool:
    return sorted(a) == sorted(b) if isinstance(a, list) and isinstance(b, list) else a == b


FILLED_AS = {
    "plain": {},
    "colon-units-squares": {"colon": ["单位名称", "证件号码", "移动电话", "项目名称"], "units": True, "mark": "■"},
    "typed-after-spaces": {"spaced": ["通讯地址", "姓名", "电子信箱"], "split": False},
    "figures-a-year-per-row": {"transposed": True},
    "seed-blocks-one-table": {"seed_blocks": True, "split": False, "blank_rows": False, "mark": "√"},
    "wingdings": {"wingdings": True},
    "ticks-and-crosses": {"mark": "✓"},
    "ballot-x": {"mark": "☒"},
}


@pytest.mark.parametrize("how", FILLED_AS)
def test_the_word_form_reads_as_the_excel_form(pack: Any, excel_record: Any, tmp_path: Path, how: str) -> None:
    """Every field the Word form asks for comes out as our Excel form's, whatever tick, split
    table, unmerged block name, colon value or typed unit the enterprise used."""
    path = application_docx(tmp_path / "云智.docx", **FILLED_AS[how])
    read = _word(pack, path)
    assert read.report.status == "ok" and read.report.kind == "docx" and read.report.annex == "application"
    (record,) = read.records
    for key in _asked(pack):
        assert _same(record.values[key], excel_record.values[key]), (key, record.values[key], excel_record.values[key])
    assert [f for f in read.findings if f.is_error] == []
    for key, place in record.cells.items():
        assert PLACE.match(place), (key, place)


def test_provenance_names_table_row_and_column(pack: Any, tmp_path: Path) -> None:
    read = _word(pack, application_docx(tmp_path / "云智.docx"))
    (record,) = read.records
    assert (record.file, record.sheet, record.row) == ("云智.docx", "表格 1", 1)
    assert record.cells["project_name"] == "表格 1 第 1 行 第 3 列"  # the value cell, merged over 3 columns
    assert record.cells["uscc"] == "表格 1 第 9 行 第 5 列"
    assert record.cells["total_assets_2019"] == "表格 1 第 13 行 第 5 列"
    assert record.cells["resp_mobile"] == "表格 2 第 5 行 第 3 列"  # the table continued on the next page
    assert record.cells["contact_mobile"] == "表格 2 第 9 行 第 3 列"
    assert record.cells["period_end"] == "正文 第 7 段"  # the cover's 项目年限
    colon = _word(pack, application_docx(tmp_path / "冒号.docx", colon=["单位名称"])).records[0]
    assert colon.cells["org_name"] == "表格 1 第 6 行 第 2 列"  # typed in the label cell


def test_options_written_inside_a_box_list(pack: Any, tmp_path: Path) -> None:
    """`其他（请注明）…`, `面向行业：…`, a provider typed before `（服务商名称）`, a vendor after
    `（请注明厂商）`: each the field the pack names so."""
    path = application_docx(tmp_path / "选项.docx", v={
        "category": "行业级工业互联网平台项目", "industry": "装备制造", "service_other": "云MES运维",
        "deploy_mode": "公有云", "public_cloud_provider": "阿里云", "data_collection": "集成第三方解决方案",
        "data_collection_vendor": "西门子", "full_cloud_arch": "否"})
    (record,) = _word(pack, path).records
    values = record.values
    assert values["category"] == "行业级工业互联网平台项目" and values["industry"] == "装备制造"
    # 其他 is one of the service types the pack offers (issue 17: □其他（请注明） is a choice), its text apart
    assert sorted(values["service_types"]) == ["其他", "网络化协同制造", "设备管理服务"]
    assert values["service_other"] == "云MES运维"
    assert (values["deploy_mode"], values["public_cloud_provider"]) == ("公有云", "阿里云")
    assert (values["data_collection"], values["data_collection_vendor"]) == ("集成第三方解决方案", "西门子")
    assert values["full_cloud_arch"] is False
    assert values["autonomy"] == ["平台级"]


def test_two_ticks_in_a_single_choice_is_an_error_at_its_cell(pack: Any, tmp_path: Path) -> None:
    path = application_docx(tmp_path / "双选.docx", v={"category": ["企业级工业互联网平台项目", "制造业服务化项目"]})
    read = _word(pack, path)
    (error,) = [f for f in read.findings if f.is_error]
    assert error.code == "value.unreadable" and error.field == "category"
    assert error.cell == "表格 1 第 4 行 第 3 列" and "勾选了多项" in error.message
    assert read.records[0].values["category"] is None


def test_cover_and_table_disagreeing_is_a_warning(pack: Any, tmp_path: Path) -> None:
    path = application_docx(tmp_path / "封面.docx")
    data = _document_xml(path).replace("项目责任单位：长春云智工业互联网科技有限公司", "项目责任单位：长春云智科技有限公司")
    rewrite_zip(path, tmp_path / "封面2.docx", {"word/document.xml": data.encode("utf-8")})
    read = _word(pack, tmp_path / "封面2.docx")
    (warning,) = [f for f in read.findings if f.code == "value.check"]
    assert warning.field == "org_name" and warning.cell == "表格 1 第 6 行 第 3 列"
    assert "正文 第 4 段" in warning.message and "长春云智科技有限公司" in warning.message
    assert read.records[0].values["org_name"] == "长春云智工业互联网科技有限公司"  # the table's, kept


def test_blank_cover_dates_and_blank_cells_are_blank(pack: Any, tmp_path: Path) -> None:
    path = application_docx(tmp_path / "空.docx", v={"period": "20    年     月 至20    年   月", "fill_date": "20    年     月     日",
                                                    "supervisor": "", "tech_lead": "______"})
    read = _word(pack, path)
    values = read.records[0].values
    assert values["fill_date"] is None and values["supervisor"] is None and values["tech_lead"] is None
    assert values["period_start"] is None and values["period_end"] is None
    assert not [f for f in read.findings if f.code == "value.unreadable"]


def test_facts_the_word_form_does_not_ask_for_warn_never_refuse(pack: Any, tmp_path: Path) -> None:
    """企业类型, 本地使用企业数, 真实性承诺 … are attachments of the notice, not rows of its Word form:
    the project passes, each rule that needs one warns and names the attachment."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    application_docx(inbox / "云智-申报书.docx")
    shutil.copy(SAMPLES / "云智工业互联网-附件4-3绩效目标.xlsx", inbox)
    batch = process(pack, [inbox], jobs=1)
    (form,) = [r for r in batch.validation.accepted if r.annex == "application"]
    assert form.file == "云智-申报书.docx"
    (marker,) = [f for f in batch.findings if f.code == NOT_ASKED]
    assert set(marker.extra["fields"]) == set(pack.annex("application").word_form.not_asked)
    warned = {f.code: f for f in batch.findings if f.code.startswith("criteria.") and f.file == form.file}
    # 企业级平台: the platform rules apply; the 工业软件 and 服务化 ones do not, so say nothing.
    assert set(warned) == {"criteria.enterprise-type", "criteria.platform-local-users", "criteria.platform-cloud-contract",
                           "criteria.pledge", "criteria.no-major-accident"}
    assert all(f.severity == "warning" for f in warned.values())
    assert "真实性承诺书（附件4-4）" in warned["criteria.pledge"].message
    assert "不少于5户吉林省本地企业使用平台的合同或协议" in warned["criteria.platform-local-users"].message
    # The same facts in our Excel form are checked as ever: 3 本地企业 refuses the Excel 申报书.
    excel = process(pack, [SAMPLES / "云智工业互联网-附件4-1申报书.xlsx", SAMPLES / "云智工业互联网-附件4-3绩效目标.xlsx"], jobs=1)
    # (its 4-3 goes with it: one project, one verdict)
    assert sorted(r.annex for r in excel.validation.rejected) == ["application", "performance"]
    assert "project.part-rejected" in [f.code for r in excel.validation.rejected if r.annex == "performance"
                                       for f in excel.validation.reasons_for(r)]


def test_a_field_the_word_form_asks_for_is_still_required(pack: Any, tmp_path: Path) -> None:
    path = application_docx(tmp_path / "无代码.docx", v={"uscc": ""})
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.move(path, inbox / path.name)
    batch = process(pack, [inbox], jobs=1)
    (rejected,) = batch.validation.rejected
    (reason,) = [f for f in batch.validation.reasons_for(rejected) if f.field == "uscc"]
    assert reason.code == "schema.required" and reason.cell == "表格 1 第 9 行 第 5 列"


@pytest.mark.parametrize("numbered", [False, True])
def test_the_word_goals_read_as_the_excel_goals(pack: Any, tmp_path: Path, numbered: bool) -> None:
    """附件4-3 in Word: its 定量/定性 rows are the list fields, the rows left as printed (`4`, `...`)
    are no items, a kept number (`1.平台连接工业设备数`) is not part of the name."""
    (excel,) = ingest(pack, [SAMPLES / "云智工业互联网-附件4-3绩效目标.xlsx"], jobs=1).records
    read = _word(pack, performance_docx(tmp_path / "绩效.docx", numbered=numbered))
    assert read.report.annex == "performance" and read.findings == []
    (record,) = read.records
    assert record.values == excel.values
    assert record.cells["quantitative"] == "表格 1 第 6 行 第 3 列" and record.cells["qualitative"] == "表格 1 第 10 行 第 3 列"


def test_an_unquantified_word_goal_is_refused_and_a_word_4_1_needs_its_4_3(pack: Any, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    application_docx(inbox / "申报书.docx")
    performance_docx(inbox / "绩效目标.docx", {"quantitative": [("协同设计效率", "显著提升")]})
    batch = process(pack, [inbox], jobs=1)
    # The 4-3 is refused, and with it the 4-1 of the same project (one project, one verdict).
    assert sorted(r.annex for r in batch.validation.rejected) == ["application", "performance"]
    (goal,) = [r for r in batch.validation.rejected if r.annex == "performance"]
    (reason,) = batch.validation.reasons_for(goal)
    assert reason.code == "criteria.perf-quantitative-measurable" and reason.cell == "表格 1 第 6 行 第 3 列"
    (inbox / "绩效目标.docx").unlink()
    alone = process(pack, [inbox], jobs=1)
    (refused,) = alone.validation.rejected
    assert "criteria.performance-sent" in [f.code for f in alone.validation.reasons_for(refused)]


def test_a_vertical_merge_with_nothing_above_is_read_as_it_stands(pack: Any, tmp_path: Path) -> None:
    """A hand-edited file whose first cell says it continues the cell above, where there is none:
    python-docx cannot follow it; the row is read cell by cell, spans kept."""
    path = application_docx(tmp_path / "合并.docx")
    xml = _document_xml(path)
    at = xml.index("<w:tcPr>", xml.index("<w:tbl>")) + len("<w:tcPr>")
    broken = rewrite_zip(path, tmp_path / "合并2.docx", {"word/document.xml": (xml[:at] + "<w:vMerge/>" + xml[at:]).encode()})
    (record,) = _word(pack, broken).records
    assert record.values["project_name"] == YUNZHI["project_name"]
    assert record.cells["project_name"] == "表格 1 第 1 行 第 3 列"


def _document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("word/document.xml").decode("utf-8")


# ------------------------------------------------------------------ files that are not (readable) forms


def test_old_doc_asks_to_resave(pack: Any, tmp_path: Path) -> None:
    read = _word(pack, word97(tmp_path / "申报书.doc"))
    assert read.report.status == "skipped" and "请另存为 .docx 或使用下发的 Excel 表" in read.report.message
    assert "附件4-1 2020年度省级工业互联网" in read.report.message and "不是电子表格" not in read.report.message
    assert [f.code for f in read.findings] == ["file.word-not-docx"]


def test_rtf_asks_to_resave_and_an_encrypted_docx_asks_to_remove_the_password(pack: Any, tmp_path: Path) -> None:
    rtf = tmp_path / "申报书.rtf"
    rtf.write_bytes(b"{\\rtf1\\ansi 2020\\par}")
    read = _word(pack, rtf)
    assert read.report.status == "skipped" and read.report.message.startswith("RTF 文档（.rtf）")
    assert "请另存为 .docx 或使用下发的 Excel 表" in read.report.message
    locked = _word(pack, word97(tmp_path / "申报书.docx", "EncryptedPackage"))
    assert locked.report.status == "error" and [f.code for f in locked.findings] == ["file.encrypted"]
    assert "另存为不加密的 .docx" in locked.report.message


def test_a_word_document_that_is_no_form_is_skipped(pack: Any, tmp_path: Path) -> None:
    plan = other_docx(tmp_path / "建设方案.docx", "2020省级工业互联网及制造业服务化示范项目建设方案",
                      ["1.项目简介", "项目名称：云智汽车零部件企业级工业互联网平台项目", "建设单位：长春云智工业互联网科技有限公司"],
                      [["阶段", "时间", "目标"], ["一期", "2020年", "上线"]])
    read = _word(pack, plan)
    assert (read.report.status, read.records, read.findings) == ("skipped", [], [])
    assert read.report.message == MSG_NOT_FORM.format(forms="附件4-1 2020年度省级工业互联网及制造业服务化示范项目申报书、"
                                                            "附件4-3 2020年工业互联网建设及制造业服务化示范项目绩效目标")
    pledge = other_docx(tmp_path / "承诺书.docx", "项目申报材料及其附属文件真实性承诺书", ["法定代表人（授权人）签章：", "公章："])
    assert _word(pack, pledge).report.status == "skipped"


def test_a_corrupt_or_hostile_docx_is_an_error_of_its_own(pack: Any, tmp_path: Path) -> None:
    good = application_docx(tmp_path / "好.docx")
    cut = tmp_path / "截断.docx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    read = _word(pack, cut)
    assert read.report.status == "error" and [f.code for f in read.findings] == ["file.corrupt"]
    broken = rewrite_zip(good, tmp_path / "坏.docx", {"word/document.xml": b"<w:document><w:body>"})
    assert [f.code for f in _word(pack, broken).findings] == ["file.corrupt"]
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + _document_xml(good).split("?>", 1)[1].encode()
    hostile = rewrite_zip(good, tmp_path / "实体.docx", {"word/document.xml": dtd})
    read = _word(pack, hostile)
    assert read.report.status == "error" and [f.code for f in read.findings] == ["file.unsafe"]
    assert "另存为 .docx" in read.report.message and ".xlsx" not in read.report.message


def test_a_pack_without_word_forms_skips_word_files(tmp_path: Path) -> None:
    pack = load_pack("jl-761-2020")
    read = _word(pack, application_docx(tmp_path / "申报书.docx"))
    assert read.report.status == "skipped" and read.records == []


def test_pack_check_knows_word_form_fields(tmp_path: Path) -> None:
    def bad(raw: dict[str, Any]) -> None:
        form = next(a for a in raw["annexes"] if a["id"] == "application")
        form["word_form"]["not_asked"]["no_such_field"] = "附件"
        form["word_form"]["spans"].append({"label": "起止", "fields": ["period_start", "pledge_given"]})
        table = next(a for a in raw["annexes"] if a["id"] == "recommended")
        table["word_form"] = {}

    codes = sorted(f.code for f in check_pack_dir(mutated_pack(tmp_path, bad, base="jl-gyhlw-2020")) if f.is_error)
    assert codes == ["pack.unknown-field", "pack.word-form-conflict", "pack.word-form-kind"]

    def shape(raw: dict[str, Any]) -> None:
        next(a for a in raw["annexes"] if a["id"] == "application")["word_form"]["not_asked"] = ["enterprise_type"]

    assert [f.code for f in check_pack_dir(mutated_pack(tmp_path / "b", shape, base="jl-gyhlw-2020"))] == ["pack.shape"]


# ------------------------------------------------------------------ the whole run


def _performance_for(path: Path, name: str, applicant: str) -> Path:
    """A copy of 云智's 4-3 绩效目标 for another project (its named cells rewritten)."""
    shutil.copy(SAMPLES / "云智工业互联网-附件4-3绩效目标.xlsx", path)
    wb = openpyxl.load_workbook(path)
    for key, value in (("project_name", name), ("applicant", applicant)):
        ((sheet, ref),) = wb.defined_names[f"sb_{key}"].destinations
        wb[sheet][ref.replace("$", "")] = value
    wb.save(path)
    return path


HENGXIN = {"project_name": "恒信精密机械设备管理服务化项目", "org_name": "长春恒信精密机械有限公司",
           "category": "制造业服务化项目", "contact_name": "王丽娟",
           "contact_mobile": "13904318826", "resp_employer": "长春恒信精密机械有限公司",
           "contact_employer": "长春恒信精密机械有限公司", "total_investment": "950"}
GETI = {"project_name": "个体五金店上云项目", "org_name": "长春市朝阳区老王五金店",
        "category": "上平台用平台项目", "contact_name": "王五", "contact_mobile": "13500000001"}


def _uscc(kind: str, region: str, org8: str) -> str:
    from toolkit.formats import org_code_check_char, uscc_check_char

    first17 = kind + region + org8 + org_code_check_char(org8)
    return first17 + uscc_check_char(first17)


@pytest.fixture
def word_inbox(tmp_path: Path) -> Path:
    """The sample city inbox with 云智's 申报书 sent in Word instead of Excel, a new enterprise's
    Word 申报书 the city's 4-5 does not list, a 个体工商户's Word 申报书, an old .doc, a 建设方案."""
    inbox = tmp_path / "收件箱"
    shutil.copytree(SAMPLES, inbox)
    (inbox / "云智工业互联网-附件4-1申报书.xlsx").unlink()
    application_docx(inbox / "云智工业互联网-附件4-1申报书.docx", units=True, mark="■", split=True)
    (inbox / "长春恒信精密机械有限公司").mkdir()
    hengxin = {**HENGXIN, "uscc": _uscc("91", "220101", "MA0Y4KQ2")}
    application_docx(inbox / "长春恒信精密机械有限公司" / "申报书(1).docx", hengxin, colon=["单位名称"], seed_blocks=True)
    performance_docx(inbox / "长春恒信精密机械有限公司" / "绩效目标.docx",
                     {"project_name": hengxin["project_name"], "applicant": hengxin["org_name"], "total_investment": "950"})
    geti = {**GETI, "uscc": _uscc("92", "220104", "MA0Y7QWE")}
    application_docx(inbox / "老王五金店-申报书.docx", geti)
    _performance_for(inbox / "老王五金店-绩效目标.xlsx", geti["project_name"], geti["org_name"])
    word97(inbox / "某企业申报书.doc")
    other_docx(inbox / "长春恒信精密机械有限公司" / "建设方案.docx", "建设方案编制大纲", ["1.项目简介"])
    return inbox


def test_word_forms_through_run_to_the_summary(word_inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "结果"
    result = CliRunner().invoke(cli, ["run", "jl-gyhlw-2020", str(word_inbox), "-o", str(out), "--json",
                                      "--unit-name", "长春市"])
    assert result.exit_code == 1, result.output  # refused projects: 华晟 (亏损), 数联 (绩效), 老王 (个体工商户)
    data = json.loads(result.stdout)
    jsonschema.validate(data, json.loads((builtin_root() / "run-result.schema.json").read_text(encoding="utf-8")))
    files = {f["path"]: f for f in data["files"]}
    assert files["云智工业互联网-附件4-1申报书.docx"]["status"] == "ok"
    assert files["长春恒信精密机械有限公司/申报书(1).docx"]["status"] == "ok"
    assert files["长春恒信精密机械有限公司/绩效目标.docx"]["status"] == "ok"
    assert files["老王五金店-申报书.docx"]["status"] == "ok"
    assert files["某企业申报书.doc"]["status"] == "skipped"
    assert "另存为 .docx 或使用下发的 Excel 表" in files["某企业申报书.doc"]["message"]
    assert files["长春恒信精密机械有限公司/建设方案.docx"]["status"] == "skipped"
    counts = data["counts"]
    assert counts["rows_read"] == counts["accepted"] + counts["rejected"] + counts["duplicates_merged"]

    summary = _sheet_rows(out / "汇总表.xlsx")
    enterprises = {row[2]: row for row in summary if len(row) > 5 and isinstance(row[1], str) and row[1].endswith("项目")}
    assert "长春恒信精密机械有限公司" in enterprises  # a Word form the 4-5 does not list: a row from the form
    row = enterprises["长春恒信精密机械有限公司"]
    assert row[1:6] == [HENGXIN["project_name"], HENGXIN["org_name"], "制造业服务化项目", "王丽娟", "13904318826"]
    assert "长春云智工业互联网科技有限公司" in enterprises  # listed by the 4-5, its Word form accepted
    assert "长春市朝阳区老王五金店" not in enterprises  # 个体工商户: refused on its Word form
    names = [r[1] for r in enterprises.values()]
    assert len(names) == len(set(names))

    findings = data["findings"]
    legal = [f for f in findings if f["code"] == "criteria.legal-person"]
    assert [(f["file"], f["cell"]) for f in legal] == [("老王五金店-申报书.docx", "表格 1 第 9 行 第 5 列")]
    # Refused rows: 华晟's 申报书 (亏损), 数联's 绩效目标 (not quantified), 老王's Word 申报书 (个体工商户).
    own = {f["file"] for f in findings if f["severity"] == "error" and f["code"] != "project.part-rejected"}
    assert own == {"华晟汽车零部件-附件4-1申报书.xlsx", "数联智造-附件4-3绩效目标.xlsx", "老王五金店-申报书.docx"}
    # One project, one verdict: the other papers of those three projects are refused with them.
    parts = {f["file"] for f in findings if f["code"] == "project.part-rejected"}
    assert parts >= {"华晟汽车零部件-附件4-3绩效目标.xlsx", "数联智造-附件4-1申报书.xlsx", "老王五金店-绩效目标.xlsx"}
    assert counts["rejected"] >= 6 and counts["rows_read"] == sum(f["rows"] for f in data["files"])
    assert data["totals"]["projects"] == len(enterprises)

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    hashed = {Path(i["path"]).name: i for i in manifest["inputs"]}
    for name in ("老王五金店-申报书.docx", "某企业申报书.doc", "建设方案.docx"):
        data = next(word_inbox.rglob(name)).read_bytes()
        assert hashed[name]["sha256"] == hashlib.sha256(data).hexdigest() and hashed[name]["bytes"] == len(data)

    returns = out / "退回修改"
    listed = returns / "老王五金店-申报书（问题清单）.xlsx"
    assert listed.exists() and not (returns / "老王五金店-申报书（退回修改）.xlsx").exists()
    (sheet,) = _sheet_rows(listed, None, all_sheets=True)
    text = " ".join(str(v) for r in sheet for v in r)
    assert "表格 1 第 9 行 第 5 列" in text and "Word 申报书" in text
    assert (word_inbox / "老王五金店-申报书.docx").read_bytes()[:2] == b"PK"  # the enterprise's file untouched


def _sheet_rows(path: Path, name: str | None = None, all_sheets: bool = False) -> Any:
    with CalamineWorkbook.from_path(str(path)) as wb:
        if all_sheets:
            return [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]
        sheet = wb.get_sheet_by_name(name) if name else wb.get_sheet_by_index(0)
        return sheet.to_python()


# ------------------------------------------------------------------ LibreOffice


@pytest.mark.office
@pytest.mark.parametrize("via", ["docx", "odt"])
def test_a_libreoffice_saved_word_form_reads_the_same(pack: Any, excel_record: Any, tmp_path: Path, via: str) -> None:
    source = application_docx(tmp_path / "云智.docx", mark="☑")
    if via == "odt":
        source = soffice_convert(source, "odt", tmp_path / "odt")
    saved = soffice_convert(source, "docx", tmp_path / "lo")
    read = _word(pack, saved)
    (record,) = read.records
    for key in _asked(pack):
        assert _same(record.values[key], excel_record.values[key]), key
    assert [f for f in read.findings if f.is_error] == []


@pytest.mark.office
def test_a_libreoffice_doc_and_odt_ask_to_resave(pack: Any, tmp_path: Path) -> None:
    source = application_docx(tmp_path / "云智.docx")
    doc = soffice_convert(source, "doc", tmp_path / "doc")
    assert _word(pack, doc).report.status == "skipped"
    assert "另存为 .docx" in _word(pack, doc).report.message
    odt = soffice_convert(source, "odt", tmp_path / "odt")
    read = _word(pack, odt)
    assert read.report.status == "skipped" and "OpenDocument" in (read.report.message or "")


def test_yunzhi_fixture_matches_the_sample(excel_record: Any) -> None:
    """The Word fixture's values are the sample Excel 申报书's (so comparing them means something)."""
    assert YUNZHI["uscc"] == excel_record.values["uscc"] and YUNZHI["project_name"] == excel_record.values["project_name"]


def _as_typed(f: Any, value: Any) -> Any:
    """A value of our Excel form as a person types it into the Word form."""
    if value is None:
        return ""
    if f.type == "bool":
        return [(value is True, "是"), (value is False, "否")]
    if f.type == "choice":
        return [(c == value, c) for c in f.choice_values]
    if f.type == "date":
        parts = [int(p) for p in value.split("-")]
        return "".join(f"{n}{unit}" for n, unit in zip(parts, "年月日", strict=False))
    if isinstance(value, float):
        return f"{value:g}万元" if f.unit == "万元" else f"{value:g}"
    return str(value)


def test_the_zhjs_application_form_in_word(tmp_path: Path) -> None:
    """智慧江苏重点工程申报表 (js-zhjs-2020) filled in Word, every field the sample Excel form has: the
    same record, 是/否 and 工程类别 ticked, amounts typed with 万元."""
    from tests.wordforms import pairs_docx

    pack = load_pack("js-zhjs-2020")
    sample = Path(__file__).resolve().parents[1] / "samples" / "js-zhjs-2020" / "智慧江苏重点工程申报表（南京云盾网络安全技术有限公司）.xlsx"
    (excel,) = ingest(pack, [sample], jobs=1).records
    annex = pack.annex("application")
    short = [f for f in annex.fields if f.type != "text" or (f.max_length or 0) <= 100]
    long = [f for f in annex.fields if f not in short]
    rows = [[(f.title, _as_typed(f, excel.values[f.key])) for f in short[i:i + 2]] for i in range(0, len(short), 2)]
    rows += [[(f.title, _as_typed(f, excel.values[f.key]))] for f in long]
    path = pairs_docx(tmp_path / "申报表.docx", "智慧江苏重点工程申报表", rows, above=True)  # long texts under their label
    read = _word(pack, path)
    assert read.report.annex == "application" and [f for f in read.findings if f.is_error] == []
    (record,) = read.records
    assert record.values == excel.values
    assert all(PLACE.match(place) for place in record.cells.values())


def test_other_ticked_is_a_choice_when_the_pack_lists_it(tmp_path: Path) -> None:
    """`☑其他（请注明）云MES`: the text is always 其他服务类型; 其他 itself is one of the 提供服务类型
    only when the pack's list offers it (the notice's form does, and so does the shipped pack)."""
    def withdraw_other(raw: dict[str, Any]) -> None:
        items = raw["choice_lists"]["service_type"]
        items[:] = [c for c in items if (c if isinstance(c, str) else c["value"]) != "其他"]
        raw["criteria"] = [c for c in raw["criteria"] if c["id"] != "service-other-named"]  # it reads 其他

    without_other = load_pack(mutated_pack(tmp_path / "p", withdraw_other, base="jl-gyhlw-2020"))
    with_other = load_pack("jl-gyhlw-2020")
    path = application_docx(tmp_path / "其他.docx", v={"service_other": "云MES运维"})
    (record,) = _word(with_other, path).records
    assert sorted(record.values["service_types"]) == ["其他", "网络化协同制造", "设备管理服务"]
    assert record.values["service_other"] == "云MES运维"
    (without,) = _word(without_other, path).records
    assert "其他" not in without.values["service_types"] and without.values["service_other"] == "云MES运维"


def test_a_tick_typed_right_after_an_option_ticks_it() -> None:
    from toolkit.ingest.values import box_options

    assert box_options("□研发设计协同√□定制化服务") == [(True, "研发设计协同"), (False, "定制化服务")]
    assert box_options("□供应链管理 □网络化协同制造√\n□设计与制造协同") == [
        (False, "供应链管理"), (True, "网络化协同制造"), (False, "设计与制造协同")]
    assert box_options("□√研发设计协同 □定制化服务") == [(True, "研发设计协同"), (False, "定制化服务")]
    assert box_options("□研发设计协同 √ □定制化服务") == [(False, "研发设计协同"), (False, "定制化服务")]  # whose tick?


def test_a_tick_that_belongs_to_no_option_is_a_warning(pack: Any, tmp_path: Path) -> None:
    path = application_docx(tmp_path / "勾.docx")
    xml = _document_xml(path).replace("<w:t>设计与制造协同</w:t>", "<w:t>设计与制造协同 √ </w:t>", 1)
    read = _word(pack, rewrite_zip(path, tmp_path / "勾2.docx", {"word/document.xml": xml.encode()}))
    (warning,) = [f for f in read.findings if f.code == "value.check"]
    assert warning.field == "service_types" and warning.cell == "表格 1 第 5 行 第 3 列" and "看不出属于哪个选项" in warning.message
    assert sorted(read.records[0].values["service_types"]) == ["网络化协同制造", "设备管理服务"]
