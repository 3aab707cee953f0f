"""The 问题清单 sheet, written as worksheet XML."""

from __future__ import annotations

from toolkit.findings import Finding, column_letter
from toolkit.ingest.records import FileReport
from toolkit.outputs.report import FINDING_COLUMNS, FINDING_WIDTHS, finding_rows, row_height
from toolkit.outputs.returns_marks import (
    ERROR_FILL,
    WARNING_FILL,
    Merged,
    clean_text,
    first_line,
    link_location,
    mark_position,
    top_left,
)
from toolkit.outputs.returns_xml.parts import (
    DECLARATION,
    DOC_REL,
    MAIN,
    _esc,
    _ref,
    quoteattr,
)
from toolkit.outputs.returns_xml.styles import Styles
from toolkit.packs.model import Pack
from toolkit.template.styles import HEADER_FILL

LINK_COLOR = "0563C1"
LIST_TAB = "C00000"


# --------------------------------------------------------------------------- the 问题清单 sheet


def list_sheet(styles: Styles, pack: Pack, report: FileReport, findings: list[Finding], notes: list[str],
               merges: dict[str, Merged]) -> bytes:
    """The findings sheet as worksheet XML, with the openpyxl path's columns, looks and links."""
    first = styles.xf(font=styles.font(bold=True, color=LIST_TAB))
    header = styles.xf(font=styles.font(bold=True), fill=styles.fill(HEADER_FILL.lstrip("#").upper()), wrap=False)
    plain = styles.xf()
    link = styles.xf(font=styles.font(color=LINK_COLOR, underline=True))
    severity = {"error": styles.xf(fill=styles.fill(ERROR_FILL)), "warning": styles.xf(fill=styles.fill(WARNING_FILL))}
    ncols = len(FINDING_COLUMNS)
    last_col = column_letter(ncols)
    cell_col = FINDING_COLUMNS.index("单元格") + 1
    severity_col = FINDING_COLUMNS.index("严重程度") + 1
    rows = finding_rows(pack, findings, [report], to_sender=True)
    last = max(len(rows) + 2, 3)

    def text_cell(ref: str, s: int, text: str) -> str:
        return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{_esc(clean_text(text))}</t></is></c>'

    out = [f'<row r="1" ht="48" customHeight="1">{text_cell("A1", first, first_line(report, findings, notes))}'
           + "".join(f'<c r="{_ref(1, c)}" s="{first}"/>' for c in range(2, ncols + 1)) + "</row>",
           '<row r="2">' + "".join(text_cell(_ref(2, c), header, title)
                                   for c, title in enumerate(FINDING_COLUMNS, 1)) + "</row>"]
    links = []
    for r, (values, f) in enumerate(zip(rows, findings, strict=True), 3):
        pos = mark_position(f, report)
        linked = bool(f.cell and pos is not None and f.sheet in merges)
        if linked and f.sheet is not None and pos is not None:
            where = link_location(f.sheet, top_left(pos, merges[f.sheet]))
            links.append(f'<hyperlink ref="{_ref(r, cell_col)}" location={quoteattr(where)} '
                         f'display={quoteattr(f.cell or "")}/>')
        cells = []
        for c, value in enumerate(values, 1):
            s = severity.get(f.severity, plain) if c == severity_col else link if c == cell_col and linked else plain
            ref = _ref(r, c)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}" s="{s}"><v>{value!r}</v></c>')
            elif value:
                cells.append(text_cell(ref, s, str(value)))
            else:
                cells.append(f'<c r="{ref}" s="{s}"/>')
        height = row_height(values, FINDING_WIDTHS)
        out.append(f'<row r="{r}" ht="{height:g}" customHeight="1">{"".join(cells)}</row>')
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in enumerate(FINDING_WIDTHS, 1))
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    xml = (f'<worksheet xmlns="{MAIN}" xmlns:r="{DOC_REL}">'
           f'<sheetPr><tabColor rgb="FF{LIST_TAB}"/><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{last_col}{last}"/>'
           '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
           '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
           '<selection pane="bottomLeft" activeCell="A3" sqref="A3"/></sheetView></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/>'
           f'<cols>{cols}</cols><sheetData>{"".join(out)}</sheetData>'
           f'<autoFilter ref="A2:{last_col}{last}"/>'
           f'<mergeCells count="1"><mergeCell ref="A1:{last_col}1"/></mergeCells>{hyperlinks}'
           '<printOptions horizontalCentered="1"/>'
           '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.7" header="0.3" footer="0.3"/>'
           '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
           '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>'
           '</worksheet>')
    return DECLARATION + xml.encode("utf-8")
