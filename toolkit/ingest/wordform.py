"""The notice's own Word form (附件4-1 申报书 as a .docx), filled by an enterprise -> the same record
as our Excel form: the same field keys, the same value normalisation (toolkit/ingest/values.py).

Only the annexes whose pack entry declares `word_form` are read from Word; toolkit/ingest/
wordlabels.py finds their labels and values as people fill the form. Each value keeps where it was
read, `表格 N 第 r 行 第 c 列` (or `正文 第 n 段` on the cover), as the record's cell, so findings, the
校验报告 and the 问题清单 point at it. Fields the Word form does not ask for (`word_form.not_asked`:
the notice asks for them as separate attachments) are, when absent, a warning naming the
attachment to check, never a refusal (validate reads the NOT_ASKED finding).

A Word file that is not one of the pack's forms (建设方案, 承诺书) is skipped; an old .doc or an
.odt is skipped with a request to save it as .docx or use our Excel form; a broken or unsafe .docx
is an error of its own file. None of them stops the batch.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.findings import Finding
from toolkit.ingest.guard import Limits
from toolkit.ingest.records import FileReport, Record
from toolkit.ingest.values import normalise
from toolkit.ingest.worddoc import WordRefused, open_docx, word_kind
from toolkit.ingest.wordlabels import Found, LabelReader, Place, blank, read_labels, skeleton
from toolkit.packs.model import Annex, Field, Pack
from toolkit.textnorm import header_unit

NOT_ASKED = "header.not-in-word-form"  # validate sets such a field aside (no required/criteria refusal)
MIN_FOUND = 4  # labels found before a Word document is taken for a form ...
MIN_SHARE = 0.3  # ... and this share of the fields the Word form asks for
MSG_DOC = ("旧版 Word 文档（.doc），无法读取其中的表格。如果这是{forms}，请另存为 .docx 或使用下发的 Excel 表"
           "（用 Word 或 WPS 打开，“另存为”Word 文档 .docx）后重新报送；如果是建设方案、承诺书等附件材料，可忽略本提示")
MSG_ODT = ("OpenDocument 文本（.odt），无法读取其中的表格。如果这是{forms}，请另存为 .docx 或使用下发的 Excel 表"
           "后重新报送；如果是附件材料，可忽略本提示")
MSG_RTF = MSG_DOC.replace("旧版 Word 文档（.doc）", "RTF 文档（.rtf）")
MSG_ENCRYPTED = "Word 文件设置了打开密码，无法读取。请去掉密码，另存为不加密的 .docx 后重新报送"
MSG_NOT_FORM = "Word 文档，其中没有{forms}的表格栏目（如建设方案、承诺书等附件材料），已跳过"
MSG_NO_FORMS = "Word 文档，不是电子表格，本次申报没有 Word 表单，已跳过"


@dataclass
class WordRead:
    report: FileReport
    records: list[Record]
    findings: list[Finding]


# ------------------------------------------------------------------------ the record


def _forms(pack: Pack) -> list[Annex]:
    return [a for a in pack.data_annexes if a.kind == "form" and a.word_form is not None]


def _asked(annex: Annex) -> list[Field]:
    not_asked = annex.word_form.not_asked if annex.word_form else {}
    return [f for f in annex.fields if f.key not in not_asked]


def _found(reader: LabelReader) -> int:
    return len(reader.found) + len(reader.items)


def _enough(annex: Annex, reader: LabelReader) -> bool:
    asked = len(_asked(annex))
    return _found(reader) >= max(MIN_FOUND, math.ceil(MIN_SHARE * asked))


def build_record(annex: Annex, reader: LabelReader, file: str) -> tuple[Record, list[Finding]]:
    found = reader.found
    places = [f.place for f in found.values()] + [p for rows in reader.items.values() for i in rows for _, p in i.values()]
    first = min(places, key=lambda p: p.order)
    values: dict[str, Any] = dict.fromkeys(annex.field_keys)
    record = Record(annex.id, values, file, first.sheet, first.row, cells={})
    findings: list[Finding] = []
    not_asked = annex.word_form.not_asked if annex.word_form else {}
    absent = [f for f in annex.fields if f.key in not_asked and f.key not in found]
    if absent:
        # One line for the clerk; validate reads `fields` (no refusal for want of them, and a
        # warning naming the attachment for each rule that needs one).
        titles = "、".join(f"“{f.title}”" for f in absent)
        findings.append(Finding(NOT_ASKED, "warning",
                                f"Word 申报书没有{titles}等栏目（通知要求另附材料报送）；需要这些内容的条件按附件材料核对，"
                                f"不因此表未填而不予推荐", file=file, sheet=record.sheet, row=record.row,
                                extra={"fields": [f.key for f in absent]}))
    for f in annex.fields:
        got = found.get(f.key)
        if f.key in reader.items:
            values[f.key] = _read_items(f, reader.items[f.key], record, findings)
        elif got is not None:
            values[f.key] = _read(f, got, record, findings)
        elif f.required and f.key not in not_asked:
            findings.append(Finding("header.missing-required", "error",
                                    f"Word 申报书中找不到“{f.title}”一栏；该项视为未填写",
                                    file=file, sheet=record.sheet, row=record.row, field=f.key))
    for key, kept, other, place in reader.conflicts:
        title = annex.field(key).title
        findings.append(Finding("value.check", "warning",
                                f"{kept.place.where}：“{title}”在此处填写为“{kept.text}”，在{place.where}填写为“{other}”，"
                                f"按此处读取，请核对", file=file, sheet=kept.place.sheet, row=kept.place.row,
                                cell=kept.place.where, field=key, value=other))
    for key, place in reader.stray:
        findings.append(Finding("value.check", "warning",
                                f"{place.where}：“{annex.field(key).title}”中有一个勾（√）看不出属于哪个选项，未计入；"
                                f"请核对，把勾打在所选选项前的方框里", file=file, sheet=place.sheet, row=place.row,
                                cell=place.where, field=key))
    for label, typed, place in reader.unplaced:
        findings.append(Finding("value.check", "warning",
                                f"{place.where}：选项“{label}”后填写的“{typed}”没有对应的栏目，未读取，请核对",
                                file=file, sheet=place.sheet, row=place.row, cell=place.where, value=typed))
    return record, findings


def _read_items(f: Field, rows: list[dict[str, tuple[str, Place]]], record: Record,
                findings: list[Finding]) -> list[dict[str, Any]]:
    """A list field's rows (绩效指标): each item read as its own field, at its own cell."""
    cells = record.cells
    assert isinstance(cells, dict)
    cells[f.key] = min((p for row in rows for _, p in row.values()), key=lambda p: p.order).where
    items = {i.key: i for i in f.items}
    out = []
    for row in rows:
        entry: dict[str, Any] = {}
        for key, (text, place) in row.items():
            entry[key] = _check(items[key], normalise(items[key], text or None), text, place, record, findings)
        out.append(entry)
    return out


