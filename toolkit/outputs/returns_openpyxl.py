"""Return copies through openpyxl: the fallback for a workbook the part-by-part patcher
(toolkit/outputs/returns_xml/) cannot handle, and for our own earlier copy sent back (its marks are
cleared first). openpyxl loads every cell as an object and drops pictures and shapes, so it is
slow and lossy; it is imported only when a copy needs it.
"""

from __future__ import annotations

import copy
import io
import warnings
from pathlib import Path
from typing import Any, ClassVar

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.exceptions import (
    CellCoordinatesException,
    IllegalCharacterError,
    InvalidFileException,
    NamedRangeException,
    SheetTitleException,
)
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook
from openpyxl.worksheet.hyperlink import Hyperlink

from toolkit.findings import Finding
from toolkit.ingest.records import FileReport
from toolkit.outputs.report import FINDING_COLUMNS, FINDING_WIDTHS, finding_rows, row_height
from toolkit.outputs.returns_marks import (
    AUTHOR,
    ERROR_FILL,
    LIST_SHEET,
    WARNING_FILL,
    Mark,
    Merged,
    cell_marks,
    clean_text,
    comment_size,
    first_line,
    free_sheet_name,
    link_location,
    mark_position,
    position,
    to_top_left,
    top_left,
)
from toolkit.packs.model import Pack
from toolkit.runtime.atomic import atomic_path
from toolkit.template.styles import HEADER_FILL

# openpyxl's own refusals of a file's content.
OPENPYXL_REFUSALS: tuple[type[BaseException], ...] = (
    InvalidFileException, IllegalCharacterError, CellCoordinatesException, SheetTitleException, NamedRangeException,
)
# What loading and saving a county's workbook raises beyond what the patching does (the caller
# catches both): those refusals, SyntaxError (ElementTree's ParseError) and TypeError, which
# openpyxl's typed descriptors raise for a value of the wrong type in a part.
COPY_FAILURES: tuple[type[BaseException], ...] = (*OPENPYXL_REFUSALS, SyntaxError, TypeError)


def openpyxl_copy(pack: Pack, report: FileReport, findings: list[Finding], target: Path, data: bytes,
                  notes: list[str]) -> Path:
    """The county's workbook loaded and saved by openpyxl, with the marks, comments and a 问题清单."""
    with warnings.catch_warnings():
        # openpyxl warns about every extension it drops; the clerk cannot act on those lines.
        warnings.simplefilter("ignore")
        # A file object, not a path: openpyxl refuses names not ending in .xlsx/.xlsm, and
        # counties rename .xlsx files to .xls.
        wb = load_workbook(io.BytesIO(data), keep_vba=False, rich_text=True, keep_links=True)
    _unmark_previous(wb, report)
    marks = cell_marks(findings, report)
    merges: dict[str, Merged] = {}  # sheets of the copy that carry marks
    for sheet_name, sheet_marks in marks.items():
        if sheet_name not in wb.sheetnames:
            continue
        ws = wb[sheet_name]
        if not hasattr(ws, "merged_cells"):  # a chart sheet: nothing to mark
            continue
        merges[sheet_name] = _merged_of(ws)
        for (r, c), mark in to_top_left(sheet_marks, merges[sheet_name]).items():
            _mark_cell(ws, r, c, mark)
    _list_sheet_openpyxl(wb, pack, report, findings, notes, merges)
    wb.template = False  # an .xltx/.xltm sent in is returned as a workbook
    wb.calculation.fullCalcOnLoad = True  # openpyxl drops formula results: recalculate on open
    with atomic_path(target) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb.save(tmp)
    return target



def _merged_of(ws: Any) -> Merged:
    return [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]



def _mark_cell(ws: Any, r: int, c: int, mark: Mark) -> None:
    cell = ws.cell(row=r, column=c)
    if isinstance(cell, MergedCell):  # a range openpyxl knows but the reader did not report
        return
    cell.fill = PatternFill(fill_type="solid", start_color=mark.fill, end_color=mark.fill)
    text = clean_text(mark.text)
    old = cell.comment
    if old is not None and old.author != AUTHOR and old.text:
        text = f"{text}\n\n（原批注）{old.text}"
    width, height = comment_size(text)
    cell.comment = Comment(text, AUTHOR, height=height, width=width)



def _is_our_list(ws: Any) -> bool:
    """A 问题清单 we wrote in an earlier copy that the county sent back: replaced, not kept."""
    if not hasattr(ws, "cell"):  # a chart sheet
        return False
    return tuple(ws.cell(2, c + 1).value for c in range(len(FINDING_COLUMNS))) == FINDING_COLUMNS



