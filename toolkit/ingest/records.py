"""What ingest produces: records with provenance, and a report per file."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from toolkit.findings import Finding

FileStatus = Literal["ok", "error", "skipped"]


class RowCells(Mapping[str, str]):
    """Field -> A1 address of a table row: the table's column letters (one dict per table,
    shared by its rows) and the row number. A batch holds hundreds of thousands of records;
    a dict of two dozen address strings each would be a third of its memory."""

    __slots__ = ("columns", "row")

    def __init__(self, columns: Mapping[str, str], row: int) -> None:
        self.columns = columns  # field -> column letters
        self.row = row

    def __getitem__(self, key: str) -> str:
        return f"{self.columns[key]}{self.row}"

    def __contains__(self, key: object) -> bool:
        return key in self.columns

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (RowCells, (self.columns, self.row))


@dataclass
class Record:
    """One data row of a county's workbook, normalised to the pack's fields.

    `cells` maps each field to the A1 address it was read from, so every later finding can point
    at the county's own cell; `raw` keeps what the cell held before normalisation.
    """

    annex: str
    values: dict[str, Any]
    file: str
    sheet: str
    row: int
    cells: Mapping[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    reporting_unit: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # columns the pack does not declare
    hidden: bool = False
    chain: tuple[str, ...] = ()  # provenance through summaries: county file <- city summary ...

    @property
    def where(self) -> str:
        return f"{self.file} / {self.sheet} / 第{self.row}行"

    def to_dict(self) -> dict[str, Any]:
        return {
            "annex": self.annex, "file": self.file, "sheet": self.sheet, "row": self.row,
            "reporting_unit": self.reporting_unit, "values": self.values, "cells": dict(self.cells),
            "raw": {k: _jsonable(v) for k, v in self.raw.items()},
            "extra": {k: _jsonable(v) for k, v in self.extra.items()},
            "hidden": self.hidden, "chain": list(self.chain),
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass(frozen=True)
class ColumnReport:
    column: str  # letter
    header: str
    field: str | None
    unit: str | None


@dataclass
class FileReport:
    path: str  # as shown to the clerk: relative to the inbox
    status: FileStatus
    message: str | None = None
    kind: str | None = None  # xlsx / xls / ods / csv
    annex: str | None = None
    sheet: str | None = None
    rows: int = 0
    template_version: str | None = None
    reporting_unit: str | None = None
    columns: list[ColumnReport] = field(default_factory=list)
    skipped_rows: dict[str, int] = field(default_factory=dict)  # blank / total / heading / footer
    # Where the file really is (the path discovered under the inbox), for outputs that copy it:
    # `path` is only what the clerk is shown. Not part of to_dict(): JSON stays inbox-relative.
    source: Path | None = None
    sha256: str | None = None  # of the bytes read (readers.read_file), for the manifest; None: not read
    size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "status": self.status, "rows": self.rows, "message": self.message,
            "kind": self.kind, "annex": self.annex, "sheet": self.sheet,
            "template_version": self.template_version, "reporting_unit": self.reporting_unit,
            "columns": [c.__dict__ for c in self.columns], "skipped_rows": self.skipped_rows,
        }


@dataclass
class IngestResult:
    records: list[Record]
    files: list[FileReport]
    findings: list[Finding]

    @property
    def rows_read(self) -> int:
        return len(self.records)

    def check_accounting(self) -> None:
        """Every data row of every file read is exactly one record."""
        counted = sum(f.rows for f in self.files if f.status == "ok")
        if counted != len(self.records):
            raise AssertionError(f"rows counted per file {counted} != records {len(self.records)}")
