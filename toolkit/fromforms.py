"""Projects sent only as forms become rows of the summary.

Some notices have each applicant fill a form (4-1 申报书, 智慧江苏重点工程申报表) and the clerk
compile the table (4-5 汇总表, 推荐项目汇总表) from them: typing that table is the drudgery. The pack
says which form fields fill which summary columns (`summary.from_forms`); a form's project that no
table row of the batch lists already is added to the summary as a row of its own, read from the
form's cells (so its provenance is the form: file, sheet, cells). A project listed both ways stays
one row, the table's: same name, and the same credit code, or (without codes) the same applicant.
A name written differently on the two is left to the suspected-duplicate review, never guessed.

The form's record is replaced by its row, not added beside it: every record read still ends up
exactly once accepted, rejected or merged.
"""

from __future__ import annotations

from collections.abc import Sequence

from toolkit.dedupe import identity
from toolkit.ingest.records import Record
from toolkit.packs.model import Annex, FromForm, Pack


def summary_rows(pack: Pack, annex: Annex, accepted: Sequence[Record]) -> tuple[list[Record], list[Record]]:
    """(the summary annex's records, forms' projects not yet listed added in file order; the
    records of other annexes, which pass through as they are)."""
    sources = {f.annex: f for f in pack.summary.from_forms} if pack.summary else {}
    if not any(r.annex in sources for r in accepted):  # no forms: nothing to join
        return [r for r in accepted if r.annex == annex.id], [r for r in accepted if r.annex != annex.id]
    listed_by_code: set[tuple[str, str]] = set()
    listed_by_applicant: set[tuple[str, str]] = set()
    for r in accepted:
        if r.annex == annex.id:
            name, code, applicant = identity(pack, r)
            listed_by_code.add((name, code))
            listed_by_applicant.add((name, applicant))
    rows: list[Record] = []
    others: list[Record] = []
    for r in accepted:
        if r.annex == annex.id:
            rows.append(r)
            continue
        source = sources.get(r.annex)
        if source is None:
            others.append(r)
            continue
        row = project(r, source, annex)
        name, code, applicant = identity(pack, row)
        if (code and (name, code) in listed_by_code) or (applicant and (name, applicant) in listed_by_applicant):
            others.append(r)  # the table lists it already: the form stays behind it
        else:
            rows.append(row)
    return rows, others


def project(form: Record, source: FromForm, annex: Annex) -> Record:
    """The form's project as a record of the summary annex, pointing at the form's cells."""
    values = dict.fromkeys(annex.field_keys)
    cells: dict[str, str] = {}
    raw = {}
    for target, taken in source.fields.items():
        values[target] = form.values.get(taken)
        if taken in form.cells:
            cells[target] = form.cells[taken]
        if taken in form.raw:
            raw[target] = form.raw[taken]
    return Record(annex.id, values, form.file, form.sheet, form.row, cells, raw,
                  reporting_unit=form.reporting_unit, extra=dict(form.extra), hidden=form.hidden, chain=form.chain)
