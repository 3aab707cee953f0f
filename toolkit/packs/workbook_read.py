"""Read a pack workbook's sheets back into pack.json data, cell by cell (see workbook.py); the
result is a Compiled (workbook_compiled.py). Names a person wrote in the 规则 and 汇总表 sheets are
resolved by workbook_rules."""

from __future__ import annotations

import re
from typing import Any

from openpyxl.utils import get_column_letter

from toolkit.packs.source import meta_schema
from toolkit.packs.workbook_compiled import Compiled, JsonPath, at, did_you_mean
from toolkit.packs.workbook_layout import (
    ANNEX_SHEET,
    BASIC_SHEET,
    CHANGELOG_SHEET,
    CHOICE_SHEET,
    DATA_ROW,
    EXAMPLE_MARK,
    FIELD_SHEET,
    HEADER_ROW,
    KV_HEADERS,
    LETTER_SHEET,
    OTHER,
    RULE_SHEET,
    SUMMARY_SHEET,
    CellError,
    Column,
    KeyValueSheet,
    TableSheet,
    cell_text,
    from_cell,
    label_of,
)
from toolkit.packs.workbook_rules import routing_key, rule_object, summary_keys
from toolkit.packs.workbook_style import enum_labels

Row = tuple[int, dict[str, tuple[Any, str, Column]]]  # excel row, member -> (value, cell, column)


