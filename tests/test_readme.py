"""README documents every pack member a workbook can set (datasette's habit: one declared list,
a docs test): each column of each sheet of the pack workbook, and each member of pack.schema.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

from toolkit.packs.workbook_layout import KV_SHEETS, OTHER, TABLE_SHEETS

ROOT = Path(__file__).resolve().parents[1]


def member_rows() -> list[tuple[str, str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("### 申报包的全部项")
    section = text[start:text.index("\n### ", start + 1)]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("工作表", "---"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def test_every_workbook_column_is_in_the_readme_members_table() -> None:
    rows = {(sheet, header) for sheet, header, _ in member_rows()}
    missing = [(s.name, c.header) for s in (*TABLE_SHEETS, *KV_SHEETS)
               for c in (getattr(s, "columns", None) or s.rows)  # type: ignore[attr-defined]
               if c.member and (s.name, c.header) not in rows]
    assert missing == []


def test_every_pack_json_member_is_in_the_readme_members_table() -> None:
    schema = json.loads((ROOT / "schemas" / "pack.schema.json").read_text(encoding="utf-8"))
    named = {m for _, _, cell in member_rows() for m in re.findall(r"`([^`]+)`", cell)}
    named |= {m.split(".")[-1] for m in named}
    wanted = set(schema["properties"]) - {"$schema", "notice", "routing", "summary", "letter", "annexes",
                                          "criteria", "changelog", "choice_lists"}
    for part in ("annex", "field", "criterion", "summary"):
        wanted |= set(schema["$defs"][part]["properties"]) - {"fields"}
    wanted |= set(schema["properties"]["notice"]["properties"])
    assert sorted(wanted - named) == []
    # and the members travelling in 其他（JSON） say so
    assert any(header == OTHER for _, header, _ in member_rows())
