"""Validate records: the annex's JSON Schema and the notice's criteria -> findings at cells.

A record with any error finding (from ingest or here) is rejected (不予入库); warnings keep it.
Group criteria (e.g. 同一申报单位不超过2个项目) count across the whole batch, every file together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from toolkit.criteria import (
    Compiled,
    SharedContext,
    annex_variable_names,
    compile_criterion,
    evaluate_row,
    render_message,
    row_context,
    row_variables,
)
from toolkit.findings import Finding
from toolkit.ingest.records import Record
from toolkit.ingest.wordform import NOT_ASKED
from toolkit.packs.model import Annex, Criterion, Pack
from toolkit.packs.schemas import RecordValidator, record_errors
from toolkit.textnorm import clean

RowKey = tuple[str, str, int]


def row_key(file: str | None, sheet: str | None, row: int | None) -> RowKey:
    return (file or "", sheet or "", row or 0)


@dataclass
class Validation:
    accepted: list[Record] = field(default_factory=list)
    rejected: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    reasons: dict[RowKey, list[Finding]] = field(default_factory=dict)  # rejected row -> its errors

    def reasons_for(self, record: Record) -> list[Finding]:
        return self.reasons.get(row_key(record.file, record.sheet, record.row), [])


def _row_of(cell: str | None, record: Record) -> int:
    """The Excel row of the cell (a form's fields sit on many rows), else the record's row."""
    digits = re.search(r"\d+$", cell or "")
    return int(digits.group()) if digits else record.row


def _prefix(cell: str | None, record: Record) -> str:
    return f"{cell}：" if cell else f"第{record.row}行："


def schema_findings(pack: Pack, annex: Annex, record: Record, validator: Any,
                    unreadable: set[str]) -> list[Finding]:
    out = []
    for err in record_errors(pack, annex, record.values, validator):
        if err.field in unreadable:
            continue  # ingest already said this cell could not be read
        cell = record.cells.get(err.field) if err.field else None
        message = _prefix(cell, record) + err.message
        if err.field and err.field not in record.cells and err.code == "schema.required":
            message = f"第{record.row}行：{err.message}（表中没有这一列）"
        out.append(Finding(err.code, "error", message, file=record.file, sheet=record.sheet,
                           row=_row_of(cell, record), cell=cell, field=err.field, value=err.value))
    return out


def criteria_findings(pack: Pack, annex: Annex, record: Record, compiled: Sequence[Compiled],
                      flagged: set[str], shared: SharedContext | None = None,
                      not_asked: Collection[str] = ()) -> list[Finding]:
    """`not_asked`: fields the form the record was read from does not ask for (the notice's
    Word form): a rule failing for want of one is a warning to check the attachment instead."""
    out = []
    variables = row_variables(pack, annex, record.values)
    context = None  # made once, when the first rule that needs CEL applies
    for rule in compiled:
        if rule.applies is not None and not rule.applies(variables):
            continue  # the rule does not concern this record
        if rule.passes is not None and rule.passes(variables):
            continue  # passes for sure (or does not apply): no finding either way, and no CEL
        crit = rule.criterion
        if context is None:
            context = shared.use(variables) if shared is not None else row_context(variables)
        result = evaluate_row(rule, variables, context)
        if result.status != "fail":
            continue
        blank = [k for k, v in variables.items() if v is None and k in rule.variables]
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
        if result.reason and blank:
            titles = "、".join(f"“{annex.field(k).title}”" for k in blank if k in annex.field_keys)
            message += f"（{titles}未填写）"
        out.append(_criterion_finding(pack, crit, record, crit.field, message,
                                      value=record.values.get(crit.field) if crit.field else None))
    return out


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


def group_findings(pack: Pack, annex: Annex, records: Sequence[Record], crit: Criterion) -> list[Finding]:
    """`max_count` per value of `group_by`, counted over the whole batch; a project sent twice
    (same normalised name) counts once, so an exact duplicate does not push an applicant over."""
    key = crit.group_by or ""
    groups: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        value = r.values.get(key)
        if value not in (None, ""):
            groups[clean(value).upper()].append(r)
    out = []
    for members in groups.values():
        name_key = annex.role_key("project_name")
        projects = {clean((m.values.get(name_key) if name_key else None) or f"{m.file}#{m.row}") for m in members}
        if len(projects) <= (crit.max_count or 0):
            continue
        where = "；".join(f"{m.file} 第{m.row}行" for m in members)
        for m in members:
            values = {**m.values, "group_count": len(projects), "max_count": crit.max_count,
                      "group_value": m.values.get(key)}
            message = f"{render_message(crit.message, values)}（共 {len(projects)} 个：{where}）"
            out.append(_criterion_finding(pack, crit, m, crit.field or key, message, value=m.values.get(key), row=m.row))
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
    (validators and CEL programs compiled once), used for every record, in any process."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.annexes = {a.id: a for a in pack.data_annexes}
        self.validators = {a.id: RecordValidator(pack, a) for a in self.annexes.values()}
        constants = {"campaign_year": pack.year}
        self.rules = {a: [compile_criterion(c, constants) for c in pack.criteria if c.annex == a and c.kind == "row"]
                      for a in self.annexes}
        self.contexts = {a.id: SharedContext(annex_variable_names(a)) for a in self.annexes.values()}

    def check(self, record: Record, prior: Iterable[Finding] = ()) -> list[Finding]:
        """`prior`: ingest's findings on this record's row (a cell that could not be read is
        not reported again by the schema)."""
        annex = self.annexes[record.annex]
        prior = list(prior)
        unreadable = {f.field for f in prior if f.code == "value.unreadable" and f.field}
        # Fields the notice's Word form does not ask for (wordform.NOT_ASKED): not required of
        # it, and a rule that needs one is a warning to check the attachment (criteria_findings).
        not_asked = {k for f in prior if f.code == NOT_ASKED for k in f.extra.get("fields", ())}
        found = schema_findings(self.pack, annex, record, self.validators[annex.id], unreadable | not_asked)
        flagged = unreadable | {f.field for f in found if f.field}
        found += criteria_findings(self.pack, annex, record, self.rules[annex.id], flagged, self.contexts[annex.id],
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
    annexes = {a.id: a for a in pack.data_annexes}
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
    for crit in pack.criteria:
        if crit.kind == "group":
            members = [r for r in records if r.annex == crit.annex]
            for f in group_findings(pack, annexes[crit.annex], members, crit):
                by_row[row_key(f.file, f.sheet, f.row)].append(f)
                new.append(f)
        elif crit.kind == "companion":
            members = [r for r in records if r.annex == crit.annex]
            companions = [r for r in records if r.annex == crit.companion]
            for r, f in companion_findings(pack, members, companions, crit):
                by_row[row_key(r.file, r.sheet, r.row)].append(f)
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
