"""The cover letter (报送函) that goes up with a summary, in the GB/T 9704 format.

Every number in it comes from the figures the summary workbook carries (`read_stats`), never
from the clerk's keyboard: the letter cannot disagree with the table it covers. The wording
comes from the campaign pack (`Pack.letter`), and the sender's particulars (发文机关, 发文字号,
联系人 …) from a small TOML file the clerk keeps (`read_org`). Without that file the letter is
still written, with `【请填写：…】` blanks highlighted in yellow and a warning for each.

`compose` builds the letter as data (what each line says), `render` lays it out with
`toolkit.gongwen`, and `write_letter` does both and saves atomically. `read_org` lives in
`toolkit.outputs.org` and is re-exported here, beside `write_letter`, for the command line.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

import docx
from docx.document import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.text.run import Run

from toolkit import __version__, gongwen
from toolkit.errors import ShenbaoError
from toolkit.formats import check_phone
from toolkit.ingest.ours import SUMMARY_NAME
from toolkit.merge.stats import Bucket, RejectedBucket, SummaryStats, read_stats
from toolkit.outputs.org import Org, read_org
from toolkit.packs.model import Pack
from toolkit.runtime.atomic import atomic_path

BLANK = "【请填写：{}】"
BLANK_RE = re.compile(r"(【请填写：[^】]*】)")
YI = Decimal(10000)  # 1亿元 = 10000万元
MAX_REASONS = 3  # reasons named per category of rejected projects; the rest become 等

__all__ = ["BLANK", "Letter", "LetterResult", "Org", "compose", "read_org", "render", "write_letter"]


# -- the letter as data ---------------------------------------------------------------------

BlockKind = Literal["heading1", "heading2", "body"]


@dataclass
class Letter:
    kind: str  # 函 or 报告
    number: str
    signer: str | None
    title: str
    recipient: str
    blocks: list[tuple[BlockKind, str]]
    annexes: list[str]
    issuer: str
    day: date
    note: str
    cc: list[str]
    warnings: list[str] = field(default_factory=list)
    # The 发文机关标志 of the 信函格式 (GB/T 9704 10.1): a 函 whose sender an org file names.
    letterhead: str | None = None
    # Each annex's own number (`4-5`) when the 汇总表 is an annex of the notice (role summary);
    # empty: the 附件说明 numbers them 1. 2. … as GB/T 9704 7.3.4 does.
    annex_numbers: list[str] = field(default_factory=list)

    @property
    def date_text(self) -> str:
        return gongwen.chinese_date(self.day)

    @property
    def text(self) -> str:
        """Every line, in order: what a reader of the document sees (tests, previews)."""
        lines = [self.number, self.title, f"{self.recipient}：", *(t for _, t in self.blocks)]
        lines += [("附件：" if i == 1 else "") + number + a
                  for i, (number, a) in enumerate(zip(gongwen.annex_note_numbers(self.annexes, self.annex_numbers),
                                                      self.annexes, strict=True), start=1)]
        lines += [self.issuer, self.date_text, f"（{self.note}）", *([f"抄送：{'，'.join(self.cc)}。"] if self.cc else [])]
        return "\n".join(lines)


@dataclass
class LetterResult:
    path: Path
    warnings: list[str]
    stats: SummaryStats
    letter: Letter


def amount(value: float) -> str:
    """2800.0 -> `2800`, 1234.5 -> `1234.5`: 万元 to two decimals at most, no thousands
    separators (as 公文 write amounts; GB/T 15835 reserves 千分撇 for technical texts)."""
    q = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    text = f"{q:f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def in_yi(value_wan: float) -> str:
    """12345.67万元 -> `约1.23亿元`; 12000万元 -> `1.20亿元` (约 only when rounding lost a digit)."""
    exact = Decimal(str(value_wan)) / YI
    q = exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{'' if q == exact else '约'}{q:f}亿元"


def money(value: float, unit: str) -> str:
    text = f"{amount(value)}{unit}"
    if unit == "万元" and abs(Decimal(str(value))) >= YI:
        text += f"（{in_yi(value)}）"
    return text


def combine(all_stats: Sequence[SummaryStats]) -> SummaryStats:
    """The figures of several summary workbooks, counting no project twice:
    - identical figures (each workbook of one batch carrying the whole batch) count once;
    - a workbook whose figures are the sum of all the others' (the whole summary beside its
      parts split by department) is taken alone;
    - otherwise (summaries of different units) projects and sums add up, units reported are
      united, and rejections add up unless every workbook carries the same ones."""
    first = all_stats[0]
    if all(s.to_dict() == first.to_dict() for s in all_stats[1:]):
        return first
    for i, whole in enumerate(all_stats):
        parts = [s for j, s in enumerate(all_stats) if j != i]
        if len(parts) > 1 and _same_figures(whole, _add_up(parts)):
            return whole
        if len(parts) == 1 and _same_figures(whole, parts[0]):
            return whole
    return _add_up(all_stats)


def _same_figures(a: SummaryStats, b: SummaryStats) -> bool:
    """Same projects, totals and counts in every breakdown (so two units' summaries that
    happen to hold as many projects for as much money are still told apart)."""
    def counts(s: SummaryStats) -> dict[str, dict[str, int]]:
        return {k: {x.value: x.count for x in v} for k, v in s.breakdowns.items()}

    return a.projects == b.projects and set(a.totals) == set(b.totals) and counts(a) == counts(b) and all(
        abs(Decimal(str(a.totals[k])) - Decimal(str(b.totals[k]))) < Decimal("0.005") for k in a.totals)


def _add_up(all_stats: Sequence[SummaryStats]) -> SummaryStats:
    first = all_stats[0]
    out = SummaryStats.from_dict(first.to_dict())  # a copy to add to (copy.deepcopy took 4 times as long)
    for s in all_stats[1:]:
        out.projects += s.projects
        out.duplicates_merged += s.duplicates_merged
        out.suspected_duplicates += s.suspected_duplicates
        out.rows_read += s.rows_read
        for k, v in s.totals.items():
            out.totals[k] = float(Decimal(str(out.totals.get(k, 0))) + Decimal(str(v)))
        for dim, buckets in s.breakdowns.items():
            out.breakdowns[dim] = _merge_buckets(out.breakdowns.get(dim, []), buckets)
        out.expected_units += [u for u in s.expected_units if u not in out.expected_units]
        out.reported_units += [u for u in s.reported_units if u not in out.reported_units]
        for k, v in s.files.items():
            out.files[k] = out.files.get(k, 0) + v
    if not all(s.rejected == first.rejected and s.rejected_by == first.rejected_by for s in all_stats):
        out.rejected = sum(s.rejected for s in all_stats)
        out.rejected_by = _merge_rejected([b for s in all_stats for b in s.rejected_by])
    out.not_reported = [u for u in out.expected_units if u not in out.reported_units]
    return out


def _merge_buckets(a: list[Bucket], b: list[Bucket]) -> list[Bucket]:
    merged = {x.value: Bucket(x.value, x.count, dict(x.sums)) for x in a}
    for x in b:
        if x.value not in merged:
            merged[x.value] = Bucket(x.value, x.count, dict(x.sums))
            continue
        m = merged[x.value]
        m.count += x.count
        for k, v in x.sums.items():
            m.sums[k] = float(Decimal(str(m.sums.get(k, 0))) + Decimal(str(v)))
    return list(merged.values())


def _merge_rejected(buckets: list[RejectedBucket]) -> list[RejectedBucket]:
    merged: dict[str, tuple[int, dict[str, int]]] = {}
    for b in buckets:
        count, reasons = merged.get(b.value, (0, {}))
        for label, n in b.reasons:
            reasons[label] = reasons.get(label, 0) + n
        merged[b.value] = (count + b.count, reasons)
    return [RejectedBucket(v, c, sorted(r.items(), key=lambda kv: -kv[1])) for v, (c, r) in merged.items()]


def _visible_differences(path: Path, pack: Pack, stats: SummaryStats) -> list[str]:
    # Imported here: only the letter command reads the table back, `run` never loads it.
    from toolkit.outputs.summary.visible import visible_differences

    return visible_differences(path, pack, stats)


class SummaryEditedError(ShenbaoError):
    """A summary whose visible rows no longer match the figures it carries for the letter. Exit
    code 2, as for any input that cannot be used as it is (a workbook that is no summary)."""


def load_summaries(pack: Pack, summary: Path | Sequence[Path], *,
                   check_visible: bool = True) -> tuple[list[Path], SummaryStats]:
    """The figures of the summary workbooks, combined. With `check_visible` each workbook's
    visible 汇总表 and 明细 are first counted and added up, and a workbook that no longer shows
    what its figures say (rows deleted or amounts edited by hand) stops the letter."""
    paths = [Path(summary)] if isinstance(summary, (str, Path)) else [Path(p) for p in summary]
    if not paths:
        raise ShenbaoError("没有指定汇总表：报送函的数字只从 shenbao 写出的汇总表中读取")
    found: list[SummaryStats] = []
    for p in paths:
        if not p.is_file():
            raise ShenbaoError(f"找不到汇总表 {p}")
        stats = read_stats(p)
        if stats is None:
            raise ShenbaoError(f"{p.name} 不是 shenbao 写出的汇总表（其中没有汇总数据），报送函的数字无从读取；"
                               f"请选择 shenbao merge 生成的汇总表，不要另存或手工重做")
        if stats.pack_id != pack.id:
            raise ShenbaoError(f"{p.name} 是申报包 {stats.pack_id} 的汇总表，不是 {pack.id} 的；请选择本次申报的汇总表")
        if check_visible and (differences := _visible_differences(p, pack, stats)):
            raise SummaryEditedError(
                f"{p.name} 中看到的表与生成时不一致：{'；'.join(differences)}。报送函的数字必须与随函报送的汇总表一致，"
                f"未生成报送函。汇总表生成后删除或修改了行的，请不要手工改表：需要删除的项目请在县里报来的文件中删除"
                f"（或在“疑似重复”页填写处理意见），再用 shenbao run 或 merge 重新生成汇总表和报送函")
        found.append(stats)
    if len({s.unit for s in found}) > 1:
        raise ShenbaoError(f"汇总表的金额单位不一致（{'、'.join(sorted({s.unit for s in found}))}），无法合计")
    return paths, combine(found)


def _field_title(pack: Pack, stats: SummaryStats, key: str) -> str:
    try:
        return pack.annex(stats.annex).field(key).title
    except KeyError:
        return key


def _dimension_title(pack: Pack, stats: SummaryStats, key: str) -> str:
    if key == "route":
        return pack.routing.title if pack.routing else "归口部门"
    if key == "reporting_unit":
        # Not the pack's label (市（州）): a city's summary lists its counties here.
        return "报送单位"
    return _field_title(pack, stats, key)


def _project_label(value: str) -> str:
    return value if value.endswith("项目") or value.startswith("（") else f"{value}项目"


def _bucket_label(key: str, value: str) -> str:
    if key == "route":
        return f"归口{value}的项目" if not value.startswith("（") else value
    if key == "reporting_unit":
        return value
    return _project_label(value)


def _total_key(pack: Pack, stats: SummaryStats) -> str | None:
    """The amount the letter leads with: the summary's `total` role, else its first summed field."""
    if pack.total_key in stats.totals:
        return pack.total_key
    return next(iter(stats.totals), None)


