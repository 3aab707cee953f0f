"""What a clerk is told about each field: the 填表说明 row, the input message, the date example.

Everything here is derived from the pack's field declaration, so the template, the input tips and
the instructions sheet can never disagree with each other or with the checks.
"""

from __future__ import annotations

from toolkit.formats import FORMAT_TITLES
from toolkit.packs.model import Field, Notice, Pack

# Excel's limits for a data validation's input/error title and message, counted in UTF-16 units.
TITLE_LIMIT = 32
MESSAGE_LIMIT = 255

TYPE_TEXT = {
    "text": "文字",
    "number": "数字",
    "integer": "整数",
    "date": "日期",
    "bool": "从下拉列表选择“是”或“否”",
    "choice": "从下拉列表选择",
    "multichoice": "可多选，用“、”分隔",
    "list": "逐行填写",
}
BOOL_CHOICES = ("是", "否")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-16 units, ending in `…` when cut.

    Excel (and xlsxwriter, which then drops the whole validation) rejects longer titles and
    messages, so a long hint must lose its tail rather than the dropdown.
    """
    if utf16_len(text) <= limit:
        return text
    out = ""
    for ch in text:
        if utf16_len(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def date_example(f: Field, year: int) -> str:
    """`填到月，如 2020年7月` for a month-precision date field."""
    precision = f.precision or "day"
    if precision == "year":
        return f"填到年，如 {year}年"
    if precision == "month":
        return f"填到月，如 {year}年7月"
    return f"填到日，如 {year}年7月10日"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def choice_values(f: Field) -> tuple[str, ...]:
    """The dropdown values of a choice or bool field (empty for other types)."""
    if f.type == "bool":
        return BOOL_CHOICES
    if f.type in ("choice", "multichoice"):
        return f.choice_values
    return ()


def choices_text(f: Field, with_notes: bool = True) -> str:
    parts = []
    for c in f.choices:
        parts.append(f"{c.value}（{c.note}）" if with_notes and c.note else c.value)
    return "、".join(parts)


def requirement(f: Field, year: int) -> str:
    """The 填写要求/可选项 text of one field, in Chinese, for the 填表说明 sheet."""
    parts: list[str] = []
    if f.type in ("choice", "multichoice"):
        lead = "可多选，用“、”分隔" if f.type == "multichoice" else "从下拉列表选择"
        parts.append(f"{lead}：{choices_text(f)}")
    elif f.type == "bool":
        parts.append("填“是”或“否”（下拉选择）")
    elif f.is_numeric:
        parts.append(_numeric_rule(f))
    elif f.type == "date":
        parts.append(date_example(f, year))
    elif f.type == "list":
        items = "、".join(i.header for i in f.items)
        parts.append(f"逐行填写，每行一项：{items}")
    if f.format:
        parts.append(f"格式：{FORMAT_TITLES.get(f.format, f.format)}")
    if f.max_length:
        parts.append(f"不超过{f.max_length}字")
    if f.hint and not _hint_repeats_choices(f):
        parts.append(f.hint)
    return "；".join(p for p in parts if p)


def _hint_repeats_choices(f: Field) -> bool:
    """A hint that only lists the choices says nothing the choice list does not."""
    values = choice_values(f)
    return bool(values) and all(v in f.hint for v in values)


def _numeric_rule(f: Field) -> str:
    kind = "整数" if f.type == "integer" else "数字"
    rule = f"只填{kind}"
    if f.unit:
        rule += f"，单位：{f.unit}，不要写“{f.unit}”等文字"
    if f.minimum is not None and f.maximum is not None:
        rule += f"，{_number(f.minimum)}～{_number(f.maximum)}"
    elif f.minimum is not None:
        rule += f"，不小于{_number(f.minimum)}"
    elif f.maximum is not None:
        rule += f"，不大于{_number(f.maximum)}"
    return rule


def input_message(f: Field, year: int) -> str:
    """The tip Excel shows when the cell is selected: the essentials, within 255 units."""
    parts: list[str] = []
    if f.required:
        parts.append("【必填】")
    if f.type == "multichoice":
        parts.append(f"可多选，用“、”分隔。可选：{choices_text(f, with_notes=False)}")
    elif f.is_numeric:
        parts.append(_numeric_rule(f))
    elif f.type == "date":
        # A hint that already gives an example (`如：2020年8月`) only needs the precision.
        parts.append(date_example(f, year).split("，")[0] if "年" in f.hint else date_example(f, year))
    elif f.type == "bool":
        parts.append("选择“是”或“否”")
    if f.format:
        parts.append(FORMAT_TITLES.get(f.format, f.format))
    if f.hint:
        parts.append(f.hint)
    text = "；".join(p.rstrip("。；") for p in parts if p).replace("【必填】；", "【必填】")
    return truncate(text, MESSAGE_LIMIT)


def input_title(f: Field) -> str:
    return truncate(f.title, TITLE_LIMIT)


def notice_lines(pack: Pack) -> list[str]:
    """The notice a template belongs to, for the top of the 填表说明 sheet."""
    from toolkit.gongwen import chinese_date as cn_date  # python-docx only when needed

    n: Notice = pack.notice
    lines = [f"依据：{n.issuer}《{n.title}》（{n.number}），{cn_date(n.date)}印发"]
    if n.deadline:
        lines.append(f"报送截止日期：{cn_date(n.deadline)}")
    if n.recurring:
        lines.append(f"报送频次：{n.recurring}")
    lines.append(f"模板版本：{pack.id} {pack.version}（{cn_date(latest_change_date(pack))}）")
    return lines


def latest_change_date(pack: Pack) -> str:
    """The date of the newest changelog entry: the template's own date, used for determinism."""
    dates = [e.date for e in pack.changelog] or [pack.notice.date]
    return max(dates)
