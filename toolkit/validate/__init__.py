"""Validate records: the annex's JSON Schema and the notice's criteria -> findings at cells.

A record with any error finding (from ingest or here) is rejected (不予入库); warnings keep it.
The records that describe one project (its 4-1 申报书, 4-3 绩效目标, its row on a 4-5 汇总表; see
toolkit/validate/projects.py) share one verdict: a refusal of one refuses them all. Group criteria (e.g.
同一申报单位不超过2个项目) count projects, each once, across the whole batch, every file together,
and so do the plausibility checks of amounts (toolkit.validate.plausibility: a median of the whole batch).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from toolkit.findings import Finding
from toolkit.ingest.records import Record
from toolkit.ingest.wordform import NOT_ASKED
from toolkit.packs.criteria import (
    Compiled,
    RuleSelector,
    compile_criterion,
    evaluate_row,
    render_message,
    row_variables,
)
from toolkit.packs.model import Annex, Criterion, Pack
from toolkit.packs.schemas import RecordValidator, record_errors
from toolkit.textnorm import clean
from toolkit.validate.fromforms import as_annex_row
from toolkit.validate.plausibility import plausibility_findings
from toolkit.validate.projects import Linking, Project, annex_label, link_projects, part_where

RowKey = tuple[str, str, int]


def row_key(file: str | None, sheet: str | None, row: int | None) -> RowKey:
    return (file or "", sheet or "", row or 0)


@dataclass
class Validation:
    accepted: list[Record] = field(default_factory=list)
    rejected: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    reasons: dict[RowKey, list[Finding]] = field(default_factory=dict)  # rejected row -> its errors
    linking: Linking | None = None  # the projects the records are parts of

    def reasons_for(self, record: Record) -> list[Finding]:
        return self.reasons.get(row_key(record.file, record.sheet, record.row), [])

    def project_reasons(self, project: Project) -> list[Finding]:
        """Every error of every part of a refused project, but the derived "another part was
        refused" ones (the reasons they point to are listed)."""
        return [f for p in project.parts for f in self.reasons_for(p) if f.code != PART_REJECTED]


def _row_of(cell: str | None, record: Record) -> int:
    """The Excel row of the cell (a form's fields sit on many rows), else the record's row."""
    digits = re.search(r"\d+$", cell or "")
    return int(digits.group()) if digits else record.row


def _prefix(cell: str | None, record: Record) -> str:
    return f"{cell}：" if cell else f"第{record.row}行："


def schema_findings(pack: Pack, annex: Annex, record: Record, validator: Any,
                    unreadable: set[str]) -> list[Finding]:
    out = []
    optional = _optional_fields(annex)
    for err in record_errors(pack, annex, record.values, validator):
        if err.field in unreadable:
            continue  # ingest already said this cell could not be read
        cell = record.cells.get(err.field) if err.field else None
        message = _prefix(cell, record) + err.message
        if err.field and err.field not in record.cells and err.code == "schema.required" and annex.kind == "table":
            message = f"第{record.row}行：{err.message}（表中没有这一列）"
        severity: Literal["error", "warning"] = "error"
        if err.code == "schema.format" and err.field in optional and err.index is None:
            # A second phone written oddly is a question to the county, not a reason to refuse
            severity = "warning"
            message += "（本栏非必填，项目照常审核；请改正）"
        out.append(Finding(err.code, severity, message, file=record.file, sheet=record.sheet,
                           row=_row_of(cell, record), cell=cell, field=err.field, value=err.value))
    return out


_OPTIONAL: dict[int, tuple[Annex, frozenset[str]]] = {}


def _optional_fields(annex: Annex) -> frozenset[str]:
    """The keys of the annex's fields a county may leave blank (kept by id, as criteria's plans)."""
    found = _OPTIONAL.get(id(annex))
    if found is None or found[0] is not annex:
        found = _OPTIONAL[id(annex)] = (annex, frozenset(f.key for f in annex.fields if not f.required))
    return found[1]


