"""The layout reads like the pipeline (issue 20 point 2): no import cycle between toolkit's
modules, and a stage imports only what lies below it. Every import counts, one inside a function
too: importing lazily hides a cycle from Python, not from the reader who follows the code."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import REPO

TOOLKIT = REPO / "toolkit"

# Bottom to top. A module may import modules of its own unit (a package, or a top-level module)
# and of any unit in a lower layer; never a layer above, nor another unit of its own layer, except
# in the layers named in OPEN_LAYERS, whose modules are leaves or thin entry points.
LAYERS: list[tuple[str, list[str]]] = [
    ("base", ["toolkit", "toolkit.errors", "toolkit.findings", "toolkit.formats", "toolkit.textnorm",
              "toolkit.gongwen", "toolkit.seams"]),
    ("infrastructure", ["toolkit.runtime", "toolkit.xlsx", "toolkit.expression"]),
    ("packs", ["toolkit.packs"]),
    ("template, ingest", ["toolkit.template", "toolkit.ingest"]),
    ("validate", ["toolkit.validate"]),
    ("merge", ["toolkit.merge"]),
    ("outputs", ["toolkit.outputs"]),
    ("run", ["toolkit.run"]),
    ("entry points", ["toolkit.api", "toolkit.cli", "toolkit.clizh", "toolkit.__main__"]),
]
OPEN_LAYERS = {"base", "entry points"}

# The return copies' writers: returns calls the three ways through make_copy, and returns_xml and
# returns_openpyxl share only returns_marks (issue 20 point 3), never each other or returns.
RETURNS = ("toolkit.outputs.returns", "toolkit.outputs.returns_xml", "toolkit.outputs.returns_openpyxl")
# A pack is read from a folder or from a workbook, and neither way reaches into the other: source
# (files, meta-schema) and build (pack.json -> Pack) lie below check; workbook_compiled below
# workbook_rules below workbook_read below workbook below workbook_check, which checks and builds
# through check and build; loader, the entry that takes an id, a folder or a workbook, is above both.
PACKS = {f"toolkit.packs.{m}" for m in ("check", "loader", "workbook", "workbook_check", "workbook_read",
                                         "workbook_rules", "workbook_style")}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(TOOLKIT.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every toolkit module `path` imports, at any depth of the file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "toolkit":
                    yield node.lineno, _known(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "toolkit":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield node.lineno, sub if sub in MODULES else _known(node.module)


def _known(name: str) -> str:
    while name not in MODULES:
        name = name.rpartition(".")[0]
        assert name, "an import of a module toolkit does not have"
    return name


def _graph() -> dict[str, dict[str, int]]:
    graph: dict[str, dict[str, int]] = {}
    for name, path in MODULES.items():
        edges = graph.setdefault(name, {})
        for line, target in _imports(path):
            if target != name:
                edges.setdefault(target, line)
    return graph


def _unit(module: str) -> tuple[int, str]:
    best: tuple[int, str] | None = None
    for layer, (_, units) in enumerate(LAYERS):
        for unit in units:
            if module == unit or (unit != "toolkit" and module.startswith(unit + ".")):
                if best is None or len(unit) > len(best[1]):
                    best = (layer, unit)
    assert best is not None, f"{module} is in no layer of LAYERS: place it in the pipeline's order"
    return best


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _in_returns(cycle: list[str]) -> bool:
    return all(any(m == r or m.startswith(r + ".") for r in RETURNS) for m in cycle)


def _in_packs(cycle: list[str]) -> bool:
    return set(cycle) <= PACKS


def _describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    inside = set(cycle)
    return "; ".join(f"{a} imports {b} (line {graph[a][b]})" for a in cycle for b in sorted(graph[a]) if b in inside)


def test_every_module_has_a_layer_and_every_unit_exists() -> None:
    for module in MODULES:
        _unit(module)
    for _, units in LAYERS:
        for unit in units:
            assert unit in MODULES, f"LAYERS names {unit}, which toolkit does not have"


def test_a_stage_imports_only_what_lies_below_it() -> None:
    wrong = []
    for module, edges in _graph().items():
        layer, unit = _unit(module)
        for target, line in edges.items():
            t_layer, t_unit = _unit(target)
            if t_unit == unit or t_layer < layer or (t_layer == layer and LAYERS[layer][0] in OPEN_LAYERS):
                continue
            wrong.append(f"{MODULES[module].relative_to(REPO)}:{line}: {module} ({LAYERS[layer][0]}) "
                         f"imports {target} ({LAYERS[t_layer][0]})")
    assert wrong == []


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles = [c for c in _cycles(graph) if not _in_returns(c) and not _in_packs(c)]
    assert [_describe(c, graph) for c in cycles] == []


def test_no_import_cycle_between_the_return_copy_writers() -> None:
    graph = _graph()
    cycles = [c for c in _cycles(graph) if _in_returns(c)]
    assert [_describe(c, graph) for c in cycles] == []


def test_no_import_cycle_between_the_pack_readers() -> None:
    graph = _graph()
    cycles = [c for c in _cycles(graph) if _in_packs(c)]
    assert [_describe(c, graph) for c in cycles] == []


def test_the_checker_sees_a_cycle_and_a_lazy_upward_import() -> None:
    """The walk must find what it is there to find: an import inside a function, and a cycle."""
    lazy = MODULES["toolkit.cli"]
    assert "toolkit.run.job" in {t for _, t in _imports(lazy)}
    assert _cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [["a", "b", "c"]]