def _sums_text(pack: Pack, stats: SummaryStats, sums: dict[str, float], *, all_fields: bool) -> str:
    """`总投资2800万元，其中大数据存储、分析和应用投资1500万元；累计完成投资300万元`; the grand
    total (all_fields) also in 亿元 when large, the breakdowns in 万元 only."""
    total = _total_key(pack, stats)
    if total is None:
        return ""
    unit = stats.unit
    value = sums.get(total, 0)
    shown = money(value, unit) if all_fields else f"{amount(value)}{unit}"
    parts = [f"{_field_title(pack, stats, total)}{shown}"]
    if all_fields:
        for key in stats.totals:
            if key == total:
                continue
            title = _field_title(pack, stats, key)
            if title.startswith("其中"):
                parts[-1] += f"，其中{title.removeprefix('其中').lstrip('：:')}{amount(sums.get(key, 0))}{unit}"
            else:
                parts.append(f"{title}{amount(sums.get(key, 0))}{unit}")
    return "；".join(parts)


def _overview(pack: Pack, stats: SummaryStats, unit_name: str) -> list[str]:
    who = unit_name or "我单位"
    sums = _sums_text(pack, stats, stats.totals, all_fields=True)
    out = []
    accounted = stats.rows_read == stats.projects + stats.rejected + stats.duplicates_merged
    if accounted and stats.rows_read:
        text = f"各地共申报项目{stats.rows_read}个，经审核，符合要求的项目{stats.projects}个"
        if stats.rejected:
            text += f"，不符合要求未予推荐的项目{stats.rejected}个"
        if stats.duplicates_merged:
            text += f"，重复报送已合并的{stats.duplicates_merged}个"
        out.append(text + "。")
    out.append(f"{who}本次共报送项目{stats.projects}个" + (f"，{sums}" if sums else "") + "。")
    if stats.expected_units:
        text = (f"应报送单位{len(stats.expected_units)}个，已报送{len(stats.reported_units)}个")
        if stats.not_reported:
            text += f"，尚未报送{len(stats.not_reported)}个：{'、'.join(stats.not_reported)}"
        out.append(text + "。")
    else:
        units = [b.value for b in stats.breakdowns.get("reporting_unit", []) if not b.value.startswith("（")]
        if units:
            out.append(f"共有{len(units)}个单位报送了项目。")
    return out


