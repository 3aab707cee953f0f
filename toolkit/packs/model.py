"""Typed view of a campaign pack (schemas/<pack-id>/pack.json).

The pack declares each field once; these classes are what every stage reads. They are built by
`loader.load_pack` after pack.json has passed the pack meta-schema, so they trust its shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

FieldType = Literal["text", "number", "integer", "date", "bool", "choice", "multichoice", "list"]
AnnexKind = Literal["table", "form", "document"]
NUMERIC_TYPES = ("number", "integer")


@dataclass(frozen=True)
class Choice:
    value: str
    route: str | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Field:
    key: str
    title: str
    type: FieldType
    required: bool = False
    unit: str | None = None
    aliases: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    choice_list: str | None = None  # name of the shared list in pack.choice_lists, if any
    format: str | None = None
    precision: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    hint: str = ""
    width: float | None = None
    group: str | None = None
    example: Any = None
    items: tuple[Field, ...] = ()
    rows: int | None = None

    @property
    def header(self) -> str:
        """The column header a clerk sees: the title with its unit, `总投资（万元）`."""
        return f"{self.title}（{self.unit}）" if self.unit else self.title

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_code(self) -> bool:
        """Codes and phone numbers are text: Excel must never turn them into numbers."""
        return self.format is not None


@dataclass(frozen=True)
class GridRow:
    label: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    title: str
    kind: Literal["pairs", "grid", "list", "text"]
    fields: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[GridRow, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class WordSpan:
    """One label of the Word form holding several fields: `项目年限：2019年7月至2021年6月`."""

    label: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class WordForm:
    """How the notice's own Word form of a form annex is read (toolkit/ingest/wordform.py).

    `not_asked`: fields our Excel form asks for that the notice's Word form does not (the notice
    asks for them as separate attachments), each with the attachment the clerk should check;
    absent from a Word form, they are a warning, never a refusal."""

    not_asked: dict[str, str] = dc_field(default_factory=dict)
    spans: tuple[WordSpan, ...] = ()


@dataclass(frozen=True)
class Annex:
    id: str
    number: str
    title: str
    kind: AnnexKind
    sheet: str | None = None
    per: str = "unit"
    paper: str = "A4"
    signature_line: str | None = None
    instructions: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    sections: tuple[Section, ...] = ()
    paragraphs: tuple[str, ...] = ()
    schema_extra: dict[str, Any] = dc_field(default_factory=dict)
    word_form: WordForm | None = None  # None: the annex is not read from Word documents

    @property
    def sheet_name(self) -> str:
        return (self.sheet or self.title)[:31]

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def file_stem(self) -> str:
        """Template file name without extension, `附件4-1 申报书`."""
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Criterion:
    id: str
    clause: str
    severity: Literal["error", "warning"]
    annex: str
    message: str
    kind: Literal["row", "group", "companion"] = "row"
    title: str | None = None
    when: str | None = None
    check: str | None = None
    field: str | None = None
    group_by: str | None = None
    max_count: int | None = None
    values: dict[str, str] = dc_field(default_factory=dict)
    companion: str | None = None  # kind companion: the annex each record needs a record of
    match_on: dict[str, str] = dc_field(default_factory=dict)  # this annex's field -> the companion's


@dataclass(frozen=True)
class FromForm:
    """A form annex whose projects are rows of the summary too (the 4-1 申报书 behind the 4-5
    汇总表): summary field -> the form's field it is taken from."""

    annex: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Summary:
    annex: str
    title: str
    columns: tuple[str, ...]
    group_by: tuple[str, ...] = ()
    sum_fields: tuple[str, ...] = ()
    split_by: str | None = None
    paper: str = "A4"
    stamp_label: str = "填报单位（盖章）"
    footer: tuple[str, ...] = ()
    from_forms: tuple[FromForm, ...] = ()


@dataclass(frozen=True)
class Notice:
    title: str
    number: str
    issuer: str
    date: str
    deadline: str | None = None
    recurring: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Routing:
    field: str
    title: str


@dataclass(frozen=True)
class ChangelogEntry:
    version: str
    date: str
    changes: tuple[str, ...]


@dataclass(frozen=True)
class Pack:
    id: str
    version: str
    title: str
    year: int
    notice: Notice
    unit: str
    annexes: tuple[Annex, ...]
    criteria: tuple[Criterion, ...]
    changelog: tuple[ChangelogEntry, ...]
    province: str | None = None
    reporting_unit_label: str = "填报单位"
    reporting_units: tuple[str, ...] = ()
    routing: Routing | None = None
    summary: Summary | None = None
    letter: dict[str, Any] = dc_field(default_factory=dict)
    path: Path | None = None
    raw: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)

    def annex(self, annex_id: str) -> Annex:
        for a in self.annexes:
            if a.id == annex_id:
                return a
        raise KeyError(annex_id)

    @property
    def data_annexes(self) -> tuple[Annex, ...]:
        """Annexes that hold data (tables and forms), as opposed to Word documents."""
        return tuple(a for a in self.annexes if a.kind != "document")

    def clause_text(self, clause: str) -> str:
        """`吉政数办函〔2020〕579号 一(一)1`: the notice number and the clause."""
        return f"{self.notice.number} {clause}".strip()

    def route_of(self, value: str | None) -> str | None:
        if self.routing is None or value is None:
            return None
        try:
            return self._routes.get(value)
        except TypeError:  # unhashable: no choice's value
            return None

    @cached_property
    def _routes(self) -> dict[Any, str | None]:
        """Choice value -> route, the first declaration winning (asked once per record and
        breakdown: a dict, not a scan of every annex's fields)."""
        routes: dict[Any, str | None] = {}
        if self.routing is None:
            return routes
        for annex in self.data_annexes:
            for f in annex.fields:
                if f.key == self.routing.field:
                    for c in f.choices:
                        routes.setdefault(c.value, c.route)
        return routes
