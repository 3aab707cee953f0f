"""The template stage: blank annexes from a campaign pack, ready to send down to the counties.

Table and form annexes become Excel workbooks (xlsxwriter) with dropdowns, tips, print setup, a
`填表说明` sheet and the hidden version stamp; document annexes become Word files laid out per
GB/T 9704. Every file is written through `atomic_path`, so a crash never leaves half a template
on the shared drive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import OutputError, ShenbaoError
from toolkit.packs.model import Annex, Pack
from toolkit.runtime.atomic import atomic_path, explain
from toolkit.template.stamp import Stamp, read_stamp

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

    from toolkit.template.lists import ListSheet
    from toolkit.template.styles import Styles

__all__ = ["Stamp", "choose_annexes", "read_stamp", "template_name", "write_annex",
           "write_templates"]

# The writers import xlsxwriter and python-docx only when a template is written, so that a
# reader of the stamp (ingest) does not pay for them.
Drawer = Callable[["Workbook", "Styles", "ListSheet", Pack, Annex], None]


# Characters Windows forbids in file names, replaced by their full-width forms so the name still
# reads the same to a clerk (`2020/2021` -> `2020／2021`).
_FILE_NAME_TABLE = str.maketrans('\\/:*?"<>|', "＼／：＊？＂＜＞｜")


def template_name(annex: Annex) -> str:
    """File name of an annex's template: `附件1 “761”工程….xlsx`, `附件4-4 ….docx`."""
    stem = annex.file_stem.translate(_FILE_NAME_TABLE).strip().rstrip(".")
    return f"{stem}.{'docx' if annex.kind == 'document' else 'xlsx'}"


def choose_annexes(pack: Pack, annex_ids: Sequence[str] | None) -> list[Annex]:
    """The annexes asked for, in pack order; an unknown id names the valid ones."""
    if not annex_ids:
        return list(pack.annexes)
    known = {a.id for a in pack.annexes}
    unknown = [i for i in annex_ids if i not in known]
    if unknown:
        listed = "、".join(f"{a.id}（{a.file_stem}）" for a in pack.annexes)
        raise ShenbaoError(f"申报包 {pack.id} 中没有附件“{'、'.join(unknown)}”，可选的附件：{listed}")
    wanted = set(annex_ids)
    return [a for a in pack.annexes if a.id in wanted]


def write_templates(pack: Pack, out_dir: Path, annex_ids: Sequence[str] | None = None) -> list[Path]:
    """Write the blank template of every annex (or the chosen ones) into `out_dir`."""
    annexes = choose_annexes(pack, annex_ids)
    return [write_annex(pack, annex, Path(out_dir) / template_name(annex)) for annex in annexes]


def write_annex(pack: Pack, annex: Annex, target: Path) -> Path:
    if annex.kind == "document":
        from toolkit.template.document import write_document

        with atomic_path(target) as tmp:
            write_document(pack, annex, tmp)
        return target
    if annex.kind == "form":
        from toolkit.template.form import write_form

        return _write_workbook(pack, annex, target, write_form)
    from toolkit.template.table import write_table

    return _write_workbook(pack, annex, target, write_table)


def _write_workbook(pack: Pack, annex: Annex, target: Path, draw: Drawer) -> Path:
    from xlsxwriter.exceptions import XlsxWriterException

    from toolkit.template.guide import write_guide
    from toolkit.template.lists import ListSheet
    from toolkit.template.stamp import write_stamp
    from toolkit.template.styles import Styles, new_workbook

    with atomic_path(target) as tmp:
        wb = new_workbook(tmp, pack, annex)
        styles = Styles(wb)
        lists = ListSheet(wb)
        # Sheet order matters to clerks: the data sheet opens first, the instructions second;
        # the hidden list and stamp sheets come last (readers find them by name).
        draw(wb, styles, lists, pack, annex)
        write_guide(wb, styles, pack, annex)
        lists.write()
        write_stamp(wb, pack, annex)
        try:
            wb.close()
        except XlsxWriterException as exc:
            raise OutputError(explain(exc, target)) from None
    return target
