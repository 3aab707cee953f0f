"""README's layout section is the tree: every package and module it lists exists, and it lists
every package and every module (issue 20 point 6)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import REPO

NAME = re.compile(r"^[A-Za-z_][\w]*(\.py|/)$")


def _listed() -> set[Path]:
    """Paths named in the code block under `## 目录 / Layout`, below its `toolkit/` line: each line
    starts with one or more names (`x.py`, `pkg/`), then a description; a line indented two more
    than a package's line lists what is inside that package."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## 目录 / Layout"):]
    block = section[section.index("```") + 3:]
    block = block[:block.index("```")]
    lines = block.strip("\n").splitlines()
    assert lines[0] == "toolkit/", "the layout block starts with toolkit/"
    listed: set[Path] = set()
    parents: dict[int, Path] = {0: REPO / "toolkit"}
    for line in lines[1:]:
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            break  # schemas/, templates/ …: the rest of the checkout
        names = []
        for token in line.split():
            if not NAME.match(token):
                break
            names.append(token)
        if not names or indent - 2 not in parents:
            continue  # a description's continuation line
        for key in [k for k in parents if k > indent - 2]:
            del parents[key]
        for name in names:
            path = parents[indent - 2] / name.rstrip("/")
            listed.add(path)
            if name.endswith("/"):
                parents[indent] = path
    return listed


def _tree() -> set[Path]:
    found: set[Path] = set()
    for path in (REPO / "toolkit").rglob("*.py"):
        if path.name == "__init__.py" and path.parent != REPO / "toolkit":
            found.add(path.parent)
        else:
            found.add(path)
    return found


def test_every_listed_package_and_module_exists() -> None:
    missing = sorted(str(p.relative_to(REPO)) for p in _listed() - _tree())
    assert missing == [], "README's layout names what toolkit/ does not have"


def test_every_package_and_module_is_listed() -> None:
    unlisted = sorted(str(p.relative_to(REPO)) for p in _tree() - _listed())
    assert unlisted == [], "add these to README's layout section"


def test_the_parser_reads_nesting() -> None:
    listed = _listed()
    assert REPO / "toolkit" / "outputs" / "returns_xml" / "parts.py" in listed
    assert REPO / "toolkit" / "cli.py" in listed and REPO / "toolkit" / "parts.py" not in listed