def criteria_findings(pack: Pack, annex: Annex, record: Record, compiled: Sequence[Compiled] | RuleSelector,
                      flagged: set[str], unread: frozenset[str] | set[str] = frozenset(),
                      not_asked: Collection[str] = ()) -> list[Finding]:
    """`flagged`: fields whose cell already has an error (a rule needing them is not reported
    again); `unread`: optional fields whose cell could not be read (a warning): a rule that needs
    one still decides, and its message says the cell could not be read; `not_asked`: fields the
    form the record was read from does not ask for (the notice's Word form): a rule failing for
    want of one is a warning to check the attachment instead. A RuleSelector leaves out the rules
    whose `when` is false by a guard alone (they would skip)."""
    out = []
    variables = row_variables(pack, annex, record.values)
    chosen = compiled.deciders(variables) if isinstance(compiled, RuleSelector) else [(r, r.decide) for r in compiled]
    for rule, decide in chosen:
        if decide(variables) is not None:
            continue  # passes, or does not apply
        result = evaluate_row(rule, variables)
        status = result.status
        if status == "pass" or status == "skip":
            continue
        crit = rule.criterion
        if status == "error":
            if not any(k in flagged for k in rule.variables):  # else a cell's own error says it
                out.append(_unevaluable(pack, crit, record, result))
            continue
        blank = [k for k in rule.variables if variables.get(k) is None]
        absent = [k for k in blank if k in not_asked]
        if absent:
            out.append(_not_asked_finding(pack, annex, crit, record, absent))
            continue
        if any(k in flagged for k in blank):
            # A cell already reported (unreadable, or required and blank): no second message
            # about the same cell; the rule is checked again once the county corrects it.
            continue
        values = {**variables, **result.values}
        message = render_message(crit.message, values)
        titles = "、".join(f"“{annex.field(k).title}”" for k in blank if k in annex.field_keys and k not in unread)
        unreadable = "、".join(f"“{annex.field(k).title}”" for k in blank if k in unread)
        said = [f"{titles}未填写" if titles and result.reason else "",
                f"{unreadable}填写的内容无法识别，按未填写审核" if unreadable else ""]
        if any(said):
            message += f"（{'，'.join(s for s in said if s)}）"
        out.append(_criterion_finding(pack, crit, record, crit.field, message,
                                      value=record.values.get(crit.field) if crit.field else None))
    return out


def _unevaluable(pack: Pack, crit: Criterion, record: Record, result: Any) -> Finding:
    """A rule that raised on a record whose fields it reads are filled: the rule is at fault (or
    the record holds what the rule's author did not foresee), and neither passing nor refusing the
    project on the rule's own message would be true. An error, so a person looks at it."""
    source = crit.when if result.part == "when" else crit.check
    message = (f"规则“{crit.id}”无法对本行计算（{result.part} 表达式 {source}：{result.reason}），"
               f"未能判断是否符合条件；请把本条提示转给申报包的编写单位核对该规则")
    finding = _criterion_finding(pack, crit, record, crit.field, message,
                                 value=record.values.get(crit.field) if crit.field else None)
    return replace(finding, severity="error")


def _not_asked_finding(pack: Pack, annex: Annex, crit: Criterion, record: Record, absent: Sequence[str]) -> Finding:
    """The rule could not be checked on the Word form, which does not ask for the facts it
    needs: a warning naming the attachment the notice asks for them in (pack word_form)."""
    where = annex.word_form.not_asked if annex.word_form else {}
    titles = "、".join(f"“{annex.field(k).title}”" for k in absent)
    attachments = "；".join(dict.fromkeys(where.get(k, "") for k in absent if where.get(k)))
    clause = pack.clause_text(crit.clause)
    message = (f"Word 申报书中没有{titles}一栏，未能按“{crit.title or crit.id}”审核；"
               f"请核对{attachments or '有关附件材料'}（{clause}）")
    return Finding(f"criteria.{crit.id}", "warning", message, file=record.file, sheet=record.sheet, row=record.row,
                   field=absent[0], clause=clause)


def _criterion_finding(pack: Pack, crit: Criterion, record: Record, field: str | None, message: str, *,
                       value: Any, row: int | None = None) -> Finding:
    """A criterion's finding at the record's cell of `field` (its row when it has none): the
    message, then the notice's clause."""
    cell = record.cells.get(field) if field else None
    clause = pack.clause_text(crit.clause)
    return Finding(f"criteria.{crit.id}", crit.severity, f"{_prefix(cell, record)}{message}（{clause}）",
                   file=record.file, sheet=record.sheet, row=_row_of(cell, record) if row is None else row,
                   cell=cell, field=field, clause=clause, value=value)


