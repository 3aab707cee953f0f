"""A city inbox of forms and tables, end to end, as it arrives (issue 17).

工业互联网 (长春市工信局): per enterprise a 4-1 申报书 and a 4-3 绩效目标, filled in the blank forms
`shenbao template` writes, named after the enterprise or as the template was (`申报书(1).xlsx`), and a
county's 4-5 汇总表 that lists some of the same projects. 智慧江苏 (南京市): counties' 推荐项目汇总表
and 申报表 forms. Run with `shenbao run` and read back: each accepted project once in the 汇总表
under its enterprise, no refused project there or in the letter's figures, 未通过 lists each refused
project with its reasons, the per-applicant limit holds across forms and tables, the counts add up.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from tests.fixtures_files import soffice_convert
from tests.test_samples import make_samples
from toolkit.cli import cli
from toolkit.packs.loader import load_pack

MS = make_samples()
WHEN = datetime(2020, 7, 1, 9, 0)
FINANCE = {"total_assets": (8000, 9000, 9800), "debt_ratio": (40.0, 41.0, 42.0), "revenue": (6000, 7000, 8000),
           "tax": (300, 350, 400), "profit": (400, 450, 520)}

# 工业互联网: who sent what.
XD, QM, GT, SL = "长春鑫达机械制造有限公司", "长春启明软件技术有限公司", "长春市绿园区光拓电子经销部", "吉林省数联智造科技有限公司"
XD_NAME = "鑫达农机装备远程运维服务化项目"
QM_NAME = "启明工业数据治理软件研发与应用项目"
GT_NAME = "光拓电子企业上云用平台项目"
SL_NAME = "吉林省装备制造行业工业互联网平台项目"


def _perf(app: dict[str, Any]) -> dict[str, Any]:
    return {"project_name": app["project_name"], "applicant": app["org_name"],
            "total_investment": app["total_investment"], "overall_goal": "项目建成后服务能力明显提升。",
            "quantitative": [{"name": "服务企业数", "value": "≥30家"}],
            "qualitative": [{"name": "促进产业转型升级", "value": "带动本地企业数字化转型"}]}


def gyhlw_inbox(root: Path, work: Path) -> Path:
    pack = load_pack("jl-gyhlw-2020")
    people = MS.People(2020)
    xd = MS.gyhlw_application(people, org=XD, region_code="220106", region="长春市绿园区", name=XD_NAME,
                              category="制造业服务化项目", enterprise_type="制造业企业", founded="2011-09",
                              finance=FINANCE, funding_secured="是", project_started="是", total_investment=1500,
                              industry="农机装备")  # 提供服务类型 blank: 选填
    qm = MS.gyhlw_application(people, org=QM, region_code="220104", region="长春市朝阳区", name=QM_NAME,
                              category="工业软件项目", enterprise_type="新一代信息技术类企业", founded="2015-05",
                              finance=FINANCE, service_types="其他", service_other="工业数据治理与质量评估服务",
                              total_investment=900, industry="软件和信息技术服务", software_finished="是",
                              software_copyright="是", software_test_report="是", self_assessment_done=None)
    gt = MS.gyhlw_application(people, org=GT, region_code="220106", region="长春市绿园区", name=GT_NAME,
                              category="上平台用平台项目", enterprise_type="新一代信息技术类企业", founded="2017-03",
                              finance=FINANCE, service_types="设备管理服务", total_investment=600,
                              self_assessment_done=None)
    gt["uscc"] = MS.People(7).uscc(GT, "220106", kind="92")  # 个体工商户: not a legal person (二(一))
    root.mkdir(parents=True)
    for app, form_name, perf_name in ((xd, f"{XD}.xlsx", f"{XD}-绩效目标.xlsx"),
                                      (qm, "申报书.xlsx", "绩效目标.xlsx"),
                                      (gt, "申报书(1).xlsx", "绩效目标(1).xlsx")):
        MS.fill_form(pack, "application", app, root / form_name, work, author=app["org_name"], when=WHEN)
        MS.fill_form(pack, "performance", _perf(app), root / perf_name, work, author=app["org_name"], when=WHEN)
    table = [
        {"project_name": "鑫达农机装备远程运维服务化建设项目", "enterprise": XD, "category": "制造业服务化项目",
         "contact": xd["contact_name"], "mobile": xd["contact_mobile"]},
        {"project_name": GT_NAME, "enterprise": GT, "category": "上平台用平台项目", "contact": gt["contact_name"],
         "mobile": gt["contact_mobile"]},
        # A 4-5 row whose forms were not sent: normal, it is listed as it stands.
        {"project_name": SL_NAME, "enterprise": SL, "category": "行业级工业互联网平台项目", "contact": "李明",
         "mobile": people.mobile()},
    ]
    (root / f"{XD}-承诺书.pdf").write_bytes(b"%PDF-1.4\n")  # its 4-4, scanned: not read, but seen
    MS.fill_table(pack, "recommended", table, root / "绿园区申报信息汇总表.xlsx", work,
                  unit_line="推荐单位（盖章）：长春市绿园区工业和信息化局    填报日期：2020年7月3日    单位：万元",
                  author="绿园区工信局", when=WHEN)
    return root


# 智慧江苏: 中国电信 sends two projects on 江宁区's table and a third as a form (limit two, 四(一)).
TELECOM = "中国电信股份有限公司南京分公司"
WISDOM = "南京智汇城市科技有限公司"


def zhjs_inbox(root: Path, work: Path) -> Path:
    pack = load_pack("js-zhjs-2020")
    people = MS.People(2002)
    telecom_uscc = people.uscc(TELECOM, "320100")
    rows = [
        MS.pzh(people, "江宁区", "江宁区5G智慧园区专网工程", "数字基建类", TELECOM, 3500, "2020-03", "2021-12",
               "建设5G专网和边缘计算节点"),
        MS.pzh(people, "江宁区", "江宁区千兆光网城市建设工程", "数字基建类", TELECOM, 4200, "2019-06", "2021-05",
               "新建千兆光网覆盖全区"),
        MS.pzh(people, "江宁区", "江宁区智慧社区综合服务平台", "数字治理类", WISDOM, 800, "2020-02", "2021-12",
               "建设社区综合服务平台"),
    ]
    root.mkdir(parents=True)
    MS.fill_table(pack, "recommended", rows, root / "江宁区推荐项目汇总表.xlsx", work,
                  unit_line="推荐单位（盖章）：南京市江宁区工业和信息化局    填报日期：2020年7月27日    单位：万元",
                  author="江宁区工信局", when=WHEN)

    def form(name: str, applicant: str, uscc: str, county: str, **more: Any) -> dict[str, Any]:
        return {"project_name": name, "category": "数字治理类", "city": "南京市", "county": county,
                "total_investment": 1200, "civil_investment": 0, "start_date": "2020-05", "end_date": "2022-04",
                "is_continuation": "否", "applicant": applicant, "uscc": uscc, "unit_type": "民营企业",
                "contact": "韩思远", "phone": "025-86661234", "summary": "项目简介。", "content": "建设内容。",
                **more}

    forms = {
        # 中国电信's third project, as a form: three in all.
        "申报表.xlsx": form("南京市物联网感知平台", TELECOM, telecom_uscc, "市本级", category="数字基建类"),
        # The same project as 南京智汇's row on the table: counted once, listed once.
        "智慧江苏重点工程申报表（南京智汇城市科技有限公司）.xlsx": form(
            "江宁区智慧社区综合服务平台项目", WISDOM, people.uscc(WISDOM, "320115"), "江宁区", total_investment=800),
        # A project sent only as a form.
        "申报表(1).xlsx": form("南京市工业互联网安全监测平台", "南京云盾网络安全技术有限公司",
                            people.uscc("南京云盾网络安全技术有限公司", "320105"), "建邺区", category="网络安全类"),
    }
    for name, values in forms.items():
        MS.fill_form(pack, "application", values, root / name, work, author=values["applicant"], when=WHEN)
    return root


def run(pack_id: str, inbox: Path, out: Path, unit: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["run", pack_id, str(inbox), "-o", str(out), "--unit-name", unit,
                                      "--expect", unit, "--json"])
    # Each inbox holds refused projects (光拓's papers; 中国电信's third project over the limit).
    assert result.exit_code == 1, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    c = data["counts"]
    assert c["rows_read"] == c["accepted"] + c["rejected"] + c["duplicates_merged"]
    return data


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def summary_projects(out: Path, name_title: str, applicant_title: str) -> dict[str, list[str]]:
    """Project name -> the applicant of each row listing it, from the 汇总表's first sheet."""
    wb = openpyxl.load_workbook(out / "汇总表.xlsx")
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if name_title in r)
    name_col, who_col = rows[header].index(name_title), rows[header].index(applicant_title)
    found: dict[str, list[str]] = {}
    for r in rows[header + 1:]:
        if r[0] is not None and str(r[0]).isdigit() and r[name_col]:
            found.setdefault(r[name_col], []).append(r[who_col])
    return found