def _unmark_previous(wb: OpenpyxlWorkbook, report: FileReport) -> None:
    """A county that corrects our copy and sends it back: clear the marks the old 问题清单 lists
    (our fill and our comment), so fixed cells are no longer red. The list says which cells were
    marked, so no sheet is searched; a cell whose fill or comment is not ours is left alone."""
    if LIST_SHEET not in wb.sheetnames or not _is_our_list(wb[LIST_SHEET]):
        return
    old = wb[LIST_SHEET]
    col = {name: FINDING_COLUMNS.index(name) + 1 for name in ("工作表", "单元格", "行")}
    ours = {ERROR_FILL, WARNING_FILL}
    merges: dict[str, Merged] = {}
    for r in range(3, old.max_row + 1):
        sheet, ref, row = (old.cell(r, col[k]).value for k in ("工作表", "单元格", "行"))
        if not isinstance(sheet, str) or sheet not in wb.sheetnames or not hasattr(wb[sheet], "merged_cells"):
            continue
        pos = position(sheet, row if isinstance(row, int) else None, ref if isinstance(ref, str) else None, report)
        if pos is None:
            continue
        ws = wb[sheet]
        if sheet not in merges:
            merges[sheet] = _merged_of(ws)
        cell = ws.cell(*top_left(pos, merges[sheet]))
        if isinstance(cell, MergedCell):
            continue
        if cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb)[-6:] in ours:
            cell.fill = PatternFill(fill_type=None)
        if cell.comment is not None and cell.comment.author == AUTHOR:
            cell.comment = None
    wb.remove(old)



def _list_sheet_openpyxl(wb: OpenpyxlWorkbook, pack: Pack, report: FileReport, findings: list[Finding],
                         notes: list[str], merges: dict[str, Merged]) -> None:
    ws = wb.create_sheet(free_sheet_name(wb.sheetnames, LIST_SHEET))
    ws.sheet_properties.tabColor = "C00000"
    first = ws.cell(1, 1)
    _set_text(first, first_line(report, findings, notes))
    first.font = Font(name="宋体", size=11, bold=True, color="C00000")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(FINDING_COLUMNS))
    first.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 48
    header_fill = PatternFill(fill_type="solid", start_color=HEADER_FILL.lstrip("#"), end_color=HEADER_FILL.lstrip("#"))
    for c, (title, width) in enumerate(zip(FINDING_COLUMNS, FINDING_WIDTHS, strict=True), 1):
        cell = ws.cell(2, c)
        _set_text(cell, title)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.fill = header_fill
        ws.column_dimensions[get_column_letter(c)].width = width
    cell_col = FINDING_COLUMNS.index("单元格") + 1
    severity_col = FINDING_COLUMNS.index("严重程度") + 1
    style = _StyleCache()
    rows = finding_rows(pack, findings, [report], to_sender=True)
    for i, (values, f) in enumerate(zip(rows, findings, strict=True), 3):
        for c, value in enumerate(values, 1):
            cell = ws.cell(i, c)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.value = value
            elif value:
                _set_text(cell, str(value))
            style.apply(cell, "plain")
        ws.row_dimensions[i].height = row_height(values, FINDING_WIDTHS)
        pos = mark_position(f, report)
        if f.cell and pos is not None and f.sheet in merges:
            link = ws.cell(i, cell_col)
            where = link_location(f.sheet, top_left(pos, merges[f.sheet]))
            link.hyperlink = Hyperlink(ref=link.coordinate, location=where)
            style.apply(link, "link")
        style.apply(ws.cell(i, severity_col), f.severity)
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "2:2"
    last = max(len(rows) + 2, 3)
    ws.auto_filter.ref = f"A2:{get_column_letter(len(FINDING_COLUMNS))}{last}"
    # Open on the list: one selected tab, else Excel opens the sheets grouped.
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    wb.active = wb.sheetnames.index(ws.title)
    ws.sheet_view.tabSelected = True



class _StyleCache:
    """The list's few cell styles, each built once and then copied: setting a style attribute in
    openpyxl searches the workbook's style tables, which took seconds for a list of 30 000 rows."""

    LOOKS: ClassVar[dict[str, dict[str, Any]]] = {
        "plain": {},
        "link": {"font": Font(name="宋体", size=11, color="0563C1", underline="single")},
        "error": {"fill": PatternFill(fill_type="solid", start_color=ERROR_FILL, end_color=ERROR_FILL)},
        "warning": {"fill": PatternFill(fill_type="solid", start_color=WARNING_FILL, end_color=WARNING_FILL)},
    }

    def __init__(self) -> None:
        self.built: dict[str, Any] = {}

    def apply(self, cell: Any, look: str) -> None:
        if look in self.built:
            cell._style = copy.copy(self.built[look])  # openpyxl's own idiom for copying a style
            return
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        for attr, value in self.LOOKS[look].items():
            setattr(cell, attr, value)
        self.built[look] = copy.copy(cell._style)



def _set_text(cell: Any, text: str) -> None:
    """A string cell, whatever the text starts with: openpyxl would store `=…` as a formula."""
    cell.value = clean_text(text)
    cell.data_type = "s"


# --------------------------------------------------------------------------- rebuilt copies

