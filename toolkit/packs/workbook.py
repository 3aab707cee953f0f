"""A pack as a workbook (申报包.xlsx): export any pack to it, compile it back to pack.json.

Export writes the sheets declared in workbook_layout; compiling reads them back (workbook_read) into
the same pack.json data and remembers, for every JSON path, the sheet and cell it came from (a
Compiled, workbook_compiled.py), so that pack-check's findings on a workbook name the cell to fix
(workbook_check). Nothing is written beside the workbook: `load_workbook_pack` compiles in memory.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from toolkit.errors import PackError
from toolkit.packs.workbook_compiled import Compiled
from toolkit.packs.workbook_layout import (
    ANNEX_SHEET,
    BASIC_SHEET,
    CHANGELOG_SHEET,
    CHOICE_SHEET,
    EXAMPLE_MARK,
    FIELD_SHEET,
    KV_HEADERS,
    KV_SHEETS,
    LETTER_SHEET,
    OTHER,
    RULE_SHEET,
    SUMMARY_SHEET,
    TABLE_SHEETS,
    KeyValueSheet,
    TableSheet,
    to_cell,
)

STRUCTURAL = ("choice_lists", "annexes", "criteria", "summary", "letter", "changelog")
SUMMARY_EXTRA = ("reporting_unit", "route")


# ---------------------------------------------------------------- export


def export_workbook(raw: dict[str, Any], target: Path) -> Path:
    """Write a pack (pack.json data) as a pack workbook; written to a temporary name, then renamed."""
    from toolkit.runtime.atomic import atomic_path

    book = build_book(raw)
    with atomic_path(target) as tmp:  # a write that fails is an OutputError (exit 3) in Chinese
        book.save(tmp)
    return target


def build_book(raw: dict[str, Any], examples: dict[str, list[dict[str, Any]]] | None = None) -> Any:
    from openpyxl import Workbook

    from toolkit.packs.workbook_style import style_kv, style_table, write_readme

    book = Workbook()
    write_readme(book.active)
    kv_values = {
        BASIC_SHEET.name: _basic_rows(raw),
        SUMMARY_SHEET.name: _object_rows(SUMMARY_SHEET, raw.get("summary") or {}),
        LETTER_SHEET.name: _object_rows(LETTER_SHEET, raw.get("letter") or {}),
    }
    tables = {
        ANNEX_SHEET.name: [{k: v for k, v in a.items() if k != "fields"} for a in raw.get("annexes", [])],
        FIELD_SHEET.name: list(_field_rows(raw)),
        CHOICE_SHEET.name: [_choice_row(name, c) for name, items in raw.get("choice_lists", {}).items()
                            for c in items],
        RULE_SHEET.name: list(raw.get("criteria", [])),
        CHANGELOG_SHEET.name: list(raw.get("changelog", [])),
    }
    sheets = {s.name: s for s in (*TABLE_SHEETS, *KV_SHEETS)}
    for name in ("基本信息", "附件", "字段", "选项", "规则", "汇总表", "报送函", "修订记录"):
        sheet = sheets[name]
        ws = book.create_sheet(name)
        if isinstance(sheet, KeyValueSheet):
            _write_kv(ws, kv_values[name])
            style_kv(ws, sheet, len(kv_values[name]))
        else:
            rows = (examples or {}).get(name) or tables[name]
            _write_table(ws, sheet, rows, example=bool((examples or {}).get(name)))
            style_table(ws, sheet, max(len(rows), 1))
    return book


def _basic_rows(raw: dict[str, Any]) -> list[tuple[str, Any, str, str]]:
    rows: list[tuple[str, Any, str, str]] = []
    known = {c.member for c in BASIC_SHEET.rows}
    for col in BASIC_SHEET.rows:
        value = _get(raw, col.member)
        rows.append((col.header, None if value is None else to_cell(col.codec, value), col.note, col.member))
    for name, value in raw.items():  # members the sheet has no row for travel as their own rows
        if name in STRUCTURAL:
            continue
        if isinstance(value, dict) and name in ("notice", "routing"):
            for sub, inner in value.items():
                if f"{name}.{sub}" not in known:
                    rows.append((f"{name}.{sub}", to_cell("any", inner), "", f"{name}.{sub}"))
        elif name not in known:
            rows.append((name, to_cell("any", value), "", name))
    return rows


def _object_rows(sheet: KeyValueSheet, obj: dict[str, Any]) -> list[tuple[str, Any, str, str]]:
    rows = []
    for col in sheet.rows:
        value = obj.get(col.member)
        rows.append((col.header, None if value is None else to_cell(col.codec, value), col.note, col.member))
    known = {c.member for c in sheet.rows}
    rows += [(k, to_cell("any", v), "", k) for k, v in obj.items() if k not in known]
    return rows


def _get(raw: dict[str, Any], dotted: str) -> Any:
    value: Any = raw
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _field_rows(raw: dict[str, Any]) -> Any:
    def walk(fields: list[dict[str, Any]], annex: str, parent: str | None) -> Any:
        for f in fields:
            # an empty `items` list stays in the row (its 其他（JSON） cell); sub-fields are rows
            yield {**{k: v for k, v in f.items() if not (k == "items" and v)}, "@annex": annex, "@parent": parent}
            yield from walk(f.get("items", []), annex, f["key"])

    for annex in raw.get("annexes", []):
        yield from walk(annex.get("fields", []), annex["id"], None)


def _choice_row(name: str, choice: Any) -> dict[str, Any]:
    return {"@list": name, "value": choice} if isinstance(choice, str) else {"@list": name, **choice}


def _write_kv(ws: Any, rows: list[tuple[str, Any, str, str]]) -> None:
    ws.append(list(KV_HEADERS))
    for row in rows:
        ws.append(list(row))


def _write_table(ws: Any, sheet: TableSheet, rows: list[dict[str, Any]], example: bool) -> None:
    ws.append([c.header for c in sheet.columns])
    ws.append([c.note for c in sheet.columns])
    known = {c.member for c in sheet.columns}
    for obj in rows:
        line = []
        for col in sheet.columns:
            if col.header == OTHER:
                rest = {k: v for k, v in obj.items() if k not in known and not k.startswith("@")}
                line.append(to_cell("json", rest) if rest else None)
                continue
            value = obj.get(col.member)
            if value is None:
                line.append(None)
            elif col.codec == "choices":
                line.append(_choices_cell(value))
            elif col.codec == "rule":
                line.append(value)
            else:
                line.append(to_cell(col.codec, value))
        if example and line:
            line[0] = f"{EXAMPLE_MARK}：{line[0] or ''}"
        ws.append(line)


def _choices_cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value and all(isinstance(c, str) and c and "\n" not in c and not c.startswith("[") for c in value):
        return "\n".join(value)
    return str(to_cell("json", value))


# ---------------------------------------------------------------- compile


_SAVE_AS = "请用 Excel 或 WPS 打开它，另存为 .xlsx（Excel 工作簿）后再试"


def compile_workbook(path: Path, data: bytes | None = None) -> Compiled:
    """Read a pack workbook into pack.json data; problems become findings naming the cell."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data) if data is not None else path, data_only=True)
    except FileNotFoundError:
        raise PackError(f"找不到申报包工作簿 {path}") from None
    except OSError as exc:
        raise PackError(f"无法读取申报包工作簿 {path}：{exc.strerror or exc}") from None
    except zipfile.BadZipFile:  # an .xls or .et renamed, a workbook with a password, half a download
        raise PackError(f"申报包工作簿 {path} 打不开：它不是 .xlsx 格式的文件（可能是改了扩展名的旧版 .xls 或 WPS 的 .et 文件，"
                        f"或没有下载、复制完整；设置了打开密码的工作簿也打不开，请先去掉密码）。{_SAVE_AS}") from None
    except Exception:  # openpyxl raises KeyError, XML and value errors alike for a damaged xlsx
        raise PackError(f"申报包工作簿 {path} 打不开：文件里缺少或损坏了 Excel 工作簿应有的内容，读不出各工作表。{_SAVE_AS}") from None
    from toolkit.packs.workbook_read import Reader

    return Reader(book, str(path)).compile()