def letter_text(out: Path) -> str:
    return "\n".join(p.text for p in Document(str(out / "报送函.docx")).paragraphs)


def rejected_rows(out: Path) -> list[list[Any]]:
    rows = sheet_rows(out / "汇总表.xlsx", "未通过")
    header = next(i for i, r in enumerate(rows) if "不予入库原因" in r)
    return [r for r in rows[header + 1:] if any(r)]


@pytest.fixture(scope="module")
def gyhlw(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Path]:
    base = tmp_path_factory.mktemp("gyhlw")
    inbox = gyhlw_inbox(base / "收件箱", base / "work")
    out = base / "申报结果"
    return inbox, run("jl-gyhlw-2020", inbox, out, "长春市"), out


def test_gyhlw_each_accepted_project_once_under_its_enterprise(gyhlw: tuple[Path, dict[str, Any], Path]) -> None:
    _, data, out = gyhlw
    listed = summary_projects(out, "项目名称", "依托企业")
    assert listed == {"鑫达农机装备远程运维服务化建设项目": [XD], SL_NAME: [SL], QM_NAME: [QM]}
    assert data["totals"]["projects"] == 3


def test_gyhlw_a_project_refused_on_its_form_leaves_the_summary_and_the_letter(
        gyhlw: tuple[Path, dict[str, Any], Path]) -> None:
    """光拓 (个体工商户, code 92) is refused on its 4-1 although its 4-5 row is clean."""
    _, data, out = gyhlw
    text = letter_text(out)
    assert "3个" in text and GT_NAME not in text
    (row,) = rejected_rows(out)
    assert GT_NAME in row and GT in row
    reasons, cells = row[-2], row[-1]
    assert "独立法人" in reasons and "申报书(1).xlsx" in cells
    wb = openpyxl.load_workbook(out / "汇总表.xlsx")
    assert "未通过审核的项目（1个）" in [c for r in wb["未通过"].iter_rows(values_only=True) for c in r if c]
    codes = {(f["code"], f["file"]) for f in data["findings"]}
    assert ("criteria.legal-person", "申报书(1).xlsx") in codes
    assert {("project.part-rejected", "绩效目标(1).xlsx"), ("project.part-rejected", "绿园区申报信息汇总表.xlsx")} <= codes


