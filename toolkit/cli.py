"""The `shenbao` command: a thin click layer over the library modules.

Each command parses options, calls one library function and prints. Library errors
(`ShenbaoError`) become one Chinese line and an exit code here, in one place; no traceback reaches
a clerk unless `--debug` is given. The library modules a command needs (and with them openpyxl,
xlsxwriter, lxml and the CEL bindings) are imported inside it, so that `shenbao --help` answers at
once. No command imports pandas: only the DataFrame functions of toolkit/api.py do.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from toolkit import __version__, clizh
from toolkit.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ShenbaoError
from toolkit.seams import reference

if TYPE_CHECKING:  # imported lazily at run time: `shenbao --help` must answer fast
    from toolkit.run.settings import Settings

EXIT_INTERNAL = 4
clizh.install()  # click's own words (usage, metavars, its error messages) in Chinese

class ZhContext(click.Context):
    formatter_class = clizh.Formatter


class ZhCommand(click.Command):
    context_class = ZhContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clizh.localise(self)


class ZhGroup(click.Group):
    context_class = ZhContext
    command_class = ZhCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", clizh.SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)
        clizh.localise(self)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """Run, turning every failure into one Chinese line on stderr and a documented exit code."""
        argv = list(sys.argv[1:] if args is None else args)
        global _json_printed
        _json_printed = False
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.Abort:
            click.echo("已取消。", err=True)
            code = _json_error(argv, EXIT_USAGE, "cancelled", "已取消")
        except click.UsageError as exc:
            hint = f"（运行 {exc.ctx.command_path} -h 查看用法）" if exc.ctx else ""
            click.echo(f"用法错误：{_usage_message(exc)}{hint}", err=True)
            code = _json_error(argv, EXIT_USAGE, "usage", f"用法错误：{_usage_message(exc)}{hint}")
        except ShenbaoError as exc:
            if "--debug" in argv:
                traceback.print_exc()
            click.echo(f"错误：{exc.message}", err=True)
            code = _json_error(argv, exc.exit_code, exc.code, exc.message)
        except Exception:  # a bug: the one place it lands, reported (exit 4, the traceback with --debug)
            if "--debug" in argv:
                traceback.print_exc()
            message = "程序内部错误，请加 --debug 重新运行，并把输出发给维护人员。"
            click.echo(message, err=True)
            code = _json_error(argv, EXIT_INTERNAL, "internal", message)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else EXIT_OK)


_json_printed = False  # a command printed its --json object (then a failure after it prints no second one)


def echo_json(data: Any, indent: int | None = 1) -> None:
    """The one JSON object of `--json` on stdout (`data`, or its text already made). NaN and
    Infinity, which are not JSON, are refused here (a failure, exit 4, rather than output a JSON
    parser rejects)."""
    import json

    global _json_printed
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)
    click.echo(text)
    _json_printed = True


def _json_error(argv: list[str], exit_code: int, code: str, message: str) -> int:
    """With `--json`, a failure is one JSON object too (schemas/run-result.schema.json: `error`)."""
    if "--json" in argv and not _json_printed:
        echo_json({"toolkit_version": __version__,
                   "error": {"code": code, "exit_code": exit_code, "message": message}})
    return exit_code


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _help_option(f: Any) -> Any:
    return click.help_option("-h", "--help", help="显示本帮助并退出。")(f)


@click.group("shenbao", cls=ZhGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="shenbao",
                      message="%(prog)s %(version)s", help="显示版本号并退出。")
@click.option("--debug", is_flag=True, help="出错时显示完整的技术信息（供维护人员排查）。")
@_help_option
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """shenbao（申报）：项目申报材料的模板、读取、校验、去重汇总和报送函工具。

    \b
    常用步骤：
      shenbao packs                         列出内置的申报包（每次申报活动一个）
      shenbao template jl-761-2020 -o 模板  生成空白填报模板，下发给各县（市、区）
      shenbao run jl-761-2020 收件箱 -o 申报结果 --unit-name 长春市
                                            收齐后一条命令完成：审核、去重、汇总表、报送函

    每个命令后加 -h 可查看说明和示例。
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def pack_argument(f: Any) -> Any:
    return click.argument("pack", metavar="PACK")(f)