def group_findings(pack: Pack, crit: Criterion, projects: Sequence[Project],
                   failing: set[int] | None = None) -> list[tuple[Record, Finding]]:
    """`max_count` projects per value of `group_by`, counted over the whole batch, each project
    once however many papers it came on (its table row and its forms are one project). A project
    sent twice (two rows with the same normalised name) counts once, so an exact duplicate does
    not push an applicant over. A project whose view in the rule's annex fails `when` is not
    counted; with `counts: passing`, nor is one in `failing` (ids of projects refused by another
    rule). Each counted project of a group over the limit gets the finding, on its part in the
    rule's annex (else on the form it was compiled from)."""
    annex = pack.annex(crit.annex)
    key = crit.group_by or ""
    applies = compile_criterion(replace(crit, kind="row", check=None), pack.functions) \
        if crit.when else None
    groups: dict[str, list[tuple[Record, Record]]] = defaultdict(list)  # value -> (the part, its view)
    for project in projects:
        if crit.counts == "passing" and failing is not None and id(project) in failing:
            continue
        seen = as_annex_row(pack, annex, project)
        if seen is None:
            continue
        part, view = seen
        if applies is not None and evaluate_row(applies, row_variables(pack, annex, view.values)).status == "skip":
            continue
        value = view.values.get(key)
        if value not in (None, ""):
            groups[clean(value).upper()].append((part, view))
    out = []
    name_key = annex.role_key("project_name")
    for members in groups.values():
        projects_named = {clean((v.values.get(name_key) if name_key else None) or f"{v.file}#{v.row}") for _, v in members}
        if len(projects_named) <= (crit.max_count or 0):
            continue
        where = "；".join(part_where(pack, part) for part, _ in members)
        for part, view in members:
            values = {**view.values, "group_count": len(projects_named), "max_count": crit.max_count,
                      "group_value": view.values.get(key)}
            message = f"{render_message(crit.message, values)}（共 {len(projects_named)} 个：{where}）"
            field = crit.field or key
            out.append((part, _criterion_finding(pack, crit, view, field, message, value=view.values.get(key),
                                                 row=part.row)))
    return out


def companion_findings(pack: Pack, records: Sequence[Record], companions: Sequence[Record],
                       crit: Criterion) -> list[tuple[Record, Finding]]:
    """Each record of `crit.annex` needs a record of `crit.companion` in the batch whose
    `match_on` fields hold the same values (as text, width and spaces normalised): a 申报书 sent
    without its 绩效目标. A record whose own match values are all blank is left to the required-field
    check. When a companion's name is close (a typo, a dropped 项目), the message names it."""
    from rapidfuzz import fuzz, process

    own = list(crit.match_on)
    theirs = [crit.match_on[k] for k in own]
    sent = {tuple(clean(c.values.get(k)) for k in theirs) for c in companions}
    first_names = sorted({clean(c.values.get(theirs[0])) for c in companions} - {""})
    other = pack.annex(crit.companion) if crit.companion else None
    other_title = other.title if other is not None else crit.companion or ""
    field = crit.field or own[0]
    out = []
    for r in records:
        key = tuple(clean(r.values.get(k)) for k in own)
        if not any(key) or key in sent:
            continue
        message = render_message(crit.message, r.values)
        near = process.extractOne(key[0], first_names, scorer=fuzz.ratio, score_cutoff=80) if key[0] else None
        if near is not None:
            message += f"（收到的“{other_title}”中有“{near[0]}”，与此处填写的不一致，如为同一项目请改为一致）"
        out.append((r, _criterion_finding(pack, crit, r, field, message, value=r.values.get(field))))
    return out


def _has_error(project: Project, by_row: Mapping[RowKey, list[Finding]]) -> bool:
    return any(f.is_error for p in project.parts for f in by_row.get(row_key(p.file, p.sheet, p.row), ()))


PART_REJECTED = "project.part-rejected"


def part_rejected(pack: Pack, part: Record, refused: Sequence[Record]) -> Finding:
    """The finding that refuses a part for the refusal of other parts of its project."""
    labels = "、".join(dict.fromkeys(annex_label(pack.annex(p.annex)) for p in refused))
    where = "、".join(part_where(pack, p) for p in refused)
    key = pack.role_key(part.annex, "project_name")
    cell = part.cells.get(key) if key else None
    return Finding(PART_REJECTED, "error",
                   f"{_prefix(cell, part)}同一项目的{labels}未通过（{where}，原因见该文件的问题），"
                   "这一项目不予入库；按该材料的问题改正后重新报送",
                   file=part.file, sheet=part.sheet, row=_row_of(cell, part), cell=cell, field=key,
                   value=part.values.get(key) if key else None)


def prior_by_row(records: Sequence[Record], prior: Iterable[Finding]) -> dict[RowKey, list[Finding]]:
    """Ingest's findings by the row of the record they concern."""
    by_row: dict[RowKey, list[Finding]] = defaultdict(list)
    record_keys = {row_key(r.file, r.sheet, r.row) for r in records}
    per_file: dict[str, list[RowKey]] = defaultdict(list)
    for key in record_keys:
        per_file[key[0]].append(key)
    for f in prior:
        if f.row is None:
            continue
        key = row_key(f.file, f.sheet, f.row)
        if key not in record_keys and len(per_file.get(f.file or "", [])) == 1:
            key = per_file[f.file or ""][0]  # a form: one project per file, its cells on many rows
        by_row[key].append(f)
    return by_row


