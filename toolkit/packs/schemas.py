"""JSON Schema (draft 2020-12) of each annex's records, derived from the field declarations.

A record is a dict keyed by field keys, with None for a blank cell. The schema is what other tools
see (committed as schemas/<pack>/<annex>.schema.json); `record_errors` turns jsonschema's errors
into per-field Chinese messages for the validate stage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from toolkit.formats import CHECKS, FORMAT_TITLES
from toolkit.packs.model import Annex, Field, Pack

PARTIAL_DATE = "partial-date"
DATE_PATTERNS = {
    "year": r"^\d{4}(-\d{2}(-\d{2})?)?$",
    "month": r"^\d{4}-\d{2}(-\d{2})?$",
    "day": r"^\d{4}-\d{2}-\d{2}$",
}
PRECISION_TEXT = {"year": "年", "month": "年月", "day": "年月日"}


def check_partial_date(text: str) -> str | None:
    """`2020`, `2020-07` or `2020-07-15`, each part a real calendar value."""
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        date(year, month, day)
    except (ValueError, IndexError, OverflowError):  # 912201017020023460 in a date column
        return f"“{text}”不是有效日期"
    if not 1900 <= year <= 2100:
        return f"年份 {year} 不合理"
    return None


def format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, check in {**CHECKS, PARTIAL_DATE: check_partial_date}.items():
        checker.checks(name)(_as_predicate(check))
    return checker


def _as_predicate(check: Any) -> Any:
    def predicate(value: object) -> bool:
        return not isinstance(value, str) or check(value) is None

    return predicate


def _nullable(schema: dict[str, Any], required: bool) -> dict[str, Any]:
    if required:
        return schema
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return schema


def field_schema(f: Field) -> dict[str, Any]:
    base: dict[str, Any] = {"title": f.header}
    if f.hint:
        base["description"] = f.hint
    if f.unit:
        base["x-unit"] = f.unit
    if f.type == "text":
        prop: dict[str, Any] = {"type": "string", "minLength": 1}
        if f.max_length:
            prop["maxLength"] = f.max_length
        if f.format:
            prop["format"] = f.format
    elif f.type in ("number", "integer"):
        prop = {"type": f.type}
        if f.minimum is not None:
            prop["minimum"] = f.minimum
        if f.maximum is not None:
            prop["maximum"] = f.maximum
    elif f.type == "date":
        prop = {"type": "string", "pattern": DATE_PATTERNS[f.precision or "day"], "format": PARTIAL_DATE}
    elif f.type == "bool":
        prop = {"type": "boolean"}
    elif f.type == "choice":
        prop = {"enum": list(f.choice_values)}
    elif f.type == "multichoice":
        prop = {"type": "array", "items": {"enum": list(f.choice_values)}, "uniqueItems": True}
        if f.required:
            prop["minItems"] = 1
    else:  # list
        item_props = {i.key: _nullable(field_schema(i), i.required) for i in f.items}
        prop = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": item_props,
                "required": [i.key for i in f.items if i.required],
                "additionalProperties": False,
            },
        }
        if f.required:
            prop["minItems"] = 1
    return {**base, **_nullable(prop, f.required)}


def annex_schema(pack: Pack, annex: Annex) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://shenbao.local/schemas/{pack.id}/{annex.id}.schema.json",
        "title": f"{annex.number} {annex.title}".strip(),
        "description": f"{pack.title}（{pack.notice.number}）申报包 {pack.id} {pack.version} 生成，请勿手工修改",
        "x-pack": {"id": pack.id, "version": pack.version, "annex": annex.id},
        "type": "object",
        "properties": {f.key: field_schema(f) for f in annex.fields},
        "required": [f.key for f in annex.fields],
        "additionalProperties": False,
    }
    schema.update(annex.schema_extra)
    return schema


def validator_for(pack: Pack, annex: Annex) -> Draft202012Validator:
    return Draft202012Validator(annex_schema(pack, annex), format_checker=format_checker())


@dataclass(frozen=True)
class RecordError:
    """One schema problem of one record, already in Chinese."""

    code: str  # schema.required | schema.type | schema.enum | schema.format | schema.range | ...
    field: str | None
    message: str
    value: Any
    index: int | None = None  # row of a list field, 1-based


def record_errors(pack: Pack, annex: Annex, record: dict[str, Any],
                  validator: Draft202012Validator | RecordValidator | None = None) -> list[RecordError]:
    """Every schema error of a record (not just the first), one per field problem."""
    if isinstance(validator, RecordValidator):
        return validator.errors(record)
    whole = validator or validator_for(pack, annex)
    full = {f.key: record.get(f.key) for f in annex.fields}
    return _collect(annex, ((list(err.absolute_path), err) for err in whole.iter_errors(full)))


def _collect(annex: Annex, errors: Iterable[tuple[list[Any], Any]]) -> list[RecordError]:
    out: list[RecordError] = []
    seen: set[tuple[str | None, int | None]] = set()
    for path, err in errors:
        key = str(path[0]) if path else None
        index = int(path[1]) + 1 if len(path) > 1 and isinstance(path[1], int) else None
        sub = str(path[2]) if len(path) > 2 else None
        try:
            f = annex.field(key) if key else None
        except KeyError:
            f = None
        if f is not None and sub:
            f = next((i for i in f.items if i.key == sub), f)
        if key is not None and (key, index) in seen:
            continue  # one message per cell: `2020.09` breaks both pattern and format
        seen.add((key, index))
        out.append(_translate(err, f, key, index))
    return out


_CACHED_TYPES = (str, int, float, bool, type(None))
CACHE_LIMIT = 200_000


class RecordValidator:
    """The annex's schema applied field by field, with the errors of each (field, value) kept.

    The derived schema is an object of independent properties (every field present, nothing
    else: `required` and `additionalProperties` cannot fail on a record built from the fields),
    so its errors are exactly each property's errors in field order. Categories, stages, units,
    dates and yes/no answers repeat on every row of a batch; each is checked once. An annex with
    `schema_extra` (keywords across fields) is validated whole, record by record.
    """

    def __init__(self, pack: Pack, annex: Annex) -> None:
        self.pack, self.annex = pack, annex
        self.whole = validator_for(pack, annex)
        self.split = not annex.schema_extra
        checker = format_checker()
        schema = annex_schema(pack, annex)
        self.fields = [(f.key, Draft202012Validator(schema["properties"][f.key], format_checker=checker),
                        quick_check(schema["properties"][f.key], checker), fast_check(schema["properties"][f.key]))
                       for f in annex.fields]
        self.cache: dict[tuple[str, type, Any], list[RecordError]] = {}  # (field, type, value or float repr)

    def errors(self, record: dict[str, Any]) -> list[RecordError]:
        if not self.split:
            return record_errors(self.pack, self.annex, record, self.whole)
        out: list[RecordError] = []
        for key, validator, quick, fast in self.fields:
            value = record.get(key)
            if fast is not None and fast(value):
                continue  # valid: most cells of most rows, told without a key or a lookup
            if type(value) in _CACHED_TYPES:
                # A float by its repr: 0.0 == -0.0 and they hash alike, but a message shows which
                # one the cell held (and a NaN, by its repr, is found again like any value).
                ck = (key, type(value), repr(value) if type(value) is float else value)
                found = self.cache.get(ck)
                if found is None:
                    found = [] if quick is not None and quick(value) else self._field_errors(key, validator, value)
                    if len(self.cache) >= CACHE_LIMIT:
                        self.cache.clear()
                    self.cache[ck] = found
            else:
                found = self._field_errors(key, validator, value)
            out.extend(found)
        return out

    def _field_errors(self, key: str, validator: Draft202012Validator, value: Any) -> list[RecordError]:
        return _collect(self.annex, (([key, *err.absolute_path], err) for err in validator.iter_errors(value)))


# Keywords `quick_check` understands; a field schema with any other is always left to jsonschema.
_QUICK_KEYWORDS = frozenset({"title", "description", "$comment", "type", "enum", "minLength", "maxLength",
                             "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_JSON_TYPES: dict[type, tuple[str, ...]] = {type(None): ("null",), bool: ("boolean",), int: ("integer", "number"),
                                            float: ("number",), str: ("string",)}


def quick_check(schema: dict[str, Any], checker: FormatChecker) -> Any:
    """A predicate that says, for a plain value, "jsonschema would find nothing wrong" — much
    faster than asking jsonschema, which is then asked only about values that may have errors
    (for their messages). None when the schema uses a keyword it does not know. It never says
    valid where jsonschema would not (tests/test_schemas.py compares them); when in doubt
    (a float 3.0 for an integer, 1 for an enum of 1.0) it says no and jsonschema decides."""
    if any(k not in _QUICK_KEYWORDS and not k.startswith("x-") for k in schema):
        return None
    kinds = schema.get("type")
    allowed = None if kinds is None else frozenset([kinds] if isinstance(kinds, str) else kinds)
    enum = schema.get("enum")
    min_len, max_len = schema.get("minLength"), schema.get("maxLength")
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    fmt = schema.get("format")
    low, high = schema.get("minimum"), schema.get("maximum")
    above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")

    def valid(value: Any) -> bool:
        names = _JSON_TYPES.get(type(value))
        if names is None:
            return False
        if allowed is not None and not any(n in allowed for n in names):
            return False
        if enum is not None and not any(type(e) is type(value) and e == value for e in enum):
            return False
        if type(value) is str:
            if (min_len is not None and len(value) < min_len) or (max_len is not None and len(value) > max_len):
                return False
            if pattern is not None and not pattern.search(value):
                return False
            if fmt is not None and not checker.conforms(value, fmt):
                return False
        elif type(value) in (int, float):
            if value != value:
                return False  # NaN
            if ((low is not None and not value >= low) or (high is not None and not value <= high)
                    or (above is not None and not value > above) or (below is not None and not value < below)):
                return False
        return True

    return valid


def fast_check(schema: dict[str, Any]) -> Callable[[Any], bool] | None:
    """For the field schemas `field_schema` derives (a text, a number, a date, a yes/no, a choice),
    a predicate made for that one shape that says "valid" for the usual values at the cost of a
    type test and a comparison or two; False means "ask quick_check and jsonschema" (they give the
    messages), so it may say False for a valid value, never True for an invalid one
    (tests/test_schemas.py). None for any other shape."""
    if any(k not in _FAST_KEYWORDS and not k.startswith("x-") for k in schema):
        return None
    kinds = schema.get("type")
    allowed = frozenset([kinds] if isinstance(kinds, str) else kinds or ())
    nullable = "null" in allowed
    if "enum" in schema:
        return _fast_choice(schema) if kinds is None else None
    if allowed - {"null"} == {"string"}:
        if "pattern" in schema:
            return _fast_date(schema, nullable) if set(schema) & _TEXT_KEYWORDS == {"pattern", "format"} else None
        return _fast_text(schema, nullable)
    if allowed - {"null"} in ({"number"}, {"integer"}) and not set(schema) & _TEXT_KEYWORDS:
        return _fast_number(schema, nullable, "integer" in allowed)
    if allowed - {"null"} == {"boolean"} and not set(schema) & (_TEXT_KEYWORDS | _NUMBER_KEYWORDS):
        return (lambda v: v is True or v is False or v is None) if nullable else (lambda v: v is True or v is False)
    return None


_TEXT_KEYWORDS = frozenset({"minLength", "maxLength", "pattern", "format"})
_NUMBER_KEYWORDS = frozenset({"minimum", "maximum"})
_FAST_KEYWORDS = frozenset({"title", "description", "$comment", "type", "enum"}) | _TEXT_KEYWORDS | _NUMBER_KEYWORDS


def _fast_choice(schema: dict[str, Any]) -> Callable[[Any], bool]:
    # A text is only ever equal to a text, so membership in the enum's texts is jsonschema's enum.
    texts = frozenset(e for e in schema["enum"] if type(e) is str)
    blank = None in schema["enum"]
    return lambda v: (type(v) is str and v in texts) or (v is None and blank)


def _fast_text(schema: dict[str, Any], nullable: bool) -> Callable[[Any], bool] | None:
    if set(schema) & _NUMBER_KEYWORDS:
        return None
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    fmt = schema.get("format")
    check = CHECKS.get(fmt) if fmt is not None else None
    if fmt is not None and check is None:
        return None  # a format only jsonschema knows
    most = high if high is not None else float("inf")
    if check is None:
        return lambda v: low <= len(v) <= most if type(v) is str else v is None and nullable
    known: set[str] = set()  # codes that passed: an enterprise's code is on each of its rows

    def valid(v: Any) -> bool:
        if type(v) is str:
            if v in known:
                return True
            if not low <= len(v) <= most or check(v) is not None:
                return False
            _remember(known, v)
            return True
        return v is None and nullable

    return valid


_KNOWN_LIMIT = 10_000


def _remember(known: set[str], value: str) -> None:
    if len(known) >= _KNOWN_LIMIT:
        known.clear()
    known.add(value)


def _fast_date(schema: dict[str, Any], nullable: bool) -> Callable[[Any], bool] | None:
    """A partial date: the same few months on every row, so each valid text is checked once."""
    if schema.get("format") != PARTIAL_DATE:
        return None
    pattern = re.compile(schema["pattern"])
    known: set[str] = set()

    def valid(v: Any) -> bool:
        if type(v) is str:
            if v in known:
                return True
            if pattern.search(v) is None or check_partial_date(v) is not None:
                return False
            _remember(known, v)
            return True
        return v is None and nullable

    return valid


def _fast_number(schema: dict[str, Any], nullable: bool, integer: bool) -> Callable[[Any], bool]:
    """An int, or a float that is not NaN (not for an integer field: jsonschema takes 3.0 there,
    quick_check leaves it to jsonschema), within the inclusive bounds."""
    low, high = schema.get("minimum"), schema.get("maximum")
    numbers = (int,) if integer else (int, float)

    def valid(v: Any) -> bool:
        if type(v) in numbers:
            return v == v and (low is None or v >= low) and (high is None or v <= high)
        return v is None and nullable

    return valid


def _translate(err: Any, f: Field | None, key: str | None, index: int | None) -> RecordError:
    title = f"“{f.title}”" if f else (f"“{key}”" if key else "")
    if index:
        title = f"{title}第{index}项"
    value = err.instance
    kind = err.validator
    if value is None and f is not None and f.required:
        return RecordError("schema.required", key, f"必填项{title}为空，请填写", value, index)
    if kind == "required":
        return RecordError("schema.required", key, f"缺少必填项：{'、'.join(err.validator_value)}", None, index)
    if kind == "enum":
        allowed = "、".join(str(v) for v in err.validator_value if v is not None)
        return RecordError("schema.enum", key, f"{title}填写为“{value}”，不是可选项；请从以下选项中选择：{allowed}", value, index)
    if kind == "format":
        fmt = err.validator_value
        reason = CHECKS.get(fmt, check_partial_date)(str(value)) or f"应为{FORMAT_TITLES.get(fmt, fmt)}"
        return RecordError("schema.format", key, f"{title}“{value}”有误：{reason}", value, index)
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = err.validator_value
        word = "不能小于" if "inimum" in kind else "不能大于"
        return RecordError("schema.range", key, f"{title}为 {value}，{word} {bound}", value, index)
    if kind in ("maxLength", "minLength"):
        if kind == "minLength":
            return RecordError("schema.required", key, f"必填项{title}为空，请填写", value, index)
        return RecordError("schema.length", key, f"{title}超过 {err.validator_value} 个字，请精简", value, index)
    if kind == "pattern" and f is not None and f.type == "date":
        want = PRECISION_TEXT.get(f.precision or "day", "日期")
        return RecordError("schema.date", key, f"{title}“{value}”不是有效的{want}", value, index)
    if kind == "type":
        want = _type_text(err.validator_value)
        return RecordError("schema.type", key, f"{title}应为{want}，现为“{value}”", value, index)
    if kind == "minItems":
        return RecordError("schema.required", key, f"{title}至少需要填写一项", value, index)
    if kind == "uniqueItems":
        return RecordError("schema.duplicate-choice", key, f"{title}中有重复的选项", value, index)
    if kind == "additionalProperties":
        extra = re.findall(r"'([^']+)'", err.message)
        return RecordError("schema.unknown-field", None, f"记录中有申报包未声明的字段：{'、'.join(extra)}", None, index)
    return RecordError(f"schema.{kind}", key, f"{title}不符合要求：{err.message}", value, index)


def _type_text(kind: Any) -> str:
    names = {"string": "文字", "number": "数字", "integer": "整数", "boolean": "是/否", "array": "多项", "object": "表格"}
    kinds = kind if isinstance(kind, list) else [kind]
    return "或".join(names.get(str(k), str(k)) for k in kinds if k != "null")