@cli.command("packs", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@_help_option
def packs_cmd(as_json: bool) -> None:
    """列出内置的申报包。

    \b
    示例：
      shenbao packs
      shenbao packs --json
    """
    from toolkit.packs.loader import load_pack
    from toolkit.packs.source import builtin_ids

    packs = [load_pack(pid) for pid in builtin_ids()]
    if as_json:

        rows = [
            {"id": p.id, "version": p.version, "title": p.title, "notice": p.notice.number,
             "annexes": [a.id for a in p.annexes]}
            for p in packs
        ]
        echo_json(rows, indent=2)
        return
    for p in packs:
        annexes = "、".join(a.file_stem for a in p.annexes)  # 附件4-1 2020年度…申报书
        click.echo(f"{p.id}  {p.version}  {p.title}（{p.notice.number}）")
        click.echo(f"    附件：{annexes}")


@cli.command("pack-check", context_settings=CONTEXT)
@click.argument("pack_dir", metavar="PACK")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检查结果。")
@_help_option
def pack_check_cmd(pack_dir: str, as_json: bool) -> None:
    """检查一个申报包（省级人员编写的 pack.json 目录或申报包工作簿 .xlsx）是否写对。

    检查内容：格式是否符合申报包规范、每条审核规则引用的字段都已声明、表达式能否解析、每个可选项列表不为空、汇总表引用的列都存在。有错误时退出码为 1。

    \b
    示例：
      shenbao pack-check schemas/jl-761-2020
      shenbao pack-check D:\\申报包\\我的申报包 --json
      shenbao pack-check 申报包.xlsx
    """
    from toolkit.packs.loader import check_pack_dir

    findings = check_pack_dir(pack_dir)
    errors = [f for f in findings if f.is_error]
    if as_json:

        data = {"pack": pack_dir, "valid": not errors, "findings": [f.to_dict() for f in findings]}
        echo_json(data, indent=2)
    else:
        for f in findings:
            label = "错误" if f.is_error else "提醒"
            click.echo(f"[{label}] {f.message}")
        warnings = len(findings) - len(errors)
        if errors:
            click.echo(f"申报包有 {len(errors)} 处错误、{warnings} 处提醒，请修改后再用。", err=True)
        else:
            click.echo(f"申报包检查通过（{warnings} 处提醒）。")
    click.get_current_context().exit(EXIT_FINDINGS if errors else EXIT_OK)


@cli.command("pack-export", context_settings=CONTEXT)
@pack_argument
@click.option("-o", "--out", "target", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="写出的申报包工作簿，如 申报包.xlsx。")
@_help_option
def pack_export_cmd(pack: str, target: Path) -> None:
    """把申报包写成工作簿（申报包.xlsx），供省级人员在 Excel/WPS 中修改。

    \b
    示例：
      shenbao pack-export jl-761-2020 -o 申报包.xlsx
    """
    from toolkit.packs.loader import load_pack
    from toolkit.packs.workbook import export_workbook

    p = load_pack(pack, check=False)
    click.echo(f"已生成 {export_workbook(p.raw, target)}（{p.id} {p.version}）")


@cli.command("pack-build", context_settings=CONTEXT)
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path), metavar="申报包.xlsx")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="写出 pack.json 的目录。")
@_help_option
def pack_build_cmd(workbook: Path, out_dir: Path) -> None:
    """检查申报包工作簿，并生成申报包目录（DIR/pack.json）。

    每处错误都指明工作簿中的工作表和单元格。有错误时不生成，退出码为 1。

    \b
    示例：
      shenbao pack-build 申报包.xlsx -o 我的申报包
    """
    from toolkit.packs.workbook_build import build_pack_dir

    findings, written = build_pack_dir(workbook, out_dir)
    errors = [f for f in findings if f.is_error]
    for f in findings:
        click.echo(f"[{'错误' if f.is_error else '提醒'}] {f.message}")
    if written is None:
        click.echo(f"申报包工作簿有 {len(errors)} 处错误、{len(findings) - len(errors)} 处提醒，请修改后再生成。",
                   err=True)
        click.get_current_context().exit(EXIT_FINDINGS)
    click.echo(f"已生成 {written}（{len(findings)} 处提醒）")