class Reader:
    def __init__(self, book: Any, file: str) -> None:
        self.book = book
        self.out = Compiled(raw={}, file=file)
        self.fields: dict[str, list[dict[str, Any]]] = {}  # annex id -> its top-level fields

    # -------------------------------------------------------------- sheets as rows

    def _sheet(self, name: str, required: bool = True) -> Any:
        if name in self.book.sheetnames:
            return self.book[name]
        if required:
            self.out.error(name, "A1", f"工作簿中没有“{name}”工作表（可用 shenbao pack-new 生成空白申报包）",
                           code="workbook-sheet")
        return None

    def _table(self, sheet: TableSheet) -> list[Row]:
        ws = self._sheet(sheet.name)
        if ws is None:
            return []
        by_header = {c.header: c for c in sheet.columns}
        columns: dict[int, Column] = {}
        for idx, head in enumerate(next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True), ()),
                                   start=1):
            text = cell_text(head)
            if text is None:
                continue
            if text in by_header:
                columns[idx] = by_header[text]
            elif re.fullmatch(r"[a-z_][a-z0-9_]*", text):  # a member of pack.json by its own name
                columns[idx] = Column(text, text, "any")
            else:
                self.out.error(sheet.name, f"{get_column_letter(idx)}{HEADER_ROW}",
                               f"不认识的列“{text}”{did_you_mean(text, list(by_header))}")
        rows: list[Row] = []
        for r, values in enumerate(ws.iter_rows(min_row=DATA_ROW, values_only=True), start=DATA_ROW):
            if all(cell_text(v) is None for v in values):
                continue
            first = cell_text(values[0]) if values else None
            if first is not None and first.startswith(EXAMPLE_MARK + "："):
                self.out.error(sheet.name, f"A{r}", f"第{r}行是示例行，请按本次通知改写并去掉“{EXAMPLE_MARK}：”，"
                               "或删除这一行", code="example-row")
                continue
            row: dict[str, tuple[Any, str, Column]] = {}
            for idx, col in columns.items():
                value = values[idx - 1] if idx - 1 < len(values) else None
                row[col.member] = (value, f"{get_column_letter(idx)}{r}", col)
            rows.append((r, row))
        return rows

    def _kv(self, sheet: KeyValueSheet, required: bool = True) -> dict[str, tuple[Any, str, Column]]:
        ws = self._sheet(sheet.name, required)
        out: dict[str, tuple[Any, str, Column]] = {}
        if ws is None:
            return out
        by_label = {c.header: c for c in sheet.rows}
        by_member = {c.member: c for c in sheet.rows}
        for r, values in enumerate(ws.iter_rows(min_row=2, max_col=len(KV_HEADERS), values_only=True), start=2):
            label, value, _, key = (*values, None, None, None, None)[:4]
            label_text, key_text = cell_text(label), cell_text(key)
            if label_text is None and key_text is None:
                continue
            col = by_member.get(key_text or "") or by_label.get(label_text or "")
            if col is None and key_text:
                col = Column(key_text, key_text, "any")
            if col is None:
                self.out.error(sheet.name, f"A{r}", f"不认识的项“{label_text}”"
                               f"{did_you_mean(label_text or '', list(by_label))}")
                continue
            out[col.member] = (value, f"B{r}", col)
        return out

    def _value(self, sheet: str, cell: str, col: Column, value: Any) -> Any:
        codec = "text" if col.codec in ("choices", "rule") else col.codec
        try:
            result = from_cell(codec, value)
        except CellError as exc:
            self.out.error(sheet, cell, f"“{col.header}”{exc}")
            return None
        if col.header == OTHER and result is not None and not isinstance(result, dict):
            self.out.error(sheet, cell, f"“{OTHER}”应是 JSON 对象（{{...}}）")
            return None
        if result is not None and col.codec.startswith("enum:") and not self._allowed(col, result):
            labels = enum_labels(col)
            text = cell_text(value) or ""
            self.out.error(sheet, cell, f"“{col.header}”应从下拉列表中选择：{'、'.join(labels)}；现为“{text}”"
                           f"{did_you_mean(text, labels)}")
            return None
        return result

    @staticmethod
    def _allowed(col: Column, value: Any) -> bool:
        if col.codec == "enum:required":
            return isinstance(value, bool)
        if not col.enum_schema:
            return True
        labels = enum_labels(col)
        return value in labels or label_of(col.codec, value) in labels

    def _object(self, sheet: str, row: dict[str, tuple[Any, str, Column]], path: JsonPath,
                skip: tuple[str, ...] = ()) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        other: dict[str, Any] = {}
        for member, (value, cell, col) in row.items():
            self.out.where[at(path, member)] = (sheet, cell)
            self.out.labels[at(path, member)] = col.header
            if member in skip or member.startswith("@"):
                continue
            result = self._value(sheet, cell, col, value)
            if result is None:
                continue
            if col.header == OTHER:
                other = result
            else:
                obj[member] = result
        for key, value in other.items():
            obj[key] = value
            self.out.where[at(path, key)] = self.out.where[at(path, "")]
        return obj

    # -------------------------------------------------------------- the pack

    def compile(self) -> Compiled:
        raw = self.out.raw
        # where a missing part of the pack is reported: the sheet that holds it
        self.out.where.update({
            (): (BASIC_SHEET.name, "B2"), ("annexes",): (ANNEX_SHEET.name, "A3"),
            ("criteria",): (RULE_SHEET.name, "A3"), ("choice_lists",): (CHOICE_SHEET.name, "A3"),
            ("changelog",): (CHANGELOG_SHEET.name, "A3"), ("summary",): (SUMMARY_SHEET.name, "B2"),
            ("letter",): (LETTER_SHEET.name, "B2"),
        })
        self.out.labels.update({("annexes",): "附件", ("criteria",): "规则", ("changelog",): "修订记录"})
        self._basic(raw)
        lists = self._choices()
        annex_rows = self._table(ANNEX_SHEET)
        annexes = []
        for i, (r, row) in enumerate(annex_rows):
            self.out.where[("annexes", i)] = (ANNEX_SHEET.name, f"A{r}")
            annex = self._object(ANNEX_SHEET.name, row, ("annexes", i))
            annex.setdefault("id", f"annex{i + 1}")  # 附件代号 left blank: by position
            annexes.append(annex)
        self.annexes = annexes
        self._fields(annexes, lists)
        if lists:
            raw["choice_lists"] = lists
        raw["annexes"] = annexes
        raw["criteria"] = self._rules()
        routing_key(self, raw)
        summary = self._summary()
        if summary:
            raw["summary"] = summary
        letter = self._letter()
        if letter:
            raw["letter"] = letter
        raw["changelog"] = self._changelog()
        self.out.raw = _ordered(raw)
        return self.out

    def _basic(self, raw: dict[str, Any]) -> None:
        for member, (value, cell, col) in self._kv(BASIC_SHEET).items():
            parts = member.split(".")
            self.out.where[tuple(parts)] = (BASIC_SHEET.name, cell)
            self.out.labels[tuple(parts)] = col.header
            if len(parts) > 1:  # `notice` missing as a whole: its first row, "通知标题等"
                self.out.where.setdefault((parts[0],), (BASIC_SHEET.name, cell))
                self.out.labels.setdefault((parts[0],), f"{col.header}等")
            result = self._value(BASIC_SHEET.name, cell, col, value)
            if result is None:
                continue
            target = raw
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = result

    def _choices(self) -> dict[str, list[Any]]:
        lists: dict[str, list[Any]] = {}
        for r, row in self._table(CHOICE_SHEET):
            value, cell, _ = row.get("@list", (None, f"A{r}", CHOICE_SHEET.columns[0]))
            name = cell_text(value)
            if name is None:
                self.out.error(CHOICE_SHEET.name, cell, "没有填写列表名称")
                continue
            items = lists.setdefault(name, [])
            path = ("choice_lists", name, len(items))
            self.out.where.setdefault(("choice_lists", name), (CHOICE_SHEET.name, cell))
            self.out.where[path] = (CHOICE_SHEET.name, cell)
            choice = self._object(CHOICE_SHEET.name, row, path)
            items.append(choice["value"] if set(choice) == {"value"} and isinstance(choice["value"], str)
                         else choice)
        return lists

    def annex_id(self, text: str, sheet: str, cell: str) -> str | None:
        """An annex named by its 代号, 编号 or name -> its id; unknown -> a finding."""
        for key in ("id", "number", "title"):
            found = [a["id"] for a in self.annexes if a.get(key) == text and "id" in a]
            if len(found) == 1:
                return found[0]
        names = [a.get("id", "") for a in self.annexes] + [a.get("title", "") for a in self.annexes]
        self.out.error(sheet, cell, f"没有附件“{text}”{did_you_mean(text, names)}", code="unknown-annex")
        return None

    def _fields(self, annexes: list[dict[str, Any]], lists: dict[str, list[Any]]) -> None:
        by_id = {a.get("id"): (i, a) for i, a in enumerate(annexes)}
        parents: dict[tuple[str, str], tuple[dict[str, Any], JsonPath]] = {}
        sheet = FIELD_SHEET.name
        for r, row in self._table(FIELD_SHEET):
            value, cell, _ = row.get("@annex", (None, f"A{r}", None))
            text = cell_text(value)
            if text is None:
                self.out.error(sheet, cell, "没有填写这个字段属于哪个附件（附件代号）")
                continue
            aid = self.annex_id(text, sheet, cell)
            if aid is None:
                continue
            index, annex = by_id[aid]
            parent_value, parent_cell, _ = row.get("@parent", (None, f"B{r}", None))
            parent_key = cell_text(parent_value)
            if parent_key is not None:
                found = parents.get((aid, parent_key))
                if found is None:
                    keys = [k for (a, k) in parents if a == aid]
                    self.out.error(sheet, parent_cell, f"上级字段“{parent_key}”不在它前面的行中{did_you_mean(parent_key, keys)}")
                    continue
                owner, owner_path = found
                container = owner.setdefault("items", [])
                path: JsonPath = (*owner_path, "items", len(container))
            else:
                container = annex.setdefault("fields", [])
                path = ("annexes", index, "fields", len(container))
            self.out.where[path] = (sheet, f"C{r}")
            f = self._object(sheet, row, path)
            if "key" not in f and isinstance(f.get("title"), str):
                f["key"] = auto_key(f["title"])
            if f.get("choices") is not None:
                f["choices"] = self._choice_spec(f["choices"], lists, *self.out.where[at(path, "choices")])
            container.append(f)
            if "key" in f:
                parents[(aid, f["key"])] = (f, path)
        for aid, (_, annex) in by_id.items():
            self.fields[str(aid)] = annex.get("fields", [])

    def _choice_spec(self, text: Any, lists: dict[str, list[Any]], sheet: str, cell: str) -> Any:
        if isinstance(text, list):
            return text
        value = str(text)
        if value.startswith("["):
            return from_cell("json", value)
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        if len(lines) == 1:
            if lines[0] in lists:
                return lines[0]
            hint = did_you_mean(lines[0], list(lists))
            if hint:
                self.out.error(sheet, cell, f"“选项”表中没有列表“{lines[0]}”{hint}", code="unknown-choice-list")
        return lines

    def _rules(self) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = []
        for r, row in self._table(RULE_SHEET):
            path: JsonPath = ("criteria", len(rules))
            self.out.where[path] = (RULE_SHEET.name, f"A{r}")
            rule = self._object(RULE_SHEET.name, row, path)
            rule.setdefault("id", f"rule-{len(rules) + 1}")  # 规则编号 left blank: by position
            rules.append(rule_object(self, rule, path))
        return rules

    def _summary(self) -> dict[str, Any]:
        row = self._kv(SUMMARY_SHEET, required=False)
        summary = self._object(SUMMARY_SHEET.name, row, ("summary",))
        if summary:
            self.out.where[("summary",)] = (SUMMARY_SHEET.name, "B2")
            summary_keys(self, summary)
        return summary

    def _letter(self) -> dict[str, Any]:
        row = self._kv(LETTER_SHEET, required=False)
        letter = self._object(LETTER_SHEET.name, row, ("letter",))
        if letter:
            self.out.where[("letter",)] = (LETTER_SHEET.name, "B2")
        return letter

    def _changelog(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        rows = self._table(CHANGELOG_SHEET)
        self.out.where[("changelog",)] = (CHANGELOG_SHEET.name, "A3")
        for r, row in rows:
            path: JsonPath = ("changelog", len(entries))
            self.out.where[path] = (CHANGELOG_SHEET.name, f"A{r}")
            entry = self._object(CHANGELOG_SHEET.name, row, path)
            entry.setdefault("changes", [])
            entries.append(entry)
        return entries


def auto_key(title: str) -> str:
    """A key for a field whose 字段编号 was left blank: the same title always gives the same key
    (so two annexes' 项目名称 match), and a key never depends on the row it stands in."""
    import hashlib

    return "f_" + hashlib.sha1(title.strip().encode("utf-8")).hexdigest()[:8]


def _ordered(raw: dict[str, Any]) -> dict[str, Any]:
    """pack.json members in the meta-schema's order, so a built pack.json reads like a written one."""
    order = list(meta_schema()["properties"])
    rank = {k: i for i, k in enumerate(order)}
    return dict(sorted(raw.items(), key=lambda kv: rank.get(kv[0], len(order))))
