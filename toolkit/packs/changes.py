"""What changed between two published versions of a pack, for the notice that goes out with a
corrected template: fields added, removed or renamed, units, requirement and choices changed, and
each changed rule old -> new written as the pack workbook writes it (`[总投资] ≥ 500`), not as CEL."""

from __future__ import annotations

import re

from toolkit.errors import PackError
from toolkit.packs.loader import history_versions, load_history, version_key
from toolkit.packs.model import Annex, Criterion, Field, Pack

_TOKEN = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|&&|\|\||[<>=!]=|\S""")
_OPERATOR_WORDS = {"&&": "并且", "||": "或者", ">=": "≥", "<=": "≤", "==": "为", "!=": "不为", "!": "非"}
_LITERAL_WORDS = {"true": "是", "false": "否"}


def rule_in_words(source: str | None, fields: tuple[Field, ...]) -> str:
    """A rule's CEL as the pack workbook writes rules (toolkit/packs/rules_zh.py): fields by their
    titles in brackets, `并且`/`或者`, `已填`/`未填`, choices in Chinese quotes (‘大数据中心’, as they sit inside the “…” quoting the rule),
    `500` not `500.0`.
    What has no such form (a function call) stays as written."""
    if not source:
        return "全部项目"
    titles = {f.key: f.title for f in fields}
    tokens = _TOKEN.findall(source)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok in ("==", "!=") and following == "null":
            out.append("未填" if tok == "==" else "已填")
            i += 2
            continue
        if tok == "in" and following == "[":
            end = tokens.index("]", i) if "]" in tokens[i:] else len(tokens)
            items = [t for t in tokens[i + 2:end] if t != ","]
            out.append("是 " + " 或 ".join(_literal(t) for t in items))
            i = end + 1
            continue
        if tok in titles and following != "(" and (not out or out[-1] != "."):
            out.append(f"[{titles[tok]}]")
        elif tok in _OPERATOR_WORDS:
            out.append(_OPERATOR_WORDS[tok])
        else:
            out.append(_literal(tok))
        i += 1
    text = " ".join(out)
    text = re.sub(r" ?([(.]) ?", r"\1", text)  # f(x), x.matches(…): no spaces inside a call
    text = re.sub(r" ([),])", r"\1", text)
    return re.sub(r",(?=\S)", ", ", text).strip()


def _literal(tok: str) -> str:
    if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in "'\"":
        return f"‘{tok[1:-1]}’"  # inside the “…” that quotes the whole rule
    if re.fullmatch(r"\d+\.0+", tok):
        return tok.split(".")[0]
    return _LITERAL_WORDS.get(tok, tok)


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
    return lines + diff_rules(old, new)


def diff_rules(old: Pack, new: Pack, annex_id: str | None = None) -> list[str]:
    """Rules added, changed and removed, each a line; with `annex_id`, only the rules that are on
    that annex in either version."""
    ids = {c.id for c in (*old.criteria, *new.criteria) if annex_id is None or c.annex == annex_id}
    old_rules = {c.id: c for c in old.criteria if c.id in ids}  # a rule on two annexes is one rule
    new_rules = {c.id: c for c in new.criteria if c.id in ids}
    lines: list[str] = []
    for rule in new_rules.values():
        before = old_rules.get(rule.id)
        name = rule.title or rule.id
        if before is None:
            lines.append(f"新增审核规则“{name}”（{rule.clause}）")
        else:
            lines.extend(f"审核规则“{name}”（{rule.clause}）{change}"
                         for change in _diff_rule(before, rule, _fields(old, before.annex), _fields(new, rule.annex)))
    for rule_id, rule in old_rules.items():
        if rule_id not in new_rules:
            lines.append(f"取消审核规则“{rule.title or rule_id}”（{rule.clause}）")
    return lines


def _fields(pack: Pack, annex_id: str) -> tuple[Field, ...]:
    try:
        return pack.annex(annex_id).fields
    except KeyError:
        return ()


SEVERITY_WORDS = {"error": "不符合即不予入库", "warning": "只作提醒"}


def _diff_rule(old: Criterion, new: Criterion, old_fields: tuple[Field, ...] = (),
               new_fields: tuple[Field, ...] = ()) -> list[str]:
    """What changed in one rule, each in words a clerk can check against the corrected notice."""
    out: list[str] = []
    if old.severity != new.severity:
        out.append(f"由“{SEVERITY_WORDS[old.severity]}”改为“{SEVERITY_WORDS[new.severity]}”")
    if old.when != new.when:
        out.append(f"适用范围由“{rule_in_words(old.when, old_fields)}”改为“{rule_in_words(new.when, new_fields)}”")
    if old.check != new.check:
        out.append(f"判断条件由“{rule_in_words(old.check, old_fields)}”改为“{rule_in_words(new.check, new_fields)}”")
    if (old.kind, old.group_by, old.max_count) != (new.kind, new.group_by, new.max_count) and new.max_count:
        out.append(f"数量上限由 {old.max_count} 改为 {new.max_count}")
    if old.message != new.message:
        out.append(f"不符合时的说明改为“{new.message}”")
    return out


def previous_version(pack: Pack) -> str | None:
    """The newest published version before the current one, if the pack keeps its history."""
    earlier = [v for v in history_versions(pack) if version_key(v) < version_key(pack.version)]
    return earlier[-1] if earlier else None


def annex_changes_since(pack: Pack, annex_id: str, version: str) -> list[str] | None:
    """What changed for one annex since `version`: its columns and the rules on it, each a line;
    None when the pack keeps no such version (a pack workbook, a version never published)."""
    try:
        old = load_history(pack, version)
    except PackError:
        return None
    try:
        new_annex = pack.annex(annex_id)
    except KeyError:
        return None
    if annex_id in {a.id for a in old.annexes}:
        lines = diff_fields(old.annex(annex_id), new_annex)
    else:
        lines = [f"{new_annex.number} {new_annex.title}：新增附件".strip()]
    return lines + diff_rules(old, pack, annex_id)


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


__all__ = ["annex_changes_since", "changes_since", "diff_fields", "diff_packs", "diff_rules", "history_versions",
           "previous_version", "rule_in_words"]