@cli.command("pack-new", context_settings=CONTEXT)
@click.argument("pack_id", metavar="编号")
@click.option("-o", "--out", "target", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="写出的空白申报包工作簿，如 申报包.xlsx。")
@_help_option
def pack_new_cmd(pack_id: str, target: Path) -> None:
    """生成一个空白申报包工作簿：各页、下拉选项和每页一行示例（以“示例：”开头）。

    \b
    示例：
      shenbao pack-new jl-szjs-2026 -o 申报包.xlsx
    """
    from toolkit.packs.workbook_new import new_workbook

    if target.exists():
        raise ShenbaoError(f"{target} 已存在；请换一个文件名，或先删除它")
    click.echo(f"已生成 {new_workbook(pack_id, target)}：填好各页后运行 shenbao pack-build {target} -o 目录")


@cli.command("template", context_settings=CONTEXT)
@pack_argument
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="输出目录（默认：当前目录下的“<申报包>-模板”）。")
@click.option("--annex", "annexes", multiple=True, metavar="ID",
              help="只生成指定附件（可重复）；默认生成全部附件。")
@click.option("--changes-since", "since", metavar="VERSION",
              help="列出自该版本以来模板的变化；同时给出 -o 时生成模板，并把说明写入该目录（默认与上一版本比较）。")
@_help_option
def template_cmd(pack: str, out_dir: Path | None, annexes: tuple[str, ...], since: str | None) -> None:
    """生成申报包全部附件的空白模板（Excel 表格/表单、Word 文档），以及一同下发的说明。

    模板带有下拉选项、填写提示、表头单位、打印设置和隐藏的版本标记，下发给各县（市、区）填写。同一目录中另写
    填报说明.docx（通知、文号、截止日期、各附件怎么填、每一栏的要求、选项列表、联系人）；申报包有更早的版本时，
    再写 模板变更说明（旧版本→新版本）.txt（增删改名的列、选项、每条规则改前改后）。PACK 是申报包编号（见 shenbao packs）、申报包目录或申报包工作簿（.xlsx）。

    \b
    示例：
      shenbao template jl-761-2020 -o 模板
      shenbao template jl-gyhlw-2020 --annex application -o 模板
      shenbao template jl-761-2020 --changes-since 1.0.0
    """
    from toolkit.packs.loader import load_history, load_pack

    p = load_pack(pack)
    if since and out_dir is None:
        from toolkit.packs.changes import changes_since

        click.echo(changes_since(p, since), nl=False)
        return
    if since:
        load_history(p, since)  # an unknown version stops before anything is written
    from toolkit.template import write_templates
    from toolkit.template.handout import write_handouts

    target = out_dir or Path(f"{p.id}-模板")
    _settle(target)
    written = write_templates(p, target, list(annexes) or None)
    written += write_handouts(p, target, list(annexes) or None, since)
    for path in written:
        click.echo(f"已生成 {path}")
    click.echo(f"共 {len(written)} 个文件，模板版本 {p.version}。")


def _inbox_settings(inbox: tuple[Path, ...], config: Path | None = None) -> Settings:
    """The settings file (`--config`, else the shenbao.toml in an inbox folder) as `run` reads
    it: its [limits], and which files replace others (defaults without one)."""
    from toolkit.run.settings import find_settings, load_settings

    return load_settings(find_settings(list(inbox), config))