def _read(f: Field, got: Found, record: Record, findings: list[Finding]) -> Any:
    place = got.place
    cells = record.cells
    assert isinstance(cells, dict)
    cells[f.key] = place.where
    raw: Any = got.text
    if not blank(got.text):
        record.raw[f.key] = got.text
    if got.chosen is not None:
        raw = _chosen_value(f, got.chosen)
    elif f.type == "date" and skeleton(got.text):
        raw = None
    return _check(f, normalise(f, raw, header_unit=header_unit(got.label)), got.text, place, record, findings)


def _check(f: Field, parsed: Any, text: str, place: Place, record: Record, findings: list[Finding]) -> Any:
    """The value read, and a finding at its place when it could not be read or may mean otherwise."""
    shown = text or None
    if parsed.problem:
        findings.append(Finding("value.unreadable", "error", f"{place.where}：“{f.title}”{parsed.problem}",
                                file=record.file, sheet=place.sheet, row=place.row, cell=place.where,
                                field=f.key, value=shown))
    elif parsed.doubt:
        findings.append(Finding("value.check", "warning", f"{place.where}：“{f.title}”{parsed.doubt}",
                                file=record.file, sheet=place.sheet, row=place.row, cell=place.where,
                                field=f.key, value=shown))
    return parsed.value


def _chosen_value(f: Field, chosen: list[str]) -> Any:
    if f.type == "multichoice":
        return chosen or None
    if not chosen:
        return None
    if len(chosen) == 1:
        return chosen[0]
    return "".join(f"☑{c}" for c in chosen)  # normalise says: 勾选了多项，本栏只能选一项


# ------------------------------------------------------------------------ a file of the inbox


def _read_once(path: Path, limits: Limits) -> bytes | None:
    """The file's bytes, read once (python-docx reads them from memory); None when it cannot be
    read or is larger than any form could be (the spreadsheet readers' outcome then stands)."""
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > limits.max_unzipped_bytes:
                return None
            return fh.read()
    except OSError:
        return None


def read_word(pack: Pack, path: Path, shown: str, limits: Limits | None = None) -> WordRead | None:
    """A Word document of the inbox read as the pack's Word form, or why not; None when the file
    is not a Word document at all (the spreadsheet readers take it)."""
    data = _read_once(path, limits or Limits())
    if data is None:
        return None
    kind = word_kind(path, data)
    if kind is None:
        return None
    sha256, size = hashlib.sha256(data).hexdigest(), len(data)  # of the very bytes read, for the manifest
    forms = _forms(pack)
    names = "、".join(a.file_stem for a in forms)
    if kind == "encrypted-docx":
        return WordRead(FileReport(shown, "error", MSG_ENCRYPTED, kind="docx", source=path, sha256=sha256, size=size), [],
                        [Finding("file.encrypted", "error", f"{shown}：{MSG_ENCRYPTED}", file=shown)])
    if kind in ("doc", "odt", "rtf"):
        if not forms:
            return WordRead(FileReport(shown, "skipped", MSG_NO_FORMS, kind=kind, source=path, sha256=sha256, size=size), [], [])
        message = {"doc": MSG_DOC, "odt": MSG_ODT, "rtf": MSG_RTF}[kind].format(forms=names)
        return WordRead(FileReport(shown, "skipped", message, kind=kind, source=path, sha256=sha256, size=size), [],
                        [Finding("file.word-not-docx", "warning", f"{shown}：{message}", file=shown)])
    if not forms:
        return WordRead(FileReport(shown, "skipped", MSG_NO_FORMS, kind="docx", source=path, sha256=sha256, size=size), [], [])
    try:
        doc = open_docx(path, data, limits)
    except WordRefused as refused:
        report = FileReport(shown, "error", refused.message, kind="docx", source=path, sha256=sha256, size=size)
        return WordRead(report, [], [Finding(refused.code, "error", f"{shown}：{refused.message}", file=shown)])
    best: tuple[Annex, LabelReader] | None = None
    for annex in forms:
        reader = read_labels(annex, doc)
        if _enough(annex, reader) and (best is None or _found(reader) > _found(best[1])):
            best = (annex, reader)
    if best is None:
        return WordRead(FileReport(shown, "skipped", MSG_NOT_FORM.format(forms=names), kind="docx", source=path, sha256=sha256, size=size), [], [])
    annex, reader = best
    record, findings = build_record(annex, reader, shown)
    report = FileReport(shown, "ok", kind="docx", annex=annex.id, sheet=record.sheet, rows=1, source=path, sha256=sha256, size=size)
    return WordRead(report, [record], findings)
