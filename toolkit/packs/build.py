"""pack.json data -> the typed Pack (model.py) that every stage reads.

`build_pack` trusts the shape: the data has passed the pack meta-schema (check.py), or was read
back from a pack workbook that did (workbook_check.py). loader.py is where a pack is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.packs.identities import named_lists
from toolkit.packs.model import (
    Annex,
    ChangelogEntry,
    Choice,
    Criterion,
    Field,
    FromForm,
    GridRow,
    Notice,
    Pack,
    Plausibility,
    Routing,
    Section,
    Summary,
    WordForm,
    WordSpan,
)


def _choices(spec: Any, lists: dict[str, Any]) -> tuple[tuple[Choice, ...], str | None]:
    if spec is None:
        return (), None
    name = None
    if isinstance(spec, str):
        name = spec
        spec = lists.get(spec, [])
    out = []
    for item in spec:
        if isinstance(item, str):
            out.append(Choice(item))
        else:
            out.append(
                Choice(item["value"], item.get("route"), tuple(item.get("aliases", ())), item.get("note"))
            )
    return tuple(out), name


def _field(data: dict[str, Any], lists: dict[str, Any]) -> Field:
    choices, list_name = _choices(data.get("choices"), lists)
    return Field(
        key=data["key"],
        title=data["title"],
        type=data["type"],
        required=data.get("required", False),
        unit=data.get("unit"),
        aliases=tuple(data.get("aliases", ())),
        choices=choices,
        choice_list=list_name,
        format=data.get("format"),
        precision=data.get("precision"),
        minimum=data.get("minimum"),
        maximum=data.get("maximum"),
        max_length=data.get("max_length"),
        hint=data.get("hint", ""),
        width=data.get("width"),
        group=data.get("group"),
        example=data.get("example"),
        items=tuple(_field(i, lists) for i in data.get("items", ())),
        rows=data.get("rows"),
        role=data.get("role"),
    )


def _section(data: dict[str, Any]) -> Section:
    return Section(
        title=data["title"],
        kind=data["kind"],
        fields=tuple(data.get("fields", ())),
        columns=tuple(data.get("columns", ())),
        rows=tuple(GridRow(r["label"], tuple(r["fields"])) for r in data.get("rows", ())),
        note=data.get("note"),
    )


def _annex(data: dict[str, Any], lists: dict[str, Any]) -> Annex:
    return Annex(
        id=data["id"],
        number=data["number"],
        title=data["title"],
        kind=data["kind"],
        sheet=data.get("sheet"),
        per=data.get("per", "unit" if data["kind"] == "table" else "project"),
        paper=data.get("paper", "A4"),
        signature_line=data.get("signature_line"),
        required=data.get("required", False),
        instructions=tuple(data.get("instructions", ())),
        fields=tuple(_field(f, lists) for f in data.get("fields", ())),
        sections=tuple(_section(s) for s in data.get("sections", ())),
        paragraphs=tuple(data.get("paragraphs", ())),
        schema_extra=data.get("schema_extra", {}),
        word_form=_word_form(data["word_form"]) if "word_form" in data else None,
        role=data.get("role"),
    )


def _word_form(data: dict[str, Any]) -> WordForm:
    return WordForm(
        not_asked=dict(data.get("not_asked", {})),
        spans=tuple(WordSpan(s["label"], tuple(s["fields"])) for s in data.get("spans", ())),
    )


def criterion_annexes(raw: dict[str, Any]) -> list[str]:
    """The annexes a criterion of pack.json checks. One rule may apply to several (the 推荐汇总表
    row and the 申报表 form of the same project): it is then one criterion per annex, with the
    same id and clause."""
    annex = raw["annex"]
    return [annex] if isinstance(annex, str) else list(annex)


def _plausibility(raw: dict[str, Any]) -> Plausibility:
    given = {k: v for k, v in raw.items() if k != "fields"}
    fields = tuple(raw["fields"]) if "fields" in raw else None
    return Plausibility(**given, fields=fields)


def build_pack(raw: dict[str, Any], path: Path | None) -> Pack:
    lists = raw.get("choice_lists", {})
    summary = raw.get("summary")
    routing = raw.get("routing")
    return Pack(
        id=raw["id"],
        version=raw["version"],
        title=raw["title"],
        year=raw["year"],
        notice=Notice(**raw["notice"]),
        unit=raw["unit"],
        province=raw.get("province"),
        reporting_unit_label=raw.get("reporting_unit_label", "填报单位"),
        reporting_units=tuple(raw.get("reporting_units", ())),
        routing=Routing(**routing) if routing else None,
        annexes=tuple(_annex(a, lists) for a in raw["annexes"]),
        criteria=tuple(
            Criterion(
                id=c["id"],
                clause=c["clause"],
                severity=c["severity"],
                annex=annex_id,
                message=c["message"],
                kind=c.get("kind", "row"),
                title=c.get("title"),
                when=c.get("when"),
                check=c.get("check"),
                field=c.get("field"),
                group_by=c.get("group_by"),
                max_count=c.get("max_count"),
                counts=c.get("counts", "all"),
                values=c.get("values", {}),
                companion=c.get("companion"),
                match_on=c.get("match_on", {}),
            )
            for c in raw.get("criteria", ())
            for annex_id in criterion_annexes(c)
        ),
        summary=Summary(
            annex=summary["annex"],
            title=summary["title"],
            columns=tuple(summary["columns"]),
            group_by=tuple(summary.get("group_by", ())),
            sum_fields=tuple(summary.get("sum_fields", ())),
            split_by=summary.get("split_by"),
            paper=summary.get("paper", "A4"),
            stamp_label=summary.get("stamp_label", "填报单位（盖章）"),
            footer=tuple(summary.get("footer", ())),
            from_forms=tuple(FromForm(f["annex"], dict(f["fields"])) for f in summary.get("from_forms", ())),
        )
        if summary
        else None,
        letter=raw.get("letter", {}),
        identities=named_lists(raw.get("identities", {})),
        plausibility=_plausibility(raw.get("plausibility", {})),
        changelog=tuple(
            ChangelogEntry(e["version"], e["date"], tuple(e["changes"])) for e in raw["changelog"]
        ),
        path=path,
        raw=raw,
    )