_config_option = click.option(
    "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="设置文件，其中 [limits] 为读取限额（默认读取收件文件夹中的 shenbao.toml）。")


@cli.command("ingest", context_settings=CONTEXT)
@pack_argument
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="INBOX...")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出目录：写入 读取结果.json（全部记录及其来源、每个文件的状态和列对应关系）。")
@click.option("--json", "as_json", is_flag=True, help="在标准输出打印同样的 JSON（供脚本使用）。")
@_config_option
@_help_option
def ingest_cmd(pack: str, inbox: tuple[Path, ...], out_dir: Path, as_json: bool, config: Path | None) -> None:
    """读取各县报来的全部工作簿，得到带来源的项目记录。

    INBOX 是收件文件夹或文件，可给多个。支持 xlsx、xlsm、xls、ods、csv，下发的模板或各县自己的表格格式均可；会识别表头、换算表头写明的单位、规范数字和日期。无法读取的文件不会中断处理，会说明原因。有文件无法读取或有单元格无法识别时退出码为 1。

    \b
    示例：
      shenbao ingest jl-761-2020 收件箱 -o 结果
      shenbao ingest jl-761-2020 南关区.xlsx 朝阳区.xls -o 结果 --json
    """
    import json

    from toolkit.ingest.inbox import ingest, nothing_read
    from toolkit.packs.loader import load_pack
    from toolkit.runtime.atomic import write_text

    p = load_pack(pack)
    _settle(out_dir)
    settings = _inbox_settings(inbox, config)
    result = ingest(p, list(inbox), progress=_progress_printer(), limits=settings.limits, policy=settings.policy)
    keep_to_the_end(result)
    data = {
        "pack": p.id,
        "files": [f.to_dict() for f in result.files],
        "counts": {"rows_read": result.rows_read},
        "findings": [f.to_dict() for f in result.findings],
        "records": [r.to_dict() for r in result.records],
    }
    from toolkit.run.job import finite

    text = json.dumps(finite(data, "", []), ensure_ascii=False, indent=1, default=str, allow_nan=False)
    target = write_text(out_dir / "读取结果.json", text)
    if as_json:
        echo_json(text)
    else:
        _echo_files(result.files)
        errors = sum(1 for f in result.findings if f.is_error)
        click.echo(f"共读取 {result.rows_read} 个项目；问题 {errors} 个（详见 {target}）。")
    bad = any(f.status == "error" for f in result.files) or any(f.is_error for f in result.findings)
    empty = nothing_read(result.files, inbox)
    if empty:
        click.echo(f"错误：{empty}", err=True)
    click.get_current_context().exit(EXIT_FINDINGS if bad or empty else EXIT_OK)


def _settle(out_dir: Path) -> None:
    """A folder a killed `run` left half-switched is settled before anything is written there."""
    from toolkit.run.commit import settle

    line = settle(out_dir)
    if line:
        click.echo(f"提醒：{line}", err=True)