def test_gyhlw_report_says_which_papers_arrived(gyhlw: tuple[Path, dict[str, Any], Path]) -> None:
    _, _, out = gyhlw
    rows = sheet_rows(out / "校验报告.xlsx", "项目材料")
    by_name = {r[1]: r for r in rows[1:]}
    sl = by_name[SL_NAME]
    assert sl[3] == "列入汇总表" and sl[4] == sl[5] == "未收到" and sl[6].startswith("已收到：绿园区申报信息汇总表.xlsx")
    qm = by_name[QM_NAME]
    assert qm[4] == "已收到：申报书.xlsx B7" and qm[6] == "未收到"
    xd = by_name["鑫达农机装备远程运维服务化建设项目"]
    assert xd[3] == "列入汇总表" and xd[-1] == f"文件名相符：{XD}-承诺书.pdf"
    assert by_name[GT_NAME][3] == "未通过"
    assert [r[-1] for r in rows[1:]].count("未见相应文件，请核对") == 3  # the others sent no 4-4 承诺书
    assert all(r[-2] == "未见相应文件，请核对" for r in rows[1:])  # nor a 4-2 建设方案


@pytest.fixture(scope="module")
def zhjs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Path]:
    base = tmp_path_factory.mktemp("zhjs")
    inbox = zhjs_inbox(base / "收件箱", base / "work")
    out = base / "申报结果"
    return inbox, run("js-zhjs-2020", inbox, out, "南京市"), out