def _breakdowns(pack: Pack, stats: SummaryStats) -> list[tuple[BlockKind, str]]:
    order = sorted(stats.breakdowns, key=lambda k: (k != "route", k == "reporting_unit"))
    blocks: list[tuple[BlockKind, str]] = []
    for i, key in enumerate(k for k in order if stats.breakdowns[k]):
        parts = []
        for b in stats.breakdowns[key]:
            sums = _sums_text(pack, stats, b.sums, all_fields=False)
            parts.append(f"{_bucket_label(key, b.value)}{b.count}个" + (f"，{sums}" if sums else ""))
        blocks.append(("heading2", f"（{_CN[i + 1]}）按{_dimension_title(pack, stats, key)}"))
        blocks.append(("body", "；".join(parts) + "。"))
    return blocks


def _rejections(pack: Pack, stats: SummaryStats) -> list[str]:
    rules = {c.title or c.id for c in pack.criteria}
    out = [f"经审核，共有{stats.rejected}个项目不符合要求，未予推荐，具体情况如下："]
    for b in stats.rejected_by:
        reasons = []
        for label, n in b.reasons[:MAX_REASONS]:
            text = f"不符合“{label}”的要求" if label in rules else label
            reasons.append(text if n == b.count else f"{text}（{n}个）")
        more = "等" if len(b.reasons) > MAX_REASONS else ""
        why = f"，主要原因是{'；'.join(reasons)}{more}" if reasons else ""
        out.append(f"{_project_label(b.value) if b.value != '全部' else '项目'}{b.count}个{why}。")
    return out