def _progress_printer() -> Any:
    """Progress on a terminal only: automation reading our output never sees it."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, name: str) -> None:
        click.echo(f"\r读取 {done}/{total}：{name[:40]:<40}", err=True, nl=done == total)

    return show


def _echo_files(files: Any) -> None:
    labels = {"ok": "已读取", "error": "无法读取", "skipped": "已跳过"}
    for f in files:
        line = f"[{labels[f.status]}] {f.path}"
        if f.status == "ok":
            line += f"：{f.rows} 个项目"
            if f.template_version:
                line += f"（模板 {f.template_version}）"
        if f.message:
            line += f" —— {f.message}"
        click.echo(line)


def _expect_option(f: Any) -> Any:
    return click.option("--expect", metavar="名单", help="应报送的单位：一个每行一个单位名称的文本文件，或用“、”分隔的名称；默认按填报单位（--unit-name）从行政区划表推出下一级单位，省级单位用申报包中的名单。")(f)


def _parse_expect(value: str | None) -> list[str] | None:
    if not value:
        return None
    path = Path(value)
    if path.is_file():
        text = path.read_text(encoding="utf-8-sig")
        return [line.strip() for line in text.splitlines() if line.strip()]
    import re

    return [v.strip() for v in re.split(r"[、,，;；\s]+", value) if v.strip()]


@cli.command("validate", context_settings=CONTEXT)
@pack_argument
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="INBOX...")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出目录：写入 校验报告.xlsx 和 退回修改/（标出问题单元格的各县文件副本）。")
@click.option("--json", "as_json", is_flag=True, help="在标准输出打印全部问题（JSON）。")
@_config_option
@_help_option
def validate_cmd(pack: str, inbox: tuple[Path, ...], out_dir: Path, as_json: bool, config: Path | None) -> None:
    """按申报包的字段要求和通知中的入库条件逐条审核各县报来的项目。

    每个问题写明文件、工作表、单元格、字段、通知条款和修改意见。写出校验报告和退回修改的文件副本（问题单元格标红并加批注），可直接发回各县。有不合格项目或无法读取的文件时退出码为 1。

    \b
    示例：
      shenbao validate jl-761-2020 收件箱 -o 审核结果
      shenbao validate js-zhjs-2020 收件箱 -o 审核结果 --json
    """

    from toolkit.ingest.inbox import nothing_read
    from toolkit.merge.pipeline import process
    from toolkit.outputs.report import write_report
    from toolkit.outputs.returns import write_returns
    from toolkit.packs.loader import load_pack

    p = load_pack(pack)
    _settle(out_dir)
    settings = _inbox_settings(inbox, config)
    batch = process(p, list(inbox), progress=_progress_printer(), limits=settings.limits, policy=settings.policy)
    keep_to_the_end(batch)
    problems: list[str] = []
    # The copies first: one made another way adds its warning to the findings the report lists.
    returns = write_returns(batch, out_dir / "退回修改", problems=problems)
    report = write_report(batch, out_dir / "校验报告.xlsx")
    for line in problems:
        click.echo(f"提醒：{line}", err=True)
    if as_json:
        from toolkit.run.job import _finding_json

        echo_json([_finding_json(f) for f in batch.findings])
    else:
        _echo_files(batch.ingested.files)
        c = batch.counts
        errors = sum(1 for f in batch.findings if f.is_error)
        click.echo(f"项目：读取 {c['rows_read']} 个，通过 {c['accepted'] + c['duplicates_merged']} 个，未通过 {c['rejected']} 个；"
                   f"问题 {errors} 个。")
        click.echo(f"校验报告：{report}")
        if returns:
            click.echo(f"退回修改：{len(returns)} 个文件，在 {out_dir / '退回修改'}")
    bad = any(f.is_error for f in batch.findings) or any(f.status == "error" for f in batch.ingested.files)
    empty = nothing_read(batch.ingested.files, inbox)
    if empty:
        click.echo(f"错误：{empty}", err=True)
    click.get_current_context().exit(EXIT_FINDINGS if bad or empty else EXIT_OK)


@cli.command("merge", context_settings=CONTEXT)
@pack_argument
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="INBOX...")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出目录：写入 汇总表.xlsx（以及按归口部门分开的汇总表）。")
@click.option("--decisions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上次生成的、已在“疑似重复”页填写处理意见（合并/保留）的汇总表。")
@click.option("--split-by", "split_by", metavar="归口部门", help="另按此项分别生成汇总表（如 归口部门）。")
@click.option("--unit-name", default="", help="填报单位名称（写在汇总表标题和报送函中），如 长春市。")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上期汇总表：另写 本期变化.xlsx，标出新增、变更（哪些项）和撤销的项目。")
@_expect_option
@_config_option
@_help_option
def merge_cmd(pack: str, inbox: tuple[Path, ...], out_dir: Path, decisions: Path | None, split_by: str | None,
              unit_name: str, previous: Path | None, expect: str | None, config: Path | None) -> None:
    """去重并编制汇总表；下级报来的汇总表也可以作为输入（县→市→省）。

    完全相同的项目合并为一条，疑似重复的列在“疑似重复”页由经办人填写处理意见；未通过审核的项目列在“未通过”页。

    \b
    示例：
      shenbao merge jl-761-2020 收件箱 -o 汇总 --unit-name 长春市
      shenbao merge jl-761-2020 收件箱 -o 汇总 --decisions 汇总/汇总表.xlsx --split-by 归口部门
      shenbao merge jl-761-2020 收件箱 -o 八月汇总 --previous 七月汇总/汇总表.xlsx
    """
    from toolkit.ingest.inbox import require_something_read
    from toolkit.merge.decisions import read_decisions
    from toolkit.merge.pipeline import process
    from toolkit.outputs.summary import write_summary
    from toolkit.packs.loader import load_pack

    p = load_pack(pack)
    _settle(out_dir)
    chosen = read_decisions(decisions) if decisions else None
    settings = _inbox_settings(inbox, config)
    batch = process(p, list(inbox), decisions=chosen, expected_units=_parse_expect(expect), unit_name=unit_name,
                    progress=_progress_printer(), limits=settings.limits, policy=settings.policy)
    require_something_read(batch.ingested.files, inbox)
    keep_to_the_end(batch)
    if split_by and not (p.routing and split_by in (p.routing.title, "route")) and split_by != (p.summary.split_by if p.summary else None):
        raise ShenbaoError(f"申报包 {p.id} 不能按“{split_by}”分开汇总" + (f"；可用：{p.routing.title}" if p.routing else ""))
    paths = write_summary(batch, out_dir / "汇总表.xlsx", unit_name=unit_name, split=bool(split_by))
    if previous:
        from toolkit.merge.monthly import compare, read_previous, write_changes

        current = [r for r in batch.accepted if r.annex == batch.annex.id]
        changes = compare(batch.annex, current, read_previous(p, batch.annex, previous))
        paths.append(write_changes(batch.annex, changes, out_dir / "本期变化.xlsx"))
        click.echo(f"与上期相比：新增 {changes.count('新增')}、变更 {changes.count('变更')}、撤销 {changes.count('撤销')}")
    _echo_counts(batch)
    for path in paths:
        click.echo(f"已生成 {path}")
    # As `run`: 1 when a row is rejected or a file could not be read, so a script notices either.
    unreadable = any(f.status == "error" for f in batch.ingested.files)
    click.get_current_context().exit(EXIT_FINDINGS if batch.counts["rejected"] or unreadable else EXIT_OK)


@cli.command("letter", context_settings=CONTEXT)
@pack_argument
@click.argument("summary", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                metavar="SUMMARY...")
@click.option("-o", "--out", "target", type=click.Path(dir_okay=False, path_type=Path), default=Path("报送函.docx"),
              show_default=True, help="报送函文件名。")
@click.option("--org", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="发文单位信息（TOML：发文机关、发文字号、联系人、联系电话、成文日期、抄送）。")
@_help_option
def letter_cmd(pack: str, summary: tuple[Path, ...], target: Path, org: Path | None) -> None:
    """按党政机关公文格式（GB/T 9704-2012）生成报送函，数字全部取自汇总表。

    没有 --org 时仍会生成，需要填写的地方用【请填写】标出。

    \b
    示例：
      shenbao letter jl-761-2020 汇总/汇总表.xlsx -o 报送函.docx --org 发文单位.toml
    """
    from toolkit.outputs.letter import read_org, write_letter
    from toolkit.packs.loader import load_pack

    p = load_pack(pack)
    _settle(target.parent)
    result = write_letter(p, list(summary), target, read_org(org) if org else None)
    for warning in result.warnings:
        click.echo(f"提醒：{warning}", err=True)
    click.echo(f"已生成 {result.path}")


@cli.command("run", context_settings=CONTEXT)
@click.argument("args", nargs=-1, required=True, metavar="[PACK] INBOX")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="输出目录（也可写在 shenbao.toml 的 out 中）。")
@click.option("--org", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="发文单位信息（TOML）。")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上期汇总表（逐月报送时对比新增、变更、撤销）。")
@click.option("--decisions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="已填写“疑似重复”处理意见的汇总表（不给出时沿用输出目录中上次汇总表里已填写的处理意见）。")
@click.option("--no-decisions", "no_decisions", is_flag=True,
              help="不沿用输出目录中上次汇总表里已填写的处理意见（也可在 shenbao.toml 中写 use_decisions = false）。")
@click.option("--unit-name", default=None, help="填报单位名称，如 长春市。")
@_expect_option
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="设置文件（默认读取收件文件夹中的 shenbao.toml）。")
@click.option("--json", "as_json", is_flag=True, help="标准输出只打印一个 JSON 对象（供定时任务使用），进度和提示写到标准错误。")
@_help_option
def run_cmd(args: tuple[str, ...], out_dir: Path | None, org: Path | None, previous: Path | None,
            decisions: Path | None, no_decisions: bool, unit_name: str | None, expect: str | None,
            config: Path | None, as_json: bool) -> None:
    """一条命令完成全部工作：读取 → 审核 → 去重汇总 → 报送函。

    输出目录中写入 汇总表.xlsx、校验报告.xlsx、退回修改/、报送函.docx 和 manifest.json（输入文件的校验值、申报包版本、各项数目）。输出先写入临时文件，全部完成后才替换旧文件；同一输出目录不能同时运行两个任务。退出码：0 全部通过；1 有未通过的项目或无法读取的文件；2 用法或申报包有误；3 输出无法写入。

    \b
    示例：
      shenbao run jl-761-2020 收件箱 -o 申报结果 --unit-name 长春市 --org 发文单位.toml
      shenbao run 收件箱                  （申报包等写在 收件箱/shenbao.toml 中）
      shenbao run jl-761-2020 收件箱 -o 申报结果 --json
    """
    from toolkit.runtime.collector import collector_paused

    # Paused from the imports on (their hundreds of thousands of objects at once: 5 ms of the
    # collector's passes at every start); run_job keeps it paused through the job.
    with collector_paused():
        _run(args, out_dir, org, previous, decisions, unit_name, expect, config, as_json, no_decisions)


def _run(args: tuple[str, ...], out_dir: Path | None, org: Path | None, previous: Path | None,
         decisions: Path | None, unit_name: str | None, expect: str | None, config: Path | None,
         as_json: bool, no_decisions: bool = False) -> None:

    from toolkit.packs.loader import load_pack
    from toolkit.run.job import RunSettings, run_job
    from toolkit.run.settings import find_settings, load_settings

    if len(args) > 2:
        raise click.UsageError("只需给出申报包和一个收件文件夹")
    inbox = Path(args[-1])
    if not inbox.exists():
        raise ShenbaoError(f"找不到收件文件夹 {inbox}")
    settings = load_settings(find_settings([inbox], config))
    pack_ref = args[0] if len(args) == 2 else settings.pack
    if not pack_ref:
        raise ShenbaoError("请给出申报包（如 shenbao run jl-761-2020 收件箱），或在 shenbao.toml 中写 pack = \"…\"")
    out = out_dir or settings.out
    if out is None:
        raise ShenbaoError("请用 -o 给出输出目录，或在 shenbao.toml 中写 out = \"…\"")
    p = load_pack(pack_ref)
    run_settings = RunSettings(
        org=org or settings.org, decisions=decisions or settings.decisions, previous=previous or settings.previous,
        expected_units=_parse_expect(expect) or (list(settings.expect) if settings.expect is not None else None),
        unit_name=unit_name if unit_name is not None else (settings.unit_name or ""),
        limits=settings.limits, policy=settings.policy, use_decisions=settings.use_decisions and not no_decisions,
    )
    result = run_job(p, [inbox], Path(out), run_settings, progress=_progress_printer())
    keep_to_the_end(result)
    if as_json:
        echo_json(result.to_json())
        for warning in result.warnings:
            click.echo(f"提醒：{warning}", err=True)
    else:
        _echo_run(result)
    click.get_current_context().exit(result.exit_code)


def _echo_counts(batch: Any) -> None:
    c = batch.counts
    files = batch.stats.files
    click.echo(f"文件：{sum(files.values())} 个（读取 {files['ok']}，无法读取 {files['error']}，跳过 {files['skipped']}）")
    refused = len(batch.rejected_projects)
    if batch.stats.projects == c["accepted"] and refused == c["rejected"]:  # a row is a project
        click.echo(f"项目：读取 {c['rows_read']} 个 → 入汇总表 {c['accepted']}、未通过 {c['rejected']}、"
                   f"重复合并 {c['duplicates_merged']}；疑似重复 {c['suspected_duplicates']} 对待确认")
    else:  # a project came as several papers (申报书, 绩效目标, a 汇总表 row)
        click.echo(f"材料：读取 {c['rows_read']} 份 → 通过 {c['accepted']}、未通过 {c['rejected']}、"
                   f"重复合并 {c['duplicates_merged']}（同一项目的几份材料结论相同）")
        click.echo(f"项目：入汇总表 {batch.stats.projects} 个、未通过 {refused} 个；"
                   f"疑似重复 {c['suspected_duplicates']} 对待确认")
    key = batch.pack.total_key
    total = batch.stats.totals.get(key) if key else None
    if total is not None:
        title = batch.annex.field(key).title
        yi = f"（{total / 10000:,.2f} 亿元）" if batch.pack.unit == "万元" and total >= 10000 else ""
        click.echo(f"{title}：{total:,.2f} {batch.pack.unit}{yi}")
    if batch.stats.not_reported:
        click.echo(f"未报送：{'、'.join(batch.stats.not_reported)}（应报送单位：{batch.stats.expected_basis}）")
    elif not batch.stats.expected_units and batch.stats.expected_basis:
        click.echo(f"应报送单位：{batch.stats.expected_basis}")


def _echo_run(result: Any) -> None:
    """The details first (files not read, changes, reminders), then the five closing lines."""
    from toolkit.run.outcome import closing_lines

    batch = result.batch
    click.echo(f"申报包：{batch.pack.title}（{batch.pack.id} {batch.pack.version}）")
    for f in batch.ingested.files:
        if f.status == "error":
            click.echo(f"无法读取：{f.path} —— {f.message}")
    if batch.changes is not None:
        ch = batch.changes
        click.echo(f"与上期相比：新增 {ch.count('新增')}、变更 {ch.count('变更')}、撤销 {ch.count('撤销')}（见 本期变化.xlsx）")
    for warning in result.warnings:
        click.echo(f"提醒：{warning}")
    click.echo("")
    for line in closing_lines(result):
        click.echo(line)


@cli.command("schema", context_settings=CONTEXT)
@pack_argument
@click.argument("annex", metavar="ANNEX", required=False)
@_help_option
def schema_cmd(pack: str, annex: str | None) -> None:
    """输出某个附件记录的 JSON Schema（供其他系统对接）。

    \b
    示例：
      shenbao schema jl-761-2020 projects
    """
    import json

    from toolkit.packs.loader import load_pack
    from toolkit.packs.schemas import annex_schema

    p = load_pack(pack)
    data_annexes = p.data_annexes
    if annex is None:
        if len(data_annexes) != 1:
            ids = "、".join(a.id for a in data_annexes)
            raise ShenbaoError(f"申报包 {p.id} 有多个表格附件，请指定其中一个：{ids}")
        chosen = data_annexes[0]
    else:
        try:
            chosen = p.annex(annex)
        except KeyError:
            ids = "、".join(a.id for a in data_annexes)
            raise ShenbaoError(f"申报包 {p.id} 中没有附件“{annex}”，可选：{ids}") from None
    click.echo(json.dumps(annex_schema(p, chosen), ensure_ascii=False, indent=2))


def _param_name(param: click.Parameter | None) -> str:
    """How the clerk wrote (or should write) a parameter: `-o/--out`, or an argument's PACK."""
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name


