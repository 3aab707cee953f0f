"""pack-check: lint a campaign pack a provincial officer wrote, in Chinese (check_raw, on
pack.json data; loader.check_pack_dir reads the folder or workbook it is given).

First the shape (the pack meta-schema, every error not just the first), then the sense: every
criterion compiles and names declared fields, every choice list has choices, every layout names
declared fields, keys and aliases are unambiguous; then every row rule is run on example records
(toolkit/packs/rulecheck.py).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from toolkit.findings import Finding
from toolkit.packs.build import build_pack, criterion_annexes
from toolkit.packs.source import PACK_FILE, meta_schema

VALUE_TYPES_WITH_UNIT = ("number", "integer")
# Errors that concern one rule's expressions or message, not the pack's structure: the other rules
# are still run on example records (toolkit/packs/rulecheck.py).
_A_RULES_OWN = frozenset({"pack.bad-expression", "pack.unknown-function", "pack.unsupported-expression",
                          "pack.unknown-field", "pack.unknown-placeholder", "pack.no-check"})
SUMMARY_EXTRA_COLUMNS = ("route", "reporting_unit")


def _path_text(path: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "（顶层）"


def check_raw(raw: dict[str, Any], pack_dir: Path | None) -> list[Finding]:
    file = str(pack_dir / PACK_FILE) if pack_dir else PACK_FILE
    findings: list[Finding] = []

    def add(code: str, message: str, field: str | None = None, severity: str = "error") -> None:
        findings.append(Finding(f"pack.{code}", severity, message, file=file, field=field))  # type: ignore[arg-type]

    validator = Draft202012Validator(meta_schema())
    shape_errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.path)))
    for err in shape_errors:
        add("shape", f"{_path_text(err.absolute_path)}：{_schema_message(err)}")
    if shape_errors:
        return findings  # the sense checks below trust the shape

    lists: dict[str, list[Any]] = raw.get("choice_lists", {})
    for name, items in lists.items():
        if not items:
            add("empty-choices", f"可选项列表“{name}”是空的，至少要有一个选项")
    annexes = raw["annexes"]
    for dup in _dups(a["id"] for a in annexes):
        add("duplicate-annex", f"附件编号“{dup}”重复")
    fields_by_annex: dict[str, dict[str, dict[str, Any]]] = {}
    for annex in annexes:
        fields_by_annex[annex["id"]] = _check_annex(annex, lists, add)

    for dup in _dups(c["id"] for c in raw["criteria"]):
        add("duplicate-criterion", f"规则编号“{dup}”重复")
    identities = raw.get("identities", {})
    for list_id, spec in identities.items():
        for name in spec["names"]:
            if set(re.findall(r"\{[^{}]*\}", name)) - {"{地名}"}:
                add("bad-identity", f"名单“{list_id}”中的“{name}”含有不认识的占位符；只能用 {{地名}} 代表市、县名称")
    plausible = raw.get("plausibility", {})
    number_fields = {k for fs in fields_by_annex.values() for k, f in fs.items() if f["type"] in ("number", "integer")}
    for key in plausible.get("fields", []):
        if key not in number_fields:
            add("unknown-field", f"plausibility.fields 中的“{key}”不是已声明的数值字段", field=key)
    before_criteria = len(findings)
    unsound: set[str] = set()  # rules with an error of their own: not run below
    for crit in raw["criteria"]:
        for annex_id in criterion_annexes(crit):
            errors = sum(f.is_error for f in findings)
            _check_criterion({**crit, "annex": annex_id}, fields_by_annex, add, identities)
            if sum(f.is_error for f in findings) > errors:
                unsound.add(crit["id"])
    sound_apart_from_rules = not any(f.is_error for f in findings[:before_criteria])

    routing = raw.get("routing")
    if routing:
        found = [f for fs in fields_by_annex.values() for k, f in fs.items() if k == routing["field"]]
        if not found:
            add("unknown-field", f"routing.field 指向未声明的字段“{routing['field']}”")
        else:
            choices = found[0].get("choices")
            items = lists.get(choices, []) if isinstance(choices, str) else choices or []
            missing = [c if isinstance(c, str) else c["value"] for c in items
                       if isinstance(c, str) or not c.get("route")]
            if missing:
                add("missing-route", f"字段“{routing['field']}”的选项缺少 route（归口部门）：{'、'.join(missing)}")

    summary = raw.get("summary")
    if summary:
        _check_summary(summary, fields_by_annex, bool(routing), add)
    _check_summary_annex(annexes, summary, add)

    if sound_apart_from_rules and all(f.code in _A_RULES_OWN for f in findings[before_criteria:] if f.is_error):
        # The rules run on records only of a sound pack (annexes, fields, lists); a rule with an
        # error of its own is not run, the others are, so one pass reports every rule's problem.
        from toolkit.packs.rulecheck import check_rules

        check_rules(build_pack(raw, pack_dir), add, skip=unsound)

    versions = [e["version"] for e in raw["changelog"]]
    if raw["version"] not in versions:
        add("changelog", f"changelog 中没有当前版本 {raw['version']} 的说明")
    if pack_dir is not None and (pack_dir / "history").is_dir():
        for snap in (pack_dir / "history").glob("*.json"):
            if snap.stem not in versions:
                add("changelog", f"历史版本 {snap.stem} 在 changelog 中没有说明", severity="warning")
    return findings


def _schema_message(err: Any) -> str:
    kind = err.validator
    if kind == "required":
        missing = [p for p in err.validator_value if p not in (err.instance or {})]
        return f"缺少必填项 {'、'.join(missing)}"
    if kind == "additionalProperties":
        return f"有不认识的项（可能拼写错误）：{err.message.split('(')[-1].rstrip(')')}"
    if kind == "enum":
        return f"取值 {err.instance!r} 不在允许的范围内：{'、'.join(map(str, err.validator_value))}"
    if kind == "type":
        return f"类型不对，应为 {err.validator_value}，现为 {type(err.instance).__name__}"
    if kind == "pattern":
        return f"取值 {err.instance!r} 格式不对（应符合 {err.validator_value}）"
    if kind == "minItems":
        return "至少需要一项"
    return err.message


def _dups(values: Any) -> list[str]:
    return [v for v, n in Counter(values).items() if n > 1]


def _check_roles(annex: dict[str, Any], where: str, add: Any) -> None:
    """At most one field per role; a data annex without a project_name role loses 查重 and the
    linking of forms to table rows, which the author should know."""
    from toolkit.packs.model import ROLES

    fields = annex.get("fields", [])
    for dup in _dups(f["role"] for f in fields if f.get("role")):
        keys = "、".join(f["key"] for f in fields if f.get("role") == dup)
        add("duplicate-role", f"{where} 有多个字段的 role 都是“{dup}”（{keys}），每个用途只能指定一个字段", field=dup)
    if annex["kind"] in ("table", "form") and fields:
        have = {f.get("role") for f in fields}
        for role in ("project_name",):
            if role not in have:
                add("missing-role", f"{where} 没有字段标明 \"role\": \"{role}\"（{ROLES[role]}）："
                    "不标明时，这个附件的项目不参与查重和表单对应", severity="warning")


def _check_annex(annex: dict[str, Any], lists: dict[str, Any], add: Any) -> dict[str, dict[str, Any]]:
    aid = annex["id"]
    fields = annex.get("fields", [])
    where = f"附件 {annex['number']}（{aid}）"
    if annex["kind"] in ("table", "form") and not fields:
        add("no-fields", f"{where} 是表格/表单，但没有声明任何字段")
    if annex["kind"] == "document" and not annex.get("paragraphs"):
        add("no-paragraphs", f"{where} 是 Word 文档，但没有 paragraphs 正文")
    if annex.get("required") and annex["kind"] != "document":
        add("misplaced", f"{where} 的 required 只适用于 Word 文档附件（每个项目须报送的材料）；表格、表单的必填在字段上写")
    for dup in _dups(f["key"] for f in fields):
        add("duplicate-field", f"{where} 字段 key“{dup}”重复", field=dup)
    _check_roles(annex, where, add)
    names: Counter[str] = Counter()
    from toolkit.textnorm import header_key

    for f in fields:
        _check_field(f, lists, where, add)
        for name in {header_key(n) for n in (f["title"], *f.get("aliases", []))}:
            names[name] += 1
    for name, n in names.items():
        if n > 1:
            add("ambiguous-alias", f"{where} 有 {n} 个字段的标题或别名规范化后都是“{name}”，读取时无法区分")
    by_key = {f["key"]: f for f in fields}
    for section in annex.get("sections", []):
        keys = list(section.get("fields", [])) + [k for r in section.get("rows", []) for k in r["fields"]]
        for key in keys:
            if key not in by_key:
                add("unknown-field", f"{where} 版式“{section['title']}”引用了未声明的字段“{key}”", field=key)
    if annex["kind"] == "form" and annex.get("sections"):
        placed = {k for s in annex["sections"] for k in s.get("fields", [])}
        placed |= {k for s in annex["sections"] for r in s.get("rows", []) for k in r["fields"]}
        for key in by_key.keys() - placed:
            add("unplaced-field", f"{where} 字段“{key}”没有出现在任何版式段落中", field=key, severity="warning")
    if "word_form" in annex:
        _check_word_form(annex["word_form"], annex["kind"], by_key, where, add)
    return by_key


def _check_word_form(word: dict[str, Any], kind: str, by_key: dict[str, Any], where: str, add: Any) -> None:
    """`word_form` names fields of this annex only, and only a form is read from Word."""
    if kind != "form":
        add("word-form-kind", f"{where} 不是表单（form），不能声明 word_form")
    for key in word.get("not_asked", {}):
        if key not in by_key:
            add("unknown-field", f"{where} word_form.not_asked 引用了未声明的字段“{key}”", field=key)
    for span in word.get("spans", []):
        for key in span["fields"]:
            if key not in by_key:
                add("unknown-field", f"{where} word_form.spans“{span['label']}”引用了未声明的字段“{key}”", field=key)
            elif key in word.get("not_asked", {}):
                add("word-form-conflict", f"{where} 字段“{key}”既在 word_form.spans 中又在 not_asked 中", field=key)


def _check_field(f: dict[str, Any], lists: dict[str, Any], where: str, add: Any) -> None:
    key, ftype = f["key"], f["type"]
    label = f"{where} 字段“{f['title']}”（{key}）"
    if ftype in ("choice", "multichoice"):
        choices = f.get("choices")
        if choices is None:
            add("empty-choices", f"{label} 是选择项，但没有 choices", field=key)
        elif isinstance(choices, str):
            if choices not in lists:
                add("unknown-choice-list", f"{label} 引用的可选项列表“{choices}”不存在", field=key)
        elif not choices:
            add("empty-choices", f"{label} 的可选项是空的", field=key)
        else:
            values = [c if isinstance(c, str) else c["value"] for c in choices]
            for dup in _dups(values):
                add("duplicate-choice", f"{label} 的可选项“{dup}”重复", field=key)
    elif "choices" in f:
        add("misplaced", f"{label} 不是选择项（type={ftype}），不应有 choices", field=key)
    if "unit" in f and ftype not in VALUE_TYPES_WITH_UNIT:
        add("misplaced", f"{label} 不是数值，不应有 unit", field=key)
    if "format" in f and ftype != "text":
        add("misplaced", f"{label} 的 format 只适用于 text 类型", field=key)
    if "precision" in f and ftype != "date":
        add("misplaced", f"{label} 的 precision 只适用于 date 类型", field=key)
    if ftype == "list":
        if not f.get("items"):
            add("no-fields", f"{label} 是列表，但没有 items", field=key)
        for item in f.get("items", []):
            _check_field(item, lists, where, add)
    if "minimum" in f and "maximum" in f and f["minimum"] > f["maximum"]:
        add("range", f"{label} 的 minimum 大于 maximum", field=key)


_LIST_ARG = re.compile(r"\b(?:listed|list_title)\(\s*'([^']*)'")


def _check_criterion(crit: dict[str, Any], fields_by_annex: dict[str, dict[str, Any]], add: Any,
                     identities: dict[str, Any] | None = None) -> None:
    from toolkit.expression.evaluate import Unsupported
    from toolkit.expression.syntax import SyntaxProblem
    from toolkit.packs.criteria import (
        EXTRA_VARIABLES,
        cel_syntax_problem,
        compile_expression,
        placeholders,
    )
    from toolkit.packs.identities import named_lists, pack_functions

    identities = identities or {}
    functions = pack_functions(named_lists(identities))  # listed(), list_title(): the pack's own

    cid = crit["id"]
    label = f"规则“{cid}”（{crit['clause']}）"
    fields = fields_by_annex.get(crit["annex"])
    if fields is None:
        add("unknown-annex", f"{label} 指向不存在的附件“{crit['annex']}”")
        return
    kind = crit.get("kind", "row")
    if crit.get("field") and crit["field"] not in fields:
        add("unknown-field", f"{label} 的 field 指向未声明的字段“{crit['field']}”", field=crit["field"])
    if kind == "group":
        if not crit.get("group_by") or not crit.get("max_count"):
            add("group-rule", f"{label} 是分组计数规则，需要 group_by 和 max_count")
        elif crit["group_by"] not in fields:
            add("unknown-field", f"{label} 的 group_by 指向未声明的字段“{crit['group_by']}”")
        if "counts" not in crit:
            add("group-counts", f"{label} 是分组计数规则，请写明 counts：all（申报的项目都计数）或 passing"
                "（只计符合其他条件的项目，如“推荐项目不超过3个”）", severity="warning")
    elif crit.get("counts"):
        add("group-counts", f"{label} 不是分组计数规则（kind: group），counts 不适用")
    elif kind == "companion":
        other = fields_by_annex.get(crit.get("companion") or "")
        if other is None or not crit.get("match_on"):
            add("companion-rule", f"{label} 是配套材料规则，需要 companion（已声明的附件）和 match_on")
        else:
            for own, theirs in crit["match_on"].items():
                if own not in fields:
                    add("unknown-field", f"{label} 的 match_on 指向未声明的字段“{own}”", field=own)
                if theirs not in other:
                    add("unknown-field", f"{label} 的 match_on 指向附件“{crit['companion']}”中未声明的字段“{theirs}”",
                        field=theirs)
    elif not crit.get("check"):
        add("no-check", f"{label} 没有 check 表达式")
    known_vars = set(fields) | set(EXTRA_VARIABLES)
    expressions = {"when": crit.get("when"), "check": crit.get("check")}
    expressions.update({f"values.{k}": v for k, v in crit.get("values", {}).items()})
    for part, source in expressions.items():
        if not source:
            continue
        problem = cel_syntax_problem(source)  # the reference implementation: a pack stays plain CEL
        if problem is not None:
            add("bad-expression", f"{label} 的 {part} 表达式无法解析：{problem}")
            continue
        try:
            expression = compile_expression(source, functions)
        except Unsupported as exc:
            add("unknown-function", f"{label} 的 {part} 表达式 {source}：{exc}")
            continue
        except SyntaxProblem as exc:
            add("unsupported-expression", f"{label} 的 {part} 表达式 {source} 用到了本工具不能计算的写法：{exc}")
            continue
        for var in sorted(expression.variables - known_vars):
            add("unknown-field", f"{label} 的 {part} 引用了未声明的字段“{var}”", field=var)
        for list_id in sorted(set(_LIST_ARG.findall(source)) - set(identities)):
            add("unknown-list", f"{label} 的 {part} 引用了未声明的名单“{list_id}”（identities 中应有此项）")
    allowed = set(fields) | set(crit.get("values", {})) | {"group_count", "max_count", "group_value"}
    for name in placeholders(crit["message"]):
        if name not in allowed:
            add("unknown-placeholder", f"{label} 的提示语中的 {{{name}}} 既不是字段也不是 values 中的值")


def _check_summary_annex(annexes: list[dict[str, Any]], summary: dict[str, Any] | None, add: Any) -> None:
    """The annex declared as what the reporting level sends up (role summary): one, the table the
    汇总表 is made of, with a number to print on it."""
    declared = [a for a in annexes if a.get("role") == "summary"]
    if len(declared) > 1:
        add("summary-annex", f"有 {len(declared)} 个附件的用途是“汇总”（{'、'.join(a['id'] for a in declared)}），只能有一个")
    for annex in declared:
        where = f"附件 {annex['number']}（{annex['id']}）"
        if not summary:
            add("summary-annex", f"{where} 的用途是“汇总”，但申报包没有 summary（汇总表的版式）")
        elif summary["annex"] != annex["id"]:
            add("summary-annex", f"{where} 的用途是“汇总”，但汇总表汇总的是附件“{summary['annex']}”；"
                f"请把 summary.annex 写成“{annex['id']}”，各县表格、表单的行用 summary.from_forms 对应过来")
        if annex["kind"] != "table":
            add("summary-annex", f"{where} 的用途是“汇总”，应为表格（kind table）")
        if not annex["number"].strip():
            add("summary-annex", f"{where} 的用途是“汇总”，但没有附件编号，汇总表和报送函无从标注", severity="warning")


def _check_summary(summary: dict[str, Any], fields_by_annex: dict[str, Any], routed: bool, add: Any) -> None:
    fields = fields_by_annex.get(summary["annex"])
    if fields is None:
        add("unknown-annex", f"summary 指向不存在的附件“{summary['annex']}”")
        return
    extra = set(SUMMARY_EXTRA_COLUMNS) if routed else {"reporting_unit"}
    for part in ("columns", "group_by", "sum_fields"):
        for key in summary.get(part, []):
            if key not in fields and key not in extra:
                add("unknown-field", f"summary.{part} 引用了未声明的字段“{key}”", field=key)
    for key in summary.get("sum_fields", []):
        if key in fields and fields[key]["type"] not in VALUE_TYPES_WITH_UNIT:
            add("sum-not-numeric", f"summary.sum_fields 中的“{key}”不是数值字段，不能合计", field=key)
    split = summary.get("split_by")
    if split and split not in fields and split not in extra:
        add("unknown-field", f"summary.split_by 引用了未声明的字段“{split}”", field=split)
    for source in summary.get("from_forms", []):
        form = fields_by_annex.get(source["annex"])
        if form is None:
            add("unknown-annex", f"summary.from_forms 指向不存在的附件“{source['annex']}”")
            continue
        for target, taken in source["fields"].items():
            if target not in fields:
                add("unknown-field", f"summary.from_forms 写入汇总表未声明的字段“{target}”", field=target)
            if taken not in form:
                add("unknown-field", f"summary.from_forms 取自附件“{source['annex']}”未声明的字段“{taken}”", field=taken)
