"""Word documents in an inbox: which kind they are, and a .docx opened safely as its tables and
paragraphs (the form reader, toolkit/ingest/wordform.py, finds labels and values in them).

Enterprises fill the notice's own Word form as often as our Excel one. A .docx is a zip of XML
parts, as untrusted as any workbook: the zip guard (toolkit/ingest/guard.py) checks it before
python-docx opens it — sizes, member names, compression, and any DTD or entity declaration in any
part (python-docx's lxml parser does not resolve entities either). python-docx gives the tables'
rows and cells; a merged cell comes back once per grid column and once per row it spans, so cells
are told apart by their `<w:tc>` element, and a cell continued from the row above is marked so.

Cell text is read from the XML rather than python-docx's `text`, which skips content controls
(Word's clickable check boxes live in one) and symbol-font boxes (Wingdings ☑ inserted with
插入→符号 is a `<w:sym>`, not a character); deleted text of tracked changes is left out.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from toolkit.ingest.guard import WORD_MARKERS, Limits, check_zip

WordKind = Literal["docx", "doc", "odt", "rtf", "broken-docx", "encrypted-docx"]

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W_P, W_R, W_T, W_TBL, W_TC = W + "p", W + "r", W + "t", W + "tbl", W + "tc"
W_TAB, W_BR, W_CR, W_SYM, W_RPR, W_RFONTS = W + "tab", W + "br", W + "cr", W + "sym", W + "rPr", W + "rFonts"
# Not text a reader sees: deletions (tracked changes), field codes, nested tables (not read),
# and the run properties that come before a run's text.
_SKIP = frozenset({W + "del", W + "moveFrom", W + "delText", W + "instrText", W_TBL, W + "pPr", W_RPR,
                   W + "tcPr", W + "trPr", W + "tblPr"})
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Boxes and ticks of the symbol fonts, by (font, character code with Word's F000 offset removed).
SYMBOLS = {
    ("wingdings", 0xA8): "□", ("wingdings", 0x6F): "□", ("wingdings", 0x71): "□",
    ("wingdings", 0xFE): "☑", ("wingdings", 0xFD): "☒", ("wingdings", 0x78): "☒", ("wingdings", 0xFC): "√",
    ("wingdings 2", 0xA3): "□", ("wingdings 2", 0x2A): "□", ("wingdings 2", 0x52): "☑",
    ("wingdings 2", 0x54): "☒", ("wingdings 2", 0x50): "√",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODT_MIME = "application/vnd.oasis.opendocument.text"
DOCX_SUFFIXES = (".docx", ".docm", ".dotx", ".dotm")


@dataclass(frozen=True)
class WordCell:
    col: int  # 1-based grid column where the cell starts
    text: str
    above: bool  # the same cell as in the row above (vertically merged): context, not a new label


@dataclass(frozen=True)
class WordTable:
    number: int  # 1-based, in document order
    rows: tuple[tuple[WordCell, ...], ...]  # per row, each distinct cell once, left to right


@dataclass(frozen=True)
class WordDoc:
    paragraphs: tuple[str, ...]  # body paragraphs outside the tables, in document order
    tables: tuple[WordTable, ...]


class WordRefused(Exception):
    """A Word file that is not read: a finding code and a Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def word_kind(path: Path, data: bytes) -> WordKind | None:
    """What kind of Word document the file's bytes are, or None for anything else (left to the
    spreadsheet readers, which skip or refuse it). `path` only for its name."""
    head = data[:8192]
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if names & WORD_MARKERS:
                    return "docx"
                if "mimetype" in names and zf.read("mimetype").decode("ascii", "replace").startswith(ODT_MIME):
                    return "odt"
        except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, ValueError):
            # A truncated zip has no central directory; its first local header still names the parts.
            if b"word/" in head or path.suffix.lower() in DOCX_SUFFIXES:
                return "broken-docx"
        return None
    if head.startswith(OLE_MAGIC):
        from toolkit.ingest.readers import _ole_names  # the same hand-parsed directory as for .xls

        try:
            names = {n.casefold() for n in _ole_names(data)}
        except ValueError:
            return None
        if "encryptedpackage" in names and path.suffix.lower() in DOCX_SUFFIXES:
            return "encrypted-docx"  # an encrypted .docx is an OLE file holding the encrypted zip
        return "doc" if "worddocument" in names else None
    if head.startswith(b"{\\rtf"):
        return "rtf"
    return None