class RowChecker:
    """The checks of one record alone: its annex's JSON Schema and the row criteria. Built once
    (validators and rule expressions compiled once), used for every record, in any process."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.annexes = {a.id: a for a in pack.data_annexes}
        self.validators = {a.id: RecordValidator(pack, a) for a in self.annexes.values()}
        # With the pack's own functions (its named lists: listed('carriers', …)).
        self.rules = {a: RuleSelector([compile_criterion(c, pack.functions) for c in pack.criteria
                                       if c.annex == a and c.kind == "row"])
                      for a in self.annexes}

    def check(self, record: Record, prior: Iterable[Finding] = ()) -> list[Finding]:
        """`prior`: ingest's findings on this record's row (a cell that could not be read is
        not reported again by the schema)."""
        annex = self.annexes[record.annex]
        prior = list(prior)
        unreadable = {f.field for f in prior if f.code == "value.unreadable" and f.field}
        refused = {f.field for f in prior if f.code == "value.unreadable" and f.field and f.is_error}
        # Fields the notice's Word form does not ask for (wordform.NOT_ASKED): not required of
        # it, and a rule that needs one is a warning to check the attachment (criteria_findings).
        not_asked = {k for f in prior if f.code == NOT_ASKED for k in f.extra.get("fields", ())}
        found = schema_findings(self.pack, annex, record, self.validators[annex.id], unreadable | not_asked)
        # Only an error stands in for a rule: an optional cell that could not be read (a warning)
        # leaves every rule that needs it to decide, so no refusal is lost to a warning.
        flagged = refused | {f.field for f in found if f.field and f.is_error}
        found += criteria_findings(self.pack, annex, record, self.rules[annex.id], flagged, unreadable - refused,
                                   not_asked)
        return found

    def check_all(self, records: Sequence[Record], prior: Iterable[Finding]) -> dict[RowKey, list[Finding]]:
        """Every record's own findings by row, e.g. for one file read in a worker process."""
        by_row = prior_by_row(records, prior)
        return {row_key(r.file, r.sheet, r.row): self.check(r, by_row.get(row_key(r.file, r.sheet, r.row), ()))
                for r in records}


def validate(pack: Pack, records: Iterable[Record], prior: Iterable[Finding] = (),
             checked: Mapping[RowKey, list[Finding]] | None = None) -> Validation:
    """Check every record; `prior` are ingest's findings (an unreadable cell rejects its row).

    `checked` holds the row checks already made (by `RowChecker.check_all`, e.g. in the worker
    that read the file); rows not in it are checked here. Group criteria always run here, over
    the whole batch.
    """
    records = list(records)
    result = Validation()
    by_row = prior_by_row(records, prior)
    keys = [row_key(r.file, r.sheet, r.row) for r in records]
    checker: RowChecker | None = None
    new: list[Finding] = []
    for r, key in zip(records, keys, strict=True):
        found = checked.get(key) if checked is not None else None
        if found is None:
            checker = checker or RowChecker(pack)
            found = checker.check(r, by_row.get(key, ()))
        if found:  # most rows have nothing to add: no list is made for them
            by_row[key].extend(found)
            new.extend(found)
    linking = link_projects(pack, records)
    result.linking = linking
    new.extend(linking.findings)
    for crit in pack.criteria:
        if crit.kind == "companion":
            members = [r for r in records if r.annex == crit.annex
                       and linking.of(r).part(crit.companion or "") is None]  # its own part of the companion annex
            companions = [r for r in records if r.annex == crit.companion]
            for r, f in companion_findings(pack, members, companions, crit):
                by_row[row_key(r.file, r.sheet, r.row)].append(f)
                new.append(f)
    for r, f in plausibility_findings(pack, records):  # batch-wide: the median needs every file
        by_row[row_key(r.file, r.sheet, r.row)].append(f)
        new.append(f)
    groups = [c for c in pack.criteria if c.kind == "group"]
    failing = {id(p) for p in linking.projects if _has_error(p, by_row)} \
        if any(c.counts == "passing" for c in groups) else set()
    for crit in groups:
        for r, f in group_findings(pack, crit, linking.projects, failing):
            by_row[row_key(r.file, r.sheet, r.row)].append(f)
            new.append(f)
    # One project, one verdict: a refusal of any of its parts refuses every part.
    for project in linking.projects:
        if len(project.parts) < 2:
            continue
        refused = [p for p in project.parts if _has_error(Project([p]), by_row)]
        if not refused:
            continue
        for part in project.parts:
            if part not in refused:
                f = part_rejected(pack, part, refused)
                by_row[row_key(part.file, part.sheet, part.row)].append(f)
                new.append(f)
    for r, key in zip(records, keys, strict=True):
        found = by_row.get(key)
        errors = [f for f in found if f.is_error] if found else None
        if errors:
            result.rejected.append(r)
            result.reasons[key] = errors
        else:
            result.accepted.append(r)
    result.findings = new
    return result