_CN = "〇一二三四五六七八九十"


def _fill(template: str, pack: Pack, unit_name: str) -> str:
    for key, value in (("{unit_name}", unit_name), ("{notice_title}", pack.notice.title),
                       ("{notice_number}", pack.notice.number), ("{year}", str(pack.year))):
        template = template.replace(key, value)
    return template


def compose(pack: Pack, stats: SummaryStats, annex_names: Sequence[str], org: Org | None = None,
            *, today: date | None = None) -> Letter:
    """The letter's lines from the pack's wording, the summary's figures and the sender."""
    warnings: list[str] = []
    spec = pack.letter
    kind = str(spec.get("kind") or "函")
    if org is None:
        warnings.append("没有指定单位信息文件（--org），发文机关、发文字号、联系人、联系电话处留有"
                        "“【请填写：…】”空白，请在 Word 中补全；以后可建一个单位信息文件（如 单位信息.toml），"
                        "逐行写明 发文机关 = \"…\"、发文字号、联系人、联系电话、成文日期、抄送，"
                        "示例见 samples/org.example.toml")
        org = Org()

    def need(value: str | None, label: str) -> str:
        if value:
            return value
        if org is not None and org.path is not None:
            warnings.append(f"单位信息文件 {org.path.name} 中没有“{label}”，报送函中留有空白，请补全")
        return BLANK.format(label)

    unit_name = stats.unit_name or org.unit_name or ""
    if not unit_name and "{unit_name}" in str(spec.get("title", "")):
        warnings.append("汇总表中没有汇总单位名称，标题中省略了单位名称；可在单位信息文件中写明 单位名称")
    number = need(org.number, "发文字号")
    if org.number and "〔" not in org.number:
        warnings.append(f"发文字号“{org.number}”不是“机关代字〔年份〕序号号”的形式，请核对")
    signer = None
    if kind == "报告":
        signer = org.signer or BLANK.format("签发人")
        if not org.signer:
            warnings.append("报告是上行文，应标注签发人，报送函中留有空白，请补全")
    if org.date is None:
        day = today or date.today()
        warnings.append(f"没有指定成文日期，已写作 {gongwen.chinese_date(day)}，请核对")
    else:
        day = org.date
    contact, phone = need(org.contact, "联系人"), need(org.phone, "联系电话")
    if org.phone and check_phone(org.phone):
        warnings.append(f"联系电话：{check_phone(org.phone)}")
    if stats.projects == 0:
        warnings.append("汇总表中没有符合要求的项目，报送函只说明报送情况")
    if stats.suspected_duplicates:
        warnings.append(f"汇总表中还有{stats.suspected_duplicates}组疑似重复项目未确认，报送前请核实")

    blocks: list[tuple[BlockKind, str]] = [("body", _fill(str(spec.get("opening", "")), pack, unit_name))]
    sections: list[tuple[str, list[tuple[BlockKind, str]]]] = [
        ("总体情况", [("body", t) for t in _overview(pack, stats, unit_name)]),
    ]
    if stats.projects:
        sections.append(("分类情况", _breakdowns(pack, stats)))
    if stats.rejected:
        sections.append(("未推荐项目情况", [("body", t) for t in _rejections(pack, stats)]))
    for i, (title, content) in enumerate(sections, start=1):
        blocks.append(("heading1", f"{_CN[i]}、{title}"))
        blocks.extend(content)
    closing = str(spec.get("closing") or ("特此报告。" if kind == "报告" else "特此函告。"))
    blocks.append(("body", _fill(closing, pack, unit_name)))
    return Letter(
        kind=kind, number=number, signer=signer,
        title=_fill(str(spec.get("title", "")), pack, unit_name),
        recipient=org.recipient or str(spec.get("recipient") or BLANK.format("主送机关")),
        blocks=[(k, t) for k, t in blocks if t], annexes=list(annex_names),
        issuer=need(org.issuer, "发文机关"), day=day,
        note=f"联系人：{contact}，联系电话：{phone}", cc=list(org.cc), warnings=warnings,
        letterhead=org.issuer if kind == "函" and org.issuer else None,
    )


