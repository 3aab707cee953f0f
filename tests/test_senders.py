"""Who sent a file and when one file replaces another (issue 16, points 1 and 2).

Every inbox here is built the way such files arrive: the pack's template filled in and saved under
the template's own name, with a mail client's `(1)`, numbered files, batches and revisions; one of
them goes through LibreOffice. Each test asserts every file's status and that every row of every
file that is not a true revision is counted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_files import soffice_convert
from tests.inbox_fixtures import TEMPLATE_ROW, code, filled_template
from toolkit.ingest.inbox import ingest
from toolkit.ingest.records import IngestResult
from toolkit.ingest.units import (
    ReplacePolicy,
    Submission,
    find_replacements,
    revision_rank,
    sender_key,
    unit_key_from_name,
)
from toolkit.merge.pipeline import process
from toolkit.packs.loader import load_pack
from toolkit.template import template_name

PACK = load_pack("jl-761-2020")
DEFAULT = template_name(PACK.annex("projects"))  # 附件1 “761”工程智能信息网新增入库项目表.xlsx


def rows(county: str, names: list[str], seed: int = 0) -> list[dict[str, Any]]:
    out = []
    for i, name in enumerate(names):
        uscc = code(f"1122{seed % 100:02d}{i:02d}MB{seed:04d}{i:03d}")
        out.append({**TEMPLATE_ROW, "county": county, "project_name": name, "uscc": uscc,
                    "applicant": f"{county}数据局"})
    return out


def at(path: Path, when: int) -> Path:
    os.utime(path, (when, when))
    return path


def statuses(result: IngestResult) -> dict[str, tuple[str, int]]:
    return {f.path: (f.status, f.rows) for f in result.files}


def assert_accounting(root: Path, counted: int) -> None:
    batch = process(PACK, [root])
    c = batch.counts
    assert c["rows_read"] == counted
    assert c["rows_read"] == c["accepted"] + c["rejected"] + c["duplicates_merged"]


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(("name", "key"), [
    ("南关区.xlsx", "南关区"), ("南关区（修改）.xlsx", "南关区"), ("南关区 - 副本.xlsx", "南关区"),
    ("南关区 - 副本 (2).xlsx", "南关区"), ("南关区(1).xlsx", "南关区"), ("南关区0017.xlsx", "南关区"),
    ("南关区第二批.xlsx", "南关区"), ("副本 南关区.xlsx", "南关区"),
    (DEFAULT, ""), (DEFAULT.replace(".xlsx", "(1).xlsx"), ""), (DEFAULT.replace(".xlsx", " - 副本 (2).xlsx"), ""),
    (f"南关区-{DEFAULT}", "南关区"), ("汇总表.xlsx", ""), ("汇总表 (3).xlsx", ""),
])
def test_a_name_names_a_sender_only_beyond_template_and_mail_suffixes(name: str, key: str) -> None:
    defaults = [*(a.file_stem for a in PACK.annexes), *(a.title for a in PACK.annexes), "汇总表"]
    assert unit_key_from_name(name, defaults) == key


def test_sender_keys_agree_across_prefixes() -> None:
    assert sender_key("吉林省长春市南关区") == sender_key("长春市南关区（盖章）") == sender_key("南关区")
    assert sender_key("长春市") != sender_key("南关区")
    assert sender_key("公主岭市") == "公主岭市" and sender_key("延边朝鲜族自治州") == "延边朝鲜族自治州"


def sub(path: str, sender: str | None, projects: set[str], mtime: float, annex: str = "projects") -> Submission:
    return Submission(path, sender, "文件名", annex, frozenset(projects), mtime)


def test_a_revision_needs_evidence() -> None:
    found = find_replacements([
        sub("南关区.xlsx", "南关区", {"a", "b"}, 200), sub("南关区（修改）.xlsx", "南关区", {"c"}, 100),  # name
        sub("朝阳区1.xlsx", "朝阳区", {"a", "b", "c"}, 1), sub("朝阳区2.xlsx", "朝阳区", {"a", "b", "x"}, 2),  # 2 of 3
        sub("宽城区1.xlsx", "宽城区", {"a", "b"}, 1), sub("宽城区2.xlsx", "宽城区", {"c", "d"}, 2),  # nothing shared
        sub("二道区第一批.xlsx", "二道区", {"a"}, 1), sub("二道区第二批.xlsx", "二道区", {"a"}, 2),  # batches
        sub("榆树市1.xlsx", "榆树市", {"a", "b"}, 1), sub("榆树市2.xlsx", "榆树市", {"a", "x"}, 2),  # half: not most
        sub("x.xlsx", None, {"a"}, 1), sub("y.xlsx", None, {"a"}, 2),  # no sender known
        sub("九台区（修改）.xlsx", "九台区", {"a"}, 1, annex="form"), sub("九台区.xlsx", "九台区", {"a"}, 2),
    ])
    assert {k: v.newer for k, v in found.items()} == {"南关区.xlsx": "南关区（修改）.xlsx", "朝阳区1.xlsx": "朝阳区2.xlsx"}
    assert "修改" in found["南关区.xlsx"].evidence and "3 个项目中的 2 个" in found["朝阳区1.xlsx"].evidence


def test_the_clerk_overrides() -> None:
    subs = [sub("南关区.xlsx", "南关区", {"a"}, 1), sub("南关区（修改）.xlsx", "南关区", {"a"}, 2),
            sub("宽城区1.xlsx", "宽城区", {"a"}, 1), sub("宽城区2.xlsx", "宽城区", {"b"}, 2)]
    assert find_replacements(subs, ReplacePolicy(count_every_file=True)) == {}
    kept = find_replacements(subs, ReplacePolicy(keep=("南关区.xlsx", "宽城区1.xlsx")))
    assert {k: v.newer for k, v in kept.items()} == {"南关区（修改）.xlsx": "南关区.xlsx", "宽城区2.xlsx": "宽城区1.xlsx"}
    assert "keep" in kept["宽城区2.xlsx"].evidence


def test_revision_rank_is_unchanged() -> None:
    assert revision_rank("南关区（修改）.xlsx") > revision_rank("南关区.xlsx")


# ------------------------------------------------------------------ inboxes


def test_three_counties_under_the_template_name_all_count(tmp_path: Path) -> None:
    """The issue's case: the mail client saved three counties' templates as DEFAULT, (1), (2)."""
    root = tmp_path / "inbox"
    root.mkdir()
    names = [DEFAULT, DEFAULT.replace(".xlsx", "(1).xlsx"), DEFAULT.replace(".xlsx", "(2).xlsx")]
    for i, (name, county) in enumerate(zip(names, ["南关区", "宽城区", "朝阳区"], strict=True)):
        at(filled_template(PACK, root / name, rows(county, [f"{county}项目{j}" for j in range(3)], seed=i)), 100 + i)
    result = ingest(PACK, [root])
    assert statuses(result) == {n: ("ok", 3) for n in names}
    assert {f.path: f.reporting_unit for f in result.files} == dict(zip(names, ["南关区", "宽城区", "朝阳区"], strict=True))
    assert not [f for f in result.findings if f.code == "file.superseded"]
    assert_accounting(root, 9)


def test_numbered_files_of_one_county_sharing_no_project_all_count(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    root.mkdir()
    for i in range(1, 6):
        at(filled_template(PACK, root / f"南关区{i:04d}.xlsx", rows("南关区", [f"南关区第{i}号项目"], seed=i)), 100 + i)
    result = ingest(PACK, [root])
    assert statuses(result) == {f"南关区{i:04d}.xlsx": ("ok", 1) for i in range(1, 6)}
    assert_accounting(root, 5)


def test_a_resent_file_repeating_most_projects_replaces_the_older(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    root.mkdir()
    at(filled_template(PACK, root / "南关区1.xlsx", rows("南关区", ["甲项目", "乙项目", "丙项目"])), 100)
    at(filled_template(PACK, root / "南关区2.xlsx", rows("南关区", ["甲项目", "乙项目", "丙项目", "丁项目"])), 200)
    at(filled_template(PACK, root / "宽城区第一批.xlsx", rows("宽城区", ["戊项目"], seed=5)), 100)
    at(filled_template(PACK, root / "宽城区第二批.xlsx", rows("宽城区", ["戊项目", "己项目"], seed=6)), 200)
    result = ingest(PACK, [root])
    assert statuses(result) == {"南关区1.xlsx": ("skipped", 0), "南关区2.xlsx": ("ok", 4),
                                "宽城区第一批.xlsx": ("ok", 1), "宽城区第二批.xlsx": ("ok", 2)}
    (message,) = [f.message for f in result.findings if f.code == "file.superseded"]
    assert "“南关区2.xlsx”" in message and "3 个项目中的 3 个" in message and "所在县（市、区）" in message
    assert_accounting(root, 7)


def test_a_revision_name_between_different_counties_replaces_nothing(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    root.mkdir()
    at(filled_template(PACK, root / "南关区.xlsx", rows("南关区", ["甲项目"])), 100)
    # 宽城区 filled in its table and saved it under 南关区's name with 修改: the content decides.
    at(filled_template(PACK, root / "南关区（修改）.xlsx", rows("宽城区", ["乙项目"], seed=2)), 200)
    result = ingest(PACK, [root])
    assert statuses(result) == {"南关区.xlsx": ("ok", 1), "南关区（修改）.xlsx": ("ok", 1)}
    assert_accounting(root, 2)


def test_a_true_revision_still_replaces(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    root.mkdir()
    at(filled_template(PACK, root / "绿园区.xlsx", rows("绿园区", ["甲项目", "乙项目"])), 200)
    at(filled_template(PACK, root / "绿园区（修改）.xlsx", rows("绿园区", ["丙项目"], seed=3)), 100)
    result = ingest(PACK, [root])
    assert statuses(result) == {"绿园区.xlsx": ("skipped", 0), "绿园区（修改）.xlsx": ("ok", 1)}
    assert_accounting(root, 1)
    every = ingest(PACK, [root], policy=ReplacePolicy(count_every_file=True))
    assert statuses(every) == {"绿园区.xlsx": ("ok", 2), "绿园区（修改）.xlsx": ("ok", 1)}
    kept = ingest(PACK, [root], policy=ReplacePolicy(keep=("绿园区.xlsx",)))
    assert statuses(kept) == {"绿园区.xlsx": ("ok", 2), "绿园区（修改）.xlsx": ("skipped", 0)}


@pytest.mark.office
def test_template_copies_saved_by_libreoffice_all_count(tmp_path: Path) -> None:
    """A county opened the template in LibreOffice and saved it; the mail client added (1)."""
    work = tmp_path / "work"
    work.mkdir()
    root = tmp_path / "inbox"
    root.mkdir()
    for i, county in enumerate(["南关区", "宽城区"]):
        filled = filled_template(PACK, work / f"{county}.xlsx", rows(county, [f"{county}项目"], seed=i))
        saved = soffice_convert(filled, "xlsx:Calc MS Excel 2007 XML", work / f"lo{i}")
        name = DEFAULT if i == 0 else DEFAULT.replace(".xlsx", "(1).xlsx")
        at(saved.rename(root / name), 100 + i)
    result = ingest(PACK, [root])
    assert statuses(result) == {DEFAULT: ("ok", 1), DEFAULT.replace(".xlsx", "(1).xlsx"): ("ok", 1)}
    assert {f.reporting_unit for f in result.files} == {"南关区", "宽城区"}
    assert_accounting(root, 2)


def test_761_samples_with_three_template_named_copies_all_count(tmp_path: Path) -> None:
    """The sample inbox, plus 南关区's file resent by three other counties under the template's
    own name with the mail client's (1) / (2): every row of theirs is counted."""
    import shutil

    import openpyxl

    root = tmp_path / "inbox"
    shutil.copytree(Path(__file__).parent.parent / "samples" / "jl-761-2020", root)
    names = [DEFAULT, DEFAULT.replace(".xlsx", "(1).xlsx"), DEFAULT.replace(".xlsx", "(2).xlsx")]
    for name, county in zip(names, ["德惠市", "公主岭市", "双阳区"], strict=True):
        wb = openpyxl.load_workbook(root / "南关区.xlsx")
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and "南关区" in cell.value:
                        cell.value = cell.value.replace("南关区", county)
        wb.save(root / name)
    result = ingest(PACK, [root])
    got = statuses(result)
    assert {n: got[n] for n in names} == {n: ("ok", 6) for n in names}
    assert got["绿园区.xlsx"] == ("skipped", 0) and got["绿园区（修改）.xlsx"] == ("ok", 5)
    assert [f.path for f in result.files if f.status == "skipped"] == ["绿园区.xlsx"]
    assert result.rows_read == 43 + 3 * 6
    assert_accounting(root, 43 + 3 * 6)


