"""The 规则 and 汇总表 sheets name fields as a person does: by Chinese title or by key.

Rules written with `[字段名称]` are translated to CEL (rules_zh); 相关字段, 分组字段, 对应字段 and the
汇总表's columns may give a title instead of a key; `{总投资}` in a 提示语 becomes `{total_investment}`.
A name that is neither is a finding at its cell, with the nearest titles offered.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from toolkit.packs.rules_zh import RuleError, find_field, is_chinese_form, translate
from toolkit.packs.workbook_compiled import Compiled, JsonPath, at, did_you_mean
from toolkit.packs.workbook_layout import RULE_SHEET, SUMMARY_SHEET

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class Reader(Protocol):
    """What these functions need of workbook_read's Reader, which calls them: the workbook read so
    far, each annex's fields, and an annex named as a person names it (a finding when unknown)."""

    out: Compiled
    fields: dict[str, list[dict[str, Any]]]

    def annex_id(self, text: str, sheet: str, cell: str) -> str | None: ...


def _fields_of(reader: Reader, annex: Any) -> list[dict[str, Any]]:
    first = annex if isinstance(annex, str) else (annex[0] if annex else "")
    return reader.fields.get(str(first), [])


def _key(reader: Reader, fields: list[dict[str, Any]], name: Any, where: tuple[str, str],
         extra: tuple[str, ...] = ()) -> Any:
    if not isinstance(name, str) or name in extra or any(f.get("key") == name for f in fields):
        return name
    try:
        return find_field(name, fields)["key"]
    except RuleError:
        names = [str(f.get("title")) for f in fields] + [str(f.get("key")) for f in fields]
        reader.out.error(*where, f"没有名为“{name}”的字段{did_you_mean(name, names)}", code="unknown-field")
        return name


def rule_object(reader: Reader, rule: dict[str, Any], path: JsonPath) -> dict[str, Any]:
    where = reader.out.where
    sheet = RULE_SHEET.name
    annex = rule.get("annex")
    if isinstance(annex, str):
        rule["annex"] = reader.annex_id(annex, *where[at(path, "annex")]) or annex
    elif isinstance(annex, list):
        rule["annex"] = [reader.annex_id(a, *where[at(path, "annex")]) or a if isinstance(a, str) else a
                         for a in annex]
    if isinstance(rule.get("companion"), str):
        rule["companion"] = reader.annex_id(rule["companion"], *where[at(path, "companion")]) or rule["companion"]
    fields = _fields_of(reader, rule.get("annex"))
    for part in ("when", "check"):
        rule[part] = _expression(reader, rule.get(part), fields, where.get((*path, part), (sheet, "A1")))
        if rule[part] is None:
            del rule[part]
    if isinstance(rule.get("values"), dict):
        cell = where.get((*path, "values"), (sheet, "A1"))
        rule["values"] = {k: _expression(reader, v, fields, cell) for k, v in rule["values"].items()}
    for member in ("field", "group_by"):
        if member in rule:
            rule[member] = _key(reader, fields, rule[member], where[at(path, member)])
    if isinstance(rule.get("match_on"), dict):
        other = reader.fields.get(str(rule.get("companion")), [])
        cell = where[at(path, "match_on")]
        rule["match_on"] = {_key(reader, fields, k, cell): _key(reader, other, v, cell)
                            for k, v in rule["match_on"].items()}
    if isinstance(rule.get("message"), str):
        rule["message"] = _message(rule["message"], fields, set(rule.get("values", {})))
    return rule


def _expression(reader: Reader, source: Any, fields: list[dict[str, Any]], where: tuple[str, str]) -> Any:
    if not isinstance(source, str) or not is_chinese_form(source):
        return source
    try:
        return translate(source, fields)
    except RuleError as exc:
        reader.out.error(*where, f"规则“{source}”：{exc}", code="bad-expression")
        return source


def _message(text: str, fields: list[dict[str, Any]], values: set[str]) -> str:
    def key(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values or any(f.get("key") == name for f in fields):
            return match.group(0)
        try:
            return "{" + str(find_field(name, fields)["key"]) + "}"
        except RuleError:
            return match.group(0)  # pack-check names the unknown placeholder

    return _PLACEHOLDER.sub(key, text)


def routing_key(reader: Reader, raw: dict[str, Any]) -> None:
    """基本信息's 归口字段 may name the field by its title."""
    routing = raw.get("routing")
    if isinstance(routing, dict) and isinstance(routing.get("field"), str):
        fields = [f for fs in reader.fields.values() for f in fs]
        routing["field"] = _key(reader, fields, routing["field"], reader.out.where[("routing", "field")])


def summary_keys(reader: Reader, summary: dict[str, Any]) -> None:
    where = reader.out.where
    if isinstance(summary.get("annex"), str):
        summary["annex"] = reader.annex_id(summary["annex"], *where[("summary", "annex")]) or summary["annex"]
    fields = reader.fields.get(str(summary.get("annex")), [])
    extra = ("reporting_unit", "route")
    for member in ("columns", "group_by", "sum_fields"):
        if isinstance(summary.get(member), list):
            cell = where.get(("summary", member), (SUMMARY_SHEET.name, "B2"))
            summary[member] = [_key(reader, fields, k, cell, extra) for k in summary[member]]
    if isinstance(summary.get("split_by"), str):
        summary["split_by"] = _key(reader, fields, summary["split_by"], where[("summary", "split_by")], extra)