def open_docx(path: Path, data: bytes, limits: Limits | None = None) -> WordDoc:
    """The tables and paragraphs of a .docx whose bytes are `data` (read once by the caller, who
    hashes them for the manifest); WordRefused when it must not or cannot be read."""
    refusal = check_zip(path, limits or Limits(), content=data, markers=WORD_MARKERS)
    if refusal is not None:
        raise WordRefused(refusal.code, _for_word(refusal.message))
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        paragraphs = tuple(t for t in (_text(p) for p in body.iter(W_P) if _outside(p, W_TBL)) if t)
        tables = []
        for n, tbl in enumerate((t for t in body.iter(W_TBL) if _outside(t, W_TC)), 1):
            tables.append(WordTable(n, _rows(Table(tbl, document))))
    except WordRefused:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds for a broken package
        raise WordRefused("file.corrupt", "Word 文件已损坏或不完整（可能没有传完或下载中断），无法读取。"
                          f"请重新保存为 .docx 后报送（{type(exc).__name__}）") from None
    return WordDoc(paragraphs, tuple(tables))


def _for_word(message: str) -> str:
    """The guard speaks of workbooks; the same refusal of a .docx names Word."""
    return (message.replace("请用 Excel 或 WPS 打开后另存为 .xlsx", "请用 Word 或 WPS 打开后另存为 .docx")
            .replace("不是正常的表格文件", "不是正常的 Word 文件").replace("Excel、WPS", "Word、WPS")
            .replace("远大于正常的申报表", "远大于正常的 Word 申报书"))


def _outside(el: Any, tag: str) -> bool:
    return next(el.iterancestors(tag), None) is None


def _rows(table: Any) -> tuple[tuple[WordCell, ...], ...]:
    out = []
    above: dict[int, Any] = {}  # grid column -> the <w:tc> there in the row above
    for row in table.rows:
        try:
            cells = [c._tc for c in row.cells]
            first = 1 + int(row.grid_cols_before or 0)
        except ValueError:  # python-docx: a vertical merge with nothing above it, in a hand-edited file: each
            # <w:tc> as it stands, over the grid columns it spans
            cells = [tc for tc in row._tr.tc_lst for _ in range(max(1, _span(tc)))]
            first = 1
        here: dict[int, Any] = {}
        distinct: list[WordCell] = []
        last: Any = None
        for offset, tc in enumerate(cells):
            col = first + offset
            here[col] = tc
            if tc is last:
                continue  # the same cell again: it spans several grid columns
            last = tc
            distinct.append(WordCell(col, _text(tc), above.get(col) is tc))
        above = here
        out.append(tuple(distinct))
    return tuple(out)


def _span(tc: Any) -> int:
    try:
        return int(tc.grid_span)
    except (TypeError, ValueError):
        return 1


def _text(el: Any) -> str:
    parts: list[str] = []
    _collect(el, parts, "")
    return "".join(parts).strip()


def _collect(node: Any, parts: list[str], font: str) -> None:
    for child in node:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP or tag == _MC_FALLBACK:
            continue
        if tag == W_R:
            fonts = child.find(f"{W_RPR}/{W_RFONTS}")
            run_font = (fonts.get(W + "ascii") or fonts.get(W + "hAnsi") or "").lower() if fonts is not None else ""
            _collect(child, parts, run_font)
        elif tag == W_T:
            text = child.text or ""
            if font.startswith("wingdings"):
                text = "".join(SYMBOLS.get((font, ord(ch) & 0xFF), ch) for ch in text)
            parts.append(text)
        elif tag == W_TAB:
            parts.append("\t")
        elif tag in (W_BR, W_CR):
            parts.append("\n")
        elif tag == W_SYM:
            sym_font = (child.get(W + "font") or "").lower()
            try:
                code = int(child.get(W + "char") or "", 16) & 0xFF
            except ValueError:
                continue
            parts.append(SYMBOLS.get((sym_font, code), ""))
        else:
            _collect(child, parts, font)
            if tag == W_P:
                parts.append("\n")