def test_shenbao_toml_says_count_every_file_or_which_to_keep(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from toolkit.cli import cli

    root = tmp_path / "inbox"
    root.mkdir()
    at(filled_template(PACK, root / "绿园区.xlsx", rows("绿园区", ["甲项目", "乙项目"])), 200)
    at(filled_template(PACK, root / "绿园区（修改）.xlsx", rows("绿园区", ["丙项目"], seed=3)), 100)

    def files(toml: str) -> dict[str, tuple[str, int]]:
        (root / "shenbao.toml").write_text(f'pack = "jl-761-2020"\n{toml}\n', encoding="utf-8")
        res = CliRunner().invoke(cli, ["run", str(root), "-o", str(tmp_path / "out"), "--json"])
        assert res.exit_code == 0, res.output  # every row of the filled templates passes
        data = json.loads(res.stdout)
        c = data["counts"]
        assert c["rows_read"] == c["accepted"] + c["rejected"] + c["duplicates_merged"]
        return {f["path"]: (f["status"], f["rows"]) for f in data["files"]}

    assert files("") == {"绿园区.xlsx": ("skipped", 0), "绿园区（修改）.xlsx": ("ok", 1)}
    import openpyxl

    listed = {r[0]: r[2] for r in openpyxl.load_workbook(tmp_path / "out" / "校验报告.xlsx")["汇总"].iter_rows(values_only=True)}
    assert "已被“绿园区（修改）.xlsx”替代" in listed["绿园区.xlsx"]  # the report lists the replaced file and why
    assert "填报单位：绿园区（据“所在县（市、区）”列）" in listed["绿园区（修改）.xlsx"]
    assert files("count_every_file = true") == {"绿园区.xlsx": ("ok", 2), "绿园区（修改）.xlsx": ("ok", 1)}
    assert files('keep = ["绿园区.xlsx"]') == {"绿园区.xlsx": ("ok", 2), "绿园区（修改）.xlsx": ("skipped", 0)}
    (root / "shenbao.toml").write_text('keep = "绿园区.xlsx"\ncount_every_file = "yes"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", "jl-761-2020", str(root), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "count_every_file 应为 true 或 false" in res.output


def test_contents_agree_but_names_differ_both_count() -> None:
    """长春新区 sent 农安县's rows again: the county column agrees, the names do not; dedupe merges."""
    older = Submission("农安县.xlsx", "农安县", "列", "projects", frozenset({"a"}), 1, named="农安县")
    newer = Submission("长春新区.xlsx", "农安县", "列", "projects", frozenset({"a"}), 2, named="长春新区")
    assert find_replacements([older, newer]) == {}
    unnamed = Submission(DEFAULT, "农安县", "列", "projects", frozenset({"a"}), 2)
    assert find_replacements([older, unnamed])["农安县.xlsx"].newer == DEFAULT


def test_forms_are_told_apart_by_their_credit_code(tmp_path: Path) -> None:
    """Two companies' 申报书 saved under the template's own name with (1); one company's corrected
    form named （修改）: the credit code on the form decides who sent it."""
    import shutil

    from toolkit.template import template_name

    gyhlw = load_pack("jl-gyhlw-2020")
    default = template_name(gyhlw.annex("application"))
    samples = Path(__file__).parent.parent / "samples" / "jl-gyhlw-2020"
    root = tmp_path / "inbox"
    root.mkdir()
    shutil.copy(samples / "云智工业互联网-附件4-1申报书.xlsx", root / default)
    shutil.copy(samples / "华晟汽车零部件-附件4-1申报书.xlsx", root / default.replace(".xlsx", "(1).xlsx"))
    shutil.copy(samples / "数联智造-附件4-1申报书.xlsx", root / "数联智造-附件4-1申报书.xlsx")
    shutil.copy(samples / "数联智造-附件4-1申报书.xlsx", root / "数联智造-附件4-1申报书（修改）.xlsx")
    result = ingest(gyhlw, [root])
    assert statuses(result) == {default: ("ok", 1), default.replace(".xlsx", "(1).xlsx"): ("ok", 1),
                                "数联智造-附件4-1申报书.xlsx": ("skipped", 0), "数联智造-附件4-1申报书（修改）.xlsx": ("ok", 1)}
    (message,) = [f.message for f in result.files if f.status == "skipped"]
    assert "统一社会信用代码" in (message or "") and "修改" in (message or "")


def test_one_applicants_two_projects_are_not_revisions() -> None:
    """Forms: a company's second project, even under a name with 修改, is another project."""
    first = Submission("甲公司申报书.xlsx", "甲公司", "码", "application", frozenset({"平台"}), 1, key="uscc:X",
                       named="甲公司申报书", one_project=True)
    second = Submission("甲公司申报书（修改）.xlsx", "甲公司", "码", "application", frozenset({"车间"}), 2, key="uscc:X",
                        named="甲公司申报书", one_project=True)
    assert find_replacements([first, second]) == {}
    same = Submission("甲公司申报书（修改）.xlsx", "甲公司", "码", "application", frozenset({"平台"}), 2, key="uscc:X",
                      named="甲公司申报书", one_project=True)
    assert find_replacements([first, same])["甲公司申报书.xlsx"].newer == "甲公司申报书（修改）.xlsx"
