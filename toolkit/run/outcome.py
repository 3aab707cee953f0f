"""What a run comes to, in five lines a clerk reads at the end of `shenbao run`: what was read,
what passed, what needs the clerk's eye, where the outputs are, and the exit status in words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.errors import EXIT_FINDINGS, EXIT_OK
from toolkit.merge.divisions import UNCHECKED

EXIT_WORDS = {
    EXIT_OK: "全部通过，可以报送",
    EXIT_FINDINGS: "已完成，但有未通过的项目或无法读取的文件：请先看 校验报告.xlsx，把 退回修改/ 中的文件发回各单位",
}


def closing_lines(result: Any) -> list[str]:
    """Five lines for a finished run (`toolkit.run.job.RunResult`)."""
    batch = result.batch
    c = batch.counts
    files = batch.ingested.files
    ok = sum(f.status == "ok" for f in files)
    skipped = sum(f.status == "skipped" for f in files)
    unreadable = [f for f in files if f.status == "error"]
    # Where a project came as several papers (申报书, 绩效目标, a 汇总表 row), rows are papers: the
    # result speaks of projects.
    accepted, rejected = batch.stats.projects, len(batch.rejected_projects)
    papers = (accepted, rejected) != (c["accepted"], c["rejected"])
    read = f"读取：{len(files)} 个文件（{ok} 个已读取" + (f"，{skipped} 个跳过" if skipped else "") + \
        (f"，{len(unreadable)} 个无法读取" if unreadable else "") + \
        (f"），共 {c['rows_read']} 份材料" if papers else f"），共 {c['rows_read']} 个项目")
    passed = f"结果：{accepted} 个项目入汇总表{_total(batch)}"
    if rejected:
        passed += f"；{rejected} 个未通过（原因见 校验报告.xlsx）"
    if c["duplicates_merged"]:
        passed += f"；{c['duplicates_merged']} 个重复已合并"
    paths = [p for v in result.outputs.values() for p in (v if isinstance(v, list) else [v])]  # department summaries: a list
    names = "、".join(dict.fromkeys(Path(p).name + ("/" if Path(p).is_dir() else "") for p in paths))
    return [read, passed, _to_check(batch, unreadable), f"输出：{result.out_dir}（{names}）",
            f"结论：{EXIT_WORDS.get(result.exit_code, '未完成')}（退出码 {result.exit_code}）"]


def _total(batch: Any) -> str:
    key = batch.pack.total_key
    total = batch.stats.totals.get(key) if key else None
    if total is None:
        return ""
    yi = f"（{total / 10000:,.2f} 亿元）" if batch.pack.unit == "万元" and total >= 10000 else ""
    return f"，{batch.annex.field(key).title} {total:,.2f} {batch.pack.unit}{yi}"


def _to_check(batch: Any, unreadable: list[Any]) -> str:
    """What needs the clerk, most likely slip first: a figure that reads as another unit."""
    items = []
    doubtful = sum(f.code == "value.check" for f in batch.findings)
    if doubtful:
        items.append(f"{doubtful} 处数值可能填错（如按元填在万元栏），见校验报告")
    pairs = batch.counts["suspected_duplicates"]
    if pairs:
        items.append(f"疑似重复 {pairs} 对，请在 汇总表.xlsx 的“疑似重复”页填写 合并 或 保留")
    if unreadable:
        names = "、".join(f.path for f in unreadable[:3]) + ("等" if len(unreadable) > 3 else "")
        items.append(f"{len(unreadable)} 个文件无法读取（{names}）")
    stats = batch.stats
    if stats.not_reported:
        basis = f"（应报送单位：{stats.expected_basis}）" if stats.expected_basis else ""
        items.append(f"未报送：{'、'.join(stats.not_reported)}{basis}")
    elif not stats.expected_units and UNCHECKED in stats.expected_basis:
        items.append(stats.expected_basis)  # which level reports could not be known: say how to tell
    return "请核实：" + ("；".join(items) if items else "没有需要核实的事项")
