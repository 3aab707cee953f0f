"""Linking the papers of one project (toolkit/validate/projects.py): by enterprise, then by name."""

from __future__ import annotations

from typing import Any

from tests.inbox_fixtures import code
from toolkit.ingest.records import Record
from toolkit.packs.loader import load_pack
from toolkit.validate.projects import link_projects

PACK = load_pack("jl-gyhlw-2020")
XD, OTHER = "长春鑫达机械制造有限公司", "长春启明软件技术有限公司"
XD_CODE, OTHER_CODE = code("91220106MA0000000"), code("91220104MA0000001")


def app(name: str, org: str = XD, uscc: str | None = XD_CODE, file: str = "申报书.xlsx") -> Record:
    return Record("application", {"project_name": name, "org_name": org, "uscc": uscc}, file, "申报书", 4,
                  {"project_name": "B7", "org_name": "B12", "uscc": "D15"})


def perf(name: str, org: str = XD, file: str = "绩效目标.xlsx") -> Record:
    return Record("performance", {"project_name": name, "applicant": org}, file, "绩效目标", 3, {"project_name": "B3"})


def row(name: str, org: str = XD, n: int = 5) -> Record:
    return Record("recommended", {"project_name": name, "enterprise": org}, "汇总表.xlsx", "申报信息汇总表", n,
                  {"project_name": f"B{n}", "enterprise": f"C{n}"})


def parts(records: list[Record]) -> list[list[tuple[str, Any]]]:
    linking = link_projects(PACK, records)
    return [[(p.annex, p.values["project_name"]) for p in project.parts] for project in linking.projects]


def test_same_enterprise_same_name_one_project() -> None:
    records = [app("鑫达远程运维服务化项目"), perf("鑫达远程运维服务化项目"), row("鑫达远程运维服务化项目")]
    assert len(link_projects(PACK, records).projects) == 1
    assert link_projects(PACK, records).findings == []


def test_suffixes_brackets_and_widths_are_set_aside_with_a_warning() -> None:
    records = [row("鑫达（长春）远程运维服务化平台建设项目"), app("鑫达(长春)远程运维服务化项目")]
    linking = link_projects(PACK, records)
    assert len(linking.projects) == 1
    (warning,) = linking.findings
    assert warning.code == "project.linked" and warning.cell == "B7" and warning.file == "申报书.xlsx"
    assert "“鑫达(长春)远程运维服务化项目”" in warning.message and "汇总表.xlsx 第5行" in warning.message


def test_a_close_name_links_a_far_one_does_not() -> None:
    near = [app("长春华晟汽车零部件两化融合创新示范项目"), perf("长春华晟汽车零部件两化融合示范项目")]
    assert len(link_projects(PACK, near).projects) == 1
    far = [app("长春华晟汽车零部件两化融合创新示范项目"), perf("长春华晟汽车零部件数字化示范项目")]
    assert len(link_projects(PACK, far).projects) == 2


def test_numbers_keep_close_names_apart() -> None:
    """铁塔站址1号 and 10号 are 94% alike as text, and other projects."""
    records = [row("铁塔站址10号基站项目"), app("铁塔站址1号基站项目")]
    assert len(link_projects(PACK, records).projects) == 2


def test_phases_and_places_keep_projects_apart() -> None:
    assert len(link_projects(PACK, [row("鑫达平台一期项目"), app("鑫达平台二期项目")]).projects) == 2
    assert len(link_projects(PACK, [row("长春市鑫达平台项目"), app("吉林市鑫达平台项目")]).projects) == 2


def test_another_enterprise_is_another_project() -> None:
    records = [app("智能工厂项目"), app("智能工厂项目", OTHER, OTHER_CODE, "申报书(1).xlsx")]
    linking = link_projects(PACK, records)
    assert len(linking.projects) == 2 and linking.near == []  # two codes: two enterprises


def test_a_part_without_code_finds_its_enterprise_by_name() -> None:
    """The 4-5 and 4-3 name the enterprise only; the 4-1 gives its code."""
    records = [row("鑫达远程运维项目", org="长春鑫达机械制造有限公司"), app("鑫达远程运维项目"),
               perf("鑫达远程运维项目", org="长春鑫达机械制造有限公司 ")]
    assert len(link_projects(PACK, records).projects) == 1


def test_a_name_under_two_codes_decides_nothing() -> None:
    """Two forms of one enterprise name with different codes: the 4-5 row cannot tell which."""
    records = [row("鑫达远程运维项目"), app("鑫达远程运维项目"),
               app("鑫达远程运维项目", uscc=OTHER_CODE, file="申报书(1).xlsx")]
    linking = link_projects(PACK, records)
    assert len(linking.projects) == 3
    assert len(linking.near) == 2  # the row against each form: for the clerk


def test_two_equally_close_projects_are_not_guessed() -> None:
    records = [row("鑫达远程运维平台项目", n=5), row("鑫达远程运维建设项目", n=6), app("鑫达远程运维项目")]
    linking = link_projects(PACK, records)
    assert len(linking.projects) == 3
    (finding,) = linking.findings
    assert finding.code == "project.ambiguous" and "第5行" in finding.message and "第6行" in finding.message


def test_copies_of_one_row_do_not_make_it_ambiguous() -> None:
    """Two counties list the same project: the form goes with the first row; dedupe merges the rows."""
    records = [row("鑫达远程运维项目", n=5), row("鑫达远程运维项目", n=6), app("鑫达远程运维项目")]
    assert parts(records) == [[("recommended", "鑫达远程运维项目"), ("application", "鑫达远程运维项目")],
                              [("recommended", "鑫达远程运维项目")]]


def test_one_annex_links_nothing() -> None:
    pack = load_pack("jl-761-2020")
    records = [Record("projects", {"project_name": "甲", "uscc": XD_CODE}, "a.xlsx", "表", n) for n in (5, 6)]
    linking = link_projects(pack, records)
    assert [p.parts for p in linking.projects] == [[records[0]], [records[1]]]
