"""Projects sent only as forms become rows of the summary.

Some notices have each applicant fill a form (4-1 申报书, 智慧江苏重点工程申报表) and the clerk
compile the table (4-5 汇总表, 推荐项目汇总表) from them: typing that table is the drudgery. The pack
says which form fields fill which summary columns (`summary.from_forms`); a form's project that no
table row of the batch lists already is added to the summary as a row of its own, read from the
form's cells (so its provenance is the form: file, sheet, cells). A project listed both ways stays
one row, the table's: the form and the row are parts of one project (toolkit/validate/projects.py links
them by enterprise and name, a different spelling with a warning).

The form's record is replaced by its row, not added beside it: every record read still ends up
exactly once accepted, rejected or merged.
"""

from __future__ import annotations

from collections.abc import Sequence

from toolkit.ingest.records import Record
from toolkit.packs.model import Annex, FromForm, Pack
from toolkit.validate.projects import Linking, Project


def summary_rows(pack: Pack, annex: Annex, accepted: Sequence[Record],
                 linking: Linking | None = None) -> tuple[list[Record], list[Record], list[tuple[Record, Record, str]]]:
    """(the summary's rows: one per accepted project, in file order; the records that stand
    behind a row, and those of other annexes, which pass through as they are; pairs of rows
    whose projects may be one, for the suspected-duplicate review). A project's row is its part
    in the summary's annex, else the row compiled from its form (`summary.from_forms`)."""
    if linking is None:
        return [r for r in accepted if r.annex == annex.id], [r for r in accepted if r.annex != annex.id], []
    rows: list[Record] = []
    others: list[Record] = []
    row_of: dict[int, Record] = {}  # id(project) -> its row
    for r in accepted:
        project = linking.of(r)
        found = as_annex_row(pack, annex, project, compiled_only=True)
        if found is not None and found[0] is r:
            rows.append(found[1])
            row_of[id(project)] = found[1]
        else:
            others.append(r)
    near = [(row_of[id(a)], row_of[id(b)], why) for a, b, why in linking.near if id(a) in row_of and id(b) in row_of]
    return rows, others, near


def as_annex_row(pack: Pack, annex: Annex, project: Project, *,
                 compiled_only: bool = False) -> tuple[Record, Record] | None:
    """(the part, the project as a record of `annex`): its own part in `annex`; else its form's
    project compiled by `summary.from_forms`; else (unless `compiled_only`) its first part's
    values under `annex`'s fields, matched by role or by key, for a listing such as 未通过."""
    own = project.part(annex.id)
    if own is not None:
        return own, own
    if pack.summary and pack.summary.annex == annex.id:
        for source in pack.summary.from_forms:
            form = project.part(source.annex)
            if form is not None:
                return form, project_row(form, source, annex)
    if compiled_only or not project.parts:
        return None
    first = project.parts[0]
    return first, by_roles(pack, first, annex)


def by_roles(pack: Pack, record: Record, annex: Annex) -> Record:
    """`record` as a record of `annex`: each field of `annex` from the field of `record`'s annex
    that plays the same role, else from the field of the same key."""
    mapping: dict[str, str] = {}
    own = pack.annex(record.annex)
    for f in annex.fields:
        taken = own.role_key(f.role) if f.role else None
        if taken is None and f.key in own.field_keys:
            taken = f.key
        if taken is not None:
            mapping[f.key] = taken
    return project_row(record, FromForm(record.annex, mapping), annex)


def project_row(form: Record, source: FromForm, annex: Annex) -> Record:
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
