"""Find and load campaign packs: built-in ones by id, or a folder a provincial officer wrote."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from toolkit.errors import PackError
from toolkit.packs.identities import named_lists
from toolkit.packs.model import (
    Annex,
    ChangelogEntry,
    Choice,
    Criterion,
    Field,
    FromForm,
    GridRow,
    Notice,
    Pack,
    Plausibility,
    Routing,
    Section,
    Summary,
    WordForm,
    WordSpan,
)
from toolkit.packs.workbook import is_workbook

PACK_FILE = "pack.json"
META_SCHEMA_FILE = "pack.schema.json"


def builtin_root() -> Path:
    """The folder holding the built-in packs (`schemas/` in a checkout, package data when installed)."""
    here = Path(__file__).resolve().parents[1]
    # Installed: setup.cfg maps schemas/ to toolkit/builtin_packs. In a checkout (and an editable
    # install) it is the top-level schemas/ folder beside toolkit/.
    for root in (here / "builtin_packs", here.parent / "schemas"):
        if (root / META_SCHEMA_FILE).is_file():
            return root
    raise PackError("找不到内置申报包目录（schemas/），请重新安装 shenbao")


def builtin_ids() -> list[str]:
    root = builtin_root()
    return sorted(p.parent.name for p in root.glob(f"*/{PACK_FILE}"))


@lru_cache(maxsize=1)
def meta_schema() -> dict[str, Any]:
    with open(builtin_root() / META_SCHEMA_FILE, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def resolve_pack_dir(ref: str | Path) -> Path:
    """A pack id (`jl-761-2020`) or a folder (or its pack.json) -> the pack folder; a pack
    workbook (申报包.xlsx) is returned as itself (see is_workbook)."""
    path = Path(ref)
    if is_workbook(path):
        if not path.is_file():
            raise PackError(f"找不到申报包工作簿 {path}")
        return path
    if path.is_file() and path.name == PACK_FILE:
        return path.parent
    if path.is_dir():
        if not (path / PACK_FILE).is_file():
            raise PackError(f"目录 {path} 中没有 {PACK_FILE}，不是申报包")
        return path
    candidate = builtin_root() / str(ref)
    if (candidate / PACK_FILE).is_file():
        return candidate
    known = "、".join(builtin_ids())
    raise PackError(f"找不到申报包“{ref}”。内置申报包有：{known}；也可以给出申报包所在目录")


def read_pack_json(pack_dir: Path) -> dict[str, Any]:
    path = pack_dir / PACK_FILE
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except UnicodeDecodeError:
        raise PackError(f"{path} 不是 UTF-8 编码，请另存为 UTF-8") from None
    except json.JSONDecodeError as exc:
        raise PackError(
            f"{path} 不是有效的 JSON：第{exc.lineno}行第{exc.colno}列附近，{exc.msg}"
        ) from None
    except OSError as exc:
        raise PackError(f"无法读取 {path}（系统信息：{exc.strerror or exc}）") from None
    if not isinstance(data, dict):
        raise PackError(f"{path} 的顶层应是一个对象（{{...}}）")
    return data


def load_pack(ref: str | Path, *, check: bool = True) -> Pack:
    """Load and check a pack; a pack with errors raises PackError listing them in Chinese.
    `ref` is a built-in id, a pack folder or a pack workbook (compiled in memory)."""
    if is_workbook(ref):
        from toolkit.packs.workbook_check import load_workbook_pack

        pack: Pack = load_workbook_pack(Path(ref), check)
        return pack
    pack_dir = resolve_pack_dir(ref)
    raw = read_pack_json(pack_dir)
    if check:
        from toolkit.packs.check import check_raw

        errors = [f for f in check_raw(raw, pack_dir) if f.is_error]
        if errors:
            lines = "\n".join(f"  - {f.message}" for f in errors[:20])
            more = f"\n  ……另有 {len(errors) - 20} 处" if len(errors) > 20 else ""
            raise PackError(f"申报包 {pack_dir} 有 {len(errors)} 处错误：\n{lines}{more}")
    return build_pack(raw, pack_dir)


def load_history(pack: Pack, version: str) -> Pack:
    """An earlier published version of the pack, kept in history/<version>.json."""
    if version == pack.version:
        return pack
    if pack.path is None:
        # A pack workbook (or a pack built in memory) holds its current version only: its
        # 修订记录 sheet says what each version changed, not what the old columns and rules were.
        raise PackError(f"申报包 {pack.id} 只有当前版本 {pack.version}，没有保存历史版本，无法与 {version} 比较：申报包工作簿的"
                        f"“修订记录”页只记各版本的说明，不含旧版的各列和规则。请对申报包目录运行（用 shenbao pack-build "
                        f"生成目录，并把 {version} 版的 pack.json 存为 目录/history/{version}.json）")
    path = pack.path / "history" / f"{version}.json"
    if not path.is_file():
        known = sorted(p.stem for p in (pack.path / "history").glob("*.json"))
        listed = "、".join([*known, pack.version])
        raise PackError(f"申报包 {pack.id} 没有版本 {version}；已发布的版本：{listed}")
    with open(path, encoding="utf-8") as fh:
        return build_pack(json.load(fh), None)


def history_versions(pack: Pack) -> list[str]:
    if pack.path is None or not (pack.path / "history").is_dir():
        return []
    return sorted((p.stem for p in (pack.path / "history").glob("*.json")), key=version_key)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _choices(spec: Any, lists: dict[str, Any]) -> tuple[tuple[Choice, ...], str | None]:
    if spec is None:
        return (), None
    name = None
    if isinstance(spec, str):
        name = spec
        spec = lists.get(spec, [])
    out = []
    for item in spec:
        if isinstance(item, str):
            out.append(Choice(item))
        else:
            out.append(
                Choice(item["value"], item.get("route"), tuple(item.get("aliases", ())), item.get("note"))
            )
    return tuple(out), name


def _field(data: dict[str, Any], lists: dict[str, Any]) -> Field:
    choices, list_name = _choices(data.get("choices"), lists)
    return Field(
        key=data["key"],
        title=data["title"],
        type=data["type"],
        required=data.get("required", False),
        unit=data.get("unit"),
        aliases=tuple(data.get("aliases", ())),
        choices=choices,
        choice_list=list_name,
        format=data.get("format"),
        precision=data.get("precision"),
        minimum=data.get("minimum"),
        maximum=data.get("maximum"),
        max_length=data.get("max_length"),
        hint=data.get("hint", ""),
        width=data.get("width"),
        group=data.get("group"),
        example=data.get("example"),
        items=tuple(_field(i, lists) for i in data.get("items", ())),
        rows=data.get("rows"),
        role=data.get("role"),
    )


def _section(data: dict[str, Any]) -> Section:
    return Section(
        title=data["title"],
        kind=data["kind"],
        fields=tuple(data.get("fields", ())),
        columns=tuple(data.get("columns", ())),
        rows=tuple(GridRow(r["label"], tuple(r["fields"])) for r in data.get("rows", ())),
        note=data.get("note"),
    )


def _annex(data: dict[str, Any], lists: dict[str, Any]) -> Annex:
    return Annex(
        id=data["id"],
        number=data["number"],
        title=data["title"],
        kind=data["kind"],
        sheet=data.get("sheet"),
        per=data.get("per", "unit" if data["kind"] == "table" else "project"),
        paper=data.get("paper", "A4"),
        signature_line=data.get("signature_line"),
        required=data.get("required", False),
        instructions=tuple(data.get("instructions", ())),
        fields=tuple(_field(f, lists) for f in data.get("fields", ())),
        sections=tuple(_section(s) for s in data.get("sections", ())),
        paragraphs=tuple(data.get("paragraphs", ())),
        schema_extra=data.get("schema_extra", {}),
        word_form=_word_form(data["word_form"]) if "word_form" in data else None,
        role=data.get("role"),
    )


def _word_form(data: dict[str, Any]) -> WordForm:
    return WordForm(
        not_asked=dict(data.get("not_asked", {})),
        spans=tuple(WordSpan(s["label"], tuple(s["fields"])) for s in data.get("spans", ())),
    )


def criterion_annexes(raw: dict[str, Any]) -> list[str]:
    """The annexes a criterion of pack.json checks. One rule may apply to several (the 推荐汇总表
    row and the 申报表 form of the same project): it is then one criterion per annex, with the
    same id and clause."""
    annex = raw["annex"]
    return [annex] if isinstance(annex, str) else list(annex)


def _plausibility(raw: dict[str, Any]) -> Plausibility:
    given = {k: v for k, v in raw.items() if k != "fields"}
    fields = tuple(raw["fields"]) if "fields" in raw else None
    return Plausibility(**given, fields=fields)


def build_pack(raw: dict[str, Any], path: Path | None) -> Pack:
    lists = raw.get("choice_lists", {})
    summary = raw.get("summary")
    routing = raw.get("routing")
    return Pack(
        id=raw["id"],
        version=raw["version"],
        title=raw["title"],
        year=raw["year"],
        notice=Notice(**raw["notice"]),
        unit=raw["unit"],
        province=raw.get("province"),
        reporting_unit_label=raw.get("reporting_unit_label", "填报单位"),
        reporting_units=tuple(raw.get("reporting_units", ())),
        routing=Routing(**routing) if routing else None,
        annexes=tuple(_annex(a, lists) for a in raw["annexes"]),
        criteria=tuple(
            Criterion(
                id=c["id"],
                clause=c["clause"],
                severity=c["severity"],
                annex=annex_id,
                message=c["message"],
                kind=c.get("kind", "row"),
                title=c.get("title"),
                when=c.get("when"),
                check=c.get("check"),
                field=c.get("field"),
                group_by=c.get("group_by"),
                max_count=c.get("max_count"),
                counts=c.get("counts", "all"),
                values=c.get("values", {}),
                companion=c.get("companion"),
                match_on=c.get("match_on", {}),
            )
            for c in raw.get("criteria", ())
            for annex_id in criterion_annexes(c)
        ),
        summary=Summary(
            annex=summary["annex"],
            title=summary["title"],
            columns=tuple(summary["columns"]),
            group_by=tuple(summary.get("group_by", ())),
            sum_fields=tuple(summary.get("sum_fields", ())),
            split_by=summary.get("split_by"),
            paper=summary.get("paper", "A4"),
            stamp_label=summary.get("stamp_label", "填报单位（盖章）"),
            footer=tuple(summary.get("footer", ())),
            from_forms=tuple(FromForm(f["annex"], dict(f["fields"])) for f in summary.get("from_forms", ())),
        )
        if summary
        else None,
        letter=raw.get("letter", {}),
        identities=named_lists(raw.get("identities", {})),
        plausibility=_plausibility(raw.get("plausibility", {})),
        changelog=tuple(
            ChangelogEntry(e["version"], e["date"], tuple(e["changes"])) for e in raw["changelog"]
        ),
        path=path,
        raw=raw,
    )