# -- the letter as a Word document ----------------------------------------------------------

def render(letter: Letter) -> Document:
    doc = docx.Document()
    gongwen.setup_document(doc)
    gongwen.add_document_number(doc, letter.number, upward=letter.kind == "报告", signer=letter.signer)
    gongwen.add_blank_line(doc)  # 标题与其上最后一个要素相距二行 (10.1)
    gongwen.add_blank_line(doc)
    gongwen.add_title(doc, letter.title)
    gongwen.add_recipient(doc, letter.recipient)
    for kind, text in letter.blocks:
        if kind == "body":
            gongwen.add_body_paragraph(doc, text)
        else:
            gongwen.add_heading(doc, text, 1 if kind == "heading1" else 2)
    # The page that bears the seal must carry text too (7.3.5.4): the closing line, the 附件说明
    # and the blank lines stay on the page of the 署名 and the date.
    together = [doc.paragraphs[-1]]
    if letter.annexes:
        together.append(gongwen.add_blank_line(doc))
        together += gongwen.add_annex_note(doc, letter.annexes, letter.annex_numbers)
    # Room for the seal, which presses on the 署名 and the date (7.3.5.2).
    together += [gongwen.add_blank_line(doc), gongwen.add_blank_line(doc)]
    together += gongwen.add_signature(doc, letter.issuer, letter.date_text)
    for p in together:
        p.paragraph_format.keep_with_next = True
    gongwen.add_note(doc, letter.note)
    if letter.cc:
        gongwen.add_blank_line(doc)
        gongwen.add_copy_to(doc, letter.cc, rules=letter.letterhead is None)
    gongwen.add_page_number_footer(doc.sections[0])
    if letter.letterhead:
        gongwen.add_letterhead(doc.sections[0], letter.letterhead)
    _mark_blanks(doc)
    return doc