def _usage_message(exc: click.UsageError) -> str:
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}"
    if isinstance(exc, click.MissingParameter):
        return f"缺少 {_param_name(exc.param)}"
    if isinstance(exc, click.BadParameter):
        return f"{_param_name(exc.param)} 的取值无效：{exc.message}"
    if "No such command" in exc.message:
        return exc.message.replace("No such command", "没有这个命令")
    return exc.message


_kept: list[Any] = []  # what the console process ends with, still alive (`keep_to_the_end`)
_console = False  # set by `main`: this process ends when the command does


def keep_to_the_end(obj: Any) -> None:
    """Under the console entry, `obj` (a batch: hundreds of thousands of records, values and
    findings) is left alive until the process ends, instead of being freed one object at a time
    when the command returns (0.1 s at 1,000 files) for memory nobody will use. In any other
    caller (CliRunner, Python code) nothing is kept."""
    if _console:
        _kept.append(obj)


def main() -> NoReturn:
    """Console entry point (`shenbao`, `python -m toolkit`).

    When the command is done the process ends at once, with its exit code: every output is
    written, closed and moved into place by then, and tearing the interpreter down (each module,
    each of a batch's hundreds of thousands of objects) would add 0.07 s to a run of 100 files
    and 0.15 s to one of 3,000, for nothing a clerk sees."""
    global _console
    _console = not reference("exit")  # SHENBAO_REFERENCE=exit: the interpreter's own exit (toolkit/seams.py)
    code = cli.main(prog_name="shenbao", standalone_mode=False)
    code = code if isinstance(code, int) else EXIT_OK
    if not _console:
        sys.exit(code)
    end_process(code)


def end_process(code: int) -> NoReturn:
    """What the command printed is flushed, then the process exits without the interpreter's
    teardown. Only for the console entry: `cli` itself (CliRunner, callers in Python) returns."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`shenbao run … --json | head -1`)
            pass
    os._exit(code)
