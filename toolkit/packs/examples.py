"""Valid example values for any declared field: used by tests, samples and the benchmark
generator to make records that pass a pack's schema without hand-writing each campaign."""

from __future__ import annotations

import random
from typing import Any

from toolkit.formats import USCC_ALPHABET, id_check_char, org_code_check_char, uscc_check_char
from toolkit.packs.model import Annex, Field


def make_uscc(rng: random.Random, region: str = "220102", kind: str = "91") -> str:
    """A code that passes GB 32100-2015, with a valid embedded organisation code."""
    body = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
    org = body + org_code_check_char(body)  # 0-9 or X, all in the USCC alphabet
    first17 = f"{kind}{region}{org}"
    return first17 + uscc_check_char(first17)


def make_idcard(rng: random.Random, region: str = "220102") -> str:
    born = f"{rng.randint(1960, 1995)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"{region}{born}{rng.randint(0, 999):03d}"
    return first17 + id_check_char(first17)


def make_mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}"


def example_value(f: Field, rng: random.Random) -> Any:
    if f.example is not None:
        return f.example
    if f.type == "text":
        match f.format:
            case "uscc":
                return make_uscc(rng)
            case "idcard":
                return make_idcard(rng)
            case "mobile":
                return make_mobile(rng)
            case "fixed-phone":
                return f"0431-{rng.randint(2_000_000, 89_999_999)}"
            case "phone":
                return make_mobile(rng)
            case "postcode":
                return "130000"
            case "email":
                return f"xm{rng.randint(1, 999)}@example.com"
            case "division-code":
                return "220102"
        return f"{f.title}示例"[: f.max_length or 100]
    if f.type in ("number", "integer"):
        low = f.minimum if f.minimum is not None else 0
        high = f.maximum if f.maximum is not None else low + 5000
        value = rng.uniform(low, high)
        return int(value) if f.type == "integer" else round(value, 2)
    if f.type == "date":
        precision = f.precision or "day"
        year, month = rng.randint(2020, 2022), rng.randint(1, 12)
        return {"year": f"{year}", "month": f"{year}-{month:02d}"}.get(
            precision, f"{year}-{month:02d}-{rng.randint(1, 28):02d}"
        )
    if f.type == "bool":
        return True
    if f.type == "choice":
        return f.choice_values[0]
    if f.type == "multichoice":
        return list(f.choice_values[:2])
    return [{i.key: example_value(i, rng) for i in f.items}]


def example_record(annex: Annex, seed: int = 0) -> dict[str, Any]:
    """A record with every field filled by a valid value (schema-valid, not criteria-aware)."""
    rng = random.Random(seed)
    return {f.key: example_value(f, rng) for f in annex.fields}
