"""Typed view of a campaign pack (schemas/<pack-id>/pack.json).

The pack declares each field once; these classes are what every stage reads. They are built by
`build.build_pack` (called by `loader.load_pack`) after pack.json has passed the pack meta-schema,
so they trust its shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from toolkit.packs.identities import NamedList, pack_functions

FieldType = Literal["text", "number", "integer", "date", "bool", "choice", "multichoice", "list"]
AnnexKind = Literal["table", "form", "document"]
NUMERIC_TYPES = ("number", "integer")

# What a field means to the stages that work across campaigns (dedupe, linking forms to table rows,
# who sent a file, totals in the summary and the letter). A pack names its fields as it likes; it
# says which one plays each role with `"role"`, and code asks the pack (Annex.role_key), never a key.
ROLES: dict[str, str] = {
    "project_name": "项目名称：查重、表单与汇总表行的对应、分项目计数",
    "applicant": "申报单位（建设单位、依托企业）的名称",
    "uscc": "申报单位的统一社会信用代码",
    "total": "项目总投资：汇总表、统计和报送函的主要金额",
    "locality": "项目所在地（县、市、区）：一份文件各行都写同一地方时，多半就是它报送的",
}

# What an annex is to the campaign beyond its kind. "summary": the annex the reporting level
# compiles and sends up (the city's 汇总表, 附件4-5): the generated 汇总表 is it, so it carries the
# annex's number top left and the letter's 附件 line names it. At most one per pack; it is the
# summary's own annex (`summary.annex`), whose rows come from county tables and forms.
ANNEX_ROLES: dict[str, str] = {
    "summary": "汇总上报的附件：生成的汇总表就是它（左上角印附件编号，报送函的附件说明写它的编号和名称）",
}


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
    role: str | None = None  # one of ROLES, at most one field per role in an annex

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
    required: bool = False  # a document each project must send (its file is looked for, not read)
    instructions: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    sections: tuple[Section, ...] = ()
    paragraphs: tuple[str, ...] = ()
    schema_extra: dict[str, Any] = dc_field(default_factory=dict)
    word_form: WordForm | None = None  # None: the annex is not read from Word documents
    role: str | None = None  # one of ANNEX_ROLES

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

    def role_field(self, role: str) -> Field | None:
        """The field that plays `role` (see ROLES) in this annex, or None when none does."""
        return self._roles.get(role)

    def role_key(self, role: str) -> str | None:
        found = self._roles.get(role)
        return found.key if found is not None else None

    @cached_property
    def _roles(self) -> dict[str, Field]:
        roles: dict[str, Field] = {}
        for f in self.fields:
            if f.role is not None:
                roles.setdefault(f.role, f)
        return roles

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
    # kind group: what the limit counts. "all": every project sent (申报项目数不超过2个);
    # "passing": only projects that pass every other rule (推荐项目不超过3个 limits what is recommended).
    counts: Literal["all", "passing"] = "all"
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
    contact: str | None = None  # who answers the counties' questions, for the 填报说明


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
class Plausibility:
    """When an amount is implausible for its unit (a figure typed in 元 in a 万元 column), in the
    pack's unit: at or above `max_amount`, at or above `median_factor` times the batch's median
    of the same field (when the batch has at least `median_min_count` values of it), or a whole
    multiple of `yuan_multiple` at or above `yuan_from` (8000000 reads as 元). Declared once per
    pack (`plausibility` in pack.json); the defaults are for 万元."""

    max_amount: float = 1_000_000  # 100 亿元
    median_factor: float = 1000
    median_min_count: int = 5
    yuan_from: float = 100_000  # 10 亿元 if 万元, 10 万元 if 元
    yuan_multiple: int = 10_000
    fields: tuple[str, ...] | None = None  # which amount fields (every number field with a unit, if None)


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
    identities: dict[str, NamedList] = dc_field(default_factory=dict)  # named lists (the carriers)
    plausibility: Plausibility = dc_field(default_factory=lambda: Plausibility())
    path: Path | None = None
    raw: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)

    def annex(self, annex_id: str) -> Annex:
        for a in self.annexes:
            if a.id == annex_id:
                return a
        raise KeyError(annex_id)

    def role_key(self, annex_id: str, role: str) -> str | None:
        """The key of the field playing `role` (see ROLES) in annex `annex_id`, or None."""
        annex = self._annexes_by_id.get(annex_id)
        return annex.role_key(role) if annex is not None else None

    def role_value(self, record: Any, role: str) -> Any:
        """What a record (anything with `.annex` and `.values`) holds in the field playing `role`."""
        key = self.role_key(record.annex, role)
        return record.values.get(key) if key is not None else None

    @property
    def total_key(self) -> str | None:
        """The summary's main amount (role `total`), which the letter and the run's totals report."""
        return self.role_key(self.summary.annex, "total") if self.summary else None

    @cached_property
    def _annexes_by_id(self) -> dict[str, Annex]:
        return {a.id: a for a in self.annexes}

    @property
    def summary_annex(self) -> Annex | None:
        """The annex of the notice the generated 汇总表 is (role "summary"), or None when the pack
        declares none (the 汇总表 then carries no annex number and the letter names its files)."""
        for a in self.annexes:
            if a.role == "summary":
                return a
        return None

    @property
    def data_annexes(self) -> tuple[Annex, ...]:
        """Annexes that hold data (tables and forms), as opposed to Word documents."""
        return tuple(a for a in self.annexes if a.kind != "document")

    @cached_property
    def functions(self) -> dict[str, Any]:
        """The CEL functions bound to this pack's own data (its named lists), added to every
        context its rules run in beside the common ones of `criteria.FUNCTIONS`."""
        return pack_functions(self.identities)

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
