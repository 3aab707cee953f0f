"""A pack workbook read back (Compiled): pack.json data, the sheet and cell each JSON path came
from, and what went wrong there; `at` (a JSON path one step deeper) and `did_you_mean` (the
nearest names, for a message), which every reading step uses.

The lowest of the workbook modules that read: workbook_rules (names a person wrote), workbook_read
(the sheets) and workbook_check (pack-check at each cell) all fill or read a Compiled from here, so
none of them imports the one above it to name a cell.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from toolkit.findings import Finding

JsonPath = tuple[Any, ...]


def at(path: JsonPath, *more: Any) -> JsonPath:
    return (*path, *more)


@dataclass
class Compiled:
    """A pack workbook read back: pack.json data, where each part came from, what went wrong."""

    raw: dict[str, Any]
    file: str
    where: dict[JsonPath, tuple[str, str]] = field(default_factory=dict)
    labels: dict[JsonPath, str] = field(default_factory=dict)  # JSON path -> its column or row heading
    findings: list[Finding] = field(default_factory=list)

    def error(self, sheet: str, cell: str, message: str, code: str = "workbook", severity: str = "error") -> None:
        self.findings.append(Finding(f"pack.{code}", severity, f"{sheet}!{cell}：{message}",  # type: ignore[arg-type]
                                     file=self.file, sheet=sheet, cell=cell))

    def locate(self, path: JsonPath) -> tuple[str, str] | None:
        """The cell a JSON path came from, or its nearest recorded parent's."""
        for n in range(len(path), -1, -1):
            found = self.where.get(tuple(path[:n]))
            if found:
                return found
        return None


def did_you_mean(text: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(text, candidates, n=2, cutoff=0.5)
    return f"，是不是“{'”或“'.join(close)}”？" if close else ""