def test_zhjs_the_limit_counts_forms_and_table_rows_as_projects(zhjs: tuple[Path, dict[str, Any], Path]) -> None:
    _, data, out = zhjs
    listed = summary_projects(out, "项目名称", "申报单位")
    assert listed == {"江宁区智慧社区综合服务平台": [WISDOM], "南京市工业互联网安全监测平台": ["南京云盾网络安全技术有限公司"]}
    refused = rejected_rows(out)
    assert len(refused) == 3 and all(TELECOM in r for r in refused)
    assert all("同一个申报单位申报项目数不超过2个" in r[-2] for r in refused)
    assert data["totals"]["projects"] == 2
    text = letter_text(out)
    assert "2个" in text and "物联网感知平台" not in text
    linked = [f for f in data["findings"] if f["code"] == "project.linked"]
    assert [f["file"] for f in linked] == ["智慧江苏重点工程申报表（南京智汇城市科技有限公司）.xlsx"]


@pytest.mark.office
def test_forms_saved_by_libreoffice_give_the_same_outcome(gyhlw: tuple[Path, dict[str, Any], Path],
                                                          tmp_path: Path) -> None:
    """Each form opened and saved again in LibreOffice Calc (as xlsx): the same summary."""
    inbox, data, _ = gyhlw
    resaved = tmp_path / "收件箱"
    resaved.mkdir()
    for path in inbox.iterdir():
        if path.name.startswith(("申报书", "绩效目标")):
            made = soffice_convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
            shutil.copy(made, resaved / path.name)
        else:
            shutil.copy(path, resaved / path.name)
    again = run("jl-gyhlw-2020", resaved, tmp_path / "out", "长春市")
    assert again["counts"] == data["counts"]
    assert summary_projects(tmp_path / "out", "项目名称", "依托企业") == {
        "鑫达农机装备远程运维服务化建设项目": [XD], SL_NAME: [SL], QM_NAME: [QM]}


def test_gyhlw_console_counts_papers_and_projects(gyhlw: tuple[Path, dict[str, Any], Path], tmp_path: Path) -> None:
    inbox, data, _ = gyhlw
    result = CliRunner().invoke(cli, ["run", "jl-gyhlw-2020", str(inbox), "-o", str(tmp_path / "out"),
                                      "--unit-name", "长春市", "--expect", "长春市"])
    c = data["counts"]
    assert (c["rows_read"], c["accepted"], c["rejected"]) == (9, 6, 3)  # 光拓's 4-1, 4-3 and 4-5 row
    assert "共 9 份材料" in result.output
    assert "结果：3 个项目入汇总表；1 个未通过" in result.output
    merged = CliRunner().invoke(cli, ["merge", "jl-gyhlw-2020", str(inbox), "-o", str(tmp_path / "merge"),
                                      "--unit-name", "长春市"])
    assert "材料：读取 9 份 → 通过 6、未通过 3、重复合并 0" in merged.output
    assert "项目：入汇总表 3 个、未通过 1 个" in merged.output