def _mark_blanks(doc: Document) -> None:
    """Highlight every `【请填写：…】` so the clerk cannot miss one."""
    for p in doc.paragraphs:
        for run in list(p.runs):
            parts = [s for s in BLANK_RE.split(run.text) if s]
            if not any(BLANK_RE.fullmatch(s) for s in parts):
                continue
            for part in parts:
                new = copy.deepcopy(run._r)
                run._r.addprevious(new)
                piece = Run(new, p)
                piece.text = part
                if BLANK_RE.fullmatch(part):
                    piece.font.highlight_color = WD_COLOR_INDEX.YELLOW
            run._r.getparent().remove(run._r)


def annex_note(pack: Pack, paths: Sequence[Path]) -> tuple[list[str], list[str]]:
    """What the 附件说明 lists for these summary workbooks: (names, their numbers). When the pack
    declares the 汇总表 as an annex of the notice (role summary, 附件4-5), each is that annex, named
    by its title (a department's part with the department after it) and numbered by its number
    (`4-5`); otherwise the files' names, numbered 1. 2. … by the 附件说明 itself."""
    declared = pack.summary_annex
    number = declared.number.strip().removeprefix("附件").strip() if declared is not None else ""
    if declared is None or not number:
        return [p.stem for p in paths], []
    names = []
    for p in paths:
        part = p.stem.removeprefix(Path(SUMMARY_NAME).stem).lstrip("-－—_ ") if len(paths) > 1 else ""
        names.append(f"{declared.title}（{part}）" if part else declared.title)
    return names, [number] * len(names)


def write_letter(pack: Pack, summary: Path | Sequence[Path], target: Path, org: Org | None = None,
                 *, today: date | None = None, check_visible: bool = True) -> LetterResult:
    """Write the cover letter for `summary` (one workbook or several) to `target` (.docx).
    `check_visible=False` only for a summary this process has just written from the same figures
    (`shenbao run`): nobody can have edited it, and reading a large table back costs seconds."""
    target = Path(target)
    if target.suffix.lower() != ".docx":
        raise ShenbaoError(f"报送函应保存为 Word 文件（.docx），现为 {target.name}")
    paths, stats = load_summaries(pack, summary, check_visible=check_visible)
    names, numbers = annex_note(pack, paths)
    letter = compose(pack, stats, names, org, today=today)
    letter.annex_numbers = numbers
    doc = render(letter)
    props = doc.core_properties
    props.author = props.last_modified_by = "shenbao"
    props.title = letter.title
    props.subject = pack.title
    props.category = pack.id
    props.keywords = f"{pack.id} {pack.version} 报送函"
    props.comments = f"由 shenbao {__version__} 根据汇总表 {'、'.join(p.name for p in paths)} 生成"
    props.created = props.modified = datetime(letter.day.year, letter.day.month, letter.day.day)
    props.revision = 1
    with atomic_path(target) as tmp:
        doc.save(str(tmp))
    return LetterResult(target, letter.warnings, stats, letter)

