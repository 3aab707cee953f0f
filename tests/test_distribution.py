"""What goes down with the templates (`shenbao template PACK -o DIR`): a 填报说明 and, for a pack
with an earlier version, a 模板变更说明; and a county file made on an older template is read as
today's and its 问题清单 says which version it used and what changed since."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from click.testing import CliRunner
from inbox_fixtures import TEMPLATE_ROW, filled_template
from openpyxl import load_workbook

from toolkit.cli import cli
from toolkit.packs.loader import load_history, load_pack


def template(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["template", *args])
    return result.exit_code, result.output


def document_text(path: Path) -> str:
    doc = docx.Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += [" | ".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(lines)


def test_template_writes_the_filling_guide_beside_the_annexes(tmp_path: Path) -> None:
    code, out = template("js-zhjs-2020", "-o", str(tmp_path))
    assert code == 0, out
    guide = tmp_path / "填报说明.docx"
    assert f"已生成 {guide}" in out and "共 3 个文件" in out
    text = document_text(guide)
    assert text.startswith("2020年智慧江苏重点工程填报说明\n")
    assert "《关于推动2020年智慧江苏重点工程建设的通知》（苏信息化办〔2020〕4号，2020年6月28日印发）" in text
    assert "报送截止日期：2020年7月31日。" in text
    assert "1. 附件 智慧江苏重点工程申报表（表单：每个项目填一份" in text
    assert "2. 2020年智慧江苏重点工程推荐项目汇总表（表格：每个填报单位填一份，每个项目一行，在“推荐项目汇总表”工作表中填写）" in text
    # every field: 必填/选填, unit, what to write
    assert "项目总投资（万元） | 必填 | 万元 | 只填数字，单位：万元" in text
    assert "所在县（市、区） | 选填 |  | " in text
    # the choice lists, with what else is read as each choice
    assert "“工程类别”的选项：" in text
    assert "数字经济" in text
    assert "填报中有问题请联系：省信息化领导小组办公室 张树林，025-69652659" in text
    # no earlier version: no change note
    assert not list(tmp_path.glob("模板变更说明*"))


def test_a_routed_choice_list_names_its_departments(tmp_path: Path) -> None:
    assert template("jl-761-2020", "-o", str(tmp_path))[0] == 0
    text = document_text(tmp_path / "填报说明.docx")
    assert "选项 | 归口部门 | 也可写作" in text
    assert "大数据中心 | 省政务服务和数字化局 | " in text
    assert "联系方式见《关于进一步做好“761”工程智能信息网项目推动工作的函》" in text  # the pack names no contact


def test_a_pack_with_history_sends_the_change_note_in_words(tmp_path: Path) -> None:
    code, out = template("jl-761-2020", "-o", str(tmp_path))
    assert code == 0
    note = tmp_path / "模板变更说明（1.0.0→1.1.0）.txt"
    assert f"已生成 {note}" in out
    text = note.read_text(encoding="utf-8-sig")
    assert "新增列“进展情况”（必填）" in text
    assert "“项目阶段”的可选项增加“新开工项目”，去掉“新建项目”" in text
    assert "适用范围由“[项目阶段] 为 ‘新建项目’”改为“[项目阶段] 为 ‘新开工项目’”" in text
    assert "stage ==" not in text and "有调整" not in text


def test_the_guide_covers_only_the_annexes_asked_for(tmp_path: Path) -> None:
    assert template("jl-gyhlw-2020", "--annex", "application", "-o", str(tmp_path))[0] == 0
    text = document_text(tmp_path / "填报说明.docx")
    assert "1. 附件4-1 2020年度省级工业互联网及制造业服务化示范项目申报书（表单" in text
    assert "也可以填写通知所附的 Word 申报书（.docx）报送" in text
    assert "附件4-5 省级工业互联网及制造业服务化示范项目申报信息汇总表" not in text  # 4-5 not asked for
    assert (tmp_path / "模板变更说明（1.1.0→1.2.0）.txt").is_file()  # the version before this one


def test_changes_since_an_unknown_version_writes_nothing(tmp_path: Path) -> None:
    code, _ = template("jl-761-2020", "--changes-since", "0.9.0", "-o", str(tmp_path / "模板"))
    assert code == 2
    assert not (tmp_path / "模板").exists() or not list((tmp_path / "模板").iterdir())


def test_changes_since_on_a_pack_workbook_is_a_clear_error(tmp_path: Path) -> None:
    book = tmp_path / "申报包.xlsx"
    assert CliRunner().invoke(cli, ["pack-export", "jl-761-2020", "-o", str(book)]).exit_code == 0
    result = CliRunner().invoke(cli, ["template", str(book), "--changes-since", "1.0.0", "-o", str(tmp_path / "模板")])
    assert result.exit_code == 2
    assert "申报包 jl-761-2020 只有当前版本 1.1.0，没有保存历史版本，无法与 1.0.0 比较" in result.output
    assert "“修订记录”页只记各版本的说明" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "模板").exists()
    # without --changes-since a workbook's templates go down with their guide and no change note
    result = CliRunner().invoke(cli, ["template", str(book), "-o", str(tmp_path / "模板")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "模板" / "填报说明.docx").is_file()
    assert not list((tmp_path / "模板").glob("模板变更说明*"))


def test_a_county_file_on_an_older_template_says_which_version_and_what_changed(tmp_path: Path) -> None:
    pack = load_pack("jl-761-2020")
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    old_row = {k: v for k, v in TEMPLATE_ROW.items() if k not in ("progress", "responsible_person")}
    filled_template(load_history(pack, "1.0.0"), inbox / "榆树市.xlsx",
                    [{**old_row, "county": "榆树市", "project_name": "榆树市政务外网项目", "stage": "新建项目"}])
    out = tmp_path / "结果"
    result = CliRunner().invoke(cli, ["run", "jl-761-2020", str(inbox), "-o", str(out), "--unit-name", "长春市", "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["files"][0]["status"] == "ok" and data["files"][0]["rows"] == 1  # read as today
    (found,) = [f for f in data["findings"] if f["code"] == "header.old-template"]
    assert found["severity"] == "warning"
    message = found["message"]
    assert message.startswith("该文件使用旧版模板 1.0.0（当前为 1.1.0），已按当前版本的表头读取；此后的变化：1. 新增列“进展情况”（必填）")
    assert "“项目阶段”的可选项增加“新开工项目”，去掉“新建项目”" in message
    assert "审核规则“新开工项目应完成可研报告”（一(一)6）适用范围由“[项目阶段] 为 ‘新建项目’”改为“[项目阶段] 为 ‘新开工项目’”" in message
    assert "取消审核规则" not in message
    # the problem list sent back to the county carries it
    (copy,) = (out / "退回修改").glob("榆树市*.xlsx")
    rows = [[c for c in row] for row in load_workbook(copy)["问题清单"].iter_rows(values_only=True)]
    assert any("header.old-template" in row and message in row for row in rows)


def test_an_older_form_says_so_too(tmp_path: Path) -> None:
    """A 4-3 绩效目标 form whose stamp says 1.0.0: the same warning, naming the form's changes."""
    samples = Path(__file__).resolve().parents[1] / "samples" / "jl-gyhlw-2020"
    (source,) = samples.glob("华晟*4-3*.xlsx")
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    book = load_workbook(source)
    stamp = book["_shenbao"]
    cells = [c for row in stamp.iter_rows() for c in row if c.value == "1.2.0"]
    assert cells
    for c in cells:
        c.value = "1.0.0"
    book.save(inbox / source.name)
    result = CliRunner().invoke(cli, ["ingest", "jl-gyhlw-2020", str(inbox), "-o", str(tmp_path / "读取"), "--json"])
    data = json.loads(result.stdout)
    (found,) = [f for f in data["findings"] if f["code"] == "header.old-template"]
    assert found["message"].startswith("该文件使用旧版模板 1.0.0（当前为 1.2.0），已按当前版本的表头读取；此后的变化：")
    assert "“定量指标”改为必填" in found["message"]
    assert "新增审核规则“申报书须附绩效目标”" not in found["message"]  # a rule on 4-1, not on this form
