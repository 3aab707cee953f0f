"""What changed between two published versions of a pack, for the notice that goes out with a
corrected template: fields added, removed or renamed, units, requirement and choices changed."""

from __future__ import annotations

from toolkit.packs.loader import history_versions, load_history, version_key
from toolkit.packs.model import Annex, Criterion, Field, Pack


def diff_fields(old: Annex, new: Annex) -> list[str]:
    lines: list[str] = []
    old_by_key = {f.key: f for f in old.fields}
    new_by_key = {f.key: f for f in new.fields}
    for key, f in new_by_key.items():
        if key not in old_by_key:
            need = "（必填）" if f.required else ""
            lines.append(f"新增列“{f.header}”{need}")
    for key, f in old_by_key.items():
        if key not in new_by_key:
            lines.append(f"删除列“{f.header}”")
    for key in new_by_key.keys() & old_by_key.keys():
        lines.extend(_diff_field(old_by_key[key], new_by_key[key]))
    old_order = [k for k in old_by_key if k in new_by_key]
    new_order = [k for k in new_by_key if k in old_by_key]
    if old_order != new_order:
        lines.append("列的顺序有调整，请使用新模板")
    return lines


def _diff_field(old: Field, new: Field) -> list[str]:
    out: list[str] = []
    if old.title != new.title:
        out.append(f"列“{old.title}”改名为“{new.title}”")
    if old.unit != new.unit:
        out.append(f"“{new.title}”的单位由{old.unit or '无'}改为{new.unit or '无'}")
    if old.type != new.type:
        out.append(f"“{new.title}”的填写类型有变化")
    if old.required != new.required:
        out.append(f"“{new.title}”改为{'必填' if new.required else '选填'}")
    added = [c for c in new.choice_values if c not in old.choice_values]
    removed = [c for c in old.choice_values if c not in new.choice_values]
    if added or removed:
        parts = []
        if added:
            parts.append(f"增加“{'”“'.join(added)}”")
        if removed:
            parts.append(f"去掉“{'”“'.join(removed)}”")
        out.append(f"“{new.title}”的可选项{'，'.join(parts)}")
    if old.format != new.format:
        out.append(f"“{new.title}”的格式要求有变化")
    return out


def diff_packs(old: Pack, new: Pack) -> list[str]:
    lines: list[str] = []
    old_annexes = {a.id: a for a in old.annexes}
    for annex in new.annexes:
        prior = old_annexes.get(annex.id)
        label = f"{annex.number} {annex.title}".strip()
        if prior is None:
            lines.append(f"{label}：新增附件")
            continue
        lines.extend(f"{label}：{line}" for line in diff_fields(prior, annex))
    for annex_id, annex in old_annexes.items():
        if annex_id not in {a.id for a in new.annexes}:
            lines.append(f"{annex.number} {annex.title}：删除该附件")
    old_rules = {c.id: c for c in old.criteria}
    for rule in {c.id: c for c in new.criteria}.values():  # a rule on two annexes is one rule
        before = old_rules.get(rule.id)
        name = rule.title or rule.id
        if before is None:
            lines.append(f"新增审核规则“{name}”（{rule.clause}）")
        else:
            lines.extend(f"审核规则“{name}”（{rule.clause}）{change}" for change in _diff_rule(before, rule))
    for rule_id, rule in old_rules.items():
        if rule_id not in {c.id for c in new.criteria}:
            lines.append(f"取消审核规则“{rule.title or rule_id}”（{rule.clause}）")
    return lines


SEVERITY_WORDS = {"error": "不符合即不予入库", "warning": "只作提醒"}


def _diff_rule(old: Criterion, new: Criterion) -> list[str]:
    """What changed in one rule, each in words a clerk can check against the corrected notice."""
    out: list[str] = []
    if old.severity != new.severity:
        out.append(f"由“{SEVERITY_WORDS[old.severity]}”改为“{SEVERITY_WORDS[new.severity]}”")
    if old.when != new.when:
        out.append(f"适用范围由“{old.when or '全部项目'}”改为“{new.when or '全部项目'}”")
    if old.check != new.check:
        out.append(f"判断条件由“{old.check}”改为“{new.check}”")
    if (old.kind, old.group_by, old.max_count) != (new.kind, new.group_by, new.max_count) and new.max_count:
        out.append(f"数量上限由 {old.max_count} 改为 {new.max_count}")
    if old.message != new.message:
        out.append(f"不符合时的说明改为“{new.message}”")
    return out


def changes_since(pack: Pack, version: str) -> str:
    """A Chinese text for the clerks: the changelog since `version` and the computed differences."""
    old = load_history(pack, version)
    notes = [e for e in pack.changelog if version_key(e.version) > version_key(version)]
    lines = [f"{pack.title}（{pack.id}）模板 {version} → {pack.version} 的变化", ""]
    if notes:
        lines.append("修订说明：")
        for entry in notes:
            lines.extend(f"  [{entry.version}，{entry.date}] {c}" for c in entry.changes)
        lines.append("")
    diffs = diff_packs(old, pack)
    lines.append("字段与规则的变化：" if diffs else "字段与规则没有变化。")
    lines.extend(f"  {i}. {d}" for i, d in enumerate(diffs, 1))
    return "\n".join(lines) + "\n"


__all__ = ["changes_since", "diff_fields", "diff_packs", "history_versions"]
