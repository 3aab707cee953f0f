"""Exact and suspected duplicates across and within files; the same name is not enough."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.ingest.records import Record
from toolkit.merge.dedupe import dedupe, pair_id
from toolkit.packs.loader import load_pack
from toolkit.textnorm import name_parts

PACK = load_pack("jl-761-2020")  # its roles say which field is the name, applicant and code


def rec(name: str, applicant: str = "长春市交通运输局", uscc: str = "11220100013544617X",
        file: str = "南关区.xlsx", row: int = 5, **values: Any) -> Record:
    v = {"project_name": name, "applicant": applicant, "uscc": uscc, "total_investment": 1000.0, **values}
    return Record("projects", v, file, "入库项目表", row)


def test_same_code_and_name_across_files_is_merged_keeping_the_first() -> None:
    a = rec("长春市智慧交通一期项目")
    b = rec("长春市智慧交通一期项目 ", file="朝阳区.xlsx", row=7, total_investment=999.0)
    result = dedupe(PACK, [a, b])
    assert result.kept == [a] and result.merged == [(b, a)]
    assert [f.code for f in result.findings] == ["dup.exact"]
    assert "南关区.xlsx 第5行" in result.findings[0].message and result.findings[0].file == "朝阳区.xlsx"


def test_same_row_pasted_twice_within_a_file() -> None:
    a = rec("九台区智慧社区平台", uscc="")
    b = rec("九台区智慧社区平台", uscc="", row=6)
    assert dedupe(PACK, [a, b]).kept == [a]


def test_phase_written_differently_is_suspected_not_merged() -> None:
    a = rec("长春市智慧交通一期项目")
    b = rec("长春市智慧交通项目（一期）", file="朝阳区.xlsx")
    result = dedupe(PACK, [a, b])
    assert result.kept == [a, b] and not result.merged
    assert len(result.suspects) == 1
    assert "期次写法" in result.suspects[0].reason and "统一社会信用代码相同" in result.suspects[0].reason
    assert [f.code for f in result.findings] == ["dup.suspect"]


def test_different_phase_or_place_are_different_projects() -> None:
    assert not dedupe(PACK, [rec("长春市智慧交通一期项目"), rec("长春市智慧交通二期项目")]).suspects
    assert not dedupe(PACK, [rec("长春市智慧交通一期项目"), rec("吉林市智慧交通一期项目")]).suspects


def test_same_name_different_applicants_and_amounts_are_not_duplicates() -> None:
    a = rec("智慧校园建设项目", applicant="长春市第一中学", uscc="12220100412760000A")
    b = rec("智慧校园建设项目", applicant="吉林市第二实验学校", uscc="12220200412760000B", total_investment=300.0)
    result = dedupe(PACK, [a, b])
    assert result.kept == [a, b] and not result.suspects and not result.merged


def test_fuzzy_match_needs_the_same_applicant() -> None:
    a = rec("长春新区人工智能视觉检测产业化", uscc="")
    b = rec("长春新区人工智能视觉检测产业化平台", uscc="", row=9)
    result = dedupe(PACK, [a, b])
    assert len(result.suspects) == 1 and "相似度" in result.suspects[0].reason


def test_decisions_merge_or_keep_and_pair_ids_are_stable() -> None:
    a = rec("长春市智慧交通一期项目")
    b = rec("长春市智慧交通项目（一期）", file="朝阳区.xlsx")
    pid = pair_id(PACK, a, b)
    moved = rec("长春市智慧交通项目（一期）", file="朝阳区.xlsx", row=30)
    assert pair_id(PACK, a, moved) == pid  # a row moving in the county's file keeps the decision
    merged = dedupe(PACK, [a, b], {pid: "合并"})
    assert merged.kept == [a] and merged.merged == [(b, a)] and not merged.suspects
    kept = dedupe(PACK, [a, b], {pid: "保留"})
    assert kept.kept == [a, b] and not kept.suspects and not kept.findings
    assert [(s.a, s.b, s.pair_id) for s in kept.kept_apart] == [(a, b, pid)]  # for the review sheet
    assert not merged.kept_apart


def test_name_parts() -> None:
    p = name_parts("长春市智慧交通项目（第二期）")
    assert (p.core, p.phases, p.place) == ("长春市智慧交通", frozenset({2}), "长春市")


def _every_pair(blocks, cores, kinds=None):
    """The reference: every pair of every block, each then looked at in full by dedupe."""
    from itertools import combinations

    return sorted({pair for members in blocks.values() for pair in combinations(members, 2)})


def _same_result(fast, every) -> None:
    assert [(d.row, k.row) for d, k in fast.merged] == [(d.row, k.row) for d, k in every.merged]
    assert [(s.a.row, s.b.row, s.reason) for s in fast.suspects] == [(s.a.row, s.b.row, s.reason) for s in every.suspects]
    assert fast.findings == every.findings


def test_a_large_block_gives_what_looking_at_every_pair_gives(monkeypatch) -> None:
    """One applicant with hundreds of projects (a province's 中国铁塔): near names are found by a
    vectorised pass; the result is the every-pair result, pair for pair."""
    import random

    from toolkit.merge import dedupe as module

    rng = random.Random(7)
    towns = ["东风", "红旗", "西安", "南湖", "北环", "光明", "和平", "幸福"]
    topics = ["基站新建", "基站改造", "室内分布", "光缆扩容", "铁塔共享", "机房改造"]
    records = []
    for i in range(400):
        name = f"{rng.choice(towns)}片区{rng.choice(topics)}{rng.choice(['', '项目', '工程', '（一期）', '二期'])}"
        code = rng.choice(["91220000MA0Y3H7A2C", "", "91220101MA17EHGN3U"])
        records.append(rec(name, applicant="中国铁塔股份有限公司吉林省分公司", uscc=code,
                           file=f"{i % 40:02d}区.xlsx", row=5 + i, total_investment=float(rng.randint(1, 9))))
    assert len(records) > module.SMALL_BLOCK * 10
    fast = dedupe(PACK, records)
    monkeypatch.setattr(module, "SMALL_BLOCK", 10**9)  # the same block's pairs scored in one list instead
    as_pairs = dedupe(PACK, records)
    monkeypatch.setattr(module, "_candidate_pairs", _every_pair)
    every = dedupe(PACK, records)
    assert fast.merged and fast.suspects
    _same_result(fast, every)
    _same_result(as_pairs, every)


def test_many_small_blocks_give_what_looking_at_every_pair_gives(monkeypatch) -> None:
    """A city's inbox: applicants with a few projects each, names that differ by a phase, a
    place, brackets, 项目/工程, a character or two, blanks and the same row twice; the pairs
    scored in one pass give the every-pair result."""
    import random

    from toolkit.merge import dedupe as module

    rng = random.Random(11)
    stems = ["智慧社区平台", "智慧社区服务平台", "数字乡村综合服务", "数字乡村综合服务站", "工业互联网标识解析节点",
             "工业互联网标识解析二级节点", "城市大脑", "智慧交通信号", "智慧交通信号灯", ""]  # scores 86, 96, 92, 92
    places = ["", "长春市", "吉林市", "朝阳区"]
    tails = ["", "项目", "工程", "建设项目", "（一期）", "二期", "（第二期）", "一期项目"]
    applicants = [f"{p}第{n}公司" for p in ("吉林", "长春") for n in range(200)] + [""]
    codes = [f"912201{n:03d}MA000000X" for n in range(300)] + [""]
    records = []
    for i in range(1500):
        name = f"{rng.choice(places)}{rng.choice(stems)}{rng.choice(tails)}"
        records.append(rec(name, applicant=rng.choice(applicants), uscc=rng.choice(codes),
                           file=f"{i % 30:02d}区.xlsx", row=5 + i, total_investment=float(rng.randint(1, 3))))
    records += [rec(r.values["project_name"], applicant=r.values["applicant"], uscc=r.values["uscc"],
                    file=r.file, row=r.row + 5000, total_investment=r.values["total_investment"])
                for r in rng.sample(records, 40)]
    records += [rec(f"无主项目{n}", applicant="", uscc="", file="99区.xlsx", row=9000 + i) for i, n in enumerate((1, 2, 1, 1))]
    records += [rec(name, applicant="松原第1公司", uscc="", file="98区.xlsx", row=9100 + i)
                for i, name in enumerate(["工业互联网标识解析节点", "工业互联网标识解析二级节点"])]  # 92 alike
    blocks = [len([r for r in records if r.values[k] == v]) for k, v in [("applicant", "吉林第7公司"), ("uscc", codes[7])]]
    assert max(blocks) <= module.SMALL_BLOCK  # but for the blank ones, which make no block
    fast = dedupe(PACK, records)
    monkeypatch.setattr(module, "_candidate_pairs", _every_pair)
    every = dedupe(PACK, records)
    assert fast.merged and len(fast.suspects) > 50
    assert {round(s.score) for s in fast.suspects if s.score < 100} >= {92, 96}
    assert [(d.row, k.row) for d, k in fast.merged if not k.values["applicant"] and not k.values["uscc"]] == [
        (9002, 9000), (9003, 9000)]  # no code, no applicant: found by the name alone
    _same_result(fast, every)


@pytest.mark.parametrize("placeless", [0.1, 0.6])
def test_blocks_scored_place_by_place_give_what_looking_at_every_pair_gives(monkeypatch, placeless: float) -> None:
    """A company that builds in every county: one large block of names that each start with a
    place, some with none, some with a phase. Scored place by place (`_sub_blocks`), or as the
    whole block where many names have no place, the result is the every-pair result."""
    import random

    from toolkit.merge import dedupe as module

    rng = random.Random(5)
    places = [f"{a}{b}县" for a in "东西南北" for b in "安乐宁平大"] + ["长春市", "长春市南关区"]
    topics = ["基站新建", "基站新建工程", "室内分布", "光缆扩容", "铁塔共享", "机房改造"]
    records = []
    for i in range(600):
        place = "" if rng.random() < placeless else rng.choice(places)
        name = f"{place}{rng.choice(topics)}{rng.choice(['', '项目', '（一期）', '二期', '第三期'])}"
        records.append(rec(name, applicant="中国移动通信集团吉林有限公司", uscc=rng.choice(["91220800HK3UP33703", ""]),
                           file=f"{i % 40:02d}区.xlsx", row=5 + i))
    records += [rec(r.values["project_name"], applicant=r.values["applicant"], uscc=r.values["uscc"],
                    file=r.file, row=r.row + 5000) for r in rng.sample(records, 20)]
    fast = dedupe(PACK, records)
    monkeypatch.setattr(module, "_candidate_pairs", _every_pair)
    every = dedupe(PACK, records)
    assert fast.merged and fast.suspects
    _same_result(fast, every)


def test_sub_blocks_hold_every_pair_of_one_phase_and_no_two_places() -> None:
    from itertools import combinations

    from toolkit.merge.dedupe import _sub_blocks

    kinds = [((), "甲县"), ((), ""), ((1,), "甲县"), ((), "乙县"), ((), "甲县"), ((1,), ""), ((), ""), ((2,), "乙县")]
    members = list(range(len(kinds)))
    subs = _sub_blocks(members, kinds)
    assert all(sub == sorted(sub) for sub in subs)
    got = {pair for sub in subs for pair in combinations(sub, 2)}
    want = {(i, j) for i, j in combinations(members, 2)
            if kinds[i][0] == kinds[j][0] and not (kinds[i][1] and kinds[j][1] and kinds[i][1] != kinds[j][1])}
    assert got == want
    many = [((), "")] * 10 + [((), f"{n}县") for n in range(10)]  # placeless beside every place: the block
    assert _sub_blocks(list(range(20)), many) == [list(range(20))]


def test_records_of_two_annexes_are_looked_at_pair_by_pair(monkeypatch) -> None:
    """Phases and places set pairs aside only when one annex names every project."""
    from toolkit.merge import dedupe as module

    seen: list[object] = []
    real = module._candidate_pairs
    monkeypatch.setattr(module, "_candidate_pairs", lambda b, c, kinds=None: seen.append(kinds) or real(b, c, kinds))
    a, b = rec("长春市智慧交通一期项目"), rec("吉林市智慧交通一期项目", row=6)
    dedupe(PACK, [a, b])
    b.annex = "forms"
    dedupe(PACK, [a, b])
    assert seen[0] is not None and seen[1] is None


def test_keys_worked_out_where_the_files_are_read_give_the_same_result() -> None:
    """dedupe with each record's keys handed in (`known`, as the pipeline's workers send them)
    finds the same merges, suspects and findings as working them out itself."""
    from toolkit.merge.dedupe import record_keys

    names = ["长春市智慧社区平台项目（一期）", "长春市智慧社区平台项目(一期)", "长春市 智慧社区平台 二期",
             "吉林市智慧社区平台项目", "长春市智慧社区平台建设项目（一期）", ""]
    records = [Record(annex="projects", file=f"{i % 3}.xlsx", sheet="表", row=i + 5,
                      values={"project_name": names[i % len(names)], "uscc": ["91220101MA0000000X", ""][i % 2],
                              "applicant": ["某公司", "某局"][i % 3 % 2]})
               for i in range(18)]
    plain = dedupe(PACK, records)
    known = dedupe(PACK, records, known={id(r): record_keys(PACK, r) for r in records})
    assert plain.merged and plain.suspects  # the case has both
    assert [(id(a), id(b)) for a, b in known.merged] == [(id(a), id(b)) for a, b in plain.merged]
    assert known.suspects == plain.suspects and known.findings == plain.findings
