"""Rules written with the fields' Chinese titles, translated to the CEL the pack runs.

`[总投资] >= 500`, `[项目类别] 是 "大数据中心" 或 "数字政务基础设施"`, `[大数据投资] >= [总投资] * 0.5`,
`[建设单位] 已填`, `并且` / `或者`, full-width operators and quotes. A small tokenizer, never eval:
each token becomes its CEL twin (`total_investment >= 500.0`, `category in ['大数据中心', ...]`,
`applicant != null`, `&&`, `||`). CEL does not mix int and double, so a number literal is written
as a decimal where it meets a `number` field (as the JSON packs write `500.0`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

_QUOTES = {'"': '"”', "'": "'’", "“": "”\"", "‘": "’'", "「": "」", "『": "』", "”": "”\""}
_SYMBOLS = {"≥": ">=", "≤": "<=", "≠": "!=", "×": "*", "÷": "/", "【": "[", "】": "]", "、": ",", "　": " "}
_WORDS = (  # longest first
    ("大于或等于", ">="), ("小于或等于", "<="), ("大于等于", ">="), ("小于等于", "<="),
    ("不为空", "FILLED"), ("不少于", ">="), ("不低于", ">="), ("不小于", ">="), ("不超过", "<="),
    ("不高于", "<="), ("不大于", "<="), ("不等于", "!="), ("并且", "&&"), ("而且", "&&"), ("或者", "||"),
    ("已填", "FILLED"), ("未填", "BLANK"), ("为空", "BLANK"), ("不是", "!="), ("不为", "!="),
    ("等于", "=="), ("大于", ">"), ("小于", "<"), ("是", "=="), ("为", "=="), ("且", "&&"), ("或", "OR"),
)
_OPERATORS = ("&&", "||", ">=", "<=", "==", "!=", ">", "<", "=", "+", "-", "*", "/", "%", "(", ")",
              "[", "]", ",", "!", ".", "?", ":")
_BOOL_WORDS = {"是": True, "有": True, "已": True, "true": True, "否": False, "无": False, "未": False, "false": False}


class RuleError(ValueError):
    """A rule that cannot be translated; the message is Chinese."""


@dataclass(frozen=True)
class Token:
    kind: str  # field | str | num | ident | op
    text: str
    field: dict[str, Any] | None = None


def is_chinese_form(source: str) -> bool:
    """True when the rule uses anything plain CEL does not: a non-ASCII character outside quotes."""
    quote = None
    for ch in source:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ord(ch) > 127:
            return True
    return False


def _normal(ch: str) -> str:
    if 0xFF01 <= ord(ch) <= 0xFF5E:  # full-width ASCII: （）＞＝，＋ and digits
        return chr(ord(ch) - 0xFEE0)
    return _SYMBOLS.get(ch, ch)


def tokenize(source: str, fields: list[dict[str, Any]]) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in _QUOTES:
            end = i + 1
            while end < n and source[end] not in _QUOTES[ch]:
                end += 1
            if end >= n:
                raise RuleError(f"引号没有配对：{source[i:]}")
            tokens.append(Token("str", source[i + 1:end]))
            i = end + 1
            continue
        c = _normal(ch)
        if c.isspace():
            i += 1
            continue
        if c == "[":
            end = i + 1
            while end < n and _normal(source[end]) != "]":
                end += 1
            inner = source[i + 1:end]
            # `[总投资]` names a field; `['a', 'b']` and `[x, y]` stay CEL lists
            if end < n and not any(q in inner for q in _QUOTES) and any(ord(c) > 127 for c in inner):
                tokens.append(Token("field", inner.strip(), find_field(inner.strip(), fields)))
                i = end + 1
                continue
        m = re.match(r"\d+(\.\d+)?", "".join(_normal(x) for x in source[i:i + 40]))
        if m:
            tokens.append(Token("num", m.group(0)))
            i += len(m.group(0))
            continue
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", source[i:])
        if m:
            tokens.append(Token("ident", m.group(0)))
            i += len(m.group(0))
            continue
        word = next(((w, op) for w, op in _WORDS if source.startswith(w, i)), None)
        if word:
            tokens.append(Token("op", word[1], {"word": word[0]}))
            i += len(word[0])
            continue
        if len(c) == 2:  # ≥ ≤ ≠: one character, a two-character operator
            op, used = c, 1
        else:
            two = c + (_normal(source[i + 1]) if i + 1 < n else "")
            op = two if two in _OPERATORS else c
            used = len(op)
        if op not in _OPERATORS:
            raise RuleError(f"看不懂“{source[i:i + 6]}”：字段名称请放在方括号里，如 [总投资]；文字请加引号")
        tokens.append(Token("op", "==" if op == "=" else op))
        i += used
    return tokens


def find_field(name: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """A field by its title (with or without the unit), an alias or its key."""
    bare = re.sub(r"[（(][^（）()]*[）)]$", "", name).strip()
    for attempt in (name, bare):
        for f in fields:
            if attempt in (f.get("title"), f.get("key")):
                return f
    for f in fields:
        if name in f.get("aliases", ()) or bare in f.get("aliases", ()):
            return f
    titles = [str(f.get("title")) for f in fields if f.get("title")]
    close = difflib.get_close_matches(bare, titles, n=2, cutoff=0.4)
    hint = f"，是不是“{'”或“'.join(close)}”？" if close else ""
    raise RuleError(f"没有名为“{name}”的字段{hint}")


def translate(source: str, fields: list[dict[str, Any]]) -> str:
    """A rule written with Chinese titles -> CEL. Raises RuleError naming what is wrong."""
    tokens = tokenize(source, fields)
    parts = _parts(tokens)
    return _render(parts)


def _cel_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _literal(tok: Token, numeric: bool, field: dict[str, Any] | None) -> str:
    if tok.kind == "str":
        if field is not None and field.get("type") == "bool" and tok.text in _BOOL_WORDS:
            return "true" if _BOOL_WORDS[tok.text] else "false"
        return _cel_string(tok.text)
    if tok.kind == "num":
        return tok.text + ".0" if numeric and "." not in tok.text else tok.text
    return tok.text


def _parts(tokens: list[Token]) -> list[list[Any]]:
    """Tokens split at && and || (kept as their own parts), the unit of number typing."""
    parts: list[list[Any]] = [[]]
    for tok in tokens:
        if tok.kind == "op" and tok.text in ("&&", "||"):
            parts.append([tok])
            parts.append([])
        elif tok.kind == "op" and tok.text == "OR" and not _alternation(parts[-1]):
            parts.append([Token("op", "||")])
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _alternation(part: list[Token]) -> bool:
    """`[类别] 是 "A" 或 "B"`: 或 between values after 是/为, not between conditions."""
    ops = [t for t in part if t.kind == "op" and t.text in ("==", "!=")]
    return bool(ops) and part[-1].kind in ("str", "num")


def _render(parts: list[list[Token]]) -> str:
    out: list[str] = []
    for part in parts:
        if len(part) == 1 and part[0].kind == "op" and part[0].text in ("&&", "||"):
            out.append(part[0].text)
            continue
        if not part:
            raise RuleError("“并且/或者”的两边都要有条件")
        out.append(_render_part(part))
    return " ".join(out)


def _render_part(part: list[Token]) -> str:
    types = {t.field.get("type") for t in part if t.kind == "field" and t.field}
    numeric = "number" in types
    subject = next((t.field for t in part if t.kind == "field" and t.field), None)
    pieces: list[str] = []
    i = 0
    while i < len(part):
        tok = part[i]
        if tok.kind == "field":
            assert tok.field is not None
            pieces.append(str(tok.field["key"]))
        elif tok.kind == "op" and tok.text in ("FILLED", "BLANK"):
            if not pieces:
                raise RuleError(f"“{(tok.field or {}).get('word')}”前面要写字段，如 [建设单位] 已填")
            pieces.append("!= null" if tok.text == "FILLED" else "== null")
        elif tok.kind == "op" and tok.text in ("==", "!=") and _has_alternatives(part, i):
            values, i = _alternatives(part, i + 1, numeric, subject)
            left = pieces.pop() if pieces else ""
            listed = f"{left} in [{', '.join(values)}]"
            pieces.append(listed if tok.text == "==" else f"!({listed})")
            continue
        elif tok.kind == "op" and tok.text == "OR":
            raise RuleError("“或”只能连接同一字段的几个取值，如 [类别] 是 \"A\" 或 \"B\"；连接条件请用“或者”")
        else:
            pieces.append(_literal(tok, numeric, subject))
        i += 1
    return _join(pieces)


def _has_alternatives(part: list[Token], i: int) -> bool:
    return i + 2 < len(part) and part[i + 2].kind == "op" and part[i + 2].text == "OR"


def _alternatives(part: list[Token], i: int, numeric: bool, subject: dict[str, Any] | None) -> tuple[list[str], int]:
    values = []
    while i < len(part):
        tok = part[i]
        if tok.kind not in ("str", "num"):
            raise RuleError("“或”的两边应是取值（文字加引号，或数字）")
        values.append(_literal(tok, numeric, subject))
        i += 1
        if i < len(part) and part[i].kind == "op" and part[i].text == "OR":
            i += 1
            continue
        break
    return values, i


def _join(pieces: list[str]) -> str:
    text = ""
    for piece in pieces:
        if not text or text.endswith(("(", "[", "!", ".")) or piece in (")", "]", ",", ".") or (
            piece == "(" and re.search(r"[A-Za-z0-9_]$", text)
        ):
            text += piece
        else:
            text += " " + piece
    return text
